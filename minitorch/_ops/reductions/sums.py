"""Sums and products: ``sum``, ``mean``, ``prod``, ``sum_to_size``.

Backward of a reduction over ``dims`` broadcasts the gradient back: put the reduced dims back as
size 1 (``restore_dims``, extremum.py), then ``expand`` to the input's shape. ``Sum``, ``Mean`` and
``Prod`` own their backward (``Prod``'s never divides by a zero factor). Integer and bool inputs
sum and multiply in int64 (``_accumulate_dtype``, which the scans of scan.py share); ``torch.sum``
and ``torch.prod`` take ``out=`` only with a ``dim`` (``_out_needs_dim``).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ..._core import dtype as _dtype
from ..._core.args import bool_argument, normalize_dims, sizes_argument, wrap_dim
from ..._core.strides import is_expandable_to
from ..._tensor.tensor import Tensor
from ...autograd import function as _function
from ...autograd.engine import sum_to_size as _unbroadcast
from ...autograd.function import Primitive
from ...backends import backend_of
from .._out import computing_dtype, finish
from ..pointwise.selection import where
from ..shape.views import normalize_shape_allow_neg
from .extremum import restore_dims

_grad_state = _function._grad_state


def accumulator(x):
    """The NumPy dtype to sum or multiply the array ``x`` in: NumPy's own choice, except for uint8,
    which NumPy accumulates in uint64 (no minitorch dtype); uint8 wraps the same either way."""
    return x.dtype if x.dtype == np.uint8 else None


# ----------------------------------------------------------------------------- the primitives
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
        return _expand_back(g, ctx).expand(ctx.in_shape), None, None, None


SumAll = Sum.named("SumBackward0")  # sum() over all dims


def _expand_back(g: Tensor, ctx) -> Tensor:
    """The gradient of a sum or mean with its reduced dims back as size 1, ready to ``expand``;
    a 0-d gradient (a reduction over every dim) expands as it is, as PyTorch's ``SumBackward0``
    (``grad.expand(self.sizes())``): no unsqueeze per dim (two ops of ~4 µs each on a matrix)."""
    return g if g.dim() == 0 else restore_dims(g, ctx.dims, ctx.keepdim)


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
        return _expand_back(g, ctx).expand(ctx.in_shape) / ctx.n, None, None


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


# ----------------------------------------------------------------------------- sum, mean
def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Sum over ``dim`` (int, tuple, or all). Integer and bool inputs sum in int64.

    ``x.sum()`` of a NumPy array of at least one dim, with no other argument, takes a short path:
    where no node is recorded (grad mode off, or ``x`` requires no grad and is no view) and nobody
    watches, it is ``Sum.forward``'s one call, ``np.add.reduce`` over every axis (in int64 for an
    integer or bool array: the int64 cast and sum of the general path, exact either way), and a new
    Tensor (``float(l.detach().sum())``, ``int((y_hat.argmax(1) == y).sum())``); a float ``x`` that
    needs a node skips the argument checks that cannot act and records ``SumBackward0`` as always."""
    if dim is None and dtype is None and out is None and keepdim is False and isinstance(input, Tensor):
        a = input._data
        if type(a) is np.ndarray and a.ndim and _function._observer is None:
            kind = a.dtype.kind
            if not _grad_state.enabled or not (input._requires_grad or input._base is not None):
                if kind == "f":
                    return Tensor._make(np.asarray(np.add.reduce(a, axis=tuple(range(a.ndim)))), input._device)
                if kind in "biu":
                    return Tensor._make(np.asarray(np.add.reduce(a, axis=tuple(range(a.ndim)), dtype=np.int64)),
                                        input._device)
            elif kind == "f":
                return SumAll.apply(input, tuple(range(a.ndim)), False, None)
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
    """Arithmetic mean over ``dim``; only floating point inputs (or an explicit float ``dtype``).
    ``x.mean()`` of a float NumPy array of at least one dim, with no other argument, goes straight
    to ``MeanAll`` (the checks below cannot act on it)."""
    if dim is None and dtype is None and out is None and keepdim is False and isinstance(input, Tensor):
        a = input._data
        if type(a) is np.ndarray and a.ndim and a.dtype.kind == "f":
            return MeanAll.apply(input, tuple(range(a.ndim)), False)
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


# ----------------------------------------------------------------------------- torch.sum, torch.prod
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
