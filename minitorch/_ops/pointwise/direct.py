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
"""

from __future__ import annotations

import numpy as np

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
        return NotImplemented if isinstance(other, np.ndarray) else general(self, other)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"``{name}``: ``{general.__name__}``, or ``np.{ufunc.__name__}`` on the arrays (``_ops/pointwise/direct.py``)."
    return method
