"""Indexing: ``x[key]`` and ``x[key] = value``.

Basic indexing (ints, slices, ``None``, ``...``) returns a *view*: each key
element is one ``select``/``slice``/``unsqueeze`` on the running result.
Advanced indexing (integer or boolean tensors) gathers into a new tensor.
"""

from __future__ import annotations

from ..._tensor.tensor import Tensor, mark_no_grad_view
from ...autograd import grad_mode
from ..shape import selecting_views as selecting
from ..shape import views as movement


def _is_basic(item) -> bool:
    if isinstance(item, bool):  # ``x[True]`` is an index tensor in PyTorch, not ``x[1]``
        return False
    return item is None or item is Ellipsis or isinstance(item, (int, slice)) or (
        hasattr(item, "__index__") and not isinstance(item, Tensor) and not hasattr(item, "shape")
    )


def _expand_key(key, ndim: int) -> list:
    """Normalise ``key`` to a list and replace ``...`` by the right number of full slices."""
    if ndim == 0 and not isinstance(key, tuple):  # PyTorch's messages for a lone key on a 0-d tensor
        if isinstance(key, slice):
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
        if key is not None and key is not Ellipsis and key.__index__() != 0:  # checked before the 0-dim test
            raise IndexError(f"index {key.__index__()} is out of bounds for dimension 0 with size 0")
        if key is not None and key is not Ellipsis:
            raise IndexError(
                "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to "
                "convert a 0-dim tensor to a number"
            )
    key = list(key) if isinstance(key, tuple) else [key]
    n_ell = sum(1 for k in key if k is Ellipsis)
    if n_ell > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = sum(1 for k in key if k is not None and k is not Ellipsis)  # basic keys: one dim each
    if used > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    if n_ell:
        i = key.index(Ellipsis)
        key[i : i + 1] = [slice(None)] * (ndim - used)
    return key


def basic_index(x: Tensor, key) -> Tensor:
    """Apply a key of ints, slices, ``None`` and ``...`` as a chain of views."""
    out = x
    dim = 0
    for k in _expand_key(key, x.dim()):
        if k is None:
            out = movement.unsqueeze(out, dim)
            dim += 1
        elif isinstance(k, slice):
            step = 1 if k.step is None else int(k.step)  # slice_dim rejects step <= 0
            out = selecting.slice_dim(out, dim, k.start, k.stop, step)
            dim += 1
        else:
            idx = int(k)
            size = out.shape[dim]
            if not -size <= idx < size:
                raise IndexError(f"index {idx} is out of bounds for dimension {dim} with size {size}")
            out = selecting.select(out, dim, idx)
    if out is x:
        # ``x[...]`` (nothing consumed) is still a new view object, as in PyTorch
        out = movement.View.apply(x, x._get_storage(), tuple(x.shape), x.stride(), x.storage_offset())
    return out


def select_int(x: Tensor, index: int) -> Tensor:
    """``x[i]`` for a Python int ``i``: the view ``select(x, 0, i)``, built directly when no graph
    is recorded (a Dataset's ``X[i]``, once per sample of every epoch). Through the generic
    path (the key walk, then ``strided_view``'s geometry and ``Function.apply``) it took 11.5 µs
    against PyTorch's 0.7; here the view is NumPy's ``x[i, ...]`` wrapped as ``_wrap_result``
    wraps a view op's result (same storage, version counter and base), 1.2-2 µs
    (benchmarks/bench_hotspots.py)."""
    size = x._data.shape[0]
    if not -size <= index < size:
        raise IndexError(f"index {index} is out of bounds for dimension 0 with size {size}")
    if x.requires_grad and grad_mode._state.enabled:
        return selecting.select(x, 0, index)
    storage = x._get_storage()  # first: it may replace a negatively-strided ``_data`` by a copy
    base = x._base if x._base is not None else x
    t = Tensor._make(x._data[index, ...], x._device, storage, x.stride()[1:], x._version_counter, base)
    if not grad_mode._state.enabled:
        mark_no_grad_view(t, base)
    elif x._no_grad_view:  # a view of a no_grad view (as _wrap_result)
        t._no_grad_view = True
    return t


def getitem(x: Tensor, key) -> Tensor:
    if type(key) is int and x._data.ndim:
        return select_int(x, key)
    keys = key if isinstance(key, tuple) else (key,)
    if all(_is_basic(k) for k in keys):
        return basic_index(x, key)
    from .advanced import advanced_getitem

    return advanced_getitem(x, key)


def setitem(x: Tensor, key, value) -> None:
    from .._inplace import write_inplace
    from .._promotion import as_tensor_like, cast

    keys = key if isinstance(key, tuple) else (key,)
    if all(_is_basic(k) for k in keys):
        target = basic_index(x, key)
        target._check_inplace()
        if not isinstance(value, Tensor):
            from .advanced import check_assignable

            check_assignable(x, value)
        v = value if isinstance(value, Tensor) else as_tensor_like(cast(value, x.dtype), x)
        if v.dtype is not x.dtype:
            v = v.to(x.dtype)
        write_inplace(target, v.expand(target.shape) if tuple(v.shape) != tuple(target.shape) else v)
        return
    from .advanced import advanced_setitem

    advanced_setitem(x, key, value)
