"""Reductions: ``sum``, ``mean`` and the ops built on them.

Backward of a reduction over ``dims`` broadcasts the gradient back: put the
reduced dims back as size 1 (``keepdim``), then ``expand`` to the input's shape.
"""

from __future__ import annotations

from .. import _dtype
from .._args import normalize_dims
from .._tensor import Tensor
from ..autograd.function import Primitive
from ..backends import backend_of
from ._out import finish


def restore_dims(g: Tensor, dims: tuple[int, ...], keepdim: bool) -> Tensor:
    """Undo ``keepdim=False``: re-insert the reduced ``dims`` as size-1 dims."""
    if not keepdim:
        for d in dims:
            g = g.unsqueeze(d)
    return g


class Sum(Primitive):
    """y = sum of x over ``dims``;  dx = g expanded back to x's shape."""

    node_name = "SumBackward1"

    @staticmethod
    def forward(ctx, x, dims, keepdim, np_dtype):
        ctx.in_shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return backend_of(x).sum(x, axis=dims, keepdims=keepdim, dtype=np_dtype)

    @staticmethod
    def backward(ctx, g):
        return restore_dims(g, ctx.dims, ctx.keepdim).expand(ctx.in_shape), None, None, None


class SumAll(Sum):
    node_name = "SumBackward0"


class Mean(Primitive):
    """y = mean of x over ``dims``;  dx = g / n expanded back to x's shape."""

    node_name = "MeanBackward1"

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.in_shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        n = 1
        for d in dims:
            n *= x.shape[d]
        ctx.n = n
        return backend_of(x).sum(x, axis=dims, keepdims=keepdim) / x.dtype.type(n) if n else \
            backend_of(x).mean(x, axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        return restore_dims(g, ctx.dims, ctx.keepdim).expand(ctx.in_shape) / ctx.n, None, None


class MeanAll(Mean):
    node_name = "MeanBackward0"


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Sum over ``dim`` (int, tuple, or all). Integer and bool inputs sum in int64."""
    if dtype is not None:
        input = input.to(_dtype.to_dtype(dtype))
    elif not input.dtype.is_floating_point:
        input = input.to(_dtype.int64)
    dims = normalize_dims(dim, input.dim())
    cls = SumAll if dim is None else Sum
    return finish(cls.apply(input, dims, keepdim, None), out)


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Arithmetic mean over ``dim``; only floating point inputs (or an explicit float ``dtype``)."""
    if dtype is not None:
        input = input.to(_dtype.to_dtype(dtype))
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
            f"dtype. Got: {_name(input.dtype)}"
        )
    dims = normalize_dims(dim, input.dim())
    cls = MeanAll if dim is None else Mean
    return finish(cls.apply(input, dims, keepdim), out)


def _name(d) -> str:
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}.get(d.name, d.name)


__all__ = ["sum", "mean"]
METHODS = list(__all__)
INPLACE: list = []
