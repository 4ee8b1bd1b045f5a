"""Comparisons, logic and bit operations: results that carry no gradient.

``eq``/``lt``/... return bool tensors, ``logical_*`` treat any nonzero value
as True, ``bitwise_*`` work on integers and bools. Operands are promoted to a
common dtype first (``_dtype.result_type``), as in PyTorch, so
``int_tensor == 2.5`` compares in floating point.
"""

from __future__ import annotations

from ..._core import capture as _capture
from ..._core import dtype as _dtype
from ..._core.args import scalar_in_range, tensor_argument
from ..._core.strides import broadcast_shapes
from ..._tensor.tensor import Tensor
from ...backends import backend_of
from .._out import _legacy, finish
from .._promotion import _constant, _np_errstate, as_tensor_like, promote


def _compare(op: str, input, other, out=None):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    xp = backend_of(input._data)
    if isinstance(other, Tensor):
        a, b = input._data, other._data
        if a.shape == b.shape and a.dtype is b.dtype and input._device is other._device:
            # one shape, dtype and device (``y_hat.argmax(1) == y``): nothing to check, promote or cast
            return finish(_constant(input, _capture.call(getattr(xp, op), a, b)), out)
        _check_same_device(input, other)
        broadcast_shapes(input.shape, other.shape)  # PyTorch's RuntimeError, not NumPy's ValueError
        dt = _dtype.result_type(input, other)
        a = input._data if input.dtype is dt else _capture.call(xp.astype, input._data, dt.np)
        b = other._data if other.dtype is dt else _capture.call(xp.astype, other._data, dt.np)
    else:
        numpy_scalar = type(other).__module__ == "numpy" and getattr(other, "shape", None) == ()
        if not isinstance(other, (bool, int, float)) and not numpy_scalar:
            raise TypeError(f"{_COMPARE_NAMES[op]}(): argument 'other' (position 2) must be Tensor or Number, "
                            f"not {type(other).__name__}")
        a, b = input._data, scalar_in_range(other)
    return finish(_constant(input, _capture.call(getattr(xp, op), a, b)), out)


_COMPARE_NAMES = {"equal": "eq", "not_equal": "ne", "less": "lt", "less_equal": "le", "greater": "gt",
                  "greater_equal": "ge"}


def _check_same_device(a: Tensor, b: Tensor) -> None:
    if a.device != b.device and a.dim() > 0 and b.dim() > 0:
        raise RuntimeError(
            f"Expected all tensors to be on the same device, but found at least two devices, "
            f"{a.device} and {b.device}!"
        )


def eq(input, other, *, out=None):
    return _compare("equal", input, other, out)


def ne(input, other, *, out=None):
    return _compare("not_equal", input, other, out)


def lt(input, other, *, out=None):
    return _compare("less", input, other, out)


def le(input, other, *, out=None):
    return _compare("less_equal", input, other, out)


def gt(input, other, *, out=None):
    return _compare("greater", input, other, out)


def ge(input, other, *, out=None):
    return _compare("greater_equal", input, other, out)


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _logical(op: str, input, other=None, out=None):
    if other is not None:
        tensor_argument(op, other, "other", 2)
        broadcast_shapes(input.shape, other.shape)
    xp = backend_of(input._data)
    args = (input._data,) if other is None else (input._data, other._data if isinstance(other, Tensor) else other)
    return finish(_constant(input, _capture.call(getattr(xp, op), *args)), out)


def logical_and(input, other, *, out=None):
    return _logical("logical_and", input, other, out)


def logical_or(input, other, *, out=None):
    return _logical("logical_or", input, other, out)


def logical_xor(input, other, *, out=None):
    return _logical("logical_xor", input, other, out)


def logical_not(input, *, out=None):
    return _logical("logical_not", input, None, out)


def _bitwise(op: str, input, other, kernel: str | None = None):
    a, b, dt = promote(input, other)
    if dt.is_floating_point or (kernel is not None and dt is _dtype.bool_):  # shifts take no bools
        raise NotImplementedError(f'"{kernel or op}_cpu" not implemented for \'{_legacy(dt)}\'')
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        broadcast_shapes(a.shape, b.shape)
    a = as_tensor_like(a, b if isinstance(b, Tensor) else input)
    bd = b._data if isinstance(b, Tensor) else b
    if op in ("left_shift", "right_shift"):
        return _constant(a, _capture.call(_shift, backend_of(a._data), op, a._data, bd, dt))
    return _constant(a, _capture.call(getattr(backend_of(a._data), op), a._data, bd))


def _shift(xp, op: str, a, b, dt: _dtype.dtype):
    """``a << b`` / ``a >> b`` with C++'s semantics on PyTorch's CPU: a shift by a negative count
    or by at least the bit width gives 0 (``<<``), or the sign fill 0 / -1 (``>>``)."""
    bits = 8 * dt.itemsize
    out_of_range = (b < 0) | (b >= bits)
    count = xp.where(out_of_range, 0, b)
    if not hasattr(count, "dtype") or count.dtype != a.dtype:
        count = xp.astype(xp.asarray(count), a.dtype)
    shifted = getattr(xp, op)(a, count)
    fill = 0 if op == "left_shift" else xp.where(a < 0, -1, 0)
    return xp.astype(xp.where(out_of_range, fill, shifted), dt.np)


def bitwise_left_shift(input, other):
    """``input << other`` on integers (PyTorch: ``__lshift__``); shifts of ``bits`` or more give 0."""
    return _bitwise("left_shift", input, other, "lshift")


def bitwise_right_shift(input, other):
    """``input >> other`` on integers, an arithmetic shift (the sign bit is copied in)."""
    return _bitwise("right_shift", input, other, "rshift")


def bitwise_and(input, other, *, out=None):
    return finish(_bitwise("bitwise_and", input, other), out)


def bitwise_or(input, other, *, out=None):
    return finish(_bitwise("bitwise_or", input, other), out)


def bitwise_xor(input, other, *, out=None):
    return finish(_bitwise("bitwise_xor", input, other), out)


def bitwise_not(input, *, out=None):
    if input.dtype.is_floating_point:
        raise NotImplementedError(f'"bitwise_not_cpu" not implemented for \'{_legacy(input.dtype)}\'')
    return finish(_constant(input, _capture.call(backend_of(input._data).invert, input._data)), out)


def isnan(input):
    return _constant(input, _capture.call(backend_of(input._data).isnan, input._data))


def isinf(input):
    return _constant(input, _capture.call(backend_of(input._data).isinf, input._data))


def isfinite(input):
    return _constant(input, _capture.call(backend_of(input._data).isfinite, input._data))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``|input - other| <= atol + rtol * |other|`` elementwise."""
    tensor_argument("isclose", other, "other", 2)
    for name, tol in (("rtol", rtol), ("atol", atol)):
        if isinstance(tol, bool) or not isinstance(tol, (int, float)):
            raise TypeError(f"isclose(): argument '{name}' must be float, not {type(tol).__name__}")
        if tol < 0:
            raise RuntimeError(f"{name} must be greater than or equal to zero, but got {tol:g}")
    broadcast_shapes(input.shape, other.shape)
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{input.dtype} did not match {other.dtype}")
    nan_equal = equal_nan and input.dtype.is_floating_point
    return _constant(input, _capture.call(_isclose_arrays, input._data, other._data, rtol, atol, nan_equal))


def _isclose_arrays(a, b, rtol: float, atol: float, nan_equal: bool):
    xp = backend_of(a)
    with _np_errstate():
        close = (a == b) | (xp.abs(a - b) <= atol + rtol * xp.abs(b))
    if nan_equal:
        close = close | (xp.isnan(a) & xp.isnan(b))
    return close


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    tensor_argument("allclose", other, "other", 2)
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


def equal(input, other) -> bool:
    """True when both have the same shape and the same values."""
    tensor_argument("equal", other, "other", 2)
    return tuple(input.shape) == tuple(other.shape) and bool((input == other).all())


__all__ = [
    "allclose",
    "bitwise_and",
    "bitwise_left_shift",
    "bitwise_not",
    "bitwise_or",
    "bitwise_right_shift",
    "bitwise_xor",
    "eq",
    "equal",
    "ge",
    "greater",
    "greater_equal",
    "gt",
    "isclose",
    "isfinite",
    "isinf",
    "isnan",
    "le",
    "less",
    "less_equal",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "lt",
    "ne",
    "not_equal",
]
