"""``lerp``: linear interpolation between two tensors, ``input + weight * (end - input)``.

Two Primitives, as PyTorch has two nodes: ``Lerp`` for a number ``weight`` (``LerpBackward0``) and
``LerpTensor`` for a tensor ``weight`` (``LerpBackward1``, whose weight also gets a gradient). The
forward computes as PyTorch's kernel does, from whichever end is nearer, so that ``weight = 1``
gives ``end`` exactly; the engine sums each gradient back to its input's shape (broadcasting).
"""

from __future__ import annotations

from ..._core.args import number_argument, tensor_argument
from ..._tensor.tensor import Tensor
from ...autograd.function import Primitive
from ...backends import backend_of
from .._out import _C_TYPE, _legacy, finish
from .._promotion import cast


class Lerp(Primitive):
    """y = a + w * (b - a) for a number w;  da = g * (1 - w),  db = g * w.

    Computed as PyTorch does: ``a + w * (b - a)`` when ``|w| < 0.5``, else ``b - (b - a) * (1 - w)``,
    so that ``w = 1`` gives ``b`` exactly.
    """

    node_name = "LerpBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, a, b, w):
        ctx.weight = w
        d = b - a
        return a + w * d if abs(w) < 0.5 else b - d * (1 - w)

    @staticmethod
    def backward(ctx, g):
        w = ctx.weight
        return (g * (1 - w) if ctx.needs_input_grad[0] else None), (g * w if ctx.needs_input_grad[1] else None), None


class LerpTensor(Primitive):
    """y = a + w * (b - a) for a tensor w;  da = g * (1 - w),  db = g * w,  dw = g * (b - a).

    The forward chooses per element as ``Lerp`` does; the engine sums each gradient back to its
    input's shape (broadcasting). A 0-d ``w`` of another dtype is cast in the forward, its
    gradient cast back.
    """

    node_name = "LerpBackward1"
    reason = "node"

    @staticmethod
    def forward(ctx, a, b, w):
        ctx.save_for_backward(a, b, w)
        xp = backend_of(a)
        wa = w if w.dtype == a.dtype else xp.astype(w, a.dtype)  # the backend's cast: NumPy or torch arrays
        d = b - a
        return xp.where(xp.abs(wa) < 0.5, a + wa * d, b - d * (1 - wa))

    @staticmethod
    def backward(ctx, g):
        a, b, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        wa = cast(w, a.dtype)
        dw = cast(g * (b - a), w.dtype) if need[2] else None
        return (g * (1 - wa) if need[0] else None), (g * wa if need[1] else None), dw


def lerp(input, end, weight, *, out=None):
    """``input + weight * (end - input)``: ``LerpBackward0`` for a number ``weight``, ``LerpBackward1``
    for a tensor (of input's dtype, or 0-d of any dtype); floating point only, as in PyTorch."""
    tensor_argument("lerp", end, "end", 2)
    if end.dtype is not input.dtype:
        raise RuntimeError(f"expected dtype {_C_TYPE[input.dtype.name]} for `end` but got dtype "
                           f"{_C_TYPE[end.dtype.name]}")
    if isinstance(weight, Tensor):
        if weight.dim() and weight.dtype is not input.dtype:
            raise RuntimeError(f"expected dtype {_C_TYPE[input.dtype.name]} for `weight` but got dtype "
                               f"{_C_TYPE[weight.dtype.name]}")
        _floating_lerp(input, "tensor")
        return finish(LerpTensor.apply(input, end, weight), out)
    number_argument("lerp", "weight", weight, 3)
    _floating_lerp(input, "scalar")
    return finish(Lerp.apply(input, end, float(weight)), out)


def _floating_lerp(input: Tensor, kernel: str) -> None:
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"lerp_kernel_{kernel}\" not implemented for '{_legacy(input.dtype)}'")


__all__ = ["lerp"]
