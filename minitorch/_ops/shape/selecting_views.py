"""Selecting views: ops that pick some elements of a tensor, never copying.

``select`` (``x[i]``), ``slice_dim`` (``x[a:b:c]``), ``narrow``, ``diagonal``, ``unfold`` and
``as_strided``: each computes a new (shape, stride, offset) over the input's storage with a
``geom`` function (``_select_geom`` ...) and makes a ``StridedView`` of it, sharing the storage
and the version counter as every view does (``_ops/shape/views.py``, the reshaping views, has
``ViewPrimitive``, their common base).

Backward scatters the gradient into zeros of the input's shape, at the positions the view picked
(``StridedScatterAdd``); overlapping windows (``unfold``, ``as_strided`` with stride 0) add up.
For that, ``strided_view`` also records ``rel``: the same geometry over a contiguous input.
"""

from __future__ import annotations

from ..._core.args import int_argument, int_sizes, wrap_dim
from ..._core.strides import contiguous_strides
from ..._tensor.tensor import Tensor
from ...autograd import function as _fn
from ...autograd.function import Primitive
from ...backends import backend_of
from .views import ViewPrimitive

_grad_state = _fn._grad_state


class StridedView(ViewPrimitive):
    """y = the elements of x at ``offset + sum(i_d * stride_d)`` (a selecting view);
    dx = zeros(x.shape) with g added at those positions.

    ``rel`` is the same geometry relative to a contiguous x; backward scatters
    the gradient there: ``dx = zeros(x.shape); dx.flat[positions(rel)] += g``.
    """

    node_name = "AsStridedBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, storage, shape, stride, offset, rel):
        ctx.in_shape, ctx.rel = x.shape, rel
        return backend_of(x).as_strided(storage, shape, stride, offset)

    @staticmethod
    def backward(ctx, g):
        zeros = g.new_zeros(ctx.in_shape)
        return StridedScatterAdd.apply(zeros, g, ctx.rel), None, None, None, None, None


Select = StridedView.named("SelectBackward0")
Slice = StridedView.named("SliceBackward0")
Diagonal = StridedView.named("DiagonalBackward0")
Unfold = StridedView.named("UnfoldBackward0")


class StridedScatterAdd(Primitive):
    """y = base + (src added at the positions ``(shape, stride, offset)`` of base's flat layout);
    dbase = g,  dsrc = g viewed through the same positions (a ``StridedView``).
    """

    node_name = "AsStridedScatterBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, base, src, rel):
        ctx.rel = rel
        xp = backend_of(base)
        out = xp.copy(base, "C")
        flat = out.reshape(-1)
        shape, stride, offset = rel
        if _overlaps(shape, stride):
            xp.index_put(flat, (_positions(xp, shape, stride, offset),), src, accumulate=True)  # repeats add up
        else:
            region = xp.as_strided(flat, shape, stride, offset)
            region += src
        return out

    @staticmethod
    def backward(ctx, g):
        shape, stride, offset = ctx.rel
        gc = g.contiguous()
        dsrc = StridedView.apply(gc, gc._get_storage(), shape, stride, offset + gc.storage_offset(), ctx.rel)
        return g, dsrc, None


def _overlaps(shape, stride) -> bool:
    """Whether two different indices can address the same element (stride 0, or unfold windows)."""
    dims = sorted((st, n) for n, st in zip(shape, stride) if n > 1)
    span = 1
    for st, n in dims:
        if st < span:
            return True
        span = st * (n - 1) + span
    return False


def _positions(xp, shape, stride, offset):
    import numpy as np

    pos = np.full(shape, offset, dtype=np.int64)
    for d, (n, st) in enumerate(zip(shape, stride)):
        idx = np.arange(n, dtype=np.int64) * st
        pos += idx.reshape((n,) + (1,) * (len(shape) - d - 1))
    return pos


# ----------------------------------------------------------------------------- geometry helpers
def strided_view(cls, x: Tensor, geom_fn, *args):
    """Apply the selecting view ``geom_fn(shape, stride, offset, *args) -> (shape, stride, offset)``."""
    in_shape = x._data.shape
    shape, stride, offset = geom_fn(in_shape, x.stride(), x.storage_offset(), *args)
    # rel (the same view of a contiguous x) is read only by backward, and by a capture replaying
    # forward: not computed when no node can be recorded (no_grad, or x needs no gradient)
    if (_grad_state.enabled and x.requires_grad) or _fn._observer is not None:
        rel = geom_fn(in_shape, contiguous_strides(in_shape), 0, *args)
    else:
        rel = None
    return cls.apply(x, x._get_storage(), shape, stride, offset, rel)


# ----------------------------------------------------------------------------- selecting views
def _select_geom(shape, stride, offset, dim, index):
    return (shape[:dim] + shape[dim + 1 :], stride[:dim] + stride[dim + 1 :], offset + index * stride[dim])


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """``x[..., index, ...]`` along ``dim``: the dim disappears."""
    n = input.dim()
    if n == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, n)
    size = input.shape[d]
    if not -size <= index < size:
        raise IndexError(f"index {index} is out of bounds for dimension {d} with size {size}")
    return strided_view(Select, input, _select_geom, d, index % size)


def _slice_geom(shape, stride, offset, dim, start, length, step):
    shape = shape[:dim] + (length,) + shape[dim + 1 :]
    new_stride = stride[:dim] + (stride[dim] * step,) + stride[dim + 1 :]
    return shape, new_stride, offset + start * stride[dim]


def slice_dim(input: Tensor, dim: int, start, stop, step: int = 1) -> Tensor:
    """``x[..., start:stop:step, ...]`` along ``dim`` (a positive step, as in PyTorch)."""
    if step == 0:
        raise ValueError("slice step cannot be zero")
    if step < 0:
        raise ValueError("step must be greater than zero")
    d = wrap_dim(dim, input.dim())
    size = input.shape[d]
    start, stop, _ = slice(start, stop, step).indices(size)
    length = max(0, (stop - start + step - 1) // step)
    if length == 0:
        start = min(start, size)
    return strided_view(Slice, input, _slice_geom, d, start, length, step)


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """``length`` elements of ``dim`` from ``start``."""
    start, length = int_argument("narrow", "start", start, 3), int_argument("narrow", "length", length, 4)
    d = wrap_dim(dim, input.dim())
    size = input.shape[d]
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start < 0:
        start += size
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return strided_view(Slice, input, _slice_geom, d, start, length, 1)


def _diagonal_geom(shape, stride, offset, offset_diag, d1, d2):
    if offset_diag >= 0:
        length = max(0, min(shape[d1], shape[d2] - offset_diag))
        start = offset + offset_diag * stride[d2]
    else:
        length = max(0, min(shape[d1] + offset_diag, shape[d2]))
        start = offset - offset_diag * stride[d1]
    if length == 0:
        start = offset
    keep = [i for i in range(len(shape)) if i not in (d1, d2)]
    return (
        tuple(shape[i] for i in keep) + (length,),
        tuple(stride[i] for i in keep) + (stride[d1] + stride[d2],),
        start,
    )


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of dims ``dim1``, ``dim2`` as a new last dim (a view)."""
    n = input.dim()
    d1, d2 = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return strided_view(Diagonal, input, _diagonal_geom, offset, d1, d2)


def _unfold_geom(shape, stride, offset, dim, size, step):
    if len(shape) == 0:
        return (size,), (1,), offset
    count = (shape[dim] - size) // step + 1
    new_shape = shape[:dim] + (count,) + shape[dim + 1 :] + (size,)
    new_stride = stride[:dim] + (stride[dim] * step,) + stride[dim + 1 :] + (stride[dim],)
    return new_shape, new_stride, offset


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """All windows of ``size`` elements along ``dimension``, ``step`` apart, as a new last dim (a view)."""
    n = input.dim()
    d = wrap_dim(dimension, n)
    dim_size = input.shape[d] if n > 0 else 1
    size, step = int_argument("unfold", "size", size, 2), int_argument("unfold", "step", step, 3)
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > dim_size:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {dim_size} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return strided_view(Unfold, input, _unfold_geom, d, size, step)


def as_strided(input: Tensor, size, stride, storage_offset=None) -> Tensor:
    """The view with exactly these sizes and strides over ``input``'s storage."""
    offset = input.storage_offset() if storage_offset is None else storage_offset
    size, stride = int_sizes("as_strided", (size,), "size"), int_sizes("as_strided", (stride,), "stride")
    _check_strided_bounds(size, stride, offset, input)

    def geom(shape, st, off):
        return size, stride, off + offset - input.storage_offset()

    return strided_view(StridedView, input, geom)


def _check_strided_bounds(size, stride, offset: int, input: Tensor) -> None:
    """PyTorch's checks of ``as_strided``: as many strides as sizes, none negative, and every
    addressed element inside ``input``'s storage."""
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: {list(stride)}")
    if any(s < 0 for s in size):
        raise RuntimeError(f"Storage size calculation overflowed with sizes={list(size)} and strides={list(stride)}")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    needed = 0 if 0 in size else offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))
    available = len(input._get_storage())
    if needed > available:
        item = input.element_size()
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and "
                           f"itemsize {item} requiring a storage size of {needed * item} are out of bounds for "
                           f"storage of size {available * item}")


__all__ = [
    "as_strided",
    "diagonal",
    "narrow",
    "select",
    "unfold",
]
