"""kernels/log_softmax.py: log_softmax along the last dim and its gradient, row by row, against
torch; ``exp_of``'s float32 exp against the correctly rounded one; the same bits on every path."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import torch
from minitorch.kernels import log_softmax, log_softmax_backward

rows = importlib.import_module("minitorch.kernels.log_softmax")
TOL = {np.float32: {"rtol": 1e-5, "atol": 1e-6}, np.float64: {"rtol": 1e-12, "atol": 1e-13}}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(64, 10), (5, 1), (7,), (3, 4, 33), (2, 3000)])
def test_log_softmax_and_its_gradient_match_torch(shape, dtype):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 4).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    y = log_softmax(x, x.ndim - 1)
    ty = torch.log_softmax(torch.from_numpy(x), -1)
    assert y.dtype == x.dtype and y.shape == x.shape
    np.testing.assert_allclose(y, ty.numpy(), **TOL[dtype])
    dx = log_softmax_backward(g, y, x.ndim - 1)
    tdx = torch._log_softmax_backward_data(torch.from_numpy(g), ty, -1, ty.dtype)
    np.testing.assert_allclose(dx, tdx.numpy(), **TOL[dtype])


def test_other_dims_dtypes_and_layouts():
    """Another dim or dtype takes NumPy's expression; a transposed input the rows of its copy."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 9)).astype(np.float32)
    np.testing.assert_allclose(log_softmax(x, 0), torch.log_softmax(torch.from_numpy(x), 0).numpy(), rtol=1e-5,
                               atol=1e-6)
    assert np.array_equal(log_softmax(x.T, 1), log_softmax(np.ascontiguousarray(x.T), 1))
    h = x.astype(np.float16)
    assert log_softmax(h, 1).dtype == np.float16
    assert log_softmax(np.zeros((0, 3), np.float32), 1).shape == (0, 3)


def test_special_values_as_numpys_expression():
    """NaN, +inf and all -inf rows give NaN where NumPy's expression does; -inf entries -inf."""
    x = np.array([[np.nan, 1.0, 2.0], [np.inf, 0.0, 1.0], [-np.inf, -np.inf, -np.inf], [-np.inf, 0.0, 1.0],
                  [1e30, -1e30, 0.0]], np.float32)
    with np.errstate(invalid="ignore"):
        z = x - np.max(x, axis=1, keepdims=True)
        expected = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    got = log_softmax(x, 1)
    assert np.array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(got[3:], expected[3:], rtol=1e-6)


def test_parallel_rows_give_the_serial_bits():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4096, 100)).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    y1, y2 = np.empty_like(x), np.empty_like(x)
    rows._log_softmax_rows(x, y1, False)
    rows._log_softmax_rows(x, y2, True)
    assert np.array_equal(y1, y2)
    d1, d2 = np.empty_like(x), np.empty_like(x)
    rows._log_softmax_backward_rows(g, y1, d1, False)
    rows._log_softmax_backward_rows(g, y1, d2, True)
    assert np.array_equal(d1, d2)


def test_float32_exp_is_within_one_ulp_and_the_same_bits_vectorised_or_not():
    from numba import njit

    @njit
    def each(a, out):
        for i in range(a.size):
            out[i] = rows.exp_of(a[i])

    @njit
    def one(z):
        return rows.exp_of(z)

    rng = np.random.default_rng(3)
    a = np.concatenate([rng.uniform(-110, 90, 100_000), rng.uniform(-1, 1, 10_000),
                        [np.nan, np.inf, -np.inf, 0.0, -0.0, 88.72, 88.73, -103.9, -1e30, 1e30]]).astype(np.float32)
    out = np.empty_like(a)
    each(a, out)
    with np.errstate(over="ignore"):
        exact = np.exp(a.astype(np.float64)).astype(np.float32)
    finite = np.isfinite(exact) & (exact > 0)
    ulps = np.abs(out[finite].view(np.int32).astype(np.int64) - exact[finite].view(np.int32).astype(np.int64))
    assert ulps.max() <= 1 and (ulps == 0).mean() > 0.999
    assert np.array_equal(out[~finite], exact[~finite], equal_nan=True)
    scalar = np.array([one(np.float32(z)) for z in a[-2000:]], np.float32)
    assert np.array_equal(scalar, out[-2000:], equal_nan=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rows_longer_than_row_max_are_numpys_expression(dtype):
    """Past ``ROW_MAX`` numbers a row NumPy's SIMD loops are faster than the row kernels, so the
    result is NumPy's expression to the bit there (and the row kernels' up to it)."""
    rng = np.random.default_rng(3)
    for n in (rows.ROW_MAX, rows.ROW_MAX + 1):
        x = (rng.standard_normal((5, n)) * 3).astype(dtype)
        g = rng.standard_normal(x.shape).astype(dtype)
        z = x - np.amax(x, axis=1, keepdims=True)
        y_numpy = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
        y_rows = np.empty_like(x)
        rows._log_softmax_rows(x, y_rows, False)
        expected = y_numpy if n > rows.ROW_MAX else y_rows
        assert np.array_equal(log_softmax(x, 1), expected)
        d_numpy = g - np.exp(expected) * np.sum(g, axis=1, keepdims=True)
        d_rows = np.empty_like(x)
        rows._log_softmax_backward_rows(g, expected, d_rows, False)
        assert np.array_equal(log_softmax_backward(g, expected, 1), d_numpy if n > rows.ROW_MAX else d_rows)
