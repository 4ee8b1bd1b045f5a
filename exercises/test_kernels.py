"""Checks of docs/kernels.md's exercises, against PyTorch: ``pytest exercises -m kernels_1`` (2, 3, 4)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minitorch


@pytest.fixture
def kernels(ex):
    return ex("kernels")


def _data(seed: int, x_shape, w_shape):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(x_shape), rng.standard_normal(w_shape)


CASES = [((2, 3, 7, 7), (4, 3, 3, 3), 1, 0), ((1, 2, 8, 6), (3, 2, 2, 3), 2, 1), ((2, 1, 5, 5), (2, 1, 5, 5), 1, 2)]


def _torch_conv(x, w, stride, padding):
    return torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), stride=stride,
                                      padding=padding).numpy()


@pytest.mark.kernels_1
@pytest.mark.parametrize("x_shape, w_shape, stride, padding", CASES)
def test_conv2d_loops(kernels, x_shape, w_shape, stride, padding):
    x, w = _data(1, x_shape, w_shape)
    y = kernels.conv2d_loops(x, w, stride=stride, padding=padding)
    np.testing.assert_allclose(y, _torch_conv(x, w, stride, padding), rtol=1e-10, atol=1e-10)


@pytest.mark.kernels_2
@pytest.mark.parametrize("x_shape, w_shape, stride, padding", CASES)
def test_conv2d_im2col(kernels, x_shape, w_shape, stride, padding):
    x, w = _data(2, x_shape, w_shape)
    y = kernels.conv2d_im2col(x, w, stride=stride, padding=padding)
    np.testing.assert_allclose(y, _torch_conv(x, w, stride, padding), rtol=1e-10, atol=1e-10)


@pytest.mark.kernels_3
@pytest.mark.parametrize("x_shape, w_shape", [((2, 3, 6, 6), (4, 3, 3, 3)), ((3, 2, 5, 7), (5, 2, 2, 4))])
def test_conv2d_weight_grad(kernels, x_shape, w_shape):
    x, w = _data(3, x_shape, w_shape)
    xt, wt = torch.from_numpy(x), torch.from_numpy(w).requires_grad_()
    y = torch.nn.functional.conv2d(xt, wt)
    g = torch.randn_like(y)
    y.backward(g)
    gw = kernels.conv2d_weight_grad(minitorch.from_numpy(x), minitorch.from_numpy(g.numpy()), w_shape[2:])
    assert isinstance(gw, minitorch.Tensor)
    np.testing.assert_allclose(gw.numpy(), wt.grad.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.kernels_4
@pytest.mark.parametrize("shape", [(2, 3, 4, 6), (1, 1, 2, 2), (4, 5, 8, 8)])
def test_avg_pool2x2(kernels, shape):
    x = np.random.default_rng(4).standard_normal(shape).astype(np.float32)
    y = kernels.avg_pool2x2(x)
    expected = torch.nn.functional.avg_pool2d(torch.from_numpy(x), 2).numpy()
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)  # float32, any summation order


@pytest.mark.kernels_4
def test_avg_pool2x2_is_a_parallel_numba_kernel(kernels):
    kernels.avg_pool2x2(np.zeros((1, 1, 2, 2), np.float32))  # it runs (and is compiled) first
    options = getattr(kernels.avg_pool2x2, "targetoptions", {})
    assert options.get("parallel"), "decorate it with @njit(parallel=True)"
    assert "prange" in kernels.avg_pool2x2.py_func.__code__.co_names, "loop over the planes with prange"
