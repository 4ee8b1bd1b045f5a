"""im2col and col2im: the gather and scatter that turn a convolution into one GEMM.

A convolution is a dot product between every kernel-sized window of the input and the kernel.
im2col copies each window into a column, so that all windows of a sample form a matrix
``cols`` of shape (C * kH * kW, oH * oW); the convolution is then ``W.reshape(C_out, -1) @ cols``,
one call to BLAS. col2im is its adjoint: it adds every column back into the window it came from
(overlapping windows add up), which is exactly what the gradient of im2col needs.

The kernels index the columns as ``cols[row, n, l]`` (row = (c, i, j), l = oh*oW + ow) and
accept any strides, so one kernel serves two layouts:

* ``im2col`` / ``col2im`` (torch's F.unfold / F.fold layout, (N, C*kH*kW, L)) pass the
  transposed view of an (N, rows, L) array;
* conv2d (kernels/conv.py) fills a (rows, B, L) buffer for a block of B samples through
  ``im2col_into`` / ``col2im_into``, so that a whole block is one matrix of B*L columns
  and each of conv2d's three GEMMs runs once per block.

Both kernels take explicit, possibly asymmetric padding ``((top, bottom), (left, right))``;
positions that fall in the padding read as zero (im2col) or are dropped (col2im).

Every copy, zero-fill and addition of a run of elements goes through the three small loops
``_copy``, ``_zero`` and ``_add_into`` below rather than numba's slice syntax
(``dst[a:b] = src[c:d]``, ``dst[a:b] += src``). numba compiles slice assignment into its
general strided setitem (an overlap check, then an element loop over arbitrary strides that
LLVM does not vectorise), and ``+=`` on a slice first builds the sum in a temporary array. A
plain loop over two 1-D views vectorises: on LeNet's conv2 columns (5.4 MB) the stride-1
im2col went from 0.51 to 0.12 ms and col2im from 0.64 to 0.19 ms on one thread
(benchmarks/bench_kernels.py --only loops; docs/performance-notes.md, "Against torch",
"numba's slice syntax is slow").
"""

import numpy as np
from numba import njit, prange

from .checks import check_at_most, check_output_size, check_shape, check_window
from .threading import in_parallel

Padding4 = tuple[tuple[int, int], tuple[int, int]]


def _check_columns(op: str, image_shape, cols_shape, kernel: tuple[int, int], L: int) -> None:
    """The loops write (or read) C*kH*kW rows of L columns for each of the image's B samples."""
    check_shape(op, "image", image_shape, (None,) * 4)
    B, C = image_shape[:2]
    check_shape(op, "cols", cols_shape, (C * kernel[0] * kernel[1], B, L))


def conv_output_size(size: int, kernel: int, stride: int, pad_before: int, pad_after: int,
                     dilation: int) -> int:
    """Output length of a convolution along one axis: floor((L + pads - d*(k-1) - 1) / s) + 1."""
    return (size + pad_before + pad_after - dilation * (kernel - 1) - 1) // stride + 1


@njit(cache=True)
def valid_output_range(out_size, stride, pad_before, offset, in_size):
    """Range [lo, hi) of output positions o whose input o*stride - pad_before + offset is in bounds.

    Computing it once per kernel tap takes the bounds test out of the innermost loop,
    which lets LLVM vectorise it. ``lo`` is at most ``out_size``: callers zero ``[0, lo)``, and a
    tap that reads only padding (e.g. the first of a dilated kernel over a wide padding) would
    otherwise have them write past the row (found by the thorough profile).
    """
    lo = min(out_size, max(0, (pad_before - offset + stride - 1) // stride))
    hi = min(out_size, (in_size - 1 + pad_before - offset) // stride + 1)
    return lo, max(lo, hi)


@njit(cache=True, inline="always")
def _copy(dst, src, n):
    """dst[:n] = src[:n] for two 1-D views, as a loop LLVM vectorises (see the module doc)."""
    for k in range(n):
        dst[k] = src[k]


@njit(cache=True, inline="always")
def _zero(dst, lo, hi):
    """dst[lo:hi] = 0 for a 1-D view."""
    for k in range(lo, hi):
        dst[k] = 0


@njit(cache=True, inline="always")
def _add_into(dst, src, n):
    """dst[:n] += src[:n] for two 1-D views (no temporary, vectorised)."""
    for k in range(n):
        dst[k] += src[k]


@njit(cache=True)
def _im2col_plane(x, cols, kH, kW, sH, sW, pT, pL, dH, dW, oH, oW, nc):
    """The kH*kW column rows of plane nc = n*C + c (one iteration of _im2col's loop).

    Rows are addressed by flat index into the (C-contiguous) plane rather than as row views:
    making a view costs a few ns, and at LeNet's 10-wide rows the five views per row of the
    first version made this loop 3x slower (bench_kernels.py --only loops).
    """
    _B, C, H, W = x.shape
    n = nc // C
    c = nc % C
    plane = x[n, c].reshape(H * W)
    for i in range(kH):
        oh_lo, oh_hi = valid_output_range(oH, sH, pT, i * dH, H)
        for j in range(kW):
            ow_lo, ow_hi = valid_output_range(oW, sW, pL, j * dW, W)
            col = cols[(c * kH + i) * kW + j, n]
            # Every element is written once (padding as an explicit zero), so the buffer
            # needs no np.zeros pass beforehand.
            _zero(col, 0, oh_lo * oW)
            for oh in range(oh_lo, oh_hi):
                src = (oh * sH - pT + i * dH) * W + ow_lo * sW - pL + j * dW
                dst = oh * oW
                for ow in range(ow_lo):
                    col[dst + ow] = 0
                for ow in range(ow_lo, ow_hi):
                    col[dst + ow] = plane[src + (ow - ow_lo) * sW]
                for ow in range(ow_hi, oW):
                    col[dst + ow] = 0
            _zero(col, oh_hi * oW, oH * oW)


@njit(cache=True, parallel=True)
def _im2col(x, cols, kH, kW, sH, sW, pT, pL, dH, dW, oH, oW, parallel):
    planes = x.shape[0] * x.shape[1]
    if parallel:
        for nc in prange(planes):
            _im2col_plane(x, cols, kH, kW, sH, sW, pT, pL, dH, dW, oH, oW, nc)
    else:
        for nc in range(planes):
            _im2col_plane(x, cols, kH, kW, sH, sW, pT, pL, dH, dW, oH, oW, nc)


@njit(cache=True)
def _col2im_plane(cols, x, kH, kW, sH, sW, pT, pL, dH, dW, oH, oW, nc):
    """Plane nc = n*C + c of x: zeroed, then its kH*kW column rows added in (flat indices, as
    in _im2col_plane)."""
    _B, C, H, W = x.shape
    n = nc // C
    c = nc % C
    plane = x[n, c].reshape(H * W)
    _zero(plane, 0, H * W)
    for i in range(kH):
        oh_lo, oh_hi = valid_output_range(oH, sH, pT, i * dH, H)
        for j in range(kW):
            ow_lo, ow_hi = valid_output_range(oW, sW, pL, j * dW, W)
            col = cols[(c * kH + i) * kW + j, n]
            for oh in range(oh_lo, oh_hi):
                dst = (oh * sH - pT + i * dH) * W + ow_lo * sW - pL + j * dW
                src = oh * oW
                for ow in range(ow_lo, ow_hi):
                    plane[dst + (ow - ow_lo) * sW] += col[src + ow]


@njit(cache=True, parallel=True)
def _col2im(cols, x, kH, kW, sH, sW, pT, pL, dH, dW, oH, oW, parallel):
    planes = x.shape[0] * x.shape[1]
    if parallel:
        for nc in prange(planes):
            _col2im_plane(cols, x, kH, kW, sH, sW, pT, pL, dH, dW, oH, oW, nc)
    else:
        for nc in range(planes):
            _col2im_plane(cols, x, kH, kW, sH, sW, pT, pL, dH, dW, oH, oW, nc)


def im2col_into(x: np.ndarray, cols: np.ndarray, kernel: tuple[int, int],
                output_size: tuple[int, int], stride: tuple[int, int], padding: Padding4,
                dilation: tuple[int, int]) -> None:
    """Gather every kernel window of ``x`` (B, C, H, W) into ``cols`` (C*kH*kW, B, oH*oW).

    Math: ``cols[(c*kH + i)*kW + j, n, oh*oW + ow] = x_pad[n, c, oh*sH + i*dH, ow*sW + j*dW]``.
    Loop nest: ``for n*c (prange if big) / for i, j / for oh / for ow``; each (n, c) writes its own
    kH*kW rows (padding included, as zeros), so the parallel iterations never write the same
    memory and ``cols`` may come from np.empty. ``cols`` may have any strides.
    Cost: no flops; reads B*C*H*W, writes B*C*kH*kW*oH*oW elements (the kH*kW-fold blow-up
    is the price paid for turning the convolution into one GEMM).
    """
    check_window("im2col", kernel, stride, padding, dilation)
    _check_columns("im2col", x.shape, cols.shape, kernel, output_size[0] * output_size[1])
    (pT, _), (pL, _) = padding
    x = np.ascontiguousarray(x)  # the plane loops index it flat
    _im2col(x, cols, kernel[0], kernel[1], stride[0], stride[1], pT, pL, dilation[0],
            dilation[1], output_size[0], output_size[1], in_parallel(cols.size))


# Strided columns from the stride phases. At stride (sH, sW) a tap (i, j) reads x_pad at
# (oh*sH + i*dH, ow*sW + j*dW): every sW-th number of a row, which im2col_into gathers number by
# number. Split x_pad once into its sH*sW phases, ``xs[n, c, r, q, a, b] = x_pad[n, c, a*sH + r,
# b*sW + q]``, and the same tap reads phase (i*dH % sH, j*dW % sW) at (oh + i*dH // sH, ow +
# j*dW // sW): oW consecutive numbers, a plain copy. The columns are the same numbers in the same
# places (bitwise), for one extra pass over x (the phases), which the stems' kH*kW-fold columns
# make small. Used by the stems' weight gradient where kernels/conv_stem_grad.py does not run
# (kernels/conv_weight_grad.py, conv2d_weight_grad: no AVX-512). 1 thread,
# CPU ms, medians of 30, alternating in one process (load 3.4), im2col_into -> phases: NiN
# (64,1,67,67) 11x11 s4 1.39 -> 1.05; ResNet's 7x7 s2 p3 (64,1,32,32) 0.56 -> 0.34,
# (16,1,96,96) 1.04 -> 0.44. The phase split indexes both arrays flat: with a view per row
# (x[n, c].reshape, xs[n, c, r, q].reshape) it took 0.65 ms of NiN's 1.49 instead of 0.23.


@njit(cache=True)
def _stride_phases_planes(x, xs, pT, pL, nc_lo, nc_hi):
    """Planes [nc_lo, nc_hi) of xs (already zero) from x: ``xs[n, c, r, q, a, b] = x[n, c, a*sH + r
    - pT, b*sW + q - pL]`` where that is inside x; flat indices, per (plane, row, phase q) one
    strided run of the row."""
    _N, _C, H, W = x.shape
    sH, sW, Hs, Ws = xs.shape[2], xs.shape[3], xs.shape[4], xs.shape[5]
    xf = x.reshape(x.size)
    df = xs.reshape(xs.size)
    for nc in range(nc_lo, nc_hi):
        for h in range(H):
            r, a = (h + pT) % sH, (h + pT) // sH
            for q in range(sW):
                b_lo = (pL - q + sW - 1) // sW if pL > q else 0  # b*sW + q - pL >= 0
                b_hi = min(Ws, (W - 1 + pL - q) // sW + 1)  # ... and < W
                src = (nc * H + h) * W + b_lo * sW + q - pL
                dst = ((nc * sH + r) * sW + q) * Hs * Ws + a * Ws
                for b in range(b_lo, b_hi):
                    df[dst + b] = xf[src + (b - b_lo) * sW]


@njit(cache=True)
def _im2col_phases_plane(xs, cols, kH, kW, dH, dW, oH, oW, nc):
    """The kH*kW column rows of plane nc = n*C + c, each oH copies of oW consecutive numbers of
    one phase."""
    _N, C, sH, sW, Hs, Ws = xs.shape
    n = nc // C
    c = nc % C
    for i in range(kH):
        r, a0 = (i * dH) % sH, (i * dH) // sH
        for j in range(kW):
            q, b0 = (j * dW) % sW, (j * dW) // sW
            phase = xs[n, c, r, q].reshape(Hs * Ws)
            col = cols[(c * kH + i) * kW + j, n]
            for oh in range(oH):
                _copy(col[oh * oW:], phase[(oh + a0) * Ws + b0:], oW)


@njit(cache=True, parallel=True)
def _im2col_phases(x, xs, cols, pT, pL, kH, kW, dH, dW, oH, oW, parallel):
    planes = x.shape[0] * x.shape[1]
    if parallel:
        for nc in prange(planes):
            _stride_phases_planes(x, xs, pT, pL, nc, nc + 1)
        for nc in prange(planes):
            _im2col_phases_plane(xs, cols, kH, kW, dH, dW, oH, oW, nc)
    else:
        _stride_phases_planes(x, xs, pT, pL, 0, planes)
        for nc in range(planes):
            _im2col_phases_plane(xs, cols, kH, kW, dH, dW, oH, oW, nc)


def im2col_phases_into(x: np.ndarray, cols: np.ndarray, kernel: tuple[int, int],
                       output_size: tuple[int, int], stride: tuple[int, int], padding: Padding4,
                       dilation: tuple[int, int]) -> None:
    """``im2col_into`` (the same columns, bitwise) through the stride phases of x (see above).

    Math: ``xs[n, c, r, q, a, b] = x_pad[n, c, a*sH + r, b*sW + q]`` (zero outside x), then
    ``cols[(c*kH + i)*kW + j, n, oh*oW + ow] = xs[n, c, i*dH % sH, j*dW % sW, oh + i*dH // sH,
    ow + j*dW // sW]``.
    Loop nest: ``for n*c (prange if big) / for h / for q / for b`` (the phases), then ``for n*c
    (prange if big) / for i, j / for oh / one copy of oW``; each (n, c) writes its own phases and
    its own kH*kW rows, so no two iterations write the same memory.
    Cost: no flops; reads B*C*H*W twice (x, then the phases kH*kW/(sH*sW)-fold), writes
    B*C*sH*sW*Hs*Ws (Hs = ceil(Hp/sH)) and B*C*kH*kW*oH*oW elements.
    Checks, before any loop, the window, the columns' shape and that every window lies in x_pad.
    """
    check_window("im2col", kernel, stride, padding, dilation)
    _check_columns("im2col", x.shape, cols.shape, kernel, output_size[0] * output_size[1])
    (pT, pB), (pL, pR) = padding
    Hp, Wp = x.shape[2] + pT + pB, x.shape[3] + pL + pR
    check_at_most("im2col", "output size", output_size,
                  (conv_output_size(x.shape[2], kernel[0], stride[0], pT, pB, dilation[0]),
                   conv_output_size(x.shape[3], kernel[1], stride[1], pL, pR, dilation[1])))
    xs = np.zeros(x.shape[:2] + (stride[0], stride[1], -(-Hp // stride[0]), -(-Wp // stride[1])), dtype=x.dtype)
    _im2col_phases(np.ascontiguousarray(x), xs, cols, pT, pL, kernel[0], kernel[1], dilation[0], dilation[1],
                   output_size[0], output_size[1], in_parallel(cols.size))


def col2im_into(cols: np.ndarray, x: np.ndarray, kernel: tuple[int, int],
                output_size: tuple[int, int], stride: tuple[int, int], padding: Padding4,
                dilation: tuple[int, int]) -> None:
    """Overwrite ``x`` (B, C, H, W) with the scatter-add of ``cols`` (C*kH*kW, B, oH*oW).

    Math: ``x[n, c, ih, iw] = sum over (i, j, oh, ow) hitting (ih, iw) of cols[(c,i,j), n, (oh,ow)]``.
    Loop nest: ``for n*c (prange if big) / zero the plane / for i, j / for oh / for ow``; each (n, c)
    accumulates into its own plane x[n, c], so there are no write races without atomics.
    Cost: B*C*kH*kW*oH*oW additions; reads the columns once, writes B*C*H*W.
    """
    check_window("col2im", kernel, stride, padding, dilation)
    _check_columns("col2im", x.shape, cols.shape, kernel, output_size[0] * output_size[1])
    (pT, _), (pL, _) = padding
    if not x.flags.c_contiguous:
        raise ValueError("col2im_into writes into a C-contiguous x (its plane loops index it flat)")
    _col2im(cols, x, kernel[0], kernel[1], stride[0], stride[1], pT, pL, dilation[0],
            dilation[1], output_size[0], output_size[1], in_parallel(cols.size))


def im2col(x: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int], padding: Padding4,
           dilation: tuple[int, int]) -> np.ndarray:
    """F.unfold: every kernel window of ``x`` (N, C, H, W) as a column, (N, C*kH*kW, oH*oW).

    ``im2col_into`` on the transposed view of the result (see there for loop nest and cost).
    """
    check_shape("im2col", "input", x.shape, (None,) * 4)
    check_window("im2col", kernel, stride, padding, dilation)
    (pT, pB), (pL, pR) = padding
    oH = conv_output_size(x.shape[2], kernel[0], stride[0], pT, pB, dilation[0])
    oW = conv_output_size(x.shape[3], kernel[1], stride[1], pL, pR, dilation[1])
    check_output_size("im2col", x.shape[2:], (oH, oW))
    N, C = x.shape[:2]
    cols = np.empty((N, C * kernel[0] * kernel[1], oH * oW), dtype=x.dtype)
    im2col_into(np.ascontiguousarray(x), cols.transpose(1, 0, 2), kernel, (oH, oW), stride,
                padding, dilation)
    return cols


def col2im(cols: np.ndarray, input_shape: tuple[int, int, int, int], kernel: tuple[int, int],
           output_size: tuple[int, int], stride: tuple[int, int], padding: Padding4,
           dilation: tuple[int, int]) -> np.ndarray:
    """F.fold: scatter-add columns (N, C*kH*kW, oH*oW) back into an (N, C, H, W) image.

    The adjoint (and gradient) of ``im2col``: ``col2im_into`` on the transposed view of
    ``cols`` (see there for loop nest and cost).
    """
    check_shape("col2im", "cols", cols.shape, (None,) * 3)
    check_shape("col2im", "output", input_shape, (None,) * 4)
    x = np.empty(input_shape, dtype=cols.dtype)
    col2im_into(np.ascontiguousarray(cols).transpose(1, 0, 2), x, kernel, output_size, stride,
                padding, dilation)
    return x


# ---------------------------------------------------------------------------------------------
# Stride 1: columns as whole runs of the padded image.
#
# At stride 1, the window positions of one kernel tap (i, j), read row after row over the
# *full* padded width Wp (not just the oW valid columns), are one contiguous run of the padded
# plane: position (oh, w) reads x_pad[oh + i*dH, w + j*dW], at flat offset
# (i*dH*Wp + j*dW) + oh*Wp + w. So each (sample, channel, tap) row of the columns is a single
# copy of oH*Wp elements instead of oH copies of oW, which matters when rows are short (LeNet's
# 10-wide rows spent most of their time in per-row overhead). The Wp - oW extra columns per
# row are wrapped-around neighbours: the conv2d code drops them from the forward's output and
# multiplies them by zero gradients in the backward.


@njit(cache=True)
def _im2col_full_width_plane(x_pad, cols, kH, kW, dH, dW, oH, nc):
    """The kH*kW column rows of plane nc = n*C + c: one contiguous copy each."""
    _B, C, Hp, Wp = x_pad.shape
    n = nc // C
    c = nc % C
    run = oH * Wp
    plane = x_pad[n, c].reshape(Hp * Wp)
    for i in range(kH):
        for j in range(kW):
            start = i * dH * Wp + j * dW
            m = min(run, Hp * Wp - start)  # the last run may reach past the plane's end
            col = cols[(c * kH + i) * kW + j, n]
            _copy(col, plane[start:], m)
            _zero(col, m, run)


@njit(cache=True, parallel=True)
def _im2col_full_width(x_pad, cols, kH, kW, dH, dW, oH, parallel):
    planes = x_pad.shape[0] * x_pad.shape[1]
    if parallel:
        for nc in prange(planes):
            _im2col_full_width_plane(x_pad, cols, kH, kW, dH, dW, oH, nc)
    else:
        for nc in range(planes):
            _im2col_full_width_plane(x_pad, cols, kH, kW, dH, dW, oH, nc)


@njit(cache=True)
def _col2im_full_width_plane(cols, x_pad, kH, kW, dH, dW, oH, nc):
    """Plane nc = n*C + c of x_pad: zeroed, then its kH*kW runs added in."""
    _B, C, Hp, Wp = x_pad.shape
    n = nc // C
    c = nc % C
    run = oH * Wp
    plane = x_pad[n, c].reshape(Hp * Wp)
    _zero(plane, 0, Hp * Wp)
    for i in range(kH):
        for j in range(kW):
            start = i * dH * Wp + j * dW
            m = min(run, Hp * Wp - start)
            _add_into(plane[start:], cols[(c * kH + i) * kW + j, n], m)


@njit(cache=True, parallel=True)
def _col2im_full_width(cols, x_pad, kH, kW, dH, dW, oH, parallel):
    planes = x_pad.shape[0] * x_pad.shape[1]
    if parallel:
        for nc in prange(planes):
            _col2im_full_width_plane(cols, x_pad, kH, kW, dH, dW, oH, nc)
    else:
        for nc in range(planes):
            _col2im_full_width_plane(cols, x_pad, kH, kW, dH, dW, oH, nc)


def _check_full_width(op: str, pad_shape, cols_shape, kernel: tuple[int, int], dilation: tuple[int, int],
                      out_height: int) -> None:
    """Rows of oH*Wp columns, and oH no more than the padded height leaves for the kernel."""
    check_window(op, kernel, (1, 1), (0, 0), dilation)
    _check_columns(op, pad_shape, cols_shape, kernel, out_height * pad_shape[3])
    check_at_most(op, "out_height", (out_height,), (pad_shape[2] - dilation[0] * (kernel[0] - 1),))


def im2col_full_width_into(x_pad: np.ndarray, cols: np.ndarray, kernel: tuple[int, int],
                           dilation: tuple[int, int], out_height: int) -> None:
    """Stride-1 im2col of an already padded ``x_pad`` (B, C, Hp, Wp) over the full width.

    Math: ``cols[(c*kH + i)*kW + j, n, oh*Wp + w] = x_pad[n, c, oh + i*dH, w + j*dW]`` (read
    as the flat plane, so w + j*dW >= Wp wraps to the next row: columns w >= oW are junk).
    Loop nest: ``for n*c (prange if big) / for i, j / one contiguous copy of oH*Wp``.
    Cost: no flops; writes B*C*kH*kW*oH*Wp elements, in B*C*kH*kW contiguous runs.
    """
    _check_full_width("im2col_full_width", x_pad.shape, cols.shape, kernel, dilation, out_height)
    _im2col_full_width(x_pad, cols, kernel[0], kernel[1], dilation[0], dilation[1], out_height,
                       in_parallel(cols.size))


def col2im_full_width_into(cols: np.ndarray, x_pad: np.ndarray, kernel: tuple[int, int],
                           dilation: tuple[int, int], out_height: int) -> None:
    """Overwrite ``x_pad`` (B, C, Hp, Wp) with the adjoint of ``im2col_full_width_into``.

    Columns w >= oW must hold zeros (they came from zero output gradients), because they add
    into the wrapped-around positions. Loop nest: ``for n*c (prange if big) / zero the plane /
    for i, j / one contiguous run of oH*Wp additions``; each (n, c) owns its plane.
    """
    _check_full_width("col2im_full_width", x_pad.shape, cols.shape, kernel, dilation, out_height)
    _col2im_full_width(cols, x_pad, kernel[0], kernel[1], dilation[0], dilation[1], out_height,
                       in_parallel(cols.size))


# ---------------------------------------------------------------------------------------------
# Channels-last columns, for convolutions with many channels on small images.
#
# With x padded and stored channels last, x_pad (B, Hp, Wp, C), the C inputs that one kernel tap
# (i, j) reads at one output position are one contiguous run of C numbers, at any stride and
# dilation. So the columns, stored one output position per row, cols (B*oH*oW, kH*kW*C), are
# built from kH*kW copies of C numbers per row: runs of 64-512 numbers in the deep nets, against
# the oW-long runs (4-32) of the channels-first kernels above.


@njit(cache=True)
def _im2col_nhwc_sample(x_pad, cols, kH, kW, sH, sW, dH, dW, oH, oW, n):
    C = x_pad.shape[3]
    for oh in range(oH):
        for ow in range(oW):
            row = cols[(n * oH + oh) * oW + ow]
            for i in range(kH):
                line = x_pad[n, oh * sH + i * dH]
                for j in range(kW):
                    _copy(row[(i * kW + j) * C:], line[ow * sW + j * dW], C)


@njit(cache=True, parallel=True)
def _im2col_nhwc(x_pad, cols, kH, kW, sH, sW, dH, dW, oH, oW, parallel):
    if parallel:
        for n in prange(x_pad.shape[0]):
            _im2col_nhwc_sample(x_pad, cols, kH, kW, sH, sW, dH, dW, oH, oW, n)
    else:
        for n in range(x_pad.shape[0]):
            _im2col_nhwc_sample(x_pad, cols, kH, kW, sH, sW, dH, dW, oH, oW, n)


@njit(cache=True)
def _col2im_nhwc_sample(cols, x_pad, kH, kW, sH, sW, dH, dW, oH, oW, n):
    C = x_pad.shape[3]
    sample = x_pad[n]
    for h in range(sample.shape[0]):
        for w in range(sample.shape[1]):
            _zero(sample[h, w], 0, C)
    for oh in range(oH):
        for ow in range(oW):
            row = cols[(n * oH + oh) * oW + ow]
            for i in range(kH):
                line = sample[oh * sH + i * dH]
                for j in range(kW):
                    _add_into(line[ow * sW + j * dW], row[(i * kW + j) * C:], C)


@njit(cache=True, parallel=True)
def _col2im_nhwc(cols, x_pad, kH, kW, sH, sW, dH, dW, oH, oW, parallel):
    if parallel:
        for n in prange(x_pad.shape[0]):
            _col2im_nhwc_sample(cols, x_pad, kH, kW, sH, sW, dH, dW, oH, oW, n)
    else:
        for n in range(x_pad.shape[0]):
            _col2im_nhwc_sample(cols, x_pad, kH, kW, sH, sW, dH, dW, oH, oW, n)


def _check_nhwc(op: str, pad_shape, cols_shape, kernel, output_size, stride, dilation) -> None:
    """cols (B*oH*oW, kH*kW*C) for x_pad (B, Hp, Wp, C), C-contiguous, and every read in x_pad."""
    check_shape(op, "x_pad", pad_shape, (None,) * 4)
    B, Hp, Wp, C = pad_shape
    (kH, kW), (oH, oW) = kernel, output_size
    check_window(op, kernel, stride, (0, 0), dilation)
    check_shape(op, "cols", cols_shape, (B * oH * oW, kH * kW * C))
    check_at_most(op, "the last row and column read", ((oH - 1) * stride[0] + (kH - 1) * dilation[0],
                  (oW - 1) * stride[1] + (kW - 1) * dilation[1]), (Hp - 1, Wp - 1))


def im2col_nhwc_into(x_pad: np.ndarray, cols: np.ndarray, kernel: tuple[int, int],
                     output_size: tuple[int, int], stride: tuple[int, int],
                     dilation: tuple[int, int]) -> None:
    """im2col of a padded, channels-last ``x_pad`` (B, Hp, Wp, C) into ``cols`` (B*oH*oW, kH*kW*C).

    Math: ``cols[(n*oH + oh)*oW + ow, (i*kW + j)*C + c] = x_pad[n, oh*sH + i*dH, ow*sW + j*dW, c]``.
    Loop nest: ``for n (prange if big) / for oh, ow / for i, j / one contiguous copy of C``; each
    sample writes its own rows. Cost: no flops; writes B*oH*oW*kH*kW*C elements in runs of C.
    """
    _check_nhwc("im2col_nhwc", x_pad.shape, cols.shape, kernel, output_size, stride, dilation)
    if not (x_pad.flags.c_contiguous and cols.flags.c_contiguous):
        raise ValueError("im2col_nhwc_into reads and writes C-contiguous arrays")
    _im2col_nhwc(x_pad, cols, kernel[0], kernel[1], stride[0], stride[1], dilation[0], dilation[1],
                 output_size[0], output_size[1], in_parallel(cols.size))


def col2im_nhwc_into(cols: np.ndarray, x_pad: np.ndarray, kernel: tuple[int, int],
                     output_size: tuple[int, int], stride: tuple[int, int],
                     dilation: tuple[int, int]) -> None:
    """Overwrite ``x_pad`` (B, Hp, Wp, C) with the adjoint of ``im2col_nhwc_into``: zeroed, then
    every row's kH*kW runs of C added back where they were read. Loop nest: ``for n (prange if
    big) / zero the sample / for oh, ow / for i, j / C additions``; each n owns x_pad[n]."""
    _check_nhwc("col2im_nhwc", x_pad.shape, cols.shape, kernel, output_size, stride, dilation)
    if not (x_pad.flags.c_contiguous and cols.flags.c_contiguous):
        raise ValueError("col2im_nhwc_into reads and writes C-contiguous arrays")
    _col2im_nhwc(cols, x_pad, kernel[0], kernel[1], stride[0], stride[1], dilation[0], dilation[1],
                 output_size[0], output_size[1], in_parallel(cols.size))
