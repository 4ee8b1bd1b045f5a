"""Checks for exercises/broadcasting.py, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch as pytorch

import minitorch as torch

SHAPES = [[(2, 3), (3,)], [(4, 1, 3), (5, 1)], [(1, 4), (3, 1), (4,)], [(), (2, 1)],
          [(0, 1), (3,)], [(7,)], [(1, 1, 1), (2, 1, 4), (3, 1)]]


@pytest.mark.broadcasting_1
@pytest.mark.parametrize("shapes", SHAPES)
def test_broadcast_shape(ex, shapes):
    assert ex("broadcasting").broadcast_shape(*shapes) == tuple(pytorch.broadcast_shapes(*shapes))


@pytest.mark.broadcasting_1
@pytest.mark.parametrize("shapes", [[(2, 3), (2,)], [(3, 1), (1, 4), (2, 1, 1), (5,)]])
def test_broadcast_shape_clash(ex, shapes):
    with pytest.raises(RuntimeError) as want:
        pytorch.broadcast_shapes(*shapes)
    with pytest.raises(RuntimeError) as got:
        ex("broadcasting").broadcast_shape(*shapes)
    assert got.type is want.type  # NotImplementedError is a RuntimeError too


@pytest.mark.broadcasting_2
@pytest.mark.parametrize("shape, strides, target", [
    ((1, 4), (4, 1), (3, 4)), ((3, 1), (1, 1), (2, 3, 4)), ((3,), (2,), (5, 3)),
    ((2, 1, 3), (1, 6, 2), (4, 2, 5, 3)), ((), (), (2, 2))])
def test_expand_strides(ex, shape, strides, target):
    want = pytorch.empty_strided(shape, strides).expand(*target).stride()
    assert ex("broadcasting").expand_strides(shape, strides, target) == want


@pytest.mark.broadcasting_3
@pytest.mark.parametrize("big, shape", [((4, 2, 3), (2, 1)), ((2, 3), (3,)), ((2, 3), (1, 3)),
                                        ((2, 3), ()), ((3, 1, 2), (3, 1, 2)), ((5, 4), (5, 1))])
def test_unbroadcast(ex, big, shape):
    data = np.random.default_rng(0).standard_normal(big)
    got = ex("broadcasting").unbroadcast(torch.tensor(data), shape)
    want = pytorch.tensor(data).sum_to_size(shape)
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


@pytest.mark.broadcasting_3
def test_unbroadcast_is_differentiable(ex):
    """The gradient of a broadcast, differentiated again: the result keeps its graph."""
    data = np.random.default_rng(1).standard_normal((4, 2, 3))
    g = torch.tensor(data, requires_grad=True)
    out = ex("broadcasting").unbroadcast(g * g, (2, 1))
    (gg,) = torch.autograd.grad(out.sum(), g)
    tg = pytorch.tensor(data, requires_grad=True)
    (want,) = pytorch.autograd.grad((tg * tg).sum_to_size(2, 1).sum(), tg)
    np.testing.assert_allclose(gg.numpy(), want.numpy(), rtol=1e-12)


@pytest.mark.broadcasting_4
def test_zero_dim_changes_the_dtype(ex):
    a, b = ex("broadcasting").zero_dim_changes_the_dtype()
    for lib, (da, db) in ((torch, (a, b)), (pytorch, (getattr(pytorch, str(a).split(".")[1]),
                                                       getattr(pytorch, str(b).split(".")[1])))):
        zero_d = (lib.ones(2, dtype=da) + lib.ones((), dtype=db)).dtype
        one_d = (lib.ones(2, dtype=da) + lib.ones(1, dtype=db)).dtype
        assert zero_d != one_d, f"{lib.__name__}: {da} with {db} gives {zero_d} either way"
