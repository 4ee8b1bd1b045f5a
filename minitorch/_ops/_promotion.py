"""Type promotion for elementwise ops: the common dtype of two operands, and differentiable casts.

``promote`` is the single entry point to PyTorch's type promotion (``_dtype.result_type``):
``int_tensor + 2.5`` is float32, ``float32_tensor * float64_0d`` stays float32, ``int / int`` is float.
"""

from __future__ import annotations

from .._core import dtype as _dtype
from .._core.args import scalar_in_range
from .._core.dtype import _BY_NP
from .._tensor.tensor import Tensor
from ..autograd.function import Primitive
from ..backends import backend_of


def promote(a, b, to_float: bool = False):
    """Cast the operands of a binary op to their common dtype; Python numbers stay numbers."""
    a_tensor = isinstance(a, Tensor)
    if a_tensor and isinstance(b, Tensor) and a._data.dtype is b._data.dtype:
        dt = _BY_NP[a._data.dtype]  # the common case, before result_type's walk (``a.dtype``, no frame)
        if not to_float or dt.is_floating_point:
            return a, b, dt  # and nothing to cast
    elif a_tensor and type(b) in (int, float, bool) and a.dtype.is_floating_point:
        dt = a.dtype  # a Python number never raises a float tensor's dtype (it is a 'wrapped number')
        scalar_in_range(b)
    else:
        dt = _dtype.result_type(a, b)
    if to_float:
        dt = _dtype.to_float(dt)
    a = cast(a, dt)
    b = cast(b, dt)
    return a, b, dt


def cast(x, dt: _dtype.dtype):
    """Cast a Tensor (differentiably) or a Python number to ``dt``."""
    if isinstance(x, Tensor):
        return x if x.dtype is dt else ToDtype.apply(x, dt)
    if dt.is_floating_point:
        return float(x)
    if dt is _dtype.bool_:
        return bool(x)
    return wrap_integer(int(x), dt)


def wrap_integer(value: int, dt: _dtype.dtype) -> int:
    """A Python int as the integer dtype ``dt`` holds it: PyTorch converts a scalar operand to the
    tensor's type with C++'s two's-complement wrap (``int32_tensor + 2**40`` adds 0), after reading it
    as a 64-bit integer (anything outside [-2**63, 2**64) raises OverflowError)."""
    scalar_in_range(value)
    bits = 8 * dt.itemsize
    if dt.is_signed:
        return (value + 2 ** (bits - 1)) % 2**bits - 2 ** (bits - 1)
    return value % 2**bits


def as_tensor_like(x, like: Tensor) -> Tensor:
    """A Python number as a 0-d tensor with ``like``'s dtype and device."""
    if isinstance(x, Tensor):
        return x
    xp = backend_of(like._data)
    return like._wrap_result(xp.asarray(x, dtype=like._data.dtype))


class ToDtype(Primitive):
    """y = x cast to ``dtype``;  dx = g cast back to x's dtype."""

    node_name = "ToCopyBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.in_dtype = _dtype._BY_NP[x.dtype]
        return backend_of(x).astype(x, dtype.np)

    @staticmethod
    def backward(ctx, g):
        return g.to(ctx.in_dtype), None


def _constant(like: Tensor, array) -> Tensor:
    """A result that carries no gradient (rounding, comparisons, integer arithmetic)."""
    return like._wrap_result(array)


def _np_errstate():
    """Silence NumPy's floating-point warnings in a block (most are already filtered: backends/cpu.py)."""
    import numpy as np

    return np.errstate(all="ignore")
