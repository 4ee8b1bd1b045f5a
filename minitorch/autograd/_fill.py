"""The few tensors autograd makes itself: ones for the implicit gradient of a scalar output, zeros
for a missing or materialized gradient, and ``gradcheck``'s tensors from NumPy arrays.

The factories (``_ops/creation/factories.py``) are a layer up and import autograd, so these are
built here from the backend and the registered ``Tensor`` class (``function.register_tensor_class``),
the way the factories build them: a NumPy array, moved to the device's backend, wrapped.
"""

from __future__ import annotations

import numpy as np

from .._core.device import to_device
from .._core.strides import contiguous_strides, numel, preserved_strides
from ..backends import cpu, get_backend
from . import function


def _wrap(array: np.ndarray, device):
    """Wrap a new NumPy array as a tensor on ``device`` (factories.py's ``_finish``)."""
    dev = to_device(device)
    data = array if dev.type == "cpu" else get_backend(dev).from_numpy(array, dev)
    return function._tensor_class._make(data, dev)


def tensor(array: np.ndarray, dtype, device=None, requires_grad: bool = False):
    """``torch.tensor(array, dtype=dtype, device=device, requires_grad=requires_grad)`` of a NumPy array."""
    t = _wrap(np.array(array, dtype=dtype.np), device)
    if array.flags.c_contiguous:  # as ``tensor()`` does: the array's own strides of size-1 and empty dims
        t._stride = tuple(s // array.itemsize for s in array.strides)
    if requires_grad:
        t.requires_grad = True
    return t


def zeros(shape, *, dtype, device):
    """``torch.zeros(shape, dtype=dtype, device=device)``."""
    return _wrap(np.zeros(shape, dtype.np), device)


def ones(shape, *, dtype, device):
    """``torch.ones(shape, dtype=dtype, device=device)``."""
    return _wrap(np.ones(shape, dtype.np), device)


def _full_like(input, value):
    """``torch.full_like(input, value)``: ``input``'s dtype, device and layout (``preserve_format``)."""
    shape = tuple(input.shape)
    strides = preserved_strides(shape, input.stride())
    storage = np.full((numel(shape),), value, input.dtype.np)
    array = storage.reshape(shape) if strides == contiguous_strides(shape) else cpu.as_strided(storage, shape, strides, 0)
    return _wrap(array, input.device)


def zeros_like(input):
    """``torch.zeros_like(input)``."""
    return _full_like(input, 0)


def ones_like(input):
    """``torch.ones_like(input)``."""
    return _full_like(input, 1)
