"""The CUDA backend: arrays are torch tensors on a CUDA device, with NumPy's names and signatures.

Every entry of ``backends/cpu.py`` has a counterpart here that takes and returns
``torch.Tensor`` s, so a ``Primitive.forward`` written as ``xp = backend_of(a); xp.exp(a)``
runs unchanged on the GPU. The translation is mostly names (``axis`` -> ``dim``,
``keepdims`` -> ``keepdim``, ``concatenate`` -> ``cat``) and NumPy dtypes -> torch dtypes.
Convolution and pooling (``torch_nn.py``, re-exported here) use ``torch.nn.functional`` and
``torch.nn.grad`` on plain tensors.

No tensor here ever requires grad: minitorch's own autograd records the graph, torch is
only the array library. torch is imported when this module is, i.e. when the first CUDA
tensor is made (``backends.get_backend``); ``import minitorch`` does not import it.

Fake CUDA: with the environment variable ``MINITORCH_FAKE_CUDA=1`` the "CUDA" arrays are torch
*CPU* tensors. Tensors still report ``device='cuda:0'`` and ``minitorch.cuda.is_available()``
is True, so the parity suite and the examples exercise this whole backend on a machine
without a GPU (``MINITORCH_FAKE_CUDA=1 python -m pytest parity_tests --device cuda``).
"""

from __future__ import annotations

import builtins
import os

import numpy as np
import torch

from .torch_nn import *  # convolution and pooling: part of this namespace

name = "cuda"
ndarray = torch.Tensor
FAKE = os.environ.get("MINITORCH_FAKE_CUDA") == "1"
device = torch.device("cpu") if FAKE else torch.device("cuda")  # where the arrays live

_py_sum, _py_abs, _py_round, _py_all, _py_any = builtins.sum, builtins.abs, builtins.round, builtins.all, builtins.any

# ---- dtypes: the backend speaks NumPy dtypes at its boundary (``astype(a, np.float32)``)
_TORCH_OF_NP = {
    np.dtype(np.bool_): torch.bool, np.dtype(np.uint8): torch.uint8, np.dtype(np.int8): torch.int8,
    np.dtype(np.int16): torch.int16, np.dtype(np.int32): torch.int32, np.dtype(np.int64): torch.int64,
    np.dtype(np.float16): torch.float16, np.dtype(np.float32): torch.float32,
    np.dtype(np.float64): torch.float64,
}
_NP_OF_TORCH = {t: n for n, t in _TORCH_OF_NP.items()}


def torch_dtype(d):
    """A torch dtype from a NumPy dtype, a NumPy scalar type, a Python type or a torch dtype (None stays)."""
    if d is None or isinstance(d, torch.dtype):
        return d
    return _TORCH_OF_NP[np.dtype(d)]


def numpy_dtype(a) -> np.dtype:
    """The NumPy dtype of a tensor's elements (what ``a.dtype`` is on the CPU backend)."""
    return _NP_OF_TORCH[a.dtype]


def _t(x, like=None):
    """``x`` as a tensor on the backend's device: NumPy arrays and scalars are copied over."""
    if isinstance(x, torch.Tensor):
        return x
    if isinstance(x, np.ndarray):
        return from_numpy(x)
    if isinstance(x, np.generic):
        return torch.tensor(x.item(), dtype=_TORCH_OF_NP[x.dtype], device=device)
    if isinstance(x, (list, tuple)):
        return from_numpy(np.asarray(x))
    return torch.tensor(x, dtype=like.dtype if like is not None else None, device=device)


def _dim(axis, ndim):
    """NumPy's ``axis`` (None = all, () = none) as a tuple of dims."""
    if axis is None:
        return tuple(range(ndim))
    return tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)


# ---- elementwise: NumPy ufunc calling convention (``out=``, ``dtype=``), torch's kernels
def _ufunc(fn, nin=1):
    def ufunc(*args, out=None, dtype=None, **kwargs):
        tensors = [a for a in args[:nin] if isinstance(a, torch.Tensor)]
        like = tensors[0] if tensors else None
        if fn in _TENSOR_ONLY or not tensors:
            args = tuple(_t(a, like) for a in args[:nin]) + args[nin:]
        else:
            args = tuple(a.item() if isinstance(a, np.generic) else _t(a) if isinstance(a, np.ndarray) else a
                         for a in args[:nin]) + args[nin:]
        if dtype is not None:
            args = tuple(a.to(torch_dtype(dtype)) if isinstance(a, torch.Tensor) else a for a in args)
        r = fn(*args, **kwargs)
        if out is not None:
            out = out[0] if isinstance(out, tuple) else out
            out.copy_(r)
            return out
        return r

    ufunc.__name__ = getattr(fn, "__name__", "ufunc")
    return ufunc


_TENSOR_ONLY = {torch.maximum, torch.minimum, torch.fmax, torch.fmin, torch.atan2, torch.logical_and,
                torch.logical_or, torch.logical_xor, torch.bitwise_and, torch.bitwise_or, torch.bitwise_xor}


def _true_divide(a, b):
    return torch.true_divide(a, b)


def _power(a, b):
    return torch.pow(a, b)


add, subtract, multiply = _ufunc(torch.add, 2), _ufunc(torch.sub, 2), _ufunc(torch.mul, 2)
true_divide, negative = _ufunc(_true_divide, 2), _ufunc(torch.neg)
power, maximum, minimum = _ufunc(_power, 2), _ufunc(torch.maximum, 2), _ufunc(torch.minimum, 2)
fmax, fmin = _ufunc(torch.fmax, 2), _ufunc(torch.fmin, 2)
exp, exp2, expm1 = _ufunc(torch.exp), _ufunc(torch.exp2), _ufunc(torch.expm1)
log, log2, log10, log1p = _ufunc(torch.log), _ufunc(torch.log2), _ufunc(torch.log10), _ufunc(torch.log1p)
sqrt, square, abs, sign = _ufunc(torch.sqrt), _ufunc(torch.square), _ufunc(torch.abs), _ufunc(torch.sign)
reciprocal = _ufunc(torch.reciprocal)
sin, cos, tan = _ufunc(torch.sin), _ufunc(torch.cos), _ufunc(torch.tan)
arcsin, arccos, arctan, arctan2 = _ufunc(torch.asin), _ufunc(torch.acos), _ufunc(torch.atan), _ufunc(torch.atan2, 2)
sinh, cosh, tanh = _ufunc(torch.sinh), _ufunc(torch.cosh), _ufunc(torch.tanh)
floor, ceil, trunc, rint = _ufunc(torch.floor), _ufunc(torch.ceil), _ufunc(torch.trunc), _ufunc(torch.round)
floor_divide, fmod, remainder = _ufunc(torch.floor_divide, 2), _ufunc(torch.fmod, 2), _ufunc(torch.remainder, 2)
equal, not_equal = _ufunc(torch.eq, 2), _ufunc(torch.ne, 2)
less, less_equal, greater, greater_equal = _ufunc(torch.lt, 2), _ufunc(torch.le, 2), _ufunc(torch.gt, 2), _ufunc(
    torch.ge, 2)
logical_and, logical_or, logical_xor = _ufunc(torch.logical_and, 2), _ufunc(torch.logical_or, 2), _ufunc(
    torch.logical_xor, 2)
logical_not = _ufunc(torch.logical_not)
bitwise_and, bitwise_or, bitwise_xor = _ufunc(torch.bitwise_and, 2), _ufunc(torch.bitwise_or, 2), _ufunc(
    torch.bitwise_xor, 2)
invert = _ufunc(torch.bitwise_not)
left_shift, right_shift = _ufunc(torch.bitwise_left_shift, 2), _ufunc(torch.bitwise_right_shift, 2)
isnan, isinf, isfinite = _ufunc(torch.isnan), _ufunc(torch.isinf), _ufunc(torch.isfinite)
erf = _ufunc(torch.erf)


def round(a, decimals=0, out=None):
    r = torch.round(_t(a), decimals=decimals)
    return out.copy_(r) if out is not None else r


def where(condition, x=None, y=None):
    if x is None:
        return nonzero(condition)
    condition = _t(condition)
    x = x.item() if isinstance(x, np.generic) else _t(x) if isinstance(x, np.ndarray) else x
    y = y.item() if isinstance(y, np.generic) else _t(y) if isinstance(y, np.ndarray) else y
    if not isinstance(x, torch.Tensor) and not isinstance(y, torch.Tensor):  # NumPy: the scalars' own types
        x, y = _t(np.asarray(x)), _t(np.asarray(y))
    return torch.where(condition, x, y)


def clip(a, a_min=None, a_max=None, out=None):
    a = _t(a)
    if isinstance(a_min, (torch.Tensor, np.ndarray)) or isinstance(a_max, (torch.Tensor, np.ndarray)):
        a_min = None if a_min is None else _t(a_min, a)
        a_max = None if a_max is None else _t(a_max, a)
    r = torch.clamp(a, a_min, a_max)
    return out.copy_(r) if out is not None else r


def nan_to_num(a, copy=True, nan=0.0, posinf=None, neginf=None):
    return torch.nan_to_num(_t(a), nan=nan, posinf=posinf, neginf=neginf)


# ---- reductions and scans (``axis`` may be None, an int or a tuple; ``()`` reduces nothing)
def _reduce(fn, a, axis, keepdims, **kw):
    a = _t(a)
    dims = _dim(axis, a.ndim)
    if not dims and axis is not None:
        return a.clone() if not kw.get("dtype") else a.to(kw["dtype"])
    if a.ndim == 0:
        return fn(a, **kw)
    return fn(a, dim=dims, keepdim=keepdims, **kw)


def sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    r = _reduce(torch.sum, a, axis, keepdims, dtype=torch_dtype(dtype))
    return out.copy_(r) if out is not None else r


def mean(a, axis=None, dtype=None, out=None, keepdims=False):
    a = _t(a)
    if dtype is None and not a.is_floating_point():
        dtype = np.float64
    r = _reduce(torch.mean, a, axis, keepdims, dtype=torch_dtype(dtype))
    return out.copy_(r) if out is not None else r


def prod(a, axis=None, dtype=None, out=None, keepdims=False):
    a = _t(a)
    dt = torch_dtype(dtype)
    if axis is None:
        r = torch.prod(a, dtype=dt)
        return r.reshape((1,) * a.ndim) if keepdims else r
    r = a.to(dt) if dt is not None else a
    for d in sorted((d % a.ndim for d in _dim(axis, a.ndim)), reverse=True):
        r = torch.prod(r, dim=d, keepdim=keepdims) if r.dtype != torch.bool else torch.prod(r, d, keepdims,
                                                                                          dtype=torch.int64)
    return r


def _empty_reduction(a, dims, op):
    if a.numel() == 0 and _py_any(a.shape[d] == 0 for d in dims):
        raise ValueError(f"zero-size array to reduction operation {op} which has no identity")


def amax(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    a = _t(a)
    _empty_reduction(a, _dim(axis, a.ndim), "maximum")
    return _reduce(torch.amax, a, axis, keepdims)


def amin(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    a = _t(a)
    _empty_reduction(a, _dim(axis, a.ndim), "minimum")
    return _reduce(torch.amin, a, axis, keepdims)


def _no_bool(a):
    a = _t(a)
    return a.to(torch.uint8) if a.dtype == torch.bool else a  # torch's argmax/argmin reject bool


def argmax(a, axis=None, out=None, *, keepdims=False):
    return torch.argmax(_no_bool(a), dim=axis, keepdim=keepdims)


def argmin(a, axis=None, out=None, *, keepdims=False):
    return torch.argmin(_no_bool(a), dim=axis, keepdim=keepdims)


def all(a, axis=None, out=None, keepdims=False):
    """bool, as NumPy (torch keeps uint8 for uint8 and, with no dims, the input itself)."""
    return _reduce(torch.all, a, axis, keepdims).to(torch.bool)


def any(a, axis=None, out=None, keepdims=False):
    """bool, as NumPy (torch keeps uint8 for uint8 and, with no dims, the input itself)."""
    return _reduce(torch.any, a, axis, keepdims).to(torch.bool)


def cumsum(a, axis=None, dtype=None, out=None):
    a = _t(a)
    if axis is None:
        a, axis = a.reshape(-1), 0
    dt = torch_dtype(dtype)
    if dt is None and (a.dtype == torch.bool or not (a.is_floating_point() or a.dtype == torch.int64)):
        dt = torch.int64 if not a.is_floating_point() else None
    return torch.cumsum(a, dim=axis, dtype=dt)


def cumprod(a, axis=None, dtype=None, out=None):
    a = _t(a)
    if axis is None:
        a, axis = a.reshape(-1), 0
    dt = torch_dtype(dtype)
    if dt is None and not a.is_floating_point():
        dt = torch.int64
    return torch.cumprod(a, dim=axis, dtype=dt)


def sort(a, axis=-1, kind=None, order=None, *, stable=None):
    a = _t(a)
    if axis is None:
        a, axis = a.reshape(-1), 0
    return torch.sort(a, dim=axis, stable=True).values


def argsort(a, axis=-1, kind=None, order=None, *, stable=None):
    a = _t(a)
    if axis is None:
        a, axis = a.reshape(-1), 0
    return torch.sort(a, dim=axis, stable=True).indices


def count_nonzero(a, axis=None, *, keepdims=False):
    a = _t(a)
    r = torch.count_nonzero(a, dim=axis)
    if keepdims:
        for d in sorted(d % a.ndim for d in _dim(axis, a.ndim)):
            r = r.unsqueeze(d)
    return r


# ---- movement and creation
def concatenate(arrays, axis=0, out=None, dtype=None):
    arrays = [_t(a) for a in arrays]
    if axis is None:
        arrays, axis = [a.reshape(-1) for a in arrays], 0
    r = torch.cat(arrays, dim=axis)
    return r.to(torch_dtype(dtype)) if dtype is not None else r


def stack(arrays, axis=0, out=None, dtype=None):
    r = torch.stack([_t(a) for a in arrays], dim=axis)
    return r.to(torch_dtype(dtype)) if dtype is not None else r


def flip(m, axis=None):
    m = _t(m)
    return torch.flip(m, _dim(axis, m.ndim))


def roll(a, shift, axis=None):
    a = _t(a)
    if axis is None:
        return torch.roll(a.reshape(-1), shift).reshape(a.shape)
    return torch.roll(a, shift, axis)


def tile(a, reps):
    return torch.tile(_t(a), (reps,) if isinstance(reps, int) else tuple(reps))


def repeat(a, repeats, axis=None):
    a = _t(a)
    if axis is None:
        a, axis = a.reshape(-1), 0
    if isinstance(repeats, (np.ndarray, list, tuple)):  # int64 even when empty (np.asarray(()) is float)
        repeats = from_numpy(np.asarray(repeats, dtype=np.int64))
    return torch.repeat_interleave(a, repeats, dim=axis)


def broadcast_to(array, shape):
    return _t(array).expand(tuple(shape))


def take_along_axis(arr, indices, axis):
    arr, indices = _t(arr), _t(indices)
    if axis is None:
        return torch.take_along_dim(arr.reshape(-1), indices.reshape(-1))
    return torch.take_along_dim(arr, indices, dim=axis)


def put_along_axis(arr, indices, values, axis):
    """In place, as NumPy: ``arr[..., indices[i], ...] = values`` along ``axis``."""
    indices = _t(indices)
    values = _t(values, arr)
    target = arr if axis is not None else arr.view(-1)
    axis = 0 if axis is None else axis
    target.scatter_(axis, indices, values.to(arr.dtype).expand(indices.shape).contiguous())


def _float_default(dtype):
    return torch_dtype(dtype) if dtype is not None else torch.float64


def empty(shape, dtype=None, order="C"):
    return torch.empty(shape, dtype=_float_default(dtype), device=device)


def zeros(shape, dtype=None, order="C"):
    return torch.zeros(shape, dtype=_float_default(dtype), device=device)


def ones(shape, dtype=None, order="C"):
    return torch.ones(shape, dtype=_float_default(dtype), device=device)


def full(shape, fill_value, dtype=None, order="C"):
    if isinstance(fill_value, torch.Tensor):
        fill_value = fill_value.item()
    dt = torch_dtype(dtype) if dtype is not None else _TORCH_OF_NP[np.asarray(fill_value).dtype]
    if isinstance(fill_value, np.generic):
        fill_value = fill_value.item()
    return torch.full(tuple(shape) if not isinstance(shape, int) else (shape,), fill_value, dtype=dt, device=device)


def arange(start, stop=None, step=1, dtype=None):
    if stop is None:
        start, stop = 0, start
    dt = torch_dtype(dtype) if dtype is not None else _TORCH_OF_NP[np.result_type(start, stop, step)]
    return torch.arange(start, stop, step, dtype=dt, device=device)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    if not endpoint:
        return from_numpy(np.linspace(start, stop, num, endpoint=False, dtype=dtype))
    return torch.linspace(start, stop, num, dtype=_float_default(dtype), device=device)


def eye(N, M=None, k=0, dtype=float, order="C"):
    if k:
        return from_numpy(np.eye(N, M, k, dtype=dtype))
    return torch.eye(N, M if M is not None else N, dtype=_float_default(dtype), device=device)


def ascontiguousarray(a, dtype=None):
    a = _t(a)
    a = a.to(torch_dtype(dtype)) if dtype is not None else a
    return a.contiguous()


def asarray(a, dtype=None, order=None, copy=None):
    a = _t(a)
    return a.to(torch_dtype(dtype)) if dtype is not None else a


def copy(a, order="K"):
    """A copy: 'K' keeps a dense layout (NumPy's order='K'), 'C' is row-major."""
    a = _t(a)
    if order == "C":
        return a.clone(memory_format=torch.contiguous_format)
    return a.clone()


def copyto(dst, src, casting="same_kind", where=True):
    src = _t(src, dst)
    if where is not True:
        src = torch.where(_t(where), src.to(dst.dtype), dst)
    dst.copy_(src.expand(dst.shape) if src.shape != dst.shape else src)


def matmul(a, b, out=None):
    r = torch.matmul(_t(a), _t(b))
    return out.copy_(r) if out is not None else r


def einsum(subscripts, *operands, **kwargs):
    return torch.einsum(subscripts, *[_t(o) for o in operands])


def tril(m, k=0):
    return torch.tril(_t(m), diagonal=k)


def triu(m, k=0):
    return torch.triu(_t(m), diagonal=k)


def nonzero(a):
    return torch.nonzero(_t(a), as_tuple=True)


def moveaxis(a, source, destination):
    return torch.movedim(_t(a), source, destination)


# ---- memory: storage, strides, addresses, host transfers
def astype(a, np_dtype):
    return a.to(torch_dtype(np_dtype), copy=True)


def as_strided(storage, shape, stride, offset):
    """A view of the 1-D ``storage`` with element strides (offsets count from ``storage``'s first element)."""
    return torch.as_strided(storage, tuple(shape), tuple(stride), storage.storage_offset() + offset)


def storage_of(a):
    """A 1-D tensor over the memory ``a`` addresses, starting at ``a``'s first element."""
    if a.is_contiguous():
        return a.reshape(-1)
    span = 1 + _py_sum((n - 1) * s for n, s in zip(a.shape, a.stride())) if a.numel() else 0
    return torch.as_strided(a, (span,), (1,), a.storage_offset())


def element_strides(a):
    return tuple(a.stride())


def address(a) -> int:
    """From the storage's address, so that empty tensors (whose ``data_ptr()`` may be 0) agree with their storage."""
    return a.untyped_storage().data_ptr() + a.storage_offset() * a.element_size()


def is_c_contiguous(a) -> bool:
    return a.is_contiguous()


def is_f_contiguous(a) -> bool:
    return a.ndim < 2 and a.is_contiguous() or a.permute(*reversed(range(a.ndim))).is_contiguous()


def to_numpy(a):
    """A host copy as a NumPy array (always a copy: device memory is not host memory)."""
    return a.detach().to("cpu", copy=True).numpy()


def from_numpy(a, dev=None):
    """A device copy of a NumPy array."""
    a = np.asarray(a)
    if a.dtype not in _TORCH_OF_NP:
        a = a.astype(np.float64 if a.dtype.kind == "f" else np.int64)
    if _py_any(s < 0 or s % a.itemsize for s in a.strides):
        a = np.ascontiguousarray(a)
    return torch.from_numpy(a).to(device, copy=True)


# ---- advanced indexing: writes at index-array keys, in place
def _key(key):
    key = key if isinstance(key, tuple) else (key,)
    return tuple(_t(k) if isinstance(k, (np.ndarray, list)) else k for k in key)


def _positions(a, key):
    """Flat positions in ``a`` of the elements ``a[key]`` selects (shape of ``a[key]``)."""
    return torch.arange(a.numel(), device=a.device).reshape(a.shape)[_key(key)]


def _scatter_at(a, key, values, reduce):
    pos = _positions(a, key)
    vals = _t(values, a).to(a.dtype).expand(pos.shape).reshape(-1)
    flat = a.reshape(-1) if a.is_contiguous() else a.flatten()
    flat.scatter_reduce_(0, pos.reshape(-1), vals, reduce=reduce, include_self=True)
    if not a.is_contiguous():
        a.copy_(flat.reshape(a.shape))


_REDUCE = {"sum": "sum", "prod": "prod", "amax": "amax", "amin": "amin"}


def index_put(a, key, values, accumulate=False):
    """``a[key] = values``; with ``accumulate``, ``a[key] += values`` where repeated positions add up."""
    if accumulate:
        _scatter_at(a, key, values, "sum")
    else:
        a[_key(key)] = _t(values, a).to(a.dtype)


def index_reduce_at(a, key, values, reduce):
    """``a[key] = reduce(a[key], values)`` one position at a time (repeats all count)."""
    _scatter_at(a, key, values, _REDUCE[reduce])


def take(a, indices, axis=None):
    a, indices = _t(a), _t(indices)
    if axis is None:
        return a.reshape(-1)[indices]
    axis = axis % a.ndim
    r = torch.index_select(a, axis, indices.reshape(-1))
    return r.reshape(a.shape[:axis] + indices.shape + a.shape[axis + 1:])


def bincount(x, weights=None, minlength=0):
    return torch.bincount(_t(x), None if weights is None else _t(weights), minlength)


# ---- segment sums (_ops/shape/copies.py: SegmentSum, the backward of repeat_interleave)
def add_reduceat(a, indices, axis=0):
    """``np.add.reduceat`` for increasing ``indices``: y[i] = sum of a[indices[i]:indices[i+1]] along ``axis``
    (the last segment runs to the end)."""
    a = _t(a)
    starts = from_numpy(np.asarray(indices, dtype=np.int64))
    n = a.shape[axis]
    seg = torch.searchsorted(starts, torch.arange(n, device=a.device), right=True) - 1
    keep = (seg >= 0).nonzero().reshape(-1)
    shape = list(a.shape)
    shape[axis] = len(starts)
    out = torch.zeros(shape, dtype=a.dtype, device=a.device)
    return out.index_add_(axis, seg[keep], a.index_select(axis, keep))


# ---- fused optimizer updates (optim/adam.py)
def threshold_backward(g, y):
    """relu's gradient: ``g`` where ``y > 0``, else 0 (torch's own threshold_backward)."""
    return torch.ops.aten.threshold_backward(g, y, 0)


def add_scaled(param, grad, alpha: float) -> None:
    """``param += alpha * grad`` in place (SGD's update; kernels/optim.py's on the CPU), as
    ``Tensor.add_(grad, alpha=alpha)`` on the torch tensors."""
    param.add_(grad, alpha=alpha)


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, beta1, beta2, step_size, bias_correction2_sqrt,
              eps):
    """Adam's update of ``param`` and its moments, in place: torch's own single-tensor Adam
    (``torch/optim/adam.py``), straight on the torch tensors with no minitorch dispatch in between."""
    exp_avg.lerp_(grad, 1 - beta1)
    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    second = exp_avg_sq
    if max_exp_avg_sq is not None:
        torch.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        second = max_exp_avg_sq
    param.addcdiv_(exp_avg, second.sqrt().div_(bias_correction2_sqrt).add_(eps), value=-step_size)


# ---- batch normalisation (nn/functional/normalization.py: NativeBatchNorm)
def batch_norm(x, weight, bias, running_mean, running_var, training, momentum, eps):
    """``(y, mean, invstd)``: torch's own ``native_batch_norm`` (running statistics updated in place)."""
    y, mean, invstd = torch.ops.aten.native_batch_norm(x, weight, bias, running_mean, running_var, training,
                                                       momentum, eps)
    if not training:  # torch returns empty statistics in evaluation
        mean, invstd = running_mean.to(x.dtype), torch.rsqrt(running_var + eps).to(x.dtype)
    return y, mean, invstd


def batch_norm_backward(g, x, weight, mean, invstd, training, output_mask):
    """``(gx, gw, gb)`` from the statistics that ``batch_norm`` returned (None where not asked)."""
    shape = [1, x.shape[1]] + [1] * (x.dim() - 2)
    dims = [0, *range(2, x.dim())]
    xhat = (x - mean.reshape(shape)) * invstd.reshape(shape)
    gxhat = g if weight is None else g * weight.reshape(shape)
    gx = gw = gb = None
    if output_mask[0]:
        if training:
            gx = (gxhat - gxhat.mean(dims, keepdim=True) - xhat * (gxhat * xhat).mean(dims, keepdim=True))
            gx = gx * invstd.reshape(shape)
        else:
            gx = gxhat * invstd.reshape(shape)
    if output_mask[1]:
        gw = (g * xhat).sum(dims)
    if output_mask[2]:
        gb = g.sum(dims)
    return gx, gw, gb


def relu(x):
    """torch's own relu."""
    return torch.relu(x)


def sigmoid(x):
    """torch's own sigmoid."""
    return torch.sigmoid(x)


def sigmoid_backward(g, y):
    """sigmoid's gradient from its result, ``g * (1 - y) * y`` (PyTorch's sigmoid_backward order;
    as an expression, so mixed dtypes and broadcasting promote as the op's callers expect)."""
    return g * (1 - y) * y
