"""The direct path of ``x + y``, ``x - y``, ``x * y``, ``x / y``: two tensors that need no node.

The general path of ``x + y`` is five Python calls deep before NumPy adds: the operator
(``Tensor.__add__``, which declines NumPy arrays), ``add`` (numbers, ``alpha``, ``out``),
``promote`` (the common dtype, casts), ``Add.apply`` (devices, which inputs need a gradient, the
ctx, the grad-mode switch, the node) and ``Add.forward``; on 8x8 tensors that is ~3.7 µs around an
add of 0.25 µs and a new Tensor of 0.3 µs. For one signature none of those steps can act:

- two tensors of **one floating dtype**: promotion keeps it, nothing is cast, the result has it;
- of **one shape**, at least 1-d: nothing broadcasts (no broadcast error to translate), and
  NumPy returns an array, not a scalar;
- on **one device**: nothing to check or move;
- that **need no node**: grad mode is off (a backward without ``create_graph``, ``no_grad``),
  or neither requires grad and neither is a view (whose base may have been given grad since);
- and **nobody watches** ``Function.apply``: a profile or a ``minitorch.compile`` capture sees
  every op, so while one runs the general path does.

Then the op is the backend's ufunc on the two arrays, wrapped in a new Tensor: exactly what
``Add.forward`` (``Sub``, ``Mul``, ``Div``) computes, so the values are bit for bit the same.
Backward formulas are made of such ops (``g * b`` in ``Mul``'s, ``g * y`` in ``exp``'s), and so is
inference. Anything else (numbers, other dtypes or shapes, a node to record, ``alpha``) takes the
general path; ``parity_tests/test_eager_direct.py`` checks both against each other and torch.
``unary.py: unary`` applies the same rule to one operand (``x.exp()`` is the table's forward).

A **Python float or int** operand (``lr * p.grad / n`` in a hand-written SGD step, ``x * 0.5``)
takes the same path on a floating tensor of at least one dim that needs no node: ``promote``
keeps the tensor's dtype (a Python number is a 'wrapped number') and casts the number with
``float``, and the forward is the ufunc on the array and that float; so is it here, bit for bit.
The reflected ``s + x`` and ``s * x`` are ``x + s`` and ``x * s`` (IEEE addition and multiplication
commute); ``s - x`` is ``np.subtract(s, x)``, as ``RSub`` computes it. An int outside 64 bits
(PyTorch's OverflowError), a bool (no 'wrapped' float), and ``s / x`` (PyTorch's
``reciprocal() * s``) take the general path.

**In place** (``p -= lr * g``, ``x *= 0.5``, ``p.add_(g)``): the general path computes the result
out of place and copies it in (``_ops/_inplace.py: write_inplace``), two passes over memory and a
new array. For the signature above with a C-contiguous NumPy target (no zero strides to refuse),
and no node to record or rebase (grad mode off, or neither side requires grad nor is a view), the
checks of ``_check_inplace`` and ``write_inplace`` cannot act, and the op is ``ufunc(a, b,
out=a)`` and the version bump: one pass, the same values (the same ufunc loop; NumPy buffers an
operand that overlaps the output, so ``x -= x.flip(0)`` reads the old values, as the copy did).
"""

from __future__ import annotations

import numpy as np

from ..._core import capture as _capture
from ...autograd import function as _function
from ...autograd import grad_mode

_FLOATS = frozenset(np.dtype(t) for t in (np.float16, np.float32, np.float64))
_grad_state = grad_mode._state


def operator(general, ufunc, name: str):
    """The dunder ``name`` (``__add__``): ``ufunc`` on the arrays for the signature above, the op
    ``general`` otherwise; a NumPy array operand is declined (``NotImplemented``: NumPy computes
    ``tensor + ndarray`` itself, see ``_tensor/operators.py``)."""
    from ..._tensor.tensor import Tensor

    make = Tensor._make

    def method(self, other):
        if isinstance(other, Tensor):
            # the one test of the signature above, each clause an item of the module docstring;
            # the node first: an op that records one (the forward of training) is told apart soonest
            if not _grad_state.enabled or not (self._requires_grad or other._requires_grad
                                               or self._base is not None or other._base is not None):
                a, b = self._data, other._data
                shape = a.shape
                if (shape and shape == b.shape and a.dtype is b.dtype and a.dtype in _FLOATS
                        and self._device is other._device and _function._observer is None):
                    return make(ufunc(a, b), self._device)
            return general(self, other)
        kind = type(other)
        if kind is float or kind is int and -(2**63) <= other < 2**63:
            a = self._data
            if ((not _grad_state.enabled or not (self._requires_grad or self._base is not None))
                    and a.shape and a.dtype in _FLOATS and _function._observer is None):
                return make(ufunc(a, float(other)), self._device)
            return general(self, other)
        return NotImplemented if isinstance(other, np.ndarray) else general(self, other)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"``{name}``: ``{general.__name__}``, or ``np.{ufunc.__name__}`` on the arrays (``_ops/pointwise/direct.py``)."
    return method


def reflected(general, ufunc, name: str):
    """The reflected dunder ``name`` (``__rmul__``: ``s * x`` for a number ``s``): the scalar direct
    path above (``ufunc(s, x)`` on the array), the op ``general(x, s)`` otherwise."""
    from ..._tensor.tensor import Tensor

    make = Tensor._make

    def method(self, other):
        kind = type(other)
        if kind is float or kind is int and -(2**63) <= other < 2**63:
            a = self._data
            if ((not _grad_state.enabled or not (self._requires_grad or self._base is not None))
                    and a.shape and a.dtype in _FLOATS and _function._observer is None):
                return make(ufunc(float(other), a), self._device)
        elif isinstance(other, np.generic) and not isinstance(other, (np.ndarray, np.object_)):
            other = other.item()  # a NumPy scalar counts as the Python number it holds
        if not isinstance(other, (Tensor, bool, int, float)):
            return NotImplemented
        return general(self, other)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"``{name}``: ``{general.__name__}``, or ``np.{ufunc.__name__}`` on the array and a number (``_ops/pointwise/direct.py``)."
    return method


def inplace(general, ufunc, name: str):
    """The in-place op ``name`` (``__isub__``, ``sub_``): ``ufunc(a, b, out=a)`` for the signature
    above (one operand, no ``alpha``), ``general(self, other, ...)`` otherwise."""
    from ..._tensor.tensor import Tensor

    def method(self, other, *args, **kwargs):
        a = self._data
        if (not args and not kwargs and type(a) is np.ndarray and a.dtype in _FLOATS and a.flags.c_contiguous
                and _function._observer is None and _capture.observer is None):
            if isinstance(other, Tensor):
                b = other._data
                if ((not _grad_state.enabled or not (self._requires_grad or other._requires_grad
                                                     or self._base is not None or other._base is not None))
                        and type(b) is np.ndarray and b.shape == a.shape and b.dtype is a.dtype
                        and self._device is other._device):
                    ufunc(a, b, out=a)
                    self._version_counter.value += 1
                    return self
            else:
                kind = type(other)
                if ((kind is float or kind is int and -(2**63) <= other < 2**63)
                        and (not _grad_state.enabled or not (self._requires_grad or self._base is not None))):
                    ufunc(a, float(other), out=a)
                    self._version_counter.value += 1
                    return self
        return general(self, other, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = (f"``{name}``: ``np.{ufunc.__name__}(a, b, out=a)`` on the arrays where nothing else can act "
                      f"(``_ops/pointwise/direct.py``), else {getattr(general, '__doc__', None) or 'the general path'}")
    return method
