"""Batch normalisation (torch.nn.functional.batch_norm, PyTorch's native_batch_norm) in two kernels.

The input is viewed as ``x[n, c, k]`` (N, C, everything else flattened). Per channel ``c``, over
the M = N*K values of that channel:

    forward   mean = sum(x) / M,  var = sum((x - mean)^2) / M      (biased; two passes)
              y = x * alpha + beta,  alpha = invstd * w,  beta = b - mean * alpha
    backward  sum_g = sum(g),  dotp = sum((x - mean) * g)
              gx = (g - sum_g / M - (x - mean) * dotp * invstd^2 / M) * invstd * w   (training)
              gx = g * invstd * w                                                      (evaluation)
              gw = dotp * invstd,  gb = sum_g

These are PyTorch's CPU formulas (aten/src/ATen/native/batch_norm.cpp): the sums are accumulated
in float64 for a float32 input, as PyTorch's ``acc_type`` is, and the elementwise steps run in
the input's dtype. Composed from NumPy ops, the same computation was about ten passes over the
activation (3.7x PyTorch's time on a (64, 64, 28, 28) forward + backward); here it is three
passes forward and two backward.

Loop nest: channels outside (``prange`` if big, kernels/threading.py), then n, then the
contiguous k. The float64 sums are reassociated (``fastmath={"reassoc"}``) so that LLVM can
vectorise them; no other fast-math flag is set, so NaN and inf propagate as in PyTorch.
"""

import numpy as np
from numba import njit, prange

from kernels.threading import in_parallel


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
    s = 0.0
    p = 0.0
    for n in range(n_):
        for k in range(k_):
            gv = g[n, c, k]
            s += gv
            p += (x[n, c, k] - m) * gv
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
    mx = gx.dtype.type(m)
    for n in range(n_):
        for k in range(k_):
            gx[n, c, k] = (g[n, c, k] - gmean - (x[n, c, k] - mx) * proj) * scale


@njit(cache=True, parallel=True)
def _stats_parallel(x, mean, var):
    for c in prange(x.shape[1]):
        _channel_stats(x, c, mean, var)


@njit(cache=True)
def _stats_serial(x, mean, var):
    for c in range(x.shape[1]):
        _channel_stats(x, c, mean, var)


@njit(cache=True, parallel=True)
def _affine_parallel(x, alpha, beta, y):
    for c in prange(x.shape[1]):
        _channel_affine(x, c, alpha, beta, y)


@njit(cache=True)
def _affine_serial(x, alpha, beta, y):
    for c in range(x.shape[1]):
        _channel_affine(x, c, alpha, beta, y)


@njit(cache=True, parallel=True)
def _backward_parallel(g, x, mean, invstd, weight, training, sums, dotps, gx):
    for c in prange(x.shape[1]):
        _channel_backward(g, x, c, mean, invstd, weight, training, sums, dotps, gx)


@njit(cache=True)
def _backward_serial(g, x, mean, invstd, weight, training, sums, dotps, gx):
    for c in range(x.shape[1]):
        _channel_backward(g, x, c, mean, invstd, weight, training, sums, dotps, gx)


def _as_nck(a: np.ndarray) -> np.ndarray:
    """``(N, C, *)`` as a C-contiguous ``(N, C, K)`` of float32 or float64 (others computed in float64)."""
    if a.dtype != np.float32 and a.dtype != np.float64:
        a = a.astype(np.float64)
    return np.ascontiguousarray(a).reshape(a.shape[0], a.shape[1], -1)


def batch_norm_stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(mean, var)`` per channel of ``x (N, C, *)``, biased variance, both float64."""
    x3 = _as_nck(x)
    mean = np.empty(x3.shape[1])
    var = np.empty(x3.shape[1])
    (_stats_parallel if in_parallel(x3.size) else _stats_serial)(x3, mean, var)
    return mean, var


def batch_norm_affine(x: np.ndarray, alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """``y = x * alpha[c] + beta[c]`` for ``x (N, C, *)``; ``y`` has ``x``'s shape and dtype."""
    x3 = _as_nck(x)
    y = np.empty(x3.shape, dtype=x3.dtype)
    alpha, beta = alpha.astype(x3.dtype), beta.astype(x3.dtype)
    (_affine_parallel if in_parallel(x3.size) else _affine_serial)(x3, alpha, beta, y)
    return y.reshape(x.shape).astype(x.dtype, copy=False)


def batch_norm_backward(g: np.ndarray, x: np.ndarray, mean: np.ndarray, invstd: np.ndarray,
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
    mean, invstd, weight = (np.ascontiguousarray(v, dtype=np.float64) for v in (mean, invstd, weight))
    (_backward_parallel if in_parallel(x3.size) else _backward_serial)(
        g3, x3, mean, invstd, weight, training, sums, dotps, gx)
    return (gx.reshape(x.shape).astype(x.dtype, copy=False) if input_grad else None), sums, dotps
