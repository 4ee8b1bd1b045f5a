"""Short paths of ``x.sum()`` and of ``reshape``/``view`` on a fresh contiguous tensor.

- ``x.sum()`` with no other argument, where no node is recorded and nobody watches, is
  ``np.add.reduce`` over every axis (int64 for integer and bool arrays) and a new Tensor
  (``_ops/reductions/sums.py: sum``); where a node is recorded it is ``SumBackward0`` as before;
- ``reshape``/``view`` of a tensor with row-major strides gives row-major strides of the new shape
  (what ``compute_view_stride`` returns there) without the stride walk (``_ops/shape/views.py``).

Each: bit for bit the general path, its node and strides, torch's values, dtypes and strides.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minitorch as mt
from minitorch._ops.reductions import sums
from minitorch.autograd import observers

DTYPES = [np.float16, np.float32, np.float64, np.int8, np.int32, np.int64, np.uint8, np.bool_]
SHAPES = [(5,), (3, 4), (2, 3, 4), (0,), (2, 0, 3), (1, 1)]


def _array(dt, shape, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape) * 50
    return (a > 0) if dt is np.bool_ else a.astype(dt)


@pytest.fixture
def sum_applies(monkeypatch):
    calls = [0]
    for cls in (sums.Sum, sums.SumAll):
        original = cls.apply

        def counted(*args, _original=original, **kwargs):
            calls[0] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(cls, "apply", counted)
    return calls


@pytest.mark.parametrize("grad", ["no grad needed", "no_grad"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dt", DTYPES, ids=lambda d: d.__name__)
def test_sum_direct_equals_general_and_torch(dt, shape, grad, sum_applies):
    a = _array(dt, shape)
    x = mt.tensor(a)
    with (mt.no_grad() if grad == "no_grad" else mt.enable_grad()):
        before = sum_applies[0]
        y = x.sum()
        assert sum_applies[0] == before, "the short path was not taken"
        want = x.sum(dim=tuple(range(len(shape))))  # the general path: the same dims, through Sum
    assert y.dtype is want.dtype and y.shape == () and y.grad_fn is None and not y.requires_grad
    np.testing.assert_array_equal(y.numpy(), want.numpy())  # bit for bit
    ty = torch.tensor(a).sum()
    assert str(y.dtype).split(".")[-1] == str(ty.dtype).split(".")[-1]
    np.testing.assert_allclose(float(y), float(ty), rtol=2e-3 if dt is np.float16 else 1e-6)


def test_sum_general_cases_as_torch(sum_applies):
    """A 0-d tensor, a dim, keepdim, dtype, out=, a tensor that requires grad or a view of one, and a
    watcher take Sum's apply; the recorded node and the gradient are torch's."""
    a = _array(np.float32, (3, 4))
    cases = [
        lambda lib: lib.tensor(np.float32(2.5)).sum(),
        lambda lib: lib.tensor(a).sum(1),
        lambda lib: lib.tensor(a).sum(dim=None, keepdim=True),
        lambda lib: lib.tensor(a).sum(dtype=lib.float64),
        lambda lib: lib.sum(lib.tensor(a), 0, out=lib.empty(4)),
    ]
    for fn in cases:
        before = sum_applies[0]
        y, ty = fn(mt), fn(torch)
        assert sum_applies[0] == before + 1
        assert str(y.dtype).split(".")[-1] == str(ty.dtype).split(".")[-1] and tuple(y.shape) == tuple(ty.shape)
        np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-6)
    for make in (lambda lib: lib.tensor(a, requires_grad=True), lambda lib: lib.tensor(a, requires_grad=True)[1:]):
        grads = []
        for lib in (mt, torch):
            leaf = lib.tensor(a, requires_grad=True)
            x = leaf[1:] if make(lib)._base is not None else leaf
            before = sum_applies[0]
            y = x.sum()
            if lib is mt:
                assert sum_applies[0] == before + 1
            assert y.grad_fn.name() == "SumBackward0"
            (y * 2).backward()
            grads.append(leaf.grad.numpy().copy())
        np.testing.assert_array_equal(grads[0], grads[1])
    watcher = observers.Observer()
    observers.watch(watcher)
    try:
        before = sum_applies[0]
        mt.tensor(a).sum()
    finally:
        observers.unwatch(watcher)
    assert sum_applies[0] == before + 1


# (shape, new shape) pairs for reshape and view of a fresh row-major tensor; size-1 and -1 dims
RESHAPES = [((64, 1, 28, 28), (-1, 784)), ((3, 4), (12,)), ((3, 4), (2, 1, 6)), ((2, 3, 4), (4, 1, 1, 6)),
            ((6,), (1, 6, 1)), ((1, 1), (1,)), ((5,), (5,)), ((0, 3), (3, 0)), ((2, 0), (-1,)), ((4,), (2, -1))]


@pytest.mark.parametrize("grad", [False, True])
@pytest.mark.parametrize("op", ["reshape", "view"])
@pytest.mark.parametrize("shapes", RESHAPES, ids=str)
def test_reshape_of_row_major_as_torch(shapes, op, grad):
    """Strides, values, the shared memory and version, base and node as torch's; the gradient
    flows back through ViewBackward0."""
    shape, new = shapes
    a = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    results = []
    for lib in (mt, torch):
        leaf = lib.tensor(a, requires_grad=grad)
        x = leaf * 1 if grad else leaf
        y = getattr(x, op)(*new)
        results.append((tuple(y.shape), tuple(y.stride()), y.numpy() if not grad else y.detach().numpy(),
                        None if y.grad_fn is None else y.grad_fn.name(), y._base is x))
        with lib.no_grad():
            y.add_(1)
        assert x._version == y._version == 1
        np.testing.assert_array_equal((x.detach() if grad else x).numpy(), a + 1)
        if grad:
            (y * y).sum().backward()
            np.testing.assert_array_equal(leaf.grad.numpy(), 2 * (a + 1))
    assert results[0][0] == results[1][0] and results[0][1] == results[1][1], (results[0][:2], results[1][:2])
    np.testing.assert_array_equal(results[0][2], results[1][2])
    assert results[0][3:] == results[1][3:]


def test_reshape_of_other_strides_as_torch():
    """A tensor whose strides are not the row-major ones (a size-1 dim's stride, a transpose, an
    expand) keeps the general stride walk: torch's strides, or its copy."""
    for make in (lambda lib: lib.zeros(3, 1, 4).permute(1, 0, 2), lambda lib: lib.zeros(3, 4).t(),
                 lambda lib: lib.zeros(1, 4).expand(3, 4), lambda lib: lib.zeros(2, 1, 3).transpose(0, 1)):
        for new in ((12,), (3, 1, 4), (1, 3, 4), (4, 3), (-1, 2)):
            x, tx = make(mt), make(torch)
            if x.numel() % abs(int(np.prod(new))) and -1 not in new:
                continue
            try:
                ty = tx.reshape(new)
            except RuntimeError:
                continue
            y = x.reshape(new)
            assert tuple(y.shape) == tuple(ty.shape) and tuple(y.stride()) == tuple(ty.stride()), (new, y.stride(), ty.stride())


@pytest.mark.parametrize("dt", [np.float16, np.float32, np.float64, np.int64, np.bool_], ids=lambda d: d.__name__)
def test_mean_short_path_as_torch(dt):
    """``x.mean()`` straight to MeanAll: the general path's bits (the same dims through ``mean(dim)``),
    torch's node, gradient and dtype; an integer or bool input raises torch's error."""
    a = _array(dt, (3, 5))
    if dt in (np.int64, np.bool_):
        for lib in (mt, torch):
            with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype"):
                lib.tensor(a).mean()
        return
    x, tx = mt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = x.mean(), tx.mean()
    np.testing.assert_array_equal(y.detach().numpy(), mt.tensor(a).mean(dim=(0, 1)).numpy())
    assert y.grad_fn.name() == ty.grad_fn.name() == "MeanBackward0"
    assert str(y.dtype).split(".")[-1] == str(ty.dtype).split(".")[-1]
    np.testing.assert_allclose(float(y.detach()), float(ty.detach()), rtol=2e-3 if dt is np.float16 else 1e-6)
    y.backward()
    ty.backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
