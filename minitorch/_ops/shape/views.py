"""Reshaping views: ops that give a tensor another shape or order of dims, never copying.

``view``, ``reshape`` (a view when the strides allow it, else ``UnsafeView`` of a copy),
``flatten``/``unflatten``, ``squeeze``/``unsqueeze``, ``permute``/``transpose``/``t``, ``expand``
and ``broadcast_to``: each keeps every element and computes a new (shape, stride) over the
input's storage (``_core/strides.py``); the backend materialises it with ``as_strided``. The
result shares the storage *and the version counter* of its input, so writes through it are seen
everywhere and backward notices overwritten saved values. ``ViewPrimitive``, the base of every
view node, is here too.

The views that *pick* elements (``select``, ``narrow``, ``diagonal``, ``unfold``, ``as_strided``,
and the slices of ``x[...]``) are in ``_ops/shape/selecting_views.py``, built on
``ViewPrimitive``; copies that reorder are in ``copies.py``, joins and splits in ``joins.py``.

Backward of a reshaping view:
- ``view``/``reshape``/``squeeze``/``unsqueeze``: reshape the gradient back;
- ``permute``/``transpose``: apply the inverse permutation;
- ``expand``: ``sum_to_size`` (the same reduction the engine applies after broadcasting).
"""

from __future__ import annotations

import numpy as np

from ..._core.args import (
    int_sizes,
    normalize_dims,
    sizes_argument,
    tensor_argument,
    wrap_dim,
)
from ..._core.strides import compute_view_stride, contiguous_strides, expand_geometry, numel
from ..._tensor.tensor import Tensor, mark_no_grad_view
from ...autograd import function as _fn
from ...autograd.function import Primitive
from ...backends import backend_of

_ndarray = np.ndarray
_grad_state = _fn._grad_state


class ViewPrimitive(Primitive):
    """y = x seen through another (shape, stride, offset) of its storage;  dx = the subclass's formula.

    ``apply(x, storage, shape-or-dims, stride, offset, *rest)`` returns one Tensor over ``storage``
    with exactly ``stride``, sharing x's version counter and base. Its ``apply`` is
    ``Function.apply`` without the generic parts a view never needs: one Tensor input, so no
    device agreement and no argument loop; one array out with the stride already known (not read
    back from NumPy); a forward with no Tensor ops, so no grad-mode switch.
    """

    is_view = True
    reason = "base: the apply of the view ops (View, Permute here; StridedView in selecting_views.py)"

    @classmethod
    def apply(cls, x, storage, arg, stride, offset, *rest):
        data = x._data
        # the generic path while someone watches (a profile, a compile capture records the
        # forward as a plan step) and off the CPU: both need Function.apply's observer calls
        if _fn._observer is not None or type(data) is not _ndarray:
            return Primitive.apply.__func__(cls, x, storage, arg, stride, offset, *rest)
        ctx = cls._backward_cls()
        arr = cls.forward(ctx, data, storage, arg, stride, offset, *rest)
        base = x._base
        # what _wrap_result does, with the stride we gave as_strided instead of NumPy's read back
        out = _fn._make(arr, x._device, x._get_storage(), stride if type(stride) is tuple else tuple(stride),
                        x._version_counter, base if base is not None else x)
        if not _grad_state.enabled:
            mark_no_grad_view(out, base if base is not None else x)
            return out
        if x._multi_output_view:  # a view of a split/unbind output (as _wrap_result)
            out._multi_output_view = True
        elif x._no_grad_view:  # a view of a no_grad view (as _wrap_result)
            out._no_grad_view = True
        if x._requires_grad or (base is not None and x.requires_grad):
            _fn._record_view(ctx, x, out, 5 + len(rest))
        return out


class View(ViewPrimitive):
    """y = x seen with another shape (same storage);  dx = g.reshape(x.shape)."""

    node_name = "ViewBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, storage, shape, stride, offset):
        ctx.in_shape = x.shape
        return backend_of(x).as_strided(storage, shape, stride, offset)

    @staticmethod
    def backward(ctx, g):
        return _reshape_known(g, ctx.in_shape), None, None, None, None


Unsqueeze = View.named("UnsqueezeBackward0")
Squeeze = View.named("SqueezeBackward0")  # squeeze()
SqueezeDim = View.named("SqueezeBackward1")  # squeeze(dim)
SqueezeDims = View.named("SqueezeBackward2")  # squeeze((d0, d1))


class Permute(ViewPrimitive):
    """y[i_p0, i_p1, ...] = x[i0, i1, ...];  dx = g.permute(inverse permutation)."""

    node_name = "PermuteBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, storage, dims, stride, offset):
        ctx.dims = dims
        shape = x.shape
        return backend_of(x).as_strided(storage, tuple([shape[d] for d in dims]), stride, offset)

    @staticmethod
    def backward(ctx, g):
        inverse = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inverse[d] = i
        # g.permute(inverse) without permute's checks: the dims are the forward's, checked there
        stride = g.stride()
        return (Permute.apply(g, g._get_storage(), tuple(inverse), tuple([stride[d] for d in inverse]),
                              g.storage_offset()), None, None, None, None)


Transpose = Permute.named("TransposeBackward0")
MatrixTranspose = Permute.named("TBackward0")  # t(), .T, .mT
MatrixTransposeInPlace = Permute.named("TBackward1")  # t_(): the view self becomes


class Expand(View):
    """y = x broadcast to a larger shape with stride-0 dims;  dx = sum_to_size(g, x.shape)."""

    node_name = "ExpandBackward0"
    reason = "node"

    @staticmethod
    def backward(ctx, g):
        from ...autograd.engine import sum_to_size

        return sum_to_size(g, ctx.in_shape), None, None, None, None


class UnsafeView(Primitive):
    """y = x with another shape, x being reshape's own contiguous copy (y is not a view);
    dx = g.reshape(x.shape).

    PyTorch's ``_unsafe_view``: the result of a copying ``reshape`` has no ``_base`` and records
    ``UnsafeViewBackward0`` after the ``CloneBackward0`` of the copy.
    """

    node_name = "UnsafeViewBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return x.reshape(shape)  # x is contiguous: a view of the copy's memory, never a second copy

    @staticmethod
    def backward(ctx, g):
        return _reshape_known(g, ctx.in_shape), None


# ----------------------------------------------------------------------------- public view ops
def _reshape_known(x: Tensor, shape: tuple) -> Tensor:
    """``x.reshape(shape)`` inside a backward formula, without reshape's argument parsing: ``shape``
    is a tuple of non-negative ints holding x's elements (a forward's shape, checked there)."""
    stride = compute_view_stride(x._data.shape, x.stride(), shape)
    if stride is None:
        x = x.contiguous()
        stride = compute_view_stride(x._data.shape, x.stride(), shape)
    return View.apply(x, x._get_storage(), shape, stride, x.storage_offset())


def _plain_ints(shape: tuple) -> bool:
    """Whether a size given as varargs is plain ints in ``[-1, 2**63)`` (``x.view(2, -1)``, the
    common case): then ``int_sizes`` would return it as it is, so its conversions can be skipped."""
    for s in shape:
        if type(s) is not int or s < -1 or s >= _INT64_END:
            return False
    return True


_INT64_END = 2**63


def _row_major_view_stride(input: Tensor, shape: tuple):
    """``compute_view_stride`` of ``input`` to ``shape``. A tensor with row-major strides (a fresh
    result: no strides cached, a C-contiguous array) views any shape of its size with row-major
    strides (``computeStride``'s chunks are then one), so the walk is skipped there; other strides
    (a size-1 dim's, which PyTorch carries over) take it."""
    data = input._data
    own = input._stride
    if type(data) is _ndarray and data.flags.c_contiguous and (own is None or own == contiguous_strides(data.shape)):
        return contiguous_strides(shape)
    return compute_view_stride(data.shape, input.stride(), shape)


def _int_shape(shape: tuple, n: int):
    """A shape of plain ints, as varargs or one tuple (a ``Size``), resolved against ``n`` elements
    (``infer_size``), or None for anything else (then the argument parser converts it, or raises
    PyTorch's TypeError)."""
    if len(shape) == 1 and isinstance(shape[0], tuple):  # int_sizes unpacks one tuple alike
        shape = tuple(shape[0])
    return infer_size(shape, n) if _plain_ints(shape) else None


def view(input: Tensor, *shape, size=None, dtype=None) -> Tensor:
    """The same storage with a new shape; raises when the strides do not allow it (use ``reshape``).
    ``view(dtype)`` (reinterpreting the bytes as another dtype) is not implemented: it raises."""
    if size is None and dtype is None and shape and (ints := _int_shape(shape, input.numel())) is not None:
        stride = _row_major_view_stride(input, ints)
        if stride is not None:
            return View.apply(input, input._get_storage(), ints, stride, input.storage_offset())
    if dtype is not None and not shape and size is None:
        shape = (dtype,)
    shape = sizes_argument("view", shape, size)
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list)) and hasattr(shape[0], "np"):
        if shape[0] is input.dtype:  # PyTorch returns an alias outside the graph
            return input.detach()
        raise NotImplementedError(f"view({shape[0]}): minitorch cannot view a tensor's bytes as another dtype")
    shape = infer_size(normalize_shape_allow_neg(shape, "view"), input.numel())
    stride = compute_view_stride(tuple(input.shape), input.stride(), shape)
    if stride is None:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension spans "
            "across two contiguous subspaces). Use .reshape(...) instead."
        )
    return View.apply(input, input._get_storage(), shape, stride, input.storage_offset())


def normalize_shape_allow_neg(shape, op: str, name: str = "size") -> tuple[int, ...]:
    """A view's target shape as ints (-1 allowed, ``infer_size`` resolves it)."""
    return int_sizes(op, shape, name)


def infer_size(shape: tuple[int, ...], n: int) -> tuple[int, ...]:
    """Resolve a single ``-1`` in ``shape`` so that it holds ``n`` elements."""
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s}")
            known *= s
    if -1 in shape:
        if known == 0:
            raise RuntimeError(
                f"cannot reshape tensor of 0 elements into shape {list(shape)} because the unspecified "
                "dimension size -1 can be any value and is ambiguous"
            )
        if n % known != 0:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {n}")
        return tuple(n // known if s == -1 else s for s in shape)
    if known != n:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {n}")
    return shape


def reshape(input: Tensor, *sizes, shape=None) -> Tensor:
    """A view when the strides allow it, otherwise a copy (``reshape`` never fails on layout)."""
    if shape is None and sizes and (ints := _int_shape(sizes, input.numel())) is not None:
        shape = ints  # plain ints: what sizes_argument and int_sizes would return
    else:
        shape = sizes_argument("reshape", sizes, shape, "shape")
        shape = infer_size(normalize_shape_allow_neg(shape, "reshape", "shape"), input.numel())
    stride = _row_major_view_stride(input, shape)
    if stride is not None:
        return View.apply(input, input._get_storage(), shape, stride, input.storage_offset())
    return UnsafeView.apply(input.contiguous(), shape)


def permute(input: Tensor, *order, dims=None) -> Tensor:
    """Reorder the dims: ``y.shape[i] = x.shape[dims[i]]``, strides likewise."""
    dims = sizes_argument("permute", order, dims, "dims")
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    n = input._data.ndim
    if len(dims) != n:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the length of "
            f"the desired ordering of dimensions i.e. input.dim() = {n} is not equal to len(dims) = {len(dims)}"
        )
    # in-range plain ints (the common case) wrap without wrap_dim's call and conversions
    dims = tuple([d % n if type(d) is int and -n <= d < n else wrap_dim(d, n) for d in dims])
    if len(set(dims)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    stride = input.stride()
    return Permute.apply(input, input._get_storage(), dims, tuple([stride[d] for d in dims]), input.storage_offset())


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dims (a view)."""
    n = input._data.ndim
    # in-range plain ints (the common case) wrap without wrap_dim's call and conversions
    d0 = dim0 % n if type(dim0) is int and -n <= dim0 < n else wrap_dim(dim0, n)
    d1 = dim1 % n if type(dim1) is int and -n <= dim1 < n else wrap_dim(dim1, n)
    dims = list(range(n))
    stride = list(input.stride())
    if n:
        dims[d0], dims[d1] = d1, d0
        stride[d0], stride[d1] = stride[d1], stride[d0]
    return Transpose.apply(input, input._get_storage(), tuple(dims), tuple(stride), input.storage_offset())


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """NumPy's name for ``transpose``."""
    return transpose(input, axis0, axis1)


def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Another name for ``transpose``."""
    return transpose(input, dim0, dim1)


def t(input: Tensor) -> Tensor:
    """Transpose a matrix; 0-d and 1-d tensors are returned as they are."""
    n = input._data.ndim
    if n > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {n}D")
    dims = _REVERSED[n]
    stride = input.stride()
    return MatrixTranspose.apply(input, input._get_storage(), dims, stride[::-1], input.storage_offset())


def t_in_place(input: Tensor) -> Tensor:
    """``input.t()`` recorded as ``t_``'s node (``TBackward1``, at every rank): what ``Tensor.t_``
    turns ``input`` into. The caller has checked the rank."""
    stride = input.stride()
    return MatrixTransposeInPlace.apply(input, input._get_storage(), _REVERSED[input._data.ndim], stride[::-1],
                                        input.storage_offset())


_REVERSED = ((), (0,), (1, 0))  # t()'s permutation by dim


def expand(input: Tensor, *sizes, size=None, implicit: bool = False) -> Tensor:
    """Broadcast size-1 dims to ``sizes`` without copying (stride 0); -1 keeps a dim."""
    ints = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], tuple) else sizes  # int_sizes
    if size is None and sizes and _plain_ints(ints):  # unpacks one tuple (a Size) alike; plain ints
        sizes = ints  # need no conversion
    else:
        sizes = normalize_shape_allow_neg(sizes_argument("expand", sizes, size), "expand")
    shape, stride = expand_geometry(input._data.shape, input.stride(), sizes)
    return Expand.apply(input, input._get_storage(), shape, stride, input.storage_offset())


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, tensor_argument("expand_as", other, "other", 1).shape)


def broadcast_to(input: Tensor, size) -> Tensor:
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"broadcast_to(): argument 'size' (position 2) must be tuple of ints, not {type(size).__name__}")
    return expand(input, size)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dim at ``dim``; its stride is ``size*stride`` of the dim after it."""
    n = input._data.ndim
    d = dim % (n + 1) if type(dim) is int and -n - 1 <= dim <= n else wrap_dim(dim, n + 1)
    shape, stride = list(input._data.shape), list(input.stride())
    new_stride = shape[d] * stride[d] if d < n else 1
    shape.insert(d, 1)
    stride.insert(d, new_stride)
    return Unsqueeze.apply(input, input._get_storage(), tuple(shape), tuple(stride), input.storage_offset())


def squeeze(input: Tensor, dim=None) -> Tensor:
    """Remove size-1 dims (all of them, or those in ``dim`` that have size 1)."""
    n = input.dim()
    if dim is None:
        dims = {i for i, s in enumerate(input.shape) if s == 1}
    else:
        dims = set(normalize_dims(dim, n)) if isinstance(dim, (tuple, list)) else {wrap_dim(dim, n)}
        dims = {d for d in dims if n > 0 and input.shape[d] == 1}
    shape = tuple(s for i, s in enumerate(input.shape) if i not in dims)
    stride = tuple(s for i, s in enumerate(input.stride()) if i not in dims)
    cls = Squeeze if dim is None else SqueezeDims if isinstance(dim, (tuple, list)) else SqueezeDim
    return cls.apply(input, input._get_storage(), shape, stride, input.storage_offset())


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one (a view when possible)."""
    n = input.dim()
    if n == 0:
        return reshape(input, 1)
    s, e = wrap_dim(start_dim, n), wrap_dim(end_dim, n)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = tuple(input.shape)
    return reshape(input, shape[:s] + (numel(shape[s : e + 1]),) + shape[e + 1 :])


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Split dim ``dim`` into ``sizes`` (one entry may be -1)."""
    n = input.dim()
    d = wrap_dim(dim, n)
    sizes = infer_size(tuple(sizes), input.shape[d])
    return view(input, tuple(input.shape[:d]) + sizes + tuple(input.shape[d + 1 :]))


def view_as(input: Tensor, other: Tensor) -> Tensor:
    return view(input, tensor_argument("view_as", other, "other", 1).shape)


def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    return reshape(input, tensor_argument("reshape_as", other, "other", 1).shape)


def _reshape_function(input: Tensor, shape) -> Tensor:
    """``torch.reshape(input, shape)``: ``shape`` is one sequence (``x.reshape(2, 3)`` takes varargs)."""
    if not isinstance(shape, (tuple, list)):
        raise TypeError(f"reshape(): argument 'shape' (position 2) must be tuple of ints, not {type(shape).__name__}")
    return reshape(input, shape)


def _permute_function(input: Tensor, dims) -> Tensor:
    """``torch.permute(input, dims)``: ``dims`` is one sequence (``x.permute(1, 0)`` takes varargs)."""
    if not isinstance(dims, (tuple, list)):
        raise TypeError(f"permute(): argument 'dims' (position 2) must be tuple of ints, not {type(dims).__name__}")
    return permute(input, dims)


__all__ = [
    "broadcast_to",
    "expand",
    "expand_as",
    "flatten",
    "permute",
    "reshape",
    "reshape_as",
    "squeeze",
    "swapaxes",
    "swapdims",
    "t",
    "transpose",
    "unflatten",
    "unsqueeze",
    "view",
    "view_as",
]
