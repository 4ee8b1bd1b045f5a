"""How kernels/gemm.py's GEMMs are cut and packed never changes a bit: a column-major B read as the
rows of B^T (``gemm``, A one block) against the same B read row-major, and the border
classes' GEMMs (kernels/conv_borders.py) cut by rows or by columns over the threads, each at 1
and 2 threads, against each other and against torch (float64 reference) within tolerance.

The conftest runs every test with the loops forced serial and forced to threads."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from kernel_parity_helpers import assert_close
from minitorch.kernels import blas, gemm
from minitorch.kernels import conv_borders as borders

import minitorch

DTYPES = [np.float32, np.float64]
pytestmark = pytest.mark.skipif(not gemm.available(np.float32), reason="kernels/gemm.py needs AVX-512")


def at_threads(n, f):
    """f() with minitorch set to n threads, the count restored after."""
    before = minitorch.get_num_threads()
    minitorch.set_num_threads(n)
    try:
        return f()
    finally:
        minitorch.set_num_threads(before)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m, k, n", [(64, 784, 256), (5, 100, 70), (64, 1100, 97), (33, 8, 64), (1, 600, 40),
                                     (3, 20, 1100)])
def test_b_column_major_as_rows_of_b_transposed_same_bits(m, k, n, dtype, loop_kind):
    """A column-major B (``x @ W.t()``) with A one MC block: computed as C^T = B^T @ A^T, B^T's
    rows read in place (``gemm._gemm_b_rows``; N past NC and not a multiple of MR in the last
    case); the same sums as a row-major B (packed by blocks or read in place), in any thread count."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k)).astype(dtype)
    b_col = rng.standard_normal((n, k)).astype(dtype).T
    b_row = np.ascontiguousarray(b_col)
    ref = a.astype(np.float64) @ b_col.astype(np.float64)
    one = gemm.matmul(a, b_col)
    assert np.array_equal(one, gemm.matmul(a, b_row))
    assert_close(one, ref, dtype)
    if loop_kind == "threads" and gemm.pays(m, n, k, True, dtype):  # shared on gemm.py: 1 or 2 pieces
        assert np.array_equal(at_threads(1, lambda: blas.matmul(a, b_col)), one)
        assert np.array_equal(at_threads(2, lambda: blas.matmul(a, b_col)), one)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch, c_in, size, c_out", [
    (2, 32, 3, 64),   # nine classes of 2 rows, 2 tiles of columns: cut by columns at 2 threads
    (2, 32, 3, 96),   # 3 tiles of columns do not split evenly: cut by rows
    (9, 16, 4, 40),   # classes of 9-36 rows, 40 columns (a ragged tile): both cuts
])
def test_border_classes_cut_by_columns_same_bits(batch, c_in, size, c_out, dtype):
    """The border classes' forward at 1 and 2 threads: the same bits, and torch's values."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, c_in, size, size)).astype(dtype)
    w = rng.standard_normal((c_out, c_in, 3, 3)).astype(dtype)
    x_pad = np.ascontiguousarray(np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))).transpose(0, 2, 3, 1))
    w_rows = np.ascontiguousarray(w.transpose(0, 2, 3, 1).reshape(c_out, -1))

    def forward():
        return borders.conv2d_forward(x_pad, w_rows, (3, 3), ((1, 1), (1, 1)), (size, size), (1, 1), (1, 1))

    y1, y2 = at_threads(1, forward), at_threads(2, forward)
    assert np.array_equal(y1, y2)
    ref = F.conv2d(torch.from_numpy(x).double(), torch.from_numpy(w).double(), padding=1).numpy()
    assert_close(y2, ref, dtype)


def test_large_c_streamed_same_bits(loop_kind):
    """A C of STREAM_C_BYTES or more written once (K in one block: a big Linear's weight gradient)
    goes to memory by non-temporal stores, its first columns up to C's first 64-byte boundary by
    ordinary ones: the same bits as the same products in two halves of C too small to stream,
    at 1 and 2 threads, and where C starts on the boundary or 4 bytes past it."""
    m, k, n = 4096, 64, 2048  # C: 32 MB
    assert m * n * 4 >= gemm.STREAM_C_BYTES
    rng = np.random.default_rng(2)
    a = rng.standard_normal((k, m)).astype(np.float32).T  # g.t(), as in the weight gradient
    b = rng.standard_normal((k, n)).astype(np.float32)
    halves = np.concatenate([gemm.matmul(a, b[:, : n // 2]), gemm.matmul(a, b[:, n // 2:])], axis=1)
    for threads in (1, 2):
        assert np.array_equal(at_threads(threads, lambda: blas.matmul(a, b)), halves)
    for skip in (0, 1):  # C's first element on a 64-byte boundary, then 4 bytes past it
        raw = gemm.aligned_empty((m * n + 16,), np.float32)
        out = raw[skip: skip + m * n].reshape(m, n)
        assert np.array_equal(blas.matmul(a, b, out=out), halves)
    np.testing.assert_allclose(halves[:64], a[:64].astype(np.float64) @ b, rtol=1e-5, atol=1e-4)
