"""kernels/activation.py's relu and threshold_backward and kernels/optim.py's add_scaled (SGD's
update) against torch / NumPy, bit for bit, serial and in parallel blocks (the conftest runs
each test both ways): sizes below, at and across the blocks' edges."""

import numpy as np
import pytest
import torch
from minitorch.kernels.activation import relu, threshold_backward
from minitorch.kernels.optim import ADD_SCALED_BLOCK, add_scaled

SIZES = [1, 4095, 4096, 4097, 3 * 4096 + 17, 40_000]


def _data(n, dtype, seed=0):
    x = np.random.default_rng(seed).standard_normal(n).astype(dtype)
    if n > 3:
        x[:3] = [np.nan, -0.0, 0.0]
    return x


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", SIZES)
def test_relu_matches_torch(n, dtype):
    x = _data(n, dtype)
    np.testing.assert_array_equal(relu(x), torch.relu(torch.from_numpy(x)).numpy())
    assert np.array_equal(np.signbit(relu(x)), np.signbit(torch.relu(torch.from_numpy(x)).numpy()))


@pytest.mark.parametrize("n", SIZES)
def test_threshold_backward_matches_torch(n):
    g, y = _data(n, np.float32, 1), _data(n, np.float32, 2)
    want = torch.ops.aten.threshold_backward(torch.from_numpy(g), torch.from_numpy(y), 0).numpy()
    np.testing.assert_array_equal(threshold_backward(g, y), want)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [8192, 2 * ADD_SCALED_BLOCK + 5, 40_000])
def test_add_scaled_matches_numpys_two_calls(n, dtype):
    p, g = _data(n, dtype, 3), _data(n, dtype, 4)
    want = np.add(p, np.multiply(g, dtype(-0.1)))
    add_scaled(p, g, -0.1)
    np.testing.assert_array_equal(p, want)

