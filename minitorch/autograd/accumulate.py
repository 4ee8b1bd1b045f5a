"""Where gradients are summed: the engine's input buffers and a leaf's ``.grad``.

Two places in backward add a gradient to another, and both avoid a copy where PyTorch does:

- ``_add_in_place``: gradients that meet at a node (``run_backward``'s buffers) are summed into
  the first one's array when nothing but the buffer can see it (PyTorch's ``InputBuffer::accumulate``);
- ``_accumulate``: a leaf's ``AccumulateGrad`` either takes the gradient over as ``.grad`` when
  nothing else holds it (PyTorch's "stealing": ``_can_steal``, ``_sole_owner``, by reference
  counts), copies it into the leaf's layout (``_clone_obey_contract``, the gradient layout
  contract), or adds it into the ``.grad`` there is.

``engine.py`` calls both; a ``minitorch.compile`` capture sees their array work through
``_core/capture.py``.
"""

from __future__ import annotations

import sys

import numpy as np

from .._core import capture as _capture
from .._core.strides import is_contiguous, is_non_overlapping_and_dense, numel
from ..backends import backend_of
from . import grad_mode


def _add_in_place(buf: list, nr: int, g) -> bool:
    """``buf[nr] += g`` on the arrays, when nothing but the buffer can see ``buf[nr]`` (PyTorch's
    ``InputBuffer::accumulate``: in place when grad mode is off and it holds the last reference
    to the tensor and its storage; a new sum otherwise). Returns whether it added.

    The caller is in no_grad (no ``create_graph``), and ``g`` and ``buf[nr]`` were both made the
    input's shape and dtype (``validate_grad``). Here: a NumPy array that owns its memory
    (``base`` None), referenced by this Tensor alone (no view, alias or cached storage of it), a
    Tensor referenced by the buffer alone (not ``g``, not a user's gradient, not one a hook kept),
    and no capture watching (its plan would see the write as a step; it gets the sum instead).
    """
    old = buf[nr]
    data = old._data
    if (type(data) is not np.ndarray or data.base is not None or old is g or _capture.observer is not None
            or sys.getrefcount(old) > _BUFFER_REFS or sys.getrefcount(data) > _DATA_REFS
            or not data.flags.writeable or data.dtype != g._data.dtype or data.shape != g._data.shape):
        return False
    np.add(data, g._data, out=data)
    return True


# References while ``_add_in_place`` runs when only the buffer holds the old gradient: the buffer
# list's, ``old`` and getrefcount's argument; its array: the Tensor's ``_data``, ``data`` and the
# argument.
_BUFFER_REFS = 3
_DATA_REFS = 3


def _accumulate(variable, grad, create_graph: bool) -> None:
    """``variable.grad += grad`` with PyTorch's rules for the first and later accumulations."""
    if variable.grad is None:
        if not create_graph and sys.getrefcount(grad) <= _ENGINE_REFS and _can_steal(grad, variable):
            variable.grad = type(grad)._make(grad._data, grad._device)  # PyTorch's "stealing"
            return
        # Never keep an alias of another tensor's memory (a broadcast view, the user's gradient).
        variable.grad = _clone_obey_contract(grad, variable, create_graph)
    elif create_graph or grad_mode.is_grad_enabled():
        variable.grad = variable.grad + grad
    else:
        variable.grad._inplace_data_add(grad)


# PyTorch's AccumulateGrad steals an incoming gradient only while nothing else holds it
# (``new_grad.use_count() <= num_expected_refs``); Python's reference count is that use count.
# While ``_accumulate`` runs, a gradient that only the engine holds has three references: the list
# of the leaf's incoming gradients, ``_accumulate``'s argument and ``sys.getrefcount``'s own. A
# fourth (the user's variable, a hook's closure) means someone else may still read it: copy.
_ENGINE_REFS = 3


def _can_steal(grad, variable) -> bool:
    """Whether ``.grad`` may take over ``grad``'s memory instead of a copy (PyTorch's
    ``AccumulateGrad::accumulateGrad``: no other reference to the incoming gradient, and its layout
    already the one ``_clone_obey_contract`` would give).

    The caller checked that no other Python object holds the ``grad`` Tensor. Here: it records no
    history and has no hooks, its dtype, shape and strides are those of the copy, and nothing else
    reaches its memory (``_sole_owner``). A CUDA (torch) array is always copied.
    """
    data = grad._data
    if (type(data) is not np.ndarray or grad._grad_fn is not None or grad._requires_grad or grad._hooks
            or data.dtype != variable._data.dtype or data.shape != variable._data.shape
            or not data.flags.writeable):
        return False
    shape, stride = tuple(variable.shape), variable.stride()
    if is_contiguous(shape, stride) or not is_non_overlapping_and_dense(shape, stride):
        if not data.flags.c_contiguous:
            return False
    elif tuple(s // data.itemsize for s in data.strides) != tuple(stride):
        return False
    # ``_sole_owner`` counts the references to the memory: this frame's must be gone (``data`` is a
    # cell of the generator above, so it lives until the return; kept, no array that is not a view
    # was ever stolen: AlexNet's conv weights and biases, 12 copies a step, ~1.7 ms).
    del data
    return _sole_owner(grad)


def _sole_owner(grad) -> bool:
    """Whether ``grad`` is the only way to its memory: the NumPy array that owns the memory is
    ``grad``'s array or its base, ``grad`` spans all of it, and the only references to that array
    are ``grad``'s own (its array, its storage, its cached offset) and its base Tensor's, where
    that base is held by ``grad`` alone (a backward that returns a view of a temporary, as ``t()``
    of a product). A reference this does not know of only makes it copy."""
    data, base = grad._data, grad._base
    root = data if data.base is None else data.base
    if type(root) is not np.ndarray or root.base is not None or root.nbytes != data.nbytes:
        return False
    if base is not None and sys.getrefcount(base) > 3:  # grad._base, base, the argument
        return False
    slots = [a for t in ((grad, base) if base is not None else (grad,))
             for a in (t._data, t._storage, *(t._offset_cache or ())[:2])]  # what grad and base hold
    views = {id(a): a for a in slots if a is not root and type(a) is np.ndarray and a.base is root}
    # The references to ``root`` we know of: the slots that are ``root`` itself, one per view of it
    # (its ``.base``), this frame's ``root`` (and ``data`` when it is ``root``), getrefcount's argument.
    expected = sum(a is root for a in slots) + len(views) + (data is root) + 2
    del slots, views
    return sys.getrefcount(root) <= expected


def _clone_obey_contract(grad, variable, create_graph: bool = False):
    """A copy of ``grad`` laid out as ``variable`` (PyTorch's "gradient layout contract",
    ``torch/csrc/autograd/utils/grad_layout_contract.h``).

    ``.grad`` gets the leaf's strides when the leaf is non-overlapping and dense, and is
    row-major otherwise, whatever layout the backward produced (a transposed or a broadcast view).
    With ``create_graph`` the copy is a differentiable ``copy_`` into that layout, so ``.grad``
    has PyTorch's ``CopyBackwards`` history. Otherwise grad mode is off and the copy is made on
    the raw arrays rather than through ``clone``'s dispatch (a Function call per leaf per step).
    PyTorch skips the copy when nothing else holds the gradient ("stealing"); so does
    ``_accumulate``, by reference counts (``_can_steal``).
    """
    xp = backend_of(grad._data)
    shape, stride = tuple(variable.shape), variable.stride()
    if is_contiguous(shape, stride) or not is_non_overlapping_and_dense(shape, stride):
        data = _capture.call(xp.empty, shape, dtype=grad._data.dtype)
    else:
        flat = _capture.call(xp.empty, (numel(shape),), dtype=grad._data.dtype)
        data = _capture.call(xp.as_strided, flat, shape, stride, 0)
    out = type(grad)._make(data, grad._device)
    if create_graph:
        return out.copy_(grad)
    _capture.call(xp.copyto, data, grad._data, writes=(0,))
    return out
