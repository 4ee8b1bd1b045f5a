"""kernels/activation.py's sigmoid and sigmoid_backward against torch (the one-pass kernels the
CPU backend runs for ``sigmoid`` and its gradient)."""

import numpy as np
import pytest
import torch
from minitorch.kernels import sigmoid, sigmoid_backward

EXTREMES = [np.nan, np.inf, -np.inf, -1000.0, -100.0, -88.0, -87.0, -80.0, -20.0, -1e-8, -0.0, 0.0,
            1e-8, 3.3, 17.0, 20.0, 80.0, 87.0, 88.5, 100.0]


@pytest.mark.parametrize("n", [1, 15, 16, 17, 301_056])  # tails of the 16-number vectors
def test_sigmoid_float32_matches_torch(n):
    x = (np.random.default_rng(n).standard_normal(n) * 8).astype(np.float32)
    ours = sigmoid(x)
    assert ours.dtype == np.float32 and ours.shape == x.shape
    np.testing.assert_allclose(ours, torch.sigmoid(torch.tensor(x)).numpy(), rtol=1e-6, atol=0)


def test_sigmoid_float32_extremes_and_nan():
    x = np.array(EXTREMES, np.float32)
    ours, theirs = sigmoid(x), torch.sigmoid(torch.tensor(x)).numpy()
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-37)  # torch: denormals near -88
    assert sigmoid(np.array([-np.inf, np.inf], np.float32)).tolist() == [0.0, 1.0]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_other_layouts_and_dtypes(dtype):
    x = (np.random.default_rng(0).standard_normal((5, 7)) * 5).astype(dtype).T  # not C-contiguous
    np.testing.assert_allclose(sigmoid(x), torch.sigmoid(torch.tensor(x)).numpy(), rtol=1e-6)
    assert sigmoid(x).dtype == dtype
    y = sigmoid(np.array(EXTREMES, np.float64))
    np.testing.assert_allclose(y, torch.sigmoid(torch.tensor(EXTREMES, dtype=torch.float64)).numpy(),
                               rtol=1e-15, atol=0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_backward_matches_torch(dtype):
    rng = np.random.default_rng(1)
    g = rng.standard_normal((3, 4, 5)).astype(dtype)
    y = rng.uniform(0, 1, (3, 4, 5)).astype(dtype)
    expect = torch.ops.aten.sigmoid_backward(torch.tensor(g), torch.tensor(y)).numpy()
    np.testing.assert_array_equal(sigmoid_backward(g, y), expect)  # the same order, the same bits
    np.testing.assert_array_equal(sigmoid_backward(g.transpose(2, 0, 1), y.transpose(2, 0, 1)),
                                  expect.transpose(2, 0, 1))
    # broadcasting and mixed dtypes (a double backward) keep NumPy's expression and its promotion
    out = sigmoid_backward(g, y[:1].astype(np.float64))
    assert out.shape == g.shape and out.dtype == np.float64
