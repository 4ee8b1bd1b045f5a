"""Movement: joining, flipping, rolling, tiling, repeating, broadcasting and moving axes
(NumPy's names; ``axis=None`` flattens first, as NumPy does).
"""

from __future__ import annotations

import numpy as np
import torch

from .convert import _dim, _t, from_numpy, torch_dtype


def concatenate(arrays, axis=0, out=None, dtype=None):
    arrays = [_t(a) for a in arrays]
    if axis is None:
        arrays, axis = [a.reshape(-1) for a in arrays], 0
    r = torch.cat(arrays, dim=axis)
    return r.to(torch_dtype(dtype)) if dtype is not None else r


def stack(arrays, axis=0, out=None, dtype=None):
    r = torch.stack([_t(a) for a in arrays], dim=axis)
    return r.to(torch_dtype(dtype)) if dtype is not None else r


def flip(m, axis=None):
    m = _t(m)
    return torch.flip(m, _dim(axis, m.ndim))


def roll(a, shift, axis=None):
    a = _t(a)
    if axis is None:
        return torch.roll(a.reshape(-1), shift).reshape(a.shape)
    return torch.roll(a, shift, axis)


def tile(a, reps):
    return torch.tile(_t(a), (reps,) if isinstance(reps, int) else tuple(reps))


def repeat(a, repeats, axis=None):
    a = _t(a)
    if axis is None:
        a, axis = a.reshape(-1), 0
    if isinstance(repeats, (np.ndarray, list, tuple)):  # int64 even when empty (np.asarray(()) is float)
        repeats = from_numpy(np.asarray(repeats, dtype=np.int64))
    return torch.repeat_interleave(a, repeats, dim=axis)


def broadcast_to(array, shape):
    return _t(array).expand(tuple(shape))


def tril(m, k=0):
    return torch.tril(_t(m), diagonal=k)


def triu(m, k=0):
    return torch.triu(_t(m), diagonal=k)


def moveaxis(a, source, destination):
    return torch.movedim(_t(a), source, destination)
