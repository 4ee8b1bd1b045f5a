"""The CPU backend: NumPy arrays, and numba kernels for the heavy ops.

Most entries are NumPy's own functions: NumPy already runs elementwise math
and reductions in C. What NumPy lacks, or where PyTorch's semantics differ,
is written out below.
"""

from __future__ import annotations

import warnings as _warnings

import numpy as np

from . import _malloc  # noqa: F401  (sets glibc's malloc to keep freed arrays in the process; see there)
from ._erf import erf  # noqa: F401  (NumPy has no erf)

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
    from 29 to 7 us. Both orders add the batch sequentially, so the rounding is alike. The sum over
    the batch (``_sum_batch``) of a big float array runs on the kernels' threads, with NumPy's bits.
    """
    if (out is None and not kwargs and isinstance(axis, tuple) and len(axis) > 1 and a.ndim >= 3
            and a.dtype.kind == "f" and a.itemsize >= 4 and a.flags.c_contiguous):
        axes = {d % a.ndim for d in axis}
        if 0 in axes and len(axes) == len(axis) < a.ndim:  # a full reduction stays one pairwise sum
            first = _sum_batch(a, dtype, keepdims)
            return np.sum(first, axis=tuple(sorted(d if keepdims else d - 1 for d in axes if d)), keepdims=keepdims)
    if out is None and not kwargs and (axis == 0 or axis == (0,)) and a.ndim >= 2:  # a conv's bias gradient
        return _sum_batch(a, dtype, keepdims)
    if type(a) is np.ndarray:  # np.sum without its Python wrapper (about 1 µs a call)
        return np.add.reduce(a, axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kwargs)
    return np.sum(a, axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kwargs)


def _sum_batch(a, dtype, keepdims):
    """``np.sum(a, axis=0)``; a big float32/float64 one runs kernels/reduction.py's ``sum_leading``,
    which shares the columns over the threads with NumPy's bits (each column added in order of rows)."""
    if (a.size >= _SUM_LEADING_MIN and type(a) is np.ndarray and a.dtype.kind == "f" and a.itemsize >= 4
            and (dtype is None or np.dtype(dtype) == a.dtype)):
        return (globals().get("sum_leading") or __getattr__("sum_leading"))(a, keepdims)  # bound at first use
    return np.add.reduce(a, axis=0, dtype=dtype, keepdims=keepdims)


_SUM_LEADING_MIN = 1 << 18  # sum_leading's grain (kernels/reduction.py): smaller sums need not import the kernels


all, any, cumsum, cumprod = np.all, np.any, np.cumsum, np.cumprod
sort, argsort, count_nonzero = np.sort, np.argsort, np.count_nonzero

# ---- movement and creation
concatenate, stack, flip, roll, tile, repeat = np.concatenate, np.stack, np.flip, np.roll, np.tile, np.repeat
broadcast_to, take_along_axis, put_along_axis = np.broadcast_to, np.take_along_axis, np.put_along_axis
empty, zeros, ones, full, arange, linspace, eye = np.empty, np.zeros, np.ones, np.full, np.arange, np.linspace, np.eye
asarray, copyto = np.asarray, np.copyto
einsum, tril, triu, nonzero = np.einsum, np.tril, np.triu, np.nonzero


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
    # positional arguments and a tuple of strides: NumPy's keyword and list parsing cost twice the call
    return np.ndarray(shape, storage.dtype, storage, offset * item, tuple([s * item for s in stride]))


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

# ---- shape and linalg ops (_ops/shape/copies.py, _ops/linalg/products.py)
moveaxis = np.moveaxis


# ---- advanced indexing (``_ops/indexing/advanced.py``): writes at index-array keys, in place
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


# ---- sorting, selection and counting (_ops/reductions/reduce.py / _ops/reductions/sort.py)
take, bincount, mean = np.take, np.bincount, np.mean


# ---- kernels (numba): convolution, pooling, matmul, fused updates (_ops/conv.py, _ops/pool.py, optim/adam.py)
# These entries are the functions of ``minitorch.kernels`` (the folder kernels/), under the same names;
# their docstrings give the math, loop nest and cost. Shapes are always 4-d (N, C, H, W); 1-d ops add
# H = 1. Pairs are (height, width); conv padding is explicit and may be asymmetric:
# ((top, bottom), (left, right)). ``import minitorch`` must not import numba, so the first lookup of any
# of them (``cpu.conv2d``) imports minitorch.kernels and binds them all here (PEP 562 module __getattr__).
_KERNELS = (
    "matmul",  # np.matmul, the big float GEMMs shared over the kernels' threads (kernels/blas.py)
    "conv2d", "conv2d_input_grad", "conv2d_weight_grad", "im2col", "col2im",  # kernels/conv.py, conv_input_grad.py, conv_weight_grad.py, im2col.py
    "max_pool2d", "max_pool2d_backward", "adaptive_max_pool2d",  # kernels/pool.py, pool_adaptive.py
    "avg_pool2d", "avg_pool2d_backward", "adaptive_avg_pool2d", "adaptive_avg_pool2d_backward",  # pool_avg.py, pool_adaptive.py
    "adam_step", "add_scaled", "add_scaled_all",  # kernels/optim.py
    "relu", "threshold_backward",  # relu and its gradient, kernels/activation.py
    "sigmoid", "sigmoid_backward",  # sigmoid and its gradient, one pass each (kernels/activation.py)
    "batch_norm", "batch_norm_backward",  # kernels/normalization.py
    "sum_leading",  # sum over the batch, the columns shared over the threads (kernels/reduction.py)
    "log_softmax", "log_softmax_backward",  # along the last dim, row by row (kernels/log_softmax.py)
)


def __getattr__(name: str):
    """A kernel entry of ``_KERNELS``: the first one asked for imports ``minitorch.kernels``."""
    if name not in _KERNELS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from .. import (
        kernels,  # applies a thread count set before it was imported (kernels/__init__.py)
    )

    globals().update({entry: getattr(kernels, entry) for entry in _KERNELS})
    return globals()[name]


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_KERNELS))


# ---- memory layout queries (every backend answers these; torch tensors have no ``.flags``)
def is_c_contiguous(a) -> bool:
    return a.flags.c_contiguous


def is_f_contiguous(a) -> bool:
    return a.flags.f_contiguous


copy = np.copy  # copy(a, order='K'|'C')


# ---- segment sums (_ops/shape/copies.py: SegmentSum, the backward of repeat_interleave)
def add_reduceat(a, indices, axis=0):
    """``np.add.reduceat``: y[i] = sum of a[indices[i]:indices[i+1]] along ``axis`` (the last to the end)."""
    return np.add.reduceat(a, indices, axis=axis)
