"""Shape ops that copy: reordering (``flip``, ``roll``), tiling (``repeat``, ``repeat_interleave``)
and triangles/diagonals (``tril``, ``diag``), plus the re-arranging ops that PyTorch returns as
views (``movedim``, ``broadcast_tensors``, ``meshgrid``). Joining and splitting are in ``_ops/shape/joins.py``.

Primitives here own a backward that undoes their data movement, written with Tensor ops:
- ``flip``/``roll``: flip/roll ``g`` back;
- ``repeat``: sum the tiles of ``g``; ``repeat_interleave``: sum each run of ``g`` (``SegmentSum``),
  and the two are each other's backward;
- ``tril``/``triu``: mask ``g`` the same way; ``diag_embed``: read ``g``'s diagonal.
Everything else is a composition of these and of the views in ``_ops/shape/views.py``.
"""

from __future__ import annotations

import warnings

from ..._core import dtype as _dtype
from ..._core.args import (
    _as_int,
    check_storage_size,
    int_sizes,
    normalize_dims,
    sizes_argument,
    tensor_sequence_argument,
    wrap_dim,
)
from ..._core.strides import broadcast_shapes
from ..._tensor.tensor import Tensor
from ...autograd.function import Primitive
from ...backends import backend_of
from .._out import finish
from .joins import _tensor_list
from .views import expand, permute, reshape


def _int_tuple(x) -> tuple[int, ...]:
    if isinstance(x, (list, tuple)):
        return tuple(_as_int(v) for v in x)
    return (_as_int(x),)


def _dims_or_empty(dims, ndim: int) -> tuple[int, ...]:
    """Like ``normalize_dims`` but an empty list means no dims (``flip(x, [])`` flips nothing)."""
    dims = _int_tuple(dims)
    return normalize_dims(dims, ndim) if dims else ()


# ----------------------------------------------------------------------------- the primitives
# Each copying op's forward and backward, here together; the functions below call them.
class Flip(Primitive):
    """y = x reversed along ``dims`` (a copy);  dx = g.flip(dims)."""

    node_name = "FlipBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        xp = backend_of(x)
        return xp.copy(xp.flip(x, axis=dims))

    @staticmethod
    def backward(ctx, g):
        return g.flip(ctx.dims), None


class Roll(Primitive):
    """y[(i + shift) % n] = x[i] along each of ``dims``;  dx = g rolled by ``-shifts``."""

    node_name = "RollBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return backend_of(x).roll(x, shifts, axis=dims)

    @staticmethod
    def backward(ctx, g):
        return g.roll(tuple(-s for s in ctx.shifts), ctx.dims), None, None


class Repeat(Primitive):
    """y = x tiled ``repeats[d]`` times along each dim d;  dx = the sum of g's tiles.

    With g reshaped to ``(r_0, s_0, r_1, s_1, ...)`` (tile index, then position in the tile),
    dx = g summed over the ``r`` dims.
    """

    node_name = "RepeatBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, repeats):
        shape = (1,) * (len(repeats) - x.ndim) + tuple(x.shape)
        ctx.in_shape, ctx.repeats, ctx.padded = x.shape, repeats, shape
        return backend_of(x).tile(x.reshape(shape), repeats)

    @staticmethod
    def backward(ctx, g):
        if not ctx.repeats:
            return g, None
        split_shape = [v for pair in zip(ctx.repeats, ctx.padded) for v in pair]
        tiles = g.reshape(split_shape).sum(dim=tuple(range(0, len(split_shape), 2)))
        return tiles.reshape(ctx.in_shape), None


class RepeatInterleave(Primitive):
    """y = each slice of x along ``dim`` repeated ``repeats[i]`` times in place;  dx = SegmentSum(g)."""

    node_name = "RepeatInterleaveBackward0"
    # PyTorch composes repeat_interleave (grad_fn ViewBackward0 or IndexSelectBackward0): this
    # node name is minitorch's own, a known grad_fn difference.
    reason = "speed: one ``repeat`` of the array, not index_select + view (not benchmarked)"

    @staticmethod
    def forward(ctx, x, repeats, dim):
        ctx.repeats, ctx.dim = repeats, dim
        return backend_of(x).repeat(x, repeats, axis=dim)

    @staticmethod
    def backward(ctx, g):
        return SegmentSum.apply(g, ctx.repeats, ctx.dim), None, None


class SegmentSum(Primitive):
    """y[i] = sum of the ``repeats[i]`` consecutive slices of x along ``dim`` that start at
    ``repeats[0] + ... + repeats[i-1]`` (0 for an empty run);  dx = repeat_interleave(g).
    """

    node_name = "SegmentSumBackward0"
    reason = "speed: RepeatInterleave's backward as one ``add.reduceat`` (not benchmarked)"

    @staticmethod
    def forward(ctx, x, repeats, dim):
        import numpy as np  # index bookkeeping

        ctx.repeats, ctx.dim = repeats, dim
        xp = backend_of(x)
        reps = np.asarray(repeats, dtype=np.int64)
        shape = list(x.shape)
        shape[dim] = len(reps)
        out = xp.zeros(shape, dtype=x.dtype)
        nonempty = np.nonzero(reps > 0)[0]
        if len(nonempty):
            starts = (np.cumsum(reps) - reps)[nonempty]
            out[(slice(None),) * dim + (nonempty,)] = xp.add_reduceat(x, starts, axis=dim)
        return out

    @staticmethod
    def backward(ctx, g):
        return RepeatInterleave.apply(g, ctx.repeats, ctx.dim), None, None


class Tril(Primitive):
    """y = x with the elements above diagonal ``k`` zeroed (last two dims);  dx = g.tril(k)."""

    node_name = "TrilBackward0"
    reason = "node"
    which = "tril"

    @classmethod
    def forward(cls, ctx, x, diagonal):
        ctx.k = diagonal
        return getattr(backend_of(x), cls.which)(x, diagonal)

    @classmethod
    def backward(cls, ctx, g):
        return getattr(g, cls.which)(ctx.k), None


class Triu(Tril):
    """y = x with the elements below diagonal ``k`` zeroed (last two dims);  dx = g.triu(k)."""

    node_name = "TriuBackward0"
    reason = "node"
    which = "triu"


class DiagEmbed(Primitive):
    """y = zeros with x's last dim written on diagonal ``offset`` of dims (dim1, dim2);
    dx = g.diagonal(offset, dim1, dim2).
    """

    node_name = "DiagEmbedBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        import numpy as np  # index bookkeeping

        ctx.args = (offset, dim1, dim2)
        xp = backend_of(x)
        n = x.shape[-1]
        m = n + abs(offset)
        out = xp.zeros(tuple(x.shape[:-1]) + (m, m), dtype=x.dtype)
        idx = np.arange(n)
        out[..., idx + max(-offset, 0), idx + max(offset, 0)] = x
        return xp.ascontiguousarray(xp.moveaxis(out, (-2, -1), (dim1, dim2)))

    @staticmethod
    def backward(ctx, g):
        offset, dim1, dim2 = ctx.args
        return g.diagonal(offset, dim1, dim2), None, None, None


# ----------------------------------------------------------------------------- re-arranging (views)
def movedim(input: Tensor, source, destination) -> Tensor:
    """Move dims ``source`` to positions ``destination``; the others keep their order (a ``permute``)."""
    if isinstance(source, (tuple, list)) != isinstance(destination, (tuple, list)):
        raise TypeError("movedim() received an invalid combination of arguments: source and destination "
                        "must both be ints or both be tuples of ints")
    src, dst = _int_tuple(source), _int_tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain the same "
            f"number of dims as destination ({list(dst)} dims)"
        )
    n = input.dim()
    src = tuple(wrap_dim(s, n) for s in src)
    dst = tuple(wrap_dim(s, n) for s in dst)
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({list(src)})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({list(dst)})")
    if n == 0:  # a 0-d tensor accepts dim 0 / -1 and stays as it is
        return permute(input, ())
    order = [-1] * n
    for s, t in zip(src, dst):
        order[t] = s
    rest = iter(i for i in range(n) if i not in src)
    order = [o if o != -1 else next(rest) for o in order]
    return permute(input, order)


moveaxis = movedim


def broadcast_tensors(*tensors) -> tuple:
    """Expand every tensor to the common broadcast shape (views)."""
    ts = tensor_sequence_argument("broadcast_tensors", _tensor_list(tensors))
    shape = broadcast_shapes(*(tuple(t.shape) for t in ts))
    return tuple(expand(t, shape) for t in ts)


def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids: output ``i`` is tensor ``i`` expanded along every other dim (views).

    ``indexing='xy'`` swaps the first two dims (Cartesian order, like NumPy's default).
    """
    ts = tensor_sequence_argument("meshgrid", _tensor_list(tensors))
    if indexing is None:
        warnings.warn(
            "torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
            UserWarning,
            stacklevel=2,
        )
        indexing = "ij"
    if not ts:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in ts:
        if t.dim() > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}")
        if t.dtype is not ts[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    axes = list(range(len(ts)))
    if indexing == "xy" and len(ts) >= 2:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(ts)
    for t, a in zip(ts, axes):
        shape[a] = t.numel()
    grids = []
    for t, a in zip(ts, axes):
        view_shape = [1] * len(ts)
        view_shape[a] = t.numel()
        grids.append(expand(reshape(t, view_shape), shape))
    return tuple(grids)


# ----------------------------------------------------------------------------- flip / roll
def flip(input: Tensor, dims=None, *more_dims) -> Tensor:
    """Reverse the order of elements along ``dims`` (always a copy, as in PyTorch)."""
    if dims is None:
        raise TypeError('flip() missing 1 required positional arguments: "dims"')
    if more_dims:  # the method form ``x.flip(0, 1)``
        dims = (dims, *more_dims)
    return Flip.apply(input, _dims_or_empty(dims, input.dim()))


def fliplr(input: Tensor) -> Tensor:
    """Flip dim 1 (left/right); needs at least 2 dims."""
    if input.dim() < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input: Tensor) -> Tensor:
    """Flip dim 0 (up/down); needs at least 1 dim."""
    if input.dim() < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """Shift elements cyclically along ``dims``; ``dims=None`` rolls the flattened tensor."""
    shifts = _int_tuple(shifts)
    dims = () if dims is None else _int_tuple(dims)
    if not shifts:
        raise RuntimeError("`shifts` required")
    if not dims and len(shifts) == 1:
        return reshape(Roll.apply(reshape(input, -1), shifts, (0,)), input.shape)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    return Roll.apply(input, shifts, tuple(wrap_dim(d, input.dim()) for d in dims))


# ----------------------------------------------------------------------------- repeat / tile
def repeat(input: Tensor, *sizes, repeats=None) -> Tensor:
    """``Tensor.repeat``: tile ``input`` ``sizes[d]`` times along each dim (extra leading dims allowed)."""
    sizes = int_sizes("repeat", sizes_argument("repeat", sizes, repeats, "repeats"), "repeats")
    if len(sizes) < input.dim():
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
        )
    shape = (1,) * (len(sizes) - input.dim()) + tuple(input.shape)
    target = [r * s for r, s in zip(sizes, shape)]
    if any(r < 0 for r in sizes):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(target)}: {target}")
    check_storage_size(target, input.element_size())
    return Repeat.apply(input, sizes)


def tile(input: Tensor, dims=None, *more_dims) -> Tensor:
    """``repeat`` where ``dims`` shorter than ``input.dim()`` is padded with leading 1s."""
    if dims is None:
        raise TypeError('tile() missing 1 required positional arguments: "dims"')
    dims = _int_tuple((dims, *more_dims) if more_dims else dims)  # the method form ``x.tile(2, 3)``
    return repeat(input, (1,) * (input.dim() - len(dims)) + dims)


def repeat_interleave(input: Tensor, repeats=None, dim=None, *, output_size=None) -> Tensor:
    """Repeat each element (or slice along ``dim``) ``repeats`` times; ``dim=None`` flattens first.

    ``repeat_interleave(counts)`` alone gives ``arange(len(counts))`` repeated by ``counts``.
    """
    if repeats is None:
        from ..creation.factories import arange

        return repeat_interleave(arange(input.numel(), device=input.device), input, 0)
    if dim is None:
        input, d = reshape(input, -1), 0
    else:
        d = wrap_dim(dim, input.dim())
    size = input.shape[d] if input.dim() else 1
    if isinstance(repeats, Tensor):
        if repeats.dim() > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        if repeats.dtype.is_floating_point or repeats.dtype is _dtype.bool_:
            raise NotImplementedError(f'"repeat_interleave_cpu" not implemented for \'{repeats.dtype.name.capitalize()}\'')
        reps = [int(r) for r in repeats.reshape(-1).tolist()]
        if any(r < 0 for r in reps):
            raise RuntimeError("repeats can not be negative")
        if len(reps) == 1:
            reps = reps * size
        if len(reps) != size:
            raise RuntimeError(
                f"repeats must have the same size as input along dim, but got repeats.size(0) = {len(reps)} "
                f"and input.size(0) = {size}"
            )
    else:
        r = _as_int(repeats)
        if r < 0:
            raise RuntimeError("Repeats must be non-negative")
        reps = [r] * size
    if output_size is not None and output_size != sum(reps):
        raise RuntimeError("allocated size does not match required size")
    return RepeatInterleave.apply(input, tuple(reps), d)


# ----------------------------------------------------------------------------- triangles and diagonals
def tril(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:
    """Lower triangle: keep ``x[..., i, j]`` where ``j - i <= diagonal``."""
    if input.dim() < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return finish(Tril.apply(input, _as_int(diagonal)), out, same_dtype=True)


def triu(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:
    """Upper triangle: keep ``x[..., i, j]`` where ``j - i >= diagonal``."""
    if input.dim() < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return finish(Triu.apply(input, _as_int(diagonal)), out, same_dtype=True)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices (in dims ``dim1``, ``dim2`` of the result) whose diagonal ``offset`` is ``input``'s last dim."""
    n = input.dim() + 1
    d1, d2 = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    if input.dim() == 0:
        input = reshape(input, 1)
    return DiagEmbed.apply(input, _as_int(offset), d1, d2)


def diag(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:
    """1-d: the square matrix with ``input`` on diagonal ``diagonal``; 2-d: a copy of that diagonal."""
    if input.dim() == 1:
        return finish(diag_embed(input, diagonal, 0, 1), out, same_dtype=True)
    if input.dim() == 2:
        return finish(input.diagonal(diagonal).clone(), out, same_dtype=True)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.dim()}D")


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """``diag`` of the flattened input."""
    return diag_embed(reshape(input, -1), offset, 0, 1)


def trace(input: Tensor) -> Tensor:
    """Sum of the main diagonal of a matrix (integers sum in int64)."""
    if input.dim() != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.dim()}")
    return input.diagonal().sum()


__all__ = [
    "broadcast_tensors",
    "diag",
    "diag_embed",
    "diagflat",
    "flip",
    "fliplr",
    "flipud",
    "meshgrid",
    "moveaxis",
    "movedim",
    "repeat",
    "repeat_interleave",
    "roll",
    "tile",
    "trace",
    "tril",
    "triu",
]
def _tile_function(input: Tensor, dims) -> Tensor:
    """``torch.tile(input, dims)``: ``dims`` is one sequence (``x.tile(2)`` takes varargs)."""
    if not isinstance(dims, (tuple, list)):
        raise TypeError(f"tile(): argument 'dims' (position 2) must be tuple of ints, not {type(dims).__name__}")
    return tile(input, dims)


def _flip_function(input: Tensor, dims) -> Tensor:
    """``torch.flip(input, dims)``: ``dims`` is one sequence (``x.flip(0)`` takes varargs)."""
    if not isinstance(dims, (tuple, list)):
        raise TypeError(f"flip(): argument 'dims' must be tuple of ints, not {type(dims).__name__}")
    return flip(input, dims)
