"""Unary elementwise math: one table, ``UNARY``, of each op's forward and gradient.

Each row is the forward on a backend array and the gradient in Tensor ops (PyTorch's
``derivatives.yaml``); ``_make_unary`` turns a row into a ``Primitive``, and ``unary`` applies it,
computing integer inputs in the default float dtype where PyTorch does (``torch.exp(int_tensor)``).
"""

from __future__ import annotations

import math

import numpy as np

from ..._core import dtype as _dtype
from ..._core.args import int_argument
from ..._tensor.tensor import Tensor
from ...autograd import function as _function
from ...autograd import grad_mode
from ...autograd.function import Primitive
from ...backends import backend_of
from ...backends import cpu as _cpu
from .._out import finish
from .._promotion import cast

LN2, LN10 = math.log(2.0), math.log(10.0)
_ndarray = np.ndarray
_grad_state = grad_mode._state

# name -> (forward on an array, gradient: (x, y, g) -> dx). ``x`` is the input, ``y`` the result.
# The gradient column is PyTorch's ``derivatives.yaml`` in Tensor ops.
UNARY: dict = {
    "neg":        (lambda xp, x: xp.negative(x),   lambda x, y, g: -g),
    "exp":        (lambda xp, x: xp.exp(x),        lambda x, y, g: g * y),
    "exp2":       (lambda xp, x: xp.exp2(x),       lambda x, y, g: g * y * LN2),
    "expm1":      (lambda xp, x: xp.expm1(x),      lambda x, y, g: g * (y + 1)),
    "log":        (lambda xp, x: xp.log(x),        lambda x, y, g: g / x),
    "log2":       (lambda xp, x: xp.log2(x),       lambda x, y, g: g / (x * LN2)),
    "log10":      (lambda xp, x: xp.log10(x),      lambda x, y, g: g / (x * LN10)),
    "log1p":      (lambda xp, x: xp.log1p(x),      lambda x, y, g: g / (x + 1)),
    "sqrt":       (lambda xp, x: xp.sqrt(x),       lambda x, y, g: g / (2 * y)),
    "rsqrt":      (lambda xp, x: 1 / xp.sqrt(x),   lambda x, y, g: -0.5 * g * y * y * y),
    "square":     (lambda xp, x: x * x,            lambda x, y, g: 2 * g * x),
    # -g * (y * y), PyTorch's order: g = 0 where y * y overflows gives NaN, as in PyTorch
    "reciprocal": (lambda xp, x: 1 / x,            lambda x, y, g: -g * (y * y)),
    "sin":        (lambda xp, x: xp.sin(x),        lambda x, y, g: g * x.cos()),
    "cos":        (lambda xp, x: xp.cos(x),        lambda x, y, g: -g * x.sin()),
    "tan":        (lambda xp, x: xp.tan(x),        lambda x, y, g: g * (1 + y * y)),
    "asin":       (lambda xp, x: xp.arcsin(x),     lambda x, y, g: g * (1 - x * x).rsqrt()),
    "acos":       (lambda xp, x: xp.arccos(x),     lambda x, y, g: -g * (1 - x * x).rsqrt()),
    "atan":       (lambda xp, x: xp.arctan(x),     lambda x, y, g: g / (1 + x * x)),
    "sinh":       (lambda xp, x: xp.sinh(x),       lambda x, y, g: g * x.cosh()),
    "cosh":       (lambda xp, x: xp.cosh(x),       lambda x, y, g: g * x.sinh()),
    "tanh":       (lambda xp, x: xp.tanh(x),       lambda x, y, g: TanhBackward.apply(g, y)),
    "sigmoid":    (lambda xp, x: xp.sigmoid(x),    lambda x, y, g: SigmoidBackward.apply(g, y)),
    "relu":       (lambda xp, x: xp.relu(x),       lambda x, y, g: ThresholdBackward.apply(g, y)),
    "abs":        (lambda xp, x: xp.abs(x),        lambda x, y, g: g * x.sign()),
    "erf":        (lambda xp, x: xp.erf(x),        lambda x, y, g: g * (2 / math.sqrt(math.pi)) * (-x * x).exp()),
    "sign":       (lambda xp, x: _sign(xp, x),     None),
    "floor":      (lambda xp, x: xp.floor(x),      None),
    "ceil":       (lambda xp, x: xp.ceil(x),       None),
    "trunc":      (lambda xp, x: xp.trunc(x),      None),
    "round":      (lambda xp, x: xp.rint(x),       None),
}
# Ops whose integer inputs are computed in the default float dtype (``torch.exp(int_tensor)`` is float).
_KEEPS_INT = {"neg", "abs", "sign", "square", "relu", "floor", "ceil", "trunc", "round"}
# Backward formulas that use the result ``y``: save it. The others save the input ``x``.
_USES_RESULT = {"exp", "exp2", "expm1", "sqrt", "rsqrt", "reciprocal", "tan", "tanh", "sigmoid", "relu"}


class ThresholdBackward(Primitive):
    """gx = 0 where y <= 0, else g (relu's gradient);  dg = threshold_backward(gg, y).

    PyTorch's ``threshold_backward`` as one op (at a NaN output the gradient passes).

    A fused primitive: written as ``g * (y > 0)`` it was a comparison and a mixed-dtype product
    (three ops with the cast) for each of LeNet's four ReLUs in every backward pass, and a
    product turns a NaN or inf gradient into NaN where it should be 0. The backend's
    ``threshold_backward`` selects (kernels/activation.py); relu forward + backward on LeNet's
    (64, 6, 28, 28) activation went from 252 to 203 µs (benchmarks/bench_overhead.py). Its own
    gradient is itself, d/dg = ``threshold_backward(gg, y)``; the mask is constant, so ``y``
    gets none.
    """

    node_name = "ThresholdBackwardBackward0"
    reason = ("speed: relu forward + backward on LeNet's (64, 6, 28, 28) activation 252 -> 203 µs "
              "(benchmarks/bench_overhead.py); and numerics: a NaN or inf g where y <= 0 gives 0")

    @staticmethod
    def forward(ctx, g, y):
        ctx.save_for_backward(y)
        # A select, not a product: a NaN or inf gradient where y <= 0 still gives 0, as in PyTorch.
        return backend_of(g).threshold_backward(g, y)

    @staticmethod
    def backward(ctx, gg):
        (y,) = ctx.saved_tensors
        return ThresholdBackward.apply(gg, y), None


class TanhBackward(Primitive):
    """gx = g * (1 - y * y) (tanh's gradient from its result);  dg = tanh_backward(gg, y),  dy = gg * (-2 * y * g).

    PyTorch's ``tanh_backward`` as one op, with its derivatives (``derivatives.yaml``). Written as
    ``g * (1 - y * y)`` in Tensor ops it was three ops (two products and a subtraction) in every
    backward pass through a tanh; small-model backward passes are made of such ops.
    """

    node_name = "TanhBackwardBackward0"
    reason = ("speed: one op instead of three in tanh's backward; the 20-op graph forward + backward "
              "(benchmarks/bench_overhead.py) has three tanh")

    @staticmethod
    def forward(ctx, g, y):
        ctx.save_for_backward(g if ctx.needs_input_grad[1] else None, y)
        return g * (1 - y * y)

    @staticmethod
    def backward(ctx, gg):
        g, y = ctx.saved_tensors
        return (TanhBackward.apply(gg, y) if _needs(ctx, 0) else None), (gg * (-2 * y * g) if _needs(ctx, 1) else None)


class SigmoidBackward(Primitive):
    """gx = g * (1 - y) * y (sigmoid's gradient from its result);  dg = sigmoid_backward(gg, y),
    dy = gg * g * (1 - 2 * y).

    PyTorch's ``sigmoid_backward`` as one op, in its kernel's order (``g * (1 - y) * y``), with its
    derivatives (``derivatives.yaml``). Written in Tensor ops it was three ops in every backward
    pass through a sigmoid.
    """

    node_name = "SigmoidBackwardBackward0"
    reason = ("speed: one op instead of three in sigmoid's backward; the 20-op graph forward + backward "
              "(benchmarks/bench_overhead.py) has three sigmoid")

    @staticmethod
    def forward(ctx, g, y):
        ctx.save_for_backward(g if ctx.needs_input_grad[1] else None, y)
        return backend_of(g).sigmoid_backward(g, y)  # one pass on the CPU (kernels/activation.py)

    @staticmethod
    def backward(ctx, gg):
        g, y = ctx.saved_tensors
        return (SigmoidBackward.apply(gg, y) if _needs(ctx, 0) else None), \
            (gg * g * (1 - 2 * y) if _needs(ctx, 1) else None)


def _needs(ctx, i: int) -> bool:
    return ctx.needs_input_grad[i]


def _sign(xp, x):
    # PyTorch's sign(NaN) is 0 (NumPy's is NaN); abs's gradient, g * sign(x), is then 0 there too.
    y = xp.sign(x)
    return xp.where(xp.isnan(x), 0, y)


# PyTorch's node names that are not the op's name capitalised: ``square`` is ``pow(x, 2)`` there.
_NODE_NAMES = {"log1p": "Log1PBackward0", "square": "PowBackward0"}


def _make_unary(name: str, fwd, grad):
    uses_result = name in _USES_RESULT
    node = _NODE_NAMES.get(name) or "".join(p.capitalize() for p in name.split("_")) + "Backward0"

    class Unary(Primitive):
        node_name = node
        reason = "node"

        @staticmethod
        def forward(ctx, x):
            y = fwd(backend_of(x), x)
            if grad is not None:
                ctx.save_for_backward(y if uses_result else x)
            return y

        @staticmethod
        def backward(ctx, g):
            if grad is None:  # piecewise-constant ops: zero gradient almost everywhere
                return g * 0
            (saved,) = ctx.saved_tensors
            return grad(None, saved, g) if uses_result else grad(saved, None, g)

    Unary.__name__ = Unary.__qualname__ = name.capitalize()
    Unary.__doc__ = f"Elementwise ``{name}``; see ``UNARY['{name}']`` for the forward and the gradient."
    return Unary


UNARY_FUNCTIONS = {name: _make_unary(name, f, g) for name, (f, g) in UNARY.items()}


# PyTorch's errors for bool inputs of the ops that keep the input's dtype.
_NO_BOOL = {
    "neg": RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                        "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."),
    "relu": RuntimeError("Boolean inputs not supported for relu"),
    "abs": NotImplementedError("\"abs_cpu\" not implemented for 'Bool'"),
}


def unary(name: str, x: Tensor, out=None) -> Tensor:
    """Apply the unary op ``name`` (int inputs are promoted to float where PyTorch does)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")
    data = x._data
    dt = _dtype._BY_NP[data.dtype]  # ``x.dtype`` without the property's frame
    if not dt.is_floating_point:
        if name in ("floor", "ceil", "trunc", "round"):
            return finish(x.clone(), out)  # integers are already whole: a copy, as PyTorch returns
        if name not in _KEEPS_INT:
            x = cast(x, _dtype.get_default_dtype())
        elif dt is _dtype.bool_ and name in _NO_BOOL:
            raise _NO_BOOL[name]
    elif (out is None and data.shape and type(data) is _ndarray and _function._observer is None
          and (not _grad_state.enabled or not (x._requires_grad or x._base is not None))):
        # The direct path (``direct.py``'s rule for one operand): a float tensor of at least one dim
        # (NumPy returns an array) that needs no node while nobody watches is the table's forward
        # on its array, what ``Unary.forward`` computes, without the op around it.
        return Tensor._make(UNARY[name][0](_cpu, data), x._device)
    y = UNARY_FUNCTIONS[name].apply(x)
    return y if out is None else finish(y, out)


def round(input, *, decimals: int = 0, out=None):
    """Round half to even (as PyTorch); ``decimals`` scales by ``10**decimals`` first."""
    decimals = int_argument("round", "decimals", decimals)
    if decimals == 0:
        return unary("round", input, out)
    scale = 10.0**decimals
    return finish(unary("round", input * scale) / scale, out)


# ----------------------------------------------------------------------------- exports
def _unary_fn(name):
    """``minitorch.<name>(input, *, out=None)``: the op of ``UNARY[name]``."""
    def fn(input, *, out=None):
        return unary(name, input, out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` (gradient: ``UNARY['{name}']`` in ``_ops/pointwise/unary.py``)."
    return fn


neg = _unary_fn("neg")
exp = _unary_fn("exp")
exp2 = _unary_fn("exp2")
expm1 = _unary_fn("expm1")
log = _unary_fn("log")
log2 = _unary_fn("log2")
log10 = _unary_fn("log10")
log1p = _unary_fn("log1p")
sqrt = _unary_fn("sqrt")
rsqrt = _unary_fn("rsqrt")
square = _unary_fn("square")
reciprocal = _unary_fn("reciprocal")
sin = _unary_fn("sin")
cos = _unary_fn("cos")
tan = _unary_fn("tan")
asin = _unary_fn("asin")
acos = _unary_fn("acos")
atan = _unary_fn("atan")
sinh = _unary_fn("sinh")
cosh = _unary_fn("cosh")
tanh = _unary_fn("tanh")
sigmoid = _unary_fn("sigmoid")
relu = _unary_fn("relu")
abs = _unary_fn("abs")
erf = _unary_fn("erf")
sign = _unary_fn("sign")
floor = _unary_fn("floor")
ceil = _unary_fn("ceil")
trunc = _unary_fn("trunc")

# NumPy's names for some of them
negative = neg
absolute = abs
arcsin = asin
arccos = acos
arctan = atan
fix = trunc

__all__ = [
    "abs",
    "absolute",
    "acos",
    "arccos",
    "arcsin",
    "arctan",
    "asin",
    "atan",
    "ceil",
    "cos",
    "cosh",
    "erf",
    "exp",
    "exp2",
    "expm1",
    "fix",
    "floor",
    "log",
    "log1p",
    "log2",
    "log10",
    "neg",
    "negative",
    "reciprocal",
    "relu",
    "round",
    "rsqrt",
    "sigmoid",
    "sign",
    "sin",
    "sinh",
    "sqrt",
    "square",
    "tan",
    "tanh",
    "trunc",
]
