"""Narrow convolutions on small maps in border classes (kernels/conv_small_classes.py) against
torch: forward, and the input gradient where it is the forward of gy with at most one register
tile of output channels (GoogLeNet's 5x5), through kernels.conv2d, which dispatches there; one
row per class (a last tile of fewer than 8 rows), C_out under a register tile, strides, dilation,
asymmetric padding, rows that reach no input, float32 and float64; the entry's checks; the rule;
a float64 gradcheck through minitorch's autograd; the bits against conv_borders.py's GEMM; the
weight gradient in tap rectangles (its entry and its dispatch, its checks and its rule).

The conftest runs every test with the loops forced serial and forced to threads; its "always
GEMM" run switches the classes off (conv_borders.MIN_SKIPPED above 1), where conv2d takes the
unsplit narrow GEMM.
"""

import numpy as np
import pytest
import torch.nn.functional as F
from kernel_parity_helpers import assert_close, random_array, torch_forward_and_grads
from minitorch.kernels import conv as conv_module
from minitorch.kernels import conv2d, conv2d_input_grad, conv2d_weight_grad, gemm, gemm_narrow
from minitorch.kernels import conv_borders as borders
from minitorch.kernels import conv_few_channels as few
from minitorch.kernels import conv_small_classes as small_classes

import minitorch
from minitorch.autograd import gradcheck

DTYPES = [np.float64, np.float32]
MIN_SKIPPED = borders.MIN_SKIPPED  # the rule's own value (the conftest's "always GEMM" run raises it)

# (x shape, C_out, kernel, stride, padding ((top, bottom), (left, right)), dilation)
CASES = [
    ((2, 40, 4, 4), 32, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),   # DenseNet's 4x4 (float32: one sliver)
    ((3, 32, 8, 8), 16, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),   # its 8x8 (float64: one sliver)
    ((2, 32, 8, 8), 24, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),   # C_out under a float32 sliver
    ((1, 32, 4, 4), 20, (5, 5), (1, 1), ((2, 2), (2, 2)), (1, 1)),   # one sample: classes of 1-2 rows
    ((2, 36, 6, 5), 24, (3, 3), (2, 2), ((1, 1), (1, 1)), (1, 1)),   # strided, C_in off runs of 8
    ((2, 32, 6, 7), 12, (3, 2), (1, 1), ((2, 1), (0, 1)), (2, 1)),   # dilated, asymmetric
    ((2, 32, 3, 3), 20, (3, 3), (1, 1), ((3, 3), (2, 2)), (1, 1)),   # rows that reach no input
]


def _spy(monkeypatch):
    calls = []
    monkeypatch.setattr(conv_module.small_classes, "conv2d_forward",
                        lambda *a, f=small_classes.conv2d_forward: calls.append(a[0].shape) or f(*a))
    return calls


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CASES)
def test_narrow_classes_against_torch(case, dtype, monkeypatch, weight_grad_algorithm):
    x_shape, c_out, kernel, stride, pad, dil = case
    calls = _spy(monkeypatch)
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
    expected = (gemm.available(dtype) and gemm_narrow.narrow(c_out, dtype) and weight_grad_algorithm != "always GEMM"
                and not few.applies(x.shape, w.shape, 1, x, w))  # few output channels: direct loops first
    assert (len(calls) >= 1) == expected


@pytest.mark.parametrize("dtype", DTYPES)
def test_input_grad_as_forward_in_narrow_classes(dtype, monkeypatch, weight_grad_algorithm):
    """GoogLeNet's 5x5 on a 4x4 map, 32 input channels: dx is the forward of gy (40 channels in,
    32 out), padded by 2 on each side: in narrow classes where 32 is one register tile."""
    calls = _spy(monkeypatch)
    rng = np.random.default_rng(1)
    x = random_array(rng, (2, 32, 4, 4), dtype)
    w = random_array(rng, (40, 32, 5, 5), dtype)
    _, gy, (gx_t, _) = torch_forward_and_grads(lambda x, w: F.conv2d(x, w, None, 1, 2), [x, w])
    assert_close(conv2d_input_grad(gy, w, x.shape, (1, 1), (2, 2), (1, 1), 1), gx_t, dtype)
    expected = gemm.available(dtype) and gemm_narrow.narrow(32, dtype) and weight_grad_algorithm != "always GEMM"
    assert calls == ([(2, 8, 8, 40)] if expected else [])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("c_in, c_out", [(96, 104), (32, 264), (96, 96)])  # Wd over DENSE_MAX_NUMBERS
def test_small_map_input_grad_in_classes(c_in, c_out, dtype, monkeypatch, weight_grad_algorithm):
    """GoogLeNet's 2x2 maps, more output than input channels: dx is the forward of gy in border
    classes (conv_borders' or, at most one register tile of C_in, these), not one GEMM per tap;
    with as many output as input channels (ResNet's) it stays on the taps."""
    calls = _spy(monkeypatch)
    monkeypatch.setattr(conv_module.borders, "conv2d_forward",
                        lambda *a, f=borders.conv2d_forward: calls.append(a[0].shape) or f(*a))
    rng = np.random.default_rng(2)
    x = random_array(rng, (3, c_in, 2, 2), dtype)
    w = random_array(rng, (c_out, c_in, 3, 3), dtype)
    _, gy, (gx_t, _) = torch_forward_and_grads(lambda x, w: F.conv2d(x, w, None, 1, 1), [x, w])
    assert_close(conv2d_input_grad(gy, w, x.shape, (1, 1), (1, 1), (1, 1), 1), gx_t, dtype)
    wide = c_in > gemm.TILE[np.dtype(np.float32)][1]  # conv_borders' (gemm_narrow's below: float32 only at 32)
    expected = (gemm.available(dtype) and c_out > c_in and weight_grad_algorithm != "always GEMM"
                and (wide or gemm_narrow.narrow(c_in, dtype)))
    assert calls == ([(3, 4, 4, c_out)] if expected else [])


# (x shape, C_out, kernel, stride, padding, dilation): the weight gradient in tap rectangles
RECTANGLE_CASES = [
    ((3, 32, 4, 4), 32, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),   # DenseNet's 4x4 (float32)
    ((2, 32, 4, 4), 12, (3, 2), (2, 1), ((2, 1), (0, 1)), (1, 2)),   # strided, dilated, asymmetric; 12 rows
    ((1, 32, 4, 4), 20, (3, 3), (1, 1), ((6, 0), (1, 1)), (3, 1)),   # a tap row that reaches no input
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", RECTANGLE_CASES)
def test_weight_grad_in_tap_rectangles(case, dtype, monkeypatch, weight_grad_algorithm):
    """The entry against torch, and conv2d_weight_grad's dispatch to it where ``weight_grad_pays``;
    in blocks of two samples (three samples: a last block of one)."""
    x_shape, c_out, kernel, stride, pad, dil = case
    (pT, pB), (pL, pR) = pad
    padded_sample = (x_shape[2] + pT + pB) * (x_shape[3] + pL + pR) * x_shape[1] * np.dtype(dtype).itemsize
    monkeypatch.setattr(small_classes, "WEIGHT_GRAD_BLOCK_BYTES", 2 * padded_sample)
    calls = []
    monkeypatch.setattr(small_classes, "conv2d_weight_grad",
                        lambda *a, f=small_classes.conv2d_weight_grad: calls.append(a[1].shape) or f(*a))
    rng = np.random.default_rng(5)
    x = random_array(rng, x_shape, dtype)
    w = random_array(rng, (c_out, x_shape[1]) + kernel, dtype)
    _, gy, (_, gw_t) = torch_forward_and_grads(lambda x, w: F.conv2d(F.pad(x, (pL, pR, pT, pB)), w, None, stride, 0, dil),
                                               [x, w])
    assert_close(conv2d_weight_grad(gy, x, w.shape, stride, pad, dil, 1), gw_t, dtype)
    pays = small_classes.weight_grad_pays(x_shape, w.shape, stride, pad, dil, dtype)
    assert (len(calls) == 1) == (pays and conv_module._indexed_weight_grad(x_shape, w.shape, 1, dtype)
                                 and not few.applies(x.shape, w.shape, 1, x, gy, stems=False))
    if gemm.available(dtype) and gemm_narrow.narrow(c_out, dtype) and x_shape[1] % gemm.TILE[np.dtype(dtype)][1] == 0:
        gw = small_classes.conv2d_weight_grad(gy, conv_module._nhwc_padded(x, pad), w.shape, pad, stride, dil)
        assert_close(gw, gw_t, dtype)


def test_checks_before_any_loop():
    if not gemm.available(np.float32):
        pytest.skip("no AVX-512: the indexed GEMM is not used")
    x_pad = np.zeros((2, 6, 6, 8), np.float32)
    w_rows = np.zeros((32, 9 * 8), np.float32)
    pad = ((1, 1), (1, 1))
    with pytest.raises(RuntimeError, match="output size"):
        small_classes.conv2d_forward(x_pad, w_rows, (3, 3), pad, (4, 5), (1, 1), (1, 1))
    with pytest.raises(RuntimeError, match="weight rows"):
        small_classes.conv2d_forward(x_pad, w_rows[:, 1:], (3, 3), pad, (4, 4), (1, 1), (1, 1))
    with pytest.raises(RuntimeError, match="bias"):
        small_classes.conv2d_forward(x_pad, w_rows, (3, 3), pad, (4, 4), (1, 1), (1, 1), np.zeros(3, np.float32))
    with pytest.raises(RuntimeError, match="one dtype"):
        small_classes.conv2d_forward(x_pad, w_rows.astype(np.float64), (3, 3), pad, (4, 4), (1, 1), (1, 1))
    with pytest.raises(RuntimeError, match="register tile"):
        small_classes.conv2d_forward(x_pad, np.zeros((33, 72), np.float32), (3, 3), pad, (4, 4), (1, 1), (1, 1))
    with pytest.raises(RuntimeError, match="x_pad"):
        small_classes.conv2d_forward(x_pad[0], w_rows, (3, 3), pad, (4, 4), (1, 1), (1, 1))
    y = small_classes.conv2d_forward(x_pad, w_rows, (3, 3), pad, (4, 4), (1, 1), (1, 1))
    np.testing.assert_array_equal(y, np.zeros((2, 32, 4, 4), np.float32))
    x_pad, gy = np.zeros((2, 6, 6, 32), np.float32), np.zeros((2, 16, 4, 4), np.float32)
    weight_grad = small_classes.conv2d_weight_grad
    with pytest.raises(RuntimeError, match="x_pad"):
        weight_grad(gy, x_pad[0], (16, 32, 3, 3), pad, (1, 1), (1, 1))
    with pytest.raises(RuntimeError, match="gy"):
        weight_grad(gy[:1], x_pad, (16, 32, 3, 3), pad, (1, 1), (1, 1))
    with pytest.raises(RuntimeError, match="weight"):
        weight_grad(gy, x_pad, (16, 24, 3, 3), pad, (1, 1), (1, 1))
    with pytest.raises(RuntimeError, match="size"):
        weight_grad(gy, x_pad, (16, 32, 5, 5), pad, (1, 1), (1, 1))
    with pytest.raises(RuntimeError, match="register tile"):
        weight_grad(gy, x_pad[..., :24], (16, 24, 3, 3), pad, (1, 1), (1, 1))  # runs of 24 channels
    with pytest.raises(RuntimeError, match="register tile"):
        weight_grad(np.zeros((2, 40, 4, 4), np.float32), x_pad, (40, 32, 3, 3), pad, (1, 1), (1, 1))
    np.testing.assert_array_equal(weight_grad(gy, x_pad, (16, 32, 3, 3), pad, (1, 1), (1, 1)),
                                  np.zeros((16, 32, 3, 3), np.float32))


def test_pays_only_where_measured(monkeypatch):
    """Narrow outputs on maps up to 8x8 with padding that skips enough; wider ones are
    conv_borders', larger maps were not measured."""
    if not gemm.available(np.float32):
        pytest.skip("no AVX-512: the indexed GEMM is not used")
    monkeypatch.setattr(borders, "MIN_SKIPPED", MIN_SKIPPED)
    pad1, pad2, pad0 = ((1, 1), (1, 1)), ((2, 2), (2, 2)), ((0, 0), (0, 0))
    assert small_classes.pays((64, 192, 4, 4), (32, 192, 3, 3), (1, 1), pad1, (1, 1), np.float32)
    assert small_classes.pays((64, 160, 8, 8), (32, 160, 3, 3), (1, 1), pad1, (1, 1), np.float32)
    assert small_classes.pays((64, 96, 4, 4), (32, 96, 5, 5), (1, 1), pad2, (1, 1), np.float32)
    assert not small_classes.pays((64, 192, 4, 4), (33, 192, 3, 3), (1, 1), pad1, (1, 1), np.float32)
    assert not small_classes.pays((64, 192, 4, 4), (32, 192, 3, 3), (1, 1), pad1, (1, 1), np.float64)  # 2 tiles
    assert not small_classes.pays((16, 128, 12, 12), (32, 128, 3, 3), (1, 1), pad1, (1, 1), np.float32)
    assert not small_classes.pays((64, 192, 4, 4), (32, 192, 3, 3), (1, 1), pad0, (1, 1), np.float32)
    # the weight gradient in tap rectangles: the same maps, C_in in runs of 32
    assert small_classes.weight_grad_pays((64, 192, 4, 4), (32, 192, 3, 3), (1, 1), pad1, (1, 1), np.float32)
    assert small_classes.weight_grad_pays((64, 32, 4, 4), (32, 32, 5, 5), (1, 1), pad2, (1, 1), np.float32)
    assert small_classes.weight_grad_pays((64, 160, 8, 8), (32, 160, 3, 3), (1, 1), pad1, (1, 1), np.float32)
    assert not small_classes.weight_grad_pays((16, 128, 12, 12), (32, 128, 3, 3), (1, 1), pad1, (1, 1), np.float32)
    assert not small_classes.weight_grad_pays((64, 200, 4, 4), (32, 200, 3, 3), (1, 1), pad1, (1, 1), np.float32)
    assert not small_classes.weight_grad_pays((64, 192, 4, 4), (33, 192, 3, 3), (1, 1), pad1, (1, 1), np.float32)
    assert not small_classes.weight_grad_pays((64, 192, 4, 4), (32, 192, 3, 3), (1, 1), pad0, (1, 1), np.float32)


def test_gradcheck_float64(monkeypatch):
    """Finite differences through minitorch's autograd, on a shape whose forward takes the narrow
    classes (w held fixed: its gradient is not theirs)."""
    monkeypatch.setattr(borders, "MIN_SKIPPED", MIN_SKIPPED)
    rng = np.random.default_rng(3)
    x = minitorch.tensor(rng.standard_normal((1, 32, 4, 3)), dtype=minitorch.float64, requires_grad=True)
    w = minitorch.tensor(rng.standard_normal((8, 32, 3, 3)), dtype=minitorch.float64)
    b = minitorch.tensor(rng.standard_normal(8), dtype=minitorch.float64, requires_grad=True)
    if gemm.available(np.float64):
        assert small_classes.pays((1, 32, 4, 3), (8, 32, 3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), np.float64)
    assert gradcheck(lambda x, b: minitorch.nn.functional.conv2d(x, w, b, 1, 1), (x, b))


@pytest.mark.parametrize("layer", [(3, 40, 4, 32, 3, 1), (2, 32, 8, 20, 3, 1), (1, 64, 4, 32, 5, 2)])
def test_bitwise_conv_borders_classes(layer):
    """The same classes, K blocks and sums as conv_borders.py's GEMM (A packed there, read in place
    here): the same bits."""
    if not gemm.available(np.float32):
        pytest.skip("no AVX-512: the indexed GEMM is not used")
    n, c, hw, c_out, k, p = layer
    rng = np.random.default_rng(4)
    x = rng.standard_normal((n, c, hw, hw)).astype(np.float32)
    w = rng.standard_normal((c_out, c, k, k)).astype(np.float32)
    pad = ((p, p), (p, p))
    x_pad, w_rows = conv_module._nhwc_padded(x, pad), conv_module._nhwc_weight(w)
    y = small_classes.conv2d_forward(x_pad, w_rows, (k, k), pad, (hw, hw), (1, 1), (1, 1))
    np.testing.assert_array_equal(y, borders.conv2d_forward(x_pad, w_rows, (k, k), pad, (hw, hw), (1, 1), (1, 1)))
