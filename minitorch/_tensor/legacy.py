"""Legacy constructors (``FloatTensor(2, 3)``, ``LongTensor([1, 2])``) and ``x.new_*`` factories.

``torch.FloatTensor`` and friends are the tensor *types* of PyTorch's first
API: calling one with sizes makes an uninitialised tensor, with a sequence
copies the data, and ``isinstance(x, FloatTensor)`` asks "float32 on CPU?".
``x.new_zeros(...)`` and the other ``new_*`` methods make a tensor with
``x``'s dtype and device unless told otherwise.
"""

from __future__ import annotations

import numpy as np

from .._core import dtype as _dtype
from .._core.args import pin_memory_argument, sizes_argument
from .._core.device import cuda_is_available
from .._core.size import Size
from .._ops.creation import factories as _creation
from .tensor import Tensor


class _LegacyTensorType(type):
    """The metaclass of ``FloatTensor`` etc.: calling the class makes a plain ``Tensor`` of its dtype."""

    dtype: _dtype.dtype

    def __call__(cls, *args, device="cpu"):  # CPU types: not the default device
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


# ----------------------------------------------------------------------------- x.new_* (Tensor methods: named in _tensor/methods.py)
def _inherit(self: Tensor, dtype, device):
    return (dtype if dtype is not None else self.dtype), (device if device is not None else self.device)


def new_tensor(self: Tensor, data, *, dtype=None, device=None, requires_grad: bool = False, layout=None,
               pin_memory: bool = False) -> Tensor:
    """``tensor(data)`` with ``self``'s dtype and device (a copy, never a view, of ``data``)."""
    pin_memory_argument("new_tensor", pin_memory, optional=False)
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


def new_empty(self: Tensor, *sizes, size=None, dtype=None, device=None, requires_grad: bool = False, layout=None,
              pin_memory: bool = False) -> Tensor:
    pin_memory_argument("new_empty", pin_memory)
    dt, dev = _inherit(self, dtype, device)
    return _creation.empty(*sizes_argument("new_empty", sizes, size), dtype=dt, device=dev, requires_grad=requires_grad)


def new_zeros(self: Tensor, *sizes, size=None, dtype=None, device=None, requires_grad: bool = False, layout=None,
              pin_memory: bool = False) -> Tensor:
    pin_memory_argument("new_zeros", pin_memory)
    dt, dev = _inherit(self, dtype, device)
    return _creation.zeros(*sizes_argument("new_zeros", sizes, size), dtype=dt, device=dev, requires_grad=requires_grad)


def new_ones(self: Tensor, *sizes, size=None, dtype=None, device=None, requires_grad: bool = False, layout=None,
             pin_memory: bool = False) -> Tensor:
    pin_memory_argument("new_ones", pin_memory)
    dt, dev = _inherit(self, dtype, device)
    return _creation.ones(*sizes_argument("new_ones", sizes, size), dtype=dt, device=dev, requires_grad=requires_grad)


def new_full(self: Tensor, size, fill_value, *, dtype=None, device=None, requires_grad: bool = False, layout=None,
             pin_memory: bool = False) -> Tensor:
    pin_memory_argument("new_full", pin_memory)
    dt, dev = _inherit(self, dtype, device)
    return _creation.full(size, fill_value, dtype=dt, device=dev, requires_grad=requires_grad)


# ----------------------------------------------------------------------------- set_default_tensor_type
_warned_deprecated = False
_CPU_TYPES = {f"torch.{cls.__name__}": cls for cls in (
    FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor, CharTensor, ByteTensor, BoolTensor)}


def set_default_tensor_type(t, /) -> None:
    """The legacy form of ``set_default_dtype`` (and ``set_default_device`` for ``'torch.cuda.*'``).

    ``t`` is a tensor type (``torch.DoubleTensor``) or its name (``'torch.DoubleTensor'``,
    ``'torch.cuda.FloatTensor'``); only floating-point types are allowed. Deprecated in PyTorch,
    and it warns as PyTorch does.
    """
    import warnings

    from .._core import device as _device

    global _warned_deprecated
    if not _warned_deprecated:  # once per process, as PyTorch's TORCH_WARN_ONCE
        _warned_deprecated = True
        warnings.warn(
            "torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use torch.set_default_dtype() "
            "and torch.set_default_device() as alternatives.", UserWarning, stacklevel=2,
        )
    device = "cpu"
    if isinstance(t, str):
        name = t
        if name.startswith("torch.cuda."):
            if not cuda_is_available():
                raise TypeError(f"type {name} not available. Torch not compiled with CUDA enabled.")
            name, device = "torch." + name[len("torch.cuda."):], "cuda"
        if name not in _CPU_TYPES:
            module, _, attribute = name.rpartition(".")
            if module.split(".")[0] != "torch":  # PyTorch imports the module the name is in
                raise ModuleNotFoundError(f"No module named '{(module or name).split('.')[0]}'")
            raise AttributeError(f"module '{module}' has no attribute '{attribute}'")
        t = _CPU_TYPES[name]
    if not isinstance(t, _LegacyTensorType) or not t.dtype.is_floating_point:
        if isinstance(t, _LegacyTensorType):
            raise TypeError("only floating-point types are supported as the default type")
        raise TypeError("invalid type object: only floating-point types are supported as the default type")
    _dtype.set_default_dtype(t.dtype)
    _device.set_default_device(None if device == "cpu" else device)
