"""kernels/gemm_narrow.py: the indexed GEMMs one register tile narrow, the wide operand read in
place. They must give bitwise the results of gemm.py's packed loop nests (the same sums in the
same order), agree with NumPy, keep gemm.py's index checks, and carry DenseNet's 32-channel
convolutions (forward and weight gradient) to torch's results."""

import numpy as np
import pytest
import torch.nn.functional as F
from kernel_parity_helpers import assert_close, random_array, torch_forward_and_grads
from minitorch.kernels import (
    conv2d,
    conv2d_input_grad,
    conv2d_weight_grad,
    gemm,
    gemm_indexed,
    gemm_narrow,
)

DTYPES = [np.float64, np.float32]


def _offsets(n, c, hw, k, stride=1, dilation=1):
    """rows, kcols of a k x k convolution over a padded channels-last (n, hw, hw, c) array."""
    from minitorch.kernels import conv

    out = (hw - dilation * (k - 1) - 1) // stride + 1
    return conv._offsets((n, hw, hw, c), (k, k), (out, out), (stride, stride), (dilation, dilation))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layer", [
    (3, 32, 7, 3, 1, 1),   # M = 75: a last tile of 3 rows
    (2, 64, 10, 3, 1, 1),  # DenseNet's 8x8 map (padded to 10), M = 128
    (2, 32, 9, 3, 2, 1),   # strided
    (1, 48, 11, 3, 1, 2),  # dilated; K = 432, C_in not a multiple of 32
])
def test_narrow_gemms_bitwise_as_packed(layer, dtype):
    if not gemm.available(dtype):
        pytest.skip("no AVX-512: the indexed GEMM is not used")
    n, c, hw, k, stride, dilation = layer
    rng = np.random.default_rng(0)
    a = rng.standard_normal(n * hw * hw * c).astype(dtype)
    rows, kcols = _offsets(n, c, hw, k, stride, dilation)
    A = a[rows[:, None] + kcols[None, :]].astype(np.float64)
    nr = gemm.TILE[np.dtype(dtype)][1]
    tol = 1e-12 if dtype == np.float64 else 1e-5
    for width in (nr, nr - 8, 5):  # one whole sliver, a narrower C (into the scratch tile)
        b = rng.standard_normal((width, kcols.size)).astype(dtype).T  # W'.T: column-major
        assert gemm_narrow.narrow(width, dtype)
        y = gemm_narrow.matmul_indexed(a, rows, kcols, b)
        np.testing.assert_array_equal(y, gemm_indexed.matmul_indexed(a, rows, kcols, b))
        np.testing.assert_allclose(y, A @ b, rtol=tol, atol=tol * kcols.size)
    for height in (nr, 12, 3):  # whole row tiles, a last one of 4 rows, one of 3
        gy = rng.standard_normal((height, rows.size)).astype(dtype)
        assert gemm_narrow.narrow_b(height, kcols, dtype) == (c % nr == 0 and height <= nr)
        gw = gemm_narrow.matmul_indexed_b(gy, a, rows, kcols)
        np.testing.assert_array_equal(gw, gemm_indexed.matmul_indexed_b(gy, a, rows, kcols))
        np.testing.assert_allclose(gw, gy @ A, rtol=tol, atol=tol * rows.size)
        gy_t = np.asfortranarray(gy)  # read in place with its strides
        np.testing.assert_array_equal(gemm_narrow.matmul_indexed_b(gy_t, a, rows, kcols), gw)


def test_narrow_gemms_check_first():
    """An index past the end or a wrong shape is refused before any loop, as in gemm.py."""
    if not gemm.available(np.float32):
        pytest.skip("no AVX-512: the indexed GEMM is not used")
    rows, kcols = _offsets(2, 32, 6, 3)
    a = np.zeros(2 * 6 * 6 * 32, np.float32)
    b = np.zeros((kcols.size, 32), np.float32)
    with pytest.raises(RuntimeError, match="outside"):
        gemm_narrow.matmul_indexed(a, rows + 100, kcols, b)
    with pytest.raises(RuntimeError, match="outside"):
        gemm_narrow.matmul_indexed_b(np.zeros((32, rows.size), np.float32), a, rows, kcols + 100)
    with pytest.raises(RuntimeError, match="gemm_indexed.matmul_indexed|matmul_indexed"):
        gemm_narrow.matmul_indexed(a, rows, kcols, b[1:])
    with pytest.raises(RuntimeError, match="matmul_indexed_b"):
        gemm_narrow.matmul_indexed_b(np.zeros((32, rows.size + 1), np.float32), a, rows, kcols)
    empty = gemm_narrow.matmul_indexed(a, rows, kcols[:0], b[:0])
    np.testing.assert_array_equal(empty, np.zeros((rows.size, 32), np.float32))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x_shape", [
    (4, 64, 8, 8), (2, 160, 8, 8), (3, 96, 8, 16),  # whole rows of 8 positions
    (2, 96, 4, 4), (2, 40, 12, 12), (2, 64, 6, 6), (1, 32, 17, 9),  # rows not of 8 positions
    (3, 112, 2, 2), (2, 120, 1, 1),  # one GEMM per tap stays
])
def test_densenet_growth_convolution_against_torch(x_shape, dtype, monkeypatch):
    """DenseNet's 3x3 convolutions to 32 channels (padding 1): forward and weight gradient on
    the narrow GEMMs (float32; float64's tile is 16 wide, so there gemm.py's), on every map of
    4x4 positions or more (kernels/conv.py, ``_indexed`` and ``_narrow_small_map``), against torch."""
    from minitorch.kernels import conv, conv_small

    calls = []
    monkeypatch.setattr(conv.gemm_narrow, "matmul_indexed",
                        lambda *a, f=gemm_narrow.matmul_indexed: calls.append(1) or f(*a))
    rng = np.random.default_rng(1)
    x = random_array(rng, x_shape, dtype)
    w = random_array(rng, (32, x_shape[1], 3, 3), dtype)
    b = random_array(rng, (32,), dtype)
    y_t, gy, (gx_t, gw_t, _) = torch_forward_and_grads(lambda x, w, b: F.conv2d(x, w, b, 1, 1), [x, w, b])
    y, columns = conv2d(x, w, b, (1, 1), (1, 1), (1, 1), 1, keep_columns=True)
    assert_close(y, y_t, dtype)
    assert_close(conv2d_input_grad(gy, w, x.shape, (1, 1), (1, 1), (1, 1), 1), gx_t, dtype)
    assert_close(conv2d_weight_grad(gy, x, w.shape, (1, 1), (1, 1), (1, 1), 1, columns), gw_t, dtype)
    # the indexed GEMM at C_in in runs of 8, at any width (slivers across rows: _transpose8_rows)
    # where the map is not one GEMM per tap; narrow (one register tile) at any C_in
    # (a map small enough for the taps goes to the columns where _small_map_columns says so)
    columns = conv._small_map_columns(x_shape, w.shape, 1, (1, 1), ((1, 1), (1, 1)), (1, 1),
                                      conv.SMALL_MAP_COLUMNS_MIN_POSITIONS)
    runs = x_shape[1] % 8 == 0 and (x_shape[2] * x_shape[3] > conv_small.TAPS_MAX_POSITIONS or columns)
    narrow = gemm_narrow.narrow(32, dtype) and x_shape[2] * x_shape[3] >= conv.NARROW_MIN_POSITIONS
    # up to 8x8 the forward runs in border classes (kernels/conv_small_classes.py, on this
    # module's micro-kernel) and the input gradient in conv_borders.py's: matmul_indexed not called
    classes = conv.small_classes.pays(x_shape, w.shape, (1, 1), ((1, 1), (1, 1)), (1, 1), dtype)
    assert bool(calls) == (gemm.available(dtype) and (runs or narrow) and not classes)
