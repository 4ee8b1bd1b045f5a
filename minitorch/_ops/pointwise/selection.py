"""Elementwise selection: each output element is one of its inputs' elements, or a bound.

``where(cond, a, b)``, ``maximum``/``minimum``, ``clamp`` (``clip``, ``clamp_min``, ``clamp_max``)
and ``nan_to_num``. Nothing is computed from the values, only chosen, so the gradient is routed:
it goes to the input that was picked (split in half on a tie of ``maximum``/``minimum``, as in
PyTorch), and is zero where a bound or a replacement was taken.

Operands are promoted as in every binary op (``_ops/_promotion.py``). The arithmetic (``+ - * /
// % **``, ``atan2``, ``lerp``, ``logit``, ``frac``) is in ``_ops/pointwise/binary.py``, which uses
``where`` here for its guarded gradients; comparisons and logic are in ``compare.py``.
"""

from __future__ import annotations

from ..._core import capture as _capture
from ..._core import dtype as _dtype
from ..._core.args import number_argument, tensor_argument
from ..._tensor.tensor import Tensor
from ...autograd.function import Primitive
from ...backends import backend_of
from .._out import finish
from .._promotion import _constant, as_tensor_like, cast, promote
from ..indexing.nonzero import nonzero


# ----------------------------------------------------------------------------- primitives
class Maximum(Primitive):
    """y = max(a, b);  the gradient goes to the larger input, split in half on ties (as PyTorch)."""

    node_name = "MaximumBackward0"
    reason = "node"
    ufunc = "maximum"

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.save_for_backward(a, b)
        return getattr(backend_of(a), cls.ufunc)(a, b)

    @classmethod
    def backward(cls, ctx, g):
        a, b = ctx.saved_tensors
        share = ((a > b) if cls.ufunc == "maximum" else (a < b)) + (a == b) * 0.5
        return (g * share if ctx.needs_input_grad[0] else None), (g * (1 - share) if ctx.needs_input_grad[1] else None)


class Minimum(Maximum):
    """y = min(a, b);  the gradient goes to the smaller input, split in half on ties."""

    node_name = "MinimumBackward0"
    reason = "node"
    ufunc = "minimum"


class Where(Primitive):
    """y = cond ? a : b;  da = g where cond, db = g elsewhere."""

    node_name = "WhereBackward0"
    reason = "node"
    tensor_operands = (False, True, True)  # where.self(condition, self, other): no edge for the bool condition

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        return backend_of(cond).where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        zero = g.new_zeros(())
        da = where(cond, g, zero) if ctx.needs_input_grad[1] else None
        db = where(cond, zero, g) if ctx.needs_input_grad[2] else None
        return None, da, db


class Clamp(Primitive):
    """y = min(max(x, lo), hi) for numbers lo, hi;  dx = g where lo <= x <= hi."""

    node_name = "ClampBackward1"
    reason = "node"

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        xp = backend_of(x)
        y = x
        if lo is not None:
            y = xp.maximum(y, xp.full((), lo, dtype=x.dtype))
        if hi is not None:
            y = xp.minimum(y, xp.full((), hi, dtype=x.dtype))
        return y if y is not x else xp.copy(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        # The bounds are inclusive; a NaN input fails both comparisons and gets no gradient.
        keep = x >= ctx.lo if ctx.lo is not None else None
        if ctx.hi is not None:
            keep = x <= ctx.hi if keep is None else keep & (x <= ctx.hi)
        return g * keep, None, None


# ----------------------------------------------------------------------------- functional API
def maximum(input, other, *, out=None):
    tensor_argument("maximum", other, "other", 2)
    a, b, _ = promote(input, other)
    return finish(Maximum.apply(a, b), out)


def minimum(input, other, *, out=None):
    tensor_argument("minimum", other, "other", 2)
    a, b, _ = promote(input, other)
    return finish(Minimum.apply(a, b), out)


def where(condition, input=None, other=None, *, out=None):
    """``condition ? input : other`` elementwise; ``where(cond)`` is ``nonzero(cond, as_tuple=True)``."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if condition.dtype is not _dtype.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype {condition.dtype}")
    a, b, dt = promote(input, other)
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else condition
    a = as_tensor_like(cast(a, dt), like.to(dt) if like is condition else like)
    b = as_tensor_like(cast(b, dt), a)
    return finish(Where.apply(condition, a, b), out, same_dtype=True)


def clamp(input, min=None, max=None, *, out=None):
    """Limit values to ``[min, max]``; the gradient flows where the input is inside (bounds included)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        y = input
        if min is not None:
            y = maximum(y, min)
        if max is not None:
            y = minimum(y, max)
        return finish(y, out)
    for name, bound in (("min", min), ("max", max)):
        if bound is not None:
            number_argument("clamp", name, bound)
    dt = _dtype.result_type(input, *(v for v in (min, max) if v is not None))
    x = cast(input, dt)
    return finish(Clamp.apply(x, min, max), out, same_dtype=True)


clip = clamp


def clamp_min(input, min):
    if min is None:
        raise TypeError("clamp_min(): argument 'min' (position 2) must be Number, not NoneType")
    return clamp(input, min=min)


def clamp_max(input, max):
    if max is None:
        raise TypeError("clamp_max(): argument 'max' (position 2) must be Number, not NoneType")
    return clamp(input, max=max)


def nan_to_num(input, nan: float = 0.0, posinf=None, neginf=None, *, out=None):
    """Replace NaN and infinities; the gradient passes where the input was finite."""
    for name, value in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise TypeError(f"nan_to_num(): argument '{name}' must be float, not {type(value).__name__}")
    xp = backend_of(input._data)
    info = __import__("numpy").finfo(input.dtype.np) if input.dtype.is_floating_point else None
    if info is None:
        return finish(input.clone(), out)
    hi = info.max if posinf is None else posinf
    lo = info.min if neginf is None else neginf
    finite = _constant(input, _capture.call(xp.isfinite, input._data))
    repl = _capture.call(_nan_to_num_replacements, input._data, nan, hi, lo, input.dtype.np)
    return finish(where(finite, input, _constant(input, repl)), out)


def _nan_to_num_replacements(a, nan: float, hi: float, lo: float, dtype):
    """What ``nan_to_num`` puts in place of each element of ``a`` that is not finite."""
    xp = backend_of(a)
    return xp.astype(xp.where(xp.isnan(a), nan, xp.where(a > 0, hi, lo)), dtype)


# ----------------------------------------------------------------------------- exports
__all__ = [
    "clamp",
    "clamp_max",
    "clamp_min",
    "clip",
    "maximum",
    "minimum",
    "nan_to_num",
    "where",
]
