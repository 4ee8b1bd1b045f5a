"""Python's operators on tensors (``x + y``, ``2 ** x``, ``~m``, ``x.T``) and NumPy operands.

``class Tensor`` (``_tensor/methods.py``) names each dunder; the functions here are what
differs from the op of the same meaning: which operands an operator declines with
``NotImplemented`` (so that Python raises its TypeError, or tries the other operand), ``&``
being logical for bools, the properties ``T``, ``mT``, ``H``, ``mH``.
"""

from __future__ import annotations

import numpy as np

from .._core import dtype as _dtype
from .._ops.creation.factories import from_numpy
from .._ops.pointwise import binary as ew
from .._ops.pointwise import compare as cmp
from .tensor import Tensor


def bitwise_operator(name: str):
    """``&``, ``|``, ``^``: logical for two bools (``mask & other_mask``), bitwise otherwise (an
    int with a bool promotes to int; a float operand raises, as in PyTorch)."""
    bitwise, logical = getattr(cmp, f"bitwise_{name}"), f"logical_{name}"

    def method(self, other):
        if not isinstance(other, (Tensor, bool, int, float)):
            return NotImplemented
        bools = self.dtype is _dtype.bool_ and (other.dtype is _dtype.bool_ if isinstance(other, Tensor)
                                                 else isinstance(other, bool))
        return cmp._logical(logical, self, other if isinstance(other, Tensor) else self.new_full((), other))\
            if bools else bitwise(self, other)

    method.__name__ = f"__{name}__"
    return method


def invert(self: Tensor) -> Tensor:
    """``~x``: logical not for bool tensors, bitwise not for integers; floats raise TypeError."""
    if self.dtype.is_floating_point:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return cmp.logical_not(self) if self.dtype is _dtype.bool_ else cmp.bitwise_not(self)


def pos(self: Tensor) -> Tensor:
    """``+x``: ``x`` itself; PyTorch refuses bool tensors."""
    if self.dtype is _dtype.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return self


def conjugate_transpose(self: Tensor) -> Tensor:
    """``x.H``: the (conjugate) transpose of a matrix; real tensors, so ``x.t()``."""
    if self.dim() not in (0, 2):
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.dim()}-D tensor.")
    return self.t()


def matrix_transpose(self: Tensor, name: str) -> Tensor:
    """``x.mT``: the last two dims swapped; PyTorch refuses tensors with fewer than two dims
    (a 0-d tensor is returned as it is)."""
    if self.dim() == 0:
        return self
    if self.dim() < 2:
        raise RuntimeError(f"tensor.{name} is only supported on matrices or batches of matrices. "
                           f"Got {self.dim()}-D tensor.")
    return self.transpose(-2, -1)


def operand_or_not_implemented(fn):
    """A binary dunder that returns ``NotImplemented`` for an operand that is neither a Tensor nor a
    number, so that Python raises its TypeError ("unsupported operand type(s) for @"). A NumPy
    scalar counts as the Python number it holds."""
    def method(self, other):
        if isinstance(other, np.generic) and not isinstance(other, (np.ndarray, np.object_)):
            other = other.item()
        if not isinstance(other, (Tensor, bool, int, float)):
            return NotImplemented
        return fn(self, other)

    method.__name__ = fn.__name__
    return method


def tensor_operand(fn):
    def method(self, other):
        return fn(self, other) if isinstance(other, Tensor) else NotImplemented

    return method


# ---- NumPy operands
# As in PyTorch, ``tensor + ndarray`` is left to NumPy: the Tensor's operator declines
# (NotImplemented), NumPy's reflected operator computes on ``np.asarray(tensor)`` and wraps the
# result back into a tensor with ``__array_wrap__``, so NumPy's dtype rules apply (float32 plus a
# float64 array is float64). ``ndarray + tensor`` is a TypeError: ``__array_priority__`` makes NumPy
# defer to the Tensor, whose reflected operator declines as well; only ``ndarray / tensor`` is
# computed, as PyTorch's ``tensor.reciprocal() * ndarray``.
def declines_arrays(fn):
    def method(self, other):
        return NotImplemented if isinstance(other, np.ndarray) else fn(self, other)

    method.__name__ = getattr(fn, "__name__", "method")
    return method


def rtruediv(self: Tensor, other):
    """PyTorch's ``other / self`` is ``self.reciprocal() * other`` (MulBackward0 over
    ReciprocalBackward0, and its values: 0 / 1e-177 has a NaN gradient, 1 / x**2 overflowing)."""
    if isinstance(other, np.ndarray):
        return self.reciprocal() * other
    return operand_or_not_implemented(lambda s, o: ew.mul(s.reciprocal(), o))(self, other)


def array_wrap(self: Tensor, array: np.ndarray, context=None, return_scalar: bool = False) -> Tensor:
    """A NumPy function's result on a tensor (``np.exp(t)``, ``t + ndarray``), as a tensor; a bool
    result becomes uint8, as PyTorch's ``__array_wrap__`` does."""
    if array.dtype == np.bool_:
        array = array.astype(np.uint8)
    return from_numpy(array if array.flags.c_contiguous else array.copy())


def compare_array(fn):
    """``tensor == ndarray``: the array as a tensor (PyTorch compares; ``t < ndarray`` is a TypeError)."""
    def method(self, other):
        if isinstance(other, np.ndarray) and other.dtype.kind in "biuf":
            other = from_numpy(other if other.flags.c_contiguous else other.copy())
        return fn(self, other) if isinstance(other, (Tensor, int, float, bool)) else NotImplemented

    return method
