"""The in-place direct path: ``p -= lr * g``, ``x *= 0.5``, ``p.add_(g)``, ``g.zero_()``.

Where no node is recorded (grad mode off, or neither side requires grad nor is a view), nobody
watches, the target is a C-contiguous float array and the operand a tensor of its dtype and shape
or a Python number, the op is the ufunc written into the target (``out=``) and a version bump
(``_ops/pointwise/direct.py: inplace``); ``zero_`` is the array's ``fill(0)``
(``_tensor/inplace_writes.py``). Each case: bit for bit the general path's values (computed out of
place and copied in), the same version count and autograd state as torch, and the cases that must
take the general path (its checks, its errors, its nodes) reach it.
"""

from __future__ import annotations

import operator

import numpy as np
import pytest
import torch

import minitorch as mt
from minitorch._ops import _inplace
from minitorch._ops.pointwise import binary as ew
from minitorch.autograd import observers

# name -> (the in-place call, the general op that computes the same values out of place)
OPS = {
    "-=": (operator.isub, ew.sub), "+=": (operator.iadd, ew.add), "*=": (operator.imul, ew.mul),
    "/=": (operator.itruediv, ew.div),
    "sub_": (lambda x, o: x.sub_(o), ew.sub), "add_": (lambda x, o: x.add_(o), ew.add),
    "mul_": (lambda x, o: x.mul_(o), ew.mul), "div_": (lambda x, o: x.div_(o), ew.div),
}
DTYPES = [np.float16, np.float32, np.float64]
OPERANDS = ["tensor", "same tensor", 0.1, -3, 1e-30, float("inf")]


def _array(dt, shape=(3, 5), seed=1):
    return (np.random.default_rng(seed).standard_normal(shape) * 3).astype(dt)


@pytest.fixture
def writes(monkeypatch):
    """Counts ``write_inplace`` calls (the general path of every in-place op)."""
    calls = [0]
    original = _inplace.write_inplace

    def counted(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(_inplace, "write_inplace", counted)
    import minitorch._tensor.inplace_writes as iw
    from minitorch._tensor import methods

    monkeypatch.setattr(methods, "write_inplace", counted)
    monkeypatch.setattr(iw, "write_inplace", counted)
    return calls


def _operand(lib, which, dt):
    if which == "tensor":
        return lib.tensor(_array(dt, seed=2))
    return which


@pytest.mark.parametrize("grad", ["no grad needed", "no_grad"])
@pytest.mark.parametrize("dt", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("op", list(OPS))
def test_direct_inplace_equals_general_path_and_torch(op, dt, grad, writes):
    call, general = OPS[op]
    for which in OPERANDS:
        results = {}
        for lib in (mt, torch):
            x = lib.tensor(_array(dt), requires_grad=grad == "no_grad")
            o = x if which == "same tensor" else _operand(lib, which, dt)
            want = general(mt.tensor(_array(dt)), o if lib is mt and which != "same tensor" else
                           mt.tensor(_array(dt)) if which == "same tensor" else _operand(mt, which, dt)) \
                if lib is mt else None
            with (lib.no_grad() if grad == "no_grad" else lib.enable_grad()):
                before = writes[0]
                y = call(x, o)
                if lib is mt:
                    assert writes[0] == before, "the direct path was not taken"
            assert y is x
            results[lib] = (x.detach().numpy().copy(), x._version, x.requires_grad, x.grad_fn)
            if lib is mt:
                np.testing.assert_array_equal(results[mt][0], want.numpy())  # bit for bit
                assert x.dtype is want.dtype
        (m, mv, mr, mf), (t, tv, tr, tf) = results[mt], results[torch]
        assert mv == tv == 1 and mr == tr and mf is None and tf is None
        np.testing.assert_allclose(m.astype(np.float64), t.astype(np.float64),
                                   rtol=1e-3 if dt is np.float16 else 1e-6, atol=0)


def test_overlapping_operand_reads_the_old_values():
    """NumPy buffers an operand that overlaps the output: ``x -= x.flip(0)`` under no_grad (a view
    operand: direct there) reads x before the write, as the copy of the general path did and torch."""
    a = _array(np.float32, (6,))
    for lib in (mt, torch):
        x = lib.tensor(a)
        with lib.no_grad():
            x -= x.flip(0)
        np.testing.assert_array_equal(x.numpy(), a - a[::-1])
    x = mt.tensor(a)
    with mt.no_grad():  # torch refuses a partial overlap; minitorch computes it, on both paths
        x[1:] += x[:-1]
    np.testing.assert_array_equal(x.numpy(), np.concatenate([a[:1], a[1:] + a[:-1]]))


def test_general_path_cases(writes):
    """What the direct path must leave to ``write_inplace``: alpha, broadcasting, mixed dtypes, a
    0-d operand, an integer target, a transposed or expanded target, a node to record or rebase,
    a leaf that requires grad in grad mode, a watcher; each as torch."""
    a, b = _array(np.float32, (3, 4)), _array(np.float32, (3, 4), seed=2)
    cases = [
        ("alpha", lambda lib: lib.tensor(a).sub_(lib.tensor(b), alpha=2)),
        ("broadcast", lambda lib: lib.tensor(a).add_(lib.tensor(b[0]))),
        ("mixed dtypes", lambda lib: lib.tensor(a).add_(lib.tensor(b.astype(np.float64)))),
        ("0-d operand", lambda lib: lib.tensor(a).mul_(lib.tensor(np.float32(2.5)))),
        ("int target", lambda lib: lib.tensor(np.arange(4)).mul_(3)),
        ("transposed target", lambda lib: lib.tensor(a).t().add_(1.5)),
        ("graph", lambda lib: (lib.tensor(a, requires_grad=True) * 2).mul_(lib.tensor(b))),
        ("view in a graph", lambda lib: (lib.tensor(a, requires_grad=True) * 1)[1:].add_(1.0)),
        ("operand in a graph", lambda lib: lib.tensor(a).add_(lib.tensor(b, requires_grad=True))),
    ]
    for name, fn in cases:
        before = writes[0]
        y, ty = fn(mt), fn(torch)
        assert writes[0] == before + 1, name
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-6, err_msg=name)
        assert y.requires_grad == ty.requires_grad, name
        assert (y.grad_fn is None) == (ty.grad_fn is None), name
    for lib in (mt, torch):
        e = lib.zeros(1).expand(3)
        with lib.no_grad(), pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            e *= 2.0
        w = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable"):
            w -= 1.0
        with pytest.raises(RuntimeError, match="leaf Variable"):
            w.zero_()
    watcher = observers.Observer()
    observers.watch(watcher)  # a profile or a capture sees every write
    try:
        before = writes[0]
        x = mt.tensor(a)
        x -= 0.5
        x.zero_()
    finally:
        observers.unwatch(watcher)
    assert writes[0] == before + 2


@pytest.mark.parametrize("dt", [np.float32, np.float64, np.int64, np.bool_], ids=lambda d: d.__name__)
def test_zero_direct_as_torch(dt, writes):
    """``g.zero_()`` outside a graph and a leaf's under no_grad: zeros, one version, no node."""
    for grad in (False, True):
        if grad and dt not in (np.float32, np.float64):
            continue
        results = []
        for lib in (mt, torch):
            x = lib.tensor(_array(np.float64).astype(dt), requires_grad=grad)
            before = writes[0]
            with lib.no_grad():
                assert x.zero_() is x
            if lib is mt:
                assert writes[0] == before
            results.append((x.detach().numpy().copy(), x._version, x.requires_grad, x.grad_fn))
        (m, mv, mr, mf), (t, tv, tr, tf) = results
        np.testing.assert_array_equal(m, t)
        assert m.dtype == t.dtype and mv == tv == 1 and mr == tr and mf is None and tf is None
    base = mt.tensor(_array(np.float32, (4, 4)))
    with mt.no_grad():
        base[1].zero_()  # a C-contiguous view: the base sees it, and the shared version
    assert base._version == 1 and not base.numpy()[1].any() and base.numpy()[0].all()


def test_saved_tensor_written_directly_fails_backward_as_torch():
    """A parameter saved by a graph and written under no_grad: the version bump makes backward
    refuse, as torch's."""
    for lib in (mt, torch):
        w = lib.tensor(_array(np.float32, (3,)), requires_grad=True)
        loss = (w * w).sum()
        with lib.no_grad():
            w -= 0.1
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            loss.backward()
