"""Passes over activations around the convolutions' GEMMs, as parallel loops.

A convolution's GEMM wants its operands in another order than NCHW: the batch and channel axes
swapped, ``(N, C, L) -> (C, N, L)`` (one GEMM over the whole batch, ``W @ X`` with X of shape
(C_in, N*L): kernels/conv.py's channels-first columns, the 1x1 convolutions of
kernels/conv_small.py on small maps, the weight gradients' ``gy`` as (C_out, N*L)), or channels
last, ``(N, C, H, W) -> (N, H, W, C)`` (kernels/im2col.py's channels-last columns, the per-tap
GEMMs), zero-padded on the way; and the result back, cropped, plus the bias. As NumPy expressions
(``np.ascontiguousarray(x.transpose(1, 0, 2, 3))``, ``y[...] = Y.transpose(0, 3, 1, 2)``,
``y += b``) these passes run on one thread while the GEMMs between them run on all of them
(docs/performance-notes.md, "2026-12-07: layout copies on the threads"). Here each is a loop over
planes or rows that writes its own part of the result, a ``prange`` from ``in_parallel(2 *
size)`` on (every element read once and written once), with the same result either way: copies,
and the additions of a bias or of a tap's product, each number written by one iteration.

Speed on one thread: NumPy's copy loop writes in order and reads at a constant stride; so do these,
on flat arrays with unsigned offsets (numba tests every signed index for wrap-around: with 4-d
signed indices the same transposes took 1.3-1.8x NumPy's time), and they take 0.8-1.0x NumPy's
time on the gallery's activations, planes of 2x2 and 3x3 excepted (1.4x, 0.06-0.11 ms).

Every entry checks ranks, shapes and dtypes (kernels/checks.py) before its loop runs.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .checks import check_shape
from .gemm_tile import _address, _transpose8
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
    """A 4-d (A, B, H, W) array as an (A, B, H*W) view, or None where H and W do not merge (a
    reshape is a view exactly when they do)."""
    A, B, H, W = a.shape
    if H == 1 or W == 1 or a.strides[2] == a.strides[3] * W:
        return a.reshape(A, B, H * W)
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


# ---------------------------------------------------------------------------------------------
# NCHW <-> channels last, (N, C, H, W) <-> (N, H, W, C), with a zero border or a crop on the way.
#
# Both loops index flat, C-contiguous arrays with unsigned offsets, each innermost loop writing
# consecutive numbers and reading with a constant stride, which is NumPy's own copy loop: with
# signed 4-d indices (a wrap-around test per access) the same loops took 1.3-1.8x NumPy's time on
# one thread, with unsigned flat ones 0.8-0.95x ((64, 96..480, 4..15, 4..15) float32,
# channels last to NCHW: 0.50 against 0.62 ms for (64, 256, 8, 8)).


@njit(cache=True, inline="always")
def _nhwc_row(x, out, C, H, W, Hp, Wp, pT, pL, r):
    """Row r = n * Hp + hp of the padded channels-last out (Wp * C numbers)."""
    r = np.uint64(r)
    n, hp = r // Hp, r % Hp
    o = r * Wp * C
    if hp < pT or hp >= pT + H:
        for k in range(Wp * C):
            out[o + k] = 0
        return
    for k in range(pL * C):
        out[o + k] = 0
    for k in range((pL + W) * C, Wp * C):
        out[o + k] = 0
    src = (n * C * H + (hp - pT)) * W  # x[n, 0, h, 0]
    plane = H * W
    for w in range(W):
        dst = o + (pL + w) * C
        for c in range(C):
            out[dst + c] = x[src + c * plane + w]


@njit(cache=True, parallel=True)
def _to_nhwc(x, out, N, C, H, W, pT, pB, pL, pR, parallel):
    N, C, H, W = np.uint64(N), np.uint64(C), np.uint64(H), np.uint64(W)
    pT, pL = np.uint64(pT), np.uint64(pL)
    Hp, Wp = H + pT + np.uint64(pB), W + pL + np.uint64(pR)
    if parallel:
        for r in prange(N * Hp):
            _nhwc_row(x, out, C, H, W, Hp, Wp, pT, pL, r)
    else:
        for r in range(N * Hp):
            _nhwc_row(x, out, C, H, W, Hp, Wp, pT, pL, r)


def nchw_to_nhwc(x: np.ndarray, padding=((0, 0), (0, 0)), dtype=None) -> np.ndarray:
    """x (N, C, H, W) -> zero-padded, channels last, C-contiguous (N, pT+H+pB, pL+W+pR, C):
    ``out[n, pT + h, pL + w, c] = x[n, c, h, w]``, zero in the border
    (``np.pad(x, ...).transpose(0, 2, 3, 1)`` made contiguous).

    Loop nest: ``for n*Hp + hp (prange if big) / for w / for c``, the border rows and columns
    zeroed in the same pass: each iteration writes one row of ``out`` in order, reading x with
    a stride of H*W. Cost: N*C*Hp*Wp writes, N*C*H*W reads. A non-contiguous x is made
    contiguous first, and a dtype conversion is NumPy's copy (both on one thread).
    """
    check_shape("nchw_to_nhwc", "input", x.shape, (None,) * 4)
    (pT, pB), (pL, pR) = padding
    if min(pT, pB, pL, pR) < 0:
        raise RuntimeError(f"nchw_to_nhwc: padding should be non-negative, but got {tuple(padding)}")
    N, C, H, W = x.shape
    dtype = np.dtype(x.dtype if dtype is None else dtype)
    out = np.empty((N, H + pT + pB, W + pL + pR, C), dtype=dtype)
    if out.size == 0:
        return out
    x = np.ascontiguousarray(x, dtype=dtype)
    _to_nhwc(x.reshape(-1), out.reshape(-1), N, C, H, W, pT, pB, pL, pR, in_parallel(2 * out.size))
    return out


# Without a crop, C and H*W multiples of 8: 8x8 blocks (8 positions x 8 channels), each read as
# 8 runs of 8 and transposed in registers (the GEMM's packing, kernels/gemm_tile.py's ``_transpose8``)
# instead of one number at a time with a stride of C.
TRANSPOSE8_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


@njit(cache=True, inline="always")
def _nchw_plane(src, out, bias, has_bias, C, H, W, Hs, Ws, top, left, p):
    """Plane p = n * C + c of out: out[n, c] = src[n, top:top + H, left:left + W, c] (+ b[c])."""
    p = np.uint64(p)
    n, c = p // C, p % C
    o = p * H * W
    for h in range(H):
        s = ((n * Hs + top + h) * Ws + left) * C + c
        d = o + h * W
        if has_bias:
            b = bias[c]
            for w in range(W):
                out[d + w] = src[s + w * C] + b
        else:
            for w in range(W):
                out[d + w] = src[s + w * C]


@njit(cache=True, parallel=True)
def _to_nchw(src, out, bias, has_bias, N, C, H, W, Hs, Ws, top, left, parallel):
    N, C, H, W = np.uint64(N), np.uint64(C), np.uint64(H), np.uint64(W)
    Hs, Ws, top, left = np.uint64(Hs), np.uint64(Ws), np.uint64(top), np.uint64(left)
    if parallel:
        for p in prange(N * C):
            _nchw_plane(src, out, bias, has_bias, C, H, W, Hs, Ws, top, left, p)
    else:
        for p in range(N * C):
            _nchw_plane(src, out, bias, has_bias, C, H, W, Hs, Ws, top, left, p)


@njit(cache=True, inline="always")
def _nchw_planes8(src, out, bias, has_bias, C, L, q):
    """Planes n*C + c0 .. + 8 of out, q = n * (C // 8) + c0 // 8, from an uncropped src (N, L,
    C): 8 positions x 8 channels at a time, each block transposed in registers (kernels/gemm_tile.py's
    ``_transpose8``), then the 8 planes' bias added while they are in cache."""
    q = np.uint64(q)
    blocks = C // np.uint64(8)
    n, c0 = q // blocks, (q % blocks) * np.uint64(8)
    first = (n * C + c0) * L
    for t in range(L // np.uint64(8)):
        l0 = np.uint64(t) * np.uint64(8)
        _transpose8(_address(src, (n * L + l0) * C + c0), np.int64(C), _address(out, first + l0), np.int64(L))
    if has_bias:
        for c in range(8):
            start = first + np.uint64(c) * L
            b = bias[c0 + np.uint64(c)]
            for k in range(L):
                out[start + k] += b


@njit(cache=True, parallel=True)
def _to_nchw8(src, out, bias, has_bias, N, C, L, parallel):
    N, C, L = np.uint64(N), np.uint64(C), np.uint64(L)
    if parallel:
        for q in prange(N * (C // np.uint64(8))):
            _nchw_planes8(src, out, bias, has_bias, C, L, q)
    else:
        for q in range(N * (C // np.uint64(8))):
            _nchw_planes8(src, out, bias, has_bias, C, L, q)


def nhwc_to_nchw(src: np.ndarray, out: np.ndarray, top: int = 0, left: int = 0,
                 bias: np.ndarray | None = None) -> np.ndarray:
    """Channels last back to NCHW, cropped, plus a per-channel bias: for out (N, C, H, W) and
    src (N, Hs, Ws, C), ``out[n, c, h, w] = src[n, top + h, left + w, c] (+ b[c])``
    (``out[...] = src[:, top:top+H, left:left+W].transpose(0, 3, 1, 2) + b[:, None, None]``).

    Loop nest: ``for n*C + c (prange if big) / for h / for w`` (without a crop ``for h*W + w``):
    each iteration writes one plane of ``out`` in order, reading src with a stride of C. Without
    a crop, C and H*W multiples of 8 (float32, float64): ``for n*C/8 + c/8 (prange if big) / for
    8 positions: one 8x8 block transposed in registers / the 8 planes' bias``, 0.43-0.75x the
    plane loop's time ((64, 8, 8, 160) 0.33 -> 0.25 ms, (64, 4, 4, 192) 0.08 -> 0.04, with a
    bias (64, 8, 8, 32) 0.045 -> 0.027; 1 thread, medians of 41 alternating, load 8.7). Cost:
    N*C*H*W copies (and additions). Where ``out`` or ``src`` is not C-contiguous, the dtypes
    differ or a plane has fewer than SWAP_MIN_PLANE numbers: NumPy's copy, on one thread.
    """
    check_shape("nhwc_to_nchw", "out", out.shape, (None,) * 4)
    N, C, H, W = out.shape
    check_shape("nhwc_to_nchw", "input", src.shape, (N, None, None, C))
    Hs, Ws = src.shape[1], src.shape[2]
    if top < 0 or left < 0 or top + H > Hs or left + W > Ws:
        raise RuntimeError(f"nhwc_to_nchw: the crop at ({top}, {left}) of size ({H}, {W}) does not fit "
                           f"the input's ({Hs}, {Ws})")
    if bias is not None:
        check_shape("nhwc_to_nchw", "bias", bias.shape, (C,))
    if (src.dtype != out.dtype or (bias is not None and bias.dtype != out.dtype) or H * W < SWAP_MIN_PLANE
            or not (src.flags.c_contiguous and out.flags.c_contiguous)):
        view = src[:, top:top + H, left:left + W].transpose(0, 3, 1, 2)
        if bias is None:
            out[...] = view
        else:
            np.add(view, bias.reshape(-1, 1, 1), out=out)
        return out
    has_bias = bias is not None
    if (Hs, Ws) == (H, W) and C % 8 == 0 and H * W % 8 == 0 and out.dtype in TRANSPOSE8_DTYPES:
        _to_nchw8(src.reshape(-1), out.reshape(-1), bias if has_bias else np.empty(0, out.dtype), has_bias,
                  N, C, H * W, in_parallel(2 * out.size))
        return out
    if (Hs, Ws) == (H, W):  # no crop: each plane is one run of H*W, read as a row of (1, H*W)
        H, W, Hs, Ws = 1, H * W, 1, H * W
    _to_nchw(src.reshape(-1), out.reshape(-1), bias if has_bias else np.empty(0, out.dtype), has_bias,
             N, C, H, W, Hs, Ws, top, left, in_parallel(2 * out.size))
    return out


# ---------------------------------------------------------------------------------------------
# The input gradient as the forward convolution of gy (kernels/conv_input_grad.py's
# ``_input_grad_as_forward``) runs with the kernel flipped and its channel axes swapped,
# channels last: one pass from w.


# Output channels at a time in the flip's inner loop: their T numbers each are read together,
# then written as T runs (measured against one output channel at a time: 0.67-0.74x its time,
# (320, 160, 3, 3) and (192, 128, 3, 3) float32, 1 thread).
FLIP_BLOCK = 16


@njit(cache=True, inline="always")
def _flipped_plane(w, out, C_out, C_in, T, ci):
    """out[ci, T-1-t, co] = w[co, ci, t] for every co, t: input channel ci's rows of W', FLIP_BLOCK
    output channels at a time."""
    ci = np.uint64(ci)
    last = T - np.uint64(1)
    block = np.uint64(FLIP_BLOCK)
    for co0 in range(0, C_out, block):
        hi = min(C_out, np.uint64(co0) + block)
        for t in range(T):
            dst = (ci * T + last - np.uint64(t)) * C_out
            for co in range(co0, hi):
                out[dst + np.uint64(co)] = w[(np.uint64(co) * C_in + ci) * T + np.uint64(t)]


@njit(cache=True, parallel=True)
def _flipped_rows(w, out, C_out, C_in, T, parallel):
    C_out, C_in, T = np.uint64(C_out), np.uint64(C_in), np.uint64(T)
    if parallel:
        for ci in prange(C_in):
            _flipped_plane(w, out, C_out, C_in, T, ci)
    else:
        for ci in range(C_in):
            _flipped_plane(w, out, C_out, C_in, T, ci)


def flipped_weight_rows(w: np.ndarray, dtype=None) -> np.ndarray:
    """W' of the flipped, transposed kernel: for w (C_out, C_in, kH, kW) the C-contiguous
    (C_in, kH*kW*C_out) matrix ``out[ci, (i, j, co)] = w[co, ci, kH-1-i, kW-1-j]``, (i, j, co)
    order: kernels/conv.py's ``_nhwc_weight`` of ``w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)``.

    Loop nest: ``for ci (prange if big) / for FLIP_BLOCK output channels / for t / for co``:
    each iteration writes its own kH*kW*C_out numbers (in cache). One pass where NumPy's flip
    and the channels-last copy were two (about half their time: docs/performance-notes.md,
    "(s13): small maps"). A
    non-contiguous w or a dtype conversion is made contiguous first (NumPy's copy).
    """
    check_shape("flipped_weight_rows", "weight", w.shape, (None,) * 4)
    C_out, C_in, kH, kW = w.shape
    dtype = np.dtype(w.dtype if dtype is None else dtype)
    out = np.empty((C_in, kH * kW * C_out), dtype=dtype)
    if out.size == 0:
        return out
    w = np.ascontiguousarray(w, dtype=dtype)
    _flipped_rows(w.reshape(-1), out.reshape(-1), C_out, C_in, kH * kW, in_parallel(2 * out.size))
    return out


# ---------------------------------------------------------------------------------------------
# A tap's product added into its rectangle of a channels-last output (kernels/conv_small.py's
# one GEMM per tap): ``out[...] += src`` on a strided 4-d view whose last axis is contiguous.


@njit(cache=True, inline="always")
def _add_row(src, out, r):
    """Row r = a * B + b: out[a, b] += src[a, b], with unsigned indices (no wrap-around test)."""
    r = np.uint64(r)
    a, b = r // np.uint64(out.shape[1]), r % np.uint64(out.shape[1])
    for k in range(np.uint64(out.shape[2])):
        for c in range(np.uint64(out.shape[3])):
            out[a, b, k, c] += src[a, b, k, c]


@njit(cache=True, parallel=True)
def _add_rows(src, out, parallel):
    rows = out.shape[0] * out.shape[1]
    if parallel:
        for r in prange(rows):
            _add_row(src, out, r)
    else:
        for r in range(rows):
            _add_row(src, out, r)


def add_rows(src: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out += src`` for 4-d arrays of the same shape and dtype, any strides (``out`` a view into
    a larger array: a tap's output rectangle, not overlapping ``src``).

    Loop nest: ``for a*B + b (prange if big) / for k / for c``: each iteration owns one
    out[a, b] block, so no two threads write the same number. Cost: out.size additions; on one
    thread as fast as NumPy's ``+=`` ((64, 2, 2, 256) float32 in (64, 3, 3, 256): 0.025 ms).
    """
    check_shape("add_rows", "input", src.shape, (None,) * 4)
    check_shape("add_rows", "out", out.shape, src.shape)
    if out.dtype != src.dtype:
        raise RuntimeError(f"add_rows: expected out of dtype {src.dtype}, but got {out.dtype}")
    if out.size:
        _add_rows(src, out, in_parallel(3 * out.size))
    return out


# ---------------------------------------------------------------------------------------------
# A convolution's bias added in place to its NCHW output, where the GEMM wrote y directly.


@njit(cache=True, parallel=True)
def _add_bias(y, bias, parallel):
    N, C, L = y.shape
    if parallel:
        for p in prange(N * C):
            b = bias[p % C]
            for l in range(L):
                y[p // C, p % C, l] += b
    else:
        for p in range(N * C):
            b = bias[p % C]
            for l in range(L):
                y[p // C, p % C, l] += b


def add_channel_bias(y: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """``y += bias[None, :, None, None]`` in place, for a C-contiguous y (N, C, H, W) and a bias
    of y's dtype (NumPy's ``+=`` otherwise, which rounds each sum once from the wider type).

    Loop nest: ``for n*C + c (prange if big) / for h*W + w``: each iteration owns one plane.
    Cost: y.size additions, one pass over y.
    """
    check_shape("add_channel_bias", "input", y.shape, (None,) * 4)
    check_shape("add_channel_bias", "bias", bias.shape, (y.shape[1],))
    if not y.flags.c_contiguous or y.size == 0 or bias.dtype != y.dtype:
        y += bias.reshape(1, -1, 1, 1)
        return y
    N, C, H, W = y.shape
    _add_bias(y.reshape(N, C, H * W), np.ascontiguousarray(bias), in_parallel(2 * y.size))
    return y
