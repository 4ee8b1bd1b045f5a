"""Sorting and selection: ``sort``, ``argsort``, ``topk``, ``kthvalue``, ``median``, ``mode``, ``unique``.

Every op here picks elements by index. Forward finds the indices on raw arrays (not
differentiable); the values are then *gathered* at those indices by ``ValuesAt``, whose
backward *scatters* the gradient back to the same indices:

    y = take_along_dim(x, idx, dim);   dx = zeros_like(x) with dx[idx] = g   (along ``dim``)

One gather/scatter pair serves them all (and ``max``/``min`` with a ``dim`` in ``_ops/reductions/minmax.py``);
only the ``grad_fn`` name differs (``SortBackward0``, ``TopkBackward0`` ...).
"""

from __future__ import annotations

import numpy as np

from ..._core import capture as _capture
from ..._core import dtype as _dtype
from ..._core.args import bool_arguments, int_argument, wrap_dim
from ..._tensor.tensor import Tensor
from ...autograd.function import Primitive
from ...backends import backend_of
from .. import return_types
from .._out import finish
from .extremum import EvenlyDistributed


# ----------------------------------------------------------------------------- gather / scatter
def _at_least_1d(a):
    return a.reshape(1) if a.ndim == 0 else a


class PutAlongDim(Primitive):
    """y = zeros(shape) with y[idx] = g along ``dim`` (indices distinct per slice);  dg = dy[idx]."""

    node_name = "ScatterBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, g, idx, dim, shape):
        ctx.save_for_backward(idx)
        ctx.dim = dim
        xp = backend_of(g)
        out = xp.zeros(shape or (1,), dtype=g.dtype)
        xp.put_along_axis(out, _at_least_1d(idx), _at_least_1d(g), dim)
        return out.reshape(shape)

    @staticmethod
    def backward(ctx, gy):
        (idx,) = ctx.saved_tensors
        return TakeAlongDim.apply(gy, idx._data, ctx.dim, True), None, None, None


class TakeAlongDim(Primitive):
    """y = x[idx] along ``dim`` (``torch.take_along_dim``);  dx = g put back at ``idx``."""

    node_name = "GatherBackward0"  # take_along_dim is gather in PyTorch (and ScatterBackward0's backward)
    also_named = ("MaxBackward0", "MinBackward0", "SortBackward0", "TopkBackward0", "KthvalueBackward0",
                  "MedianBackward1", "ModeBackward0")  # the values of these ops, via ``values_at``
    reason = "node"

    @staticmethod
    def forward(ctx, x, idx, dim, keepdim):
        ctx.save_for_backward(idx)
        ctx.dim, ctx.keepdim, ctx.in_shape = dim, keepdim, x.shape
        y = backend_of(x).take_along_axis(_at_least_1d(x), _at_least_1d(idx), dim)
        if not keepdim and x.ndim > 0:
            y = y.squeeze(dim)
        return y.reshape(idx.shape) if x.ndim == 0 else y

    @staticmethod
    def backward(ctx, g):
        (idx,) = ctx.saved_tensors
        if not ctx.keepdim and len(ctx.in_shape) > 0:
            g = g.unsqueeze(ctx.dim)
        return PutAlongDim.apply(g, idx._data, ctx.dim, ctx.in_shape), None, None, None


def values_at(x: Tensor, idx, dim: int, keepdim: bool, node_name: str) -> Tensor:
    """``x`` gathered at the raw index array ``idx`` (keepdim-shaped) along ``dim``, as op ``node_name``."""
    return TakeAlongDim.named(node_name).apply(x, idx, dim, keepdim)


def _index_tensor(x: Tensor, idx, dim: int, keepdim: bool) -> Tensor:
    if not keepdim and idx.ndim > 0:
        idx = idx.squeeze(dim)
    return x._wrap_result(idx)


def _argsort(a, dim: int, descending: bool):
    """Stable argsort along ``dim``; NaN sorts as the largest value (as PyTorch).

    Descending and still stable: sort the reversed array ascending, reverse the result, and map
    positions back (``i -> n - 1 - i``), so equal values keep their original order.
    """
    xp = backend_of(a)
    a = _at_least_1d(a)
    if not descending:
        return xp.argsort(a, axis=dim, kind="stable")
    n = a.shape[dim]
    rev = xp.flip(xp.argsort(xp.flip(a, axis=dim), axis=dim, kind="stable"), axis=dim)
    return xp.astype(n - 1 - rev, np.int64)


def _topk_indices(a, d: int, largest: bool, k: int):
    """The positions of the ``k`` largest (smallest) elements of array ``a`` along ``d``, in order."""
    idx = _argsort(a, d, largest)
    return backend_of(idx).take(idx, np.arange(k), axis=d) if a.ndim else idx.reshape(())


# ----------------------------------------------------------------------------- sort, argsort, topk
def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool | None = False, out=None):
    """Sorted values and their original positions along ``dim`` (always stable here)."""
    bool_arguments("sort", descending=descending, stable=bool(stable) if stable is None else stable)
    d = wrap_dim(dim, input.dim())
    idx = _capture.call(_argsort, input._data, d, descending).reshape(input.shape)
    values = values_at(input, idx, d, True, "SortBackward0")
    return finish(return_types.sort(values, input._wrap_result(idx)), out, same_dtype=True)


def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool | None = False) -> Tensor:
    """The indices that sort ``input`` along ``dim``: ``sort(...).indices``."""
    bool_arguments("argsort", descending=descending, stable=bool(stable) if stable is None else stable)
    d = wrap_dim(dim, input.dim())
    return input._wrap_result(_capture.call(_argsort, input._data, d, descending).reshape(input.shape))


def msort(input: Tensor, *, out=None) -> Tensor:
    """``sort(input, dim=0).values``."""
    return finish(sort(input, 0).values, out)


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True, *, out=None):
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices."""
    k = int_argument("topk", "k", k, 2)
    bool_arguments("topk", largest=largest, sorted=sorted)
    d = wrap_dim(dim, input.dim())
    n = input.shape[d] if input.dim() else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    if input.dtype is _dtype.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    idx = _capture.call(_topk_indices, input._data, d, largest, k)
    values = values_at(input, idx, d, True, "TopkBackward0")
    return finish(return_types.topk(values, input._wrap_result(idx)), out, same_dtype=True)


# ----------------------------------------------------------------------------- order statistics
def _kth_index(x, d: int, position, nan_wins: bool):
    """Indices (keepdim shape) of the element at sorted ``position`` along ``d`` of the array ``x``;
    with ``nan_wins``, a slice holding a NaN selects its first NaN (PyTorch's median propagates NaN)."""
    a = _at_least_1d(x)
    xp = backend_of(a)
    idx = xp.take(_argsort(a, d, False), [position], axis=d)
    if nan_wins and _dtype._BY_NP[a.dtype].is_floating_point:
        nan = xp.isnan(a)
        has = xp.any(nan, axis=d, keepdims=True)
        idx = xp.where(has, xp.argmax(nan, axis=d, keepdims=True), idx)
    return idx.reshape(()) if x.ndim == 0 else idx


def _check_nonempty(x: Tensor, d: int, name: str) -> None:
    if x.dim() and x.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False, *, out=None):
    """The ``k``-th smallest element (1-based) along ``dim`` and its index."""
    k = int_argument("kthvalue", "k", k, 2)
    bool_arguments("kthvalue", keepdim=keepdim)
    d = wrap_dim(dim, input.dim())
    n = input.shape[d] if input.dim() else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    idx = _kth_index(input._data, d, k - 1, nan_wins=False)
    values = values_at(input, idx, d, keepdim, "KthvalueBackward0")
    return finish(return_types.kthvalue(values, _index_tensor(input, idx, d, keepdim)), out, same_dtype=True)


def median(input: Tensor, dim=None, keepdim: bool = False, *, out=None):
    """The lower median: element ``(n - 1) // 2`` of the sorted slice; NaN if the slice has a NaN.

    Without ``dim``: a 0-d tensor over all elements; its gradient is split evenly among the
    elements equal to the median (PyTorch's ``MedianBackward0``). With ``dim``: ``(values, indices)``.
    """
    bool_arguments("median", keepdim=keepdim)
    if dim is None:
        flat = input._data.reshape(-1)
        if input.numel() == 0:
            value = backend_of(flat).full((), np.nan, dtype=flat.dtype)
            return EvenlyDistributed.named("MedianBackward0").apply(input, value, tuple(range(input.dim())), False)
        idx = _kth_index(flat, 0, (input.numel() - 1) // 2, nan_wins=True)
        value = backend_of(flat).take_along_axis(flat, idx, 0).reshape(())
        return EvenlyDistributed.named("MedianBackward0").apply(input, value, tuple(range(input.dim())), False)
    d = wrap_dim(dim, input.dim())
    _check_nonempty(input, d, "median")
    n = input.shape[d] if input.dim() else 1
    idx = _kth_index(input._data, d, (n - 1) // 2, nan_wins=True)
    values = values_at(input, idx, d, keepdim, "MedianBackward1")
    return finish(return_types.median(values, _index_tensor(input, idx, d, keepdim)), out, same_dtype=True)


def mode(input: Tensor, dim: int = -1, keepdim: bool = False, *, out=None):
    """The most frequent value along ``dim`` (the smallest among equally frequent ones) and the
    index of its last occurrence, as PyTorch's CPU kernel returns."""
    bool_arguments("mode", keepdim=keepdim)
    d = wrap_dim(dim, input.dim())
    _check_nonempty(input, d, "mode")
    xp = backend_of(input._data)
    a = np.moveaxis(xp.to_numpy(_at_least_1d(input._data)), d, -1)  # index bookkeeping on the host
    rows = a.reshape(-1, a.shape[-1]) if a.size else a.reshape(0, a.shape[-1])
    best = np.empty(rows.shape[0], dtype=np.int64)
    for r, row in enumerate(rows):
        values, counts = np.unique(row, return_counts=True)
        winner = values[np.argmax(counts)]
        best[r] = len(row) - 1 - np.argmax(row[::-1] == winner)
    idx = np.moveaxis(best.reshape(a.shape[:-1] + (1,)), -1, d)
    idx = xp.from_numpy(idx.reshape(()) if input.dim() == 0 else idx)
    values = values_at(input, idx, d, keepdim, "ModeBackward0")
    return finish(return_types.mode(values, _index_tensor(input, idx, d, keepdim)), out, same_dtype=True)


# ----------------------------------------------------------------------------- unique
def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
           dim=None):
    """The distinct values (always sorted here), optionally with the inverse map and the counts.

    With ``dim``: the distinct slices along ``dim``. Not differentiable.
    """
    bool_arguments("unique", sorted=sorted, return_inverse=return_inverse, return_counts=return_counts)
    _capture.graph_break("unique: the result's size depends on the data")
    xp = backend_of(input._data)
    a = xp.to_numpy(input._data)  # unique is host-side bookkeeping: the result's size depends on the data
    if dim is None:
        # equal_nan=False: every NaN is a value of its own, sorted last, as PyTorch's sort-based unique
        vals, inv, counts = np.unique(a.reshape(-1), return_inverse=True, return_counts=True, equal_nan=False)
        inv = inv.reshape(input.shape)
    else:
        d = wrap_dim(dim, input.dim())
        vals, inv, counts = np.unique(a, return_inverse=True, return_counts=True, axis=d)
        inv = inv.reshape(-1)
    out = [input._wrap_result(xp.from_numpy(vals))]
    if return_inverse:
        out.append(input._wrap_result(xp.from_numpy(inv.astype(np.int64))))
    if return_counts:
        out.append(input._wrap_result(xp.from_numpy(counts.astype(np.int64))))
    return out[0] if len(out) == 1 else tuple(out)


__all__ = ["argsort", "kthvalue", "median", "mode", "msort", "sort", "topk", "unique"]
