"""Backends: where a tensor's numbers live and which kernels compute on them.

A backend is a namespace of array functions with NumPy's names and signatures
(``exp``, ``sum(a, axis=, keepdims=)``, ``matmul``, ...), plus a few
minitorch-specific ones (``as_strided``, ``storage_of``, ``conv2d``...).
``Primitive.forward`` calls them through ``backend_of(array)`` and never
needs to know which backend it runs on:

- ``cpu``: NumPy arrays, with the numba kernels of ``kernels/`` for
  convolution, pooling and matmul.
- ``cuda``: torch CUDA tensors (``backends/torch_backend/``), imported
  only when the first CUDA tensor is made. ``MINITORCH_FAKE_CUDA=1`` keeps
  them on the host (see there). docs/backends.md describes the contract.

The small submodules ``mps``, ``cudnn``, ``mkldnn`` and ``cuda`` are ``torch.backends.*``: the
availability questions and flags tutorials use (``torch.backends.cudnn.benchmark = True``).
"""

from __future__ import annotations

import numpy as np

from .._core.device import check_cuda_available
from . import cpu, cuda, cudnn, mkldnn, mps

_ndarray = np.ndarray
_torch_backend = None  # the module, once the first CUDA tensor is made
_torch_tensor: type = type(None)


def backend_of(array):
    """The backend namespace that owns ``array``."""
    if type(array) is _ndarray:
        return cpu
    return _other_backend(array)


def _other_backend(array):
    if isinstance(array, np.ndarray):
        return cpu
    if isinstance(array, _torch_tensor):
        return _torch_backend
    raise TypeError(f"no minitorch backend for arrays of type {type(array).__name__}")


def _load_torch_backend():
    """Import torch (only now) and teach ``_dtype`` the torch dtypes its arrays report."""
    global _torch_backend, _torch_tensor
    if _torch_backend is None:
        from .._core import dtype as _dtype
        from . import torch_backend

        for np_dtype, torch_dtype in torch_backend._TORCH_OF_NP.items():
            _dtype._BY_NP[torch_dtype] = _dtype._BY_NP[np_dtype]
        _torch_tensor = torch_backend.ndarray
        _torch_backend = torch_backend
    return _torch_backend


def get_backend(device):
    """The backend for a ``device`` (``minitorch.device`` or string)."""
    kind = getattr(device, "type", device)
    if kind == "cpu":
        return cpu
    if kind == "cuda" or str(kind).startswith("cuda:"):
        check_cuda_available()
        return _load_torch_backend()
    raise RuntimeError(f"no backend for device {device!r}")

