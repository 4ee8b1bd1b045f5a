"""Issue 19 part 2, the direct paths: an op that needs no node computes on the arrays.

- ``x + y``, ``x - y``, ``x * y``, ``x / y`` of two tensors of one floating dtype, shape and device
  that need no node, while nobody watches, are the backend's ufunc and a new Tensor
  (``_ops/pointwise/direct.py``); anything else takes the general path;
- a unary op on such a float tensor is its table's forward on the array (``unary.py: unary``);
- matmul's gradient products under no_grad skip the transposes' view Tensors and the ``MatMul`` op
  (``_ops/linalg/matmul.py: grad_a``, ``grad_b``), and a bias gradient's sum the ``sum`` op.

Each direct path is checked three ways: its result is bit for bit the general path's, the
operands it must not take (mixed dtypes, broadcasting, a node, a view of a base given grad, a
watcher) reach the general path, and the outcome is torch's.
"""

from __future__ import annotations

import operator

import numpy as np
import pytest
import torch

import minitorch as mt
from minitorch._ops.linalg import matmul as mm
from minitorch._ops.pointwise import binary as ew
from minitorch._ops.pointwise import unary
from minitorch.autograd import observers

OPS = {"add": (operator.add, ew.Add), "sub": (operator.sub, ew.Sub), "mul": (operator.mul, ew.Mul),
       "div": (operator.truediv, ew.Div)}

# name -> (left, right) as NumPy arrays: which operands each case gives the operator
SIGNATURES = {
    "float32": (np.float32, (3, 4), np.float32, (3, 4)),
    "float64": (np.float64, (2, 5), np.float64, (2, 5)),
    "float16": (np.float16, (4,), np.float16, (4,)),
    "mixed dtypes": (np.float32, (3, 4), np.float64, (3, 4)),
    "broadcast": (np.float32, (3, 4), np.float32, (4,)),
    "0-d": (np.float32, (), np.float32, ()),
    "int": (np.int64, (3,), np.int64, (3,)),
    "bool": (np.bool_, (3,), np.bool_, (3,)),
}


def _operands(lib, signature, requires_grad=(False, False)):
    rng = np.random.default_rng(0)
    out = []
    for (dt, shape), rg in zip((signature[:2], signature[2:]), requires_grad):
        a = (rng.standard_normal(shape) * 3).astype(dt) if dt is not np.bool_ else rng.random(shape) > 0.5
        if dt is np.int64:
            a = a + (a == 0)  # no integer division by zero
        out.append(lib.tensor(a, requires_grad=rg))
    return out


def _outcome(fn):
    try:
        y = fn()
    except Exception as e:  # noqa: BLE001 - the exception type is what is compared
        return type(e).__name__
    return np.asarray(y.detach().tolist()).tolist(), str(y.dtype).split(".")[-1], y.requires_grad, \
        None if y.grad_fn is None else type(y.grad_fn).__name__


@pytest.fixture
def applies(monkeypatch):
    """Counts the calls of each binary Primitive's ``apply`` (the general path)."""
    calls = {name: 0 for name in OPS}
    for name, (_, cls) in OPS.items():
        original = cls.apply

        def counted(*args, _name=name, _original=original, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(cls, "apply", counted)
    return calls


@pytest.mark.parametrize("grad_mode", ["no grad needed", "no_grad"])
@pytest.mark.parametrize("signature", sorted(SIGNATURES))
@pytest.mark.parametrize("op", sorted(OPS))
def test_operators_as_torch_and_as_the_general_path(op, signature, grad_mode):
    fn = OPS[op][0]
    rg = (grad_mode == "no_grad", False)
    with torch.no_grad() if grad_mode == "no_grad" else torch.enable_grad():
        theirs = _outcome(lambda: fn(*_operands(torch, SIGNATURES[signature], rg)))
    with mt.no_grad() if grad_mode == "no_grad" else mt.enable_grad():
        ours = _outcome(lambda: fn(*_operands(mt, SIGNATURES[signature], rg)))
        general = _outcome(lambda: getattr(ew, op)(*_operands(mt, SIGNATURES[signature], rg)))
    assert ours == general  # bit for bit: .tolist() of the same values
    if ours[1:] != theirs[1:] if isinstance(ours, tuple) and isinstance(theirs, tuple) else ours != theirs:
        pytest.fail(f"{ours} != {theirs}")
    if isinstance(ours, tuple):
        np.testing.assert_allclose(np.asarray(ours[0], dtype=float), np.asarray(theirs[0], dtype=float),
                                   rtol=2e-3 if signature == "float16" else 1e-6)


@pytest.mark.parametrize("op", sorted(OPS))
def test_only_the_signature_goes_direct(op, applies):
    """Same floating dtype, shape and device, no node, nobody watching: no ``apply``; each
    other case: one."""
    fn = OPS[op][0]
    x, y = mt.randn(3, 4), mt.randn(3, 4)
    fn(x, y)
    assert applies[op] == 0
    cases = [
        lambda: fn(x, y.double()),                                  # promotion
        lambda: fn(x, mt.randn(4)),                                 # broadcasting
        lambda: fn(mt.randn(()), mt.randn(())),                     # 0-d: NumPy would give a scalar
        lambda: fn(x, mt.randn(3, 4, requires_grad=True)),          # a node to record
        lambda: fn(mt.randn(3, 4, requires_grad=True), y),
    ]
    for k, case in enumerate(cases, 1):
        case()
        assert applies[op] == k, k
    with mt.no_grad():  # no node can be recorded: direct even for tensors that require grad
        fn(mt.randn(3, 4, requires_grad=True), y)
    assert applies[op] == len(cases)

    class Watcher(observers.Observer):
        pass

    watcher = Watcher()
    observers.watch(watcher)  # a profile or a capture sees every op
    try:
        fn(x, y)
    finally:
        observers.unwatch(watcher)
    assert applies[op] == len(cases) + 1


def test_a_view_of_a_base_given_grad_records_a_node():
    """A view whose base was later written in place with a tensor that requires grad requires
    grad too (its grad_fn is regenerated): ``v * y`` and ``v.exp()`` must record, not go direct."""
    results = []
    for lib in (mt, torch):
        w = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        base = lib.zeros(2, 2)
        v = base[0]
        base.mul_(0).add_(w)  # base now has history; v, made before, is a view of it
        y = lib.tensor([5.0, 6.0])
        z = v * y
        e = v.exp()
        (z.sum() + e.sum()).backward()
        results.append((v.requires_grad, z.requires_grad, type(z.grad_fn).__name__, type(e.grad_fn).__name__,
                        np.array(w.grad.tolist())))
    assert results[0][:4] == results[1][:4]
    np.testing.assert_allclose(results[0][4], results[1][4], rtol=1e-6)


def test_a_profile_records_a_direct_op():
    """While a profile runs, ``x + y`` is an op it sees (the general path), as ``aten::add``."""
    x, y = mt.randn(3, 3), mt.randn(3, 3)
    with mt.profiler.profile() as prof:
        x + y
        x * y
    keys = {e.key for e in prof.key_averages()}
    assert {"aten::add", "aten::mul"} <= keys


def test_hooks_see_the_gradients_of_direct_ops():
    """Backward formulas made of direct ops (``Mul``'s ``g * b``, ``exp``'s ``g * y``) hand the
    tensor hooks the gradients torch hands them."""
    seen = {}
    a = np.random.default_rng(1).standard_normal((3, 3))
    for lib in (mt, torch):
        x = lib.tensor(a, requires_grad=True)
        c = lib.tensor(a.T.copy())
        h = (x * c).exp()
        h.register_hook(lambda g, lib=lib: seen.setdefault(lib.__name__, []).append(g.tolist()))
        (h * c).sum().backward()
        seen.setdefault(lib.__name__, []).append(x.grad.tolist())
    np.testing.assert_allclose(np.array(seen["minitorch"]), np.array(seen["torch"]), rtol=1e-6)


# ----------------------------------------------------------------------------- matmul's gradients
@pytest.mark.parametrize("layout", ["row", "column"])
def test_matmul_gradients_direct_equal_general(layout, monkeypatch):
    """The direct gradient products are bit for bit the general ones, with the same layout, and
    still take over the ``.grad`` memory when nothing else holds it."""
    rng = np.random.default_rng(2)
    a_np, b_np, g_np = rng.standard_normal((5, 4)), rng.standard_normal((4, 3)), rng.standard_normal((5, 3))

    def grads(direct: bool):
        if not direct:
            monkeypatch.setattr(mm, "_direct", lambda g, x: False)
        a = mt.tensor(a_np, dtype=mt.float32, requires_grad=True)
        w = mt.tensor(b_np.T.copy(), dtype=mt.float32, requires_grad=True)
        b = w.t() if layout == "column" else w.t().contiguous().detach().requires_grad_()
        y = a @ b
        y.backward(mt.tensor(g_np, dtype=mt.float32))
        monkeypatch.undo()
        leaf = w if layout == "column" else b
        return a.grad, leaf.grad

    direct, general = grads(True), grads(False)
    for d, g in zip(direct, general):
        assert d.stride() == g.stride() and d.dtype is g.dtype
        assert np.array_equal(d.numpy(), g.numpy())


def test_matmul_gradients_direct_taken_only_without_a_graph_or_a_watcher(monkeypatch):
    """Under ``create_graph`` (grad mode on in backward) the products are ops with nodes, so the
    second derivative exists; under a profile the transposes and products are seen."""
    calls = []
    original = mm.MatMul.apply
    monkeypatch.setattr(mm.MatMul, "apply", classmethod(lambda cls, *a: calls.append(1) or original(*a)))
    a = mt.randn(3, 3, requires_grad=True)
    b = mt.randn(3, 3, requires_grad=True)
    (a @ b).sum().backward()
    assert len(calls) == 1  # the forward only
    calls.clear()
    a.grad = b.grad = None
    (ga,) = mt.autograd.grad((a @ b).sum(), a, create_graph=True)
    assert len(calls) == 3 and ga.grad_fn is not None  # the forward, both gradients (b requires grad)
    ta, tb = torch.tensor(a.tolist(), requires_grad=True), torch.tensor(b.tolist(), requires_grad=True)
    (tga,) = torch.autograd.grad((ta @ tb).sum(), ta, create_graph=True)
    (ga * ga).sum().backward()
    (tga * tga).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-5)
    calls.clear()
    with mt.profiler.profile() as prof:
        (a @ b).sum().backward()
    assert len(calls) == 3
    assert "aten::transpose" in {e.key for e in prof.key_averages()}


# ----------------------------------------------------------------------------- a bias's gradient
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("lead", [1, 2])
def test_bias_gradient_sum_direct_equals_general_and_torch(dtype, lead):
    """A gradient summed over leading dims (a bias's, ``engine.validate_grad``) is summed on the
    array when nobody watches: bit for bit the ``sum`` op a watcher sees, and torch's value."""
    rng = np.random.default_rng(3)
    x_np = rng.standard_normal((2, 3, 4)[-lead - 1:]).astype(dtype)
    b_np = rng.standard_normal(4).astype(dtype)
    w_np = rng.standard_normal(x_np.shape).astype(dtype)

    def bias_grad(lib, watch=False):
        b = lib.tensor(b_np, requires_grad=True)
        y = (lib.tensor(x_np) + b) * lib.tensor(w_np)
        watcher = observers.Observer()
        if watch:
            observers.watch(watcher)
        try:
            y.sum().backward()
        finally:
            observers.unwatch(watcher)
        return b.grad

    direct, general, theirs = bias_grad(mt), bias_grad(mt, watch=True), bias_grad(torch)
    assert direct.dtype is general.dtype and str(direct.dtype) == str(theirs.dtype)
    assert np.array_equal(direct.numpy(), general.numpy())
    np.testing.assert_allclose(direct.numpy().astype(float), theirs.numpy().astype(float),
                               rtol=1e-2 if dtype == "float16" else 1e-6)


# ----------------------------------------------------------------------------- unary ops
def _watched(fn):
    """``fn()`` while an observer watches ``apply``: the general path."""
    watcher = observers.Observer()
    observers.watch(watcher)
    try:
        return fn()
    finally:
        observers.unwatch(watcher)


@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
@pytest.mark.parametrize("name", sorted(unary.UNARY))
def test_unary_direct_equals_general_and_torch(name, layout):
    """Every row of the unary table: the direct result is the general op's bit for bit (values,
    dtype, strides), and torch's values."""
    a = np.random.default_rng(4).uniform(0.1, 0.9, (3, 4)).astype(np.float32)
    x = mt.tensor(a)
    x = x.t() if layout == "transposed" else x
    direct = getattr(mt, name)(x)
    general = _watched(lambda: getattr(mt, name)(x))
    assert direct.dtype is general.dtype and direct.stride() == general.stride()
    assert not direct.requires_grad and direct.grad_fn is None
    np.testing.assert_array_equal(direct.numpy(), general.numpy())
    t = torch.tensor(a)
    t = t.t() if layout == "transposed" else t
    np.testing.assert_allclose(direct.numpy(), getattr(torch, name)(t).numpy(), rtol=1e-6, atol=1e-7)


def test_unary_only_the_signature_goes_direct(monkeypatch):
    calls = []
    exp = unary.UNARY_FUNCTIONS["exp"]
    original = exp.apply
    monkeypatch.setattr(exp, "apply", classmethod(lambda cls, *a: calls.append(1) or original(*a)))
    x = mt.randn(3, 3)
    x.exp()
    assert not calls
    for k, case in enumerate([lambda: mt.randn(()).exp(),                        # 0-d
                              lambda: mt.tensor([1, 2]).exp(),                  # an int input: cast
                              lambda: mt.randn(3, requires_grad=True).exp(),    # a node
                              lambda: mt.exp(x, out=mt.empty(3, 3)),            # out=
                              lambda: _watched(x.exp)], 1):                     # a watcher
        case()
        assert len(calls) == k, k
    with mt.no_grad():
        y = mt.randn(3, requires_grad=True).exp()
    assert len(calls) == 5 and not y.requires_grad
