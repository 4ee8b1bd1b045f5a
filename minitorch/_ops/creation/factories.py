"""Tensor creation: from data (``tensor``, ``as_tensor``, ``from_numpy``) and factories (``zeros``...).

``tensor(data)`` always copies; ``as_tensor`` and ``from_numpy`` share memory
with a NumPy array when they can. dtypes are inferred as PyTorch does
(``_dtype.infer_dtype``): Python ints give int64, floats the default dtype.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..._core import dtype as _dtype
from ..._core.args import (
    check_storage_size,
    int_sizes,
    layout_arguments,
    nonnegative_shape,
    number_argument,
    pin_memory_argument,
    scalar_in_range,
    sizes_argument,
    tensor_argument,
)
from ..._core.device import to_device
from ..._core.strides import contiguous_strides, numel, preserved_strides
from ..._tensor.tensor import Tensor
from ...backends import cpu
from .factory_args import _check_out, _factory_dtype, _finish

_C_TYPES = {"int64": "int64_t", "int32": "int", "int16": "int16_t", "int8": "int8_t", "uint8": "uint8_t",
            "float64": "double", "float32": "float", "float16": "c10::Half"}


def fill_value_as(value, dt: _dtype.dtype):
    """``value`` converted to ``dt`` as PyTorch converts a fill value (``full``, ``fill_``): checked,
    so that a value the dtype cannot hold raises "value cannot be converted to type int8_t without
    overflow" instead of wrapping (as an operand of ``+`` does). Negative ints still wrap into an
    unsigned type, and floats are truncated toward zero for integer types, as C++ casts do."""
    if isinstance(value, np.generic):
        value = value.item()
    value = scalar_in_range(value)
    if dt is _dtype.bool_ or isinstance(value, bool):
        return value
    overflow = RuntimeError(f"value cannot be converted to type {_C_TYPES[dt.name]} without overflow")
    if dt.is_floating_point:
        if math.isfinite(value) and abs(value) > float(np.finfo(dt.np).max):
            raise overflow
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise overflow
        value = int(value)
    info = np.iinfo(dt.np)
    lowest = -int(info.max) if info.min == 0 else int(info.min)
    if not lowest <= value <= int(info.max):
        raise overflow
    return value % (int(info.max) + 1) if value < 0 and info.min == 0 else value


def allocate(shape: tuple[int, ...], dt: _dtype.dtype, fill=0) -> np.ndarray:
    """A new dense array of ``shape`` filled with ``fill``: the one place where factories allocate.

    The byte count is checked first (``_args.check_storage_size``), so an impossible size raises
    PyTorch's RuntimeError instead of NumPy's MemoryError or ValueError; ``fill`` is converted with
    :func:`fill_value_as`.
    """
    check_storage_size(shape, dt.itemsize)
    fill = fill_value_as(fill, dt)
    try:
        return np.zeros(shape, dt.np) if fill == 0 and not isinstance(fill, str) else np.full(shape, fill, dt.np)
    except MemoryError:
        nbytes = dt.itemsize * numel(shape)
        raise RuntimeError(f"DefaultCPUAllocator: can't allocate memory: you tried to allocate {nbytes} bytes.") from None


# ----------------------------------------------------------------------------- tensor(data)
def _is_sequence(obj) -> bool:
    return isinstance(obj, (list, tuple, range, np.ndarray))


def _compute_sizes(data) -> list[int]:
    """The shape PyTorch reads off nested sequences: the lengths along the first element of each level."""
    sizes = []
    seq = data
    while _is_sequence(seq):
        n = len(seq)
        sizes.append(n)
        if n == 0:
            break
        seq = seq[0]
    return sizes


def _flatten(data, sizes: list[int], dim: int, out: list) -> None:
    """Append the leaves of ``data`` to ``out``, raising PyTorch's errors for ragged nesting."""
    if dim == len(sizes):
        out.append(data)
        return
    if not _is_sequence(data):
        raise TypeError("not a sequence")
    if len(data) != sizes[dim]:
        raise ValueError(f"expected sequence of length {sizes[dim]} at dim {dim} (got {len(data)})")
    for item in data:
        _flatten(item, sizes, dim + 1, out)


def _infer_leaf_dtype(leaf) -> _dtype.dtype:
    if isinstance(leaf, (list, tuple)):  # a ragged leaf: PyTorch infers the dtype before checking the shape
        return _dtype.infer_dtype(leaf)
    if isinstance(leaf, Tensor):
        return leaf.dtype
    if isinstance(leaf, (np.generic, np.ndarray)):
        return _dtype.from_numpy_dtype(leaf.dtype)
    if isinstance(leaf, (bool, int, float)):
        return _dtype.scalar_dtype(leaf)
    if isinstance(leaf, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(leaf).__name__}'")
    raise RuntimeError(f"Could not infer dtype of {type(leaf).__name__}")


def _leaf_value(leaf, dt: _dtype.dtype):
    """One leaf as a Python number for ``dt``, with PyTorch's conversion rules and errors."""
    integral = not dt.is_floating_point and dt is not _dtype.bool_
    if isinstance(leaf, Tensor):
        if integral and (leaf.dtype.is_floating_point or leaf.numel() != 1):
            raise TypeError("only integer tensors of a single element can be converted to an index")
        if leaf.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        leaf = leaf.item()
    elif isinstance(leaf, np.generic):
        if integral and isinstance(leaf, np.bool_):  # PyTorch reads an integer through __index__, which
            # NumPy's bool lacks (Python's bool has it, so True is fine)
            raise TypeError(f"'numpy.{type(leaf).__name__}' object cannot be interpreted as an integer")
        leaf = leaf.item()
    if dt is _dtype.bool_:
        return bool(leaf)
    if not isinstance(leaf, (bool, int, float)):
        if integral:
            raise TypeError(f"'{type(leaf).__name__}' object cannot be interpreted as an integer")
        raise TypeError(f"must be real number, not {type(leaf).__name__}")
    if not integral:
        return float(leaf)
    if isinstance(leaf, float):
        if not math.isfinite(leaf):
            raise RuntimeError(f"value cannot be converted to type {dt.name} without overflow")
        leaf = int(leaf)
    if not -(2**63) <= leaf < 2**63:
        raise ValueError("Overflow when unpacking long long")
    info = np.iinfo(dt.np)
    # unsigned types accept negatives that wrap (two's complement), as C++ casts do
    lowest = -int(info.max) if info.min == 0 else int(info.min)
    if not lowest <= leaf <= int(info.max):
        raise RuntimeError(f"value cannot be converted to type {dt.name} without overflow")
    return leaf % (int(info.max) + 1) if leaf < 0 and info.min == 0 else leaf


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested sequences of numbers, NumPy arrays or tensors).

    The shape is read off the first element at each level; every other element
    must match it. Tensors inside lists count as numbers (one element each).
    The dtype is the promotion of all leaves' dtypes (bool < int64 < default float).
    """
    pin_memory_argument("tensor", pin_memory, optional=False)
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
            "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
        dt = _dtype.to_dtype(dtype, "tensor") if dtype is not None else data.dtype
        array = data.detach()._to_numpy().astype(dt.np, copy=True)
        return _finish(array, device if device is not None else data.device, requires_grad)
    if isinstance(data, np.ndarray):
        from_numpy(data)  # PyTorch's checks (negative strides, dtype)
        dt = _dtype.to_dtype(dtype) if dtype is not None else _dtype.from_numpy_dtype(data.dtype)
        t = _finish(np.array(data, dtype=dt.np), device, requires_grad)
        if data.flags.c_contiguous:
            # PyTorch keeps a row-major array's own strides, even the arbitrary ones NumPy gives
            # size-1 and empty dims.
            t._stride = tuple(st // data.itemsize for st in data.strides)
        return t
    sizes = _compute_sizes(data)
    leaves: list = []
    _flatten(data, sizes, 0, leaves)
    if dtype is not None:
        dt = _dtype.to_dtype(dtype, "tensor")
    elif not leaves:
        dt = _dtype.get_default_dtype()
    else:
        dt = _infer_leaf_dtype(leaves[0])
        for leaf in leaves[1:]:
            dt = _dtype.promote_types(dt, _infer_leaf_dtype(leaf))
    with np.errstate(over="ignore"):  # float overflow gives inf, as in PyTorch
        array = np.array([_leaf_value(v, dt) for v in leaves], dtype=dt.np).reshape(sizes)
    return _finish(array, device, requires_grad)


def legacy_tensor(data, dtype: _dtype.dtype, device) -> Tensor:
    """``Tensor(data)``/``FloatTensor(data)``: a copy of a sequence; a number or a string is refused
    as in PyTorch (a number would be a size, and only a sequence is data)."""
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    if not isinstance(data, (list, tuple, range, np.ndarray)):
        raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
    return tensor(data, dtype=dtype, device=device)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Share memory with a NumPy array or tensor when dtype and device allow, else copy.
    No ``device`` means the default device (``set_default_device``), as in PyTorch."""
    target = to_device(device)
    if isinstance(data, Tensor):
        out = data
        if dtype is not None:
            out = out.to(_dtype.to_dtype(dtype))
        if out.device != target:
            out = out.to(target)
        return out
    if isinstance(data, np.ndarray):
        t = from_numpy(data)
        if dtype is not None and _dtype.to_dtype(dtype) is not t.dtype:
            t = t.to(_dtype.to_dtype(dtype))
        if target.type != "cpu":
            t = t.to(target)
        return t
    return tensor(data, dtype=dtype, device=device)


def asarray(obj, *, dtype=None, device=None, copy: bool | None = None, requires_grad: bool | None = None) -> Tensor:
    """``as_tensor`` with NumPy's ``copy`` rule: ``None`` shares memory when it can, ``True`` always
    copies, ``False`` never does (ValueError where it would have to). ``requires_grad`` (None: keep
    ``obj``'s) makes the result require grad (a leaf, unless it already had a graph), or cuts it from the graph."""
    if copy is False:
        source = obj if isinstance(obj, Tensor) else from_numpy(obj) if isinstance(obj, np.ndarray) else None
        if source is None:
            raise ValueError("can't alias arbitrary sequence into a tensor.")
        if dtype is not None and _dtype.to_dtype(dtype) is not source.dtype:
            from .._out import _legacy

            raise ValueError(f"can't alias tensor with dtype '{_legacy(source.dtype)}' into dtype "
                             f"'{_legacy(_dtype.to_dtype(dtype))}'.")
        if device is not None and to_device(device) != source.device:
            raise ValueError(f"can't alias tensor from device '{source.device}' to '{to_device(device)}'.")
        t = source
    else:
        t = as_tensor(obj, dtype=dtype, device=device)
        if copy and isinstance(obj, (Tensor, np.ndarray)):  # as_tensor may have shared its memory
            t = t.clone()
    if requires_grad and not t.requires_grad:
        t = (t.detach() if t is obj else t).requires_grad_(True)
    elif requires_grad is False and t.requires_grad:
        t = t.detach()
    return t


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor that shares ``ndarray``'s memory: writes to either are seen by both."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dtype.from_numpy_dtype(ndarray.dtype)
    if any(s < 0 for s in ndarray.strides):
        raise ValueError(
            "At least one stride in the given numpy array is negative, and tensors with negative strides "
            "are not currently supported. (You can probably work around this by making a copy of your array "
            " with array.copy().) "
        )
    if any(s % ndarray.itemsize for s in ndarray.strides):
        raise ValueError("given numpy array strides not a multiple of the element byte size. Copy the numpy array to reallocate the memory.")
    if not ndarray.flags.writeable:
        warnings.warn(
            "The given NumPy array is not writable, and PyTorch does not support non-writable tensors. "
            "This means writing to this tensor will result in undefined behavior.",
            UserWarning,
            stacklevel=2,
        )
    if not ndarray.dtype.isnative:
        raise ValueError("given numpy array has byte order different from the native byte order.")
    t = Tensor._make(ndarray)
    # The array's own strides, as PyTorch keeps them (NumPy's for size-1 and empty dims are arbitrary).
    t._stride = tuple(s // ndarray.itemsize for s in ndarray.strides)
    return t


# ----------------------------------------------------------------------------- factories
def _size_arg(fn: str, size: tuple) -> tuple[int, ...]:
    """``size`` of a factory (varargs or one sequence), with PyTorch's argument-parser errors."""
    if not size:
        raise TypeError(f'{fn}() missing 1 required positional arguments: "size"')
    shape = int_sizes(fn, size)
    if fn == "zeros" and any(s < 0 for s in shape):
        raise RuntimeError("zeros: Dimension size must be non-negative.")
    return nonnegative_shape(shape)


def zeros(*sizes, size=None, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
          pin_memory=False) -> Tensor:
    """A tensor of zeros of shape ``size`` (varargs, one sequence, or ``size=``)."""
    pin_memory_argument("zeros", pin_memory)
    layout_arguments("zeros", layout)
    shape = _size_arg("zeros", sizes_argument("zeros", sizes, size))
    dt = _factory_dtype(dtype, out=out, op="zeros")
    return _check_out(out, _finish(allocate(shape, dt), device, requires_grad))


def ones(*sizes, size=None, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
         pin_memory=False) -> Tensor:
    """A tensor of ones of shape ``size`` (varargs, one sequence, or ``size=``)."""
    pin_memory_argument("ones", pin_memory)
    layout_arguments("ones", layout)
    shape = _size_arg("ones", sizes_argument("ones", sizes, size))
    dt = _factory_dtype(dtype, out=out, op="ones")
    return _check_out(out, _finish(allocate(shape, dt, 1), device, requires_grad))


def empty(*sizes, size=None, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
          pin_memory=False, memory_format=None) -> Tensor:
    """An uninitialised tensor of shape ``size`` (minitorch fills it with zeros, which is one valid garbage)."""
    pin_memory_argument("empty", pin_memory)
    layout_arguments("empty", layout, memory_format)
    shape = _size_arg("empty", sizes_argument("empty", sizes, size))
    dt = _factory_dtype(dtype, out=out, op="empty")
    return _check_out(out, _finish(allocate(shape, dt), device, requires_grad))


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value``; the dtype is inferred from the value.

    bool -> bool, int -> int64, float -> the default dtype.
    """
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}")
    if isinstance(fill_value, Tensor) and fill_value.dim() == 0:
        fill_value = fill_value.item()
    if isinstance(fill_value, Tensor):
        raise TypeError("full(): argument 'fill_value' (position 2) must be Number, not Tensor")
    fill_value = number_argument("full", "fill_value", fill_value, 2)
    dt = _factory_dtype(dtype, _dtype.scalar_dtype(fill_value), out=out, op="full")
    shape = _size_arg("full", (size,))
    return _check_out(out, _finish(allocate(shape, dt, fill_value), device, requires_grad))


def eye(n: int, m: int | None = None, *, out=None, dtype=None, layout=None, device=None,
        requires_grad: bool = False) -> Tensor:
    """An ``n x m`` matrix with ones on the diagonal."""
    for name, v, pos in (("n", n, 1), ("m", m, 2)):
        if v is not None and not isinstance(v, (int, np.integer)):
            raise TypeError(f"eye(): argument '{name}' (position {pos}) must be int, not {type(v).__name__}")
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m is not None and m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    dt = _factory_dtype(dtype, out=out, op="eye")
    check_storage_size((n, n if m is None else m), dt.itemsize)
    return _check_out(out, _finish(np.eye(n, m, dtype=dt.np), device, requires_grad))


def _like(input: Tensor, dtype, device, op: str | None = None):
    return (
        _dtype.to_dtype(dtype, op) if dtype is not None else input.dtype,
        device if device is not None else input.device,
    )


def _filled_like(input: Tensor, fill_value, dtype, device, requires_grad, op: str) -> Tensor:
    """A tensor of ``input``'s shape and layout (``preserve_format``, as ``clone``) filled with
    ``fill_value``: a transposed input gives a transposed result, as in PyTorch."""
    tensor_argument(op, input)
    dt, dev = _like(input, dtype, device, op)
    shape, strides = tuple(input.shape), preserved_strides(input.shape, input.stride())
    storage = allocate((numel(shape),), dt, fill_value)
    array = storage.reshape(shape) if strides == contiguous_strides(shape) else cpu.as_strided(storage, shape, strides, 0)
    return _finish(array, dev, requires_grad)


def zeros_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    return _filled_like(input, 0, dtype, device, requires_grad, "zeros_like")


def ones_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    return _filled_like(input, 1, dtype, device, requires_grad, "ones_like")


def empty_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    """Uninitialised in PyTorch; zeros here (as ``empty``)."""
    return _filled_like(input, 0, dtype, device, requires_grad, "empty_like")


def full_like(input: Tensor, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None) -> Tensor:
    """``full(input.shape, fill_value)`` with ``input``'s dtype (the value is cast to it) and layout."""
    tensor_argument("full_like", input)
    if isinstance(fill_value, Tensor) and fill_value.dim() == 0:
        fill_value = fill_value.item()
    fill_value = number_argument("full_like", "fill_value", fill_value, 2)
    return _filled_like(input, fill_value, dtype, device, requires_grad, "full_like")


from .ranges import arange, linspace, logspace  # noqa: F401  (re-exported)
