"""The API reference's index of Tensor methods, written at build time (an MkDocs hook).

``Tensor``'s body names its methods one a line (``exp = _refuses_out(_unary.exp)``), which
mkdocstrings can show only as attributes without docstrings. A page asks for the index with a line
``<!-- api: tensor-methods -->``; ``on_page_markdown`` replaces it with a table of every public
name of ``minitorch.Tensor`` (methods, properties, the operators ``Tensor`` writes): its
signature, the first line of its docstring, and the line of ``class Tensor`` (or ``TensorBase``)
that defines it, which says which ``_ops`` function computes it. A list, not a table: a table's
long code cells would scroll out of a 1280-pixel window. Nothing is checked in, so the
index cannot go stale; ``parity_tests/test_api_reference.py`` checks that it lists every name.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import minitorch
from minitorch._tensor import methods, tensor

MARKER = re.compile(r"^<!-- api: tensor-methods -->$", re.MULTILINE)
AUTOMATIC = {"__module__", "__qualname__", "__doc__", "__dict__", "__weakref__", "__slots__",
             "__firstlineno__", "__static_attributes__", "__annotations__"}


def tensor_method_names() -> list[str]:
    """Every public name of ``Tensor``, and the protocol methods its classes write."""
    T = minitorch.Tensor
    return sorted((n for n in dir(T) if not n.startswith("_") or (
        n.startswith("__") and n not in AUTOMATIC and (n in vars(T) or n in vars(tensor.TensorBase)))),
        key=lambda n: (n.startswith("_"), n.lower().strip("_"), n))


def class_body_lines(cls: type, module) -> dict[str, tuple[str, int]]:
    """``{name: (how it is defined, line)}`` for the names ``cls``'s body binds."""
    source = Path(inspect.getsourcefile(module)).read_text()
    body = next(n for n in ast.parse(source).body if isinstance(n, ast.ClassDef) and n.name == cls.__name__)
    out = {}
    for node in body.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out[target.id] = (f"{target.id} = {ast.unparse(node.value)}", node.lineno)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            kind = "property" if any(ast.unparse(d) == "property" or ast.unparse(d).endswith(".setter")
                                     for d in node.decorator_list) else "def"
            out.setdefault(node.name, (f"{kind} {node.name}", node.lineno))
    return out


def summary(obj: object) -> str:
    if not (callable(obj) or isinstance(obj, property)):
        return ""  # a plain value (``__array_priority__``): its type's docstring says nothing
    doc = inspect.getdoc(obj.fget if isinstance(obj, property) else obj) or ""
    first = doc.strip().split("\n\n")[0].replace("\n", " ")
    first = re.sub(r":\w+:`~?([^`]+)`", r"``\1``", first)
    first = re.sub(r"``([^`]+)``", r"`\1`", first)
    # outside code spans, brackets would read as Markdown links (``x[i][j]``), pipes as cells
    parts = re.split(r"(`[^`]*`)", first)
    return "".join(p if p.startswith("`") else re.sub(r"([\[\]*_<>])", r"\\\1", p)
                   for p in parts)


def signature(name: str, obj: object, how: str) -> str:
    if isinstance(obj, property):
        return "(property)"
    wrapped = re.fullmatch(rf"{re.escape(name)} = _\w+\((_\w+)\.(\w+)\)", how)
    target = obj
    if wrapped and hasattr(methods, wrapped.group(1)):  # _inplace(_binary.add): add's signature
        target = getattr(getattr(methods, wrapped.group(1)), wrapped.group(2), obj)
    if not callable(target):
        return ""
    try:  # without self / input, and without out= (a Tensor method refuses it, as PyTorch's)
        params = [p for p in list(inspect.signature(target).parameters.values())[1:] if p.name != "out"]
    except (TypeError, ValueError):
        return ""
    text = "(" + ", ".join(str(p) for p in params) + ")"
    return text.replace("'", "")


def tensor_methods_table() -> str:
    body = class_body_lines(methods.Tensor, methods)
    base = class_body_lines(tensor.TensorBase, tensor)
    rows = []
    for name in tensor_method_names():
        obj = inspect.getattr_static(minitorch.Tensor, name)
        if name in body:
            how, line = body[name]
            where = f"`{how}` (`_tensor/methods.py`, line {line})"
        elif name in base:
            how, line = base[name]
            where = f"`{how}` (`TensorBase`, `_tensor/tensor.py`, line {line})"
        else:
            how, where = "", "inherited"
        what = summary(getattr(minitorch.Tensor, name) if not isinstance(obj, property) else obj)
        what = f"{what} " if what else ""
        rows.append(f"- **`{name}{signature(name, obj, how)}`**: {what}<br>{where}")
    return "\n".join(rows)


def on_page_markdown(markdown: str, **kwargs: object) -> str:
    if MARKER.search(markdown):
        markdown = MARKER.sub(lambda m: tensor_methods_table(), markdown)
    return markdown
