"""The weight gradient of a 1x1 convolution at stride 1 as a sum of per-sample GEMMs read in place.

    gw (C_out, C_in) = sum_n gy[n] (C_out, L) @ x[n].T (L, C_in),   L = H*W

Each sample's product is kernels/gemm.py's single-thread ``gemm`` reading gy[n] row-major and
x[n] transposed where they lie, so neither is copied channels first; the samples run in blocks
of POINTWISE_GRAD_BLOCK (in order within a block: the first product written, the next ones added),
the blocks are split among the threads (``prange``), and the blocks' partial sums are added in
block order at the end. The blocks do not depend on the thread count, so neither do the sums:
the same bits at 1 and 2 threads. The order differs from one GEMM over the whole batch (K = N*L
in KC blocks): float32 within the tolerance of torch's own (parity_tests/kernels/test_conv_pointwise_grad.py).

Why: the one GEMM over the batch (kernels/conv_small.py's ``_conv2d_weight_grad_pointwise``) needs
gy and x copied channels first (two passes over both, ~0.3 ms each on NiN's (64,96,15,15)), and
at 2 threads cut C's 96 x 96 into two pieces each packing all of the other operand (K = 14,400);
here each thread packs only its own samples. Where: ``pays``.
"""

import numba
import numpy as np
from numba import njit, prange

from . import gemm
from .checks import check_shape
from .threading import in_parallel

# Samples per partial sum: enough blocks for the threads (8 of NiN's 64), few partial sums to add.
POINTWISE_GRAD_BLOCK = 8
# Samples of at least this many positions: shorter ones make a per-sample GEMM whose packing
# and C tile outweigh its K products (NiN's 3x3 maps, L = 9, stay on the one GEMM; 6x6,
# (16,192,6,6)->64, took 1.17x its time).
POINTWISE_GRAD_MIN_L = 48


def pays(x_shape, weight_shape, dtype) -> bool:
    """Whether the 1x1 weight gradient at stride 1 (no padding, one group) runs here: gemm.py's
    GEMM available for the dtype, samples of POINTWISE_GRAD_MIN_L positions or more, and at
    least two blocks of samples (else nothing to share among threads)."""
    N, _, H, W = x_shape
    return gemm.available(dtype) and H * W >= POINTWISE_GRAD_MIN_L and N >= 2 * POINTWISE_GRAD_BLOCK


@njit(cache=True)
def _block_sum(gy, x, C_out, C_in, L, n0, n1, acc, part, work):
    """acc (C_out*C_in) = sum over n in [n0, n1), in order, of gy[n] (C_out, L) @ x[n].T."""
    for n in range(n0, n1):
        dst = acc if n == n0 else part
        gemm.gemm(C_out, C_in, L, gy, n * C_out * L, L, 1, x, n * C_in * L, 1, L, dst, 0, C_in, work)
        if n > n0:
            for k in range(C_out * C_in):
                acc[k] += part[k]


@njit(cache=True, parallel=True)
def _weight_grad(gy, x, C_out, C_in, L, N, partials, scratch, work, parallel):
    """Every block's partial sum (``prange`` over blocks when ``parallel``, each thread with its
    scratch and workspace rows), then partials[0] += partials[b] for b in order."""
    blocks = partials.shape[0]
    if parallel:
        for b in prange(blocks):
            t = numba.get_thread_id()
            _block_sum(gy, x, C_out, C_in, L, b * POINTWISE_GRAD_BLOCK, min(N, (b + 1) * POINTWISE_GRAD_BLOCK),
                       partials[b], scratch[t], work[t])
    else:
        t = numba.get_thread_id()
        for b in range(blocks):
            _block_sum(gy, x, C_out, C_in, L, b * POINTWISE_GRAD_BLOCK, min(N, (b + 1) * POINTWISE_GRAD_BLOCK),
                       partials[b], scratch[t], work[t])
    for b in range(1, blocks):
        for k in range(C_out * C_in):
            partials[0, k] += partials[b, k]


def conv2d_weight_grad(gy: np.ndarray, x: np.ndarray, weight_shape) -> np.ndarray:
    """dL/dw of a 1x1 convolution at stride 1, no padding, one group: gw (C_out, C_in, 1, 1) =
    sum_n gy[n] @ x[n].T (see above).

    Loop nest: ``for block of POINTWISE_GRAD_BLOCK samples (prange if big) / for n in the block /
    gemm.gemm (C_out, L) @ (L, C_in), both read in place / add into the block's sum`` then ``for
    block: add its sum``. Cost: 2*N*C_out*C_in*L flops, (blocks + 1) * C_out*C_in numbers of
    partial sums; every number of gy and x packed once.
    """
    op = "conv2d_weight_grad"
    check_shape(op, "x", x.shape, (None,) * 4)
    N, C_in, H, W = x.shape
    check_shape(op, "gy", gy.shape, (N, None, H, W))
    C_out = gy.shape[1]
    check_shape(op, "weight", tuple(weight_shape), (C_out, C_in, 1, 1))
    dtype = np.result_type(x.dtype, gy.dtype)
    if dtype not in gemm.TILE:
        raise RuntimeError(f"{op} (per-sample GEMMs): expected float32 or float64 operands, but got {dtype}")
    L = H * W
    xf = np.ascontiguousarray(x, dtype=dtype).reshape(-1)
    gf = np.ascontiguousarray(gy, dtype=dtype).reshape(-1)
    blocks = -(-N // POINTWISE_GRAD_BLOCK)
    partials = np.empty((blocks, C_out * C_in), dtype=dtype)
    work = gemm.workspace(dtype)
    scratch = np.empty((work.shape[0], C_out * C_in), dtype=dtype)
    _weight_grad(gf, xf, C_out, C_in, L, N, partials, scratch, work, in_parallel(N * C_out * C_in * L // 16))
    return partials[0].reshape(weight_shape)
