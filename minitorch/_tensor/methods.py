"""Tensor methods: the functions of ``minitorch`` attached to the ``Tensor`` class.

``x.exp()`` is ``minitorch.exp(x)``, ``x + y`` is ``minitorch.add(x, y)``,
``x.add_(y)`` computes ``add(x, y)`` and writes it back (``_ops/_inplace.py``).
Keeping the methods here, generated from the functional ops, means each op is
written once.
"""

from __future__ import annotations

import functools
import inspect

import numpy as np

from .._core import dtype as _dtype
from .._core.args import bool_argument, layout_arguments, number_argument, tensor_argument
from .._ops.creation.factories import fill_value_as, from_numpy
from .._core.device import to_device
from .._ops.pointwise import compare as cmp
from .._ops.pointwise import binary as ew
from .._ops.indexing import getitem as indexing
from .._ops import _promotion as promotion
from .._ops._inplace import Overwrite, write_inplace
from .._ops.pointwise.unary import unary
from .._core.strides import contiguous_strides, numel, preserved_strides
from .tensor import Tensor
from ..autograd import grad_mode
from ..autograd.function import Primitive
from ..backends import backend_of


# ----------------------------------------------------------------------------- copies and casts
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


def _contiguous(input: Tensor, *, memory_format=None) -> Tensor:
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
            from ..backends import move_to_device

            out = move_to_device(out, dev)
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


def _cast(dt):
    def method(self, *, memory_format=None):
        layout_arguments(dt.name, memory_format=memory_format)
        return self.to(dt)

    method.__name__ = dt.name
    return method


# ----------------------------------------------------------------------------- in-place
def _method(fn):
    """``fn`` as a Tensor method: PyTorch's methods take no ``out=`` (only ``torch.fn`` does), so a
    function with an ``out`` parameter is wrapped to refuse it with PyTorch's TypeError."""
    if "out" not in inspect.signature(fn).parameters:
        return fn

    @functools.wraps(fn)
    def method(self, *args, **kwargs):
        if "out" in kwargs:
            raise TypeError(f"{fn.__name__}() got an unexpected keyword argument 'out'")
        return fn(self, *args, **kwargs)

    return method


def _inplace(fn):
    """``x.op_(...)``: compute ``op(x, ...)`` then write it into ``x``."""

    def method(self, *args, **kwargs):
        self._check_inplace()
        return write_inplace(self, fn(self, *args, **kwargs))

    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place version of :meth:`{fn.__name__}`."
    return method


def fill_(self: Tensor, value) -> Tensor:
    """Fill with ``value`` (a number, or a 0-d tensor whose gradient then flows back)."""
    self._check_inplace()
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value.dim()} dimensions."
            )
        return write_inplace(self, value.to(self.dtype).expand(self.shape))
    value = fill_value_as(number_argument("fill_", "value", value, 1), self.dtype)
    xp = backend_of(self._data)
    filled = xp.full(self._data.shape, value, dtype=self._data.dtype)
    return write_inplace(self, self._wrap_result(filled))


def zero_(self: Tensor) -> Tensor:
    return fill_(self, 0)


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


def type_as(self: Tensor, other: Tensor) -> Tensor:
    """``self`` cast to ``other``'s dtype (``self`` itself when it already has it)."""
    tensor_argument("type_as", other, "other", 1)
    return self.to(other.dtype)


def t_(self: Tensor) -> Tensor:
    """In-place ``t()``: ``self`` becomes its own transpose (a view of the same memory, with the
    transposed shape and strides); 0-d and 1-d tensors are returned as they are."""
    if self.dim() > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {self.dim()}D")
    self._check_inplace()
    if self.dim() < 2:
        return self
    y = self.t()
    self._data, self._storage, self._stride, self._offset_cache = y._data, y._storage, y._stride, None
    if y.grad_fn is not None:
        self.grad_fn, self._output_nr = y.grad_fn, y._output_nr
    return self


def _bitwise_operator(name: str):
    """``&``, ``|``, ``^``: logical for two bools (``mask & other_mask``), bitwise otherwise (an
    int with a bool promotes to int; a float operand raises, as in PyTorch)."""
    bitwise, logical = getattr(cmp, f"bitwise_{name}"), f"logical_{name}"

    def method(self, other):
        if not isinstance(other, (Tensor, bool, int, float)):
            return NotImplemented
        bools = self.dtype is _dtype.bool_ and (other.dtype is _dtype.bool_ if isinstance(other, Tensor)
                                                 else isinstance(other, bool))
        return cmp._logical(logical, self, other if isinstance(other, Tensor) else self.new_full((), other))\
            if bools else bitwise(self, other)

    method.__name__ = f"__{name}__"
    return method


def _conjugate_transpose(self: Tensor) -> Tensor:
    """``x.H``: the (conjugate) transpose of a matrix; real tensors, so ``x.t()``."""
    if self.dim() not in (0, 2):
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.dim()}-D tensor.")
    return self.t()


def _matrix_transpose(self: Tensor, name: str) -> Tensor:
    """``x.mT``: the last two dims swapped; PyTorch refuses tensors with fewer than two dims
    (a 0-d tensor is returned as it is)."""
    if self.dim() == 0:
        return self
    if self.dim() < 2:
        raise RuntimeError(f"tensor.{name} is only supported on matrices or batches of matrices. "
                           f"Got {self.dim()}-D tensor.")
    return self.transpose(-2, -1)


def _pos(self: Tensor) -> Tensor:
    """``+x``: ``x`` itself; PyTorch refuses bool tensors."""
    if self.dtype is _dtype.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return self


def _operand_or_not_implemented(fn):
    """A binary dunder that returns ``NotImplemented`` for an operand that is neither a Tensor nor a
    number, so that Python raises its TypeError ("unsupported operand type(s) for @"). A NumPy
    scalar counts as the Python number it holds."""
    def method(self, other):
        if isinstance(other, np.generic) and not isinstance(other, (np.ndarray, np.object_)):
            other = other.item()
        if not isinstance(other, (Tensor, bool, int, float)):
            return NotImplemented
        return fn(self, other)

    method.__name__ = fn.__name__
    return method


def _tensor_operand(fn):
    def method(self, other):
        return fn(self, other) if isinstance(other, Tensor) else NotImplemented

    return method


# ----------------------------------------------------------------------------- NumPy operands
# As in PyTorch, ``tensor + ndarray`` is left to NumPy: the Tensor's operator declines
# (NotImplemented), NumPy's reflected operator computes on ``np.asarray(tensor)`` and wraps the
# result back into a tensor with ``__array_wrap__``, so NumPy's dtype rules apply (float32 plus a
# float64 array is float64). ``ndarray + tensor`` is a TypeError: ``__array_priority__`` makes NumPy
# defer to the Tensor, whose reflected operator declines as well; only ``ndarray / tensor`` is
# computed, as PyTorch's ``tensor.reciprocal() * ndarray``.
def _declines_arrays(fn):
    def method(self, other):
        return NotImplemented if isinstance(other, np.ndarray) else fn(self, other)

    method.__name__ = getattr(fn, "__name__", "method")
    return method


def _rtruediv(self: Tensor, other):
    """PyTorch's ``other / self`` is ``self.reciprocal() * other`` (MulBackward0 over
    ReciprocalBackward0, and its values: 0 / 1e-177 has a NaN gradient, 1 / x**2 overflowing)."""
    if isinstance(other, np.ndarray):
        return self.reciprocal() * other
    return _operand_or_not_implemented(lambda s, o: ew.mul(s.reciprocal(), o))(self, other)


def _array_wrap(self: Tensor, array: np.ndarray, context=None, return_scalar: bool = False) -> Tensor:
    """A NumPy function's result on a tensor (``np.exp(t)``, ``t + ndarray``), as a tensor; a bool
    result becomes uint8, as PyTorch's ``__array_wrap__`` does."""
    if array.dtype == np.bool_:
        array = array.astype(np.uint8)
    return from_numpy(array if array.flags.c_contiguous else array.copy())


def _compare_array(fn):
    """``tensor == ndarray``: the array as a tensor (PyTorch compares; ``t < ndarray`` is a TypeError)."""
    def method(self, other):
        if isinstance(other, np.ndarray) and other.dtype.kind in "biuf":
            other = from_numpy(other if other.flags.c_contiguous else other.copy())
        return fn(self, other) if isinstance(other, (Tensor, int, float, bool)) else NotImplemented

    return method


# ----------------------------------------------------------------------------- binding
def _invert(self: Tensor) -> Tensor:
    """``~x``: logical not for bool tensors, bitwise not for integers; floats raise TypeError."""
    if self.dtype.is_floating_point:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return cmp.logical_not(self) if self.dtype is _dtype.bool_ else cmp.bitwise_not(self)


def _bind() -> None:
    T = Tensor
    from .._ops import _table as F

    for name, fn in F.METHOD_FUNCTIONS.items():
        setattr(T, name, _method(fn))
    for name in F.INPLACE:
        setattr(T, name + "_", _inplace(_method(F.METHOD_FUNCTIONS.get(name) or getattr(F, name))))
    T.float, T.double, T.half = _cast(_dtype.float32), _cast(_dtype.float64), _cast(_dtype.float16)
    T.long, T.int, T.short = _cast(_dtype.int64), _cast(_dtype.int32), _cast(_dtype.int16)
    T.char, T.byte, T.bool = _cast(_dtype.int8), _cast(_dtype.uint8), _cast(_dtype.bool_)
    T.to, T.clone, T.contiguous = to, clone, _contiguous
    T.cpu, T.cuda = cpu, cuda
    T.fill_, T.zero_, T.copy_ = fill_, zero_, copy_
    T.type_as, T.t_ = type_as, t_

    T.__getitem__ = indexing.getitem
    T.__setitem__ = indexing.setitem
    T.__array_priority__ = 1000  # NumPy defers to the Tensor's operators (see _declines_arrays)
    T.__array_wrap__ = _array_wrap
    T.__add__ = _declines_arrays(lambda s, o: ew.add(s, o))
    T.__sub__ = _declines_arrays(lambda s, o: ew.sub(s, o))
    T.__mul__ = _declines_arrays(lambda s, o: ew.mul(s, o))
    T.__truediv__ = _declines_arrays(lambda s, o: ew.div(s, o))
    T.__floordiv__ = _declines_arrays(lambda s, o: ew.floor_divide(s, o))
    T.__mod__ = _declines_arrays(lambda s, o: ew.remainder(s, o))
    T.__pow__ = _declines_arrays(lambda s, o: ew.pow(s, o))
    # Reflected forms run only when the left operand is not a Tensor: a number, or something
    # Python should be told we do not handle (``None ** x`` is then Python's TypeError).
    T.__radd__ = _operand_or_not_implemented(lambda s, o: ew.add(s, o))
    T.__rsub__ = _operand_or_not_implemented(lambda s, o: ew.rsub(s, o))
    T.__rmul__ = _operand_or_not_implemented(lambda s, o: ew.mul(s, o))
    T.__rtruediv__ = _rtruediv
    T.__rfloordiv__ = _operand_or_not_implemented(lambda s, o: ew.floor_divide(o, s))
    T.__rmod__ = _operand_or_not_implemented(lambda s, o: ew.remainder(o, s))
    T.__rpow__ = _operand_or_not_implemented(lambda s, o: ew.pow(o, s))
    T.__matmul__ = _tensor_operand(lambda s, o: F.matmul(s, o))
    T.__rmatmul__ = _tensor_operand(lambda s, o: F.matmul(o, s))
    T.__neg__ = lambda s: unary("neg", s)
    T.__pos__ = _pos
    T.__abs__ = lambda s: unary("abs", s)
    T.__invert__ = _invert
    T.__and__ = T.__rand__ = _bitwise_operator("and")
    T.__or__ = T.__ror__ = _bitwise_operator("or")
    T.__xor__ = T.__rxor__ = _bitwise_operator("xor")
    T.__eq__ = _compare_array(cmp.eq)
    T.__ne__ = _compare_array(cmp.ne)
    T.__lt__ = lambda s, o: cmp.lt(s, o)
    T.__le__ = lambda s, o: cmp.le(s, o)
    T.__gt__ = lambda s, o: cmp.gt(s, o)
    T.__ge__ = lambda s, o: cmp.ge(s, o)
    T.__iadd__ = _declines_arrays(lambda s, o: s.add_(o))
    T.__isub__ = _declines_arrays(lambda s, o: s.sub_(o))
    T.__imul__ = _declines_arrays(lambda s, o: s.mul_(o))
    T.__itruediv__ = _declines_arrays(lambda s, o: s.div_(o))
    T.__ipow__ = _declines_arrays(lambda s, o: s.pow_(o))
    T.__lshift__ = _operand_or_not_implemented(lambda s, o: cmp.bitwise_left_shift(s, o))
    T.__rshift__ = _operand_or_not_implemented(lambda s, o: cmp.bitwise_right_shift(s, o))
    T.__rlshift__ = _operand_or_not_implemented(lambda s, o: cmp.bitwise_left_shift(o, s))
    T.__rrshift__ = _operand_or_not_implemented(lambda s, o: cmp.bitwise_right_shift(o, s))
    T.__ilshift__ = lambda s, o: s.bitwise_left_shift_(o)
    T.__irshift__ = lambda s, o: s.bitwise_right_shift_(o)
    T.__hash__ = lambda s: id(s)
    T.T = property(lambda s: s.permute(tuple(range(s.dim() - 1, -1, -1))))
    T.mT = property(lambda s: _matrix_transpose(s, "mT"))
    T.H = property(_conjugate_transpose)
    T.mH = property(lambda s: _matrix_transpose(s, "mH"))
