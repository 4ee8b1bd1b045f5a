"""Issue 17's tiny-op chapters: the direct paths a hand-written training loop takes.

- ``x * 0.1``, ``lr * p.grad / n``, ``1 - x``: a floating tensor and a Python float or int that need
  no node, while nobody watches, are the backend's ufunc on the array and the number
  (``_ops/pointwise/direct.py``); a bool, an int beyond 64 bits, a 0-d or integer tensor, a node to
  record or a watcher take the general path;
- ``p -= u`` / ``p.grad.zero_()`` under no_grad (or outside any graph) write the array and bump the
  version without ``write_inplace``'s checks (``_ops/_inplace.py``);
- ``stack`` of same-dtype samples (a DataLoader's batch) reads shapes and dtypes off the arrays;
- a backward without ``create_graph`` sums a gradient over broadcast size-1 dims on the array
  (``engine.py: validate_grad``) and makes IndexBackward0's zeros without ``new_zeros``.

Each path: bit for bit the general path's result, the cases it must not take, and torch's outcome.
"""

from __future__ import annotations

import operator

import numpy as np
import pytest
import torch

import minitorch as mt
from minitorch._ops.pointwise import binary as ew
from minitorch.autograd import observers

# operator -> (the general function with the operands in the operator's order, the Primitive it applies)
SCALAR_OPS = {
    "x + s": (operator.add, lambda x, s: ew.add(x, s), ew.Add),
    "x - s": (operator.sub, lambda x, s: ew.sub(x, s), ew.Sub),
    "x * s": (operator.mul, lambda x, s: ew.mul(x, s), ew.Mul),
    "x / s": (operator.truediv, lambda x, s: ew.div(x, s), ew.Div),
    "s + x": (lambda x, s: s + x, lambda x, s: ew.add(x, s), ew.Add),
    "s - x": (lambda x, s: s - x, lambda x, s: ew.rsub(x, s), ew.RSub),
    "s * x": (lambda x, s: s * x, lambda x, s: ew.mul(x, s), ew.Mul),
}
SCALARS = [0.1, -3, 7, 1e-30, 2**62, float("inf")]
DTYPES = [np.float16, np.float32, np.float64]


def _array(dt, shape=(3, 5)):
    return (np.random.default_rng(1).standard_normal(shape) * 3).astype(dt)


@pytest.fixture
def applies(monkeypatch):
    """Counts each scalar op's Primitive ``apply`` calls (the general path)."""
    calls = {}
    for _, _, cls in SCALAR_OPS.values():
        if cls in calls:
            continue
        calls[cls] = 0
        original = cls.apply

        def counted(*args, _cls=cls, _original=original, **kwargs):
            calls[_cls] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(cls, "apply", counted)
    return calls


@pytest.mark.parametrize("grad", ["no grad needed", "no_grad"])
@pytest.mark.parametrize("dt", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("op", list(SCALAR_OPS))
def test_scalar_direct_path_equals_general_path_and_torch(op, dt, grad, applies):
    fn, general, cls = SCALAR_OPS[op]
    a = _array(dt)
    for s in SCALARS:
        x, tx = mt.tensor(a), torch.tensor(a)
        with (mt.no_grad() if grad == "no_grad" else mt.enable_grad()):
            before = applies[cls]
            y = fn(x, s)
            assert applies[cls] == before, "the direct path was not taken"
            want = general(x, s)
        assert y.dtype is want.dtype and y.shape == want.shape and y.stride() == want.stride()
        np.testing.assert_array_equal(y.numpy(), want.numpy())  # bit for bit (NaN where both are)
        assert y.grad_fn is None and not y.requires_grad and y._version == 0
        ty = fn(tx, s)
        assert str(y.dtype).split(".")[-1] == str(ty.dtype).split(".")[-1]
        np.testing.assert_allclose(y.numpy().astype(np.float64), ty.numpy().astype(np.float64),
                                   rtol=1e-3 if dt is np.float16 else 1e-6, atol=0)


@pytest.mark.parametrize("op", list(SCALAR_OPS))
def test_scalar_general_path_cases(op, applies):
    """What the direct path must leave to the general one: a node to record (with torch's node),
    a 0-d or an integer tensor, a bool or an int beyond 64 bits, a watcher."""
    fn, _, cls = SCALAR_OPS[op]
    a = _array(np.float32)
    cases = [  # (operand in either library, scalar)
        (lambda lib: lib.tensor(a, requires_grad=True), 2.5),
        (lambda lib: lib.tensor(a, requires_grad=True)[1:], 2.5),  # a view of a base that requires grad
        (lambda lib: lib.tensor(np.float32(1.5)), 2.5),
        (lambda lib: lib.tensor(np.arange(1, 4)), 2),
        (lambda lib: lib.tensor(a), True),
    ]
    for make, s in cases:
        before = applies[cls]
        try:
            ty = fn(make(torch), s)
        except RuntimeError:  # ``x - True``: torch refuses a bool operand of a subtraction
            continue  # (minitorch computes it: a difference older than these paths)
        y = fn(make(mt), s)
        assert applies[cls] == before + 1
        assert str(y.dtype).split(".")[-1] == str(ty.dtype).split(".")[-1]
        assert (y.grad_fn is None) == (ty.grad_fn is None)
        if ty.grad_fn is not None:
            assert y.grad_fn.name() == ty.grad_fn.name()
        np.testing.assert_allclose(y.detach().numpy().astype(np.float64), ty.detach().numpy().astype(np.float64),
                                   rtol=1e-6)
    with pytest.raises(OverflowError):
        fn(mt.tensor(_array(np.float32)), 2**64)
    with pytest.raises(OverflowError):
        fn(torch.tensor(_array(np.float32)), 2**64)
    watcher = observers.Observer()
    observers.watch(watcher)  # a profile or a capture sees every op
    try:
        before = applies[cls]
        fn(mt.tensor(_array(np.float32)), 0.5)
    finally:
        observers.unwatch(watcher)
    assert applies[cls] == before + 1


def test_scalar_operand_of_other_types_as_before():
    x = mt.tensor(_array(np.float32))
    np.testing.assert_array_equal((np.float64(2.0) * x).numpy(), (x * 2.0).numpy())  # a NumPy scalar
    assert (np.float64(2.0) * x).dtype is mt.float32
    with pytest.raises(TypeError):
        None * x
    with pytest.raises(TypeError):
        "a" + x


def test_hand_written_sgd_step_as_torch():
    """``p -= lr * p.grad / n`` and ``p.grad.zero_()`` under no_grad: values, versions, grads, and
    that the next forward records on the updated parameter (the chapters' ``sgd``)."""
    a, b = _array(np.float32, (4, 3)), _array(np.float32, (5, 4))
    results = []
    for lib in (mt, torch):
        w = lib.tensor(a, requires_grad=True)
        x = lib.tensor(b)
        versions = []
        for _ in range(3):
            (x @ w).tanh().sum().backward()
            with lib.no_grad():
                w -= 0.1 * w.grad / 5
                versions.append(w._version)
                w.grad.zero_()
                versions.append(w.grad._version)
        results.append((w.detach().numpy().copy(), w.grad.numpy().copy(), versions, w.requires_grad, w.grad_fn))
    (mw, mg, mv, mr, mf), (tw, tg, tv, tr, tf) = results
    np.testing.assert_allclose(mw, tw, rtol=1e-5)
    np.testing.assert_array_equal(mg, tg)
    assert mv == tv and mr == tr and mf is None and tf is None


def test_inplace_fast_write_keeps_the_rules():
    """The rules of ``write_inplace`` the fast write relies on: a view's base sees the write; an
    expanded (overlapping) tensor refuses; a leaf that requires grad refuses in grad mode; a tensor
    in a graph rebases (torch's node)."""
    base = mt.zeros(6)
    with mt.no_grad():
        v = base[2:4]
        v -= mt.ones(2)
    np.testing.assert_array_equal(base.numpy(), [0, 0, -1, -1, 0, 0])
    assert base._version == 1 and v._version == 1
    for lib in (torch, mt):
        e = lib.zeros(1).expand(3)
        with lib.no_grad(), pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            e -= lib.ones(3)
    w = mt.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w.zero_()
    h = w * 2
    h.zero_()  # in a graph: rebased (torch's node is ZeroBackward0, minitorch's CopyBackwards)
    assert h.grad_fn is not None and h.requires_grad
    h.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [0, 0, 0])
    g = mt.ones(3)
    g.zero_()
    assert g._version == 1 and g.grad_fn is None and not g.requires_grad


def test_stack_of_samples_as_torch():
    samples = [_array(np.float32, (1, 4, 4)) * i for i in range(5)]
    y = mt.stack([mt.tensor(s) for s in samples])
    ty = torch.stack([torch.tensor(s) for s in samples])
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    assert y.dtype is mt.float32 and tuple(y.shape) == tuple(ty.shape)
    mixed = [mt.tensor(samples[0]), mt.tensor(samples[1].astype(np.float64)), mt.tensor(np.ones((1, 4, 4), np.int64))]
    tmixed = [torch.tensor(samples[0]), torch.tensor(samples[1].astype(np.float64)), torch.ones((1, 4, 4), dtype=torch.int64)]
    assert str(mt.stack(mixed).dtype).split(".")[-1] == str(torch.stack(tmixed).dtype).split(".")[-1] == "float64"
    np.testing.assert_array_equal(mt.stack(mixed).numpy(), torch.stack(tmixed).numpy())
    bad = [mt.zeros(2, 3), mt.zeros(3, 2)]
    with pytest.raises(RuntimeError) as ours:
        mt.stack(bad)
    with pytest.raises(RuntimeError) as theirs:
        torch.stack([torch.zeros(2, 3), torch.zeros(3, 2)])
    assert str(ours.value) == str(theirs.value)
    w = mt.ones(3, requires_grad=True)
    s = mt.stack([w, w * 2])
    assert s.grad_fn.name() == "StackBackward0"
    s.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [3, 3, 3])


def _softmax_scratch_loss(lib, X, W, b, y):
    O = lib.matmul(X, W) + b
    E = lib.exp(O - O.max(dim=1, keepdim=True).values)
    Yh = E / E.sum(dim=1, keepdim=True)
    return -lib.log(Yh[range(len(Yh)), y])


def test_backward_broadcast_sums_and_index_grad_as_torch():
    """The softmax-from-scratch chapter's graph: the (N, 1) operands' gradients summed on the array
    and IndexBackward0 (with a repeated row in the index) equal the recorded path's bit for bit
    (``create_graph``, which records every op) and torch's in float64."""
    rng = np.random.default_rng(3)
    X, W, b = rng.standard_normal((6, 5)), rng.standard_normal((5, 4)), rng.standard_normal(4)
    y = np.array([0, 3, 1, 1, 2, 0])
    grads = {}
    for create_graph in (False, True):
        w, bb = mt.tensor(W, requires_grad=True), mt.tensor(b, requires_grad=True)
        loss = _softmax_scratch_loss(mt, mt.tensor(X), w, bb, mt.tensor(y)).sum()
        loss.backward(create_graph=create_graph)
        grads[create_graph] = (w.grad.detach().numpy(), bb.grad.detach().numpy())
    np.testing.assert_array_equal(grads[False][0], grads[True][0])
    np.testing.assert_array_equal(grads[False][1], grads[True][1])
    tw, tb = torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)
    _softmax_scratch_loss(torch, torch.tensor(X), tw, tb, torch.tensor(y)).sum().backward()
    np.testing.assert_allclose(grads[False][0], tw.grad.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grads[False][1], tb.grad.numpy(), rtol=1e-12, atol=1e-14)
    # repeated indices accumulate into IndexBackward0's zeros
    x = mt.tensor(W, requires_grad=True)
    tx = torch.tensor(W, requires_grad=True)
    x[[0, 0, 2], [1, 1, 3]].sum().backward()
    tx[[0, 0, 2], [1, 1, 3]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    assert x.grad.dtype is mt.float64


def test_compare_of_one_shape_and_dtype_as_torch():
    """``y_hat.argmax(1) == y`` (one shape, dtype and device) skips the checks and the promotion;
    other operands still broadcast, promote and raise as torch."""
    rng = np.random.default_rng(4)
    a, b = rng.integers(0, 4, 12), rng.integers(0, 4, 12)
    pairs = [(a, b), (a.astype(np.float32), b.astype(np.float32)), (a.reshape(3, 4), b[:4]),
             (a.astype(np.float32), b), (np.float64(2.0) * a[:1].reshape(()), b)]
    for op in (operator.eq, operator.ne, operator.lt, operator.ge):
        for x, y in pairs:
            ours, theirs = op(mt.tensor(x), mt.tensor(y)), op(torch.tensor(x), torch.tensor(y))
            assert ours.dtype is mt.bool and ours.grad_fn is None
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    with pytest.raises(RuntimeError) as ours:
        mt.tensor(a) == mt.tensor(b[:5])  # noqa: B015
    with pytest.raises(RuntimeError) as theirs:
        torch.tensor(a) == torch.tensor(b[:5])  # noqa: B015
    assert str(ours.value) == str(theirs.value)
    out = mt.empty(12, dtype=mt.bool)
    assert mt.eq(mt.tensor(a), mt.tensor(b), out=out) is out
    np.testing.assert_array_equal(out.numpy(), a == b)
