"""Run invalid calls in child processes and record what each library raises.

A :class:`Case` is one line of Python that calls a public callable with bad input, e.g.
``Case("zeros", "torch.zeros('a')")``. It runs with ``torch`` bound to the library under test
(``minitorch`` or the real ``torch``) and a few fresh fixtures (see :data:`SETUP`), in a child
process that prints one JSON line per case. The parent reads the lines with a per-case time limit:

- a child that dies (SIGSEGV, abort) is a **crash** of the case it had started, and a new child
  goes on with the next case;
- a case that prints nothing within :data:`CASE_TIMEOUT` seconds of the child's CPU time is a
  **hang**: the child is killed and a new one goes on. CPU time, not the wall clock, because a
  loaded machine (pytest-xdist's workers, other jobs) stretches a case's wall time, e.g. a numba
  compilation, far more than its CPU time; a child that waits without computing is a hang after
  :data:`WALL_FACTOR` times the limit of wall time. (Without ``/proc`` the limit is wall time.)

Exception types are compared by their nearest built-in class (``torch.linalg.LinAlgError`` is a
``RuntimeError``; minitorch raises built-in types only): minitorch's must be torch's or a subclass.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

CASE_TIMEOUT = 30.0
WALL_FACTOR = 10
"""A child that has neither printed nor used up its CPU-time limit is a hang after this many times
the limit of wall time (a deadlock spends no CPU time)."""
READY_TIMEOUT = 120.0
# Each child may map at most this much memory, so that an "impossible size" case fails with an
# error instead of taking the machine's memory.
MEMORY_LIMIT = 8 * 1024 ** 3

SETUP = """\
torch.manual_seed(0)
x = torch.randn(2, 3)                      # float32
xd = torch.randn(2, 3, dtype=torch.float64)
xi = torch.arange(6).reshape(2, 3)         # int64
xb = xi > 2                                # bool
v = torch.randn(4)
m = torch.randn(3, 4)
img = torch.randn(2, 3, 8, 8)              # N, C, H, W
idx = torch.tensor([0, 1])
"""


@dataclass(frozen=True)
class Case:
    """One invalid call: the public callable it exercises and the line that calls it."""

    callable: str
    code: str

    @property
    def id(self) -> str:
        return f"{self.callable}: {self.code}"


def cases(callable_name: str, *codes: str) -> list[Case]:
    """Several invalid calls of one callable."""
    return [Case(callable_name, code) for code in codes]


# ----------------------------------------------------------------------------- the child


def _child_main(library: str) -> None:
    """Reads ``[index, setup, code]`` JSON lines on stdin; prints one outcome line for each."""
    import importlib
    import warnings

    warnings.simplefilter("ignore")
    torch = importlib.import_module(library)
    base_ns = {"torch": torch, "nn": torch.nn, "F": torch.nn.functional, "optim": torch.optim}
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        index, setup, code = json.loads(line)
        ns = dict(base_ns)
        try:
            exec(setup, ns)  # noqa: S102  (a case's own setup code)
        except Exception as error:  # noqa: BLE001
            print(json.dumps({"i": index, "outcome": "setup-error", "exc": repr(error)[:300]}), flush=True)
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(code, ns)  # noqa: S102  (the call the case checks)
        except BaseException as error:
            if isinstance(error, (KeyboardInterrupt, SystemExit)):
                raise
            builtin = next(c for c in type(error).__mro__ if c.__module__ == "builtins")
            outcome = {"i": index, "outcome": "raised", "builtin": builtin.__name__,
                       "exc": f"{type(error).__module__}.{type(error).__qualname__}",
                       "msg": str(error)[:300]}
        else:
            outcome = {"i": index, "outcome": "ok"}
        print(json.dumps(outcome), flush=True)


def _spawn(library: str) -> subprocess.Popen:
    code = ("import resource, sys; "
            f"resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT}, {MEMORY_LIMIT})); "
            f"sys.path.insert(0, {os.path.dirname(os.path.dirname(os.path.abspath(__file__)))!r}); "
            f"from error_parity.runner import _child_main; _child_main({library!r})")
    env = dict(os.environ, OMP_NUM_THREADS="1", NUMBA_NUM_THREADS="1", PYTHONFAULTHANDLER="")
    return subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=env, bufsize=1)


def _reader(proc: subprocess.Popen, lines: queue.Queue) -> None:
    for line in proc.stdout:
        lines.put(line)
    lines.put(None)


def _cpu_seconds(pid: int) -> float | None:
    """A live child's CPU time (user + system) in seconds, from ``/proc``; None where there is none."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()  # after the command name: state, ppid, ...
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    except (OSError, ValueError, IndexError):
        return None


def _next_line(proc: subprocess.Popen, lines: queue.Queue, limit: float) -> str | None:
    """The child's next line (None once it closed its output); ``queue.Empty`` when it has spent
    ``limit`` seconds of CPU time, or ``WALL_FACTOR * limit`` seconds of wall time, without one."""
    start, cpu_start = time.monotonic(), _cpu_seconds(proc.pid)
    while True:
        try:
            return lines.get(timeout=min(limit, 1.0))
        except queue.Empty:
            waited, cpu = time.monotonic() - start, _cpu_seconds(proc.pid)
            if cpu is None or cpu_start is None:  # no /proc, or the child is gone: the wall clock
                if waited >= limit:
                    raise
            elif cpu - cpu_start >= limit or waited >= WALL_FACTOR * limit:
                raise


def run_cases(library: str, batch: list[Case], timeout: float = CASE_TIMEOUT) -> dict[str, dict]:
    """Each case's outcome in ``library`` ("torch" or "minitorch"), by case id.

    An outcome is ``{"outcome": "ok"}``, ``{"outcome": "raised", "builtin": ..., "exc": ...,
    "msg": ...}``, ``{"outcome": "crash", "returncode": ...}``, ``{"outcome": "hang"}`` or
    ``{"outcome": "setup-error", ...}``.
    """
    results: dict[str, dict] = {}
    start = 0
    while start < len(batch):
        proc = _spawn(library)
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=_reader, args=(proc, lines), daemon=True).start()
        ready = _next_line(proc, lines, READY_TIMEOUT)
        if ready is None:
            raise RuntimeError(f"the {library} child died before it was ready (returncode {proc.wait()})")
        position = start
        try:
            for position in range(start, len(batch)):
                case = batch[position]
                proc.stdin.write(json.dumps([position, SETUP, case.code]) + "\n")
                proc.stdin.flush()
                line = _next_line(proc, lines, timeout)
                if line is None:
                    results[case.id] = {"outcome": "crash", "returncode": proc.wait()}
                    break
                outcome = json.loads(line)
                outcome.pop("i", None)
                results[case.id] = outcome
            else:
                position = len(batch)
        except queue.Empty:
            results[batch[position].id] = {"outcome": "hang"}
        except BrokenPipeError:
            results[batch[position].id] = {"outcome": "crash", "returncode": proc.wait()}
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        start = position + 1
    return results


# ----------------------------------------------------------------------------- judging
def _is_subclass(name: str, base: str) -> bool:
    import builtins

    a, b = getattr(builtins, name, None), getattr(builtins, base, None)
    return a is not None and b is not None and issubclass(a, b)


def judge(reference: dict, ours: dict) -> str:
    """One word for a case: ``same``, ``different`` (another exception type), ``silent``
    (torch raises, we return), ``crash``, ``hang``, ``not-invalid`` (torch accepts the call:
    the case does not belong in the table) or ``setup-error``."""
    if reference["outcome"] != "raised":
        return "not-invalid" if reference["outcome"] == "ok" else "setup-error"
    kind = ours["outcome"]
    if kind == "raised":
        return "same" if _is_subclass(ours["builtin"], reference["builtin"]) else "different"
    return {"ok": "silent"}.get(kind, kind)


def _case_modules() -> list:
    import importlib
    import pkgutil

    package = importlib.import_module(__package__ or "error_parity")
    return [importlib.import_module(f"{package.__name__}.{info.name}")
            for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name)
            if info.name.startswith("cases_")]


def load_all_cases() -> list[Case]:
    """Every case of every ``cases_*.py`` table in this folder, in file order; a case that two
    tables share (the same call, written by two families' tables) is run once."""
    seen: dict[str, Case] = {}
    for module in _case_modules():
        for case in module.CASES:
            seen.setdefault(case.id, case)
    return list(seen.values())


def tables() -> dict[str, list[Case]]:
    """Each table's own cases, by module name."""
    return {module.__name__.rsplit(".", 1)[-1]: list(module.CASES) for module in _case_modules()}


def load_known_differences() -> dict[str, str]:
    """The ``KNOWN_DIFFERENCES`` of every table: case id -> why minitorch deliberately differs
    (each reason is also a sentence in ``docs/differences.md``). The test fails when such a case
    starts to match torch, so the lists cannot go stale."""
    known: dict[str, str] = {}
    for module in _case_modules():
        known.update(getattr(module, "KNOWN_DIFFERENCES", {}))
    return known
