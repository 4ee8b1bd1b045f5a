"""kernels/layout.py's copies against NumPy's: the swap of the two leading axes, NCHW to padded
channels last and back (cropped, plus a bias), a block added into a strided rectangle; contiguous
and strided inputs, planes too short for the loops, the 8x8 register transposes of an uncropped
copy back to NCHW, the flipped kernel's channels-last rows, dtype conversions, and the entry checks (the conftest runs each serial and
threaded)."""

import numpy as np
import pytest
from minitorch.kernels.layout import (
    SWAP_BLOCK,
    add_channel_bias,
    add_rows,
    flipped_weight_rows,
    nchw_to_nhwc,
    nhwc_to_nchw,
    swap_leading_axes,
)


@pytest.mark.parametrize("shape", [(3, 5, 4, 6), (2, SWAP_BLOCK + 3, 2, 2), (SWAP_BLOCK * 2 + 1, 2, 1, 5),
                                   (4, 3, 7, 1), (4, 3, 1, 1), (2, 3, 1, 3), (0, 3, 2, 2)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_swap_leading_axes_is_numpys_transposing_copy(shape, dtype):
    a = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    out = swap_leading_axes(a)
    assert out.flags.c_contiguous and out.dtype == dtype
    np.testing.assert_array_equal(out, a.transpose(1, 0, 2, 3))


@pytest.mark.parametrize("view", [lambda a: a[:, :, ::2, ::3], lambda a: a[::2, 1:],
                                  lambda a: a.transpose(1, 0, 2, 3), lambda a: np.swapaxes(a, 2, 3)])
def test_swap_leading_axes_of_strided_views(view):
    a = view(np.random.default_rng(1).standard_normal((6, 5, 8, 9)).astype(np.float32))
    np.testing.assert_array_equal(swap_leading_axes(a), a.transpose(1, 0, 2, 3))


def test_swap_leading_axes_converts_and_writes_into_out():
    a = np.random.default_rng(2).standard_normal((3, 4, 5, 5))
    want = a.transpose(1, 0, 2, 3).astype(np.float32)
    np.testing.assert_array_equal(swap_leading_axes(a, np.float32), want)
    out = np.empty((4, 3, 5, 5))
    assert swap_leading_axes(a, out=out) is out
    np.testing.assert_array_equal(out, a.transpose(1, 0, 2, 3))


@pytest.mark.parametrize("a_shape, out_shape, out_dtype", [
    ((3, 4, 5), None, None),                        # rank
    ((3, 4, 5, 5), (3, 4, 5, 5), np.float64),       # out not swapped
    ((3, 4, 5, 5), (4, 3, 5, 5), np.float32),       # out of another dtype
])
def test_swap_leading_axes_checks_before_its_loop(a_shape, out_shape, out_dtype):
    out = None if out_shape is None else np.empty(out_shape, out_dtype)
    with pytest.raises(RuntimeError, match="swap_leading_axes"):
        swap_leading_axes(np.zeros(a_shape), out=out)


def test_swap_leading_axes_wants_a_contiguous_out():
    out = np.empty((4, 3, 5, 10))[..., ::2]
    with pytest.raises(RuntimeError, match="contiguous"):
        swap_leading_axes(np.zeros((3, 4, 5, 5)), out=out)


PADS = [((0, 0), (0, 0)), ((1, 1), (1, 1)), ((2, 0), (1, 3)), ((0, 3), (2, 0))]


@pytest.mark.parametrize("shape", [(2, 5, 4, 6), (3, 40, 3, 3), (2, 3, 1, 1), (1, 7, 2, 1), (0, 3, 2, 2)])
@pytest.mark.parametrize("padding", PADS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nchw_to_nhwc_is_a_padded_transposing_copy(shape, padding, dtype):
    x = np.random.default_rng(3).standard_normal(shape).astype(dtype)
    out = nchw_to_nhwc(x, padding)
    assert out.flags.c_contiguous and out.dtype == dtype
    np.testing.assert_array_equal(out, np.pad(x, ((0, 0), (0, 0)) + tuple(padding)).transpose(0, 2, 3, 1))


def test_nchw_to_nhwc_of_a_strided_view_and_to_another_dtype():
    x = np.random.default_rng(4).standard_normal((3, 6, 8, 10))[:, ::2, :, ::3]
    want = np.pad(x, ((0, 0), (0, 0), (1, 0), (0, 2))).transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(nchw_to_nhwc(x, ((1, 0), (0, 2))), want)
    np.testing.assert_array_equal(nchw_to_nhwc(x, ((1, 0), (0, 2)), np.float32), want.astype(np.float32))


@pytest.mark.parametrize("shape", [(2, 5, 4, 6), (3, 40, 3, 3), (2, 3, 1, 1), (1, 7, 2, 1),
                                   (2, 16, 4, 4), (3, 24, 2, 4), (2, 8, 8, 8)])  # 8x8 blocks, uncropped
@pytest.mark.parametrize("padding", PADS)
@pytest.mark.parametrize("with_bias", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nhwc_to_nchw_crops_and_adds_the_bias(shape, padding, with_bias, dtype):
    rng = np.random.default_rng(5)
    (pT, pB), (pL, pR) = padding
    N, C, H, W = shape
    src = rng.standard_normal((N, H + pT + pB, W + pL + pR, C)).astype(dtype)
    bias = rng.standard_normal(C).astype(dtype) if with_bias else None
    out = np.empty(shape, dtype)
    assert nhwc_to_nchw(src, out, pT, pL, bias) is out
    want = src[:, pT:pT + H, pL:pL + W].transpose(0, 3, 1, 2) + (bias[:, None, None] if with_bias else 0)
    np.testing.assert_array_equal(out, want)


def test_nhwc_to_nchw_of_strided_or_other_dtype_operands():
    rng = np.random.default_rng(6)
    src = rng.standard_normal((2, 5, 12, 3))[:, :, ::2]
    out = np.empty((2, 3, 4, 5), np.float32)
    nhwc_to_nchw(src, out, 1, 1, np.ones(3))
    np.testing.assert_allclose(out, src[:, 1:5, 1:6].transpose(0, 3, 1, 2) + 1, rtol=1e-6)


@pytest.mark.parametrize("src_shape, out_shape, top, left, bias_shape", [
    ((2, 4, 4, 3), (2, 3, 4, 4), 1, 0, None),       # the crop runs past the input
    ((2, 4, 4, 3), (2, 3, 4, 4), 0, -1, None),      # a negative offset
    ((2, 4, 4, 5), (2, 3, 4, 4), 0, 0, None),       # channels differ
    ((1, 4, 4, 3), (2, 3, 4, 4), 0, 0, None),       # batch differs
    ((2, 4, 4, 3), (2, 3, 4, 4), 0, 0, (4,)),       # bias of the wrong length
    ((2, 4, 4), (2, 3, 4, 4), 0, 0, None),          # rank
])
def test_nhwc_to_nchw_checks_before_its_loop(src_shape, out_shape, top, left, bias_shape):
    bias = None if bias_shape is None else np.zeros(bias_shape)
    with pytest.raises(RuntimeError, match="nhwc_to_nchw"):
        nhwc_to_nchw(np.zeros(src_shape), np.empty(out_shape), top, left, bias)


@pytest.mark.parametrize("shape, padding", [((2, 3, 4), ((0, 0), (0, 0))), ((2, 3, 4, 4), ((0, -1), (0, 0)))])
def test_nchw_to_nhwc_checks_before_its_loop(shape, padding):
    with pytest.raises(RuntimeError, match="nchw_to_nhwc"):
        nchw_to_nhwc(np.zeros(shape), padding)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_add_rows_adds_into_a_strided_rectangle(dtype):
    rng = np.random.default_rng(7)
    y = rng.standard_normal((3, 5, 6, 4)).astype(dtype)
    src = rng.standard_normal((3, 2, 3, 4)).astype(dtype)
    want = y.copy()
    want[:, 1:5:2, 2:5] += src
    add_rows(src, y[:, 1:5:2, 2:5])
    np.testing.assert_array_equal(y, want)


@pytest.mark.parametrize("src, out", [
    (np.zeros((2, 3, 4)), np.zeros((2, 3, 4))),                         # rank
    (np.zeros((2, 3, 4, 5)), np.zeros((2, 3, 4, 4))),                   # shapes differ
    (np.zeros((2, 3, 4, 5)), np.zeros((2, 3, 4, 5), np.float32)),       # dtypes differ
])
def test_add_rows_checks_before_its_loop(src, out):
    with pytest.raises(RuntimeError, match="add_rows"):
        add_rows(src, out)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("view", [lambda y: y, lambda y: y[:, :, ::2]])
def test_add_channel_bias_in_place(dtype, view):
    rng = np.random.default_rng(8)
    y = view(rng.standard_normal((3, 4, 6, 5)).astype(dtype))
    b = rng.standard_normal(4)
    want = (y + b[:, None, None]).astype(dtype)
    assert add_channel_bias(y, b) is y
    np.testing.assert_array_equal(y, want)
    want = y + b.astype(dtype)[:, None, None]
    assert add_channel_bias(y, b.astype(dtype)) is y
    np.testing.assert_array_equal(y, want)


@pytest.mark.parametrize("y_shape, b_shape", [((2, 3, 4), (3,)), ((2, 3, 4, 4), (4,)),
                                              ((2, 3, 4, 4), (1, 3))])
def test_add_channel_bias_checks_before_its_loop(y_shape, b_shape):
    with pytest.raises(RuntimeError, match="add_channel_bias"):
        add_channel_bias(np.zeros(y_shape), np.zeros(b_shape))


@pytest.mark.parametrize("shape", [(320, 160, 3, 3), (7, 5, 5, 3), (1, 1, 1, 1), (0, 3, 3, 3)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_flipped_weight_rows_is_the_flipped_kernel_channels_last(shape, dtype):
    w = np.random.default_rng(5).standard_normal(shape).astype(dtype)
    want = w[:, :, ::-1, ::-1].transpose(1, 2, 3, 0).reshape(shape[1], -1)  # (ci, (i, j, co))
    out = flipped_weight_rows(w)
    assert out.flags.c_contiguous and out.dtype == dtype
    np.testing.assert_array_equal(out, want)
    strided = np.swapaxes(np.swapaxes(w, 2, 3).copy(), 2, 3)  # the same values, not contiguous
    np.testing.assert_array_equal(flipped_weight_rows(strided, np.float32), want.astype(np.float32))


def test_flipped_weight_rows_checks_before_its_loop():
    with pytest.raises(RuntimeError, match="flipped_weight_rows"):
        flipped_weight_rows(np.zeros((3, 3, 3), np.float32))
