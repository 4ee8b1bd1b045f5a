"""Generate docs/parity.md: every public API of minitorch, its PyTorch name, and how it is tested.

Two sources, both read, never hand-written:

1. the op table (``parity_tests/harness/table*.py``): an entry's flags say what
   ``parity_tests/test_ops.py`` and ``test_errors.py`` compare against torch - forward values
   (or only shape/dtype, or the distribution of random ops), first and second gradients in
   float64, ``out=``, and the invalid calls that must raise torch's exception type;
2. the dedicated test files (``parity_tests/test_*.py``): an API the table does not hold is
   marked "tested in test_x.py" when that file names it (``.name(`` / ``.name`` or the quoted
   ``"name"`` that a file's ``check("name", ...)`` helper looks up, for functions and methods;
   the bare word for classes). That is a grep, so it says "mentioned by a test", no more.

An alias (``absolute``, ``arccos``, ``Tensor.ndimension``: the same code object as another public
name, ``abs``, ``acos``, ``Tensor.dim``) is marked "alias of" its target and tested as the target
is: the two names run the same function.

Usage: ``python tools/gen_parity_table.py`` rewrites docs/parity.md; ``--check`` exits 1 when the
file is stale (``parity_tests/test_docs.py`` runs the same comparison).
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "parity.md"
TESTS = ROOT / "parity_tests"
# Test files that drive the table (they name no op), test the docs themselves, or read the source.
NOT_DEDICATED = {"test_ops.py", "test_errors.py", "test_docs.py", "test_primitives_index.py",
                 "test_layers.py", "test_docs_pointers.py", "test_lint.py", "test_names_written_down.py"}

# (minitorch module, the prefix of its names in the table and on the page)
sys.path[:0] = [str(ROOT), str(TESTS)]  # this checkout's minitorch and its parity harness

NAMESPACES = [
    ("minitorch", ""),
    ("minitorch.Tensor", "Tensor."),
    ("minitorch.autograd", "autograd."),
    ("minitorch.nn", "nn."),
    ("minitorch.nn.functional", "nn.functional."),
    ("minitorch.nn.init", "nn.init."),
    ("minitorch.nn.utils", "nn.utils."),
    ("minitorch.optim", "optim."),
    ("minitorch.optim.lr_scheduler", "optim.lr_scheduler."),
    ("minitorch.utils.data", "utils.data."),
]


@dataclass
class Row:
    name: str                 # as on the page and in the table: "add", "Tensor.add", "nn.Linear"
    torch_name: str | None    # "torch.add", or None when torch has no such name
    forward: str = ""         # "✓", "meta", "random"; "+out=" appended when out= is checked
    grad: bool = False
    gradgrad: bool = False
    errors: int = 0
    tested_in: list[str] = field(default_factory=list)  # "table: elementwise" or test file names
    alias_of: str | None = None  # "abs" for "absolute": the same function under another name


def resolve(root: Any, dotted: str) -> Any:
    target = root
    for part in dotted.split("."):
        target = getattr(target, part)
    return target


def torch_equivalent(name: str) -> str | None:
    import torch

    try:
        resolve(torch, name)
    except AttributeError:
        return None
    return f"torch.{name}"


def public_names(module_name: str) -> list[str]:
    """The public names a module defines (its ``__all__``, else its own classes and functions)."""
    try:
        if module_name == "minitorch.Tensor":
            import minitorch

            return sorted(n for n in dir(minitorch.Tensor) if not n.startswith("_"))
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:  # a namespace not written yet (utils.data) has no rows
        if e.name != module_name:
            raise
        return []
    if hasattr(module, "__all__"):
        return sorted(module.__all__)
    names = []
    for name, obj in vars(module).items():
        if name.startswith("_") or inspect.ismodule(obj):
            continue
        if (inspect.isclass(obj) or callable(obj)) and getattr(obj, "__module__", "").startswith(
                "minitorch"):
            names.append(name)
        elif type(obj).__module__.startswith("minitorch") and module_name == "minitorch":
            names.append(name)  # dtype objects: minitorch.float32 ...
    return sorted(names)


def table_rows() -> dict[str, Row]:
    from harness.table import FAMILIES

    rows: dict[str, Row] = {}
    checks: dict[str, set[str]] = {}  # name -> kinds of forward check over its variants
    for family, specs in FAMILIES.items():
        for spec in specs:
            row = rows.get(spec.name)
            if row is None:
                row = rows[spec.name] = Row(spec.name, torch_equivalent(spec.name))
            tested = spec.sample is not None
            if tested:
                checks.setdefault(spec.name, set()).add(spec.check)
                checks[spec.name].update(["out="] if spec.out else [])
            row.grad |= tested and spec.grad
            row.gradgrad |= tested and spec.grad and spec.gradgrad
            row.errors += len(spec.errors)
            if f"table: {family}" not in row.tested_in:
                row.tested_in.append(f"table: {family}")
    for name, kinds in checks.items():
        # the strongest check any variant makes: values, else the distribution, else shape/dtype
        main = "✓" if "values" in kinds else "random" if "random" in kinds else "meta"
        rows[name].forward = main + (" +out=" if "out=" in kinds else "")
    return rows


def dedicated_files() -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(TESTS.glob("test_*.py"))
            if p.name not in NOT_DEDICATED}


def mentioned_in(name: str, files: dict[str, str]) -> list[str]:
    import minitorch

    leaf = name.rsplit(".", 1)[-1]
    if leaf[:1].isupper():
        pattern = re.compile(rf"\b{re.escape(leaf)}\b")
    elif callable(resolve(minitorch, name)):  # F.name( / x.name, or the name a helper looks up
        # as a string: check("name", ...), a table key "name" (a dtype's name, 'short', is not)
        pattern = re.compile(rf"\.{re.escape(leaf)}\b|[\"']{re.escape(leaf)}[\"']")
    else:
        pattern = re.compile(rf"\.{re.escape(leaf)}\b")
    return [f for f, text in files.items() if pattern.search(text)]


def alias_target(name: str) -> str | None:
    """``abs`` for ``absolute``: the public name whose function has the same code, if another."""
    import minitorch

    obj = resolve(minitorch, name)
    code, leaf = getattr(obj, "__code__", None), getattr(obj, "__name__", None)
    if code is None or not leaf or leaf == name.rsplit(".", 1)[-1] or leaf.startswith("_"):
        return None
    target = name.rsplit(".", 1)[0] + "." + leaf if "." in name else leaf
    try:
        return target if getattr(resolve(minitorch, target), "__code__", None) is code else None
    except AttributeError:
        return None


def collect() -> list[tuple[str, list[Row]]]:
    """The rows of each namespace, in page order."""
    table = table_rows()
    files = dedicated_files()
    sections: list[tuple[str, list[Row]]] = []
    placed: set[str] = set()
    for module_name, prefix in NAMESPACES:
        names = {prefix + n for n in public_names(module_name)}
        names |= {n for n in table if _namespace_of(n) == prefix}
        rows = []
        for name in sorted(names, key=lambda n: (n.lower(), n)):
            if name in placed:
                continue
            placed.add(name)
            row = table.get(name)
            if row is None:
                row = Row(name, torch_equivalent(name), tested_in=mentioned_in(name, files))
                row.alias_of = alias_target(name) if _is_function(name) else None
            rows.append(row)
        if rows:
            sections.append((module_name.replace("minitorch", "torch", 1), rows))
    by_name = {r.name: r for _, section in sections for r in section}
    for _, section in sections:  # an alias is tested as its target is
        for row in section:
            target = by_name.get(row.alias_of or "")
            if target is not None and target.tested_in:
                row.tested_in = [f"alias of `{row.alias_of}`"]
    return sections


def _is_function(name: str) -> bool:
    import minitorch

    obj = resolve(minitorch, name)
    return callable(obj) and not inspect.isclass(obj)


def _namespace_of(name: str) -> str:
    """The page prefix a table name belongs to: the longest matching one."""
    best = ""
    for _, prefix in NAMESPACES:
        if prefix and name.startswith(prefix) and len(prefix) > len(best):
            best = prefix
    return best


def cell(row: Row) -> list[str]:
    # torch_equivalent only ever finds the same name under torch: a mark is enough, and keeps
    # the table narrow enough for a 1280 px window
    torch_name = "✓" if row.torch_name else "— (not in torch)"
    if any(t.startswith(("table:", "alias of")) for t in row.tested_in):
        where = ", ".join(row.tested_in)
    elif row.tested_in:
        where = "tested in " + ", ".join(row.tested_in)
    else:
        where = "**no parity test**"
    return [f"`{row.name}`", torch_name, row.forward, "✓" if row.grad else "",
            "✓" if row.gradgrad else "", str(row.errors) if row.errors else "", where]


def render() -> str:
    sections = collect()
    rows = [r for _, section in sections for r in section]
    in_table = [r for r in rows if any(t.startswith("table:") for t in r.tested_in)]
    aliases = [r for r in rows if r.tested_in and r.tested_in[0].startswith("alias of")]
    dedicated = [r for r in rows if r.tested_in and r not in in_table and r not in aliases]
    untested = [r for r in rows if not r.tested_in]
    lines = [
        "---",
        "hide:",
        "  - toc  # seven columns need the width; the sections are one per namespace",
        "---",
        "",
        "# Parity with PyTorch",
        "",
        "<!-- Generated by tools/gen_parity_table.py from the op table; do not edit by hand. -->",
        "",
        ("Every public name of minitorch, whether PyTorch has the same name (`torch.` + the name; "
         "✓ in the **in torch** column), and what the parity tests check. Columns for entries of the op table (`parity_tests/harness/table*.py`, "
         "run by `test_ops.py` and `test_errors.py`):"),
        "",
        ("- **forward**: values compared with torch in every dtype the entry lists (`meta`: shape "
         "and dtype only, as for `empty`; `random`: the distribution; `+out=`: the `out=` "
         "argument too);"),
        "- **grad** / **grad²**: first / second gradients compared with torch's in float64;",
        "- **errors**: invalid calls that must raise torch's exception type.",
        "",
        ("An API outside the table says which dedicated test file names it (a grep, see "
         "`tools/gen_parity_table.py`). How the harness works: [How the parity tests prove "
         "it](parity-tests.md)."),
        "",
        (f"**{len(rows)}** public APIs: **{len(in_table)}** in the op table "
         f"({sum(r.grad for r in in_table)} with gradients, "
         f"{sum(r.gradgrad for r in in_table)} with second gradients, "
         f"{sum(bool(r.errors) for r in in_table)} with error cases); **{len(dedicated)}** tested "
         f"in dedicated files; **{len(aliases)}** aliases, tested as the name they stand for "
         f"(`absolute` runs `abs`); **{len(untested)}** with no parity test."),
        "",
    ]
    for title, section in sections:
        lines += [f"## `{title}`", "",
                  "| minitorch | in torch | forward | grad | grad² | errors | tested in |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        lines += ["| " + " | ".join(cell(r)) + " |" for r in section]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if OUTPUT.read_text() != text:
            print(f"{OUTPUT.relative_to(ROOT)} is stale: run python tools/gen_parity_table.py")
            return 1
        return 0
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
