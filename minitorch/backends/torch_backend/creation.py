"""Creation and copies: new tensors on the backend's device, with NumPy's signatures and NumPy's
default dtype (float64).
"""

from __future__ import annotations

import numpy as np
import torch

from .convert import _TORCH_OF_NP, _t, device, from_numpy, torch_dtype


def _float_default(dtype):
    return torch_dtype(dtype) if dtype is not None else torch.float64


def empty(shape, dtype=None, order="C"):
    return torch.empty(shape, dtype=_float_default(dtype), device=device)


def zeros(shape, dtype=None, order="C"):
    return torch.zeros(shape, dtype=_float_default(dtype), device=device)


def ones(shape, dtype=None, order="C"):
    return torch.ones(shape, dtype=_float_default(dtype), device=device)


def full(shape, fill_value, dtype=None, order="C"):
    if isinstance(fill_value, torch.Tensor):
        fill_value = fill_value.item()
    dt = torch_dtype(dtype) if dtype is not None else _TORCH_OF_NP[np.asarray(fill_value).dtype]
    if isinstance(fill_value, np.generic):
        fill_value = fill_value.item()
    return torch.full(tuple(shape) if not isinstance(shape, int) else (shape,), fill_value, dtype=dt, device=device)


def arange(start, stop=None, step=1, dtype=None):
    if stop is None:
        start, stop = 0, start
    dt = torch_dtype(dtype) if dtype is not None else _TORCH_OF_NP[np.result_type(start, stop, step)]
    return torch.arange(start, stop, step, dtype=dt, device=device)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    if not endpoint:
        return from_numpy(np.linspace(start, stop, num, endpoint=False, dtype=dtype))
    return torch.linspace(start, stop, num, dtype=_float_default(dtype), device=device)


def eye(N, M=None, k=0, dtype=float, order="C"):
    if k:
        return from_numpy(np.eye(N, M, k, dtype=dtype))
    return torch.eye(N, M if M is not None else N, dtype=_float_default(dtype), device=device)


def ascontiguousarray(a, dtype=None):
    a = _t(a)
    a = a.to(torch_dtype(dtype)) if dtype is not None else a
    return a.contiguous()


def asarray(a, dtype=None, order=None, copy=None):
    a = _t(a)
    return a.to(torch_dtype(dtype)) if dtype is not None else a


def copy(a, order="K"):
    """A copy: 'K' keeps a dense layout (NumPy's order='K'), 'C' is row-major."""
    a = _t(a)
    if order == "C":
        return a.clone(memory_format=torch.contiguous_format)
    return a.clone()


def copyto(dst, src, casting="same_kind", where=True):
    src = _t(src, dst)
    if where is not True:
        src = torch.where(_t(where), src.to(dst.dtype), dst)
    dst.copy_(src.expand(dst.shape) if src.shape != dst.shape else src)
