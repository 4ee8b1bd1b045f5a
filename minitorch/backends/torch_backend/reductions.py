"""Reductions, scans, sorting and counting, with NumPy's ``axis`` (None, an int or a tuple; ``()``
reduces nothing) and ``keepdims`` on torch's ``dim`` and ``keepdim``.
"""

from __future__ import annotations

import builtins

import numpy as np
import torch

from .convert import _dim, _t, from_numpy, torch_dtype


def _reduce(fn, a, axis, keepdims, **kw):
    a = _t(a)
    dims = _dim(axis, a.ndim)
    if not dims and axis is not None:
        return a.clone() if not kw.get("dtype") else a.to(kw["dtype"])
    if a.ndim == 0:
        return fn(a, **kw)
    return fn(a, dim=dims, keepdim=keepdims, **kw)


def sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    r = _reduce(torch.sum, a, axis, keepdims, dtype=torch_dtype(dtype))
    return out.copy_(r) if out is not None else r


def sum_leading(a, keepdims=False):
    """``sum(a, axis=0)``: the CPU backend's batch sum shared over its threads
    (kernels/reduction.py); torch's own sum already shares the work."""
    return torch.sum(_t(a), 0, keepdim=keepdims)


def mean(a, axis=None, dtype=None, out=None, keepdims=False):
    a = _t(a)
    if dtype is None and not a.is_floating_point():
        dtype = np.float64
    r = _reduce(torch.mean, a, axis, keepdims, dtype=torch_dtype(dtype))
    return out.copy_(r) if out is not None else r


def prod(a, axis=None, dtype=None, out=None, keepdims=False):
    a = _t(a)
    dt = torch_dtype(dtype)
    if axis is None:
        r = torch.prod(a, dtype=dt)
        return r.reshape((1,) * a.ndim) if keepdims else r
    r = a.to(dt) if dt is not None else a
    for d in sorted((d % a.ndim for d in _dim(axis, a.ndim)), reverse=True):
        r = torch.prod(r, dim=d, keepdim=keepdims) if r.dtype != torch.bool else torch.prod(r, d, keepdims,
                                                                                          dtype=torch.int64)
    return r


def _empty_reduction(a, dims, op):
    if a.numel() == 0 and builtins.any(a.shape[d] == 0 for d in dims):
        raise ValueError(f"zero-size array to reduction operation {op} which has no identity")


def amax(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    a = _t(a)
    _empty_reduction(a, _dim(axis, a.ndim), "maximum")
    return _reduce(torch.amax, a, axis, keepdims)


def amin(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    a = _t(a)
    _empty_reduction(a, _dim(axis, a.ndim), "minimum")
    return _reduce(torch.amin, a, axis, keepdims)


def _no_bool(a):
    a = _t(a)
    return a.to(torch.uint8) if a.dtype == torch.bool else a  # torch's argmax/argmin reject bool


def argmax(a, axis=None, out=None, *, keepdims=False):
    return torch.argmax(_no_bool(a), dim=axis, keepdim=keepdims)


def argmin(a, axis=None, out=None, *, keepdims=False):
    return torch.argmin(_no_bool(a), dim=axis, keepdim=keepdims)


def all(a, axis=None, out=None, keepdims=False):
    """bool, as NumPy (torch keeps uint8 for uint8 and, with no dims, the input itself)."""
    return _reduce(torch.all, a, axis, keepdims).to(torch.bool)


def any(a, axis=None, out=None, keepdims=False):
    """bool, as NumPy (torch keeps uint8 for uint8 and, with no dims, the input itself)."""
    return _reduce(torch.any, a, axis, keepdims).to(torch.bool)


def cumsum(a, axis=None, dtype=None, out=None):
    a = _t(a)
    if axis is None:
        a, axis = a.reshape(-1), 0
    dt = torch_dtype(dtype)
    if dt is None and (a.dtype == torch.bool or not (a.is_floating_point() or a.dtype == torch.int64)):
        dt = torch.int64 if not a.is_floating_point() else None
    return torch.cumsum(a, dim=axis, dtype=dt)


def cumprod(a, axis=None, dtype=None, out=None):
    a = _t(a)
    if axis is None:
        a, axis = a.reshape(-1), 0
    dt = torch_dtype(dtype)
    if dt is None and not a.is_floating_point():
        dt = torch.int64
    return torch.cumprod(a, dim=axis, dtype=dt)


def sort(a, axis=-1, kind=None, order=None, *, stable=None):
    a = _t(a)
    if axis is None:
        a, axis = a.reshape(-1), 0
    return torch.sort(a, dim=axis, stable=True).values


def argsort(a, axis=-1, kind=None, order=None, *, stable=None):
    a = _t(a)
    if axis is None:
        a, axis = a.reshape(-1), 0
    return torch.sort(a, dim=axis, stable=True).indices


def count_nonzero(a, axis=None, *, keepdims=False):
    a = _t(a)
    r = torch.count_nonzero(a, dim=axis)
    if keepdims:
        for d in sorted(d % a.ndim for d in _dim(axis, a.ndim)):
            r = r.unsqueeze(d)
    return r


def bincount(x, weights=None, minlength=0):
    return torch.bincount(_t(x), None if weights is None else _t(weights), minlength)


# ---- segment sums (_ops/shape/copies.py: SegmentSum, the backward of repeat_interleave)
def add_reduceat(a, indices, axis=0):
    """``np.add.reduceat`` for increasing ``indices``: y[i] = sum of a[indices[i]:indices[i+1]] along ``axis``
    (the last segment runs to the end)."""
    a = _t(a)
    starts = from_numpy(np.asarray(indices, dtype=np.int64))
    n = a.shape[axis]
    seg = torch.searchsorted(starts, torch.arange(n, device=a.device), right=True) - 1
    keep = (seg >= 0).nonzero().reshape(-1)
    shape = list(a.shape)
    shape[axis] = len(starts)
    out = torch.zeros(shape, dtype=a.dtype, device=a.device)
    return out.index_add_(axis, seg[keep], a.index_select(axis, keep))
