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


def _batch_norm_stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(mean, var)`` per channel of ``x (N, C, *)``, biased variance, both float64."""
    x3 = _as_nck(x)
    mean = np.empty(x3.shape[1])
    var = np.empty(x3.shape[1])
    (_stats_parallel if in_parallel(x3.size) else _stats_serial)(x3, mean, var)
    return mean, var


def _batch_norm_affine(x: np.ndarray, alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """``y = x * alpha[c] + beta[c]`` for ``x (N, C, *)``; ``y`` has ``x``'s shape and dtype."""
    x3 = _as_nck(x)
    y = np.empty(x3.shape, dtype=x3.dtype)
    alpha, beta = alpha.astype(x3.dtype), beta.astype(x3.dtype)
    (_affine_parallel if in_parallel(x3.size) else _affine_serial)(x3, alpha, beta, y)
    return y.reshape(x.shape).astype(x.dtype, copy=False)


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
    mean, invstd, weight = (np.ascontiguousarray(v, dtype=np.float64) for v in (mean, invstd, weight))
    (_backward_parallel if in_parallel(x3.size) else _backward_serial)(
        g3, x3, mean, invstd, weight, training, sums, dotps, gx)
    return (gx.reshape(x.shape).astype(x.dtype, copy=False) if input_grad else None), sums, dotps


def _check_channels(op: str, x: np.ndarray, **vectors) -> None:
    """Every per-channel vector given has C = x.shape[1] entries (the loops index them by channel)."""
    if x.ndim < 2:
        raise RuntimeError(f"{op}: expected an input of at least 2 dims (N, C, *), but got shape {x.shape}")
    for name, v in vectors.items():
        if v is not None:
            check_shape(op, name, v.shape, (x.shape[1],))


def batch_norm(x, weight, bias, running_mean, running_var, training, momentum, eps):
    """PyTorch's ``native_batch_norm``: ``(y, mean, invstd)``, per-channel statistics in ``x``'s dtype.
    Training: batch statistics, and ``running <- momentum * batch + (1 - momentum) * running`` in
    place (the unbiased variance); evaluation: the running statistics."""
    _check_channels("batch_norm", x, weight=weight, bias=bias, running_mean=running_mean, running_var=running_var)
    if training:
        mean, var = _batch_norm_stats(x)
        invstd = 1 / np.sqrt(var + eps)
        n = x.size // x.shape[1]
        if running_mean is not None:
            running_mean[...] = momentum * mean + (1 - momentum) * running_mean
        if running_var is not None:
            running_var[...] = momentum * (var * (n / (n - 1))) + (1 - momentum) * running_var
    else:
        mean = running_mean.astype(np.float64)
        invstd = 1 / np.sqrt(running_var.astype(np.float64) + eps)
    alpha = invstd if weight is None else invstd * weight
    beta = -mean * alpha if bias is None else bias - mean * alpha
    return _batch_norm_affine(x, alpha, beta), mean.astype(x.dtype), invstd.astype(x.dtype)


def batch_norm_backward(g, x, weight, mean, invstd, training, output_mask):
    """PyTorch's ``native_batch_norm_backward``: ``(gx, gw, gb)``, each None where ``output_mask``
    is False; ``mean`` and ``invstd`` are what ``batch_norm`` returned."""
    _check_channels("batch_norm_backward", x, weight=weight, mean=mean, invstd=invstd)
    if g.shape != x.shape:
        raise RuntimeError(f"batch_norm_backward: grad_output of shape {g.shape} does not match input {x.shape}")
    c = x.shape[1]
    w = np.ones(c) if weight is None else weight
    gx, sums, dotps = _batch_norm_sums(g, x, mean, invstd, w, training, output_mask[0])
    dtype = x.dtype if weight is None else weight.dtype  # a half input may have float parameters
    gw = (dotps * invstd).astype(dtype) if output_mask[1] else None
    gb = sums.astype(dtype) if output_mask[2] else None
    return gx, gw, gb
