"""Batch normalisation (torch.nn.functional.batch_norm, PyTorch's native_batch_norm) in two kernels.

The input is viewed as ``x[n, c, k]`` (N, C, everything else flattened). Per channel ``c``, over
the M = N*K values of that channel:

    forward   mean = sum(x) / M,  var = sum((x - mean)^2) / M      (biased; two passes)
              y = x * alpha + beta,  alpha = invstd * w,  beta = b - mean * alpha
    backward  sum_g = sum(g),  dotp = sum((x - mean) * g)
              gx = (g - sum_g / M - (x - mean) * dotp * invstd^2 / M) * invstd * w   (training)
              gx = g * invstd * w                                                      (evaluation)
              gw = dotp * invstd,  gb = sum_g

These are PyTorch's CPU formulas (aten/src/ATen/native/batch_norm.cpp,
native/cpu/batch_norm_kernel.cpp). The forward's statistics are accumulated in float64 for a
float32 input, as PyTorch's ``acc_type`` is. The backward's sums on per-channel maps add each
run x[n, c, :] in the input's dtype (full-width float32 vectors, twice as many lanes as float64)
and the N runs' sums in float64, as PyTorch's contiguous backward does (``vec::reduce_all`` in
``scalar_t`` per run, ``acc_type`` across runs); on the small maps they stay in float64 per position. The elementwise steps run in the input's dtype. Composed from
NumPy ops, the same computation was about ten passes over the activation (3.7x PyTorch's time on
a (64, 64, 28, 28) forward + backward); here it is three passes forward and two backward.

Loop nest: channels outside (``prange`` if big, kernels/threading.py), then n, then the
contiguous k. Each direction is one parallel region: a channel's forward runs its statistics,
its coefficients (and running-statistics update) and its y in one iteration, while its x is in
cache; the backward's iteration runs both sums, then gx. The sums are reassociated (``fastmath={"reassoc"}``) so that LLVM can
vectorise them; no other fast-math flag is set, so NaN and inf propagate as in PyTorch.
Small maps (fewer than SMALL_MAP = 64 positions per channel) go in blocks of channels instead,
below: blocks outside (``prange`` if big), then n, then the block's contiguous run of channels
times positions. Measurements: docs/performance-notes.md ("the second core, op by op" and the
s15 batch-norm section; ``benchmarks/bench_batch_norm.py``).
"""

import math

import numpy as np
from numba import njit, prange

from .checks import check_shape
from .threading import in_parallel


@njit(cache=True, fastmath={"reassoc"}, error_model="numpy")
def _channel_stats(x, c, mean, var):
    n_, _, k_ = x.shape
    s = 0.0
    for n in range(n_):
        for k in range(k_):
            s += x[n, c, k]
    m = s / (n_ * k_)
    q = 0.0
    for n in range(n_):
        for k in range(k_):
            d = x[n, c, k] - m
            q += d * d
    mean[c] = m
    var[c] = q / (n_ * k_)


@njit(cache=True, error_model="numpy")
def _channel_affine(x, c, alpha, beta, y):
    n_, _, k_ = x.shape
    a, b = alpha[c], beta[c]
    for n in range(n_):
        for k in range(k_):
            y[n, c, k] = x[n, c, k] * a + b


@njit(cache=True, fastmath={"reassoc"}, error_model="numpy")
def _channel_backward(g, x, c, mean, invstd, weight, training, sums, dotps, gx):
    n_, _, k_ = x.shape
    m = mean[c]
    mx = gx.dtype.type(m)
    zero = x.dtype.type(0)
    s = 0.0
    p = 0.0
    for n in range(n_):
        # each run of K numbers summed in the input's dtype (full-width vectors), the runs' sums
        # in float64: PyTorch's order (batch_norm_cpu_backward_contiguous_impl)
        gr, xr = g[n, c], x[n, c]
        rs, rp = zero, zero
        for k in range(k_):
            gv = gr[k]
            rs += gv
            rp += (xr[k] - mx) * gv
        s += rs
        p += rp
    sums[c], dotps[c] = s, p
    if gx.size == 0:
        return
    scale = gx.dtype.type(invstd[c] * weight[c])
    if not training:
        for n in range(n_):
            for k in range(k_):
                gx[n, c, k] = g[n, c, k] * scale
        return
    count = n_ * k_
    proj = gx.dtype.type(p * invstd[c] * invstd[c] / count)
    gmean = gx.dtype.type(s / count)
    for n in range(n_):
        for k in range(k_):
            gx[n, c, k] = (g[n, c, k] - gmean - (x[n, c, k] - mx) * proj) * scale


# Small maps (K < SMALL_MAP positions per channel: the deep nets' last stages, 4x4 down to 1x1).
# A loop over k of length 1-16 per (n, c) neither vectorises nor reads memory in order (a channel's
# values lie C*K apart), so there the channels go in blocks: for each block [c0, c1) the n-th
# run x[n, c0:c1, :] is one contiguous stretch of L = (c1 - c0) * K numbers, added into a float64
# accumulator per (c, k) position (acc[j] += x[n, c0*K + j], one vectorised loop), and each
# channel's sum is then its K accumulators added in order of k. The elementwise steps read their
# per-channel coefficients repeated per position (a[j] = alpha[c0 + j // K]), so they are one
# vectorised loop per run too. Every channel's sum is computed in the same order whichever block
# holds it and whichever thread runs that block: the same bits at any thread count and any split.
SMALL_MAP = 64  # positions per channel below which the blocked loops run (8x8 maps and up: per channel)
BLOCK_RUN = 4096  # numbers per block's run at most (a float64 accumulator of 32 KB, L1-sized)
MIN_BLOCKS = 8  # blocks wanted at least, channels permitting, so that threads have several to share
SERIAL_RUN = 1024  # numbers per run at most on one thread: the backward's two accumulators and four
# coefficient vectors of a run then stay in L1 (a run of 4096, (64, 480, 4, 4) in 2 blocks, was 1.2x slower)


def channel_blocks(C: int, K: int, parallel: bool = True) -> int:
    """Channels per block of the small-map loops: at most BLOCK_RUN numbers per run and, for the
    threads (``parallel``), at least MIN_BLOCKS blocks where there are channels enough. On one
    thread the blocks are as long as SERIAL_RUN allows: each block costs its own accumulators and
    coefficient vectors, and a run of (C / 8) * K numbers (15 for BatchNorm1d(120)) is too short to
    vectorise; a (64, 120) forward + backward took ~2x PyTorch's time in 8 blocks."""
    if not parallel:
        return max(1, min(C, SERIAL_RUN // K))
    return max(1, min(-(-C // MIN_BLOCKS), BLOCK_RUN // K))


@njit(cache=True, inline="always")
def _repeat(v, c0, c1, K):
    """(v[c0], ..., v[c0] (K times), v[c0 + 1], ...): a per-channel vector read per position."""
    out = np.empty((c1 - c0) * K, dtype=v.dtype)
    for j in range(out.size):
        out[j] = v[c0 + j // K]
    return out


@njit(cache=True, inline="always")
def _per_channel(acc, sums, c0, c1, K):
    """sums[c] = the K accumulators of channel c added in order of k."""
    for c in range(c0, c1):
        s = 0.0
        for k in range((c - c0) * K, (c - c0 + 1) * K):
            s += acc[k]
        sums[c] = s


@njit(cache=True, error_model="numpy")
def _block_stats(x2, c0, c1, K, mean, var):
    """mean and biased var of channels c0..c1 of x2 = x viewed (N, C*K): two passes."""
    N = x2.shape[0]
    lo, L = c0 * K, (c1 - c0) * K
    acc = np.zeros(L)
    for n in range(N):
        run = x2[n, lo:lo + L]  # indexed from 0: the loop vectorises
        for j in range(L):
            acc[j] += run[j]
    _per_channel(acc, mean, c0, c1, K)
    for c in range(c0, c1):
        mean[c] /= N * K
    m = _repeat(mean, c0, c1, K)
    acc[:] = 0.0
    for n in range(N):
        run = x2[n, lo:lo + L]
        for j in range(L):
            d = run[j] - m[j]
            acc[j] += d * d
    _per_channel(acc, var, c0, c1, K)
    for c in range(c0, c1):
        var[c] /= N * K


@njit(cache=True, error_model="numpy")
def _block_affine(x2, c0, c1, K, alpha, beta, y2):
    """y = x * alpha[c] + beta[c] for channels c0..c1 of x2 viewed (N, C*K)."""
    lo, L = c0 * K, (c1 - c0) * K
    a, b = _repeat(alpha, c0, c1, K), _repeat(beta, c0, c1, K)
    for n in range(x2.shape[0]):
        run, out = x2[n, lo:lo + L], y2[n, lo:lo + L]
        for j in range(L):
            out[j] = run[j] * a[j] + b[j]


@njit(cache=True, error_model="numpy")
def _block_backward(g2, x2, c0, c1, K, mean, invstd, weight, training, sums, dotps, gx2):
    """_channel_backward for channels c0..c1, all viewed (N, C*K)."""
    N = x2.shape[0]
    lo, L = c0 * K, (c1 - c0) * K
    m = _repeat(mean, c0, c1, K)
    acc_s, acc_p = np.zeros(L), np.zeros(L)
    for n in range(N):
        gr, xr = g2[n, lo:lo + L], x2[n, lo:lo + L]
        for j in range(L):
            gv = gr[j]
            acc_s[j] += gv
            acc_p[j] += (xr[j] - m[j]) * gv
    _per_channel(acc_s, sums, c0, c1, K)
    _per_channel(acc_p, dotps, c0, c1, K)
    if gx2.size == 0:
        return
    # the coefficients in gx's dtype, as _channel_backward rounds them, then repeated per position
    coef = np.empty((4, c1 - c0), dtype=gx2.dtype)
    for c in range(c0, c1):
        coef[0, c - c0] = invstd[c] * weight[c]
        coef[1, c - c0] = sums[c] / (N * K)
        coef[2, c - c0] = dotps[c] * invstd[c] * invstd[c] / (N * K)
        coef[3, c - c0] = mean[c]
    scale, gmean = _repeat(coef[0], 0, c1 - c0, K), _repeat(coef[1], 0, c1 - c0, K)
    proj, mx = _repeat(coef[2], 0, c1 - c0, K), _repeat(coef[3], 0, c1 - c0, K)
    for n in range(N):
        gr, xr, out = g2[n, lo:lo + L], x2[n, lo:lo + L], gx2[n, lo:lo + L]
        if training:
            for j in range(L):
                out[j] = (gr[j] - gmean[j] - (xr[j] - mx[j]) * proj[j]) * scale[j]
        else:
            for j in range(L):
                out[j] = gr[j] * scale[j]


# Each entry loops over the channels (K >= SMALL_MAP) or over channel blocks of ``cb`` channels
# (``cb`` > 0: the small maps), ``prange`` when ``parallel`` (kernels/threading.py), as pool.py
# writes its plane loops. x arrives as (N, C, K); the blocked loops view it as (N, C*K).
@njit(cache=True, error_model="numpy")
def _forward_unit(x, x2, y, y2, u, cb, training, momentum, eps, n, weight, bias, running_mean, running_var,
                  mean, var, alpha, beta, mean_out, invstd_out):
    """One channel (``cb`` = 0) or one block of ``cb`` channels, start to end: the statistics
    (training), the coefficients and the running statistics' update, then y. The unit's x is
    still in cache for the last pass: one parallel region instead of three."""
    C, K = x.shape[1], x.shape[2]
    c0 = np.int64(u) * cb if cb else np.int64(u)  # prange's index may be unsigned (unsigned * signed: a float)
    c1 = min(C, c0 + cb) if cb else c0 + 1
    if training:
        if cb:
            _block_stats(x2, c0, c1, K, mean, var)
        else:
            _channel_stats(x, c0, mean, var)
    _coefficients(mean, var, training, momentum, eps, n, weight, bias, running_mean, running_var,
                  alpha, beta, mean_out, invstd_out, c0, c1)
    if cb:
        _block_affine(x2, c0, c1, K, alpha, beta, y2)
    else:
        _channel_affine(x, c0, alpha, beta, y)


@njit(cache=True, parallel=True)
def _forward(x, y, cb, parallel, training, momentum, eps, n, weight, bias, running_mean, running_var,
             mean, var, alpha, beta, mean_out, invstd_out):
    C, K = x.shape[1], x.shape[2]
    x2, y2 = x.reshape(x.shape[0], C * K), y.reshape(y.shape[0], C * K)
    units = -(-C // cb) if cb else C
    if parallel:
        for u in prange(units):
            _forward_unit(x, x2, y, y2, u, cb, training, momentum, eps, n, weight, bias, running_mean,
                          running_var, mean, var, alpha, beta, mean_out, invstd_out)
    else:
        for u in range(units):
            _forward_unit(x, x2, y, y2, u, cb, training, momentum, eps, n, weight, bias, running_mean,
                          running_var, mean, var, alpha, beta, mean_out, invstd_out)


@njit(cache=True, parallel=True)
def _backward(g, x, mean, invstd, weight, training, sums, dotps, gx, cb, parallel):
    N, C, K = x.shape
    g2, x2 = g.reshape(N, C * K), x.reshape(N, C * K)
    gx2 = gx.reshape(gx.shape[0], gx.shape[1] * gx.shape[2])
    units = -(-C // cb) if cb else C
    if parallel:
        for u in prange(units):
            if cb:
                _block_backward(g2, x2, u * cb, min(C, (u + 1) * cb), K, mean, invstd, weight, training,
                                sums, dotps, gx2)
            else:
                _channel_backward(g, x, u, mean, invstd, weight, training, sums, dotps, gx)
    else:
        for u in range(units):
            if cb:
                _block_backward(g2, x2, u * cb, min(C, (u + 1) * cb), K, mean, invstd, weight, training,
                                sums, dotps, gx2)
            else:
                _channel_backward(g, x, u, mean, invstd, weight, training, sums, dotps, gx)


def _blocks(x3: np.ndarray, parallel: bool) -> int:
    """Channels per block for the small-map loops, 0 for the per-channel ones."""
    C, K = x3.shape[1], x3.shape[2]
    return channel_blocks(C, K, parallel) if 0 < K < SMALL_MAP and C > 0 else 0


def _as_nck(a: np.ndarray) -> np.ndarray:
    """``(N, C, *)`` as a C-contiguous ``(N, C, K)`` of float32 or float64 (others computed in float64)."""
    if a.dtype != np.float32 and a.dtype != np.float64:
        a = a.astype(np.float64)
    return np.ascontiguousarray(a).reshape(a.shape[0], a.shape[1], math.prod(a.shape[2:]))  # -1 fails when N*C == 0


@njit(cache=True, error_model="numpy")
def _coefficients(mean, var, training, momentum, eps, n, weight, bias, running_mean, running_var,
                  alpha, beta, mean_out, invstd_out, c0, c1):
    """The per-channel numbers around the passes, for channels c0..c1 (as NumPy ops on C-vectors
    they were ~20 calls of ~1 µs each). ``mean`` and ``var``
    are the batch's (float64, biased) in training, the running statistics in evaluation:
    ``invstd = 1 / sqrt(var + eps)`` in float64, ``alpha = invstd * w`` and ``beta = b - mean *
    alpha`` written in ``alpha``'s dtype (the input's), ``mean`` and ``invstd`` in ``mean_out``'s.
    Training also updates the running statistics given, in place: ``running = momentum * batch +
    (1 - momentum) * running`` with the unbiased ``var * n / (n - 1)`` (n = 1: nan or inf, as
    PyTorch). Rounded as the NumPy expressions it replaces: float64 except ``(1 - momentum) *
    running``, which NumPy computes in the running statistic's dtype (a Python float is a weak
    scalar)."""
    unbias = np.float64(n) / (n - 1)
    for c in range(c0, c1):
        m = np.float64(mean[c])
        v = np.float64(var[c])
        invstd = 1 / np.sqrt(v + eps)
        if training:
            if running_mean is not None:
                keep = running_mean.dtype.type(1 - momentum) * running_mean[c]
                running_mean[c] = momentum * m + keep
            if running_var is not None:
                keep = running_var.dtype.type(1 - momentum) * running_var[c]
                running_var[c] = momentum * (v * unbias) + keep
        a = invstd if weight is None else invstd * weight[c]
        alpha[c] = a
        beta[c] = -m * a if bias is None else bias[c] - m * a
        mean_out[c] = m
        invstd_out[c] = invstd


def _batch_norm_sums(g: np.ndarray, x: np.ndarray, mean: np.ndarray, invstd: np.ndarray,
                     weight: np.ndarray, training: bool, input_grad: bool = True):
    """``(gx, sum_g, dotp)`` of the formulas above: ``gx`` (None unless ``input_grad``) in ``x``'s
    dtype and shape, ``sum_g`` and ``dotp = sum((x - mean) * g)`` per channel in float64.
    ``mean``, ``invstd`` and ``weight`` are per-channel float64 vectors."""
    x3, g3 = _as_nck(x), _as_nck(g)
    if g3.dtype != x3.dtype:
        g3 = g3.astype(x3.dtype)
    c = x3.shape[1]
    sums, dotps = np.empty(c), np.empty(c)
    gx = np.empty(x3.shape if input_grad else (0, 0, 0), dtype=x3.dtype)
    mean = np.ascontiguousarray(mean, dtype=np.float64)
    invstd = np.ascontiguousarray(invstd, dtype=np.float64)
    weight = np.ascontiguousarray(weight, dtype=np.float64)
    parallel = in_parallel(x3.size)
    _backward(g3, x3, mean, invstd, weight, training, sums, dotps, gx, _blocks(x3, parallel), parallel)
    return (gx.reshape(x.shape).astype(x.dtype, copy=False) if input_grad else None), sums, dotps


def _check_channels(op: str, x: np.ndarray, names: tuple[str, ...], vectors: tuple) -> None:
    """Every per-channel vector given has C = x.shape[1] entries (the loops index them by channel)."""
    if x.ndim < 2:
        raise RuntimeError(f"{op}: expected an input of at least 2 dims (N, C, *), but got shape {x.shape}")
    channels = x.shape[1:2]
    for name, v in zip(names, vectors):
        if v is not None:
            check_shape(op, name, v.shape, channels)


_FORWARD_VECTORS = ("weight", "bias", "running_mean", "running_var")


def batch_norm(x, weight, bias, running_mean, running_var, training, momentum, eps):
    """PyTorch's ``native_batch_norm``: ``(y, mean, invstd)``, per-channel statistics in ``x``'s dtype.
    Training: batch statistics, and ``running <- momentum * batch + (1 - momentum) * running`` in
    place (the unbiased variance); evaluation: the running statistics."""
    _check_channels("batch_norm", x, _FORWARD_VECTORS, (weight, bias, running_mean, running_var))
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("batch_norm: running_mean and running_var must be given in evaluation mode")
    x3 = _as_nck(x)
    C = x3.shape[1]
    parallel = in_parallel(x3.size)
    cb = _blocks(x3, parallel)
    rm, rv = running_mean, running_var
    for v in (weight, bias, rm, rv):
        if v is not None and v.dtype.char not in "fd":  # a half's vectors: computed in float64
            weight, bias, rm, rv = (u if u is None or u.dtype.char in "fd" else u.astype(np.float64)
                                    for u in (weight, bias, rm, rv))
            break
    mean, var = (np.empty(C), np.empty(C)) if training else (rm, rv)
    alpha, beta = np.empty(C, dtype=x3.dtype), np.empty(C, dtype=x3.dtype)
    mean_out, invstd_out = np.empty(C, dtype=x3.dtype), np.empty(C, dtype=x3.dtype)
    y = np.empty(x3.shape, dtype=x3.dtype)
    _forward(x3, y, cb, parallel, bool(training), float(momentum), float(eps), x.size // max(C, 1), weight, bias,
             rm, rv, mean, var, alpha, beta, mean_out, invstd_out)
    for kept, computed in ((running_mean, rm), (running_var, rv)):
        if kept is not computed:
            kept[...] = computed
    return y.reshape(x.shape).astype(x.dtype, copy=False), mean_out.astype(x.dtype, copy=False), \
        invstd_out.astype(x.dtype, copy=False)


def batch_norm_backward(g, x, weight, mean, invstd, training, output_mask):
    """PyTorch's ``native_batch_norm_backward``: ``(gx, gw, gb)``, each None where ``output_mask``
    is False; ``mean`` and ``invstd`` are what ``batch_norm`` returned."""
    _check_channels("batch_norm_backward", x, ("weight", "mean", "invstd"), (weight, mean, invstd))
    if g.shape != x.shape:
        raise RuntimeError(f"batch_norm_backward: grad_output of shape {g.shape} does not match input {x.shape}")
    c = x.shape[1]
    w = np.ones(c) if weight is None else weight
    gx, sums, dotps = _batch_norm_sums(g, x, mean, invstd, w, training, output_mask[0])
    dtype = x.dtype if weight is None else weight.dtype  # a half input may have float parameters
    gw = (dotps * invstd).astype(dtype) if output_mask[1] else None
    gb = sums.astype(dtype) if output_mask[2] else None
    return gx, gw, gb
