"""conv2d's algorithms for the deep nets' shapes (kernels/conv.py): the 1x1 path (one GEMM per
sample on NCHW), the channels-last columns (C_in >= NHWC_MIN_CHANNELS, small images) and one GEMM
per kernel tap (maps of at most TAPS_MAX_POSITIONS), forward
and both gradients against torch, including the forward's columns handed to the weight gradient,
strides, asymmetric padding, dilation, non-contiguous inputs and a gy shorter than the output."""

import numpy as np
import pytest
import torch.nn.functional as F
from kernel_parity_helpers import assert_close, random_array, torch_forward_and_grads
from minitorch.kernels import conv as conv_module
from minitorch.kernels import conv2d, conv2d_input_grad, conv2d_weight_grad
from minitorch.kernels import conv_input_grad as input_grad_module
from minitorch.kernels import conv_weight_grad as weight_grad_module

DTYPES = [np.float64, np.float32]

# (x shape, C_out, kernel, stride, padding ((top, bottom), (left, right)), dilation)
CASES = [
    ((2, 40, 8, 8), 24, (1, 1), (1, 1), ((0, 0), (0, 0)), (1, 1)),      # 1x1, copies path
    ((2, 40, 16, 17), 24, (1, 1), (1, 1), ((0, 0), (0, 0)), (1, 1)),    # 1x1, per-sample dw
    ((3, 40, 9, 7), 24, (1, 1), (2, 2), ((0, 0), (0, 0)), (1, 1)),      # ResNet downsample
    ((2, 40, 9, 8), 20, (1, 1), (3, 1), ((0, 0), (0, 0)), (1, 1)),
    ((2, 32, 6, 6), 20, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),      # channels last, dw too
    ((3, 24, 1, 1), 20, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),      # one GEMM per tap: 1 of 9
    ((2, 8, 2, 2), 12, (3, 3), (2, 2), ((1, 1), (1, 1)), (1, 1)),       # taps, strided
    ((2, 6, 4, 3), 5, (3, 2), (1, 2), ((2, 0), (1, 3)), (2, 1)),        # taps, dilated, asymmetric
    ((2, 5, 2, 2), 4, (3, 3), (1, 1), ((3, 3), (3, 3)), (1, 1)),        # taps: outputs of padding only
    ((2, 24, 2, 2), 20, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),      # all 9 taps, every output reads
    ((2, 24, 2, 3), 20, (3, 5), (1, 1), ((1, 1), (2, 2)), (1, 1)),      # ... every input: dense (fwd, dx)
    ((2, 24, 3, 3), 20, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),      # taps: all 9, the weight taps-first
    ((2, 40, 8, 8), 16, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),      # dx as a forward conv of gy
    ((2, 48, 9, 7), 36, (3, 2), (1, 1), ((2, 1), (0, 1)), (2, 1)),      # ... asymmetric, dilated
    ((2, 36, 8, 8), 16, (3, 3), (2, 2), ((1, 1), (1, 1)), (1, 1)),
    ((2, 33, 12, 10), 8, (3, 2), (2, 1), ((2, 0), (1, 0)), (2, 1)),     # forward, dx channels last
    ((2, 32, 7, 7), 8, (5, 5), (1, 1), ((0, 0), (0, 0)), (1, 1)),
    ((2, 32, 8, 8), 40, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),      # indexed GEMM forward
    ((3, 40, 16, 16), 24, (3, 3), (2, 2), ((1, 1), (1, 1)), (1, 1)),    # ... strided
    ((2, 32, 12, 16), 8, (3, 3), (1, 1), ((2, 2), (3, 1)), (2, 2)),     # ... dilated, asymmetric
    ((2, 48, 8, 8), 16, (5, 4), (1, 1), ((2, 2), (1, 2)), (1, 1)),      # ... dx through it too
    ((2, 32, 7, 5), 128, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),     # indexed weight grad
    ((2, 32, 8, 8), 48, (3, 3), (1, 1), ((1, 1), (2, 0)), (1, 1)),      # dx as an indexed forward
    ((2, 32, 12, 11), 64, (3, 3), (2, 1), ((1, 1), (1, 1)), (1, 1)),    # indexed dw on a larger map
    ((3, 40, 1, 1), 24, (1, 1), (1, 1), ((0, 0), (0, 0)), (1, 1)),      # 1x1 on a 1x1 map: x @ W.T
    ((3, 40, 3, 1), 24, (1, 1), (1, 1), ((0, 0), (0, 0)), (1, 1)),      # 1x1, planes of 3: NumPy's copy
    ((2, 40, 2, 3), 24, (1, 1), (2, 3), ((0, 0), (0, 0)), (1, 1)),      # 1x1 strided to a 1x1 output
    ((2, 64, 4, 4), 16, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),      # 4x4: dx as an indexed forward
    ((2, 40, 4, 4), 24, (3, 3), (1, 1), ((2, 0), (1, 1)), (1, 1)),      # ... asymmetric (float64: columns)
    ((2, 40, 4, 4), 48, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),      # 4x4, GoogLeNet's: columns, not taps
    ((2, 32, 4, 4), 40, (5, 5), (1, 1), ((2, 2), (2, 2)), (1, 1)),      # ... its 5x5
    ((2, 96, 2, 2), 100, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),     # 2x2: forward columns, grads taps
    ((2, 48, 4, 4), 8, (3, 3), (1, 1), ((2, 2), (2, 2)), (2, 2)),       # ... dilated
    ((2, 48, 4, 4), 16, (3, 3), (2, 1), ((1, 1), (1, 1)), (1, 1)),      # ... strided: taps
    ((2, 16, 4, 4), 32, (5, 5), (1, 1), ((2, 2), (2, 2)), (1, 1)),      # 16 channels: fwd, dx columns; dw taps
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CASES)
def test_deep_paths_against_torch(case, dtype):
    x_shape, c_out, kernel, stride, pad, dil = case
    rng = np.random.default_rng(0)
    x = random_array(rng, x_shape, dtype)
    w = random_array(rng, (c_out, x_shape[1]) + kernel, dtype)
    b = random_array(rng, (c_out,), dtype)
    (pT, pB), (pL, pR) = pad

    def torch_conv(x, w, b):
        return F.conv2d(F.pad(x, (pL, pR, pT, pB)), w, b, stride, 0, dil)

    y_t, gy, (gx_t, gw_t, _) = torch_forward_and_grads(torch_conv, [x, w, b])
    y, columns = conv2d(x, w, b, stride, pad, dil, 1, keep_columns=True)
    assert_close(y, y_t, dtype)
    assert_close(conv2d_input_grad(gy, w, x.shape, stride, pad, dil, 1), gx_t, dtype)
    assert_close(conv2d_weight_grad(gy, x, w.shape, stride, pad, dil, 1, columns), gw_t, dtype)
    assert_close(conv2d_weight_grad(gy, x, w.shape, stride, pad, dil, 1), gw_t, dtype)
    # non-contiguous operands take the same paths
    xt = np.swapaxes(np.ascontiguousarray(np.swapaxes(x, 2, 3)), 2, 3)
    gyt = np.swapaxes(np.ascontiguousarray(np.swapaxes(gy, 2, 3)), 2, 3)
    assert_close(conv2d(xt, w, b, stride, pad, dil, 1), y_t, dtype)
    assert_close(conv2d_input_grad(gyt, w, x.shape, stride, pad, dil, 1), gx_t, dtype)
    assert_close(conv2d_weight_grad(gyt, xt, w.shape, stride, pad, dil, 1), gw_t, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_channels_last_in_several_blocks(dtype, monkeypatch):
    """The channels-last forward and gradients a few samples per block (NHWC_BLOCK_BYTES, the
    bias added block by block) and with the kept columns of a batch that fits one block."""
    x_shape, c_out, stride, pad = (5, 32, 6, 6), 40, (1, 1), ((1, 1), (1, 1))  # dx channels last too
    rng = np.random.default_rng(1)
    x = random_array(rng, x_shape, dtype)
    w = random_array(rng, (c_out, 32, 3, 3), dtype)
    b = random_array(rng, (c_out,), dtype)

    def torch_conv(x, w, b):
        return F.conv2d(x, w, b, stride, 1)

    y_t, gy, (gx_t, gw_t, _) = torch_forward_and_grads(torch_conv, [x, w, b])
    per_sample = 36 * 9 * 32 * np.dtype(dtype).itemsize
    # the columns' path (the indexed forward, which builds none, takes a 6-wide map since gemm.py's
    # _transpose8_rows; its own tests are test_matmul.py's and the forward parity tests)
    for module in (conv_module, input_grad_module):  # each looks the rules up in its own namespace
        monkeypatch.setattr(module, "_indexed", lambda *args, **kwargs: False)
    for block, big in ((2 * per_sample, 1 << 30), (2 * per_sample, per_sample)):
        for module in (conv_module, input_grad_module, weight_grad_module):
            monkeypatch.setattr(module, "NHWC_BLOCK_BYTES", block)  # 2 samples a block: 2 + 2 + 1
        monkeypatch.setattr(conv_module, "COLUMN_BLOCK_BYTES", big)  # kept, or too big to keep
        y, columns = conv2d(x, w, b, stride, pad, (1, 1), 1, keep_columns=True)
        assert (columns is not None) == (big > 5 * per_sample)
        assert_close(y, y_t, dtype)
        assert_close(conv2d_input_grad(gy, w, x.shape, stride, pad, (1, 1), 1), gx_t, dtype)
        assert_close(conv2d_weight_grad(gy, x, w.shape, stride, pad, (1, 1), 1, columns), gw_t, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5, 40, 7, 7, 48), (5, 48, 6, 6, 40)])
def test_pointwise_small_maps_in_several_blocks(shape, dtype, monkeypatch):
    """The 1x1 forward (with its bias) and input gradient on maps under 8x8 a few samples per
    block (POINTWISE_BLOCK_BYTES: 2 + 2 + 1 samples), against torch and against one block. (Bit
    for bit only where every GEMM is gemm.py's: NumPy's OpenBLAS, which takes GEMMs this small,
    rounds a column differently with the number of columns.)"""
    from minitorch.kernels import conv_small
    N, C_in, H, W, C_out = shape
    rng = np.random.default_rng(3)
    x = random_array(rng, (N, C_in, H, W), dtype)
    w = random_array(rng, (C_out, C_in, 1, 1), dtype)
    b = random_array(rng, (C_out,), dtype)
    y_t, gy, (gx_t, _, _) = torch_forward_and_grads(lambda x, w, b: F.conv2d(x, w, b), [x, w, b])
    args = ((1, 1), ((0, 0), (0, 0)), (1, 1), 1)
    whole = conv2d(x, w, b, *args), conv2d_input_grad(gy, w, x.shape, *args)
    assert_close(whole[0], y_t, dtype)
    per_sample = max(C_in, C_out) * H * W * np.dtype(dtype).itemsize
    monkeypatch.setattr(conv_small, "POINTWISE_BLOCK_BYTES", 2 * per_sample)
    copies = []  # two copies a block: 3 blocks each way
    swap = conv_small.swap_leading_axes
    monkeypatch.setattr(conv_small, "swap_leading_axes", lambda a, *rest, **kw: copies.append(a.shape[0]) or swap(a, *rest, **kw))
    blocked = conv2d(x, w, b, *args), conv2d_input_grad(gy, w, x.shape, *args)
    assert copies == [2, C_out, 2, C_out, 1, C_out] + [2, C_in, 2, C_in, 1, C_in]
    assert_close(blocked[0], y_t, dtype)
    assert_close(blocked[1], gx_t, dtype)
    for one, several in zip(whole, blocked):
        assert_close(several, one, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", [((2, 32, 8, 6), 12, (3, 2), (2, 1), ((1, 2), (0, 1)), (1, 2)),
                                  ((3, 64, 5, 5), 40, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),
                                  ((2, 32, 11, 9), 70, (2, 3), (1, 2), ((0, 1), (2, 2)), (1, 1))])
def test_indexed_weight_grad(case, dtype):
    """The channels-last weight gradient on the indexed GEMM (its B, cols, read from x_pad):
    strides, dilation, asymmetric padding, C_out not a multiple of the tile, maps over 8x8."""
    x_shape, c_out, kernel, stride, pad, dil = case
    rng = np.random.default_rng(2)
    x = random_array(rng, x_shape, dtype)
    w = random_array(rng, (c_out, x_shape[1]) + kernel, dtype)
    (pT, pB), (pL, pR) = pad

    def torch_conv(x, w):
        return F.conv2d(F.pad(x, (pL, pR, pT, pB)), w, None, stride, 0, dil)

    _, gy, (_, gw_t) = torch_forward_and_grads(torch_conv, [x, w])
    assert conv_module._indexed_weight_grad(x.shape, w.shape, 1, dtype) == conv_module.gemm.available(dtype)
    assert_close(conv2d_weight_grad(gy, x, w.shape, stride, pad, dil, 1), gw_t, dtype)


def test_deep_paths_are_taken():
    """The cases above reach the paths they are named for (the rule in conv2d's docstring)."""
    from minitorch.kernels import conv_small
    P0 = ((0, 0), (0, 0))
    assert conv_module._pointwise((24, 40, 1, 1), P0, 1)
    assert not conv_module._pointwise((24, 40, 1, 1), ((1, 1), (0, 0)), 1)
    assert conv_module._nhwc_weight_grad((2, 32, 6, 6), (20, 32, 3, 3), 1)
    assert not conv_module._taps_path((2, 32, 6, 6), (20, 32, 3, 3), 1)
    assert conv_module._taps_path((3, 24, 1, 1), (20, 24, 3, 3), 1)
    assert conv_module._taps_path((2, 6, 4, 3), (5, 6, 3, 2), 1)
    assert conv_module._taps_path((2, 24, 2, 2), (20, 24, 3, 3), 1)
    assert not conv_module._taps_path((2, 6, 4, 4), (6, 3, 3, 3), 2)  # groups
    gy = np.zeros((2, 16, 8, 8))
    assert input_grad_module._input_grad_as_forward(gy, np.zeros((16, 40, 3, 3)), (2, 40, 8, 8), (1, 1),
                                                    ((1, 1), (1, 1)), (1, 1), 1) is not None
    assert input_grad_module._input_grad_as_forward(gy, np.zeros((16, 8, 3, 3)), (2, 8, 8, 8), (1, 1),
                                                    ((1, 1), (1, 1)), (1, 1), 1) is None  # C_out >= C_in
    assert conv_module._indexed((2, 32, 8, 8), 8, np.float32) == conv_module.gemm.available(np.float32)
    assert conv_module._indexed((2, 32, 7, 7), 7, np.float32) == conv_module.gemm.available(np.float32)  # rows of 7
    assert not conv_module._indexed((2, 32, 7, 7), 7, np.float32, whole_rows=True)  # dx's rule: whole rows
    # 32 output channels: with 16 or fewer the few-channel loops (kernels/conv_few_channels.py) come first
    _, kept = conv2d(np.zeros((2, 32, 8, 8), np.float32), np.zeros((32, 32, 3, 3), np.float32), None, (1, 1),
                     ((1, 1), (1, 1)), (1, 1), 1, keep_columns=True)  # indexed: x_pad, not columns, is kept
    assert kept.shape == ((2, 10, 10, 32) if conv_module.gemm.available(np.float32) else (128, 288))
    assert conv_module._indexed_weight_grad((2, 32, 12, 12), (64, 32, 3, 3), 1, np.float32) == \
        conv_module.gemm.available(np.float32)
    assert not conv_module._indexed_weight_grad((2, 40, 8, 8), (64, 40, 3, 3), 1, np.float32)  # C_in % 32
    assert not conv_module._indexed_weight_grad((2, 32, 12, 12), (48, 32, 3, 3), 1, np.float32)  # 12x12: 64
    assert conv_module._indexed_weight_grad((2, 32, 12, 12), (32, 32, 3, 3), 1, np.float32) == \
        conv_module.gemm.available(np.float32)  # ... or one register tile (kernels/gemm_narrow.py)
    as_forward = input_grad_module._input_grad_as_forward(np.zeros((2, 48, 8, 8)), np.zeros((48, 32, 3, 3)),
                                                          (2, 32, 8, 8), (1, 1), ((1, 1), (1, 1)), (1, 1), 1)
    assert (as_forward is not None) == conv_module.gemm.available(np.float64)  # 48 <= 2 * 32, indexed
    # where every output reads every input through several taps, one GEMM with a dense matrix
    P1 = ((1, 1), (1, 1))
    assert conv_small._dense_path((2, 24, 2, 2), (20, 24, 3, 3), (2, 2), (1, 1), P1, (1, 1)) is not None
    assert conv_small._dense_path((2, 24, 2, 3), (20, 24, 3, 5), (2, 3), (1, 1), ((1, 1), (2, 2)), (1, 1)) is not None
    assert conv_small._dense_path((2, 24, 3, 3), (20, 24, 3, 3), (3, 3), (1, 1), P1, (1, 1)) is None  # corners
    assert conv_small._dense_path((2, 24, 1, 1), (20, 24, 3, 3), (1, 1), (1, 1), P1, (1, 1)) is None  # one tap
    assert conv_small._dense_path((2, 256, 2, 2), (256, 256, 3, 3), (2, 2), (1, 1), P1, (1, 1)) is None  # 1M
    # 4x4 maps: dx as the indexed forward of gy where C_out is one register tile, a multiple of 8
    assert input_grad_module._narrow_small_map_input_grad((2, 64, 4, 4), (16, 64, 3, 3), 1, np.float64) == \
        conv_module.gemm.available(np.float64)
    assert not input_grad_module._narrow_small_map_input_grad((2, 40, 4, 4), (24, 40, 3, 3), 1, np.float64)  # NR 16
    assert not input_grad_module._narrow_small_map_input_grad((2, 40, 4, 4), (20, 40, 3, 3), 1, np.float32)  # % 8
    assert not input_grad_module._narrow_small_map_input_grad((2, 64, 2, 2), (16, 64, 3, 3), 1, np.float32)  # 2x2
    assert not conv_module._indexed((2, 36, 8, 8), 8, np.float32)      # C_in not a multiple of 8
    assert conv_module._nhwc((2, 33, 12, 10), (8, 33, 3, 2), 1)
    assert not conv_module._nhwc_weight_grad((2, 33, 12, 10), (8, 33, 3, 2), 1)
    assert not conv_module._nhwc((2, 8, 4, 4), (8, 8, 3, 3), 1)       # few channels
    assert not conv_module._nhwc((2, 64, 32, 32), (8, 64, 3, 3), 1)   # large image
    assert not conv_module._nhwc((2, 64, 4, 4), (8, 32, 3, 3), 2)     # groups
    # maps of the taps' size with >= 32 input channels at stride 1: channels-last columns instead
    cols = conv_module._small_map_columns
    assert cols((2, 40, 4, 4), (48, 40, 3, 3), 1, (1, 1), P1, (1, 1), conv_module.SMALL_MAP_COLUMNS_MIN_POSITIONS)
    assert cols((2, 40, 4, 4), (48, 40, 3, 3), 1, (1, 1), P1, (1, 1), conv_module.SMALL_MAP_COLUMNS_GRAD_MIN_POSITIONS)
    assert cols((2, 96, 2, 2), (100, 96, 3, 3), 1, (1, 1), P1, (1, 1), conv_module.SMALL_MAP_COLUMNS_MIN_POSITIONS)
    assert not cols((2, 96, 2, 2), (100, 96, 3, 3), 1, (1, 1), P1, (1, 1),
                    conv_module.SMALL_MAP_COLUMNS_GRAD_MIN_POSITIONS)  # 2x2 gradients: taps
    assert not cols((2, 24, 4, 4), (48, 24, 3, 3), 1, (1, 1), P1, (1, 1), 2)  # few channels
    # ... from 16 (a multiple of 8) on 4x4 maps for the forward and the input gradient
    assert cols((2, 16, 4, 4), (32, 16, 3, 3), 1, (1, 1), P1, (1, 1), 2, few_channels=True)
    assert cols((2, 24, 4, 4), (48, 24, 3, 3), 1, (1, 1), P1, (1, 1), 16, few_channels=True)
    assert not cols((2, 20, 4, 4), (32, 20, 3, 3), 1, (1, 1), P1, (1, 1), 2, few_channels=True)  # % 8
    assert not cols((2, 8, 4, 4), (32, 8, 3, 3), 1, (1, 1), P1, (1, 1), 2, few_channels=True)  # < 16
    assert not cols((2, 16, 2, 2), (32, 16, 3, 3), 1, (1, 1), P1, (1, 1), 2, few_channels=True)  # 2x2
    assert not cols((2, 48, 4, 4), (16, 48, 3, 3), 1, (2, 1), P1, (1, 1), 2)  # strided
    assert not cols((2, 40, 1, 1), (48, 40, 3, 3), 1, (1, 1), P1, (1, 1), 2)  # one tap
    assert not cols((2, 40, 2, 2), (48, 40, 3, 3), 1, (1, 1), P1, (1, 1), 2)  # the dense path


@pytest.mark.parametrize("case", [CASES[0], CASES[2], CASES[4], CASES[6], CASES[7], CASES[9], CASES[10], CASES[14], CASES[15]])
def test_input_grad_of_a_shorter_gy(case):
    """conv_transpose2d with output_padding asks for an input larger than gy's conv output
    allows: a gy one row short must act as the full gy with a zero last row."""
    x_shape, c_out, kernel, stride, pad, dil = case
    rng = np.random.default_rng(1)
    w = random_array(rng, (c_out, x_shape[1]) + kernel, np.float64)
    x = random_array(rng, x_shape, np.float64)
    y = conv2d(x, w, None, stride, pad, dil, 1)
    gy = random_array(rng, y.shape[:2] + (y.shape[2] - 1, y.shape[3]), np.float64)
    ours = conv2d_input_grad(gy, w, x.shape, stride, pad, dil, 1)
    gy_full = np.zeros(y.shape)  # the same gradient with the missing rows as zeros
    gy_full[:, :, :gy.shape[2]] = gy
    assert_close(ours, conv2d_input_grad(gy_full, w, x.shape, stride, pad, dil, 1), np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
def test_dense_small_map_of_an_empty_batch(dtype):
    """The 2x2 maps' dense GEMM (kernels/conv_small.py) with no samples: empty results, as torch."""
    x, w, b = np.zeros((0, 24, 2, 2), dtype), np.ones((20, 24, 3, 3), dtype), np.ones(20, dtype)
    pad = ((1, 1), (1, 1))
    assert conv2d(x, w, b, (1, 1), pad, (1, 1), 1).shape == (0, 20, 2, 2)
    assert conv2d_input_grad(np.zeros((0, 20, 2, 2), dtype), w, x.shape, (1, 1), pad, (1, 1), 1).shape == x.shape
    np.testing.assert_array_equal(conv2d_weight_grad(np.zeros((0, 20, 2, 2), dtype), x, w.shape, (1, 1), pad, (1, 1), 1),
                                  np.zeros(w.shape, dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_tap_weights_taps_first_where_most_taps_read_input(dtype):
    from minitorch.kernels import conv_small

    w = random_array(np.random.default_rng(0), (20, 24, 3, 3), dtype)
    all_taps = conv_small._taps((2, 2), (2, 2), (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1))
    assert len(all_taps) == 9
    np.testing.assert_array_equal(conv_small._tap_weights(w, all_taps, dtype), w.transpose(2, 3, 0, 1))
    assert conv_small._tap_weights(w, all_taps[:4], dtype) is None  # 4 of 9: each tap copied alone
    assert conv_small._tap_weights(w, all_taps, np.float64 if dtype == np.float32 else np.float32) is None
    g = random_array(np.random.default_rng(1), (9, 20, 24), dtype)  # the weight gradient's inverse
    for parallel in (False, True):
        out = np.empty((20, 24, 9), dtype)
        conv_small._taps_last(g, out, parallel)
        np.testing.assert_array_equal(out, g.transpose(1, 2, 0))


@pytest.mark.parametrize("case", [((4, 40, 4, 4), 48, 3, 1), ((4, 32, 4, 4), 40, 5, 2), ((4, 96, 2, 2), 100, 3, 1)])
def test_small_maps_same_bits_at_one_and_two_threads(case):
    """GoogLeNet's small maps (columns forward, taps or columns gradients): each output is one
    GEMM's dot product or a fixed sum of taps, whatever the thread count."""
    from minitorch.kernels.threading import get_num_threads, set_num_threads
    x_shape, c_out, k, p = case
    rng = np.random.default_rng(5)
    x, w = random_array(rng, x_shape, np.float32), random_array(rng, (c_out, x_shape[1], k, k), np.float32)
    b = random_array(rng, (c_out,), np.float32)
    args = ((1, 1), ((p, p), (p, p)), (1, 1), 1)
    gy = random_array(rng, (x_shape[0], c_out) + x_shape[2:], np.float32)
    before = get_num_threads()
    results = []
    try:
        for threads in (1, 2):
            set_num_threads(threads)
            results.append((conv2d(x, w, b, *args), conv2d_input_grad(gy, w, x_shape, *args),
                            conv2d_weight_grad(gy, x, w.shape, *args)))
    finally:
        set_num_threads(before)
    for one, two in zip(*results):
        np.testing.assert_array_equal(one, two)
