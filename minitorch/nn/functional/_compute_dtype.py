"""The dtype convolution and pooling compute in, when the kernels have no loop for the input's.

The numba kernels of ``kernels/`` are written for float32 and float64. PyTorch's CPU kernels
accept more, and minitorch matches them by widening:

- float16: computed in float32 and rounded to float16 once at the end, which is what PyTorch's
  CPU kernels effectively do (they accumulate half in float);
- integers (convolution): computed in float64, rounded, and cast back through int64, so that
  the result is exact while every partial sum stays below 2**53, and a narrower type wraps
  around as PyTorch's integer arithmetic does (uint8 sums are taken modulo 256).

Autograd goes through the casts (``ToCopyBackward0``); integer tensors never require grad.
"""

from __future__ import annotations

from collections.abc import Callable

from ..._core import dtype as _dtype
from ..._tensor.methods import Tensor


def widened(fn: Callable, input: Tensor, *others: Tensor | None, integers: bool = False):
    """``fn(input, *others)``, computed in a wider dtype for float16 (and, with ``integers``, for
    integer) inputs, the result cast back to ``input``'s dtype. A tuple result (values, indices)
    has only its first element cast."""
    dt = input.dtype
    if dt is _dtype.float16:
        wide = _dtype.float32
    elif integers and not dt.is_floating_point and dt is not _dtype.bool_:
        wide = _dtype.float64
    else:
        return fn(input, *others)
    out = fn(input.to(wide), *(o.to(wide) if isinstance(o, Tensor) else o for o in others))
    y = out[0] if isinstance(out, tuple) else out
    y = y.to(dt) if dt is _dtype.float16 else y.round().to(_dtype.int64).to(dt)
    return (y, *out[1:]) if isinstance(out, tuple) else y
