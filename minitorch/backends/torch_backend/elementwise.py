"""Elementwise: NumPy's ufunc calling convention (``out=``, ``dtype=``) on torch's kernels.

``_ufunc`` wraps a torch function so that it takes NumPy's arguments: NumPy arrays and scalars
become tensors on the backend's device, ``dtype=`` casts the inputs, ``out=`` is copied into.
"""

from __future__ import annotations

import numpy as np
import torch

from .convert import _t, torch_dtype
from .indexing import nonzero


def _ufunc(fn, nin=1):
    def ufunc(*args, out=None, dtype=None, **kwargs):
        tensors = [a for a in args[:nin] if isinstance(a, torch.Tensor)]
        like = tensors[0] if tensors else None
        if fn in _TENSOR_ONLY or not tensors:
            args = tuple(_t(a, like) for a in args[:nin]) + args[nin:]
        else:
            args = tuple(a.item() if isinstance(a, np.generic) else _t(a) if isinstance(a, np.ndarray) else a
                         for a in args[:nin]) + args[nin:]
        if dtype is not None:
            args = tuple(a.to(torch_dtype(dtype)) if isinstance(a, torch.Tensor) else a for a in args)
        r = fn(*args, **kwargs)
        if out is not None:
            out = out[0] if isinstance(out, tuple) else out
            out.copy_(r)
            return out
        return r

    ufunc.__name__ = getattr(fn, "__name__", "ufunc")
    return ufunc


_TENSOR_ONLY = {torch.maximum, torch.minimum, torch.fmax, torch.fmin, torch.atan2, torch.logical_and,
                torch.logical_or, torch.logical_xor, torch.bitwise_and, torch.bitwise_or, torch.bitwise_xor}


def _true_divide(a, b):
    return torch.true_divide(a, b)


def _power(a, b):
    return torch.pow(a, b)


add, subtract, multiply = _ufunc(torch.add, 2), _ufunc(torch.sub, 2), _ufunc(torch.mul, 2)
true_divide, negative = _ufunc(_true_divide, 2), _ufunc(torch.neg)
power, maximum, minimum = _ufunc(_power, 2), _ufunc(torch.maximum, 2), _ufunc(torch.minimum, 2)
fmax, fmin = _ufunc(torch.fmax, 2), _ufunc(torch.fmin, 2)
exp, exp2, expm1 = _ufunc(torch.exp), _ufunc(torch.exp2), _ufunc(torch.expm1)
log, log2, log10, log1p = _ufunc(torch.log), _ufunc(torch.log2), _ufunc(torch.log10), _ufunc(torch.log1p)
sqrt, square, abs, sign = _ufunc(torch.sqrt), _ufunc(torch.square), _ufunc(torch.abs), _ufunc(torch.sign)
reciprocal = _ufunc(torch.reciprocal)
sin, cos, tan = _ufunc(torch.sin), _ufunc(torch.cos), _ufunc(torch.tan)
arcsin, arccos, arctan, arctan2 = _ufunc(torch.asin), _ufunc(torch.acos), _ufunc(torch.atan), _ufunc(torch.atan2, 2)
sinh, cosh, tanh = _ufunc(torch.sinh), _ufunc(torch.cosh), _ufunc(torch.tanh)
floor, ceil, trunc, rint = _ufunc(torch.floor), _ufunc(torch.ceil), _ufunc(torch.trunc), _ufunc(torch.round)
floor_divide, fmod, remainder = _ufunc(torch.floor_divide, 2), _ufunc(torch.fmod, 2), _ufunc(torch.remainder, 2)
equal, not_equal = _ufunc(torch.eq, 2), _ufunc(torch.ne, 2)
less, less_equal, greater, greater_equal = _ufunc(torch.lt, 2), _ufunc(torch.le, 2), _ufunc(torch.gt, 2), _ufunc(
    torch.ge, 2)
logical_and, logical_or, logical_xor = _ufunc(torch.logical_and, 2), _ufunc(torch.logical_or, 2), _ufunc(
    torch.logical_xor, 2)
logical_not = _ufunc(torch.logical_not)
bitwise_and, bitwise_or, bitwise_xor = _ufunc(torch.bitwise_and, 2), _ufunc(torch.bitwise_or, 2), _ufunc(
    torch.bitwise_xor, 2)
invert = _ufunc(torch.bitwise_not)
left_shift, right_shift = _ufunc(torch.bitwise_left_shift, 2), _ufunc(torch.bitwise_right_shift, 2)
isnan, isinf, isfinite = _ufunc(torch.isnan), _ufunc(torch.isinf), _ufunc(torch.isfinite)
erf = _ufunc(torch.erf)


def round(a, decimals=0, out=None):
    r = torch.round(_t(a), decimals=decimals)
    return out.copy_(r) if out is not None else r


def where(condition, x=None, y=None):
    if x is None:
        return nonzero(condition)
    condition = _t(condition)
    x = x.item() if isinstance(x, np.generic) else _t(x) if isinstance(x, np.ndarray) else x
    y = y.item() if isinstance(y, np.generic) else _t(y) if isinstance(y, np.ndarray) else y
    if not isinstance(x, torch.Tensor) and not isinstance(y, torch.Tensor):  # NumPy: the scalars' own types
        x, y = _t(np.asarray(x)), _t(np.asarray(y))
    return torch.where(condition, x, y)


def clip(a, a_min=None, a_max=None, out=None):
    a = _t(a)
    if isinstance(a_min, (torch.Tensor, np.ndarray)) or isinstance(a_max, (torch.Tensor, np.ndarray)):
        a_min = None if a_min is None else _t(a_min, a)
        a_max = None if a_max is None else _t(a_max, a)
    r = torch.clamp(a, a_min, a_max)
    return out.copy_(r) if out is not None else r


def nan_to_num(a, copy=True, nan=0.0, posinf=None, neginf=None):
    return torch.nan_to_num(_t(a), nan=nan, posinf=posinf, neginf=neginf)
