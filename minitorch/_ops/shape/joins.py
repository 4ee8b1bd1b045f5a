"""Joining tensors and splitting them apart: ``cat``, ``stack`` and their ``h/v/d/column_stack``
forms (with the ``atleast_1d/2d/3d`` views they use), and ``split``, ``split_with_sizes``,
``chunk``, ``tensor_split``, ``unbind``, and ``unsafe_split``/``unsafe_chunk``.

Joining copies, and each input's gradient is its part of ``g``: ``cat`` narrows ``g`` to the
input's slab, ``stack`` selects its slice. Splitting is the reverse: one multi-output view node
(``Split``, ``Unbind``) whose outputs are views of the input, every one pointing at the same
node with its own ``output_nr``, as PyTorch records them; its backward joins the outputs'
gradients again. ``tensor_split`` records one ``SliceBackward0`` per output, as PyTorch does.
The unsafe forms (``UnsafeSplit``) give the same parts in the same memory, but not as views:
autograd lets them be written in place, at the user's risk.
"""

from __future__ import annotations

import math

from ..._core import dtype as _dtype
from ..._core.args import _as_int, int_argument, int_sizes, tensor_sequence_argument, wrap_dim
from ..._tensor.tensor import Tensor
from ...autograd.function import Primitive
from ...backends import backend_of
from .._out import _legacy, can_cast, finish
from .._promotion import cast
from .selecting_views import narrow
from .views import reshape, unsqueeze


def _tensor_list(tensors) -> list:
    """``f(a, b)``, ``f([a, b])`` and ``f((a, b))`` all mean the list ``[a, b]``."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return list(tensors[0])
    return list(tensors)


# ----------------------------------------------------------------------------- cat / stack
class Cat(Primitive):
    """y = [x_0; x_1; ...] along ``dim``;  dx_i = g.narrow(dim, offset_i, size_i).

    Legacy rule: a 1-d empty ``x_i`` (shape ``(0,)``) is skipped; its gradient is empty too.
    """

    node_name = "CatBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, dim, *xs):
        skipped = [_is_legacy_empty(x) for x in xs]
        if all(skipped):  # only legacy empties: they are joined (an empty result), none is skipped
            skipped = [False] * len(xs)
        ctx.dim, ctx.sizes = dim, [None if skip else x.shape[dim] for x, skip in zip(xs, skipped)]
        return backend_of(xs[0]).concatenate([x for x, skip in zip(xs, skipped) if not skip], axis=dim)

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
    reason = "node"

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
    tensors = tensor_sequence_argument("cat", tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    # the arrays' shapes, plain tuples: each Size index would be a Python call (a 4-way cat of
    # NCHW maps made 52 Size calls; 22 -> 10 us a call, benchmarks/bench_layers.py)
    shapes = [t._data.shape for t in tensors]
    for i, shape in enumerate(shapes):
        if not shape:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    dt = tensors[0].dtype
    if any(t.dtype is not dt for t in tensors):
        dt = _dtype.result_type(*tensors)
    kept = [i for i, shape in enumerate(shapes) if shape != (0,)] or [0]
    ref = shapes[kept[0]]
    d = wrap_dim(dim, len(ref))
    for i in kept:
        shape = shapes[i]
        if len(shape) != len(ref):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(ref)} and {len(shape)}")
        if shape[:d] != ref[:d] or shape[d + 1:] != ref[d + 1:]:
            k = next(k for k in range(len(ref)) if k != d and shape[k] != ref[k])
            raise RuntimeError(
                f"Sizes of tensors must match except in dimension {d}. Expected size {ref[k]} "
                f"but got size {shape[k]} for tensor number {i} in the list."
            )
    if out is not None and not can_cast(dt, out.dtype):
        raise TypeError(f"torch.cat(): input types can't be cast to the desired output type {_legacy(out.dtype)}")
    return finish(Cat.apply(d, *(cast(t, dt) for t in tensors)), out)


concat = concatenate = cat


def stack(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Join equal-shaped tensors along a new dim ``dim``."""
    tensors = tensor_sequence_argument("stack", tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    # shapes and dtypes read from the arrays, plain tuples and NumPy dtypes: a DataLoader stacks
    # its batch of 64 samples once a step, and 64 ``Size`` objects and ``dtype`` properties (and a
    # ``cast`` per sample) were 60% of ``default_collate``'s time
    arrays = [t._data for t in tensors]
    shape, np_dtype = arrays[0].shape, arrays[0].dtype
    for i, a in enumerate(arrays):
        if a.shape != shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 and "
                f"{list(a.shape)} at entry {i}"
            )
    d = wrap_dim(dim, len(shape) + 1)
    dt = tensors[0].dtype
    if any(a.dtype is not np_dtype for a in arrays):  # the common case (one dtype) needs no promotion
        dt = _dtype.result_type(*tensors)
        tensors = [cast(t, dt) for t in tensors]
    if out is not None and not can_cast(dt, out.dtype):  # PyTorch's stack is a cat: cat's TypeError
        raise TypeError(f"torch.cat(): input types can't be cast to the desired output type {_legacy(out.dtype)}")
    return finish(Stack.apply(d, *tensors), out)


def _atleast(n: int, tensors):
    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    ts = tensor_sequence_argument(f"atleast_{n}d", _tensor_list(tensors))
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
    ts = atleast_1d(tuple(_joined("hstack", tensors)))
    return cat(ts, 0 if ts[0].dim() == 1 else 1, out=out)


def vstack(tensors, *, out=None) -> Tensor:
    """``cat`` along dim 0 after ``atleast_2d``."""
    return cat(atleast_2d(tuple(_joined("vstack", tensors))), 0, out=out)


row_stack = vstack


def dstack(tensors, *, out=None) -> Tensor:
    """``cat`` along dim 2 after ``atleast_3d``."""
    return cat(atleast_3d(tuple(_joined("dstack", tensors))), 2, out=out)


def column_stack(tensors, *, out=None) -> Tensor:
    """0-d and 1-d tensors become columns, then ``hstack``."""
    ts = [reshape(t, (t.numel(), 1)) if t.dim() <= 1 else t for t in _joined("column_stack", tensors)]
    return hstack(ts, out=out)


def _joined(op: str, tensors) -> list:
    """The tensors of hstack/vstack/dstack/column_stack: a non-empty sequence of Tensors."""
    tensors = tensor_sequence_argument(op, tensors)
    if not tensors:
        raise RuntimeError(f"{op} expects a non-empty TensorList")
    return tensors


# ----------------------------------------------------------------------------- splitting (views)
def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Views of ``split_size`` elements each (the last may be shorter), or of the given sizes."""
    d = _split_dim(tensor, dim)
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = _checked_sizes([_as_int(s) for s in split_size_or_sections], tensor.shape[d], d)
        return _multi_output_views(SplitWithSizes, tensor, d, sizes)
    return _multi_output_views(SplitEqual, tensor, d, _equal_sizes(_as_int(split_size_or_sections), tensor.shape[d]))


def split_with_sizes(input: Tensor, split_sizes, dim: int = 0) -> tuple:
    """``split(input, split_sizes, dim)`` with a sequence of sizes only (PyTorch's own op for that form)."""
    sizes = _split_sizes_argument("split_with_sizes", split_sizes)
    d = _split_dim(input, dim)
    return _multi_output_views(SplitWithSizes, input, d, _checked_sizes(sizes, input.shape[d], d))


def _split_dim(tensor: Tensor, dim) -> int:
    if tensor.dim() == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    return wrap_dim(dim, tensor.dim())


def _equal_sizes(step: int, size: int) -> tuple:
    """``split(n)``'s sizes: ``n`` each, the last what is left (one empty part for an empty dim)."""
    if step < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={step}")
    if step == 0 and size != 0:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}")
    count = max((size + step - 1) // step, 1) if step else 1
    return tuple([step] * (count - 1) + [size - step * (count - 1)])


def _checked_sizes(sizes: list, size: int, d: int) -> tuple:
    """``split([sizes])``'s sizes: non-negative, summing to the dim's size."""
    if any(s < 0 for s in sizes):
        raise RuntimeError(
            f"split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes={sizes}"
        )
    if sum(sizes) != size:
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at "
            f"dimension {d}), but got split_sizes={sizes}"
        )
    return tuple(sizes)


def _split_sizes_argument(op: str, split_sizes) -> list:
    """``split_sizes`` as PyTorch's parser takes it: a list or tuple of ints (an int, a float or a bool
    anywhere is its TypeError)."""
    if not isinstance(split_sizes, (list, tuple)):
        raise TypeError(f"{op}(): argument 'split_sizes' (position 2) must be tuple of ints, not "
                        f"{type(split_sizes).__name__}")
    for i, s in enumerate(split_sizes):
        if isinstance(s, (bool, float)):
            raise TypeError(f"{op}(): argument 'split_sizes' (position 2) must be tuple of ints, but found "
                            f"element of type {type(s).__name__} at pos {i}")
    return list(int_sizes(op, (tuple(split_sizes),), "split_sizes"))


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """At most ``chunks`` views of ``ceil(size / chunks)`` elements each."""
    d, sizes, with_sizes = _chunk_sizes("chunk", input, chunks, dim)
    return _multi_output_views(SplitWithSizes if with_sizes else SplitEqual, input, d, sizes)


def _chunk_sizes(op: str, input: Tensor, chunks, dim) -> tuple:
    """``(dim, sizes, with_sizes)`` of ``chunk``: ``split(ceil(size / chunks))``'s sizes, or for an
    empty dim ``chunks`` empty parts, which PyTorch makes with ``split_with_sizes``."""
    chunks = int_argument(op, "chunks", chunks, 2)
    if input.dim() == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = wrap_dim(dim, input.dim())
    size = input.shape[d]
    if size == 0:
        return d, (0,) * chunks, True
    return d, _equal_sizes(math.ceil(size / chunks), size), False


def tensor_split(input: Tensor, indices_or_sections=None, dim: int = 0, *, sections=None, indices=None,
                 tensor_indices_or_sections=None) -> tuple:
    """Views split at the given indices, or into ``n`` near-equal parts (the first ``size % n`` one longer).
    By keyword, PyTorch names the argument after its overload: ``sections=``, ``indices=``,
    ``tensor_indices_or_sections=``."""
    given = [a for a in (indices_or_sections, sections, indices, tensor_indices_or_sections) if a is not None]
    if len(given) != 1:
        raise TypeError("tensor_split() received an invalid combination of arguments: give exactly one of "
                        "sections, indices or tensor_indices_or_sections")
    (indices_or_sections,) = given
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
    """Every slice along ``dim``, as views (one ``UnbindBackward0`` node for all)."""
    if input.dim() == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = wrap_dim(dim, input.dim())
    return _multi_output_views(Unbind, input, d, (1,) * input.shape[d])


class Split(Primitive):
    """(y_0, y_1, ...) = views of x's consecutive slabs of ``sizes[i]`` along ``dim``;
    dx = cat(g_0, g_1, ...) along ``dim`` (an output that got no gradient gives zeros).

    One node for all the outputs (PyTorch's multi-output view): each ``y_i`` shares x's storage
    at offset ``start_i * stride[dim]``, and its ``output_nr`` is ``i``. ``split(n)``/``chunk``
    record ``SplitBackward0``, ``split([sizes])`` ``SplitWithSizesBackward0``.
    """

    node_name = "SplitWithSizesBackward0"
    reason = "node"
    also_named = ("SplitBackward0",)
    is_view = True

    @staticmethod
    def forward(ctx, x, storage, dim, sizes, stride, offset):
        ctx.dim = dim
        xp, shape, out, start = backend_of(x), list(x.shape), [], 0
        for s in sizes:
            shape[dim] = s
            out.append(xp.as_strided(storage, tuple(shape), stride, offset + start * stride[dim]))
            start += s
        return tuple(out)

    @staticmethod
    def backward(ctx, *grads):
        return cat(grads, ctx.dim), None, None, None, None, None


class Unbind(Primitive):
    """(y_0, y_1, ...) = (x.select(dim, 0), x.select(dim, 1), ...), views;
    dx = stack(g_0, g_1, ...) along ``dim`` (an output that got no gradient gives zeros)."""

    node_name = "UnbindBackward0"
    reason = "node"
    is_view = True

    @staticmethod
    def forward(ctx, x, storage, dim, sizes, stride, offset):
        ctx.dim = dim
        xp = backend_of(x)
        shape = tuple(x.shape[:dim]) + tuple(x.shape[dim + 1:])
        kept = tuple(stride[:dim]) + tuple(stride[dim + 1:])
        return tuple(xp.as_strided(storage, shape, kept, offset + i * stride[dim]) for i in range(len(sizes)))

    @staticmethod
    def backward(ctx, *grads):
        return stack(grads, ctx.dim), None, None, None, None, None


SplitWithSizes = Split
SplitEqual = Split.named("SplitBackward0")


def _multi_output_views(cls, x: Tensor, dim: int, sizes: tuple) -> tuple:
    """The outputs of the multi-output view ``cls`` (``Split``/``Unbind``), marked so that an in-place
    write to one of them (or to a view of one) raises, as PyTorch: the node's backward could not
    follow it."""
    outs = cls.apply(x, x._get_storage(), dim, sizes, x.stride(), x.storage_offset())
    if outs and outs[0]._grad_fn is not None:
        for o in outs:
            o._multi_output_view = True
    return outs


# ----------------------------------------------------------------------------- unsafe splits (not views)
class UnsafeSplit(Split):
    """(y_0, y_1, ...) = x's consecutive slabs of ``sizes[i]`` along ``dim``, in x's memory;
    dx = cat(g_0, g_1, ...) along ``dim`` (an output that got no gradient gives zeros).

    ``Split``'s forward and backward, but the outputs are not views to autograd (PyTorch's
    ``unsafe_split``/``unsafe_chunk``): no ``_base``, a version counter each, so writing one in
    place records an ordinary node where ``split``'s outputs raise. They share x's storage all the
    same (a write to one changes x), which is why PyTorch calls them unsafe: written after the
    input was saved for a backward, they make its gradient silently wrong. ``unsafe_chunk`` of an
    empty dim and ``unsafe_split_with_sizes`` record ``UnsafeSplitWithSizesBackward0``.
    """

    node_name = "UnsafeSplitBackward0"
    reason = "node"
    also_named = ("UnsafeSplitWithSizesBackward0",)
    is_view = False


UnsafeSplitWithSizes = UnsafeSplit.named("UnsafeSplitWithSizesBackward0")


def unsafe_split(input: Tensor, split_size: int, dim: int = 0) -> tuple:
    """``split(input, split_size, dim)`` whose outputs are not views to autograd (``UnsafeSplit``)."""
    split_size = int_argument("unsafe_split", "split_size", split_size, 2)
    d = _split_dim(input, dim)
    return _unsafe_split(UnsafeSplit, input, d, _equal_sizes(split_size, input.shape[d]))


def unsafe_split_with_sizes(input: Tensor, split_sizes, dim: int = 0) -> tuple:
    """``split_with_sizes`` whose outputs are not views to autograd (``UnsafeSplit``)."""
    sizes = _split_sizes_argument("unsafe_split_with_sizes", split_sizes)
    d = _split_dim(input, dim)
    return _unsafe_split(UnsafeSplitWithSizes, input, d, _checked_sizes(sizes, input.shape[d], d))


def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """``chunk(input, chunks, dim)`` whose outputs are not views to autograd (``UnsafeSplit``)."""
    d, sizes, with_sizes = _chunk_sizes("unsafe_chunk", input, chunks, dim)
    return _unsafe_split(UnsafeSplitWithSizes if with_sizes else UnsafeSplit, input, d, sizes)


def _unsafe_split(cls, x: Tensor, dim: int, sizes: tuple) -> tuple:
    """The outputs of ``cls``, each given x's storage (PyTorch's share it: ``storage_offset`` counts
    from x's first element) but neither its base nor its version counter."""
    storage = x._get_storage()  # first: it may replace x._data (see there)
    outs = cls.apply(x, storage, dim, sizes, x.stride(), x.storage_offset())
    for o in outs:
        o._storage = storage
    return outs


__all__ = [
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "cat",
    "chunk",
    "column_stack",
    "concat",
    "concatenate",
    "dstack",
    "hstack",
    "row_stack",
    "split",
    "split_with_sizes",
    "stack",
    "tensor_split",
    "unbind",
    "unsafe_chunk",
    "unsafe_split",
    "unsafe_split_with_sizes",
    "vstack",
]
