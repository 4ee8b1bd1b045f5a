"""``nonzero`` and ``argwhere``: the indices of the non-zero elements.

Not differentiable (the result is integer indices), and its size depends on the data, so the
input is read on the host. ``where(condition)`` with one argument is ``nonzero(condition,
as_tuple=True)`` (``_ops/pointwise/binary.py``); this file imports nothing from the pointwise ops,
so that ``binary.py`` and ``advanced.py`` do not import each other.
"""

from __future__ import annotations

import numpy as np

from ..._core import capture as _capture
from ..._tensor.tensor import Tensor
from ...backends import backend_of
from .._out import finish
from .._tensor_args import tensor_args


@tensor_args("input")
def nonzero(input: Tensor, *, out=None, as_tuple: bool = False):
    """Indices of the non-zero elements: an (n, ndim) long tensor, or a tuple of ndim vectors."""
    if as_tuple and out is not None:
        raise RuntimeError("nonzero does not support the out kwarg when as_tuple is True")
    _capture.graph_break("nonzero: the result's size depends on the data")
    data = backend_of(input._data).to_numpy(input._data)  # the result's size depends on the data
    idx = np.nonzero(data.reshape(1) if data.ndim == 0 else data)
    xp = backend_of(input._data)
    if as_tuple:
        return tuple(input._wrap_result(xp.asarray(i, dtype=np.int64)) for i in idx)
    cols = np.stack(idx, axis=1) if data.ndim else np.zeros((idx[0].size, 0), dtype=np.int64)
    return finish(input._wrap_result(xp.asarray(cols, dtype=np.int64)), out, same_dtype=True)


@tensor_args("input")
def argwhere(input: Tensor) -> Tensor:
    """``nonzero(input)``: the (n, ndim) indices of the non-zero elements."""
    return nonzero(input)
