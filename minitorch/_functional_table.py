"""The public functional namespace: every op, gathered from ``_ops``.

``METHODS`` lists the ops that are also ``Tensor`` methods; ``INPLACE`` those
with an in-place ``op_`` variant. ``minitorch/__init__.py`` re-exports the
functions and ``_tensor_methods.py`` binds the methods.
"""

from __future__ import annotations

from ._ops import elementwise as _ew
from ._ops.elementwise import (  # noqa: F401
    add, sub, rsub, mul, div, true_divide, floor_divide, remainder, fmod, pow, float_power,
    maximum, minimum, atan2, arctan2, where, clamp, clip, clamp_min, clamp_max, lerp, logit, frac, round,
    nan_to_num, eq, ne, lt, le, gt, ge, greater, greater_equal, less, less_equal, not_equal,
    logical_and, logical_or, logical_xor, logical_not, bitwise_and, bitwise_or, bitwise_xor, bitwise_not,
    isnan, isinf, isfinite, isclose, allclose, equal,
)
from ._ops.movement import (  # noqa: F401
    view, view_as, reshape, reshape_as, permute, transpose, swapaxes, swapdims, t, expand, expand_as,
    broadcast_to, unsqueeze, squeeze, flatten, unflatten, select, narrow, diagonal, unfold, as_strided,
)
from ._ops.reduce import sum, mean  # noqa: F401
from ._ops.linalg import matmul  # noqa: F401

_UNARY_NAMES = [n for n in _ew.UNARY if n != "round"]


def _unary_fn(name):
    def fn(input, *, out=None):
        return _ew.unary(name, input, out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` (gradient: ``UNARY['{name}']`` in ``_ops/elementwise.py``)."
    return fn


for _n in _UNARY_NAMES:
    globals()[_n] = _unary_fn(_n)
negative, absolute, arcsin, arccos, arctan = neg, abs, asin, acos, atan  # noqa: F821
fix = trunc  # noqa: F821


def relu(input):
    return _ew.unary("relu", input)


METHODS = [
    *_UNARY_NAMES, "negative", "absolute", "arcsin", "arccos", "arctan", "fix",
    "add", "sub", "mul", "div", "true_divide", "floor_divide", "remainder", "fmod", "pow", "float_power",
    "maximum", "minimum", "atan2", "arctan2", "clamp", "clip", "clamp_min", "clamp_max", "lerp", "logit",
    "frac", "round", "nan_to_num", "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
    "less_equal", "not_equal", "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and",
    "bitwise_or", "bitwise_xor", "bitwise_not", "isnan", "isinf", "isfinite", "isclose", "allclose", "equal",
    "view", "view_as", "reshape", "reshape_as", "permute", "transpose", "swapaxes", "swapdims", "t", "expand",
    "expand_as", "broadcast_to", "unsqueeze", "squeeze", "flatten", "unflatten", "select", "narrow",
    "diagonal", "unfold", "as_strided", "sum", "mean", "matmul",
]
METHODS.remove("neg")
METHODS.append("neg")

INPLACE = [
    *_UNARY_NAMES, "add", "sub", "mul", "div", "true_divide", "floor_divide", "remainder", "fmod", "pow",
    "clamp", "clip", "clamp_min", "clamp_max", "lerp", "logit", "frac", "round", "nan_to_num", "atan2",
    "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "logical_not",
    "unsqueeze_", "squeeze_", "t_", "transpose_",
]
INPLACE = [n for n in INPLACE if not n.endswith("_")]
