"""Advanced indexing: ``x[idx]`` with integer/boolean tensors, and the gather/scatter family.

Almost everything here is two primitives and compositions of them:

- ``Index``:    y = x[key]                      dx = zeros(x.shape).index_put_(key, g, accumulate=True)
- ``IndexPut``: y = x with y[key] = v (or +=)   dx = g (zeroed at key unless accumulating);  dv = g[key]

``key`` is a tuple of full slices and int64 index arrays (PyTorch's ``indices`` list: ``None``
for a sliced dim), built and checked in ``_ops/indexing/keys.py``. The two backwards are each other,
so every op here is differentiable to any order. ``x[key]`` first applies the basic part of the key (ints, slices, ``None``) as views,
exactly as PyTorch does, which decides where the indexed dims go: index arrays next to each
other replace their dims in place; separated by a slice, their dims go first (NumPy's rule).

``gather``/``scatter``/``index_select``/``index_add``/``take``/``masked_*`` build such a key
(an ``arange`` grid for the other dims) and reuse the same two primitives, under PyTorch's
grad_fn names (``Index.named("GatherBackward0")`` ...). Two more own a backward: ``ScatterReduce``
(amax/amin/prod) and ``MaskedFill``, whose formulas are not those of ``IndexPut``.
"""

from __future__ import annotations

import numpy as np  # index bookkeeping only (keys, bounds checks); values go through the backend

from ..._core import dtype as _dtype
from ..._core.args import wrap_dim
from ..._core.strides import broadcast_shapes
from ..._tensor.tensor import Tensor
from ...autograd.function import Primitive
from ...backends import backend_of
from .._inplace import write_inplace
from .._out import _legacy
from .._promotion import as_tensor_like, cast
from .._tensor_args import check_scalar, tensor_args
from ..pointwise.selection import where
from .keys import (
    _bounds,
    _check_dim_op,
    _check_mask,
    _dim_key,
    _grid_key,
    _has_index_tensor,
    _long_index,
    index_key,
)
from .nonzero import argwhere, nonzero


# ----------------------------------------------------------------------------- primitives
class Index(Primitive):
    """y = x[key];  dx = zeros(x.shape) with g added at key (repeated indices accumulate)."""

    node_name = "IndexBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, key):
        ctx.in_shape, ctx.key = x.shape, key
        return backend_of(x).ascontiguousarray(x[key])

    @staticmethod
    def backward(ctx, g):
        # ``g.new_zeros(ctx.in_shape)`` without its argument checks: the shape is x's, g's dtype
        zeros = g._wrap_result(backend_of(g._data).zeros(ctx.in_shape, dtype=g._data.dtype))
        return IndexPut.apply(zeros, g, ctx.key, True), None


class IndexPut(Primitive):
    """y = x with y[key] = v (``accumulate``: y[key] += v, repeats add up, ``np.add.at``);
    dx = g, zeroed at key unless accumulating,  dv = g[key] (the engine sums it to v's shape).
    """

    node_name = "IndexPutBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, v, key, accumulate):
        ctx.key, ctx.accumulate = key, accumulate
        xp = backend_of(x)
        y = xp.copy(x)
        xp.index_put(y, key, v, accumulate)
        return y

    @staticmethod
    def backward(ctx, g):
        dx = g if ctx.accumulate else IndexPut.apply(g, g.new_zeros(()), ctx.key, False)
        dv = Index.apply(g, ctx.key) if ctx.needs_input_grad[1] else None
        return dx, dv, None, None


def _names(base, *names):
    """``base`` under each of PyTorch's node names ``names`` (``Function.named``)."""
    return [base.named(n) for n in names]


IndexSelect, Gather, Take, MaskedSelect = _names(
    Index, "IndexSelectBackward0", "GatherBackward0", "TakeBackward0", "MaskedSelectBackward0")
Scatter, ScatterValue, ScatterAdd, ScatterReduceSum, IndexAdd, IndexFill, IndexCopy, MaskedScatter = _names(
    IndexPut, "ScatterBackward0", "ScatterBackward1", "ScatterAddBackward0", "ScatterReduceBackward0",
    "IndexAddBackward0", "IndexFillBackward0", "IndexCopyBackward0", "MaskedScatterBackward0")
(IndexFillTensor,) = _names(IndexPut, "IndexFillBackward1")
(Put,) = _names(IndexPut, "PutBackward0")


class ScatterReduce(Primitive):
    """y = x with y[key] reduced by ``amax``/``amin``/``prod`` with v (``include_self``: x counts);
    amax/amin: the gradient goes to every input equal to the result, split evenly among ties.

    prod: dx = g * prod(v at x's position); dv = g[key] * y[key] / v (assumes v != 0).
    """

    node_name = "ScatterReduceBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, v, key, reduce, include_self):
        xp = backend_of(x)
        y = xp.copy(x)
        if not include_self:
            xp.index_put(y, key, xp.asarray(_identity(reduce, y.dtype), dtype=y.dtype), False)
        xp.index_reduce_at(y, key, v, reduce)
        ctx.key, ctx.reduce, ctx.include_self = key, reduce, include_self
        ctx.save_for_backward(x, v, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, v, y = ctx.saved_tensors
        key = ctx.key
        hit = IndexPut.apply(x.new_zeros(x.shape, dtype=_dtype.bool_), x.new_ones((), dtype=_dtype.bool_), key, False)
        keep_x = ~hit if not ctx.include_self else None
        if ctx.reduce == "prod":
            others = ScatterReduce.apply(x.new_ones(x.shape), v, key, "prod", True)
            dx = g * others
            dv = Index.apply(g * y, key) / v
        else:
            x_wins = x == y  # PyTorch counts an equal self among the ties even when not included
            v_wins = v == Index.apply(y, key)
            count = IndexPut.apply(x_wins.to(g.dtype), v_wins.to(g.dtype), key, True)
            share = g / count
            dx, dv = share * x_wins, Index.apply(share, key) * v_wins
        if keep_x is not None:
            dx = dx * keep_x
        return dx, dv, None, None, None


def _identity(reduce, np_dtype):
    kind = np.dtype(np_dtype).kind
    if reduce == "prod":
        return 1
    big = np.inf if kind == "f" else np.iinfo(np_dtype).max
    return -big if reduce == "amax" else big


# ----------------------------------------------------------------------------- x[key]
def advanced_getitem(x: Tensor, key) -> Tensor:
    """``x[key]`` where key holds index tensors, lists, arrays or bools: a new tensor (a copy)."""
    view, k = index_key(x, key)
    if not k:  # nothing left to gather (e.g. only bool scalars) is impossible: they leave arrays
        return view
    return Index.apply(view, k)


def advanced_setitem(x: Tensor, key, value) -> None:
    """``x[key] = value``: y = x with y[key] = value, written in place; autograd follows both."""
    x._check_inplace()
    strict = isinstance(value, Tensor) and _has_index_tensor(key)
    view, k = index_key(x, key)
    v = _value(view, value, strict)
    y = _index_put(IndexPut, view, k, v, False)
    write_inplace(view, y)


def _value(x: Tensor, value, strict: bool) -> Tensor:
    """The value of a put as a tensor of x's dtype (a tensor of another dtype is an error if strict)."""
    if not isinstance(value, Tensor):
        check_assignable(x, value)
        return as_tensor_like(cast(value, x.dtype), x)
    if value.dtype is not x.dtype:
        if strict:
            raise RuntimeError("Index put requires the source and destination dtypes match, got "
                               f"{_legacy(x.dtype)} for the destination and {_legacy(value.dtype)} for the source.")
        value = value.to(x.dtype)
    return value


def check_assignable(x: Tensor, value) -> None:
    """``x[key] = value`` takes a tensor or a number; anything else is PyTorch's TypeError."""
    if not isinstance(value, (bool, int, float, complex)) and not hasattr(value, "__float__"):
        raise TypeError(f"can't assign a {type(value).__name__} to a torch.{_legacy(x.dtype)}Tensor")


def _index_put(cls, x: Tensor, key: tuple, v: Tensor, accumulate: bool) -> Tensor:
    """``cls.apply(x, v, key, accumulate)`` after PyTorch's shape check of v against x[key]."""
    target = np.broadcast_to(np.zeros((), dtype=bool), tuple(x.shape))[key].shape
    vshape = tuple(v.shape)
    while len(vshape) > len(target) and vshape[0] == 1:
        vshape = vshape[1:]
    try:
        if broadcast_shapes(vshape, target) != tuple(target):
            raise RuntimeError
    except RuntimeError:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(v.shape)} cannot be broadcast to "
                           f"indexing result of shape {list(target)}") from None
    if vshape != tuple(v.shape):
        v = v.reshape(vshape)
    return cls.apply(x, v, key, accumulate)


# ----------------------------------------------------------------------------- index_* ops
@tensor_args("input", "index")
def index_select(input: Tensor, dim: int, index: Tensor, *, out=None) -> Tensor:
    """y = input[..., index, ...] along ``dim`` (``index`` a vector of indices in [0, size))."""
    a = _long_index(index, "index_select(): Expected dtype int32 or int64 for index", True)
    if a.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = wrap_dim(dim, input.dim())
    size = input.shape[d] if input.dim() else 1
    bad = (a < 0) | (a >= size)
    if bad.any():
        # PyTorch's CPU kernel for dim 1 of a matrix or more checks the indices with another message and type
        if d == 1 and input.dim() > 1:
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={int(a[bad].flat[0])} axis_dim={size}")
        raise IndexError("index out of range in self")
    x = input if input.dim() else input.reshape(1)
    y = IndexSelect.apply(x, _dim_key(x, d, a))
    return _finish(y if input.dim() else y.reshape(()), out)


@tensor_args("input", "index", "source")
def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1, out=None) -> Tensor:
    """y = input;  y[..., index[i], ...] += alpha * source[..., i, ...] (repeats add up; each
    index in [0, size), else PyTorch's RuntimeError)."""
    a = _long_index(index, "index_add_(): Expected dtype int32/int64 for index but got: {dtype}", True)
    d = wrap_dim(dim, input.dim())
    if a.size != (source.shape[d] if source.dim() else 1):
        raise RuntimeError(f"index_add_(): Number of indices ({a.size}) should be equal to source.size(dim): "
                           f"({source.shape[d] if source.dim() else 1}), for dim: {d}")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_add_(): self ({_legacy(input.dtype)}) and source ({_legacy(source.dtype)}) "
                           "must have the same scalar type")
    _check_dim_op("index_add_()", input, d, a.size, source)
    v = source if alpha == 1 else source * alpha
    return _finish(_along(IndexAdd, input, d, a, v, True, RuntimeError, wrap=False), out)


def _along(cls, input: Tensor, d: int, a: np.ndarray, v: Tensor, accumulate: bool, error=IndexError,
           wrap: bool = True) -> Tensor:
    """``cls`` (an IndexPut) writing ``v`` at ``index`` along dim ``d`` (0-d input: as 1-d)."""
    x = input if input.dim() else input.reshape(1)
    y = _index_put(cls, x, _dim_key(x, d, a, error, wrap), v if v.dim() <= x.dim() else v.reshape(-1), accumulate)
    return y if input.dim() else y.reshape(())


@tensor_args("input", "index", "source")
def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor, *, out=None) -> Tensor:
    """y = input;  y[..., index[i], ...] = source[..., i, ...] (each index in [0, size))."""
    a = _long_index(index, "index_copy_(): Expected a long tensor for index, but got {dtype}")
    d = wrap_dim(dim, input.dim())
    n = source.shape[d] if source.dim() else 1
    if a.size != n:
        raise IndexError(f"index_copy_(): Number of indices ({a.size}) should be equal to source.size(dim) ({n})")
    if source.dim() and list(source.shape[:d]) + list(source.shape[d + 1:]) != list(input.shape[:d]) + list(input.shape[d + 1:]):
        raise RuntimeError("index_copy_(): Source/destination tensor must have same slice shapes. "
                           f"Destination slice shape: {list(input.shape)} and source slice shape: {list(source.shape)}.")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{_legacy(input.dtype)} and (source) {_legacy(source.dtype)}")
    _bounds(a, input, d, "index_copy_(): ", wrap=False)
    return _finish(_along(IndexCopy, input, d, a, source, False), out)


@tensor_args("input", "index")
def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """y = input;  y[..., index, ...] = value (a number or a 0-d tensor; negative indices wrap)."""
    check_scalar("index_fill", value, "int dim, Tensor index, Tensor value")
    if index.dtype is not _dtype.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if isinstance(value, Tensor) and value.dim() != 0:
        raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.dim()} dimension(s).")
    d = wrap_dim(dim, input.dim())
    _bounds(index._data, input, d)
    cls = IndexFillTensor if isinstance(value, Tensor) else IndexFill
    return _along(cls, input, d, index._data, _value(input, value, False), False)


def index_put(input: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:
    """y = input with y[indices] = values (``accumulate``: +=, repeated indices add up)."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' must be tuple of Tensors, not {type(indices).__name__}")
    view, key = index_key(input, tuple(indices))
    return _index_put(IndexPut, view, key, _value(view, values, True), bool(accumulate))


def index_put_(input: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:
    """In-place :func:`index_put`."""
    input._check_inplace()
    return write_inplace(input, index_put(input, indices, values, accumulate))


# ----------------------------------------------------------------------------- gather / scatter
def _gather_like(cls, input: Tensor, d: int, index: Tensor, name: str) -> Tensor:
    a = _long_index(index, f"{name}(): Expected dtype int32/int64 for index", True)
    x = input if input.dim() else input.reshape(1)
    if input.dim() and a.ndim == input.dim():
        for k in range(a.ndim):
            if k != d and a.shape[k] > input.shape[k]:
                raise RuntimeError(f"Size does not match at dimension {k} expected index {list(a.shape)} to be no "
                                   f"larger than self {list(input.shape)} apart from dimension {d}")
    y = cls.apply(x, _grid_key(input, d, a, "input"))
    return y if input.dim() else y.reshape(index.shape)


@tensor_args("input", "index")
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False, out=None) -> Tensor:
    """y[i][j][k] = input[index[i][j][k]][j][k] (for dim=0);  dx = scatter_add of g at index."""
    return _finish(_gather_like(Gather, input, wrap_dim(dim, input.dim()), index, "gather"), out)


@tensor_args("input", "indices")
def take_along_dim(input: Tensor, indices: Tensor, dim=None, *, out=None) -> Tensor:
    """``gather`` after broadcasting input and indices in every dim but ``dim``; dim=None: flattened.
    Unlike ``gather``, negative indices wrap (as in PyTorch)."""
    if indices.dtype is not _dtype.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got {_legacy(indices.dtype)}")
    if dim is None:
        return _finish(gather(input.reshape(-1), 0, indices.reshape(-1)), out)
    d = wrap_dim(dim, input.dim())
    if input.dim():
        indices = where(indices < 0, indices + input.shape[d], indices)
    if input.dim() != indices.dim():
        raise RuntimeError("torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {input.dim()} dimensions for input, and {indices.dim()} dimensions for indices")
    shape_in, shape_ix = list(input.shape), list(indices.shape)
    shape_in[d] = shape_ix[d] = 1
    common = list(broadcast_shapes(shape_in, shape_ix))
    x = input.expand(common[:d] + [input.shape[d]] + common[d + 1:])
    i = indices.expand(common[:d] + [indices.shape[d]] + common[d + 1:])
    return _finish(gather(x, d, i), out)


def _scatter_args(name: str, input: Tensor, dim, index: Tensor, src) -> tuple:
    d = wrap_dim(dim, input.dim())
    a = _long_index(index, "scatter(): Expected dtype int32/int64 for index", True)
    if isinstance(src, Tensor):
        if src.dtype is not input.dtype:
            raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")
        if a.ndim != input.dim() and input.dim() > 0:
            raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
        too_big = any(a.shape[k] > input.shape[k] for k in range(a.ndim) if k != d) or any(
            a.shape[k] > src.shape[k] for k in range(min(a.ndim, src.dim())))
        if too_big:
            raise RuntimeError(f"Expected index {list(a.shape)} to be no larger than self {list(input.shape)} apart "
                               f"from dimension {d} and to be no larger size than src {list(src.shape)}")
        v = src[tuple(slice(0, n) for n in a.shape)] if src.dim() and tuple(src.shape) != a.shape else src
        v = v.reshape(a.shape or (1,))
    else:
        v = _value(input, src, False)
    x = input if input.dim() else input.reshape(1)
    return x, _grid_key(input, d, a, "self"), v


def _scatter_out(y: Tensor, input: Tensor) -> Tensor:
    return y if input.dim() else y.reshape(())


@tensor_args("input", "index")
def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce=None, out=None) -> Tensor:
    """y = input;  y[index[i][j]][j] = src[i][j] (dim=0).  d_input = g zeroed there;  d_src = g gathered."""
    src = value if src is None else src
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError("reduce argument must be either add or multiply.")
        x, key, v = _scatter_args("scatter", input, dim, index, src)
        y = (_index_put(ScatterAdd, x, key, v, True) if reduce == "add"
             else ScatterReduce.apply(x, v.expand(key[0].shape) if v.dim() == 0 else v, key, "prod", True))
        return _finish(_scatter_out(y, input), out)
    x, key, v = _scatter_args("scatter", input, dim, index, src)
    cls = Scatter if isinstance(src, Tensor) else ScatterValue
    return _finish(_scatter_out(_index_put(cls, x, key, v, False), input), out)


@tensor_args("input", "index", "src")
def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor, *, out=None) -> Tensor:
    """y = input;  y[index[i][j]][j] += src[i][j] (dim=0; repeats add up).  d_src = g gathered."""
    x, key, v = _scatter_args("scatter_add", input, dim, index, src)
    return _finish(_scatter_out(_index_put(ScatterAdd, x, key, v, True), input), out)


_REDUCES = ("sum", "prod", "mean", "amax", "amin")


@tensor_args("input", "index", "src")
def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True, out=None) -> Tensor:
    """y = input;  y[index[i][j]][j] = reduce(y[...], src[i][j]) over all i, j hitting it (dim=0)."""
    if reduce not in _REDUCES:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    x, key, v = _scatter_args("scatter_reduce", input, dim, index, src)
    if reduce in ("sum", "mean"):
        base = x if include_self else _index_put(IndexPut, x, key, x.new_zeros(()), False)
        total = _index_put(ScatterReduceSum, base, key, v, True)
        if reduce == "mean":
            ones = x.new_ones(x.shape) if include_self else IndexPut.apply(x.new_ones(x.shape), x.new_zeros(()), key, False)
            count = IndexPut.apply(ones, x.new_ones(v.shape), key, True)
            count = where(count == 0, count.new_ones(()), count)
            total = total / count if x.dtype.is_floating_point else total.floor_divide(count)
        y = total
    else:
        y = ScatterReduce.apply(x, v, key, reduce, bool(include_self))
    return _finish(_scatter_out(y, input), out)


# ----------------------------------------------------------------------------- masks, take, nonzero
class MaskedFill(Primitive):
    """y = mask ? value : x;  dx = g where not mask;  dvalue = sum of g where mask."""

    node_name = "MaskedFillBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.save_for_backward(mask)
        xp = backend_of(x)
        return xp.asarray(xp.where(mask, value, x))

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        zero = g.new_zeros(())
        return where(mask, zero, g), None, where(mask, g, zero)


MaskedFillTensor = MaskedFill.named("MaskedFillBackward1")  # the value is a 0-d tensor


@tensor_args("input", "mask")
def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """y = input with ``value`` where ``mask`` (broadcast) is True."""
    check_scalar("masked_fill", value, "Tensor input, Tensor mask, Tensor value")
    _check_mask("masked_fill_", mask)
    if isinstance(value, Tensor) and value.dim() != 0:
        raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.dim()} dimension(s).")
    cls = MaskedFillTensor if isinstance(value, Tensor) else MaskedFill
    y = cls.apply(input, mask, _value(input, value, False))
    if y.grad_fn is not None:  # PyTorch's edges: the input, and a tensor value; never the mask
        y.grad_fn._tensor_args = (True, False, isinstance(value, Tensor))
    return y


@tensor_args("input", "mask")
def masked_select(input: Tensor, mask: Tensor, *, out=None) -> Tensor:
    """The elements of ``input`` where ``mask`` is True (both broadcast), as a 1-D tensor."""
    _check_mask("masked_select", mask)
    shape = broadcast_shapes(tuple(input.shape), tuple(mask.shape))
    if shape == ():  # a 0-d selection is a selection from one element
        input, mask, shape = input.reshape(1), mask.reshape(1), (1,)
    key = tuple(np.nonzero(np.broadcast_to(backend_of(mask._data).to_numpy(mask._data), shape)))
    x = input.expand(shape)
    return _finish(MaskedSelect.apply(x, key) if key else x.reshape(-1), out)


@tensor_args("input", "mask", "source")
def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """y = input with the positions where ``mask`` is True filled by ``source``'s elements in order."""
    _check_mask("masked_scatter_", mask)
    if source.dtype is not input.dtype:
        raise RuntimeError("masked_scatter: expected self and source to have same dtypes but got "
                           f"{_legacy(input.dtype)} and {_legacy(source.dtype)}")
    shape = broadcast_shapes(tuple(input.shape), tuple(mask.shape))
    zero_d = shape == ()
    if zero_d:  # scattered as one element, then given back its 0-d shape
        input, mask, shape = input.reshape(1), mask.reshape(1), (1,)
    key = tuple(np.nonzero(np.broadcast_to(backend_of(mask._data).to_numpy(mask._data), shape)))
    n = int(key[0].size)
    if source.numel() < n:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    y = MaskedScatter.apply(input.expand(shape), source.reshape(-1)[:n], key, False)
    return y.reshape(()) if zero_d else y


@tensor_args("input", "index")
def take(input: Tensor, index: Tensor) -> Tensor:
    """y = input.flatten()[index] (``index`` any shape; y has its shape)."""
    a = _long_index(index, "take(): Expected a long tensor for index, but got {dtype}")
    n = input.numel()
    bad = (a < -n) | (a >= n)
    if bad.any():
        raise IndexError(f"out of range: tried to access index {int(a[bad].flat[0])} on a tensor of {n} elements.")
    return Take.apply(input.reshape(-1), (np.where(a < 0, a + n, a).astype(np.int64),))


@tensor_args("input", "index", "source")
def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """y = input with y.flatten()[index] = source (``accumulate``: +=); negative indices wrap."""
    a = _long_index(index, "put_(): Expected a long tensor for index, but got {dtype}")
    if source.numel() != a.size:
        raise IndexError("put_(): Expected source and index to have the same number of elements, but got "
                         f"source.numel() = {source.numel()}, index.numel() = {a.size}")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got self.dtype = "
                           f"{_legacy(input.dtype)} and source.dtype = {_legacy(source.dtype)}")
    n = input.numel()
    bad = (a < -n) | (a >= n)
    if bad.any():
        raise IndexError(f"out of range: tried to access index {int(a[bad].flat[0])} on a tensor of {n} elements.")
    flat = np.where(a < 0, a + n, a).astype(np.int64).reshape(-1)
    if input.dim() == 0:
        return Put.apply(input.reshape(1), source.reshape(-1), (flat,), bool(accumulate)).reshape(())
    key = tuple(i.astype(np.int64) for i in np.unravel_index(flat, tuple(input.shape)))
    return Put.apply(input, source.reshape(-1), key, bool(accumulate))


def _finish(result, out):
    """``out=`` of the indexing ops: PyTorch wants ``out`` of the result's own dtype."""
    from .._out import finish

    return finish(result, out, same_dtype=True)


__all__ = [
    "argwhere",
    "gather",
    "index_add",
    "index_copy",
    "index_fill",
    "index_put",
    "index_put_",
    "index_select",
    "masked_fill",
    "masked_scatter",
    "masked_select",
    "nonzero",
    "put",
    "scatter",
    "scatter_add",
    "scatter_reduce",
    "take",
    "take_along_dim",
]
