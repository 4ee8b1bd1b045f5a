"""Generate docs/primitives.md: every built-in op that owns a backward, on one line each.

Read from the code, never hand-written: every ``autograd.Function`` subclass defined in minitorch
(the ``Primitive`` ops of ``minitorch/_ops/`` and the few Tensor-level Functions of ``nn``), with

- the PyTorch node names it records (its ``node_name``, the names it runs under through
  ``Function.named`` and those it declares in ``also_named``);
- ``file:line`` of its class (for a row of the ``UNARY`` table, of that row);
- the forward and the backward: the first paragraph of its docstring, ``y = ...;  dx = ...``,
  split at the first ``;`` (for ``UNARY``, the row's two lambdas);
- why it is a primitive, its ``reason`` (see ``minitorch/autograd/function.py: Primitive``).

Usage: ``python tools/gen_primitives_index.py`` rewrites docs/primitives.md; ``--check`` exits 1
when the file is stale (``parity_tests/test_primitives_index.py`` runs the same comparison).
"""

from __future__ import annotations

import inspect
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "primitives.md"
sys.path.insert(0, str(ROOT))  # this checkout's minitorch

KINDS = ("node", "numerics", "speed", "base")
UNARY_ROW = re.compile(r'^\s*"(\w+)":\s*\(lambda xp, x: (.+?),\s+(?:lambda x, y, g: (.+)|None)\),\s*(?:#.*)?$')


def functions() -> list[type]:
    """Every Function subclass defined in minitorch, in source order: after ``import minitorch`` and
    of every module of the packages that define Functions (some, such as ``_ops/device.py``, are
    imported on first use only, so the index must not depend on what ran before it)."""
    import importlib
    import pkgutil

    import minitorch
    from minitorch.autograd.function import Function, Primitive

    for package in (minitorch._ops, minitorch.autograd, minitorch.nn, minitorch.optim):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(info.name)

    found, stack = set(), [Function]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                stack.append(sub)
    mine = [c for c in found if c.__module__.startswith("minitorch.") and c is not Primitive]
    return sorted(mine, key=lambda c: (source(c)[0], source(c)[1]))


def _unary_rows() -> dict[str, tuple[int, str, str]]:
    """``UNARY``'s rows as written: name -> (line, forward, gradient or None)."""
    path = ROOT / "minitorch" / "_ops" / "pointwise" / "unary.py"
    rows = {}
    for i, line in enumerate(path.read_text().splitlines(), 1):
        m = UNARY_ROW.match(line)
        if m:
            rows[m.group(1)] = (i, m.group(2).strip(), m.group(3).strip() if m.group(3) else None)
    return rows


def _unary_name(cls) -> str | None:
    """The ``UNARY`` row a generated class comes from (``_make_unary`` names it ``Exp``, ``Log1p`` ...)."""
    if cls.__module__ != "minitorch._ops.pointwise.unary":
        return None
    name = cls.__name__.lower()
    return name if name in _unary_rows() else None


def source(cls) -> tuple[str, int]:
    """(path relative to the repository, line) of the class, or of its ``UNARY`` row."""
    row = _unary_name(cls)
    if row is not None:
        return "minitorch/_ops/pointwise/unary.py", _unary_rows()[row][0]
    path = Path(inspect.getsourcefile(cls)).resolve().relative_to(ROOT).as_posix()
    return path, inspect.getsourcelines(cls)[1]


def formulas(cls) -> tuple[str, str]:
    """(forward, backward), one line each."""
    row = _unary_name(cls)
    if row is not None:
        _, fwd, grad = _unary_rows()[row]
        fwd = "y = " + re.sub(r"_(\w+)\(xp, x\)", r"\1(x)", fwd.replace("xp.", ""))
        return fwd, ("dx = " + grad) if grad else "dx = 0 (piecewise constant)"
    doc = cls.__dict__.get("__doc__") or ""
    first = inspect.cleandoc(doc).split("\n\n")[0]
    # ";" then two spaces or a line break separates them (``y = [x_0; x_1]`` has a ";" of its own)
    parts = re.split(r";(?:  |\n)", first, maxsplit=1)
    if len(parts) != 2:
        parts = first.split("; ", 1)
    if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
        raise ValueError(f"{cls.__module__}.{cls.__qualname__}: the docstring's first paragraph must read "
                         f"'y = ...;  dx = ...', got {first!r}")
    forward, backward = (" ".join(p.split()) for p in parts)
    return forward.rstrip(".,"), backward.rstrip(".")


def node_names(cls) -> list[str]:
    """The node names ``cls`` records: its own (unless only a base), then the ``named`` ones.

    Those are what its module names at import (``SumAll = Sum.named("SumBackward0")``) and what
    the class declares in ``also_named`` (names picked at run time), not ``cls._names``, which
    grows as ops run: the page must not depend on what ran before.
    """
    from minitorch.autograd.function import NamedFunction

    private = cls._backward_cls._name.startswith("_")  # a private base's default name: never recorded
    own = [] if private or reason(cls)[0] == "base" else [cls._backward_cls._name]
    module = sys.modules[cls.__module__]
    at_import = {v.node_name for v in vars(module).values() if isinstance(v, NamedFunction) and v.function is cls}
    return own + sorted((at_import | set(cls.also_named)) - set(own))


def reason(cls) -> tuple[str, str]:
    """(kind, text) of the class's own ``reason``; raises when it has none or an unknown kind."""
    text = cls.__dict__.get("reason", "")
    kind, _, detail = text.partition(":")
    if kind not in KINDS or (kind != "node" and not detail.strip()):
        raise ValueError(f"{cls.__module__}.{cls.__qualname__}: reason must be 'node' or "
                         f"'numerics: ...' / 'speed: ...' / 'base: ...', got {text!r}")
    return kind, detail.strip()


def _cell(text: str) -> str:
    """Table-safe text: RST ``literals`` become Markdown ones, and ``|`` is escaped."""
    return text.replace("``", "`").replace("|", "\\|")


def _code(text: str) -> str:
    """A Markdown code span (the tables extension leaves a ``|`` inside one alone)."""
    return "`" + text.replace("`", "") + "`"


def render() -> str:
    rows, kinds, n_names = [], Counter(), 0
    for cls in functions():
        path, line = source(cls)
        forward, backward = formulas(cls)
        kind, detail = reason(cls)
        kinds[kind] += 1
        names = node_names(cls)
        n_names += len(names)
        op = ", ".join(f"`{n}`" for n in names) or f"(base of others: `{cls.__name__}`)"
        why = f"**{kind}**" + (f": {_cell(detail)}" if detail else "")
        rows.append(f"| {op} | `{path}:{line}` | {_code(forward)} | {_code(backward)} | {why} |")
    summary = ", ".join(f"{kinds[k]} {k}" for k in KINDS if kinds[k])
    return "\n".join([
        "# Primitives: every op that owns a backward",
        "",
        "<!-- Generated by tools/gen_primitives_index.py; do not edit. parity_tests/test_primitives_index.py"
        + " checks it is up to date. -->",
        "",
        "Most ops in minitorch are compositions: they call other ops and need no backward of their own",
        "(`softmax` is `exp` and a division; `F.gelu` is `x` times an `erf`). The ops below own one: each",
        "is an `autograd.Function` (almost all a `Primitive`, whose forward runs on the backend's arrays),",
        "with a forward and a backward a few lines apart (`minitorch/autograd/function.py`).",
        "",
        "The set is not small, and the reason is PyTorch's: `derivatives.yaml` gives most PyTorch ops",
        "their own backward node, and a user sees its name as `grad_fn` (`AddmmBackward0`,",
        "`SqueezeBackward1`). minitorch records the same names, so most primitives below are here for",
        "**node**: PyTorch has a node of that name, and a composition would show its parts' names",
        "instead; some of them say what else they buy, **numerics** (a composition would lose accuracy",
        "or NaN behaviour) or **speed**. A few are here for **speed** alone (the text names the",
        "benchmark, or says that none was run). One formula under several names is one class, run as",
        "`Fn.named(\"OtherBackward0\")` (`Function.named`): the op column lists every name it records.",
        "",
        f"{len(rows)} classes ({summary}), {n_names} node names. Forward and backward are each class's",
        "docstring's first line (for `minitorch/_ops/pointwise/unary.py: UNARY`, the table row);",
        "`g` is the incoming gradient, `dx` the gradient of input `x`. How the engine runs them:",
        "[Tensors and autograd](tensors-and-autograd.md); writing your own: [custom Functions](custom-function.md).",
        "",
        "| op (PyTorch node) | source | forward | backward | why a primitive |",
        "|---|---|---|---|---|",
        *rows,
        "",
    ])


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if OUTPUT.read_text() != text:
            print("docs/primitives.md is stale: run `python tools/gen_primitives_index.py`")
            return 1
        return 0
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
