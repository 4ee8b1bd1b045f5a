"""The API reference lists every public name (issue 18, item 5).

``docs/api/*.md`` renders modules with mkdocstrings (``::: minitorch.x.y``, with ``options:``).
A public name of ``minitorch.nn``, ``nn.functional``, ``nn.init``, ``optim``,
the schedulers, ``utils.data``, ``autograd`` or ``vision``'s packages is listed when a
directive renders the module that defines it, or one whose ``__all__`` re-exports it (its
``members`` not ``false``, and naming it if it is a list), or renders the object itself, and either the object has a docstring or the directive shows
names without one (``show_if_no_docstring: true``; mkdocs.yml's default is false). Every method of
``Tensor`` is listed by ``tools/docs_api.py`` (the ``<!-- api: tensor-methods -->`` line of
``docs/api/tensor.md``).
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from pathlib import Path

import pytest

import minitorch

ROOT = Path(__file__).resolve().parent.parent
API = ROOT / "docs" / "api"
DIRECTIVE = re.compile(r"^::: (?P<target>[\w.]+)\n(?P<options>(?:    .*\n|\n)*)", re.MULTILINE)

# written with "/": tools/gen_parity_table.py would read the dotted names as tests of them
NAMESPACES = [p.replace("/", ".") for p in [
              "minitorch/nn", "minitorch/nn/functional", "minitorch/nn/init", "minitorch/nn/utils",
              "minitorch/optim", "minitorch/optim/lr_scheduler", "minitorch/utils/data",
              "minitorch/autograd", "minitorch/vision/datasets", "minitorch/vision/transforms",
              "minitorch/vision/transforms/v2", "minitorch/vision/io", "minitorch/vision/utils",
              "minitorch/vision/models"]]


def directives() -> list[dict]:
    out = []
    for page in sorted(API.glob("*.md")):
        for m in DIRECTIVE.finditer(page.read_text()):
            options = m.group("options")
            members = re.search(r"^\s+members: (.*)$", options, re.MULTILINE)
            out.append({
                "page": page.name, "target": m.group("target"),
                "members": None if members is None else members.group(1).strip(),
                "undocumented": re.search(r"show_if_no_docstring: true", options) is not None,
            })
    return out


def public_names(namespace: str) -> list[tuple[str, object]]:
    module = importlib.import_module(namespace)
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    out = []
    for name in names:
        obj = getattr(module, name)
        if inspect.ismodule(obj) or not (inspect.isclass(obj) or callable(obj)):
            continue
        if not getattr(obj, "__module__", "").startswith("minitorch"):
            continue
        out.append((name, obj))
    return out


def reexports(target: str, name: str, obj: object) -> bool:
    """``target`` is a module whose ``__all__`` names ``obj`` (mkdocstrings renders those)."""
    try:
        module = importlib.import_module(target)
    except ImportError:
        return False
    return name in getattr(module, "__all__", ()) and getattr(module, name, None) is obj


def listed(obj: object, name: str, found: list[dict]) -> str | None:
    """The page that lists ``obj``, or None."""
    module, qualname = obj.__module__, getattr(obj, "__qualname__", name)
    documented = bool(inspect.getdoc(obj)) and (inspect.getdoc(obj) != inspect.getdoc(type(obj))
                                                or inspect.isclass(obj))
    for d in found:
        if d["target"] == f"{module}.{qualname}":
            return d["page"]
        if d["members"] == "false" or not (d["target"] == module or reexports(d["target"], name, obj)):
            continue
        if d["members"] is not None and not re.search(rf"\b{re.escape(qualname)}\b", d["members"]):
            continue
        if documented or d["undocumented"]:
            return d["page"]
    return None


CASES = sorted({(ns, name) for ns in NAMESPACES for name, _ in public_names(ns)})


def test_the_namespaces_are_read():
    # (no op names quoted here: tools/gen_parity_table.py would count this file as testing them)
    assert {ns for ns, _ in CASES} == set(NAMESPACES)
    assert len(CASES) > 300


@pytest.mark.parametrize("namespace, name", CASES, ids=[f"{ns}.{n}" for ns, n in CASES])
def test_public_name_is_in_the_api_reference(namespace, name):
    obj = getattr(importlib.import_module(namespace), name)
    assert listed(obj, name, directives()), (
        f"{namespace}.{name} ({obj.__module__}) is on no page of docs/api/: add a `::: "
        f"{obj.__module__}` directive, or show_if_no_docstring: true where it has no docstring")


def test_every_tensor_method_is_listed():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import docs_api
    finally:
        sys.path.pop(0)
    assert docs_api.MARKER.search((API / "tensor.md").read_text()), "tensor.md lost its index"
    listing = docs_api.tensor_methods_table()
    public = [n for n in dir(minitorch.Tensor) if not n.startswith("_")]
    missing = [n for n in public if f"**`{n}(" not in listing and f"**`{n}`**" not in listing]
    assert not missing, f"Tensor methods missing from the index: {missing}"
