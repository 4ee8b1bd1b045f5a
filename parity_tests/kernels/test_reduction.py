"""kernels/reduction.py's sum over the leading axis: NumPy's bits (each column added in order of
rows), serial and in parallel blocks (the conftest runs each test both ways), and the CPU
backend's ``sum`` routing the batch sums of big float arrays to it."""

import numpy as np
import pytest
from minitorch.kernels.reduction import BLOCK, sum_leading

from minitorch.backends import cpu


def _data(shape, dtype, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    flat = a.reshape(a.shape[0], -1)
    flat[0, :3] = [-0.0, np.nan, np.inf]  # a column of -0.0 + ..., a NaN, an inf
    flat[:, 3] = -0.0  # a column of -0.0 only: the sum is -0.0, as NumPy's
    return a


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 7), (5, 4), (64, BLOCK), (3, BLOCK + 1), (64, 3, 2 * BLOCK + 5),
                                   (33, 6, 5, 7)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_sum_leading_is_numpys_bit_for_bit(shape, dtype, keepdims):
    a = _data(shape, dtype)
    got, want = sum_leading(a, keepdims), np.sum(a, axis=0, keepdims=keepdims)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    assert np.array_equal(np.signbit(got), np.signbit(want))


def test_other_layouts_and_dtypes_are_numpys_call():
    a = _data((6, 8, 5), np.float32)
    for x in (a.transpose(1, 0, 2), np.arange(a.size).reshape(a.shape), a.astype(np.float16), a[:0]):
        np.testing.assert_array_equal(sum_leading(x), np.sum(x, axis=0))


@pytest.mark.parametrize("axis", [0, (0,), (0, 2, 3), (0, 2)])
def test_cpu_sum_of_a_big_batch_is_numpys(axis):
    a = _data((64, 24, 13, 17), np.float32, seed=1)  # 339,456 numbers: past sum_leading's grain
    a.reshape(64, -1)[:, :4] = 1.0  # the NaN and inf of _data would hide every other bit
    for keepdims in (False, True):
        got, want = cpu.sum(a, axis=axis, keepdims=keepdims), np.sum(a, axis=axis, keepdims=keepdims)
        assert got.shape == want.shape and got.dtype == want.dtype
        if axis in (0, (0,)):
            np.testing.assert_array_equal(got, want)
        else:  # the batch first, then the rest: the rounding of cpu.sum's two steps, not of NumPy's one call
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
            np.testing.assert_array_equal(got, np.sum(np.sum(a, axis=0, keepdims=keepdims),
                                                      axis=tuple(d if keepdims else d - 1
                                                                 for d in axis if d), keepdims=keepdims))
    assert cpu.sum(a, axis=0, dtype=np.float64).dtype == np.float64
