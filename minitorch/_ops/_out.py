"""``out=``: writing an op's result into an existing tensor, with PyTorch's checks."""

from __future__ import annotations

import warnings

from .._core import dtype as _dtype
from .._tensor.tensor import Tensor
from ..autograd import grad_mode
from ..backends import backend_of


def can_cast(src: _dtype.dtype, dst: _dtype.dtype) -> bool:
    """PyTorch's ``can_cast``: no float to int, no non-bool to bool."""
    if src.is_floating_point and not dst.is_floating_point:
        return False
    return src is _dtype.bool_ or dst is not _dtype.bool_


def computing_dtype(input, dtype, out, op: str):
    """The dtype an accumulating op (``sum``, ``prod``, ``cumsum``, ``cumprod``) computes in: as in
    PyTorch, ``out``'s dtype when ``dtype`` is not given, so the input is cast to it first
    (``torch.sum(tensor([1.5, 0.4]), 0, out=int64_tensor)`` writes ``1 + 0 = 1``); a ``dtype`` that
    differs from ``out``'s is a RuntimeError."""
    if not isinstance(out, Tensor):
        return dtype  # no out=, or a wrong one that ``finish`` refuses
    if dtype is None:
        if grad_mode.is_grad_enabled() and input.requires_grad:  # the cast would drop the graph first
            raise RuntimeError(f"{op}(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        return out.dtype
    if _dtype.to_dtype(dtype, op) is not out.dtype:
        raise RuntimeError(f"Expected out tensor to have dtype {_C_TYPE[_dtype.to_dtype(dtype, op).name]}, "
                           f"but got {_C_TYPE[out.dtype.name]} instead")
    return dtype


def finish(result, out, same_dtype: bool = False):
    """Return ``result``, or copy it into ``out`` (resizing an empty or wrong-shaped ``out``).

    ``out`` may be of a dtype ``result`` can be cast to (PyTorch's elementwise ops), or, with
    ``same_dtype``, only of ``result``'s own dtype (its reductions by selection, products, sorts,
    gathers and scatters: RuntimeError "Expected out tensor to have dtype ...")."""
    if out is None:
        return result
    if isinstance(out, (tuple, list)):
        for r, o in zip(result, out):
            finish(r, o, same_dtype)
        return out
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    if grad_mode.is_grad_enabled() and (result.requires_grad or out.requires_grad):
        raise RuntimeError(
            f"{_op_name(result)}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad."
        )
    if same_dtype and result.dtype is not out.dtype:
        raise RuntimeError(f"Expected out tensor to have dtype {_C_TYPE[result.dtype.name]}, "
                           f"but got {_C_TYPE[out.dtype.name]} instead")
    if not can_cast(result.dtype, out.dtype):
        raise RuntimeError(
            f"result type {_legacy(result.dtype)} can't be cast to the desired output type {_legacy(out.dtype)}"
        )
    if tuple(out.shape) != tuple(result.shape):
        if out.numel() != 0:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape {list(out.shape)}, "
                f"which does not match the required output shape {list(result.shape)}. This behavior "
                "is deprecated, and in a future PyTorch release outputs will not be resized unless they "
                "have zero elements. You can explicitly reuse an out tensor t by resizing it, inplace, to "
                "zero elements with t.resize_(0).",
                UserWarning,
                stacklevel=3,
            )
        out._data = backend_of(result._data).astype(result._data, out.dtype.np)
        out._storage = out._stride = None
    else:
        out._data[...] = result._data
    out._bump_version()
    return out


def _op_name(t) -> str:
    return t.grad_fn.name().replace("Backward0", "").lower() if t.grad_fn is not None else "op"


# PyTorch names dtypes in some out= errors by their C types.
_C_TYPE = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int", "int32": "int",
           "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}

_LEGACY = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
           "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _legacy(d) -> str:
    return _LEGACY[d.name]
