"""The padded channels-last convolution in border classes (kernels/conv_borders.py) against torch:
forward and input gradient (conv2d_input_grad runs it as the forward of gy) through kernels.conv2d,
which dispatches there, on NiN's shapes made small, strides, dilation, asymmetric padding, output
positions that reach no input, float32 and float64; the classes against a brute-force count; the
entry's checks; a float64 gradcheck through minitorch's autograd.

The conftest runs every test with the loops forced serial and forced to threads; its "always
GEMM" run switches the classes off (MIN_SKIPPED above 1), where conv2d takes the unsplit GEMM.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from kernel_parity_helpers import assert_close, random_array, torch_forward_and_grads
from minitorch.kernels import conv as conv_module
from minitorch.kernels import conv2d, conv2d_input_grad, conv2d_weight_grad
from minitorch.kernels import conv_borders as borders

import minitorch
from minitorch.autograd import gradcheck

DTYPES = [np.float64, np.float32]
MIN_SKIPPED = borders.MIN_SKIPPED  # the rule's own value (the conftest's "always GEMM" run raises it)

# (x shape, C_out, kernel, stride, padding ((top, bottom), (left, right)), dilation)
CASES = [
    ((2, 40, 7, 7), 48, (5, 5), (1, 1), ((2, 2), (2, 2)), (1, 1)),      # NiN's 5x5 on its 7x7 map, dx too
    ((3, 32, 10, 10), 64, (5, 5), (1, 1), ((2, 2), (2, 2)), (1, 1)),    # NiN at 96 px
    ((2, 32, 8, 8), 64, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),      # GoogLeNet's 3x3
    ((2, 32, 9, 7), 40, (3, 3), (2, 2), ((1, 1), (1, 1)), (1, 1)),      # strided
    ((2, 32, 6, 9), 36, (3, 2), (1, 1), ((2, 1), (0, 1)), (2, 1)),      # dilated, asymmetric
    ((2, 32, 5, 5), 33, (3, 3), (1, 1), ((4, 4), (3, 3)), (1, 1)),      # rows that reach no input
    ((1, 40, 5, 6), 70, (5, 3), (1, 1), ((2, 2), (1, 1)), (1, 1)),      # C_out not a multiple of 32
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CASES)
def test_border_classes_against_torch(case, dtype, monkeypatch, weight_grad_algorithm):
    x_shape, c_out, kernel, stride, pad, dil = case
    calls = []
    monkeypatch.setattr(conv_module.borders, "conv2d_forward",
                        lambda *a, f=borders.conv2d_forward: calls.append(a[0].shape) or f(*a))
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
    forward_calls = len(calls)
    assert_close(conv2d_input_grad(gy, w, x.shape, stride, pad, dil, 1), gx_t, dtype)
    assert_close(conv2d_weight_grad(gy, x, w.shape, stride, pad, dil, 1, columns), gw_t, dtype)
    if weight_grad_algorithm == "always GEMM":
        assert not calls
    else:
        assert forward_calls == 1  # every case skips at least MIN_SKIPPED of the products
    if case[0] == (2, 40, 7, 7) and weight_grad_algorithm != "always GEMM":
        assert len(calls) == 2  # the input gradient as the forward of gy, in border classes too


def test_bias_free_keeps_negative_zero():
    """Without a bias nothing is added to the products (-0.0 stays -0.0), as torch."""
    x = np.zeros((1, 32, 5, 5), np.float32)
    w = -np.ones((40, 32, 3, 3), np.float32)
    y = conv2d(x, w, None, (1, 1), (1, 1), (1, 1), 1)
    y_t = F.conv2d(torch.tensor(x), torch.tensor(w), None, 1, 1)
    np.testing.assert_array_equal(np.signbit(y), np.signbit(y_t.numpy()))


@pytest.mark.parametrize("size, kernel, stride, pad, dil", [
    (7, 5, 1, (2, 2), 1), (10, 5, 1, (2, 2), 1), (9, 3, 2, (1, 1), 1), (6, 3, 1, (2, 1), 2),
    (5, 3, 1, (4, 4), 1), (3, 3, 1, (1, 1), 1), (1, 3, 1, (1, 1), 1), (4, 2, 3, (0, 2), 2)])
def test_axis_classes_cover_exactly_the_taps_that_read_input(size, kernel, stride, pad, dil):
    out = (size + pad[0] + pad[1] - dil * (kernel - 1) - 1) // stride + 1
    classes = borders._axis_classes(out, kernel, stride, pad[0], dil, size)
    assert [o for positions, _, _ in classes for o in positions] == list(range(out))
    for positions, lo, hi in classes:
        for o in positions:
            reads = [i for i in range(kernel) if 0 <= o * stride - pad[0] + i * dil < size]
            assert reads == list(range(lo, hi))


def test_tables_share_and_inverse():
    """NiN's 5x5 on 7x7: (3+4+5+5+5+4+3)^2 of 35^2 products computed; inv undoes the class order."""
    N, C, C_out = 2, 8, 40
    rows, kcols, brows, r_lo, k_lo, inv, share = borders._tables(N, 11, 11, C, C_out, 5, 5, (7, 7), (1, 1),
                                                                 ((2, 2), (2, 2)), (1, 1))
    assert share == pytest.approx(29 * 29 / 35 / 35)
    assert len(r_lo) == len(k_lo) == 26 and r_lo[-1] == N * 49
    np.testing.assert_array_equal(np.sort(inv), np.arange(N * 49))
    assert rows.max() + kcols.max() < N * 11 * 11 * C and brows.max() < 25 * C


def test_checks_before_any_loop():
    x_pad = np.zeros((2, 11, 11, 8), np.float32)
    w_rows = np.zeros((40, 25 * 8), np.float32)
    pad = ((2, 2), (2, 2))
    with pytest.raises(RuntimeError, match="output size"):
        borders.conv2d_forward(x_pad, w_rows, (5, 5), pad, (8, 7), (1, 1), (1, 1))
    with pytest.raises(RuntimeError, match="weight rows"):
        borders.conv2d_forward(x_pad, w_rows[:, 1:], (5, 5), pad, (7, 7), (1, 1), (1, 1))
    with pytest.raises(RuntimeError, match="bias"):
        borders.conv2d_forward(x_pad, w_rows, (5, 5), pad, (7, 7), (1, 1), (1, 1), np.zeros(3, np.float32))
    with pytest.raises(RuntimeError, match="one dtype"):
        borders.conv2d_forward(x_pad, w_rows.astype(np.float64), (5, 5), pad, (7, 7), (1, 1), (1, 1))
    with pytest.raises(RuntimeError, match="x_pad"):
        borders.conv2d_forward(x_pad[0], w_rows, (5, 5), pad, (7, 7), (1, 1), (1, 1))
    y = borders.conv2d_forward(x_pad, w_rows, (5, 5), pad, (7, 7), (1, 1), (1, 1))
    np.testing.assert_array_equal(y, np.zeros((2, 40, 7, 7), np.float32))


def test_pays_only_where_measured(monkeypatch):
    """Not narrow outputs (gemm_narrow's), not unpadded, not C_in off runs of 8, not a small share."""
    monkeypatch.setattr(borders, "MIN_SKIPPED", MIN_SKIPPED)
    pad1, pad2 = ((1, 1), (1, 1)), ((2, 2), (2, 2))
    assert borders.pays((64, 96, 7, 7), (256, 96, 5, 5), (1, 1), pad2, (1, 1), np.float32)
    assert not borders.pays((64, 96, 7, 7), (32, 96, 5, 5), (1, 1), pad2, (1, 1), np.float32)
    assert not borders.pays((64, 96, 7, 7), (256, 96, 5, 5), (1, 1), ((0, 0), (0, 0)), (1, 1), np.float32)
    assert not borders.pays((64, 100, 7, 7), (256, 100, 5, 5), (1, 1), pad2, (1, 1), np.float32)
    assert not borders.pays((64, 128, 16, 16), (128, 128, 3, 3), (1, 1), pad1, (1, 1), np.float32)  # 0.92


@pytest.mark.parametrize("padding", [(2, 1)])
def test_gradcheck_float64(padding, monkeypatch):
    """Finite differences through minitorch's autograd, on shapes whose forward and input gradient
    take the border classes (w held fixed: its gradient is not theirs, and 19,200 entries)."""
    monkeypatch.setattr(borders, "MIN_SKIPPED", MIN_SKIPPED)
    rng = np.random.default_rng(3)
    x = minitorch.tensor(rng.standard_normal((1, 40, 5, 4)), dtype=minitorch.float64, requires_grad=True)
    w = minitorch.tensor(rng.standard_normal((40, 40, 5, 3)), dtype=minitorch.float64)
    b = minitorch.tensor(rng.standard_normal(40), dtype=minitorch.float64, requires_grad=True)
    assert borders.pays((1, 40, 5, 4), (40, 40, 5, 3), (1, 1), conv_module.as_padding4(padding), (1, 1), np.float64)
    assert gradcheck(lambda x, b: minitorch.nn.functional.conv2d(x, w, b, 1, padding), (x, b))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CASES + [
    ((2, 32, 1, 6), 40, (3, 3), (2, 1), ((2, 2), (1, 1)), (1, 1)),      # a tap row no position reaches
    ((2, 64, 7, 7), 96, (5, 5), (1, 1), ((2, 2), (2, 2)), (1, 1)),      # NiN's, through the dispatch
])
def test_weight_grad_by_tap_rows(case, dtype, monkeypatch, weight_grad_algorithm):
    """The weight gradient by tap rows (``borders.conv2d_weight_grad``, the padding's rows
    skipped) against torch, called directly and through kernels.conv2d_weight_grad, which takes
    it where the indexed weight gradient runs and ``weight_grad_pays`` (not in the "always
    GEMM" run); gw's bits do not depend on the loops' kind."""
    x_shape, c_out, kernel, stride, pad, dil = case
    rng = np.random.default_rng(6)
    x = random_array(rng, x_shape, dtype)
    w = random_array(rng, (c_out, x_shape[1]) + kernel, dtype)
    (pT, pB), (pL, pR) = pad

    def torch_conv(x, w):
        return F.conv2d(F.pad(x, (pL, pR, pT, pB)), w, None, stride, 0, dil)

    _, gy, (_, gw_t) = torch_forward_and_grads(torch_conv, [x, w])
    x_pad = np.ascontiguousarray(np.pad(x, ((0, 0), (0, 0), pad[0], pad[1])).transpose(0, 2, 3, 1))
    assert_close(borders.conv2d_weight_grad(gy, x_pad, w.shape, pad, stride, dil), gw_t, dtype)
    calls = []
    monkeypatch.setattr(conv_module.borders, "conv2d_weight_grad",
                        lambda *a, f=borders.conv2d_weight_grad: calls.append(1) or f(*a))
    assert_close(conv2d_weight_grad(gy, x, w.shape, stride, pad, dil, 1), gw_t, dtype)
    indexed = conv_module._indexed_weight_grad(x.shape, w.shape, 1, dtype)
    if not (indexed and borders.weight_grad_pays(x.shape, w.shape, stride, pad, dil, dtype)):
        assert not calls  # (where both hold, a small map may still take one GEMM per tap)
    elif x_shape == (2, 64, 7, 7):
        assert calls
    with pytest.raises(RuntimeError):  # gy of another size than the output
        borders.conv2d_weight_grad(gy[:, :, :-1], x_pad, w.shape, pad, stride, dil)
    with pytest.raises(RuntimeError):  # the weight's input channels are not x_pad's
        borders.conv2d_weight_grad(gy, x_pad, (c_out, x_shape[1] + 1) + kernel, pad, stride, dil)


@pytest.mark.parametrize("parts", [1, 2, 3, 5, 16])
@pytest.mark.parametrize("geometry", [
    (4, 11, 11, 16, 40, (5, 5), (7, 7), ((2, 2), (2, 2))),    # NiN's 5x5 on 7x7, batch 4
    (3, 5, 5, 8, 96, (3, 3), (3, 3), ((1, 1), (1, 1))),       # a 3x3 map: classes of 3 rows
    (2, 13, 11, 8, 33, (3, 2), (9, 10), ((4, 4), (3, 3))),    # rows that reach no input
])
def test_thread_parts_cover_each_sliver_once(geometry, parts):
    """The threads' shares of the classes (``_class_rows``) and of the tap rows
    (``_tap_row_tiles``) cover every row (every sliver) exactly once, in whole MR-row slivers
    (NR-wide ones), for any number of parts, however the classes' sizes fall."""
    N, Hp, Wp, C, C_out, (kH, kW), out_hw, pad = geometry
    *_, r_lo, k_lo, _, _ = borders._tables(N, Hp, Wp, C, C_out, kH, kW, out_hw, (1, 1), pad, (1, 1))
    spans = borders._class_rows(r_lo, k_lo, parts)
    assert spans.shape == (parts, r_lo.shape[0] - 1, 2)
    seen = np.zeros(r_lo[-1], dtype=np.int64)
    for t in range(parts):
        for q in range(r_lo.shape[0] - 1):
            lo, hi = spans[t, q]
            if hi > lo:
                assert r_lo[q] <= lo and hi <= r_lo[q + 1] and (lo - r_lo[q]) % 8 == 0
                seen[lo:hi] += 1
    assert (seen == 1).all()
    tiles = 7
    K_rows = np.array([0, 5, 3, 9, 1][:kH] + [2] * max(0, kH - 5))
    spans = borders._tap_row_tiles(kH, tiles, K_rows, parts)
    seen = np.zeros((kH, tiles), dtype=np.int64)
    for t in range(parts):
        for i in range(kH):
            seen[i, spans[t, i, 0]:spans[t, i, 1]] += 1
    assert (seen == 1).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_same_bits_for_any_split(dtype):
    """Y of the classes' GEMMs and gw of the tap rows' are the same bits whatever the threads'
    shares (one part, or 2, 3, 5 parts run one after the other or on the threads): every number
    is one GEMM sum over its class's taps (its tap row's positions), whoever computes it."""
    from minitorch.kernels import gemm

    rng = np.random.default_rng(3)
    N, C, C_out, H = 3, 16, 72, 7
    pad = ((2, 2), (2, 2))
    x_pad = np.ascontiguousarray(np.pad(random_array(rng, (N, C, H, H), dtype), ((0, 0), (0, 0), *pad)).transpose(0, 2, 3, 1))
    w_rows = np.ascontiguousarray(random_array(rng, (C_out, 25 * C), dtype))
    rows, kcols, brows, r_lo, k_lo, _, _ = borders._tables(N, H + 4, H + 4, C, C_out, 5, 5, (H, H), (1, 1), pad, (1, 1))
    gy = random_array(rng, (N, C_out, H, H), dtype)
    results = {}
    for parts in (1, 2, 3, 5):
        for parallel in (False, True):
            Y = np.full(r_lo[-1] * C_out, np.nan, dtype=dtype)
            borders._gemm_classes(x_pad.reshape(-1), rows, kcols, w_rows.reshape(-1), brows, C_out, 25 * C, k_lo, Y,
                                  gemm.workspace(dtype), True, borders._class_rows(r_lo, k_lo, parts), parallel)
            results[parts, parallel] = Y
    for Y in results.values():
        np.testing.assert_array_equal(Y, results[1, False])
    assert not np.isnan(results[1, False]).any()
    wrows, wkcols, wr_lo, wr_hi, _ = borders._weight_grad_tables(N, H + 4, H + 4, C, 5, 5, (H, H), (1, 1), pad, (1, 1))
    GY = np.ascontiguousarray(gy.transpose(1, 2, 0, 3)).reshape(-1)
    nr = gemm.TILE[np.dtype(dtype)][1]
    tiles = -(-5 * C // nr)
    grads = []
    for parts in (1, 2, 3, 5):
        for parallel in (False, True):
            gw = np.full(C_out * wkcols.shape[0], np.nan, dtype=dtype)
            borders._gemm_tap_rows(GY, N * H * H, x_pad.reshape(-1), wrows, wkcols, wr_lo, wr_hi, gw, C_out,
                                   gemm.workspace(dtype), nr, borders._tap_row_tiles(5, tiles, wr_hi - wr_lo, parts),
                                   parallel)
            grads.append(gw)
    for gw in grads:
        np.testing.assert_array_equal(gw, grads[0])
    assert not np.isnan(grads[0]).any()
