"""Elementwise arithmetic with two operands: ``+ - * / // % **``, ``atan2``, ``logit``, ``frac``.

Each differentiable op is a ``Primitive``: ``forward`` on backend arrays,
``backward`` in Tensor ops. Broadcasting needs no code here: the backend
broadcasts in forward, and the autograd engine sums each gradient back to its
input's shape (``autograd/engine.py: sum_to_size``).

Operands go through ``promote`` first (``_ops/_promotion.py``), the single entry point to
PyTorch's type promotion: ``int_tensor + 2.5`` is float32, ``float32_tensor * float64_0d``
stays float32, ``int / int`` is float. Neighbours: the one-operand math table is in
``_ops/pointwise/unary.py``; ``where``, ``maximum``/``minimum``, ``clamp`` and ``nan_to_num``
(ops that choose an element rather than compute one) in ``selection.py``, whose ``where`` the
guarded gradients of ``pow`` and ``logit`` here use; comparisons and logic in ``compare.py``; ``lerp`` in ``lerp.py``.
"""

from __future__ import annotations

import math

import numpy as np

from ..._core import dtype as _dtype
from ..._core.args import number_argument, tensor_argument
from ..._tensor.tensor import Tensor
from ...autograd.function import Primitive
from ...backends import backend_of
from .._out import _legacy, finish
from .._promotion import cast, promote
from .selection import where


# ----------------------------------------------------------------------------- binary primitives
# A backward computes the gradient of input i only if ``ctx.needs_input_grad[i]`` (PyTorch's
# ``should_compute_output``); read inline, it is one subscript, not a helper's frame per node.
class Add(Primitive):
    """y = a + alpha * b;  da = g,  db = alpha * g."""

    node_name = "AddBackward0"
    reason = "node"
    tensor_operands = (True, True, False)  # add.Tensor(self, other, alpha): ``x + 2`` lists (None, 0) for the 2

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.alpha = alpha
        return a + b if alpha == 1 else a + alpha * b

    @staticmethod
    def backward(ctx, g):
        db = (g if ctx.alpha == 1 else g * ctx.alpha) if ctx.needs_input_grad[1] else None
        return g, db, None


class Sub(Primitive):
    """y = a - alpha * b;  da = g,  db = -alpha * g."""

    node_name = "SubBackward0"
    reason = "node"
    tensor_operands = (True, True, False)

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.alpha = alpha
        return a - b if alpha == 1 else a - alpha * b

    @staticmethod
    def backward(ctx, g):
        # no ``-g`` for a ``b`` that needs no gradient (``h - x``, x a constant: an op the engine drops)
        db = (-g if ctx.alpha == 1 else -g * ctx.alpha) if ctx.needs_input_grad[1] else None
        return g, db, None


class RSub(Primitive):
    """y = b - alpha * a (``2 - x``);  da = -alpha * g."""

    node_name = "RsubBackward1"
    reason = "node"

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.alpha = alpha
        return b - a if alpha == 1 else b - alpha * a

    @staticmethod
    def backward(ctx, g):
        return (-g if ctx.alpha == 1 else -g * ctx.alpha), None, None


class Mul(Primitive):
    """y = a * b;  da = g * b,  db = g * a."""

    node_name = "MulBackward0"
    reason = "node"
    tensor_operands = (True, True)

    @staticmethod
    def forward(ctx, a, b):
        # Save only what backward will read: ``x.mul_(2)`` must not save x, which it overwrites.
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[0] else None)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return (g * b if ctx.needs_input_grad[0] else None), (g * a if ctx.needs_input_grad[1] else None)


class Div(Primitive):
    """y = a / b;  da = g / b,  db = -g * a / b^2."""

    node_name = "DivBackward0"
    reason = "node"
    tensor_operands = (True, True)

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        # db in PyTorch's order, -g * ((a / b) / b), which stays finite where b is infinite
        return (g / b if ctx.needs_input_grad[0] else None), (-g * ((a / b) / b) if ctx.needs_input_grad[1] else None)


# ``x * s`` and ``x / s`` for a Python number ``s`` as PyTorch's C++ composites compute them
# (``mul.Scalar``, ``div.Scalar``): the nodes ``MulBackward1``/``DivBackward1``, one edge.
# ``x * 2`` in Python is ``MulBackward0``, as in PyTorch.
MulScalar = Mul.named("MulBackward1")
DivScalar = Div.named("DivBackward1")


class PowScalar(Primitive):
    """y = x ** e for a number e;  dx = g * e * x^(e-1), and exactly zero (no graph) when e == 0."""

    node_name = "PowBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, e):
        ctx.save_for_backward(x)
        ctx.e = e
        return scalar_power(x, e)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        if ctx.e == 0:
            return g.new_zeros(g.shape), None
        return g * (ctx.e * x ** (ctx.e - 1)), None


def scalar_power(x, e):
    """``x ** e`` with PyTorch's special cases for the common exponents (its CPU kernel
    ``pow_tensor_scalar_optimized_kernel``): ``x*x``, ``x*x*x``, ``1/x``, ``1/(x*x)``, ``1/sqrt(x)``
    give bit for bit PyTorch's float32/float64 values, and ``x ** 3`` forward + backward is
    15-40x faster than with NumPy's general ``pow`` (benchmarks/bench_hotspots.py); ``0.5`` is ``sqrt`` (PyTorch's
    ``x ** 0.5`` is its ``sqrt``). Integer dtypes: repeated products wrap as PyTorch's do.
    Other exponents, float16 and the torch backend's arrays go to ``power``."""
    if type(x) is not np.ndarray or x.dtype.kind not in "fiu" or x.dtype == np.float16:
        return x**e
    if e == 2:
        return x * x
    if e == 3:
        return x * x * x
    if x.dtype.kind == "f":
        if e == 0.5:
            return np.sqrt(x)
        if e == -0.5:
            return 1 / np.sqrt(x)
        if e == -1:
            return 1 / x
        if e == -2:
            return 1 / (x * x)
    return x**e


def integer_power(xp, a, b):
    """``a ** b`` with PyTorch's values where an integer exponent is negative (NumPy raises there):
    ``1 ** -n = 1``, ``(-1) ** -n = +-1``, every other base gives 0 (truncated 1 / a**n). Float
    arrays, and the torch backend's (whose ``pow`` already does this), go straight to ``power``."""
    if not isinstance(a, np.ndarray) or a.dtype.kind == "f":
        return xp.power(a, b)
    negative = b < 0
    if not xp.any(negative):
        return xp.power(a, b)
    y = xp.power(a, xp.where(negative, 0, b))
    odd = xp.remainder(b, 2) == 1
    at_negative = xp.where(a == 1, 1, xp.where(a == -1, xp.where(odd, -1, 1), 0))
    return xp.astype(xp.where(negative, at_negative, y), y.dtype)


class Pow(Primitive):
    """y = a ** b;  da = g * b * a^(b-1) (0 where b == 0),  db = g * y * log(a) (0 where a == 0 <= b).

    The ``where`` guards are PyTorch's: they keep 0 * inf from turning the gradient into NaN.
    """

    node_name = "PowBackward1"
    reason = "node"

    @staticmethod
    def forward(ctx, a, b):
        y = integer_power(backend_of(a), a, b)
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, g):
        a, b, y = ctx.saved_tensors
        zero = g.new_zeros(())
        da = where(b == 0, zero, g * (b * a ** (b - 1))) if ctx.needs_input_grad[0] else None
        db = g * where((a == 0) & (b >= 0), zero, y * a.log()) if ctx.needs_input_grad[1] else None
        return da, db


class RPow(Primitive):
    """y = c ** x for a number c (``2 ** x``);  dx = g * y * log(c)  (0 where c == 0 and x >= 0)."""

    node_name = "PowBackward2"
    reason = "node"

    @staticmethod
    def forward(ctx, x, c):
        xp = backend_of(x)
        y = integer_power(xp, xp.asarray(c, dtype=x.dtype), x) if isinstance(x, np.ndarray) else xp.power(c, x)
        ctx.c = c
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        c = ctx.c
        if c == 0:
            return g * where(x >= 0, g.new_zeros(()), y * -math.inf), None
        return g * (y * (math.log(c) if c > 0 else math.nan)), None


class Atan2(Primitive):
    """y = atan2(a, b);  da = g * b / (a^2 + b^2),  db = -g * a / (a^2 + b^2)."""

    node_name = "Atan2Backward0"
    reason = "node"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return backend_of(a).arctan2(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        r = a * a + b * b
        return (g * b / r if ctx.needs_input_grad[0] else None), (-g * a / r if ctx.needs_input_grad[1] else None)


def _rounded_quotient(xp, a, b, mode: str, floating: bool):
    """``a / b`` rounded toward zero ('trunc') or down ('floor', Python's ``//``, exact for floats)."""
    if mode == "trunc" and floating:
        return xp.trunc(a / b)
    q = xp.floor_divide(a, b)
    if mode == "trunc":  # floor and trunc differ when the exact quotient is negative and not whole
        q = xp.where((xp.remainder(a, b) != 0) & ((a < 0) != (b < 0)), q + 1, q)
    return q


class DivRounding(Primitive):
    """y = round(a / b) toward zero or down;  piecewise constant, so da = db = 0."""

    node_name = "DivBackward2"
    reason = "node"
    tensor_operands = (True, True, False, False)

    @staticmethod
    def forward(ctx, a, b, mode, floating):
        return _rounded_quotient(backend_of(a if hasattr(a, "shape") else b), a, b, mode, floating)

    @staticmethod
    def backward(ctx, g):
        return g * 0, (g * 0 if ctx.needs_input_grad[1] else None), None, None


class FloorDivide(Primitive):
    """y = a // b;  backward raises: PyTorch defines no derivative."""

    node_name = "torch::autograd::NotImplemented"
    reason = "node"

    @staticmethod
    def forward(ctx, a, b):
        return _rounded_quotient(backend_of(a if hasattr(a, "shape") else b), a, b, "floor", False)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("derivative for aten::floor_divide is not implemented")


class Remainder(Primitive):
    """y = a - b * floor(a / b) (sign of b, Python's %);  da = g,  db = -g * floor(a / b)."""

    node_name = "RemainderBackward1"
    reason = "node"
    ufunc, rounding = "remainder", "floor"

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[1] else None)
        return getattr(backend_of(a if hasattr(a, "shape") else b), cls.ufunc)(a, b)

    @classmethod
    def backward(cls, ctx, g):
        a, b = ctx.saved_tensors
        db = -g * a.div(b, rounding_mode=cls.rounding) if ctx.needs_input_grad[1] else None
        return g, db


RemainderScalar = Remainder.named("RemainderBackward0")  # remainder(x, number)


class Fmod(Remainder):
    """y = a - b * trunc(a / b) (sign of a, C's fmod);  da = g,  db = -g * trunc(a / b)."""

    node_name = "FmodBackward1"
    reason = "node"
    ufunc, rounding = "fmod", "trunc"


FmodScalar = Fmod.named("FmodBackward0")  # fmod(x, number)


class NotDifferentiable(Primitive):
    """y = number % x;  backward raises: PyTorch has no derivative for a number ``%`` a tensor."""

    node_name = "torch::autograd::NotImplemented"
    reason = "node"

    @staticmethod
    def forward(ctx, a, b):
        return backend_of(b).remainder(a, b)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("derivative for aten::remainder is not implemented")


class Logit(Primitive):
    """y = log(p / (1 - p)) with p = clamp(x, eps, 1 - eps);  dx = 0 outside [eps, 1-eps], else g / (x (1 - x))."""

    node_name = "LogitBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, eps):
        ctx.save_for_backward(x)
        ctx.eps = eps
        xp = backend_of(x)
        p = x if eps is None else xp.clip(x, eps, 1 - eps)
        return xp.log(p / (1 - p))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        dx = g / (x * (1 - x))
        if ctx.eps is not None:  # PyTorch's formula, so its second derivative matches too
            dx = where((x < ctx.eps) | (x > 1 - ctx.eps), g.new_zeros(()), dx)
        return dx, None


# ----------------------------------------------------------------------------- functional API
def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other`` with broadcasting and type promotion."""
    if not isinstance(input, Tensor):
        input, other = _two_numbers_as_tensor(input, other)
    a, b, dt = promote(input, other)
    y = Add.apply(a, b, alpha if type(alpha) is int and alpha == 1 else _alpha("add", alpha, dt))
    return y if out is None else finish(y, out)


def sub(input, other, *, alpha=1, out=None):
    """``input - alpha * other``."""
    _sub_check(input, other)
    if not isinstance(input, Tensor):
        input, other = _two_numbers_as_tensor(input, other)
    a, b, dt = promote(input, other)
    y = Sub.apply(a, b, alpha if type(alpha) is int and alpha == 1 else _alpha("sub", alpha, dt))
    return y if out is None else finish(y, out)


def _is_bool(x) -> bool:
    return isinstance(x, bool) or isinstance(x, Tensor) and x.dtype is _dtype.bool_


def _sub_check(input, other) -> None:
    """PyTorch's ``sub_check``: no bool operand in a subtraction (a Python bool counts as a bool
    tensor), with its own message when both are bool."""
    if _is_bool(input) and _is_bool(other):
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead."
        )
    if _is_bool(input) or _is_bool(other):
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. "
            "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )


def _two_numbers_as_tensor(input, other):
    """``torch.add(1, 2)``: with no tensor operand, PyTorch wraps the first number as a 0-d tensor."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor) and type(input) in (bool, int, float):
        from ..creation.factories import tensor

        input = tensor(input)
    return input, other


def _alpha(op: str, alpha, dt: _dtype.dtype):
    """``alpha`` of add/sub checked as PyTorch does against the result dtype: a Number, no float
    alpha for integer or bool results, no bool alpha for other than bool results; for a bool
    result an int alpha counts as a bool (``add(t, t, alpha=2)`` stays bool, as PyTorch)."""
    if alpha == 1 and type(alpha) is int:
        return alpha
    alpha = number_argument(op, "alpha", alpha)
    if not dt.is_floating_point and isinstance(alpha, float):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    if dt is not _dtype.bool_ and isinstance(alpha, bool):
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    return bool(alpha) if dt is _dtype.bool_ else alpha


def rsub(input, other, *, alpha=1):
    """``other - alpha * input``."""
    _sub_check(input, other)
    a, b, _ = promote(input, other)
    return RSub.apply(a, b, alpha)


def mul(input, other, *, out=None):
    """``input * other``."""
    a, b, _ = promote(input, other)
    y = Mul.apply(a, b)
    return y if out is None else finish(y, out)


def div(input, other, *, rounding_mode=None, out=None):
    """``input / other``; ``rounding_mode`` 'trunc' or 'floor' rounds the quotient (zero gradient)."""
    if rounding_mode is None:
        a, b, _ = promote(input, other, to_float=True)
        y = Div.apply(a, b)
        return y if out is None else finish(y, out)
    if not isinstance(rounding_mode, str):
        raise TypeError(f"div(): argument 'rounding_mode' must be str, not {type(rounding_mode).__name__}")
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
        )
    a, b, dt = _integer_safe_operands(input, other)
    return finish(DivRounding.apply(a, b, rounding_mode, dt.is_floating_point), out)


def _integer_safe_operands(input, other, op: str = "div"):
    """Promote, and raise PyTorch's error for an integer division by zero."""
    a, b, dt = promote(input, other)
    if dt is _dtype.bool_:
        raise NotImplementedError(f"\"{op}_cpu\" not implemented for 'Bool'")
    if not dt.is_floating_point:
        zero = (b == 0) if not isinstance(b, Tensor) else bool(backend_of(b._data).any(b._data == 0))
        if zero:
            raise RuntimeError("ZeroDivisionError")
    return a, b, dt


true_divide = div


def floor_divide(input, other, *, out=None):
    """``input // other``: the quotient rounded down (Python's rule, also for floats)."""
    a, b, _ = _integer_safe_operands(input, other, "floor_divide")
    return finish(FloorDivide.apply(a, b), out)


def remainder(input, other, *, out=None):
    """Python-style modulus: the result has the sign of the divisor."""
    a, b, _ = _integer_safe_operands(input, other, "remainder")
    if not isinstance(a, Tensor):
        return finish(NotDifferentiable.apply(a, b), out)
    return finish((Remainder if isinstance(b, Tensor) else RemainderScalar).apply(a, b), out)


def fmod(input, other, *, out=None):
    """C-style modulus: the result has the sign of the dividend."""
    a, b, _ = _integer_safe_operands(input, other, "fmod")
    return finish((Fmod if isinstance(b, Tensor) else FmodScalar).apply(a, b), out)


def pow(input, exponent, *, out=None):
    """``input ** exponent``."""
    if not isinstance(input, Tensor):
        dt = _dtype.result_type(input, exponent)
        x = cast(exponent, dt)
        return finish(RPow.apply(x, input), out)
    if not isinstance(exponent, Tensor):
        dt = _dtype.result_type(input, exponent)
        x = cast(input, dt)
        if not dt.is_floating_point and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return finish(PowScalar.apply(x, cast(exponent, dt)), out)
    a, b, _ = promote(input, exponent)
    return finish(Pow.apply(a, b), out)


def float_power(input, exponent, *, out=None):
    """``input ** exponent`` computed in float64 (the result is float64 whatever the operands)."""
    if out is not None and out.dtype is not _dtype.float64:
        raise RuntimeError(f"the output given to float_power has dtype {_legacy(out.dtype)} but the operation's "
                           "result requires dtype Double")
    return finish(_float_power(input, exponent), out)


def _float_power(input, exponent):
    return pow(cast(input, _dtype.float64) if isinstance(input, Tensor) else float(input),
               cast(exponent, _dtype.float64) if isinstance(exponent, Tensor) else exponent)


def atan2(input, other, *, out=None):
    tensor_argument("atan2", other, "other", 2)
    a, b, _ = promote(input, other, to_float=True)
    return finish(Atan2.apply(a, b), out)


arctan2 = atan2


def logit(input, eps=None, *, out=None):
    """``log(p / (1 - p))``, with p clamped to ``[eps, 1 - eps]`` when ``eps`` is given."""
    x = input if input.dtype.is_floating_point else cast(input, _dtype.get_default_dtype())
    return finish(Logit.apply(x, eps), out)


def frac(input, *, out=None):
    """``input - trunc(input)``; gradient 1. Floating point only, as in PyTorch."""
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"frac_cpu\" not implemented for '{_legacy(input.dtype)}'")
    return finish(input - input.detach().trunc(), out)


# ----------------------------------------------------------------------------- exports
__all__ = [
    "add",
    "arctan2",
    "atan2",
    "div",
    "float_power",
    "floor_divide",
    "fmod",
    "frac",
    "logit",
    "mul",
    "pow",
    "remainder",
    "rsub",
    "sub",
    "true_divide",
]
