"""Checks for exercises/parity_tests.py, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch as pytorch

import minitorch as torch

RNG = np.random.default_rng(3)


class BrokenExpBackward(torch.autograd.Function):
    """exp with a backward that forgets the chain rule's g."""

    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return y


@pytest.mark.parity_tests_1
@pytest.mark.parametrize("name, shapes", [("exp", [(3, 2)]), ("sin", [(4,)]), ("mul", [(2, 3), (3,)]),
                                          ("atan2", [(2, 2), (2, 2)])])
def test_check_op_passes_on_correct_ops(ex, name, shapes):
    ex("parity_tests").check_op(name, *(RNG.standard_normal(s) for s in shapes))


@pytest.mark.parity_tests_1
@pytest.mark.parametrize("broken", ["forward", "backward"])
def test_check_op_catches_a_broken_op(ex, monkeypatch, broken):
    if broken == "forward":
        monkeypatch.setattr(torch, "exp", lambda x: x.exp() * (1 + 1e-6))
    else:
        monkeypatch.setattr(torch, "exp", BrokenExpBackward.apply)
    assert pytorch.exp is not torch.exp
    with pytest.raises(AssertionError) as info:
        ex("parity_tests").check_op("exp", RNG.standard_normal((3, 2)))
    assert info.type is AssertionError


@pytest.mark.parity_tests_2
@pytest.mark.parametrize("shape, perm", [((2, 3), (1, 0)), ((2, 3, 4), (2, 0, 1)), ((3, 1, 2), (1, 2, 0))])
def test_permuted_view(ex, shape, perm):
    array = RNG.standard_normal(shape)
    weights = RNG.standard_normal(shape)
    strides, grads = {}, {}
    for lib in (torch, pytorch):
        leaf, view = ex("parity_tests").permuted_view(lib, array, perm)
        assert leaf.is_contiguous() and leaf.requires_grad and leaf.is_leaf
        np.testing.assert_array_equal(view.detach().numpy(), array)
        strides[lib.__name__] = view.stride()
        (view * lib.tensor(weights)).sum().backward()
        grads[lib.__name__] = leaf.grad.detach().numpy()
    assert strides["minitorch"] == strides["torch"]
    assert strides["torch"] != pytorch.empty(shape).stride()  # really not contiguous
    np.testing.assert_array_equal(grads["minitorch"], grads["torch"])


@pytest.mark.parity_tests_3
@pytest.mark.parametrize("values", [[1.0, 3.0, 3.0, 2.0], [5.0, 5.0, 5.0], [0.0, 4.0, 1.0]])
def test_tie_gradients(ex, values):
    got = ex("parity_tests").tie_gradients(torch, values)
    want = ex("parity_tests").tie_gradients(pytorch, values)
    x = pytorch.tensor(values, requires_grad=True)
    assert want[0] == pytorch.autograd.grad(x.max(), x)[0].tolist()
    assert want[3] == pytorch.autograd.grad(x.sort().values[-1], x)[0].tolist()
    assert got == want
