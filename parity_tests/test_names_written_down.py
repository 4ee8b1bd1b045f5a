"""Every public function of ``minitorch`` and every method of ``Tensor`` is a name written down.

Reading the code must find the API: ``grep -rn "def exp\\|exp = " minitorch`` lands on the lines
that define ``minitorch.exp`` and ``Tensor.exp``, and an IDE's "go to definition" works. So no
module attaches methods at import time (``setattr(Tensor, ...)``, ``Tensor.x = ...``) or makes
functions with ``globals()``; ``class Tensor`` (``_tensor/methods.py``) and ``class TensorBase``
(``_tensor/tensor.py``) name every method in their bodies, and ``minitorch/__init__.py`` names
every function (issue 16).
"""

from __future__ import annotations

import ast
import inspect
import re
import types
from pathlib import Path

import pytest

import minitorch
from minitorch._tensor.tensor import TensorBase

PACKAGE = Path(minitorch.__file__).parent
SOURCES = {p: p.read_text() for p in sorted(PACKAGE.rglob("*.py"))}
ALL_SOURCE = "\n".join(SOURCES.values())


def _written_down(name: str) -> bool:
    """The issue's grep: ``def <name>`` or ``<name> = `` somewhere in ``minitorch/``."""
    pattern = rf"(def {re.escape(name)}\(|(^|[\s,(]){re.escape(name)} = )"
    return re.search(pattern, ALL_SOURCE, re.MULTILINE) is not None


PUBLIC_FUNCTIONS = sorted(n for n in dir(minitorch) if not n.startswith("_")
                          and isinstance(getattr(minitorch, n), (types.FunctionType, types.BuiltinFunctionType)))
# made by Python for every class, not written in a body
AUTOMATIC = {"__module__", "__qualname__", "__doc__", "__dict__", "__weakref__", "__slots__", "__firstlineno__",
             "__static_attributes__"}
# the public methods and properties, and the protocol methods minitorch writes (``__add__`` ...)
TENSOR_METHODS = sorted(n for n in dir(minitorch.Tensor) if not n.startswith("_") or (
    n.startswith("__") and n not in AUTOMATIC and (n in vars(minitorch.Tensor) or n in vars(TensorBase))))


def test_the_lists_are_not_empty():
    assert {"exp", "add", "sum", "cat", "where", "randn", "dropout"} <= set(PUBLIC_FUNCTIONS)
    assert {"exp", "exp_", "add_", "__add__", "view", "to", "new_zeros", "normal_", "float", "T"} \
        <= set(TENSOR_METHODS)


@pytest.mark.parametrize("name", PUBLIC_FUNCTIONS)
def test_public_function_is_written_down(name):
    assert _written_down(name), f"minitorch.{name}: no `def {name}` or `{name} = ` in minitorch/"


@pytest.mark.parametrize("name", TENSOR_METHODS)
def test_tensor_method_is_written_down(name):
    assert _written_down(name), f"Tensor.{name}: no `def {name}` or `{name} = ` in minitorch/"


def _class_body_names(path: Path, class_name: str) -> set[str]:
    tree = ast.parse(SOURCES[path])
    (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name]
    names = set()
    for node in cls.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def test_every_tensor_attribute_is_in_a_class_body():
    """What ``Tensor`` has beyond ``object`` is named in ``class Tensor`` or ``class TensorBase``."""
    body = _class_body_names(PACKAGE / "_tensor" / "methods.py", "Tensor") \
        | _class_body_names(PACKAGE / "_tensor" / "tensor.py", "TensorBase")
    extra = set(vars(minitorch.Tensor)) | set(vars(TensorBase))
    extra -= body | AUTOMATIC | set(TensorBase.__slots__)
    assert not extra, f"attached outside the class bodies: {sorted(extra)}"


def _binds_at_import(node: ast.AST) -> str | None:
    """``setattr(Tensor, ...)``, ``Tensor.x = ...``, ``globals().update(...)``, ``globals()[k] = ...``."""
    tensor_names = {"Tensor", "TensorBase", "T"}
    if isinstance(node, ast.Call):
        f = node.func
        if isinstance(f, ast.Name) and f.id == "setattr" and node.args \
                and isinstance(node.args[0], ast.Name) and node.args[0].id in tensor_names:
            return f"setattr({node.args[0].id}, ...)"
        if isinstance(f, ast.Attribute) and f.attr == "update" and isinstance(f.value, ast.Call) \
                and isinstance(f.value.func, ast.Name) and f.value.func.id == "globals":
            return "globals().update(...)"
    if isinstance(node, (ast.Assign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for t in [e for target in targets for e in (target.elts if isinstance(target, ast.Tuple) else [target])]:
            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id in tensor_names:
                return f"{t.value.id}.{t.attr} = ..."
            if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Call) \
                    and isinstance(t.value.func, ast.Name) and t.value.func.id == "globals":
                return "globals()[...] = ..."
    return None


# Not the public API, and written down elsewhere: (file, what) -> why it may
ALLOWED = {
    ("backends/cpu.py", "globals().update(...)"):
        "its module __getattr__ caches the numba kernels, imported on first use; their names are "
        "written down in _KERNELS, and they are the CPU array namespace's, not minitorch's",
}


def test_no_module_binds_names_at_import():
    found = []
    for path, source in SOURCES.items():
        for node in ast.walk(ast.parse(source)):
            what = _binds_at_import(node)
            if what and (path.relative_to(PACKAGE).as_posix(), what) not in ALLOWED:
                found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {what}")
    assert not found, "names made at import time:\n" + "\n".join(found)


def test_init_imports_no_star():
    """``minitorch/__init__.py`` names what it re-exports (``from x import *`` hides it)."""
    tree = ast.parse(SOURCES[PACKAGE / "__init__.py"])
    stars = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names)]
    assert not stars, f"star imports in minitorch/__init__.py: {stars}"


def test_the_ast_check_can_fail():
    bad = "setattr(Tensor, 'exp', f)\nT.float, T.log = g\nglobals()['x'] = 1\nglobals().update(d)\n"
    assert {_binds_at_import(n) for n in ast.walk(ast.parse(bad))} - {None} == {
        "setattr(Tensor, ...)", "T.float = ...", "globals()[...] = ...", "globals().update(...)"}
    assert not _written_down("no_such_function_anywhere")


def test_methods_are_the_functions():
    """A method is the op's function itself (or a wrapper refusing ``out=``): no lookup layer."""
    from minitorch._ops.shape import views

    assert minitorch.Tensor.view is views.view
    assert inspect.unwrap(minitorch.Tensor.exp) is inspect.unwrap(minitorch.exp)
