"""The one-way import rule, kept: every import (function-level ones included) points down the layers.

The layers, bottom first (``minitorch/__init__.py``'s docstring and docs/index.md draw them):

    kernels  <-  _core  <-  backends  <-  autograd  <-  _ops  <-  _tensor, serialization
             <-  nn, optim, utils, vision, hub, viz, profiler, accelerator, cuda  <-  minitorch (__init__)

A module may import from its own layer and the layers below. The few imports that go against the
order are listed in ``EXCEPTIONS``, each with its reason; an exception that no import needs any more
fails too, so the list only shrinks. Within a layer modules may import each other (the op families
of ``_ops`` compose: ``reduce`` uses ``pointwise``), but without cycles: no cycle among the imports
that run at import time anywhere, and none at all, function-level imports included, below ``nn``.

The test reads the source (``ast``), so it sees imports inside functions, which ``import`` alone
never exercises.
"""

from __future__ import annotations

import ast
import itertools
import pathlib
import re
from collections import defaultdict
from dataclasses import dataclass

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Bottom first. A module belongs to the layer of its longest matching prefix.
LAYERS: list[tuple[str, set[str]]] = [
    ("kernels", {"kernels", "minitorch.kernels"}),  # numba loops on NumPy arrays; no minitorch types
    ("_core", {"minitorch._core"}),  # dtype, device, size, strides, argument checks, threads; no Tensor
    ("backends", {"minitorch.backends"}),  # array functions per device (NumPy + kernels, torch for CUDA)
    ("autograd", {"minitorch.autograd"}),  # Function/Primitive, saved tensors, the engine, grad modes
    ("_ops", {"minitorch._ops"}),  # the ops, by family
    ("tensor", {"minitorch._tensor", "minitorch.serialization", "minitorch._torch_format"}),
    ("libraries", {"minitorch.nn", "minitorch.optim", "minitorch.utils", "minitorch.vision", "minitorch.hub",
                   "minitorch.viz", "minitorch.accelerator", "minitorch.cuda", "minitorch.profiler",
                   "minitorch._compile"}),
    ("minitorch", {"minitorch"}),  # the package's __init__: re-exports
]
BELOW_LIBRARIES = 5  # layers 0..5 (kernels .. tensor): no import cycle at all, function-level included


@dataclass(frozen=True)
class Exception_:
    importers: tuple[str, ...]  # module prefixes
    imported: str  # a module
    reason: str


EXCEPTIONS = [
    Exception_(("minitorch._ops",), "minitorch._tensor.tensor",
               "the Tensor <-> op tie (PyTorch has it too): an op takes and makes Tensors and a Tensor "
               "records its Function; the Tensor class's own module imports only _core, backends, autograd, "
               "and autograd reaches the class through function._tensor_class, which Tensor registers"),
    Exception_(("minitorch.nn.functional",), "minitorch",
               "nn.functional is written against the public API (`import minitorch as torch`, as "
               "torch.nn.functional does `import torch`); minitorch/__init__ imports nn after the names it uses"),
    Exception_(("minitorch.serialization", "minitorch._tensor.interop"), "minitorch.nn.parameter",
               "loading and converting rebuild nn.Parameter, a Tensor subclass (PyTorch's "
               "torch._utils._rebuild_parameter imports torch.nn.parameter the same way), inside functions"),
    Exception_(("minitorch.autograd.profiler",), "minitorch.profiler",
               "PyTorch keeps record_function and the older profile at torch.autograd.profiler too: "
               "this module only re-exports minitorch.profiler, which no module of autograd imports"),
    Exception_(("minitorch.autograd.profiler",), "minitorch.profiler._legacy",
               "the older profile (torch.autograd.profiler.profile), re-exported with record_function"),
]


# ----------------------------------------------------------------------------- reading the imports
@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    path: str
    line: int
    at_import_time: bool  # not inside a function, not under ``if TYPE_CHECKING``


def _modules() -> dict[str, tuple[pathlib.Path, bool]]:
    """``{dotted name: (path, is_package)}`` for every module of minitorch and kernels."""
    mods = {}
    for top in ("minitorch", "kernels"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            is_pkg = parts[-1] == "__init__"
            if is_pkg:
                parts = parts[:-1]
            mods[".".join(parts)] = (path, is_pkg)
    return mods


MODULES = _modules()


def _known(name: str) -> str | None:
    """The module ``name`` is, or lies in (``a.b.fn`` -> ``a.b``), or None outside the project.

    The folder ``kernels/`` may be installed as ``minitorch.kernels`` (setup.py maps it): both names
    are read as the files under ``kernels/``."""
    if (name == "minitorch.kernels" or name.startswith("minitorch.kernels.")) and "minitorch.kernels" not in MODULES:
        name = name[len("minitorch."):]
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name if name in MODULES else None


def _is_module(name: str) -> bool:
    """``name`` is a module of the project itself (``from .. import kernels`` names ``minitorch.kernels``)."""
    return _known(name) in (name, name.removeprefix("minitorch."))


def _targets(module: str, is_pkg: bool, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        if node.level:
            base = module.split(".") if is_pkg else module.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module or ""
        # ``from pkg import name``: the submodule ``pkg.name`` if there is one, else ``pkg`` itself
        names = [f"{prefix}.{a.name}" if _is_module(f"{prefix}.{a.name}") else prefix for a in node.names]
    return [t for t in (_known(n) for n in names) if t is not None]


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _visit(node: ast.AST, at_import_time: bool, module: str, is_pkg: bool, rel: str, found: list[Import]) -> None:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            for target in _targets(module, is_pkg, child):
                found.append(Import(module, target, rel, child.lineno, at_import_time))
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for stmt in child.body:
                _visit(ast.Module(body=[stmt], type_ignores=[]), False, module, is_pkg, rel, found)
            for stmt in child.orelse:
                _visit(ast.Module(body=[stmt], type_ignores=[]), at_import_time, module, is_pkg, rel, found)
            continue
        inner = at_import_time and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        _visit(child, inner, module, is_pkg, rel, found)


def _imports() -> list[Import]:
    found: list[Import] = []
    for module, (path, is_pkg) in MODULES.items():
        rel = str(path.relative_to(ROOT))
        _visit(ast.parse(path.read_text(), filename=rel), True, module, is_pkg, rel, found)
    return found


IMPORTS = _imports()


def layer_of(module: str) -> int | None:
    best: tuple[int, int] | None = None
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > best[1]):
                best = (i, len(prefix))
    return None if best is None else best[0]


def _excepted(imp: Import) -> Exception_ | None:
    for exc in EXCEPTIONS:
        if imp.imported == exc.imported and any(
                imp.importer == p or imp.importer.startswith(p + ".") for p in exc.importers):
            return exc
    return None


def _where(imp: Import) -> str:
    return f"{imp.path}:{imp.line}: {imp.importer} ({LAYERS[layer_of(imp.importer)][0]}) imports " \
           f"{imp.imported} ({LAYERS[layer_of(imp.imported)][0]})"


# ----------------------------------------------------------------------------- the rules
def test_import_names_are_read_as_files():
    assert _known("minitorch._ops.creation.factories.zeros") == "minitorch._ops.creation.factories"
    assert _known("minitorch.kernels.conv") == _known("kernels.conv") == "kernels.conv"
    assert _known("numpy.linalg") is None


def test_every_module_has_a_layer():
    unplaced = sorted(m for m in MODULES if layer_of(m) is None)
    assert not unplaced, f"modules in no layer (add their package to LAYERS): {unplaced}"


def test_imports_point_down():
    against = [imp for imp in IMPORTS
               if layer_of(imp.imported) > layer_of(imp.importer) and _excepted(imp) is None]
    assert not against, (
        f"{len(against)} import(s) against the layer order (move the code down, or list the import in "
        "EXCEPTIONS with its reason):\n" + "\n".join(sorted({_where(imp) for imp in against})))


def test_every_exception_is_still_needed():
    used = {id(_excepted(imp)) for imp in IMPORTS if layer_of(imp.imported) > layer_of(imp.importer)}
    unused = [exc for exc in EXCEPTIONS if id(exc) not in used]
    assert not unused, f"exceptions no import needs any more (remove them): {unused}"


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph (as a list of modules, first == last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def _graph(imports) -> tuple[dict[str, set[str]], dict[tuple[str, str], Import]]:
    edges: dict[str, set[str]] = defaultdict(set)
    where = {}
    for imp in imports:
        if imp.imported != imp.importer:
            edges[imp.importer].add(imp.imported)
            where.setdefault((imp.importer, imp.imported), imp)
    return edges, where


def _describe(cycle: list[str], where) -> str:
    return "\n".join(f"  {where[(a, b)].path}:{where[(a, b)].line}: {a} -> {b}" for a, b in itertools.pairwise(cycle))


def test_no_import_cycle_at_import_time():
    """The imports that run when a module is first imported (module level, class bodies) form no cycle."""
    edges, where = _graph(imp for imp in IMPORTS if imp.at_import_time and _excepted(imp) is None)
    cycle = _cycle(edges)
    assert cycle is None, "import cycle at import time:\n" + _describe(cycle, where)


def _is_own_package(imp: Import) -> bool:
    """A submodule importing a name of its own package (``from . import grad`` in autograd/gradcheck.py):
    the package is always initialised before its submodules, so this never starts an import."""
    return imp.importer.startswith(imp.imported + ".")


def test_no_import_cycle_below_the_libraries():
    """Below nn/optim/utils/vision, no cycle at all, function-level imports included: the lower layers
    read as a tree (the Tensor <-> Function tie aside)."""
    edges, where = _graph(
        imp for imp in IMPORTS
        if layer_of(imp.importer) <= BELOW_LIBRARIES and layer_of(imp.imported) <= BELOW_LIBRARIES
        and _excepted(imp) is None and not _is_own_package(imp))
    cycle = _cycle(edges)
    assert cycle is None, "import cycle (function-level imports included):\n" + _describe(cycle, where)


# ----------------------------------------------------------------------------- the diagram in the docs
DIAGRAM_PLACES = ["minitorch/__init__.py", "docs/index.md"]


@pytest.mark.parametrize("place", DIAGRAM_PLACES)
def test_the_layer_diagram_is_drawn(place):
    """The docstring of ``minitorch/__init__.py`` and the architecture page draw the layers in order
    (bottom first or top first)."""
    text = (ROOT / place).read_text()
    start = text.find("Layers")
    assert start >= 0, f"{place}: no 'Layers' diagram"
    diagram = text[start:start + 2000]
    positions = []
    for name, _ in LAYERS[:-1]:
        pattern = {"kernels": r"\bkernels/", "tensor": r"\b_tensor/", "libraries": r"\bnn\b"}.get(name, rf"\b{name}/")
        found = re.search(pattern, diagram)
        assert found, f"{place}: the layer diagram does not mention {name}"
        positions.append(found.start())
    assert positions in (sorted(positions), sorted(positions, reverse=True)), \
        f"{place}: the layer diagram lists the layers out of order"
