"""The CPU backend: NumPy arrays, and numba kernels for the heavy ops.

Most entries are NumPy's own functions: NumPy already runs elementwise math
and reductions in C. What NumPy lacks, or where PyTorch's semantics differ,
is written out below.
"""

from __future__ import annotations

import numpy as np

name = "cpu"
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
isnan, isinf, isfinite, where, clip = np.isnan, np.isinf, np.isfinite, np.where, np.clip
nan_to_num = np.nan_to_num

# ---- reductions and scans
sum, prod, amax, amin, argmax, argmin = np.sum, np.prod, np.amax, np.amin, np.argmax, np.argmin
all, any, cumsum, cumprod = np.all, np.any, np.cumsum, np.cumprod
sort, argsort, count_nonzero = np.sort, np.argsort, np.count_nonzero

# ---- movement and creation
concatenate, stack, flip, roll, tile, repeat = np.concatenate, np.stack, np.flip, np.roll, np.tile, np.repeat
broadcast_to, take_along_axis, put_along_axis = np.broadcast_to, np.take_along_axis, np.put_along_axis
empty, zeros, ones, full, arange, linspace, eye = np.empty, np.zeros, np.ones, np.full, np.arange, np.linspace, np.eye
ascontiguousarray, asarray, copyto = np.ascontiguousarray, np.asarray, np.copyto
matmul, einsum, tril, triu, nonzero = np.matmul, np.einsum, np.tril, np.triu, np.nonzero


def erf(a):
    from math import erf as _erf

    return np.vectorize(_erf, otypes=[a.dtype])(a) if a.size else a.copy()


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
