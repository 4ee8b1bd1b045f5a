"""Indexing: gathers (``take``, ``take_along_axis``, ``nonzero``) and the writes at index-array
keys, in place (``index_put``, ``index_reduce_at``, ``put_along_axis``).

torch has no ``ufunc.at``: a write at a key is a ``scatter_reduce_`` over the flat positions the
key selects (``_positions``), so repeated positions all count.
"""

from __future__ import annotations

import numpy as np
import torch

from .convert import _t


def take_along_axis(arr, indices, axis):
    arr, indices = _t(arr), _t(indices)
    if axis is None:
        return torch.take_along_dim(arr.reshape(-1), indices.reshape(-1))
    return torch.take_along_dim(arr, indices, dim=axis)


def put_along_axis(arr, indices, values, axis):
    """In place, as NumPy: ``arr[..., indices[i], ...] = values`` along ``axis``."""
    indices = _t(indices)
    values = _t(values, arr)
    target = arr if axis is not None else arr.view(-1)
    axis = 0 if axis is None else axis
    target.scatter_(axis, indices, values.to(arr.dtype).expand(indices.shape).contiguous())


def nonzero(a):
    return torch.nonzero(_t(a), as_tuple=True)


def take(a, indices, axis=None):
    a, indices = _t(a), _t(indices)
    if axis is None:
        return a.reshape(-1)[indices]
    axis = axis % a.ndim
    r = torch.index_select(a, axis, indices.reshape(-1))
    return r.reshape(a.shape[:axis] + indices.shape + a.shape[axis + 1:])


def _key(key):
    key = key if isinstance(key, tuple) else (key,)
    return tuple(_t(k) if isinstance(k, (np.ndarray, list)) else k for k in key)


def _positions(a, key):
    """Flat positions in ``a`` of the elements ``a[key]`` selects (shape of ``a[key]``)."""
    return torch.arange(a.numel(), device=a.device).reshape(a.shape)[_key(key)]


def _scatter_at(a, key, values, reduce):
    pos = _positions(a, key)
    vals = _t(values, a).to(a.dtype).expand(pos.shape).reshape(-1)
    flat = a.reshape(-1) if a.is_contiguous() else a.flatten()
    flat.scatter_reduce_(0, pos.reshape(-1), vals, reduce=reduce, include_self=True)
    if not a.is_contiguous():
        a.copy_(flat.reshape(a.shape))


_REDUCE = {"sum": "sum", "prod": "prod", "amax": "amax", "amin": "amin"}


def index_put(a, key, values, accumulate=False):
    """``a[key] = values``; with ``accumulate``, ``a[key] += values`` where repeated positions add up."""
    if accumulate:
        _scatter_at(a, key, values, "sum")
    else:
        a[_key(key)] = _t(values, a).to(a.dtype)


def index_reduce_at(a, key, values, reduce):
    """``a[key] = reduce(a[key], values)`` one position at a time (repeats all count)."""
    _scatter_at(a, key, values, _REDUCE[reduce])
