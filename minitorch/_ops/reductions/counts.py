"""Truth values and counts: ``all``, ``any``, ``count_nonzero``, ``bincount``.

Their results are bool or integer: none of them records a gradient. ``all``/``any`` keep uint8 for
uint8 inputs, as PyTorch does; ``bincount``'s result size depends on the data (a graph break for
``minitorch.compile``).
"""

from __future__ import annotations

import numpy as np

from ..._core import capture as _capture
from ..._core import dtype as _dtype
from ..._core.args import bool_argument, normalize_dims
from ..._tensor.tensor import Tensor
from ...backends import backend_of
from .._out import _legacy, finish


# ----------------------------------------------------------------------------- all, any, count_nonzero
def _all_any(input: Tensor, dim, keepdim: bool, reduce_all: bool) -> Tensor:
    bool_argument("all" if reduce_all else "any", "keepdim", keepdim)
    dims = normalize_dims(dim, input.dim())
    return input._wrap_result(_capture.call(_all_any_array, input._data, dims, keepdim, reduce_all,
                                            input.dtype is _dtype.uint8))


def _all_any_array(a, dims, keepdim: bool, reduce_all: bool, uint8: bool):
    xp = backend_of(a)
    y = (xp.all if reduce_all else xp.any)(a, axis=dims, keepdims=keepdim)
    if uint8:  # PyTorch keeps uint8 for uint8 inputs
        y = xp.astype(y, np.uint8)
    return xp.asarray(y)


def _all_any_out(op: str, input: Tensor, dim, keepdim: bool, out) -> Tensor:
    """all/any with ``out=``: PyTorch writes into a bool or a uint8 ``out`` only, computing in its
    dtype (a float input is cast to uint8 first: ``all([0.4], out=uint8)`` is 0)."""
    if out is None:
        return _all_any(input, dim, keepdim, op == "all")
    if isinstance(out, Tensor):
        if out.dtype not in (_dtype.bool_, _dtype.uint8):
            raise RuntimeError(f"{op} only supports bool tensor for result, got: {_legacy(out.dtype)}")
        if out.dtype is _dtype.uint8 and input.dtype is not _dtype.bool_:
            input = input.detach().to(_dtype.uint8)
        return finish(_all_any(input, dim, keepdim, op == "all").to(out.dtype), out)
    return finish(_all_any(input, dim, keepdim, op == "all"), out)


def all(input: Tensor, dim=None, keepdim: bool = False, *, out=None) -> Tensor:
    """True where every element over ``dim`` is non-zero (bool; uint8 for uint8 inputs)."""
    return _all_any_out("all", input, dim, keepdim, out)


def any(input: Tensor, dim=None, keepdim: bool = False, *, out=None) -> Tensor:
    """True where some element over ``dim`` is non-zero (bool; uint8 for uint8 inputs)."""
    return _all_any_out("any", input, dim, keepdim, out)


def count_nonzero(input: Tensor, dim=None) -> Tensor:
    """The number of non-zero elements over ``dim`` (int64)."""
    return input._wrap_result(_capture.call(_count_nonzero_array, input._data, normalize_dims(dim, input.dim())))


def _count_nonzero_array(a, dims):
    xp = backend_of(a)
    return xp.astype(xp.asarray(xp.count_nonzero(a, axis=dims)), np.int64)


# ----------------------------------------------------------------------------- bincount
def bincount(input: Tensor, weights=None, minlength: int = 0) -> Tensor:
    """counts[i] = number of i in the 1-d non-negative ``input`` (or the sum of their ``weights``)."""
    if input.dtype.is_floating_point or input.dtype is _dtype.bool_:
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{input.dtype.name.capitalize()}'")
    _capture.graph_break("bincount: the result's size depends on the data")
    xp = backend_of(input._data)
    if input.dim() != 1 or (input.numel() and int(xp.amin(input._data)) < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is not None and (weights.dim() != 1 or weights.shape[0] != input.shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    w = None if weights is None else weights._data
    y = xp.bincount(xp.astype(input._data, np.int64), weights=w, minlength=minlength)
    if weights is None or input.numel() == 0:  # PyTorch: counts are int64, also for empty weights
        y = xp.astype(y, np.int64)
    elif weights.dtype is _dtype.float32:
        y = xp.astype(y, np.float32)
    return input._wrap_result(y)
