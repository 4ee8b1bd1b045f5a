"""Index keys: how ``x[key]`` and the gather/scatter family name the elements they touch.

A key is what ``Index``/``IndexPut`` (``_ops/indexing/advanced.py``) consume: a tuple of full slices
and int64 index arrays, one per leading dim (PyTorch's ``indices`` list, ``None`` for a sliced
dim). This file turns what the user wrote into such a key, with PyTorch's checks and messages:

- ``index_key``: ``x[key]``'s ints/slices/``None``/``...`` applied as views, bool masks turned into
  index arrays, every array bounds-checked and wrapped (``_checked``);
- ``_dim_key``: ``index`` along one dim (``index_select``/``index_add``/...);
- ``_grid_key``: ``index`` along one dim and an ``arange`` grid along the others (gather/scatter);
- the dtype, shape and bounds checks of the index and mask arguments.

Everything is NumPy bookkeeping on the host: keys are never differentiated.
"""

from __future__ import annotations

import numpy as np  # index bookkeeping only: keys are host arrays

from ..._core import capture as _capture
from ..._core import dtype as _dtype
from ..._tensor.tensor import Tensor
from ...backends import backend_of
from .._out import _legacy
from ..shape import selecting_views as selecting
from ..shape import views as movement


def _is_seq_key(key) -> bool:
    """A list that PyTorch (like old NumPy) reads as a tuple of indices: it holds slices, tensors..."""
    return isinstance(key, list) and len(key) < 32 and any(
        isinstance(k, (Tensor, list, tuple, slice, np.ndarray)) or k is None or k is Ellipsis for k in key)


def _index_array(k):
    """A key element as a NumPy array (ints or bools), with PyTorch's dtype check."""
    if isinstance(k, Tensor):
        if k.dtype not in (_dtype.int64, _dtype.int32, _dtype.uint8, _dtype.bool_):
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        _capture.graph_break("a tensor used as an index is read into Python (its values choose the elements)")
        return backend_of(k._data).to_numpy(k._data)
    a = np.asarray(k)
    if a.dtype.kind in "US":  # PyTorch reads the key as data for a new index tensor first
        raise TypeError(f"new(): invalid data type '{type(k).__name__}'")
    if a.size == 0 and a.dtype.kind == "f":
        a = a.astype(np.int64)
    if not (a.dtype.kind in "iu" or a.dtype == bool):
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return a


def _dims_used(k) -> int:
    if k is None or k is Ellipsis or isinstance(k, bool):
        return 0
    if isinstance(k, (int, slice, np.integer)):
        return 1
    a = _index_array(k)
    if a.ndim == 0 and a.dtype == bool:
        return 0
    return a.ndim if a.dtype == bool or a.dtype == np.uint8 else 1


def index_key(x: Tensor, key) -> tuple[Tensor, tuple]:
    """Split ``key`` like PyTorch: apply ints/slices/``None`` as views of ``x``, return the view
    and the remaining key of full slices and checked int64 index arrays."""
    key = list(key) if isinstance(key, tuple) or _is_seq_key(key) else [key]
    if sum(k is Ellipsis for k in key) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = sum(_dims_used(k) for k in key)
    if used > x.dim():
        raise IndexError(f"too many indices for tensor of dimension {x.dim()}")
    if Ellipsis in [k for k in key if not isinstance(k, (Tensor, np.ndarray, list))]:
        i = next(j for j, k in enumerate(key) if k is Ellipsis)
        key[i : i + 1] = [slice(None)] * (x.dim() - used)
    view, dim, indices = x, 0, []
    for k in key:
        if k is None or isinstance(k, bool) or (isinstance(k, Tensor) and k.dim() == 0 and k.dtype is _dtype.bool_):
            view = movement.unsqueeze(view, dim)
            indices.append(None if k is None else np.zeros(int(bool(k)), dtype=np.int64))
            dim += 1
        elif isinstance(k, slice):
            step = 1 if k.step is None else int(k.step)  # slice_dim rejects step <= 0
            # A slice of the whole dim is no view at all, as in PyTorch's applySlicing: then
            # x[:, [0]] = v is IndexPutBackward0 of x itself, not CopySlices of a view.
            if not (step == 1 and slice(k.start, k.stop).indices(view.shape[dim])[:2] == (0, view.shape[dim])):
                view = selecting.slice_dim(view, dim, k.start, k.stop, step)
            indices.append(None)
            dim += 1
        elif isinstance(k, (int, np.integer)):
            view = selecting.select(view, dim, int(k))
        else:
            a = _index_array(k)
            if a.dtype == bool or a.dtype == np.uint8 and isinstance(k, Tensor):
                sizes = tuple(view.shape[dim : dim + a.ndim])
                if tuple(a.shape) != sizes:
                    bad = next((i for i, (m, s) in enumerate(zip(a.shape, sizes)) if m != s), len(sizes))
                    raise IndexError(f"The shape of the mask {list(a.shape)} at index {bad} does not match the "
                                     f"shape of the indexed tensor {list(view.shape)} at index {dim + bad}")
                indices += list(np.nonzero(a.astype(bool)))
                dim += a.ndim
            else:
                indices.append(a.astype(np.int64))
                dim += 1
    arrays = [a for a in indices if a is not None]
    try:
        np.broadcast_shapes(*[a.shape for a in arrays])
    except ValueError:
        shapes = ", ".join(str(list(a.shape)) for a in arrays)
        raise IndexError(f"shape mismatch: indexing tensors could not be broadcast together with shapes {shapes}") from None
    out, pos = [], 0
    for d, a in enumerate(indices):
        if a is None:
            out.append(slice(None))
            continue
        out.append(_checked(a, view.shape[d], pos, IndexError))
        pos += 1
    while out and isinstance(out[-1], slice):
        out.pop()
    return view, tuple(out)


def _checked(a: np.ndarray, size: int, dim: int, error, wrap: bool = True) -> np.ndarray:
    """Index array ``a`` for a dim of ``size``, bounds checked as PyTorch: negatives are wrapped
    (``wrap``: ``x[i]``, ``index_fill``, ``take``) or out of range (gather/scatter, ``index_add``...)."""
    bad = ((a < -size) if wrap else (a < 0)) | (a >= size)
    if bad.any():
        raise error(f"index {int(a[bad].flat[0])} is out of bounds for dimension {dim} with size {size}")
    return np.where(a < 0, a + size, a).astype(np.int64)


def _has_index_tensor(key) -> bool:
    keys = key if isinstance(key, (tuple, list)) else (key,)
    return any(isinstance(k, (Tensor, list, np.ndarray)) and not (isinstance(k, Tensor) and k.dim() == 0
               and k.dtype is _dtype.bool_) for k in keys)


def _dim_key(x: Tensor, dim: int, index: np.ndarray, error=IndexError, wrap: bool = True) -> tuple:
    """The key ``(:, ..., :, index)`` selecting ``index`` along ``dim``."""
    size = x.shape[dim] if x.dim() else 1
    return (slice(None),) * dim + (_capture.call(_checked, index.reshape(-1), size, dim, error, wrap),)


def _long_index(index, msg: str, allow_int32: bool = False, error=RuntimeError) -> np.ndarray:
    if not isinstance(index, Tensor):
        raise TypeError(f"expected Tensor as index, got {type(index).__name__}")
    ok = (_dtype.int64, _dtype.int32) if allow_int32 else (_dtype.int64,)
    if index.dtype not in ok:
        raise error(msg.format(dtype=_legacy(index.dtype)))
    return _capture.call(_host_array, index._data)


def _host_array(a):
    """The values of backend array ``a`` as a NumPy array (``a`` itself on the CPU)."""
    return backend_of(a).to_numpy(a)


def _check_dim_op(name: str, input: Tensor, d: int, n: int, source: Tensor) -> None:
    expect = list(input.shape)
    if expect:
        expect[d] = n
    if source.dim() and list(source.shape) != expect:
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the specified "
                           f"dimension. Got self.shape = {list(input.shape)} source.shape = {list(source.shape)}")


def _bounds(a: np.ndarray, input: Tensor, d: int, prefix: str = "", error=IndexError, wrap: bool = True) -> None:
    size = input.shape[d] if input.dim() else 1
    bad = ((a < -size) if wrap else (a < 0)) | (a >= size)
    if bad.any():
        raise error(f"{prefix}index {int(a[bad].flat[0])} is out of bounds for dimension {d} with size {size}")


def _grid_key(input: Tensor, d: int, a: np.ndarray, name: str, error=RuntimeError) -> tuple:
    """Key for gather/scatter: ``index`` along ``d`` (no negative indices, as in PyTorch),
    ``arange`` along every other dim (one recordable step: a compiled replay makes it again)."""
    ndim = max(input.dim(), 1)
    if a.ndim != ndim and not (a.ndim <= 1 and input.dim() <= 1):
        raise RuntimeError(f"Index tensor must have the same number of dimensions as {name} tensor")
    return _capture.call(_grid_arrays, a, tuple(input.shape) or (1,), d, ndim, error)


def _grid_arrays(a: np.ndarray, shape: tuple, d: int, ndim: int, error) -> tuple:
    """``_grid_key``'s arrays: ``a`` checked along ``d``, an ``arange`` grid along every other dim."""
    a = a.reshape(a.shape or (1,))
    key = []
    for k in range(ndim):
        if k == d:
            key.append(_checked(a, shape[d], d, error, wrap=False))
        else:
            grid = [1] * ndim
            grid[k] = a.shape[k]
            key.append(np.arange(a.shape[k]).reshape(grid))
    return tuple(key)


def _check_mask(name: str, mask: Tensor) -> None:
    if mask.dtype is not _dtype.bool_:
        raise RuntimeError(f"{name} only supports boolean masks, but got mask with dtype {_legacy(mask.dtype).lower()}"
                           if name.endswith("_") else f"{name}: expected BoolTensor for mask")
