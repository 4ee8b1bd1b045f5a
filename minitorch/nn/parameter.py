"""``Parameter``: a Tensor that a ``Module`` registers as one of its learnable weights (``torch.nn.Parameter``)."""

from __future__ import annotations

from .._tensor.methods import Tensor  # the class with the methods (not TensorBase)
from .._tensor.tensor import _rebuild


class Parameter(Tensor):
    """A leaf Tensor, requiring grad by default, that shares memory with ``data``.

    Assigning one to a Module attribute registers it (``Module.__setattr__``), so it
    appears in ``parameters()`` and ``state_dict()``. Ops on a Parameter return plain
    Tensors: every op result is built by ``Tensor._make``.
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            from .._ops.creation.factories import empty

            data = empty(0)
        t = data.detach()  # same memory, no history
        t.__class__ = cls
        t.requires_grad_(requires_grad)
        return t

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self._to_numpy().copy(), self._requires_grad))


def _rebuild_parameter(array, requires_grad: bool) -> Parameter:
    return Parameter(_rebuild(array, False), requires_grad)


class _BufferMeta(type(Tensor)):
    """``isinstance(t, Buffer)``: a tensor that ``Buffer(...)`` marked (PyTorch's ``_BufferMeta``)."""

    def __instancecheck__(cls, instance) -> bool:
        return isinstance(instance, Tensor) and getattr(instance, "_is_buffer", False)


class Buffer(Tensor, metaclass=_BufferMeta):
    """A tensor marked to register as a buffer when assigned to a Module attribute (``torch.nn.Buffer``).

    ``self.stats = Buffer(torch.zeros(3), persistent=False)`` is
    ``self.register_buffer('stats', torch.zeros(3), persistent=False)``. As in PyTorch,
    ``Buffer(t)`` is a plain Tensor (``t.detach()``, keeping ``requires_grad``) that carries the mark
    and ``persistent``, so it computes like any tensor before it is assigned.
    """

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        if data is None:
            from .._ops.creation.factories import empty

            data = empty(0)
        t = data.detach().requires_grad_(data.requires_grad)  # a list raises AttributeError, as torch's
        t.persistent, t._is_buffer = persistent, True
        return t
