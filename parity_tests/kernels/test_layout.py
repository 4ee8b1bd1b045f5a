"""kernels/layout.py's swap of the two leading axes against NumPy's transposing copy: contiguous
and strided inputs, planes too short for the loop, a dtype conversion, an ``out`` to write into,
and the entry checks (the conftest runs it serial and threaded)."""

import numpy as np
import pytest
from minitorch.kernels.layout import SWAP_BLOCK, swap_leading_axes


@pytest.mark.parametrize("shape", [(3, 5, 4, 6), (2, SWAP_BLOCK + 3, 2, 2), (SWAP_BLOCK * 2 + 1, 2, 1, 5),
                                   (4, 3, 7, 1), (4, 3, 1, 1), (2, 3, 1, 3), (0, 3, 2, 2)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_swap_leading_axes_is_numpys_transposing_copy(shape, dtype):
    a = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    out = swap_leading_axes(a)
    assert out.flags.c_contiguous and out.dtype == dtype
    np.testing.assert_array_equal(out, a.transpose(1, 0, 2, 3))


@pytest.mark.parametrize("view", [lambda a: a[:, :, ::2, ::3], lambda a: a[::2, 1:], lambda a: a.transpose(1, 0, 2, 3),
                                  lambda a: np.swapaxes(a, 2, 3)])
def test_swap_leading_axes_of_strided_views(view):
    a = view(np.random.default_rng(1).standard_normal((6, 5, 8, 9)).astype(np.float32))
    np.testing.assert_array_equal(swap_leading_axes(a), a.transpose(1, 0, 2, 3))


def test_swap_leading_axes_converts_and_writes_into_out():
    a = np.random.default_rng(2).standard_normal((3, 4, 5, 5))
    np.testing.assert_array_equal(swap_leading_axes(a, np.float32), a.transpose(1, 0, 2, 3).astype(np.float32))
    out = np.empty((4, 3, 5, 5))
    assert swap_leading_axes(a, out=out) is out
    np.testing.assert_array_equal(out, a.transpose(1, 0, 2, 3))


@pytest.mark.parametrize("a_shape, out_shape, out_dtype", [((3, 4, 5), None, None), ((3, 4, 5, 5), (3, 4, 5, 5), np.float64),
                                                           ((3, 4, 5, 5), (4, 3, 5, 5), np.float32)])
def test_swap_leading_axes_checks_before_its_loop(a_shape, out_shape, out_dtype):
    out = None if out_shape is None else np.empty(out_shape, out_dtype)
    with pytest.raises(RuntimeError, match="swap_leading_axes"):
        swap_leading_axes(np.zeros(a_shape), out=out)


def test_swap_leading_axes_wants_a_contiguous_out():
    out = np.empty((4, 3, 5, 10))[..., ::2]
    with pytest.raises(RuntimeError, match="contiguous"):
        swap_leading_axes(np.zeros((3, 4, 5, 5)), out=out)
