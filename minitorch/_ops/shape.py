"""Shape ops that copy: joining (``cat``, ``stack``), tiling (``repeat``, ``repeat_interleave``),
reordering (``flip``, ``roll``) and triangles/diagonals (``tril``, ``diag``), plus the splitting
and re-arranging ops that PyTorch returns as views (``split``, ``unbind``, ``movedim``, ``meshgrid``).

Primitives here own a backward that undoes their data movement, written with Tensor ops:
- ``cat``: each input's gradient is its slab of ``g`` (``narrow``); ``stack``: its slice (``select``);
- ``flip``/``roll``: flip/roll ``g`` back;
- ``repeat``: sum the tiles of ``g``; ``repeat_interleave``: sum each run of ``g`` (``SegmentSum``),
  and the two are each other's backward;
- ``tril``/``triu``: mask ``g`` the same way; ``diag_embed``: read ``g``'s diagonal.
Everything else is a composition of these and of the views in ``movement.py``.
"""

from __future__ import annotations

import math
import warnings

from .. import _dtype
from .._args import _as_int, normalize_dims, wrap_dim
from .._strides import broadcast_shapes
from .._tensor import Tensor
from ..autograd.function import Primitive
from ..backends import backend_of
from ._out import finish
from .elementwise import cast
from .movement import expand, narrow, permute, reshape, select, unsqueeze


def _tensor_list(tensors) -> list:
    """``f(a, b)``, ``f([a, b])`` and ``f((a, b))`` all mean the list ``[a, b]``."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return list(tensors[0])
    return list(tensors)


def _int_tuple(x) -> tuple[int, ...]:
    if isinstance(x, (list, tuple)):
        return tuple(_as_int(v) for v in x)
    return (_as_int(x),)


def _dims_or_empty(dims, ndim: int) -> tuple[int, ...]:
    """Like ``normalize_dims`` but an empty list means no dims (``flip(x, [])`` flips nothing)."""
    dims = _int_tuple(dims)
    return normalize_dims(dims, ndim) if dims else ()


# ----------------------------------------------------------------------------- cat / stack
class Cat(Primitive):
    """y = [x_0; x_1; ...] along ``dim``;  dx_i = g.narrow(dim, offset_i, size_i).

    Legacy rule: a 1-d empty ``x_i`` (shape ``(0,)``) is skipped; its gradient is empty too.
    """

    node_name = "CatBackward0"

    @staticmethod
    def forward(ctx, dim, *xs):
        kept = [x for x in xs if not _is_legacy_empty(x)] or list(xs)
        ctx.dim, ctx.sizes = dim, [x.shape[dim] if any(x is k for k in kept) else None for x in xs]
        return backend_of(xs[0]).concatenate(kept, axis=dim)

    @staticmethod
    def backward(ctx, g):
        grads, start = [], 0
        for size in ctx.sizes:
            if size is None:
                grads.append(g.new_zeros((0,)))
                continue
            grads.append(g.narrow(ctx.dim, start, size))
            start += size
        return (None, *grads)


def _is_legacy_empty(x) -> bool:
    return tuple(x.shape) == (0,)


class Stack(Primitive):
    """y[..., i, ...] = x_i (a new dim at ``dim``);  dx_i = g.select(dim, i)."""

    node_name = "StackBackward0"

    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim = dim
        return backend_of(xs[0]).stack(xs, axis=dim)

    @staticmethod
    def backward(ctx, g):
        return (None, *(g.select(ctx.dim, i) for i in range(g.shape[ctx.dim])))


def cat(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Join tensors along an existing dim, promoting to their common dtype.

    Like PyTorch, 1-d empty tensors (shape ``(0,)``) are skipped whatever the other shapes.
    """
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t.dim() == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    dt = _dtype.result_type(*tensors)
    kept = [(i, t) for i, t in enumerate(tensors) if not _is_legacy_empty(t)] or list(enumerate(tensors[:1]))
    ref = kept[0][1]
    d = wrap_dim(dim, ref.dim())
    for i, t in kept:
        if t.dim() != ref.dim():
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.dim()} and {t.dim()}")
        for k in range(ref.dim()):
            if k != d and t.shape[k] != ref.shape[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size {ref.shape[k]} "
                    f"but got size {t.shape[k]} for tensor number {i} in the list."
                )
    return finish(Cat.apply(d, *(cast(t, dt) for t in tensors)), out)


concat = concatenate = cat


def stack(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Join equal-shaped tensors along a new dim ``dim``."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} at entry 0 and "
                f"{list(t.shape)} at entry {i}"
            )
    d = wrap_dim(dim, tensors[0].dim() + 1)
    dt = _dtype.result_type(*tensors)
    return finish(Stack.apply(d, *(cast(t, dt) for t in tensors)), out)


def _atleast(n: int, tensors):
    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    ts = _tensor_list(tensors)
    res = []
    for t in ts:
        if t.dim() < n:
            if n == 3 and t.dim() == 2:
                t = unsqueeze(t, 2)
            elif n == 3 and t.dim() == 1:
                t = reshape(t, (1, t.shape[0], 1))
            else:
                t = reshape(t, (1,) * (n - t.dim()) + tuple(t.shape))
        res.append(t)
    return res[0] if single else tuple(res)


def atleast_1d(*tensors):
    """View 0-d tensors as shape ``(1,)``; one tensor in, one out, else a tuple."""
    return _atleast(1, tensors)


def atleast_2d(*tensors):
    """View tensors with fewer than 2 dims as ``(1, n)``."""
    return _atleast(2, tensors)


def atleast_3d(*tensors):
    """View tensors with fewer than 3 dims as ``(1, n, 1)`` / ``(m, n, 1)``."""
    return _atleast(3, tensors)


def hstack(tensors, *, out=None) -> Tensor:
    """``cat`` along dim 1, or dim 0 for 1-d tensors."""
    ts = atleast_1d(tuple(tensors))
    return cat(ts, 0 if ts[0].dim() == 1 else 1, out=out)


def vstack(tensors, *, out=None) -> Tensor:
    """``cat`` along dim 0 after ``atleast_2d``."""
    return cat(atleast_2d(tuple(tensors)), 0, out=out)


row_stack = vstack


def dstack(tensors, *, out=None) -> Tensor:
    """``cat`` along dim 2 after ``atleast_3d``."""
    return cat(atleast_3d(tuple(tensors)), 2, out=out)


def column_stack(tensors, *, out=None) -> Tensor:
    """0-d and 1-d tensors become columns, then ``hstack``."""
    ts = [reshape(t, (t.numel(), 1)) if t.dim() <= 1 else t for t in tensors]
    return hstack(ts, out=out)


# ----------------------------------------------------------------------------- splitting (views)
def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Views of ``split_size`` elements each (the last may be shorter), or of the given sizes."""
    if tensor.dim() == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, tensor.dim())
    size = tensor.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [_as_int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes):
            raise RuntimeError(
                f"split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes={sizes}"
            )
        if sum(sizes) != size:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at "
                f"dimension {d}), but got split_sizes={sizes}"
            )
    else:
        step = _as_int(split_size_or_sections)
        if step < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={step}")
        if step == 0 and size != 0:
            raise RuntimeError(
                f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}"
            )
        count = max((size + step - 1) // step, 1) if step else 1
        sizes = [step] * (count - 1) + [size - step * (count - 1)]
    out, start = [], 0
    for s in sizes:
        out.append(narrow(tensor, d, start, s))
        start += s
    return tuple(out)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """At most ``chunks`` views of ``ceil(size / chunks)`` elements each."""
    if input.dim() == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = wrap_dim(dim, input.dim())
    size = input.shape[d]
    if size == 0:
        return split(input, [0] * chunks, d)
    return split(input, math.ceil(size / chunks), d)


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    """Views split at the given indices, or into ``n`` near-equal parts (the first ``size % n`` one longer)."""
    if input.dim() == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    d = wrap_dim(dim, input.dim())
    size = input.shape[d]
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = (
            indices_or_sections.item() if indices_or_sections.dim() == 0 else indices_or_sections.tolist()
        )
    if isinstance(indices_or_sections, (list, tuple)):
        bounds = [min(max(_as_int(i) + (size if i < 0 else 0), 0), size) for i in indices_or_sections]
        starts = [0] + bounds
        stops = bounds + [size]
    else:
        n = _as_int(indices_or_sections)
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        lengths = [size // n + (1 if i < size % n else 0) for i in range(n)]
        starts = [sum(lengths[:i]) for i in range(n)]
        stops = [s + n_ for s, n_ in zip(starts, lengths)]
    return tuple(narrow(input, d, min(a, size), max(b - a, 0)) for a, b in zip(starts, stops))


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """Every slice along ``dim``, as views (``select``)."""
    if input.dim() == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = wrap_dim(dim, input.dim())
    return tuple(select(input, d, i) for i in range(input.shape[d]))


# ----------------------------------------------------------------------------- re-arranging (views)
def movedim(input: Tensor, source, destination) -> Tensor:
    """Move dims ``source`` to positions ``destination``; the others keep their order (a ``permute``)."""
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
    ts = _tensor_list(tensors)
    shape = broadcast_shapes(*(tuple(t.shape) for t in ts))
    return tuple(expand(t, shape) for t in ts)


def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids: output ``i`` is tensor ``i`` expanded along every other dim (views).

    ``indexing='xy'`` swaps the first two dims (Cartesian order, like NumPy's default).
    """
    ts = _tensor_list(tensors)
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
class Flip(Primitive):
    """y = x reversed along ``dims`` (a copy);  dx = g.flip(dims)."""

    node_name = "FlipBackward0"

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        xp = backend_of(x)
        return xp.copy(xp.flip(x, axis=dims))

    @staticmethod
    def backward(ctx, g):
        return g.flip(ctx.dims), None


def flip(input: Tensor, dims=(), *more_dims) -> Tensor:
    """Reverse the order of elements along ``dims`` (always a copy, as in PyTorch)."""
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


class Roll(Primitive):
    """y[(i + shift) % n] = x[i] along each of ``dims``;  dx = g rolled by ``-shifts``."""

    node_name = "RollBackward0"

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return backend_of(x).roll(x, shifts, axis=dims)

    @staticmethod
    def backward(ctx, g):
        return g.roll(tuple(-s for s in ctx.shifts), ctx.dims), None, None


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
class Repeat(Primitive):
    """y = x tiled ``repeats[d]`` times along each dim d;  dx = the sum of g's tiles.

    With g reshaped to ``(r_0, s_0, r_1, s_1, ...)`` (tile index, then position in the tile),
    dx = g summed over the ``r`` dims.
    """

    node_name = "RepeatBackward0"

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


def repeat(input: Tensor, *sizes) -> Tensor:
    """``Tensor.repeat``: tile ``input`` ``sizes[d]`` times along each dim (extra leading dims allowed)."""
    if len(sizes) == 1 and isinstance(sizes[0], (list, tuple)):
        sizes = sizes[0]
    sizes = tuple(_as_int(s) for s in sizes)
    if len(sizes) < input.dim():
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
        )
    shape = (1,) * (len(sizes) - input.dim()) + tuple(input.shape)
    target = [r * s for r, s in zip(sizes, shape)]
    if any(r < 0 for r in sizes):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(target)}: {target}")
    return Repeat.apply(input, sizes)


def tile(input: Tensor, dims) -> Tensor:
    """``repeat`` where ``dims`` shorter than ``input.dim()`` is padded with leading 1s."""
    dims = _int_tuple(dims)
    return repeat(input, (1,) * (input.dim() - len(dims)) + dims)


class RepeatInterleave(Primitive):
    """y = each slice of x along ``dim`` repeated ``repeats[i]`` times in place;  dx = SegmentSum(g)."""

    node_name = "RepeatInterleaveBackward0"

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


def repeat_interleave(input: Tensor, repeats=None, dim=None, *, output_size=None) -> Tensor:
    """Repeat each element (or slice along ``dim``) ``repeats`` times; ``dim=None`` flattens first.

    ``repeat_interleave(counts)`` alone gives ``arange(len(counts))`` repeated by ``counts``.
    """
    if repeats is None:
        from .._creation import arange

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
class Tril(Primitive):
    """y = x with the elements above diagonal ``k`` zeroed (last two dims);  dx = g.tril(k)."""

    node_name = "TrilBackward0"

    @staticmethod
    def forward(ctx, x, diagonal):
        ctx.k = diagonal
        return backend_of(x).tril(x, diagonal)

    @staticmethod
    def backward(ctx, g):
        return g.tril(ctx.k), None


class Triu(Primitive):
    """y = x with the elements below diagonal ``k`` zeroed (last two dims);  dx = g.triu(k)."""

    node_name = "TriuBackward0"

    @staticmethod
    def forward(ctx, x, diagonal):
        ctx.k = diagonal
        return backend_of(x).triu(x, diagonal)

    @staticmethod
    def backward(ctx, g):
        return g.triu(ctx.k), None


def tril(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:
    """Lower triangle: keep ``x[..., i, j]`` where ``j - i <= diagonal``."""
    if input.dim() < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return finish(Tril.apply(input, _as_int(diagonal)), out)


def triu(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:
    """Upper triangle: keep ``x[..., i, j]`` where ``j - i >= diagonal``."""
    if input.dim() < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return finish(Triu.apply(input, _as_int(diagonal)), out)


class DiagEmbed(Primitive):
    """y = zeros with x's last dim written on diagonal ``offset`` of dims (dim1, dim2);
    dx = g.diagonal(offset, dim1, dim2).
    """

    node_name = "DiagEmbedBackward0"

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
        return finish(diag_embed(input, diagonal, 0, 1), out)
    if input.dim() == 2:
        return finish(input.diagonal(diagonal).clone(), out)
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
    "cat", "concat", "concatenate", "stack", "hstack", "vstack", "row_stack", "dstack", "column_stack",
    "atleast_1d", "atleast_2d", "atleast_3d", "split", "chunk", "tensor_split", "unbind", "movedim",
    "moveaxis", "broadcast_tensors", "meshgrid", "flip", "fliplr", "flipud", "roll", "repeat", "tile",
    "repeat_interleave", "tril", "triu", "diag_embed", "diag", "diagflat", "trace",
]
# ``repeat`` is only a Tensor method in PyTorch; it is in ``__all__`` so that the table can bind it.
METHODS = [
    "split", "chunk", "tensor_split", "unbind", "movedim", "moveaxis", "flip", "fliplr", "flipud", "roll",
    "repeat", "tile", "repeat_interleave", "tril", "triu", "diag_embed", "diag", "diagflat", "trace",
]
INPLACE = ["tril", "triu"]
