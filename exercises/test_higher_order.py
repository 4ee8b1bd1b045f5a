"""Checks for exercises/higher_order.py, against torch.autograd.functional."""

from __future__ import annotations

import numpy as np
import pytest
import torch as pytorch

import minitorch as torch

FUNCTIONS = {
    "page": (lambda lib, w: (w ** 3).sum() * w[0], [1.0, 2.0]),
    "sin": (lambda lib, w: (w[0] * w[1]).sin(), [1.0, 2.0]),
    "softmax": (lambda lib, w: (w.softmax(0) * lib.arange(3.0)).sum() + (w * w).prod(), [0.3, -1.0, 2.0]),
}


def both(name):
    f, point = FUNCTIONS[name]
    w = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    return (lambda t: f(torch, t)), w, (lambda t: f(pytorch, t)), pytorch.tensor(point, dtype=pytorch.float64)


@pytest.mark.higher_order_1
@pytest.mark.parametrize("name", FUNCTIONS)
def test_hessian(ex, name):
    f, w, tf, tw = both(name)
    got = ex("higher_order").hessian(f, w)
    np.testing.assert_allclose(got.detach().numpy(), pytorch.autograd.functional.hessian(tf, tw).numpy(),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.higher_order_2
@pytest.mark.parametrize("name", FUNCTIONS)
def test_hvp(ex, name):
    f, w, tf, tw = both(name)
    v = np.linspace(1.0, -1.0, w.numel())
    got = ex("higher_order").hvp(f, w, torch.tensor(v))
    _, want = pytorch.autograd.functional.hvp(tf, tw, pytorch.tensor(v))
    np.testing.assert_allclose(got.detach().numpy(), want.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.higher_order_3
@pytest.mark.parametrize("point", [[-1.0, 2.0], [0.5, -0.25, 3.0]])
def test_relu_square_curvature(ex, point):
    got = ex("higher_order").relu_square_curvature(torch.tensor(point, requires_grad=True))
    tx = pytorch.tensor(point, requires_grad=True)
    (g,) = pytorch.autograd.grad((tx.relu() ** 2).sum(), tx, create_graph=True)
    (want,) = pytorch.autograd.grad(g.sum(), tx)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
