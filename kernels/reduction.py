"""Sum over the leading axis (``a.sum(0)``), with the columns shared out over the threads.

    y[j] = a[0, j] + a[1, j] + ... + a[N-1, j]      (a viewed as (N, M), each column added in order of rows)

A convolution's bias gradient (``_ops/conv.py``'s ``bias_grad``) is ``g.sum(0)`` over the batch,
then a small sum over the positions; the first reads the whole output gradient, and NumPy's
reduction runs on one thread. NumPy reduces a C-contiguous array's leading axis row by row (``y =
0``, then ``y += a[i]``), so each column is added in order of rows; this loop adds each
column in the same order, in the input's dtype, so its bits are NumPy's (the tests check it),
whichever thread runs a column's block.

Loop nest: column blocks of ``BLOCK`` numbers (``prange`` if big), then the rows, then the block's
contiguous columns (vectorised; the block's sums stay in L1 while the rows stream past). Below the
grain NumPy's own reduction runs instead: ``in_parallel(a.size // 4)``, from 262,144 numbers on,
because a sum this cheap (one read per number, ~50 GB/s from cache) gains from the second thread
only from there on: float32, µs NumPy's call / this loop, 2 threads (``benchmarks/bench_sum_leading.py``,
load 8.4, under ``chrt -f 1``): (64, 128, 4, 4) 11.4 / 11.9, (64, 72, 8, 8) 26.1 / 23.2, (64, 96, 8, 8)
32.7 / 19.8, (64, 192, 8, 8) 95.4 / 50.9, (64, 64, 16, 16) 122 / 52. At one thread the loop runs as
fast as NumPy's call (87-120 against 96-123 µs), but NumPy's is taken there.
"""

import numpy as np
from numba import njit, prange

from .threading import in_parallel

BLOCK = 4096  # columns per parallel iteration: a float32 block's sums are 16 KB


@njit(cache=True)
def _sum_rows_block(a, out, b):
    lo, hi = b * BLOCK, min((b + 1) * BLOCK, a.shape[1])
    acc = out[lo:hi]  # indexed from 0: the loops vectorise
    zero = acc.dtype.type(0)
    for j in range(hi - lo):
        acc[j] = zero  # NumPy's start, the identity: a column of -0.0 sums to +0.0
    for i in range(a.shape[0]):
        row = a[i, lo:hi]
        for j in range(hi - lo):
            acc[j] += row[j]


@njit(cache=True, parallel=True)
def _sum_rows(a, out, parallel):
    blocks = -(-a.shape[1] // BLOCK)
    if parallel:
        for b in prange(blocks):
            _sum_rows_block(a, out, b)
    else:
        for b in range(blocks):
            _sum_rows_block(a, out, b)


def sum_leading(a: np.ndarray, keepdims: bool = False) -> np.ndarray:
    """``np.sum(a, axis=0, keepdims=keepdims)`` of a float32/float64 array, bit for bit; the
    columns in parallel blocks for a C-contiguous ``a`` of two or more dims with rows, from the
    grain on (above). Anything else is NumPy's call."""
    if (a.ndim < 2 or a.shape[0] == 0 or a.dtype not in (np.float32, np.float64) or not a.flags.c_contiguous
            or not in_parallel(a.size // 4)):
        return np.add.reduce(a, axis=0, keepdims=keepdims)
    out = np.empty(a.shape[1:], dtype=a.dtype)
    _sum_rows(a.reshape(a.shape[0], -1), out.reshape(-1), True)
    return out.reshape((1,) + out.shape) if keepdims else out
