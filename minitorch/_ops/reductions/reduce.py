"""Reductions: ``sum``, ``mean``, ``prod``, ``amax``/``max``, ``var``, ``norm``, ``all`` ... (scans: _ops/reductions/scan.py)

Backward of a reduction over ``dims`` broadcasts the gradient back: put the
reduced dims back as size 1 (``restore_dims``), then ``expand`` to the input's shape.
Primitives own a backward (``Sum``, ``Mean``, ``Prod``, ``Norm``, and for ``var``/``std`` ``Var``
and ``SafeSqrt``, as PyTorch's ``VarBackward0``/``StdBackward0``; the extremum's ``EvenlyDistributed``
is in ``extremum.py``);
``logsumexp``, ``aminmax``, ``count_nonzero`` ... are compositions of them.
``max``/``min`` with a ``dim`` pick elements by index and share ``_ops/reductions/sort.py``'s gather.
"""

from __future__ import annotations

import builtins
import functools
import math

import numpy as np

from ..._core import capture as _capture
from ..._core import dtype as _dtype
from ..._core.args import bool_argument, bool_arguments, normalize_dims, sizes_argument, wrap_dim
from ..._core.strides import is_expandable_to
from ..._tensor.tensor import Tensor
from ...autograd.engine import sum_to_size as _unbroadcast
from ...autograd.function import Primitive
from ...backends import backend_of
from .. import return_types
from .._out import _legacy, can_cast, computing_dtype, finish
from ..pointwise.binary import maximum, minimum, where
from ..shape.views import normalize_shape_allow_neg
from .extremum import EvenlyDistributed, restore_dims
from .sort import _check_nonempty, _index_tensor, values_at


def accumulator(x):
    """The NumPy dtype to sum or multiply the array ``x`` in: NumPy's own choice, except for uint8,
    which NumPy accumulates in uint64 (no minitorch dtype); uint8 wraps the same either way."""
    return x.dtype if x.dtype == np.uint8 else None


# ----------------------------------------------------------------------------- the primitives
# Every reduction's forward and backward, here together; the functions below call them.
class Sum(Primitive):
    """y = sum of x over ``dims``;  dx = g expanded back to x's shape."""

    node_name = "SumBackward1"
    reason = "node"

    @staticmethod
    def forward(ctx, x, dims, keepdim, np_dtype):
        ctx.in_shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        xp = backend_of(x)  # NumPy returns a scalar, not a 0-d array, for a full reduction
        return xp.asarray(xp.sum(x, axis=dims, keepdims=keepdim, dtype=np_dtype or accumulator(x)))

    @staticmethod
    def backward(ctx, g):
        return restore_dims(g, ctx.dims, ctx.keepdim).expand(ctx.in_shape), None, None, None


SumAll = Sum.named("SumBackward0")  # sum() over all dims


class Mean(Primitive):
    """y = mean of x over ``dims``;  dx = g / n expanded back to x's shape."""

    node_name = "MeanBackward1"
    reason = "node"

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.in_shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        n = 1
        for d in dims:
            n *= x.shape[d]
        ctx.n = n
        xp = backend_of(x)
        if n == 0:  # the mean of nothing is NaN, silently (as PyTorch)
            with np.errstate(invalid="ignore"):
                return xp.sum(x, axis=dims, keepdims=keepdim) * float("nan")
        return xp.asarray(xp.sum(x, axis=dims, keepdims=keepdim) / n)  # a Python int keeps the dtype (NEP 50)

    @staticmethod
    def backward(ctx, g):
        return restore_dims(g, ctx.dims, ctx.keepdim).expand(ctx.in_shape) / ctx.n, None, None


MeanAll = Mean.named("MeanBackward0")  # mean() over all dims


class Prod(Primitive):
    """y = prod of x over ``dims``;  dx_i = g * prod_{j != i} x_j.

    ``y / x_i`` would divide by zero, so the product of the others is built from the non-zero
    factors: no zero -> p / x_i; one zero -> p at the zero and (p / x_i) * x_zero (= 0, but with
    the right derivative) elsewhere; two zeros -> p * (the other zero) at each zero (= 0, with
    the second derivative p) and 0 elsewhere; more zeros -> 0. ``p`` is the product with the
    zeros replaced by 1. Everything is Tensor ops, so the gradient is differentiable.
    """

    node_name = "ProdBackward1"
    reason = "node: and numerics, no y / x_i (a zero factor would divide by zero)"

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.save_for_backward(x)
        ctx.dims, ctx.keepdim = dims, keepdim
        xp = backend_of(x)
        return xp.asarray(xp.prod(x, axis=dims, keepdims=keepdim, dtype=accumulator(x)))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        dims = ctx.dims
        if x.dim() == 0:  # y = x, as PyTorch: no p / x, whose derivative overflows at tiny x
            return g, None, None
        g = restore_dims(g, dims, ctx.keepdim)
        zero = x == 0
        safe = where(zero, 1.0, x)
        p = Prod.apply(safe, dims, True)
        zeros = zero.sum(dims, keepdim=True)
        x_zero = where(zero, x, 0.0).sum(dims, keepdim=True)
        two = where(zeros == 2, where(zero, p * (x_zero - x), 0.0), 0.0)
        others = where(zeros == 0, p / safe, where(zeros == 1, where(zero, p, p / safe * x_zero), two))
        return g * others, None, None


ProdAll = Prod.named("ProdBackward0")  # prod() over all dims


class SafeSqrt(Primitive):
    """y = sqrt(v);  dv = g / (2 y), and 0 where y = 0 (PyTorch's ``std`` gradient at a constant input)."""

    node_name = "StdBackward0"
    reason = "node: and numerics, 0 where y = 0 (sqrt's own gradient is inf there)"

    @staticmethod
    def forward(ctx, v):
        y = backend_of(v).sqrt(v)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        zero = y == 0
        return where(zero, 0.0, g / (2 * where(zero, 1.0, y)))


class Var(Primitive):
    """y = sum((x - mean(x))^2) / (n - c) over ``dims``;  dx = g * 2 (x - mean(x)) / (n - c).

    With no degrees of freedom (n <= c) y is NaN and so is the gradient (a constant, as in PyTorch).
    """

    node_name = "VarBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim, whole=False):
        xp = backend_of(x)
        n = _numel(x.shape, dims)
        ctx.save_for_backward(x)
        ctx.dims, ctx.correction, ctx.keepdim, ctx.n = dims, correction, keepdim, n
        ctx.whole = whole  # var(x) with no dim
        dev = x - xp.sum(x, axis=dims, keepdims=True) / builtins.max(n, 1)
        return xp.asarray(xp.sum(dev * dev, axis=dims, keepdims=keepdim) / float(builtins.max(0, n - correction)))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        dof = ctx.n - ctx.correction
        g = restore_dims(g, ctx.dims, ctx.keepdim)
        if dof <= 0 and (x.dim() == 0 or ctx.whole):
            # PyTorch's var(x) (and 0-d) case: g * (NaN where x == mean(x), else inf), a function
            # of g alone, so the second derivative is 0, not NaN (found by the thorough profile)
            x = x.detach()
            flat = where(x == mean(x, ctx.dims, keepdim=True), math.nan, math.inf).to(x.dtype)
            return g * flat, None, None, None, None
        scale = 2.0 / dof if dof > 0 else math.inf  # no degrees of freedom: inf * 0 = NaN
        return scale * g * (x - mean(x, ctx.dims, keepdim=True)), None, None, None, None


class Norm(Primitive):
    """y = (sum |x|^p)^(1/p) over ``dims`` (p = inf: max |x|, p = 0: count of non-zeros);
    dx = g * sign(x) |x|^(p-1) / y^(p-1), 0 where y = 0; for p = +-inf g is split among the ties."""

    node_name = "LinalgVectorNormBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        xp = backend_of(x)
        a = xp.abs(x)
        if p == math.inf:
            y = xp.amax(a, axis=dims, keepdims=keepdim)
        elif p == -math.inf:
            y = xp.amin(a, axis=dims, keepdims=keepdim)
        elif p == 0:
            y = xp.astype(xp.sum(a != 0, axis=dims, keepdims=keepdim), x.dtype)
        elif p == 2:
            y = xp.sqrt(xp.sum(x * x, axis=dims, keepdims=keepdim))
        else:
            y = xp.power(xp.sum(xp.power(a, p), axis=dims, keepdims=keepdim), 1.0 / p)
        y = xp.asarray(y)
        ctx.save_for_backward(x, y)
        ctx.p, ctx.dims, ctx.keepdim = p, dims, keepdim
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        p, dims = ctx.p, ctx.dims
        g, y = restore_dims(g, dims, ctx.keepdim), restore_dims(y, dims, ctx.keepdim)
        if p == 0:
            return g.expand(x.shape) * 0, None, None, None
        if p == 1:
            return g * x.sign(), None, None, None
        if math.isinf(p):
            chosen = x.abs() == y
            return g * x.sign() * chosen / chosen.sum(dims, keepdim=True), None, None, None
        safe = where(y == 0, 1.0, y)  # y = 0 only when all x = 0, where x |x|^(p-2) is 0 too (p > 1)
        if p == 2:
            return g * x / safe, None, None, None
        return g * x * x.abs() ** (p - 2) / safe ** (p - 1), None, None, None


# ----------------------------------------------------------------------------- sum, mean
def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Sum over ``dim`` (int, tuple, or all). Integer and bool inputs sum in int64."""
    bool_argument("sum", "keepdim", keepdim)
    dtype = computing_dtype(input, dtype, out, "sum")
    if dtype is not None:
        input = input.to(_dtype.to_dtype(dtype, "sum"))
    elif not input.dtype.is_floating_point:
        input = input.to(_dtype.int64)
    dims = normalize_dims(dim, input.dim())
    cls = SumAll if dim is None else Sum
    return finish(in_requested_dtype(cls.apply(input, dims, keepdim, None), input.dtype), out)


def sum_to_size(input: Tensor, *sizes, size=None) -> Tensor:
    """``Tensor.sum_to_size(*size)``: sum ``input`` down to ``size``, which must be expandable to
    ``input``'s shape (the inverse of ``expand``).

    This is the rule backward un-broadcasts gradients with (``autograd/engine.py: sum_to_size``):
    the leading dims that ``size`` lacks are summed away, dims where ``size`` is 1 are summed
    keeping the dim. Made of ``sum`` and ``reshape``, so it is differentiable to any order.
    ``input`` itself comes back when its shape already is ``size`` (unless ``size`` is 0-d: that is
    always a new ``sum()``, as in PyTorch); integer and bool inputs that are summed become int64,
    as with ``sum``.
    """
    shape = normalize_shape_allow_neg(sizes_argument("sum_to_size", sizes, size), "sum_to_size")
    if not is_expandable_to(shape, tuple(input.shape)):
        raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size {{{list(input.shape)}}}.")
    return _unbroadcast(input, shape)


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Arithmetic mean over ``dim``; only floating point inputs (or an explicit float ``dtype``)."""
    bool_argument("mean", "keepdim", keepdim)
    if dtype is not None:
        input = input.to(_dtype.to_dtype(dtype, "mean"))
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


def _numel(shape, dims) -> int:
    return math.prod(shape[d] for d in dims)


def in_requested_dtype(result: Tensor, dt: _dtype.dtype) -> Tensor:
    """``result`` as ``dt``: NumPy sums and multiplies small integer types in int64, PyTorch's
    ``dtype=torch.int32`` keeps int32 (the same values: integer arithmetic wraps either way)."""
    return result if result.dtype is dt else result.to(dt)


def _accumulate_dtype(input: Tensor, dtype, op: str | None = None) -> Tensor:
    """``dtype`` if given; integer and bool inputs accumulate in int64 (sum, prod, cumsum, cumprod)."""
    if dtype is not None:
        return input.to(_dtype.to_dtype(dtype, op))
    return input if input.dtype.is_floating_point else input.to(_dtype.int64)


# ----------------------------------------------------------------------------- prod
def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Product over one ``dim`` (an int) or all elements. Integer and bool inputs multiply in int64."""
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"prod() received an invalid combination of arguments - got ({type(dim).__name__}), "
                        "but expected one of:\n * (*, torch.dtype dtype = None)\n"
                        " * (int dim, bool keepdim = False, *, torch.dtype dtype = None)\n")
    bool_argument("prod", "keepdim", keepdim)
    input = _accumulate_dtype(input, computing_dtype(input, dtype, out, "prod"), "prod")
    if dim is None:
        return finish(in_requested_dtype(ProdAll.apply(input, tuple(range(input.dim())), False), input.dtype), out)
    dims = (wrap_dim(dim, input.dim()),) if input.dim() else ()  # a 0-d tensor accepts dim 0 and -1
    return finish(in_requested_dtype(Prod.apply(input, dims, keepdim), input.dtype), out)


# ----------------------------------------------------------------------------- amax, amin, max, min
def _extreme(name: str, input: Tensor, dim, keepdim: bool, largest: bool, node: str) -> Tensor:
    """amax/amin (and max/min without dim): the value over ``dim``, gradient split among ties."""
    bool_argument(name, "keepdim", keepdim)
    dims = normalize_dims(dim, input.dim())
    if input.numel() == 0:
        if dim is None or dim == ():
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        for d in dims:
            if input.shape[d] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    xp = backend_of(input._data)
    y = (xp.amax if largest else xp.amin)(input._data, axis=dims, keepdims=keepdim)
    return EvenlyDistributed.named(node).apply(input, y, dims, keepdim)


def amax(input: Tensor, dim=(), keepdim: bool = False, *, out=None) -> Tensor:
    """Largest value over ``dim`` (int, tuple, or ``()`` for all); NaN propagates."""
    return finish(_extreme("amax", input, dim, keepdim, True, "AmaxBackward0"), out, same_dtype=True)


def amin(input: Tensor, dim=(), keepdim: bool = False, *, out=None) -> Tensor:
    """Smallest value over ``dim`` (int, tuple, or ``()`` for all); NaN propagates."""
    return finish(_extreme("amin", input, dim, keepdim, False, "AminBackward0"), out, same_dtype=True)


def _max_min(name: str, input: Tensor, dim, keepdim: bool, out, largest: bool):
    if isinstance(dim, Tensor):  # max(a, b): the elementwise maximum
        if keepdim is not False:
            raise TypeError(f"{name}(): argument 'dim' (position 1) must be int, not Tensor")
        return (maximum if largest else minimum)(input, dim, out=out)
    bool_argument(name, "keepdim", keepdim)
    if dim is None and keepdim:
        raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, NoneType, bool)")
    if dim is None:
        result = _extreme(name, input, None, False, largest, f"{name.capitalize()}Backward1")
        if isinstance(out, Tensor) and can_cast(result.dtype, out.dtype) and result.numel() == 1:
            from ..creation.factories import fill_value_as

            fill_value_as(result.item(), out.dtype)  # PyTorch fills out with the value: checked for overflow
        return finish(result, out)
    d = wrap_dim(dim, input.dim())
    _check_nonempty(input, d, name)
    idx = _arg_extreme(input, d, largest)
    values = values_at(input, idx, d, keepdim, f"{name.capitalize()}Backward0")
    result = getattr(return_types, name)(values, _index_tensor(input, idx, d, keepdim))
    return finish(result, out, same_dtype=True)


def _dim_or_other(name: str, dim, other):
    """``max(x, other=y)`` is ``max(x, y)``; ``dim`` and ``other`` together match no overload."""
    if other is None:
        return dim
    if dim is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got both 'dim' and 'other'")
    return other


def max(input: Tensor, dim=None, keepdim: bool = False, *, out=None, other=None):
    """``max(x)``: the largest element (gradient split among ties); ``max(x, dim)``: the named
    tuple ``(values, indices)`` (gradient to the index); ``max(x, other)``: ``maximum``."""
    return _max_min("max", input, _dim_or_other("max", dim, other), keepdim, out, True)


def min(input: Tensor, dim=None, keepdim: bool = False, *, out=None, other=None):
    """``min(x)``, ``min(x, dim)`` -> ``(values, indices)``, or ``min(x, other)`` = ``minimum``."""
    return _max_min("min", input, _dim_or_other("min", dim, other), keepdim, out, False)


def aminmax(input: Tensor, *, dim=None, keepdim: bool = False):
    """``(min, max)`` over ``dim`` (or all elements)."""
    if input.numel() == 0 and (dim is None or input.shape[wrap_dim(dim, input.dim())] == 0):
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation "
                           "has no identity.")
    d = () if dim is None else dim
    return return_types.aminmax(amin(input, d, keepdim), amax(input, d, keepdim))


# ----------------------------------------------------------------------------- argmax, argmin
def _arg_extreme(input: Tensor, d: int, largest: bool):
    """Index (keepdim shape) of the first largest/smallest element along ``d``; a NaN wins."""
    return _capture.call(_arg_extreme_array, input._data, d, largest)


def _arg_extreme_array(a, d: int, largest: bool):
    xp = backend_of(a)
    if a.ndim == 0:
        return xp.zeros((), dtype=np.int64)
    return (xp.argmax if largest else xp.argmin)(a, axis=d, keepdims=True)


def _flat_arg_extreme(a, largest: bool, shape: tuple):
    """The flat index of the first largest (smallest) element of array ``a``, as an array of ``shape``."""
    a = a.reshape(-1)
    idx = (backend_of(a).argmax if largest else backend_of(a).argmin)(a)
    return backend_of(a).asarray(idx).reshape(shape)


def _argmax_argmin(name: str, input: Tensor, dim, keepdim: bool, largest: bool) -> Tensor:
    bool_argument(name, "keepdim", keepdim)
    if input.dtype is _dtype.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if input.numel() == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        shape = (1,) * input.dim() if keepdim else ()
        return input._wrap_result(_capture.call(_flat_arg_extreme, input._data, largest, shape))
    d = wrap_dim(dim, input.dim())
    _check_nonempty(input, d, name)
    return _index_tensor(input, _arg_extreme(input, d, largest), d, keepdim)


def argmax(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the first largest element along ``dim`` (or of the flattened tensor)."""
    return _argmax_argmin("argmax", input, dim, keepdim, True)


def argmin(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the first smallest element along ``dim`` (or of the flattened tensor)."""
    return _argmax_argmin("argmin", input, dim, keepdim, False)


# ----------------------------------------------------------------------------- var, std
def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, out=None) -> Tensor:
    """Variance over ``dim``: ``correction`` defaults to 1 (Bessel), ``unbiased=False`` means 0."""
    if isinstance(dim, bool):  # var(x, False): the legacy positional ``unbiased``
        dim, unbiased = None, dim
    bool_arguments("var", keepdim=keepdim) if unbiased is None else bool_arguments("var", unbiased=unbiased, keepdim=keepdim)
    if unbiased is not None and correction is not None:
        raise TypeError("var() received an invalid combination of arguments - got both unbiased and correction")
    if not input.dtype.is_floating_point:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    dims = normalize_dims(dim, input.dim())
    c = correction if correction is not None else (0 if unbiased is False else 1)
    if _numel(input.shape, dims) - c <= 0:
        import warnings

        warnings.warn("var(): degrees of freedom is <= 0. Correction should be strictly less than the "
                      "reduction factor (input numel divided by output numel).", UserWarning, stacklevel=2)
    return finish(Var.apply(input, dims, c, keepdim, dim is None), out)


def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, out=None) -> Tensor:
    """y = sqrt(var(x)); the gradient is 0 where y = 0, as in PyTorch."""
    return finish(SafeSqrt.apply(var(input, dim, unbiased, keepdim, correction=correction)), out)


# ----------------------------------------------------------------------------- norm
def _check_matrix_norm(input: Tensor, p: str, dim) -> None:
    """The checks of ``linalg.matrix_norm``, in PyTorch's order: the order, a matrix, floats, two dims."""
    if p not in ("fro", "nuc"):
        raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
    if input.dim() < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"linalg.matrix_norm: Expected a floating point or complex tensor as input. "
                           f"Got {_name(input.dtype)}")
    dims = list(range(input.dim())) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    if len(dims) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dims))}")
    if wrap_dim(dims[0], input.dim()) == wrap_dim(dims[1], input.dim()):
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dims[0]}, {dims[1]})")


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, out=None, dtype=None) -> Tensor:
    """The vector p-norm over ``dim`` (all elements by default); ``'fro'`` is the 2-norm.

    As in PyTorch, a string ``p`` asks for a matrix norm (``linalg.matrix_norm``, checked as one)
    unless it is ``'fro'`` over at most two dims; the nuclear norm (``'nuc'``) is not implemented.
    """
    bool_argument("norm", "keepdim", keepdim)
    if dtype is not None:
        input = input.to(_dtype.to_dtype(dtype, "norm"))
    if isinstance(p, str) and not (p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2)):
        _check_matrix_norm(input, p, dim)
        raise NotImplementedError("norm(p='nuc') (the nuclear norm) is not implemented in minitorch")
    p = 2.0 if p in ("fro", None) else float(p)
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {_name(input.dtype)}")
    dims = normalize_dims(dim, input.dim())
    if p < 0 or math.isinf(p):
        if input.numel() == 0 and dim is None:
            raise RuntimeError("linalg.vector_norm cannot compute the inf norm on an empty tensor because "
                               "the operation does not have an identity")
        for d in dims:
            if input.shape[d] == 0:
                raise RuntimeError(f"linalg.vector_norm cannot compute the inf norm on the dimension {d}"
                                   "because this dimension is empty and the operation does not have an identity")
    return finish(Norm.apply(input, p, dims, keepdim), out, same_dtype=True)


# ----------------------------------------------------------------------------- logsumexp
def logsumexp(input: Tensor, dim, keepdim: bool = False, *, out=None) -> Tensor:
    """y = m + log(sum(exp(x - m))) with m = max(x) (detached), so large x don't overflow."""
    bool_argument("logsumexp", "keepdim", keepdim)
    if not input.dtype.is_floating_point:
        input = input.to(_dtype.get_default_dtype())
    dims = normalize_dims(dim, input.dim())
    if input.numel() == 0:
        return finish(sum(input.exp(), dims, keepdim).log(), out)
    m = amax(input.detach(), dims, keepdim=True)
    m = where(m.isinf(), 0.0, m)
    s = sum((input - m).exp(), dims, keepdim).log()
    return finish(s + m.reshape(s.shape), out)


# ----------------------------------------------------------------------------- all, any, count_nonzero
def _all_any(input: Tensor, dim, keepdim: bool, reduce_all: bool) -> Tensor:
    bool_argument("all" if reduce_all else "any", "keepdim", keepdim)
    dims = normalize_dims(dim, input.dim())
    return input._wrap_result(_capture.call(_all_any_array, input._data, dims, keepdim, reduce_all,
                                            input.dtype is _dtype.uint8))


def _all_any_array(a, dims, keepdim: bool, reduce_all: bool, uint8: bool):
    xp = backend_of(a)
    y = (xp.all if reduce_all else xp.any)(a, axis=dims, keepdims=keepdim)
    if uint8:  # PyTorch keeps uint8 for uint8 inputs
        y = xp.astype(y, np.uint8)
    return xp.asarray(y)


def _all_any_out(op: str, input: Tensor, dim, keepdim: bool, out) -> Tensor:
    """all/any with ``out=``: PyTorch writes into a bool or a uint8 ``out`` only, computing in its
    dtype (a float input is cast to uint8 first: ``all([0.4], out=uint8)`` is 0)."""
    if out is None:
        return _all_any(input, dim, keepdim, op == "all")
    if isinstance(out, Tensor):
        if out.dtype not in (_dtype.bool_, _dtype.uint8):
            raise RuntimeError(f"{op} only supports bool tensor for result, got: {_legacy(out.dtype)}")
        if out.dtype is _dtype.uint8 and input.dtype is not _dtype.bool_:
            input = input.detach().to(_dtype.uint8)
        return finish(_all_any(input, dim, keepdim, op == "all").to(out.dtype), out)
    return finish(_all_any(input, dim, keepdim, op == "all"), out)


def all(input: Tensor, dim=None, keepdim: bool = False, *, out=None) -> Tensor:
    """True where every element over ``dim`` is non-zero (bool; uint8 for uint8 inputs)."""
    return _all_any_out("all", input, dim, keepdim, out)


def any(input: Tensor, dim=None, keepdim: bool = False, *, out=None) -> Tensor:
    """True where some element over ``dim`` is non-zero (bool; uint8 for uint8 inputs)."""
    return _all_any_out("any", input, dim, keepdim, out)


def count_nonzero(input: Tensor, dim=None) -> Tensor:
    """The number of non-zero elements over ``dim`` (int64)."""
    return input._wrap_result(_capture.call(_count_nonzero_array, input._data, normalize_dims(dim, input.dim())))


def _count_nonzero_array(a, dims):
    xp = backend_of(a)
    return xp.astype(xp.asarray(xp.count_nonzero(a, axis=dims)), np.int64)


def bincount(input: Tensor, weights=None, minlength: int = 0) -> Tensor:
    """counts[i] = number of i in the 1-d non-negative ``input`` (or the sum of their ``weights``)."""
    if input.dtype.is_floating_point or input.dtype is _dtype.bool_:
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{input.dtype.name.capitalize()}'")
    _capture.graph_break("bincount: the result's size depends on the data")
    xp = backend_of(input._data)
    if input.dim() != 1 or (input.numel() and int(xp.amin(input._data)) < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is not None and (weights.dim() != 1 or weights.shape[0] != input.shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    w = None if weights is None else weights._data
    y = xp.bincount(xp.astype(input._data, np.int64), weights=w, minlength=minlength)
    if weights is None or input.numel() == 0:  # PyTorch: counts are int64, also for empty weights
        y = xp.astype(y, np.int64)
    elif weights.dtype is _dtype.float32:
        y = xp.astype(y, np.float32)
    return input._wrap_result(y)


__all__ = [
    "all",
    "amax",
    "amin",
    "aminmax",
    "any",
    "argmax",
    "argmin",
    "bincount",
    "count_nonzero",
    "logsumexp",
    "max",
    "mean",
    "min",
    "norm",
    "prod",
    "std",
    "sum",
    "sum_to_size",
    "var",
]


def _out_needs_dim(fn):
    """``torch.sum``/``torch.prod``: PyTorch's overload over all elements takes no ``out=``
    (``torch.sum(x, out=o)`` is a TypeError; ``torch.sum(x, 0, out=o)`` is fine)."""
    @functools.wraps(fn)
    def function(input, *args, **kwargs):
        if kwargs.get("out") is not None and not args and "dim" not in kwargs:
            raise TypeError(f"{fn.__name__}() received an invalid combination of arguments - got "
                            f"(Tensor, out=Tensor): only the overload with a dim takes out=")
        return fn(input, *args, **kwargs)

    return function


# ``minitorch.sum`` / ``minitorch.prod`` (``Tensor.sum`` is ``sum``: methods take no ``out=`` at all)
_sum_function = _out_needs_dim(sum)
_prod_function = _out_needs_dim(prod)
