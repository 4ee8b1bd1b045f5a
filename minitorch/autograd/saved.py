"""Saved tensors: what a node keeps for its backward, checked against in-place writes.

``ctx.save_for_backward(a, b)`` (``function.py: FunctionCtx``) keeps each tensor in a
``SavedTensor`` with the version its storage had then; ``unpack`` in backward raises PyTorch's
error if an in-place op has written it since, instead of computing a gradient from the wrong
values. An output of the node itself is kept without its ``grad_fn`` (node -> tensor -> node
would be a reference cycle) and given it back when unpacked.
"""

from __future__ import annotations

import re
import weakref


class SavedTensor:
    """A tensor saved for backward, with the version it had when saved.

    If the tensor is modified in place before backward, unpacking raises, as in
    PyTorch: the gradient formula would silently use the wrong values.
    An *output* of the node is saved without its ``grad_fn`` (that would be a
    reference cycle) and re-attached when unpacked.
    """

    __slots__ = ("is_output", "node", "output_nr", "tensor", "version")

    def __init__(self, tensor, node=None, output_nr=None):
        self.version = tensor._version_counter.value
        self.is_output = output_nr is not None
        if self.is_output:
            self.tensor = _detached(tensor)
            self.node, self.output_nr = weakref.ref(node), output_nr
        else:
            self.tensor, self.node, self.output_nr = tensor, None, None

    def unpack(self):
        t = self.tensor
        if t._version_counter.value != self.version:
            # PyTorch names the node that made the tensor's *current* value.
            node, nr = (self.node(), self.output_nr) if self.is_output else (t._grad_fn, t._output_nr)
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [{t.type()} {list(t.shape)}]"
                + (f", which is output {nr} of {_forward_name(node)}," if node is not None else "")
                + f" is at version {t._version_counter.value}; expected version {self.version} instead. "
                "Hint: enable anomaly detection to find the operation that failed to compute its gradient, "
                "with torch.autograd.set_detect_anomaly(True, check_nan=False)."
            )
        if self.is_output:
            node = self.node()
            alias = t._make(t._data, t._device, t._storage, t._stride, t._version_counter)  # _detached(t)
            alias._requires_grad = node is not None
            alias.grad_fn, alias._output_nr = node, self.output_nr
            return alias
        return t

    def keep_original(self, overwritten) -> None:
        """``overwritten`` is about to be written in place: save a copy of its current values instead.

        This is PyTorch's ``original_self``: ``b.mul_(a)`` needs the old ``b`` for ``a``'s gradient.
        The copy is a ``clone``, so it stays connected to the old history (double backward).
        """
        if not self.is_output and self.tensor is overwritten:
            self.tensor = overwritten.clone()
            self.version = 0


def _detached(t):
    """``t.detach()`` without materialising ``t``'s storage view (a saved output is aliased on
    every forward and backward; the storage is made when something asks for it)."""
    return t._make(t._data, t._device, t._storage, t._stride, t._version_counter)


def _forward_name(node) -> str:
    """``ExpBackward0`` -> ``Exp``: the forward op's name, as PyTorch's messages use it."""
    return re.sub(r"Backward\d*$", "", node.name())
