"""The extremes: ``amax``/``amin``, ``max``/``min``, ``aminmax``, ``argmax``/``argmin``.

Without a ``dim`` (and ``amax``/``amin`` always) the value is recorded by ``EvenlyDistributed``
(extremum.py), which splits the gradient among the ties, as PyTorch does. ``max``/``min`` with a
``dim`` pick elements by index and share ``sort.py``'s gather (``values_at``); ``max(x, y)`` is
``maximum``. ``argmax``/``argmin`` return indices only: no gradient.
"""

from __future__ import annotations

import numpy as np

from ..._core import capture as _capture
from ..._core import dtype as _dtype
from ..._core.args import bool_argument, normalize_dims, wrap_dim
from ..._tensor.tensor import Tensor
from ...backends import backend_of
from .. import return_types
from .._out import can_cast, finish
from ..pointwise.selection import maximum, minimum
from .extremum import EvenlyDistributed
from .sort import _check_nonempty, _index_tensor, values_at


# ----------------------------------------------------------------------------- amax, amin, max, min
def _extreme(name: str, input: Tensor, dim, keepdim: bool, largest: bool, node: str) -> Tensor:
    """amax/amin (and max/min without dim): the value over ``dim``, gradient split among ties."""
    bool_argument(name, "keepdim", keepdim)
    dims = normalize_dims(dim, input.dim())
    if input.numel() == 0:
        if dim is None or dim == ():
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        for d in dims:
            if input.shape[d] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    xp = backend_of(input._data)
    y = (xp.amax if largest else xp.amin)(input._data, axis=dims, keepdims=keepdim)
    return EvenlyDistributed.named(node).apply(input, y, dims, keepdim)


def amax(input: Tensor, dim=(), keepdim: bool = False, *, out=None) -> Tensor:
    """Largest value over ``dim`` (int, tuple, or ``()`` for all); NaN propagates."""
    return finish(_extreme("amax", input, dim, keepdim, True, "AmaxBackward0"), out, same_dtype=True)


def amin(input: Tensor, dim=(), keepdim: bool = False, *, out=None) -> Tensor:
    """Smallest value over ``dim`` (int, tuple, or ``()`` for all); NaN propagates."""
    return finish(_extreme("amin", input, dim, keepdim, False, "AminBackward0"), out, same_dtype=True)


def _max_min(name: str, input: Tensor, dim, keepdim: bool, out, largest: bool):
    if isinstance(dim, Tensor):  # max(a, b): the elementwise maximum
        if keepdim is not False:
            raise TypeError(f"{name}(): argument 'dim' (position 1) must be int, not Tensor")
        return (maximum if largest else minimum)(input, dim, out=out)
    bool_argument(name, "keepdim", keepdim)
    if dim is None and keepdim:
        raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, NoneType, bool)")
    if dim is None:
        result = _extreme(name, input, None, False, largest, f"{name.capitalize()}Backward1")
        if isinstance(out, Tensor) and can_cast(result.dtype, out.dtype) and result.numel() == 1:
            from ..creation.factories import fill_value_as

            fill_value_as(result.item(), out.dtype)  # PyTorch fills out with the value: checked for overflow
        return finish(result, out)
    d = wrap_dim(dim, input.dim())
    _check_nonempty(input, d, name)
    idx = _arg_extreme(input, d, largest)
    values = values_at(input, idx, d, keepdim, f"{name.capitalize()}Backward0")
    result = getattr(return_types, name)(values, _index_tensor(input, idx, d, keepdim))
    return finish(result, out, same_dtype=True)


def _dim_or_other(name: str, dim, other):
    """``max(x, other=y)`` is ``max(x, y)``; ``dim`` and ``other`` together match no overload."""
    if other is None:
        return dim
    if dim is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got both 'dim' and 'other'")
    return other


def max(input: Tensor, dim=None, keepdim: bool = False, *, out=None, other=None):
    """``max(x)``: the largest element (gradient split among ties); ``max(x, dim)``: the named
    tuple ``(values, indices)`` (gradient to the index); ``max(x, other)``: ``maximum``."""
    return _max_min("max", input, _dim_or_other("max", dim, other), keepdim, out, True)


def min(input: Tensor, dim=None, keepdim: bool = False, *, out=None, other=None):
    """``min(x)``, ``min(x, dim)`` -> ``(values, indices)``, or ``min(x, other)`` = ``minimum``."""
    return _max_min("min", input, _dim_or_other("min", dim, other), keepdim, out, False)


def aminmax(input: Tensor, *, dim=None, keepdim: bool = False):
    """``(min, max)`` over ``dim`` (or all elements)."""
    if input.numel() == 0 and (dim is None or input.shape[wrap_dim(dim, input.dim())] == 0):
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation "
                           "has no identity.")
    d = () if dim is None else dim
    return return_types.aminmax(amin(input, d, keepdim), amax(input, d, keepdim))


# ----------------------------------------------------------------------------- argmax, argmin
def _arg_extreme(input: Tensor, d: int, largest: bool):
    """Index (keepdim shape) of the first largest/smallest element along ``d``; a NaN wins."""
    return _capture.call(_arg_extreme_array, input._data, d, largest)


def _arg_extreme_array(a, d: int, largest: bool):
    xp = backend_of(a)
    if a.ndim == 0:
        return xp.zeros((), dtype=np.int64)
    return (xp.argmax if largest else xp.argmin)(a, axis=d, keepdims=True)


def _flat_arg_extreme(a, largest: bool, shape: tuple):
    """The flat index of the first largest (smallest) element of array ``a``, as an array of ``shape``."""
    a = a.reshape(-1)
    idx = (backend_of(a).argmax if largest else backend_of(a).argmin)(a)
    return backend_of(a).asarray(idx).reshape(shape)


def _argmax_argmin(name: str, input: Tensor, dim, keepdim: bool, largest: bool) -> Tensor:
    bool_argument(name, "keepdim", keepdim)
    if input.dtype is _dtype.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if input.numel() == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        shape = (1,) * input.dim() if keepdim else ()
        return input._wrap_result(_capture.call(_flat_arg_extreme, input._data, largest, shape))
    d = wrap_dim(dim, input.dim())
    _check_nonempty(input, d, name)
    return _index_tensor(input, _arg_extreme(input, d, largest), d, keepdim)


def argmax(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the first largest element along ``dim`` (or of the flattened tensor)."""
    return _argmax_argmin("argmax", input, dim, keepdim, True)


def argmin(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the first smallest element along ``dim`` (or of the flattened tensor)."""
    return _argmax_argmin("argmin", input, dim, keepdim, False)
