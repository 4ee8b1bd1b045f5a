"""Scans: ``cumsum`` and ``cumprod``, the running sum and product along one dim.

Unlike a reduction (_ops/reductions/sums.py ...) a scan keeps the input's shape: output i combines inputs 0..i.
Its gradient is a scan too, run the other way: ``CumSum``'s backward is the reversed cumsum,
and ``CumProd``'s is built from ``CumSum`` (and, with zeros, from ``CumProd`` itself).
"""

from __future__ import annotations

import numpy as np

from ..._core import dtype as _dtype
from ..._core.args import wrap_dim
from ..._tensor.tensor import Tensor
from ...autograd.function import Primitive
from ...backends import backend_of
from .._out import computing_dtype, finish
from ..pointwise.selection import where
from .sums import _accumulate_dtype, accumulator, in_requested_dtype


def _scan(xp, fn, x, dim: int, reverse: bool = False):
    a = x.reshape(1) if x.ndim == 0 else x
    if reverse:
        a = xp.flip(fn(xp.flip(a, axis=dim), axis=dim, dtype=accumulator(a)), axis=dim)
    else:
        a = fn(a, axis=dim, dtype=accumulator(a))
    return a.reshape(x.shape)


class CumSum(Primitive):
    """y_i = sum_{j <= i} x_j along ``dim``;  dx_i = sum_{j >= i} g_j (the reversed cumsum)."""

    node_name = "CumsumBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, dim, reverse):
        ctx.dim, ctx.reverse = dim, reverse
        xp = backend_of(x)
        return _scan(xp, xp.cumsum, x, dim, reverse)

    @staticmethod
    def backward(ctx, g):
        return CumSum.apply(g, ctx.dim, not ctx.reverse), None, None


class CumProd(Primitive):
    """y_i = prod_{j <= i} x_j along ``dim``;  dx_k = sum_{i >= k} g_i prod_{j <= i, j != k} x_j.

    Without zeros that is reversed_cumsum(g * y) / x. With a zero it is computed directly: for
    each k, the cumprod of x with x_k replaced by 1 (O(n^2) along ``dim``; still Tensor ops).
    """

    node_name = "CumprodBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        xp = backend_of(x)
        y = _scan(xp, xp.cumprod, x, dim)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        d = ctx.dim
        if x.dim() == 0:
            return g, None
        if not bool((x == 0).any()):
            return CumSum.apply(g * y, d, True) / x, None
        n, xp = x.shape[d], backend_of(x._data)
        along = [1] * (x.dim() + 1)
        along[0], along[d + 1] = n, n
        k, i = np.arange(n).reshape(n, 1), np.arange(n).reshape(1, n)
        is_k = x._wrap_result(xp.asarray(k == i).reshape(along))  # [k, ..., j, ...]: j == k
        later = x._wrap_result(xp.asarray(i >= k).reshape(along))  # [k, ..., i, ...]: i >= k
        without_k = CumProd.apply(where(is_k, 1.0, x.unsqueeze(0)), d + 1)
        dx = (without_k * g.unsqueeze(0) * later).sum(d + 1)  # [k, rest...]
        order = list(range(1, x.dim()))
        order.insert(d, 0)
        return dx.permute(order), None


def _no_bool_dtype(op: str, dtype) -> None:
    if dtype is _dtype.bool_:
        raise NotImplementedError(f"\"{op}_out_cpu\" not implemented for 'Bool'")


def cumsum(input: Tensor, dim: int, *, dtype=None, out=None) -> Tensor:
    """Running sum along ``dim``. Integer and bool inputs accumulate in int64."""
    dtype = computing_dtype(input, dtype, out, "cumsum")
    _no_bool_dtype("cumsum", dtype)
    input = _accumulate_dtype(input, dtype, "cumsum")
    return finish(in_requested_dtype(CumSum.apply(input, wrap_dim(dim, input.dim()), False), input.dtype), out)


def cumprod(input: Tensor, dim: int, *, dtype=None, out=None) -> Tensor:
    """Running product along ``dim``. Integer and bool inputs accumulate in int64."""
    dtype = computing_dtype(input, dtype, out, "cumprod")
    _no_bool_dtype("cumprod", dtype)
    input = _accumulate_dtype(input, dtype, "cumprod")
    return finish(in_requested_dtype(CumProd.apply(input, wrap_dim(dim, input.dim())), input.dtype), out)


__all__ = ["cumprod", "cumsum"]
