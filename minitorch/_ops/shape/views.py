"""Views: ops that change shape, strides or offset but never copy.

A view op computes a new (shape, stride, offset) over the input's storage
(``_core/strides.py``) and the backend materialises it with ``as_strided``. The
result shares the storage *and the version counter* of its input, so writes
through it are seen everywhere and backward notices overwritten saved values.

Backward of a view:
- ``view``/``reshape``: reshape the gradient back;
- ``permute``/``transpose``: apply the inverse permutation;
- ``expand``: ``sum_to_size`` (the same reduction the engine applies after broadcasting);
- *selecting* views (``select``, ``slice``, ``diagonal``, ``unfold``, ``as_strided``):
  scatter the gradient into zeros of the input's shape, at the positions the
  view picked (``StridedScatterAdd``); overlapping windows (``unfold``) add up.
"""

from __future__ import annotations

import numpy as np

from ..._core.args import (
    int_argument,
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
    reason = "base: the apply of the view ops below (View, Permute, StridedView)"

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


class Expand(View):
    """y = x broadcast to a larger shape with stride-0 dims;  dx = sum_to_size(g, x.shape)."""

    node_name = "ExpandBackward0"
    reason = "node"

    @staticmethod
    def backward(ctx, g):
        from ...autograd.engine import sum_to_size

        return sum_to_size(g, ctx.in_shape), None, None, None, None


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
            xp.add.at(flat, _positions(xp, shape, stride, offset), src)
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
        stride = compute_view_stride(input._data.shape, input.stride(), ints)
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
    stride = compute_view_stride(tuple(input.shape), input.stride(), shape)
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
    "as_strided",
    "broadcast_to",
    "diagonal",
    "expand",
    "expand_as",
    "flatten",
    "narrow",
    "permute",
    "reshape",
    "reshape_as",
    "select",
    "squeeze",
    "swapaxes",
    "swapdims",
    "t",
    "transpose",
    "unflatten",
    "unfold",
    "unsqueeze",
    "view",
    "view_as",
]
