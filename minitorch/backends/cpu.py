"""The CPU backend: NumPy arrays, and numba kernels for the heavy ops.

Most entries are NumPy's own functions: NumPy already runs elementwise math
and reductions in C. What NumPy lacks, or where PyTorch's semantics differ,
is written out below.
"""

from __future__ import annotations

import warnings as _warnings

import numpy as np

name = "cpu"

# PyTorch returns inf/nan quietly (1/0, log(0), exp(1000)); NumPy warns. Silence those warnings
# where minitorch's own code runs the ufunc - one filter, no cost per op, users' NumPy untouched.
_warnings.filterwarnings(
    "ignore",
    message=r"(overflow|divide by zero|invalid value|underflow) encountered",
    category=RuntimeWarning,
    module=r"minitorch(\.|$)",
)
ndarray = np.ndarray


# ---- memory: keep freed arrays in the process
# A training step allocates and frees the same few-MB arrays over and over (activations, columns,
# gradients). glibc's malloc serves blocks above its mmap threshold with fresh mmap()s and gives
# them back with munmap() on free; its threshold adapts, so whether a process settles into reusing
# the memory is a matter of luck. In the unlucky runs each step faults every page in again: LeNet's
# step took ~2,100 page faults and 13.7 ms instead of ~10 ms (benchmarks/bench_lenet_epoch.py,
# "page faults" and the "glibc malloc" row). Fixing the mmap threshold (and the trim threshold, so
# the heap is not shrunk either) makes malloc reuse that memory in every run, at no cost in peak
# memory (LeNet: 161 MiB either way). PyTorch's CPU tuning guide gets the same effect by
# preloading jemalloc or tcmalloc. Set MINITORCH_MALLOC_TUNING=0 to keep glibc's defaults.
_MMAP_THRESHOLD, _TRIM_THRESHOLD = 64 << 20, 256 << 20


def _tune_malloc() -> bool:
    """Set glibc's M_MMAP_THRESHOLD and M_TRIM_THRESHOLD (Linux/glibc only); True if done."""
    import ctypes
    import os
    import sys

    if os.environ.get("MINITORCH_MALLOC_TUNING") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # pragma: no cover - not glibc (musl, ...)
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    return bool(libc.mallopt(M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and bool(
        libc.mallopt(M_TRIM_THRESHOLD, _TRIM_THRESHOLD))


_malloc_tuned = _tune_malloc()

# ---- elementwise (NumPy ufuncs: broadcasting and the output's memory layout follow NumPy's order='K')
add, subtract, multiply, true_divide, negative = np.add, np.subtract, np.multiply, np.true_divide, np.negative
power, maximum, minimum, fmax, fmin = np.power, np.maximum, np.minimum, np.fmax, np.fmin
exp, exp2, expm1, log, log2, log10, log1p = np.exp, np.exp2, np.expm1, np.log, np.log2, np.log10, np.log1p
sqrt, square, abs, sign, reciprocal = np.sqrt, np.square, np.abs, np.sign, np.reciprocal
sin, cos, tan, arcsin, arccos, arctan, arctan2 = np.sin, np.cos, np.tan, np.arcsin, np.arccos, np.arctan, np.arctan2
sinh, cosh, tanh = np.sinh, np.cosh, np.tanh
floor, ceil, trunc, rint, round = np.floor, np.ceil, np.trunc, np.rint, np.round
floor_divide, fmod, remainder = np.floor_divide, np.fmod, np.remainder
equal, not_equal, less, less_equal, greater, greater_equal = (
    np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal)
logical_and, logical_or, logical_not, logical_xor = np.logical_and, np.logical_or, np.logical_not, np.logical_xor
bitwise_and, bitwise_or, bitwise_xor, invert = np.bitwise_and, np.bitwise_or, np.bitwise_xor, np.invert
left_shift, right_shift = np.left_shift, np.right_shift
isnan, isinf, isfinite, where, clip = np.isnan, np.isinf, np.isfinite, np.where, np.clip
nan_to_num = np.nan_to_num

# ---- reductions and scans
prod, amax, amin, argmax, argmin = np.prod, np.amax, np.amin, np.argmax, np.argmin


def sum(a, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
    """np.sum; a float reduction over the batch dim and others (a conv bias gradient, BatchNorm's
    statistics over (0, 2, 3)) sums the batch dim away first.

    NumPy's multi-axis reduction of a contiguous (64, 6, 28, 28) over (0, 2, 3) took 46 us; summing
    axis 0 first (whole-slab vector adds) and then the rest takes 21 us, and (64, 16, 10, 10) goes
    from 29 to 7 us. Both orders add the batch sequentially, so the rounding is alike.
    """
    if (out is None and not kwargs and isinstance(axis, tuple) and len(axis) > 1 and a.ndim >= 3
            and a.dtype.kind == "f" and a.itemsize >= 4 and a.flags.c_contiguous):
        axes = {d % a.ndim for d in axis}
        if 0 in axes and len(axes) == len(axis) < a.ndim:  # a full reduction stays one pairwise sum
            first = np.sum(a, axis=0, dtype=dtype, keepdims=keepdims)
            return np.sum(first, axis=tuple(sorted(d if keepdims else d - 1 for d in axes if d)), keepdims=keepdims)
    return np.sum(a, axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kwargs)


all, any, cumsum, cumprod = np.all, np.any, np.cumsum, np.cumprod
sort, argsort, count_nonzero = np.sort, np.argsort, np.count_nonzero

# ---- movement and creation
concatenate, stack, flip, roll, tile, repeat = np.concatenate, np.stack, np.flip, np.roll, np.tile, np.repeat
broadcast_to, take_along_axis, put_along_axis = np.broadcast_to, np.take_along_axis, np.put_along_axis
empty, zeros, ones, full, arange, linspace, eye = np.empty, np.zeros, np.ones, np.full, np.arange, np.linspace, np.eye
asarray, copyto = np.asarray, np.copyto
einsum, tril, triu, nonzero = np.einsum, np.tril, np.triu, np.nonzero


# erf: piecewise Chebyshev interpolation of erf(x)/x, built at import from math.erf.
# |x| in [0, 6) is cut into 96 intervals of width 1/16, each with a degree-7 interpolant at
# Chebyshev points; beyond 6, erf(x) = sign(x) in float64. Max relative error against math.erf:
# 9e-16 (4 ulp) over [-7, 7] and tiny |x| down to 1e-300. 1M float64 values: ~80 ms, against
# ~250 ms for np.vectorize(math.erf) (the previous implementation).
_ERF_WIDTH, _ERF_INTERVALS, _ERF_DEGREE = 1 / 16, 96, 7


def _erf_table() -> np.ndarray:
    """Row j, column k: the j-th Chebyshev coefficient of erf(x)/x on interval k."""
    import math

    ratio = np.vectorize(lambda x: math.erf(x) / x if x else 2 / math.sqrt(math.pi))
    table = np.empty((_ERF_DEGREE + 1, _ERF_INTERVALS))
    for k in range(_ERF_INTERVALS):
        domain = [k * _ERF_WIDTH, (k + 1) * _ERF_WIDTH]
        table[:, k] = np.polynomial.chebyshev.Chebyshev.interpolate(ratio, _ERF_DEGREE, domain).coef
    return table


_ERF_TABLE = _erf_table()


def erf(a):
    """erf(x) = x * P_k(t): Clenshaw's recurrence on the interval k holding |x| (t in [-1, 1])."""
    x = np.asarray(a, dtype=np.float64)
    ax = np.abs(x)
    end = _ERF_INTERVALS * _ERF_WIDTH
    s = np.nan_to_num(np.minimum(ax, end * (1 - 1e-16)) * (1 / _ERF_WIDTH))
    k = s.astype(np.intp)
    t = 2 * (s - k) - 1
    b1, b2 = np.take(_ERF_TABLE[_ERF_DEGREE], k), 0.0
    for j in range(_ERF_DEGREE - 1, 0, -1):
        b1, b2 = np.take(_ERF_TABLE[j], k) + 2 * t * b1 - b2, b1
    y = x * (np.take(_ERF_TABLE[0], k) + t * b1 - b2)
    return np.where(ax >= end, np.sign(x), y).astype(a.dtype, copy=False)


def ascontiguousarray(a, dtype=None):
    """A row-major array (no copy if ``a`` already is one). Unlike NumPy's, keeps 0-d arrays 0-d."""
    return np.asarray(a, dtype=dtype, order="C")


def astype(a, np_dtype):
    return a.astype(np_dtype, copy=True)


def as_strided(storage, shape, stride, offset):
    """A view of the 1-D ``storage`` with element strides (NumPy counts strides in bytes)."""
    item = storage.itemsize
    if 0 in shape:  # an empty view may start at the very end of its storage
        return np.lib.stride_tricks.as_strided(storage[offset:], shape, [s * item for s in stride], writeable=True)
    return np.ndarray(
        shape, dtype=storage.dtype, buffer=storage, offset=offset * item, strides=[s * item for s in stride]
    )


def storage_of(a):
    """A 1-D array over the memory ``a`` addresses, starting at ``a``'s first element.

    ``a`` must have non-negative strides (PyTorch has no negative strides).
    """
    if a.flags.c_contiguous:
        return a.reshape(-1)
    span = 1 + np.sum([(n - 1) * s // a.itemsize for n, s in zip(a.shape, a.strides)]) if a.size else 0
    return np.lib.stride_tricks.as_strided(a, (int(span),), (a.itemsize,))


def element_strides(a):
    return tuple(s // a.itemsize for s in a.strides)


def address(a) -> int:
    return a.__array_interface__["data"][0]


def to_numpy(a):
    return a


def from_numpy(a):
    return a

# ---- shape and linalg ops (shape.py, linalg_extra.py)
moveaxis = np.moveaxis


# ---- advanced indexing (``_ops/advanced_indexing.py``): writes at index-array keys, in place
def index_put(a, key, values, accumulate=False):
    """``a[key] = values``; with ``accumulate``, ``a[key] += values`` where repeated positions add up."""
    if accumulate:
        np.add.at(a, key, values)
    else:
        a[key] = values


_AT = {"sum": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}


def index_reduce_at(a, key, values, reduce):
    """``a[key] = reduce(a[key], values)`` one position at a time (repeats all count): ``ufunc.at``."""
    _AT[reduce].at(a, key, np.broadcast_to(values, a[key].shape))


# ---- sorting, selection and counting (reduce.py / sort.py)
take, bincount, mean = np.take, np.bincount, np.mean


# ---- kernels (numba), imported on first use (_ops/conv.py, _ops/pool.py, nn.functional.vision)
# The names and signatures below are what a backend must provide for convolution and pooling.
# Shapes are always 4-d (N, C, H, W); 1-d ops add H = 1. Pairs are (height, width); conv padding
# is explicit and may be asymmetric: ((top, bottom), (left, right)). ``import minitorch`` must not
# import numba, so every entry imports ``kernels`` inside the call (``_kernels()``).
_kernels_module = None


def _kernels():
    """The ``kernels`` package, imported on the first call (and any pending thread count applied)."""
    global _kernels_module
    if _kernels_module is None:
        import kernels

        from .. import _threads

        _threads.apply_pending(kernels)
        _kernels_module = kernels
    return _kernels_module


def matmul(a, b):
    """np.matmul, with the big float GEMMs shared over the kernels' threads (kernels/blas.py)."""
    return _kernels().matmul(a, b)


def conv2d(x, w, bias, stride, padding, dilation, groups, keep_columns=False):
    """y = conv2d(x, w) + b: x (N, C_in, H, W), w (C_out, C_in/groups, kH, kW), bias (C_out,) or None.
    With ``keep_columns``, ``(y, columns)``: what ``conv2d_weight_grad`` may reuse (or None)."""
    return _kernels().conv2d_forward(x, w, bias, stride, padding, dilation, groups, keep_columns)


def conv2d_input_grad(gy, w, input_shape, stride, padding, dilation, groups):
    """dx of conv2d = conv_transpose2d(gy, w) at the spatial size ``input_shape[2:]``."""
    return _kernels().conv2d_input_grad(gy, w, tuple(input_shape), stride, padding, dilation, groups)


def conv2d_weight_grad(gy, x, weight_shape, stride, padding, dilation, groups, columns=None):
    """dw of conv2d: the correlation of x with gy (only gy's (oH, oW) windows of x are used);
    ``columns``: what ``conv2d(x, ..., keep_columns=True)`` returned, or None."""
    return _kernels().conv2d_weight_grad(gy, x, tuple(weight_shape), stride, padding, dilation, groups,
                                         columns)


def im2col(x, kernel, stride, padding, dilation):
    """(N, C, H, W) -> (N, C*kH*kW, oH*oW): every kernel window as a column (F.unfold)."""
    return _kernels().im2col(x, kernel, stride, padding, dilation)


def col2im(cols, input_shape, kernel, output_size, stride, padding, dilation):
    """The adjoint of im2col: add each column back into its window of an (N, C, H, W) zero image."""
    return _kernels().col2im(cols, tuple(input_shape), kernel, output_size, stride, padding, dilation)


def max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode):
    """(y, indices): window maxima and the flat position ih*W + iw of each winner (int64)."""
    return _kernels().max_pool2d_forward(x, kernel_size, stride, padding, dilation, ceil_mode)


def adaptive_max_pool2d(x, output_size):
    """(y, indices) of adaptive max pooling, indices as max_pool2d's."""
    return _kernels().adaptive_max_pool2d_forward(x, output_size)


def max_pool2d_backward(gy, indices, input_shape):
    """gx[n, c].flat[indices] += gy: the gradient of any max pooling, from its indices."""
    return _kernels().max_pool2d_backward(gy, indices, tuple(input_shape))


def avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    """Window means with PyTorch's divisor rules (divisor_override None or a non-zero int)."""
    return _kernels().avg_pool2d_forward(x, kernel_size, stride, padding, ceil_mode, count_include_pad,
                                         divisor_override)


def avg_pool2d_backward(gy, input_shape, kernel_size, stride, padding, ceil_mode, count_include_pad,
                        divisor_override):
    """The adjoint of avg_pool2d: gy / divisor spread over each window."""
    return _kernels().avg_pool2d_backward(gy, tuple(input_shape), kernel_size, stride, padding, ceil_mode,
                                          count_include_pad, divisor_override)


def adaptive_avg_pool2d(x, output_size):
    """Means over the windows [floor(i*In/Out), ceil((i+1)*In/Out)) along H and W."""
    return _kernels().adaptive_avg_pool2d_forward(x, output_size)


def adaptive_avg_pool2d_backward(gy, input_shape):
    """The adjoint of adaptive_avg_pool2d."""
    return _kernels().adaptive_avg_pool2d_backward(gy, tuple(input_shape))


# ---- fused optimizer updates (optim/adam.py)
def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, beta1, beta2, step_size, bias_correction2_sqrt,
              eps):
    """Adam's update of ``param`` and its moments, in place, in one numba loop (kernels/optim.py)."""
    _kernels().adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, beta1, beta2, step_size,
                         bias_correction2_sqrt, eps)


def threshold_backward(g, y):
    """relu's gradient: ``g`` where ``y > 0``, else 0, as a select (kernels/activation.py)."""
    return _kernels().threshold_backward(g, y)


# ---- memory layout queries (every backend answers these; torch tensors have no ``.flags``)
def is_c_contiguous(a) -> bool:
    return a.flags.c_contiguous


def is_f_contiguous(a) -> bool:
    return a.flags.f_contiguous


copy = np.copy  # copy(a, order='K'|'C')


# ---- segment sums (shape.py: SegmentSum, the backward of repeat_interleave)
def add_reduceat(a, indices, axis=0):
    """``np.add.reduceat``: y[i] = sum of a[indices[i]:indices[i+1]] along ``axis`` (the last to the end)."""
    return np.add.reduceat(a, indices, axis=axis)


# ---- batch normalisation (nn/functional/normalization.py: NativeBatchNorm; kernels/normalization.py)
def batch_norm(x, weight, bias, running_mean, running_var, training, momentum, eps):
    """PyTorch's ``native_batch_norm``: ``(y, mean, invstd)``, per-channel statistics in ``x``'s dtype.
    Training: batch statistics, and ``running <- momentum * batch + (1 - momentum) * running`` in
    place (the unbiased variance); evaluation: the running statistics."""
    k = _kernels()
    if training:
        mean, var = k.batch_norm_stats(x)
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
    return k.batch_norm_affine(x, alpha, beta), mean.astype(x.dtype), invstd.astype(x.dtype)


def batch_norm_backward(g, x, weight, mean, invstd, training, output_mask):
    """PyTorch's ``native_batch_norm_backward``: ``(gx, gw, gb)``, each None where ``output_mask``
    is False; ``mean`` and ``invstd`` are what ``batch_norm`` returned."""
    c = x.shape[1]
    w = np.ones(c) if weight is None else weight
    gx, sums, dotps = _kernels().batch_norm_backward(g, x, mean, invstd, w, training, output_mask[0])
    dtype = x.dtype if weight is None else weight.dtype  # a half input may have float parameters
    gw = (dotps * invstd).astype(dtype) if output_mask[1] else None
    gb = sums.astype(dtype) if output_mask[2] else None
    return gx, gw, gb


def relu(x):
    """``0 if x < 0 else x`` (PyTorch's clamp_min: relu(-0.0) = -0.0, NaN passes; kernels/activation.py)."""
    return _kernels().relu(x)
