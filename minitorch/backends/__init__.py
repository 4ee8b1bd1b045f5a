"""Backends: where a tensor's numbers live and which kernels compute on them.

A backend is a namespace of array functions with NumPy's names and signatures
(``exp``, ``sum(a, axis=, keepdims=)``, ``matmul``, ...), plus a few
minitorch-specific ones (``as_strided``, ``storage_of``, ``conv2d``...).
``Primitive.forward`` calls them through ``backend_of(array)`` and never
needs to know which backend it runs on:

- ``cpu``: NumPy arrays, with the numba kernels of ``kernels/`` for
  convolution, pooling and matmul.
- ``cuda``: torch CUDA tensors (see ``backends/torch_backend.py``), imported
  only when the first CUDA tensor is made.
"""

from __future__ import annotations

import numpy as np

from . import cpu

_ndarray = np.ndarray


def backend_of(array):
    """The backend namespace that owns ``array``."""
    if type(array) is _ndarray:
        return cpu
    return _other_backend(array)


def _other_backend(array):
    if isinstance(array, np.ndarray):
        return cpu
    raise TypeError(f"no minitorch backend for arrays of type {type(array).__name__}")


def get_backend(device):
    """The backend for a ``device`` (``minitorch.device`` or string)."""
    kind = getattr(device, "type", device)
    if kind == "cpu":
        return cpu
    raise RuntimeError(f"no backend for device {device!r}")


def move_to_device(tensor, device):
    """Copy ``tensor`` to ``device`` (a differentiable op; the CUDA backend lands with the GPU issue)."""
    raise RuntimeError(
        f"minitorch has no {device.type} backend yet: only 'cpu' tensors are supported in this version"
    )
