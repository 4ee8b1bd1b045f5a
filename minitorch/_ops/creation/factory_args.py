"""What every factory shares: ``dtype=``, ``out=``, and wrapping the new array as a tensor on
``device=`` with ``requires_grad=``.

Used by ``factories.py``, ``ranges.py`` and ``_ops/random/sampling.py``; it imports none of them.
"""

from __future__ import annotations

import numpy as np

from ..._core import capture as _capture
from ..._core import dtype as _dtype
from ..._core.args import bool_argument
from ..._core.device import to_device
from ..._tensor.tensor import Tensor
from ...backends import get_backend
from .._out import _legacy, finish


def _finish(array: np.ndarray, device, requires_grad: bool) -> Tensor:
    """Wrap a freshly made NumPy array as a tensor on ``device``."""
    array = np.asarray(array)  # NumPy arithmetic on 0-d arrays returns scalars
    dev = to_device(device)
    if requires_grad is not False:
        bool_argument("tensor", "requires_grad", requires_grad)
    if requires_grad and array.dtype.kind != "f":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    if dev.type != "cpu":  # recordable: a compiled replay copies the (new) values again
        array = _capture.call(get_backend(dev).from_numpy, array, dev)
    t = Tensor._make(array, dev)
    if requires_grad:
        t.requires_grad = True
    return t


def _factory_dtype(dtype, default=None, out=None, op: str | None = None) -> _dtype.dtype:
    """``dtype=``, else ``out``'s dtype, else ``default`` (the default float dtype when None)."""
    if dtype is not None:
        dt = _dtype.to_dtype(dtype, op)
        if out is not None and out.dtype is not dt:
            raise RuntimeError(f"dtype {_legacy(dt)} does not match dtype of out parameter "
                               f"({_legacy(out.dtype)})")
        return dt
    if out is not None:
        return out.dtype
    return default if default is not None else _dtype.get_default_dtype()


def _check_out(out, t):
    if out is None:
        return t
    return finish(t, out)
