"""What crosses the CUDA backend's boundary: the device, NumPy dtypes, NumPy arrays and scalars.

The backend speaks NumPy dtypes at its boundary (``astype(a, np.float32)``) and takes NumPy
arrays and scalars where a Primitive passes them: ``torch_dtype`` and ``_t`` translate, and
``to_numpy`` / ``from_numpy`` are the host copies. ``device`` is where the arrays live: the GPU,
or with ``MINITORCH_FAKE_CUDA=1`` the host (see the package's docstring).
"""

from __future__ import annotations

import os

import numpy as np
import torch

FAKE = os.environ.get("MINITORCH_FAKE_CUDA") == "1"
device = torch.device("cpu") if FAKE else torch.device("cuda")  # where the arrays live

_TORCH_OF_NP = {
    np.dtype(np.bool_): torch.bool, np.dtype(np.uint8): torch.uint8, np.dtype(np.int8): torch.int8,
    np.dtype(np.int16): torch.int16, np.dtype(np.int32): torch.int32, np.dtype(np.int64): torch.int64,
    np.dtype(np.float16): torch.float16, np.dtype(np.float32): torch.float32,
    np.dtype(np.float64): torch.float64,
}
_NP_OF_TORCH = {t: n for n, t in _TORCH_OF_NP.items()}


def torch_dtype(d):
    """A torch dtype from a NumPy dtype, a NumPy scalar type, a Python type or a torch dtype (None stays)."""
    if d is None or isinstance(d, torch.dtype):
        return d
    return _TORCH_OF_NP[np.dtype(d)]


def numpy_dtype(a) -> np.dtype:
    """The NumPy dtype of a tensor's elements (what ``a.dtype`` is on the CPU backend)."""
    return _NP_OF_TORCH[a.dtype]


def _t(x, like=None):
    """``x`` as a tensor on the backend's device: NumPy arrays and scalars are copied over."""
    if isinstance(x, torch.Tensor):
        return x
    if isinstance(x, np.ndarray):
        return from_numpy(x)
    if isinstance(x, np.generic):
        return torch.tensor(x.item(), dtype=_TORCH_OF_NP[x.dtype], device=device)
    if isinstance(x, (list, tuple)):
        return from_numpy(np.asarray(x))
    return torch.tensor(x, dtype=like.dtype if like is not None else None, device=device)


def _dim(axis, ndim):
    """NumPy's ``axis`` (None = all, () = none) as a tuple of dims."""
    if axis is None:
        return tuple(range(ndim))
    return tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)


def astype(a, np_dtype):
    return a.to(torch_dtype(np_dtype), copy=True)


def to_numpy(a):
    """A host copy as a NumPy array (always a copy: device memory is not host memory)."""
    return a.detach().to("cpu", copy=True).numpy()


def from_numpy(a, dev=None):
    """A device copy of a NumPy array."""
    a = np.asarray(a)
    if a.dtype not in _TORCH_OF_NP:
        a = a.astype(np.float64 if a.dtype.kind == "f" else np.int64)
    if any(s < 0 or s % a.itemsize for s in a.strides):
        a = np.ascontiguousarray(a)
    return torch.from_numpy(a).to(device, copy=True)
