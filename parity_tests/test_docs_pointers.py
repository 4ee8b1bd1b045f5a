"""The docs' source pointers lead somewhere: every backticked ``path/file.py`` names a file of the
repository, and every name after it (``path/file.py: name, Class.method``) is defined in that file.

The rule (docs/index.md, "Contributor notes"): a path is read from the repository root or from inside
``minitorch/``, ``kernels/``, ``parity_tests/``, ``examples/``, ``benchmarks/`` or ``tools/``. A
bare file name (``checks.py``) is looked up in the folders that the pointers before it on the same
page name (``parity_tests/harness/``, or the folder of ``backends/mps.py``), nearest first; failing
that, it must name exactly one file of the repository. A pytest node id (``test_x.py::test_y``)
points at the test, and ``file.py:123`` (a generated index's form) at a line the file has. A name is defined by ``def``,
``class`` or an assignment, at module level or in a class (a method); ``Class.method`` asks for that
method of that class. Pointers inside fenced code blocks are code, not pointers, and are not read.

One test per page, so a page that another change rewrites fails on its own, with every broken
pointer listed as ``page:line: pointer: what is wrong``.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BASES = ["", "minitorch", "kernels", "parity_tests", "examples", "benchmarks", "tools"]
PAGES = sorted([*ROOT.glob("docs/*.md"), *ROOT.glob("docs/api/*.md"), ROOT / "README.md"])
# Markdown lets inline code run over a line break, so a pointer's names may too.
POINTER = re.compile(r"`(?P<path>[A-Za-z0-9_./-]+\.py)(?:(?P<sep>::|:\s*)(?P<names>[^`]+))?`")
FOLDER = re.compile(r"`(?P<folder>[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*/)`")
FENCE = re.compile(r"^[ \t]*```.*?^[ \t]*```", re.MULTILINE | re.DOTALL)
SKIP_DIRS = {".git", ".venv", ".ci-venv", "node_modules", "site", "runs", "__pycache__", ".ruff_cache",
             ".mypy_cache", ".pytest_cache", ".hypothesis"}


@functools.cache
def files_named(name: str) -> tuple[Path, ...]:
    """Every file of the repository called ``name`` (build and cache folders left out)."""
    return tuple(sorted(p for p in ROOT.rglob(name)
                        if p.is_file() and not SKIP_DIRS.intersection(p.relative_to(ROOT).parts)))


def _in_bases(path: str) -> Path | None:
    for base in BASES:
        candidate = ROOT / base / path
        if candidate.exists():
            return candidate
    return None


def resolve(path: str, folders: list[Path]) -> tuple[Path | None, str]:
    """The file a pointer's path names (bare names looked up in ``folders``, last first), or None and why."""
    if "/" not in path:
        for folder in reversed(folders):
            if (folder / path).is_file():
                return folder / path, ""
        found = files_named(path)
        if len(found) == 1:
            return found[0], ""
        if not found:
            return None, "no such file in the repository"
        where = ", ".join(str(p.relative_to(ROOT)) for p in found)
        return None, f"ambiguous bare file name ({where}): write the path"
    target = _in_bases(path)
    if target is not None and target.is_file():
        return target, ""
    return None, f"no such file (looked in the repository root and {', '.join(b + '/' for b in BASES[1:])})"


@functools.cache
def definitions(path: Path) -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """Names defined in a file (functions, classes, assignments, methods) and each class's members."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    members: dict[str, frozenset[str]] = {}

    def assigned(stmt: ast.stmt) -> list[str]:
        if isinstance(stmt, ast.Assign):
            targets = [t for target in stmt.targets for t in
                       (target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target])]
            return [t.id for t in targets if isinstance(t, ast.Name)]
        if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)) and isinstance(stmt.target, ast.Name):
            return [stmt.target.id]
        return []

    def body_names(body: list[ast.stmt]) -> set[str]:
        out: set[str] = set()
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out.add(stmt.name)
            out.update(assigned(stmt))
            for inner in ("body", "orelse", "finalbody", "handlers"):  # if/try/with blocks at this level
                block = getattr(stmt, inner, None)
                if isinstance(block, list) and not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                     ast.ClassDef)):
                    out.update(body_names([s for s in block if isinstance(s, ast.stmt)] +
                                          [s for h in block if isinstance(h, ast.ExceptHandler) for s in h.body]))
        return out

    names.update(body_names(tree.body))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            own = body_names(node.body)
            members[node.name] = frozenset(own | members.get(node.name, frozenset()))
            names.update(own)
    return frozenset(names), members


def check_name(path: Path, name: str) -> str:
    """Why ``name`` is not defined in ``path`` ("" when it is)."""
    name = name.strip().removesuffix("()")
    names, members = definitions(path)
    if "." in name:
        cls, _, attr = name.partition(".")
        if cls not in members:
            return f"no class {cls}"
        return "" if attr in members[cls] else f"class {cls} has no {attr}"
    return "" if name in names else f"no def, class or assignment of {name}"


def pointers(page: Path) -> list[tuple[int, str, str | None, str | None]]:
    """``(line, pointer text, path, names)`` of each file pointer on the page, outside fenced code;
    a folder pointer (``parity_tests/harness/``) comes as ``(line, text, folder, None)`` with a
    folder ending in ``/``."""
    text = page.read_text()
    text = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)  # keep line numbers
    found = []
    for m in POINTER.finditer(text):
        names = m.group("names") and " ".join(m.group("names").split())
        if names and m.group("sep") == "::":  # a pytest node id: file.py::Class::test
            names = names.replace("::", ".")
        found.append((m.start(), m.group(0), m.group("path"), names))
    found += [(m.start(), m.group(0), m.group("folder"), None) for m in FOLDER.finditer(text)]
    return [(text.count("\n", 0, at) + 1, pointer, path, names) for at, pointer, path, names in sorted(found)]


def _label(page: Path) -> str:
    return str(page.relative_to(ROOT)) if page.is_relative_to(ROOT) else page.name


def broken_pointers(page: Path) -> list[str]:
    problems = []
    folders: list[Path] = []  # the folders the pointers so far named, for bare file names
    for line, text, path, names in pointers(page):
        where = f"{_label(page)}:{line}: {text}"
        if path.endswith("/"):
            folder = _in_bases(path)
            if folder is not None and folder.is_dir():
                folders.append(folder)
            continue
        target, why = resolve(path, folders)
        if target is None:
            problems.append(f"{where}: {why}")
            continue
        folders.append(target.parent)
        if names and names.isdigit():  # file.py:123
            n_lines = len(target.read_text().splitlines())
            if not 1 <= int(names) <= n_lines:
                problems.append(f"{where}: line {names} is past the end of {target.relative_to(ROOT)} "
                                f"({n_lines} lines)")
            continue
        for name in (names or "").split(","):
            if name.strip() and not re.fullmatch(r"[A-Za-z_][\w.]*(\(\))?", name.strip()):
                problems.append(f"{where}: '{name.strip()}' is not a name (write `file.py: name, Class.method`)")
            elif name.strip() and (why := check_name(target, name)):
                problems.append(f"{where}: {why} in {target.relative_to(ROOT)}")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_docs_pointers_resolve(page):
    problems = broken_pointers(page)
    assert not problems, f"{len(problems)} broken source pointer(s):\n" + "\n".join(problems)


def test_pointers_are_found():
    """The pointer pattern still matches the docs' pointers (a test that finds none would pass vacuously)."""
    found = [p for page in PAGES for p in pointers(page) if not p[2].endswith("/")]
    assert len(found) > 50
    assert any(names for *_, names in found)


def test_a_broken_pointer_is_reported(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("See `autograd/engine.py: run_backward, no_such_function`, `no_such_file.py` and\n"
                    "`checks.py`; `autograd/engine.py:1` but not `autograd/engine.py:100000`.\n")
    problems = [p.rsplit("`: ", 1)[-1] for p in broken_pointers(page)]
    assert problems == [
        "no def, class or assignment of no_such_function in minitorch/autograd/engine.py",
        "no such file in the repository",
        problems[2],
        problems[3],
    ]
    assert problems[2].startswith("ambiguous bare file name")
    assert problems[3].startswith("line 100000 is past the end of minitorch/autograd/engine.py")
