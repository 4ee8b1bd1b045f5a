"""Conversions to and from PyTorch: ``minitorch.from_torch(x)`` and ``Tensor.to_torch()``.

Both go through NumPy and share memory for CPU tensors (like ``from_numpy``), keep ``requires_grad``
(the result is a leaf), and accept nested lists/tuples/dicts of tensors (a ``state_dict``), so that
``model.load_state_dict(minitorch.from_torch(torch_model.state_dict()))`` works. PyTorch is imported
lazily: ``import minitorch`` never imports torch.
"""

from __future__ import annotations

import collections
from typing import Any

from .tensor import Tensor

__all__ = ["from_torch", "to_torch"]


def _map(obj: Any, leaf_type, convert) -> Any:
    """Apply ``convert`` to every ``leaf_type`` leaf of nested lists/tuples/dicts."""
    if isinstance(obj, leaf_type):
        return convert(obj)
    if isinstance(obj, dict):
        out = type(obj)((k, _map(v, leaf_type, convert)) for k, v in obj.items()) \
            if type(obj) in (dict, collections.OrderedDict) else {k: _map(v, leaf_type, convert) for k, v in obj.items()}
        if hasattr(obj, "_metadata"):
            out._metadata = obj._metadata
        return out
    if isinstance(obj, (list, tuple)) and not hasattr(obj, "_fields"):
        return type(obj)(_map(v, leaf_type, convert) for v in obj)
    return obj


def from_torch(obj: Any) -> Any:
    """A PyTorch tensor (or a structure of them) as minitorch tensors; ``nn.Parameter`` stays a Parameter."""
    import torch

    from .._ops.creation.factories import from_numpy

    def convert(t: torch.Tensor) -> Tensor:
        if t.dtype in (torch.bfloat16, torch.complex64, torch.complex128) or t.is_sparse:
            raise TypeError(f"minitorch.from_torch: unsupported tensor type {t.dtype}")
        out = from_numpy(t.detach().cpu().resolve_conj().resolve_neg().numpy())
        if isinstance(t, torch.nn.Parameter):
            from ..nn.parameter import Parameter

            return Parameter(out, requires_grad=t.requires_grad)
        return out.requires_grad_(t.requires_grad)

    return _map(obj, torch.Tensor, convert)


def to_torch(obj: Any) -> Any:
    """A minitorch tensor (or a structure of them) as PyTorch tensors (``Tensor.to_torch()``)."""
    import torch

    def convert(t: Tensor) -> torch.Tensor:
        from ..nn.parameter import Parameter

        out = torch.from_numpy(t.detach().numpy(force=True))
        if isinstance(t, Parameter):
            return torch.nn.Parameter(out, requires_grad=t.requires_grad)
        return out.requires_grad_(t.requires_grad)

    return _map(obj, Tensor, convert)
