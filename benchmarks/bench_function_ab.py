"""One function old against new, in one process: the A/B that a busy machine still allows.

Run: ``python benchmarks/bench_function_ab.py MODULE:NAME REV SETUP STMT [--number N] [--rounds R]``
from the repository root, e.g.::

    python benchmarks/bench_function_ab.py minitorch._ops.linalg.matmul:matmul HEAD~1 \\
        "a = m.randn(8, 8); b = m.randn(8, 8)" "a @ b"
    python benchmarks/bench_function_ab.py minitorch.autograd.engine:GraphTask.__init__ HEAD~1 \\
        "from minitorch.autograd import engine" "engine.GraphTask(None, True, False, False)"

``NAME`` is a module-level function or ``Class.method`` of the working tree's ``MODULE`` (several
targets, comma-separated, swap together: a change spread over a few functions); its
source at git revision ``REV`` is compiled in the same module's globals and the two versions take
turns in that place (a module attribute or a class attribute), ``--rounds`` times, alternating
which goes first; each turn times ``STMT`` (setup: ``SETUP``, with ``m`` the minitorch module)
``--number`` times, best of two. The medians are printed with the load average.

Two processes (``bench_commits.py``) see the machine's load at different moments; on a machine
that other benchmarks share, their single figures scatter by 10-50 %. Here both versions run in
one interpreter, on the same objects, a few milliseconds apart, so a 5 % change is visible. Only
code that reads ``NAME`` at call time sees the swap; a module-level function is swapped too in
every loaded module that imported it by name (``minitorch.cat`` is ``joins.cat``), but a
reference kept elsewhere (a dict, a default argument, a closure) keeps the new one.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import os
import statistics
import subprocess
import sys
import textwrap
import time
import timeit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def old_version(module, qualname: str, rev: str):
    """``qualname``'s definition in ``module``'s file at git revision ``rev``, compiled in the
    module's globals (so it sees the working tree's helpers under the same names)."""
    path = os.path.relpath(os.path.realpath(module.__file__), ROOT)  # minitorch/kernels may be a symlink
    source = subprocess.run(["git", "-C", ROOT, "show", f"{rev}:{path}"], capture_output=True, text=True,
                            check=True).stdout
    body: list = ast.parse(source).body
    *classes, name = qualname.split(".")
    for cls in classes:
        body = next(n for n in body if isinstance(n, ast.ClassDef) and n.name == cls).body
    node = next(n for n in body if isinstance(n, ast.FunctionDef) and n.name == name)
    start = min([d.lineno for d in node.decorator_list] + [node.lineno]) - 1
    text = textwrap.dedent("\n".join(source.splitlines()[start:node.end_lineno]))
    namespace: dict = {}
    if not classes:
        exec(compile(text, f"{path}@{rev}", "exec"), module.__dict__, namespace)  # noqa: S102 - our own source
        return namespace[name]
    # A method is compiled inside a function whose argument ``__class__`` is its class, the cell
    # that a zero-argument ``super()`` reads (a class body would give it one).
    owner = module
    for cls in classes:
        owner = getattr(owner, cls)
    text = "def _make(__class__):\n" + textwrap.indent(text, "    ") + f"\n    return {name}\n"
    exec(compile(text, f"{path}@{rev}", "exec"), module.__dict__, namespace)  # noqa: S102 - our own source
    return namespace["_make"](owner)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("target", help="MODULE:NAME, NAME a function or Class.method; several: comma-separated")
    parser.add_argument("rev", help="the git revision of the old version")
    parser.add_argument("setup")
    parser.add_argument("stmt")
    parser.add_argument("--number", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--threads", type=int, default=1, help="minitorch's threads")
    parser.add_argument("--cpu", action="store_true",
                        help="time this thread's CPU time (time.thread_time), not wall time: at 1 thread the "
                             "same work, without the time other processes take the core away (a busy machine)")
    args = parser.parse_args()

    import minitorch

    minitorch.set_num_threads(args.threads)
    swaps = []  # (owner, name, old, new) for every place the new version is reachable by name
    for target in args.target.split(","):
        module_name, qualname = target.split(":")
        module = importlib.import_module(module_name)
        *classes, name = qualname.split(".")
        owner = module
        for cls in classes:
            owner = getattr(owner, cls)
        new = owner.__dict__[name]
        old = old_version(module, qualname, args.rev)
        if isinstance(new, (classmethod, staticmethod)):
            old = type(new)(old)
        swaps.append((owner, name, old, new))
        if not classes:  # also where it was imported by name (``minitorch.cat`` is joins.cat)
            swaps += [(m, attr, old, new) for m in list(sys.modules.values()) if m is not None and m is not module
                      for attr, value in list(vars(m).items()) if value is new]
    env: dict = {"m": minitorch}
    exec(args.setup, env)  # noqa: S102 - the caller's statement
    times: dict[str, list[float]] = {"old": [], "new": []}
    for r in range(args.rounds):
        for version in ("old", "new") if r % 2 == 0 else ("new", "old"):
            for owner, name, old, new in swaps:
                setattr(owner, name, old if version == "old" else new)
            best = min(timeit.repeat(args.stmt, globals=env, number=args.number, repeat=2,
                                     timer=time.thread_time if args.cpu else time.perf_counter))
            times[version].append(best / args.number * 1e6)
    for owner, name, _, new in swaps:
        setattr(owner, name, new)
    o, n = statistics.median(times["old"]), statistics.median(times["new"])
    print(f"load average {os.getloadavg()[0]:.2f}; {args.stmt} ({'CPU' if args.cpu else 'wall'} time): "
          f"old ({args.rev}) {o:.2f} µs, "
          f"new {n:.2f} µs, new / old {n / o:.3f} (medians of {args.rounds})")


if __name__ == "__main__":
    main()
