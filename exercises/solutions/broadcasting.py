"""Solutions to exercises/broadcasting.py (docs/broadcasting.md)."""

from __future__ import annotations

import minitorch as torch


# --8<-- [start:broadcast_shape]
def broadcast_shape(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    ndim = max((len(s) for s in shapes), default=0)
    result = [1] * ndim
    for shape in shapes:
        for i, size in enumerate(shape, start=ndim - len(shape)):  # align on the right
            if result[i] == 1:
                result[i] = size
            elif size not in (1, result[i]):
                raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single "
                                   f"shape at dimension {i}: {result[i]} vs {size}")
    return tuple(result)
# --8<-- [end:broadcast_shape]


# --8<-- [start:expand_strides]
def expand_strides(shape: tuple[int, ...], strides: tuple[int, ...],
                   target: tuple[int, ...]) -> tuple[int, ...]:
    lead = len(target) - len(shape)
    out = [0] * lead  # new dims on the left: every step reads the same memory
    for size, stride, want in zip(shape, strides, target[lead:]):
        out.append(stride if size == want else 0)  # grown from 1: stride 0
    return tuple(out)
# --8<-- [end:expand_strides]


# --8<-- [start:unbroadcast]
def unbroadcast(grad: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    lead = grad.dim() - len(shape)
    dims = list(range(lead)) + [lead + i for i, size in enumerate(shape)
                                if size == 1 and grad.shape[lead + i] != 1]
    if dims:
        grad = grad.sum(dim=dims, keepdim=True)
    return grad.reshape(shape)  # drops the kept leading dims
# --8<-- [end:unbroadcast]


# --8<-- [start:zero_dim_changes_the_dtype]
def zero_dim_changes_the_dtype() -> tuple[torch.dtype, torch.dtype]:
    # Same category (integer): the 0-d int64 is ignored, the 1-d one promotes.
    return torch.int32, torch.int64
# --8<-- [end:zero_dim_changes_the_dtype]
