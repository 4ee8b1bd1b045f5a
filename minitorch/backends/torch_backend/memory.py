"""Memory: storage, strides, addresses and layout, the questions minitorch's views ask of an array.

Strides and offsets count elements, as torch's do (NumPy counts bytes; ``backends/cpu.py``
converts).
"""

from __future__ import annotations

import torch


def as_strided(storage, shape, stride, offset):
    """A view of the 1-D ``storage`` with element strides (offsets count from ``storage``'s first element)."""
    return torch.as_strided(storage, tuple(shape), tuple(stride), storage.storage_offset() + offset)


def storage_of(a):
    """A 1-D tensor over the memory ``a`` addresses, starting at ``a``'s first element."""
    if a.is_contiguous():
        return a.reshape(-1)
    span = 1 + sum((n - 1) * s for n, s in zip(a.shape, a.stride())) if a.numel() else 0
    return torch.as_strided(a, (span,), (1,), a.storage_offset())


def element_strides(a):
    return tuple(a.stride())


def address(a) -> int:
    """From the storage's address, so that empty tensors (whose ``data_ptr()`` may be 0) agree with their storage."""
    return a.untyped_storage().data_ptr() + a.storage_offset() * a.element_size()


def is_c_contiguous(a) -> bool:
    return a.is_contiguous()


def is_f_contiguous(a) -> bool:
    return a.ndim < 2 and a.is_contiguous() or a.permute(*reversed(range(a.ndim))).is_contiguous()
