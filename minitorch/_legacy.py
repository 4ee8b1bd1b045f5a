"""Legacy constructors (``FloatTensor(2, 3)``, ``LongTensor([1, 2])``) and ``x.new_*`` factories.

``torch.FloatTensor`` and friends are the tensor *types* of PyTorch's first
API: calling one with sizes makes an uninitialised tensor, with a sequence
copies the data, and ``isinstance(x, FloatTensor)`` asks "float32 on CPU?".
``x.new_zeros(...)`` and the other ``new_*`` methods make a tensor with
``x``'s dtype and device unless told otherwise.
"""

from __future__ import annotations

import numpy as np

from . import _creation, _dtype
from ._size import Size
from ._tensor import Tensor


class _LegacyTensorType(type):
    """The metaclass of ``FloatTensor`` etc.: calling the class makes a plain ``Tensor`` of its dtype."""

    dtype: _dtype.dtype

    def __call__(cls, *args, device=None):
        if not args:
            return _creation.empty(0, dtype=cls.dtype, device=device)
        if len(args) == 1 and isinstance(args[0], Tensor):
            if args[0].dtype is not cls.dtype:
                raise TypeError(
                    f"expected {cls.dtype} (got {args[0].dtype})"
                )
            return args[0]._alias()
        if len(args) == 1 and not isinstance(args[0], (int, np.integer, Size)):
            return _creation.legacy_tensor(args[0], cls.dtype, device)
        return _creation.empty(*args, dtype=cls.dtype, device=device)

    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype and obj.device.type == "cpu"

    def __repr__(cls) -> str:
        return f"<class 'torch.{cls.__name__}'>"


def _legacy_type(name: str, dt: _dtype.dtype) -> type:
    return _LegacyTensorType(name, (), {"dtype": dt, "__module__": "torch"})


FloatTensor = _legacy_type("FloatTensor", _dtype.float32)
DoubleTensor = _legacy_type("DoubleTensor", _dtype.float64)
HalfTensor = _legacy_type("HalfTensor", _dtype.float16)
LongTensor = _legacy_type("LongTensor", _dtype.int64)
IntTensor = _legacy_type("IntTensor", _dtype.int32)
ShortTensor = _legacy_type("ShortTensor", _dtype.int16)
CharTensor = _legacy_type("CharTensor", _dtype.int8)
ByteTensor = _legacy_type("ByteTensor", _dtype.uint8)
BoolTensor = _legacy_type("BoolTensor", _dtype.bool_)


# ----------------------------------------------------------------------------- x.new_* (Tensor methods)
def _inherit(self: Tensor, dtype, device):
    return (dtype if dtype is not None else self.dtype), (device if device is not None else self.device)


def new_tensor(self: Tensor, data, *, dtype=None, device=None, requires_grad: bool = False, layout=None,
               pin_memory: bool = False) -> Tensor:
    """``tensor(data)`` with ``self``'s dtype and device (a copy, never a view, of ``data``)."""
    dt, dev = _inherit(self, dtype, device)
    if isinstance(data, Tensor):
        import warnings

        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
            "sourceTensor.detach().clone().requires_grad_(True), rather than tensor.new_tensor(sourceTensor).",
            UserWarning, stacklevel=2,
        )
        data = data.detach()
    return _creation.tensor(data, dtype=dt, device=dev, requires_grad=requires_grad)


def _require_size(op: str, size: tuple) -> None:
    if not size:
        raise TypeError(f'{op}() missing 1 required positional arguments: "size"')


def new_empty(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False, layout=None,
              pin_memory: bool = False) -> Tensor:
    _require_size("new_empty", size)
    dt, dev = _inherit(self, dtype, device)
    return _creation.empty(*size, dtype=dt, device=dev, requires_grad=requires_grad)


def new_zeros(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False, layout=None,
              pin_memory: bool = False) -> Tensor:
    _require_size("new_zeros", size)
    dt, dev = _inherit(self, dtype, device)
    return _creation.zeros(*size, dtype=dt, device=dev, requires_grad=requires_grad)


def new_ones(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False, layout=None,
             pin_memory: bool = False) -> Tensor:
    _require_size("new_ones", size)
    dt, dev = _inherit(self, dtype, device)
    return _creation.ones(*size, dtype=dt, device=dev, requires_grad=requires_grad)


def new_full(self: Tensor, size, fill_value, *, dtype=None, device=None, requires_grad: bool = False, layout=None,
             pin_memory: bool = False) -> Tensor:
    dt, dev = _inherit(self, dtype, device)
    return _creation.full(size, fill_value, dtype=dt, device=dev, requires_grad=requires_grad)


for _fn in (new_tensor, new_empty, new_zeros, new_ones, new_full):
    setattr(Tensor, _fn.__name__, _fn)
del _fn
