"""Tensor methods that copy, cast or move a tensor: ``clone``, ``contiguous``, ``to`` (and its three
call forms), ``cpu``, ``cuda``, ``type_as`` and the casts ``float()``, ``long()`` ... .

Named in ``class Tensor`` (``_tensor/methods.py``). ``clone`` is also ``minitorch.clone``.
"""

from __future__ import annotations

from .._core import dtype as _dtype
from .._core.args import layout_arguments, tensor_argument
from .._core.device import to_device
from .._core.strides import contiguous_strides, numel, preserved_strides
from .._ops import _promotion as promotion
from ..autograd.function import Primitive
from ..backends import backend_of
from .tensor import Tensor


class Clone(Primitive):
    """y = a copy of x laid out with element ``strides`` (dense);  dx = g."""

    node_name = "CloneBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, strides):
        xp = backend_of(x)
        if tuple(strides) == contiguous_strides(x.shape):
            return xp.copy(x, "C")
        y = xp.as_strided(xp.empty((numel(x.shape),), dtype=x.dtype), x.shape, strides, 0)
        xp.copyto(y, x)
        return y

    @staticmethod
    def backward(ctx, g):
        return g, None


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy with its own memory that is still connected to the graph, in ``input``'s layout
    (PyTorch's default ``preserve_format``: ``_strides.preserved_strides``)."""
    layout_arguments("clone", memory_format=memory_format)
    return Clone.apply(input, preserved_strides(input.shape, input.stride()))


def contiguous(input: Tensor, *, memory_format=None) -> Tensor:
    layout_arguments("contiguous", memory_format=memory_format)
    if input.is_contiguous():
        return input
    return Clone.apply(input, contiguous_strides(input.shape))


def _is_dtype(a) -> bool:
    return isinstance(a, _dtype.dtype) or a in (float, int, bool) or str(type(a)) == "<class 'torch.dtype'>"


def _parse_to(args, kwargs):
    """The three forms of PyTorch's ``to``: ``to(device=None, dtype=None, non_blocking=False,
    copy=False)``, ``to(dtype, non_blocking=False, copy=False)`` and ``to(tensor, ...)``; any other
    combination raises the parser's TypeError."""
    def invalid():
        got = ", ".join([type(a).__name__ for a in args] + [f"{k}={type(v).__name__}" for k, v in kwargs.items()])
        return TypeError(f"to() received an invalid combination of arguments - got ({got})")

    kwargs = dict(kwargs)
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    flags = [kwargs.pop("non_blocking", False), kwargs.pop("copy", False)]
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() received an invalid combination of arguments: {sorted(kwargs)}")
    args = list(args)
    if args and isinstance(args[0], Tensor):
        dtype, device = args[0].dtype, args[0].device
        args.pop(0)
    elif args and _is_dtype(args[0]):
        dtype = args.pop(0)
    elif args:  # to(device, dtype, ...)
        if args[0] is not None:
            device = args[0]
        args.pop(0)
        if args and (args[0] is None or _is_dtype(args[0])):
            given = args.pop(0)
            dtype = given if given is not None else dtype
    if len(args) > 2 or not all(isinstance(a, bool) for a in args):
        raise invalid()
    flags[:len(args)] = args
    if device is not None and not isinstance(device, (str, int)) and type(device).__name__ != "device":
        raise invalid()
    if dtype is not None:
        dtype = _dtype.to_dtype(dtype, "to")
    return dtype, device, flags[1]


def to(self: Tensor, *args, **kwargs) -> Tensor:
    """Cast to a dtype and/or move to a device; returns ``self`` when nothing changes."""
    dtype, device, copy = _parse_to(args, kwargs)
    out = self
    if device is not None:
        dev = to_device(device)
        if dev != self.device:
            from .._ops.device import ToDevice

            out = ToDevice.apply(out, dev)
    if dtype is not None and _dtype.to_dtype(dtype) is not out.dtype:
        out = promotion.ToDtype.apply(out, _dtype.to_dtype(dtype))
    if copy and out is self:
        out = clone(self)
    return out


def cpu(self: Tensor, memory_format=None) -> Tensor:
    """This tensor in host memory (``self`` when it is already there)."""
    return self.to("cpu")


def cuda(self: Tensor, device=None, non_blocking: bool = False, memory_format=None) -> Tensor:
    """This tensor on a CUDA device (``self`` when it is already there)."""
    dev = to_device(device if device is not None else "cuda")
    if dev.type != "cuda":
        raise RuntimeError("Invalid device, must be cuda device")
    return self.to(dev)


def cast_method(dt):
    def method(self, *, memory_format=None):
        layout_arguments(dt.name, memory_format=memory_format)
        return self.to(dt)

    method.__name__ = dt.name
    return method


def type_as(self: Tensor, other: Tensor) -> Tensor:
    """``self`` cast to ``other``'s dtype (``self`` itself when it already has it)."""
    tensor_argument("type_as", other, "other", 1)
    return self.to(other.dtype)
