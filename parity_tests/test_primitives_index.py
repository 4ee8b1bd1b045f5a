"""Every op that owns a backward says why, and ``docs/primitives.md`` lists them as they are today.

A primitive is a ``Function`` subclass defined in minitorch (``minitorch/autograd/function.py:
Primitive``). Each declares ``reason``: ``"node"`` (PyTorch has a backward node of its name),
``"numerics: ..."`` or ``"speed: ..."`` (with the accuracy it keeps or the benchmark it won), and
its docstring starts with its forward and backward, ``y = ...;  dx = ...``.
``tools/gen_primitives_index.py`` turns that into the docs page.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

import minitorch
from minitorch.autograd.function import Function, Primitive

ROOT = Path(__file__).resolve().parent.parent


def load_generator():
    spec = importlib.util.spec_from_file_location("gen_primitives_index",
                                                  ROOT / "tools" / "gen_primitives_index.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


GEN = load_generator()
CLASSES = GEN.functions()


def test_the_index_finds_the_primitives() -> None:
    names = {c.__name__ for c in CLASSES}
    assert {"Add", "Exp", "MatMul", "Sum", "View", "Index", "LogSoftmax", "Convolution"} <= names
    assert Primitive not in CLASSES and Function not in CLASSES
    assert all(c.__module__.startswith("minitorch.") for c in CLASSES)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: f"{c.__module__[len('minitorch.'):]}.{c.__name__}")
def test_every_primitive_has_its_reason_and_formulas(cls) -> None:
    kind, detail = GEN.reason(cls)  # raises on a missing or unknown reason
    assert kind in ("node", "numerics", "speed", "base")
    if kind in ("numerics", "speed", "base"):
        assert detail, f"{cls.__name__}: say which accuracy, which benchmark, or which subclasses"
    forward, backward = GEN.formulas(cls)  # raises unless the docstring reads "y = ...;  dx = ..."
    assert forward and backward


def _torch_node_names() -> set[str]:
    """The backward nodes PyTorch has (its generated ``*Backward*`` classes and the engine's own)."""
    import torch

    x = torch.ones(2, requires_grad=True)
    linear = torch.nn.Linear(2, 2)
    linear.register_full_backward_hook(lambda *args: None)
    hooked = linear(x).grad_fn.name()  # BackwardHookFunctionBackward, a Python Function of torch's
    return set(dir(torch._C._functions)) | {hooked}


def test_a_node_reason_names_a_pytorch_node() -> None:
    """``reason = "node"`` is a claim: PyTorch records a node of that name. Check it against torch."""
    torch_nodes = _torch_node_names()
    wrong = {c.__name__: [n for n in GEN.node_names(c) if n.split("::")[-1] not in torch_nodes]
             for c in CLASSES if GEN.reason(c)[0] == "node"}
    wrong = {k: v for k, v in wrong.items() if v}
    assert not wrong, f"node names PyTorch does not have (fix the name, or give the real reason): {wrong}"


def test_no_subclass_only_renames() -> None:
    """A class whose body sets nothing but its node name is ``Base.named("XBackward0")`` instead."""
    ignored = {"__module__", "__doc__", "__qualname__", "__firstlineno__", "__static_attributes__",
               "_backward_cls", "_names", "node_name", "reason", "also_named"}
    renames = [c.__name__ for c in CLASSES if c.__bases__[0] not in (Function, Primitive)
               and not set(c.__dict__) - ignored]
    assert not renames, f"name-only subclasses (use Function.named): {renames}"


def test_named_shares_the_function() -> None:
    x = minitorch.ones(2, 3, requires_grad=True)
    y = x.unsqueeze(0)
    assert type(y.grad_fn).__name__ == "UnsqueezeBackward0" and y.grad_fn.name() == "UnsqueezeBackward0"
    from minitorch._ops.shape.views import Unsqueeze, View

    assert Unsqueeze is View.named("UnsqueezeBackward0")  # made once
    assert Unsqueeze.forward is View.forward and Unsqueeze.backward is View.backward
    assert type(y.grad_fn)._forward_cls is View
    y.sum().backward()
    assert x.grad.tolist() == [[1.0] * 3] * 2


def test_named_node_names_are_in_the_index() -> None:
    """Every name an op recorded through ``named`` so far is one the index lists for that op."""
    x = minitorch.randn(4, 3, requires_grad=True)
    x.max(), x.max(0), x.sort(0), x.median(), minitorch.normal(x, 1.0)  # the lazily named ops
    for cls in CLASSES:
        assert set(cls._names) <= set(GEN.node_names(cls)), cls.__name__


def test_primitives_page_is_up_to_date() -> None:
    expected = GEN.render()
    actual = (ROOT / "docs" / "primitives.md").read_text()
    assert actual == expected, "docs/primitives.md is stale: run `python tools/gen_primitives_index.py`"
