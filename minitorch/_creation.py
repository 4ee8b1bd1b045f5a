"""Tensor creation: from data (``tensor``, ``as_tensor``, ``from_numpy``) and factories (``zeros``...).

``tensor(data)`` always copies; ``as_tensor`` and ``from_numpy`` share memory
with a NumPy array when they can. dtypes are inferred as PyTorch does
(``_dtype.infer_dtype``): Python ints give int64, floats the default dtype.
"""

from __future__ import annotations

import warnings

import numpy as np

from . import _dtype
from ._args import normalize_shape
from ._device import to_device
from ._tensor import Tensor


def _finish(array: np.ndarray, device, requires_grad: bool) -> Tensor:
    dev = to_device(device)
    if dev.type != "cpu":
        from .backends import get_backend

        array = get_backend(dev).from_numpy(array, dev)
    t = Tensor._make(array, dev)
    if requires_grad:
        t.requires_grad = True
    return t


def _to_numpy_nested(data):
    """Lists may hold tensors and NumPy scalars; turn them into plain values NumPy understands."""
    if isinstance(data, Tensor):
        return data.detach().cpu().numpy()
    if isinstance(data, (list, tuple)):
        return [_to_numpy_nested(d) for d in data]
    return data


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, numbers, NumPy arrays or tensors)."""
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
            "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
    dt = _dtype.to_dtype(dtype) if dtype is not None else _dtype.infer_dtype(data)
    try:
        array = np.array(_to_numpy_nested(data), dtype=dt.np)
    except ValueError as e:
        raise ValueError(str(e).replace("setting an array element with a sequence", "expected sequence of equal length")) from None
    except TypeError:
        raise TypeError(f"Could not infer dtype of {type(data).__name__}") from None
    if array.dtype == object:
        raise TypeError(f"Could not infer dtype of {type(data).__name__}")
    return _finish(array, device, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Share memory with a NumPy array or tensor when dtype and device allow, else copy."""
    if isinstance(data, Tensor):
        out = data
        if dtype is not None:
            out = out.to(_dtype.to_dtype(dtype))
        if device is not None:
            out = out.to(to_device(device))
        return out
    if isinstance(data, np.ndarray):
        t = from_numpy(data)
        if dtype is not None and _dtype.to_dtype(dtype) is not t.dtype:
            t = t.to(_dtype.to_dtype(dtype))
        if device is not None and to_device(device).type != "cpu":
            t = t.to(to_device(device))
        return t
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


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
    if not ndarray.flags.c_contiguous:
        t._stride = tuple(s // ndarray.itemsize for s in ndarray.strides)
    return t


# ----------------------------------------------------------------------------- factories
def _factory_dtype(dtype, default=None) -> _dtype.dtype:
    if dtype is not None:
        return _dtype.to_dtype(dtype)
    return default if default is not None else _dtype.get_default_dtype()


def _check_out(out, t):
    if out is None:
        return t
    from ._ops._out import finish

    return finish(t, out)


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False, pin_memory=False) -> Tensor:
    """A tensor of zeros of shape ``size``."""
    dt = _factory_dtype(dtype)
    return _check_out(out, _finish(np.zeros(normalize_shape(size), dt.np), device, requires_grad))


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False, pin_memory=False) -> Tensor:
    """A tensor of ones of shape ``size``."""
    dt = _factory_dtype(dtype)
    return _check_out(out, _finish(np.ones(normalize_shape(size), dt.np), device, requires_grad))


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False, pin_memory=False,
          memory_format=None) -> Tensor:
    """An uninitialised tensor of shape ``size`` (minitorch fills it with zeros, which is one valid garbage)."""
    dt = _factory_dtype(dtype)
    return _check_out(out, _finish(np.zeros(normalize_shape(size), dt.np), device, requires_grad))


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value``; dtype inferred from the value."""
    dt = _factory_dtype(dtype, _dtype.scalar_dtype(fill_value) if not isinstance(fill_value, Tensor) else fill_value.dtype)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _check_out(out, _finish(np.full(normalize_shape((size,)), fill_value, dt.np), device, requires_grad))


def eye(n: int, m: int | None = None, *, out=None, dtype=None, layout=None, device=None,
        requires_grad: bool = False) -> Tensor:
    """An ``n x m`` matrix with ones on the diagonal."""
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m is not None and m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    dt = _factory_dtype(dtype)
    return _check_out(out, _finish(np.eye(n, m, dtype=dt.np), device, requires_grad))


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) spaced ``step``; int64 unless a bound is a float."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    is_float = any(isinstance(v, float) for v in vals)
    dt = _factory_dtype(dtype, _dtype.get_default_dtype() if is_float else _dtype.int64)
    import math

    n = max(0, math.ceil((end - start) / step))
    # Computed in float64 (int64 for integers) then cast, as PyTorch does: start + i * step.
    values = start + np.arange(n, dtype=np.float64 if is_float or dt.is_floating_point else np.int64) * step
    return _check_out(out, _finish(values.astype(dt.np), device, requires_grad))


def linspace(start, end, steps: int, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dt = _factory_dtype(dtype)
    # PyTorch computes the first half from start and the second half from end (symmetric rounding).
    step = (end - start) / (steps - 1) if steps > 1 else 0.0
    i = np.arange(steps, dtype=np.float64)
    half = steps // 2
    values = np.where(i < half, start + step * i, end - step * (steps - 1 - i))
    return _check_out(out, _finish(values.astype(dt.np), device, requires_grad))


def logspace(start, end, steps: int, base: float = 10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``."""
    dt = _factory_dtype(dtype)
    exps = linspace(start, end, steps, dtype=_dtype.float64)._data
    return _check_out(out, _finish((base ** exps).astype(dt.np), device, requires_grad))


def _like(input: Tensor, dtype, device):
    return (
        _dtype.to_dtype(dtype) if dtype is not None else input.dtype,
        device if device is not None else input.device,
    )


def zeros_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    dt, dev = _like(input, dtype, device)
    return zeros(input.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def ones_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    dt, dev = _like(input, dtype, device)
    return ones(input.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def empty_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    dt, dev = _like(input, dtype, device)
    return empty(input.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def full_like(input: Tensor, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None) -> Tensor:
    dt, dev = _like(input, dtype, device)
    return full(input.shape, fill_value, dtype=dt, device=dev, requires_grad=requires_grad)
