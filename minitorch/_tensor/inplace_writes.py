"""Tensor methods that write into ``self`` and are not ops: ``fill_``, ``zero_``, ``copy_``, ``t_``.

The in-place ops (``x.add_(y)``) are ``_inplace(op)`` in ``class Tensor`` (``_tensor/methods.py``):
they compute ``op(x, ...)`` and write it back. These four have no out-of-place op to start
from; each ends in the same ``write_inplace`` (``_ops/_inplace.py``), which bumps the version
counter and rebases the autograd history.
"""

from __future__ import annotations

import numpy as np

from .._core import capture as _capture
from .._core.args import bool_argument, number_argument
from .._ops._inplace import Fill, FillTensor, Overwrite, Zero, write_inplace
from .._ops.creation.factories import fill_value_as
from .._ops.shape.views import t_in_place
from ..autograd import function as _function
from ..autograd import grad_mode
from ..backends import backend_of
from .conversions import clone
from .tensor import Tensor


def fill_(self: Tensor, value) -> Tensor:
    """Fill with ``value`` (a number, or a 0-d tensor whose gradient then flows back)."""
    return _fill(self, value, Fill)


def zero_(self: Tensor) -> Tensor:
    """Fill with zeros. Where no node is recorded (grad mode off, or ``self`` requires no grad and is
    no view), nobody watches, and the NumPy array is C-contiguous (no zero strides to refuse), none
    of ``_fill``'s steps can act but the write and the version bump: the array's own ``fill(0)``
    (``p.grad.zero_()`` in a hand-written SGD step)."""
    a = self._data
    if (type(a) is np.ndarray and a.flags.c_contiguous and _function._observer is None and _capture.observer is None
            and (not grad_mode._state.enabled or not (self._requires_grad or self._base is not None))):
        a.fill(0)
        self._version_counter.value += 1
        return self
    return _fill(self, 0, Zero)


def _fill(self: Tensor, value, node) -> Tensor:
    """Write ``value`` over all of ``self``. Where autograd follows the write and ``self`` is no
    view, it records PyTorch's node of the op (``node`` for a number: ``FillBackward2`` or
    ``ZeroBackward0``; ``FillBackward3`` for a tensor); through a view, ``write_inplace`` records
    the ``CopySlices`` over the values written."""
    self._check_inplace()
    recorded = self._base is None and grad_mode.is_grad_enabled()
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value.dim()} dimensions."
            )
        if recorded and (self.requires_grad or value.requires_grad):  # casts in the node, as PyTorch
            return write_inplace(self, FillTensor.apply(self._alias(), value))
        return write_inplace(self, value.to(self.dtype).expand(self.shape))
    value = fill_value_as(number_argument("fill_", "value", value, 1), self.dtype)
    if recorded and self.requires_grad:
        return write_inplace(self, node.apply(self._alias(), value))
    xp = backend_of(self._data)
    return write_inplace(self, self._wrap_result(xp.full(self._data.shape, value, dtype=self._data.dtype)))


def copy_(self: Tensor, other: Tensor, non_blocking: bool = False) -> Tensor:
    """Copy ``other`` (broadcast to ``self``'s shape, cast to its dtype) into ``self``
    (PyTorch's documentation calls it ``src``; its Python binding accepts ``other=``)."""
    src = other
    self._check_inplace()
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not {type(src).__name__}")
    bool_argument("copy_", "non_blocking", non_blocking)
    if src.device != self.device:
        src = src.to(self.device)
    s = src.to(self.dtype)
    if tuple(s.shape) != tuple(self.shape):
        s = s.expand(self.shape)
    if s is src:
        s = clone(s) if s._data is self._data else s
    if s.requires_grad and grad_mode.is_grad_enabled():
        s = Overwrite.apply(self._alias(), s)  # PyTorch records copy_ as CopyBackwards, always
    return write_inplace(self, s)


def t_(self: Tensor) -> Tensor:
    """In-place ``t()``: ``self`` becomes its own transpose (a view of the same memory, with the
    transposed shape and strides); 0-d and 1-d tensors are returned as they are."""
    if self.dim() > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {self.dim()}D")
    self._check_inplace()
    current = self._view_version == self._version_counter.value
    self._bump_version()  # as PyTorch's t_, of every rank: a write to the metadata, no values moved
    if current:  # self's own history stays valid; other views of the storage regenerate theirs
        self._view_version = self._version_counter.value
    y = t_in_place(self)  # of a 0-d or 1-d tensor too: PyTorch records TBackward1 at every rank
    self._data, self._storage, self._stride, self._offset_cache = y._data, y._storage, y._stride, None
    if y.grad_fn is not None:
        self.grad_fn, self._output_nr = y.grad_fn, y._output_nr
    return self
