"""The gradient of an extremum (``amax``, ``max``/``min`` without ``dim``, ``median`` without ``dim``).

The extremum itself is computed by the caller (``minmax.py``, ``sort.py``); ``EvenlyDistributed``
records it and splits the gradient evenly among the elements equal to it, as PyTorch does. It lives
in its own file so that ``minmax.py`` and ``sort.py`` can both use it without importing each other.
"""

from __future__ import annotations

from ..._tensor.tensor import Tensor
from ...autograd.function import Primitive
from ...backends import backend_of
from ..pointwise.compare import logical_or


def restore_dims(g: Tensor, dims: tuple[int, ...], keepdim: bool) -> Tensor:
    """Undo ``keepdim=False``: re-insert the reduced ``dims`` as size-1 dims."""
    if not keepdim:
        for d in dims:
            g = g.unsqueeze(d)
    return g


class EvenlyDistributed(Primitive):
    """y = an extremum of x over ``dims`` (max, min, median), computed by the caller;
    dx = g split evenly among the elements equal to y (NaN counts as equal to a NaN result)."""

    node_name = "AmaxBackward0"
    also_named = ("AminBackward0", "MaxBackward1", "MinBackward1", "MedianBackward0")  # via ``named``
    reason = "node"

    @staticmethod
    def forward(ctx, x, y, dims, keepdim):
        y = backend_of(x).asarray(y)
        ctx.save_for_backward(x, y)
        ctx.dims = dims
        ctx.keepdim = keepdim
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        y, g = restore_dims(y, ctx.dims, ctx.keepdim), restore_dims(g, ctx.dims, ctx.keepdim)
        chosen = logical_or(x == y, x.isnan() & y.isnan()) if x.dtype.is_floating_point else x == y
        return g * chosen / chosen.sum(ctx.dims, keepdim=True), None, None, None
