"""The batch and channel axes swapped, ``(N, C, L) -> (C, N, L)``, as a parallel loop.

Several convolution paths run one GEMM over the whole batch on channels-first operands, ``Y =
W @ X`` with X of shape (C_in, N*L) (kernels/conv.py's channels-first columns, the 1x1
convolutions of kernels/conv_small.py on small maps, the weight gradients' ``gy`` as (C_out,
N*L)), and copy the result back to NCHW. As NumPy expressions
(``np.ascontiguousarray(x.transpose(1, 0, 2, 3))``, ``y[...] = Y.transpose(1, 0, 2, 3)``) these
copies run on one thread while the GEMMs between them run on all of them
(docs/performance-notes.md, "Layout copies on the threads"). Here the copy is a loop over runs of
whole planes, a ``prange`` from ``in_parallel(2 * size)`` on (every element read once and written
once), with the same result either way: a copy, no arithmetic.

The channels-last copies (``x.transpose(0, 2, 3, 1)`` into a padded buffer and back) stay NumPy's:
numba loops of the same transposes, tiled or not, took 1.3-1.8x NumPy's time on one thread
(GoogLeNet's and NiN's activations, (64, 96..480, 4..15, 4..15)), more than a second thread gives
back.

Every entry checks ranks, shapes and dtypes (kernels/checks.py) before its loop runs.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .checks import check_shape
from .threading import in_parallel

# Planes are copied SWAP_BLOCK at a time per loop iteration: enough work per iteration on small
# maps, and enough iterations for the threads when the other axis is short (a block of one or
# two samples).
SWAP_BLOCK = 64
# Planes shorter than this are NumPy's copy: a run of one to three numbers is a strided gather,
# which NumPy's blocked transpose does 3-6x faster than this loop ((64, 832, 1, 1): 0.015 against
# 0.089 ms, 1 thread).
SWAP_MIN_PLANE = 4


@njit(cache=True, inline="always")
def _swap_block(a, out, t):
    """out[b, i, :] = a[i, b, :] for the i of block t % blocks of row b = t // blocks."""
    A, L = a.shape[0], a.shape[2]
    blocks = (A + SWAP_BLOCK - 1) // SWAP_BLOCK
    b, i0 = t // blocks, (t % blocks) * SWAP_BLOCK
    for i in range(i0, min(i0 + SWAP_BLOCK, A)):
        for l in range(L):
            out[b, i, l] = a[i, b, l]


@njit(cache=True, parallel=True)
def _swap_leading(a, out, parallel):
    blocks = out.shape[0] * ((a.shape[0] + SWAP_BLOCK - 1) // SWAP_BLOCK)
    if parallel:
        for t in prange(blocks):
            _swap_block(a, out, t)
    else:
        for t in range(blocks):
            _swap_block(a, out, t)


def _as_3d(a: np.ndarray) -> np.ndarray | None:
    """A 4-d (A, B, H, W) array as an (A, B, H*W) view, or None where H and W do not merge."""
    A, B, H, W = a.shape
    if H == 1 or W == 1 or a.strides[2] == a.strides[3] * W:
        return np.lib.stride_tricks.as_strided(
            a, (A, B, H * W), (a.strides[0], a.strides[1], a.strides[3] if W > 1 else a.strides[2]))
    return None


def swap_leading_axes(a: np.ndarray, dtype=None, out: np.ndarray | None = None) -> np.ndarray:
    """``np.ascontiguousarray(a.transpose(1, 0, 2, 3), dtype)`` of a 4-d ``a`` (A, B, H, W), any
    strides: ``out[b, i, h, w] = a[i, b, h, w]``, into ``out`` (B, A, H, W) when given
    (C-contiguous, ``dtype``'s), else into a new C-contiguous array.

    Loop nest: ``for b, block of SWAP_BLOCK i (prange if big) / for i / for l`` on a as (A, B,
    H*W): each iteration copies SWAP_BLOCK whole planes of ``a`` into one run of ``out``. Cost:
    A*B*H*W element copies. NumPy's copy, on one thread, where H and W do not merge in a view,
    for planes under SWAP_MIN_PLANE numbers and for a dtype conversion (``dtype`` other than a's).
    """
    check_shape("swap_leading_axes", "input", a.shape, (None,) * 4)
    A, B, H, W = a.shape
    dtype = np.dtype(a.dtype if dtype is None else dtype)
    if out is None:
        out = np.empty((B, A, H, W), dtype=dtype)
    else:
        check_shape("swap_leading_axes", "out", out.shape, (B, A, H, W))
        if out.dtype != dtype or not out.flags.c_contiguous:
            raise RuntimeError(f"swap_leading_axes: expected a C-contiguous out of dtype {dtype}, but got "
                               f"{out.dtype}, {'' if out.flags.c_contiguous else 'not '}contiguous")
    a3 = _as_3d(a) if a.dtype == dtype and out.size and H * W >= SWAP_MIN_PLANE else None
    if a3 is None:
        out[...] = a.transpose(1, 0, 2, 3)
        return out
    _swap_leading(a3, out.reshape(B, A, H * W), in_parallel(2 * out.size))
    return out
