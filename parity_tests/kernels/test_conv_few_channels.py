"""The few-channel convolutions (kernels/conv_few_channels.py) against torch: LeNet's shapes and
the odd ones, through kernels.conv2d and its gradients (which dispatch there), both tiles (the
row tile at stride 1 with <= 8 output channels, the channel tile otherwise), float32 and float64,
and a float64 gradcheck through minitorch's autograd.

The conftest runs every test with the loops forced serial and forced to threads; its "always
GEMM" run switches this path off (MAX_TAPS = 0), where the tests below check the other paths.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from kernel_parity_helpers import assert_close, random_array, torch_forward_and_grads
from minitorch.kernels import conv2d, conv2d_input_grad, conv2d_weight_grad
from minitorch.kernels import conv_few_channels as few

import minitorch
from minitorch.autograd import gradcheck

DTYPES = [np.float64, np.float32]

# (x shape, w shape, stride, padding, dilation)
SHAPES = [
    ((3, 1, 28, 28), (6, 1, 5, 5), (1, 1), (2, 2), (1, 1)),  # LeNet conv1 (row tile)
    ((3, 6, 14, 14), (16, 6, 5, 5), (1, 1), (0, 0), (1, 1)),  # LeNet conv2 (channel tile)
    ((1, 6, 14, 14), (16, 6, 5, 5), (1, 1), (0, 0), (1, 1)),  # batch 1
    ((2, 3, 9, 11), (5, 3, 3, 3), (2, 2), (1, 1), (1, 1)),  # stride 2: channel tile, few channels
    ((2, 3, 9, 11), (12, 3, 3, 2), (2, 1), (1, 0), (1, 1)),  # stride (2, 1), a 3x2 kernel
    ((2, 2, 10, 9), (4, 2, 3, 3), (1, 1), (2, 1), (2, 2)),  # dilation 2, padding (2, 1)
    ((2, 2, 10, 9), (10, 2, 3, 3), (1, 1), (0, 3), (2, 1)),  # dilation, channel tile
    ((2, 3, 5, 5), (4, 3, 5, 5), (1, 1), (0, 0), (1, 1)),  # kernel == input: a 1x1 map
    ((2, 3, 5, 5), (9, 3, 5, 5), (1, 1), (0, 0), (1, 1)),  # a 1x1 map, channel tile
    ((2, 1, 1, 7), (3, 1, 1, 3), (1, 1), (0, 1), (1, 1)),  # height 1 (conv1d's shape)
    ((2, 16, 6, 6), (7, 16, 3, 3), (1, 1), (1, 1), (1, 1)),  # many taps, 7 channels (padded to 8)
    ((2, 1, 40, 37), (1, 1, 3, 3), (1, 1), (1, 1), (1, 1)),  # one channel; rows of several tiles
    ((2, 1, 27, 27), (40, 1, 11, 11), (4, 4), (0, 0), (1, 1)),  # NiN's stem: three blocks of channels
    ((2, 1, 12, 13), (20, 1, 7, 7), (2, 2), (3, 3), (1, 1)),  # ResNet's stem: a partial block
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("contiguous", [True, False])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("x_shape, w_shape, stride, padding, dilation", SHAPES)
def test_few_channel_conv_matches_torch(x_shape, w_shape, stride, padding, dilation, bias, contiguous,
                                        dtype):
    rng = np.random.default_rng(0)
    x = random_array(rng, x_shape, dtype, contiguous)
    w = random_array(rng, w_shape, dtype, contiguous)
    b = random_array(rng, (w_shape[0],), dtype) if bias else None
    one_vector = w_shape[0] * np.dtype(dtype).itemsize <= 64
    taken = few.MAX_TAPS > 0 and few.AVX512 and (one_vector or w_shape[1] <= few.STEM_MAX_CHANNELS)  # or a stem
    assert few.applies(x.shape, w.shape, 1, x, w) == taken
    assert few.applies(x.shape, w.shape, 1, x, w, stems=False) == (taken and one_vector)

    def torch_conv(xt, wt, bt=None):
        return F.conv2d(xt, wt, bt, stride, padding, dilation)

    y_t, gy, (gx_t, gw_t, *_) = torch_forward_and_grads(torch_conv, [x, w] + ([b] if bias else []))
    assert_close(conv2d(x, w, b, stride, padding, dilation, 1), y_t, dtype)
    y_k, columns = conv2d(x, w, b, stride, padding, dilation, 1, keep_columns=True)
    assert_close(y_k, y_t, dtype)
    assert_close(conv2d_input_grad(gy, w, x.shape, stride, padding, dilation, 1), gx_t, dtype)
    assert_close(conv2d_weight_grad(gy, x, w.shape, stride, padding, dilation, 1, columns), gw_t, dtype)


def test_asymmetric_padding_matches_torch():
    """((top, bottom), (left, right)) as padding='same' with an even kernel asks for it."""
    rng = np.random.default_rng(1)
    x, w = random_array(rng, (2, 2, 7, 8), np.float64), random_array(rng, (5, 2, 4, 4), np.float64)
    pad = ((1, 2), (2, 1))
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    y_t = F.conv2d(F.pad(xt, (2, 1, 1, 2)), wt)
    gy = rng.standard_normal(tuple(y_t.shape))
    y_t.backward(torch.tensor(gy))
    assert_close(conv2d(x, w, None, (1, 1), pad, (1, 1), 1), y_t, np.float64)
    assert_close(conv2d_input_grad(gy, w, x.shape, (1, 1), pad, (1, 1), 1), xt.grad, np.float64)
    assert_close(conv2d_weight_grad(gy, x, w.shape, (1, 1), pad, (1, 1), 1), wt.grad, np.float64)


def test_the_rule():
    """Which convolutions come here: one group, a kernel larger than 1x1, float, at most one
    vector of output channels (or, in the forward, a stem's few input channels) and MAX_TAPS
    taps, on an AVX-512 CPU."""
    f32, f64 = np.zeros(1, np.float32), np.zeros(1, np.float64)
    on = few.MAX_TAPS > 0 and few.AVX512
    assert few.applies((64, 1, 28, 28), (6, 1, 5, 5), 1, f32) == on
    assert few.applies((64, 6, 14, 14), (16, 6, 5, 5), 1, f32) == on
    assert not few.applies((64, 6, 14, 14), (17, 6, 5, 5), 1, f32)  # two vectors of channels
    assert not few.applies((64, 6, 14, 14), (16, 6, 5, 5), 1, f64)  # 8 float64 channels at most
    assert not few.applies((64, 6, 14, 14), (6, 3, 5, 5), 2, f32)  # groups
    assert not few.applies((64, 6, 14, 14), (6, 6, 1, 1), 1, f32)  # 1x1: one GEMM on NCHW
    assert not few.applies((64, 6, 14, 14), (6, 6, 5, 5), 1, np.zeros(1, np.int64))
    assert not few.applies((64, 64, 14, 14), (6, 64, 3, 3), 1, f32)  # 576 taps
    assert few.applies((64, 1, 67, 67), (96, 1, 11, 11), 1, f32) == on  # a stem: 6 blocks of 16 ...
    assert not few.applies((64, 1, 67, 67), (96, 1, 11, 11), 1, f32, stems=False)  # ... forward only
    assert not few.applies((64, 5, 67, 67), (96, 5, 5, 5), 1, f32)  # more than STEM_MAX_CHANNELS


def test_wrong_shapes_raise_before_any_loop():
    x = np.zeros((2, 3, 8, 8), np.float32)
    with pytest.raises(RuntimeError):
        few.conv2d(x, np.zeros((4, 2, 3, 3), np.float32), None, (1, 1), ((0, 0), (0, 0)), (1, 1))
    with pytest.raises(RuntimeError):  # output too small
        few.conv2d(x, np.zeros((4, 3, 9, 9), np.float32), None, (1, 1), ((0, 0), (0, 0)), (1, 1))
    with pytest.raises(RuntimeError):  # bias of the wrong length
        few.conv2d(x, np.zeros((4, 3, 3, 3), np.float32), np.zeros(5, np.float32), (1, 1),
                   ((0, 0), (0, 0)), (1, 1))
    with pytest.raises(RuntimeError):  # gy larger than the output
        few.conv2d_weight_grad(np.zeros((2, 4, 7, 6), np.float32), x, (4, 3, 3, 3), (1, 1),
                               ((0, 0), (0, 0)), (1, 1))
    with pytest.raises(RuntimeError):  # weight's channels do not match the input's
        few.conv2d_weight_grad(np.zeros((2, 4, 6, 6), np.float32), x, (4, 2, 3, 3), (1, 1),
                               ((0, 0), (0, 0)), (1, 1))
    with pytest.raises(RuntimeError):  # through the dispatch: gy of the wrong batch
        conv2d_weight_grad(np.zeros((3, 4, 6, 6), np.float32), x, (4, 3, 3, 3), (1, 1), (0, 0), (1, 1), 1)


def test_threads_do_not_change_the_bits():
    """The weight gradient's batch slices follow the configured thread count only: forced
    serial (the conftest's other run) and threaded loops give the same numbers for the same
    configuration, and the forward / input gradient own a sample per iteration."""
    rng = np.random.default_rng(2)
    x, w = random_array(rng, (8, 6, 14, 14), np.float32), random_array(rng, (16, 6, 5, 5), np.float32)
    gy = rng.standard_normal((8, 16, 10, 10)).astype(np.float32)
    a = conv2d_weight_grad(gy, x, w.shape, (1, 1), (0, 0), (1, 1), 1)
    b = conv2d_weight_grad(gy, x, w.shape, (1, 1), (0, 0), (1, 1), 1)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("stride, padding, c_out", [(1, 2, 3), (1, 0, 10), (2, 1, 4)])
def test_gradcheck_float64(stride, padding, c_out):
    """Finite differences through minitorch's autograd (LeNet-like, small)."""
    rng = np.random.default_rng(3)
    x = minitorch.tensor(rng.standard_normal((2, 2, 6, 6)), dtype=minitorch.float64, requires_grad=True)
    w = minitorch.tensor(rng.standard_normal((c_out, 2, 3, 3)), dtype=minitorch.float64, requires_grad=True)
    b = minitorch.tensor(rng.standard_normal(c_out), dtype=minitorch.float64, requires_grad=True)
    assert gradcheck(lambda x, w, b: minitorch.nn.functional.conv2d(x, w, b, stride, padding), (x, w, b))


# The stems' weight gradient (more than one vector of output channels, so not this module's)
# builds its columns through the stride phases (kernels/im2col.py, im2col_phases_into): the
# same columns as im2col_into, bit for bit, at any stride, padding (asymmetric too) and dilation.
PHASE_CASES = [
    ((3, 1, 67, 67), (11, 11), (4, 4), ((0, 0), (0, 0)), (1, 1)),  # NiN's stem
    ((2, 1, 67, 67), (11, 11), (4, 4), ((1, 1), (1, 1)), (1, 1)),  # AlexNet's padding 1
    ((2, 1, 32, 32), (7, 7), (2, 2), ((3, 3), (3, 3)), (1, 1)),  # ResNet's and DenseNet's
    ((2, 3, 13, 10), (3, 4), (3, 2), ((2, 0), (1, 3)), (2, 3)),  # asymmetric, dilated, 3 channels
    ((1, 2, 5, 9), (2, 2), (5, 1), ((4, 4), (0, 1)), (1, 1)),  # stride past the kernel, wide padding
    ((2, 1, 8, 8), (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),  # stride 1: one phase
]


@pytest.mark.parametrize("x_shape,kernel,stride,padding,dilation", PHASE_CASES)
def test_im2col_phases_matches_im2col(x_shape, kernel, stride, padding, dilation):
    from minitorch.kernels.im2col import conv_output_size, im2col_into, im2col_phases_into

    x = random_array(np.random.default_rng(5), x_shape, np.float32)
    out = tuple(conv_output_size(x_shape[2 + d], kernel[d], stride[d], *padding[d], dilation[d]) for d in (0, 1))
    rows = x_shape[1] * kernel[0] * kernel[1]
    want = np.full((rows, x_shape[0], out[0] * out[1]), np.nan, np.float32)
    got = np.full_like(want, np.nan)
    im2col_into(x, want, kernel, out, stride, padding, dilation)
    im2col_phases_into(x, got, kernel, out, stride, padding, dilation)
    np.testing.assert_array_equal(got, want)
    with pytest.raises(RuntimeError, match="does not fit"):  # a window past x_pad never reaches the loops
        big = (out[0] + 1, out[1])
        im2col_phases_into(x, np.empty((rows, x_shape[0], big[0] * big[1]), np.float32), kernel, big, stride,
                           padding, dilation)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", [((4, 1, 27, 27), (40, 1, 11, 11), (4, 4), (1, 1), (1, 1)),
                                  ((4, 1, 16, 16), (24, 1, 7, 7), (2, 2), (3, 3), (1, 1)),
                                  ((3, 1, 35, 35), (96, 1, 11, 11), (4, 4), (0, 0), (1, 1)),  # NiN's 96
                                  ((2, 1, 30, 29), (100, 1, 5, 5), (3, 2), (1, 2), (1, 1)),  # two blocks
                                  ((2, 4, 13, 17), (9, 4, 3, 4), (2, 3), (2, 1), (2, 1)),  # 4 channels, dilated
                                  ((5, 2, 9, 9), (33, 2, 3, 3), (2, 2), (0, 0), (1, 1))])  # a partial vector
def test_stem_weight_grad(case, dtype):
    """The stems' weight gradient (more output channels than one vector, at most
    STEM_MAX_CHANNELS input channels, stride > 1): kernels/conv_stem_grad.py's direct kernel,
    or (the "always GEMM" run, or a CPU without AVX-512) im2col + GEMM on phase-built columns,
    against torch (float32 sums in another order); the bits do not depend on the loops' kind."""
    from minitorch.kernels import conv_stem_grad

    x_shape, w_shape, stride, padding, dilation = case
    rng = np.random.default_rng(1)
    x, w = random_array(rng, x_shape, dtype), random_array(rng, w_shape, dtype)
    gy_shape = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), stride=stride, padding=padding,
                        dilation=dilation).shape
    gy = random_array(rng, tuple(gy_shape), dtype)
    want = torch.ops.aten.convolution_backward(
        torch.from_numpy(gy), torch.from_numpy(x), torch.from_numpy(w), None, list(stride), list(padding),
        list(dilation), False, [0, 0], 1, [False, True, False])[1].numpy()
    assert conv_stem_grad.applies(x_shape, w_shape, 1, stride, dtype) == (
        few.AVX512 and conv_stem_grad.MAX_CHANNELS >= w_shape[1])
    got = conv2d_weight_grad(gy, x, w_shape, stride, padding, dilation, 1)
    assert_close(got, want, dtype)
    if few.AVX512:
        pad = tuple((p, p) for p in padding)
        np.testing.assert_array_equal(conv_stem_grad.conv2d_weight_grad(gy, x, w_shape, stride, pad, dilation),
                                      conv_stem_grad.conv2d_weight_grad(gy, x, w_shape, stride, pad, dilation))


def test_stem_weight_grad_reads_nothing_past_the_windows():
    """inf and NaN in x where no window reaches (the last rows and columns past the stride's
    reach) do not reach gw, as in torch; and wrong shapes raise before any loop."""
    from minitorch.kernels import conv_stem_grad

    rng = np.random.default_rng(4)
    x = random_array(rng, (2, 1, 30, 30), np.float32)  # 11x11 at stride 4: rows and columns 27..29 unread
    x[:, :, 27:, :] = np.inf
    x[:, :, :, 28] = np.nan
    gy = random_array(rng, (2, 40, 5, 5), np.float32)
    want = torch.ops.aten.convolution_backward(
        torch.from_numpy(gy), torch.from_numpy(x), torch.zeros(40, 1, 11, 11), None, [4, 4], [0, 0],
        [1, 1], False, [0, 0], 1, [False, True, False])[1].numpy()
    got = conv2d_weight_grad(gy, x, (40, 1, 11, 11), (4, 4), (0, 0), (1, 1), 1)
    assert np.isfinite(want).all()
    assert_close(got, want, np.float32)
    pad = ((0, 0), (0, 0))
    with pytest.raises(RuntimeError):  # gy larger than the output
        conv_stem_grad.conv2d_weight_grad(np.zeros((2, 40, 6, 5), np.float32), x, (40, 1, 11, 11), (4, 4), pad,
                                          (1, 1))
    with pytest.raises(RuntimeError):  # the weight's input channels are not x's
        conv_stem_grad.conv2d_weight_grad(gy, x, (40, 2, 11, 11), (4, 4), pad, (1, 1))
    with pytest.raises(RuntimeError):  # gy's channels are not the weight's
        conv_stem_grad.conv2d_weight_grad(gy, x, (41, 1, 11, 11), (4, 4), pad, (1, 1))
