"""conv2d as the textbook loop nest: the depthwise convolutions at stride > 1 (kernels/conv.py's
``conv2d`` rule, case (4)), and the reference the other algorithms are tested against.

    y[n, co, oh, ow] = sum_{ci in group(co), i, j} w[co, ci, i, j] * x_pad[n, ci, oh*sH + i*dH, ow*sW + j*dW]
"""

import numpy as np
from numba import njit, prange

from .conv_args import Pair, _check_forward
from .im2col import Padding4, valid_output_range
from .threading import in_parallel


@njit(cache=True)
def _conv2d_direct_plane(x, w, y, sH, sW, pT, pL, dH, dW, groups, nco):
    """Output plane y[n, co] (already zero) for nco = n*C_out + co."""
    _N, _C_in, H, W = x.shape
    C_out, C_in_g, kH, kW = w.shape
    oH, oW = y.shape[2], y.shape[3]
    n = nco // C_out
    co = nco % C_out
    g = co // (C_out // groups)
    for ci in range(C_in_g):
        c = g * C_in_g + ci
        for i in range(kH):
            oh_lo, oh_hi = valid_output_range(oH, sH, pT, i * dH, H)
            for j in range(kW):
                ow_lo, ow_hi = valid_output_range(oW, sW, pL, j * dW, W)
                wv = w[co, ci, i, j]
                for oh in range(oh_lo, oh_hi):
                    ih = oh * sH - pT + i * dH
                    for ow in range(ow_lo, ow_hi):
                        y[n, co, oh, ow] += wv * x[n, c, ih, ow * sW - pL + j * dW]


@njit(cache=True, parallel=True)
def _conv2d_direct(x, w, y, sH, sW, pT, pL, dH, dW, groups, parallel):
    planes = y.shape[0] * y.shape[1]
    if parallel:
        for nco in prange(planes):
            _conv2d_direct_plane(x, w, y, sH, sW, pT, pL, dH, dW, groups, nco)
    else:
        for nco in range(planes):
            _conv2d_direct_plane(x, w, y, sH, sW, pT, pL, dH, dW, groups, nco)


def conv2d_forward_direct(x: np.ndarray, w: np.ndarray, stride: Pair, padding: Padding4,
                          dilation: Pair, groups: int) -> np.ndarray:
    """conv2d as the textbook seven-deep loop nest (no bias, no extra memory).

    Math: the definition at the top of this module.
    Loop nest: ``for n*co (prange if big) / for ci in group / for i, j / for oh / for ow``; the
    weight is hoisted out of the two spatial loops, whose bounds are precomputed so the
    innermost loop has no branch. Each parallel iteration owns the output plane y[n, co].
    Cost: 2*N*C_out*C_in/G*kH*kW*oH*oW flops, no memory beyond y, but no BLAS blocking.
    """
    oH, oW = _check_forward(x, w, stride, padding, dilation, groups)
    (pT, _), (pL, _) = padding
    y = np.zeros((x.shape[0], w.shape[0], oH, oW), dtype=np.result_type(x.dtype, w.dtype))
    taps = w.shape[1] * w.shape[2] * w.shape[3]
    _conv2d_direct(np.ascontiguousarray(x), np.ascontiguousarray(w), y, stride[0], stride[1],
                   pT, pL, dilation[0], dilation[1], groups, in_parallel(y.size * taps))
    return y
