"""What Python and NumPy ask of a tensor: ``len``, iteration, ``bool``/``float``/``int``/``index``,
``repr``/``format``, ``pickle``, ``copy.deepcopy``, and the values out (``item``, ``tolist``,
``numpy``, ``__array__``).

These are methods of ``minitorch.Tensor``, written here as functions and named one per line in
its body (``_tensor/methods.py``: ``item = _python_protocol.item``), as ``conversions.py``'s are.
PyTorch's Python ``torch.Tensor`` (``torch/_tensor.py``) defines most of them too, over the C++
``TensorBase``. The data model they read (storage, shape, ``requires_grad``) is ``TensorBase``
in ``_tensor/tensor.py``, which keeps ``_to_numpy`` (the read that ``item``/``tolist`` and the
autograd checks share) and ``__hash__`` (identity, as PyTorch's). Reading values out of a tensor
breaks a ``minitorch.compile`` capture (``_capture.graph_break``): what Python does with them
cannot be recorded.
"""

from __future__ import annotations

import numpy as np

from .._core import capture as _capture
from ..autograd import grad_mode
from .tensor import _rebuild


def __len__(self) -> int:
    if self.dim() == 0:
        raise TypeError("len() of a 0-d tensor")
    return self._data.shape[0]


def __iter__(self):
    if self.dim() == 0:
        raise TypeError("iteration over a 0-d tensor")
    return (self[i] for i in range(self._data.shape[0]))


def item(self):
    """The value of a one-element tensor as a Python number."""
    if self.numel() != 1:
        raise RuntimeError(
            f"a Tensor with {self.numel()} elements cannot be converted to Scalar"
        )
    return self._to_numpy().reshape(()).item()


def tolist(self):
    return self._to_numpy().tolist()


def numpy(self, *, force: bool = False) -> np.ndarray:
    """The values as a NumPy array sharing memory with this tensor."""
    if not isinstance(force, bool):
        raise TypeError(f"numpy(): argument 'force' must be bool, not {type(force).__name__}")
    if self._requires_grad and not force and grad_mode.is_grad_enabled():  # PyTorch allows it under no_grad
        raise RuntimeError(
            "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
        )
    if self._device.type != "cpu":
        if force:
            return self.cpu()._data
        raise TypeError(
            f"can't convert {self._device.type}:{self._device.index or 0} device type tensor to numpy. "
            "Use Tensor.cpu() to copy the tensor to host memory first."
        )
    _capture.graph_break("a tensor's values are handed to NumPy (.numpy())")
    return self._data


def __array__(self, dtype=None, copy=None):
    arr = self.numpy()
    return arr.astype(dtype) if dtype is not None else arr


def __bool__(self) -> bool:
    if self.numel() != 1:
        raise RuntimeError(
            "Boolean value of Tensor with more than one value is ambiguous"
        )
    return bool(self.item())


def _python_scalar(self):
    """The value of ``float(t)``/``int(t)``: one element only (ValueError, as PyTorch, where
    ``t.item()`` raises RuntimeError)."""
    if self.numel() != 1:
        raise ValueError("only one element tensors can be converted to Python scalars")
    return self.item()


def __float__(self) -> float:
    return float(_python_scalar(self))


def __int__(self) -> int:
    return int(_python_scalar(self))


def __index__(self) -> int:
    if self.dtype.is_floating_point or self.numel() != 1:
        raise TypeError("only integer tensors of a single element can be converted to an index")
    return int(self.item())


def __repr__(self) -> str:
    from .tensor_str import tensor_repr

    return tensor_repr(self)


def __format__(self, spec: str) -> str:
    if self.dim() == 0:
        return self.item().__format__(spec)
    return object.__format__(self, spec)


def __reduce_ex__(self, protocol):
    host = self.detach().cpu().numpy().copy()
    if self._device.type == "cpu":
        return (_rebuild, (host, self._requires_grad))
    return (_rebuild, (host, self._requires_grad, str(self._device)))


def __deepcopy__(self, memo):
    if not self.is_leaf:
        raise RuntimeError(
            "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at the moment."
        )
    if id(self) in memo:
        return memo[id(self)]
    with grad_mode.no_grad():
        t = self.clone()
    t.__class__ = self.__class__
    t._requires_grad = self._requires_grad
    if self.grad is not None:
        t.grad = self.grad.__deepcopy__(memo)
    t.__dict__.update({k: v for k, v in self.__dict__.items()})
    memo[id(self)] = t
    return t
