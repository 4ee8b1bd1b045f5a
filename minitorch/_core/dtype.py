"""dtypes, the default dtype, dtype inference and type promotion.

This module is the *one* place where minitorch decides what dtype a result has
(PyTorch: ``c10/core/ScalarType.h`` and ``aten/src/ATen/native/TypeProperties.cpp``).

Promotion follows PyTorch's two-level rule:

1. ``promote_types(a, b)``: the smallest dtype both ``a`` and ``b`` fit into
   (bool < integers < floats; ``uint8`` with ``int8`` gives ``int16``).
2. ``result_type(*operands)``: operands are ranked by *kind* - tensors with
   dimensions, zero-dim tensors, then Python numbers. A lower-ranked operand
   only changes the result if it is of a higher *category* (bool < integral
   < floating). So ``int32_tensor + 2`` stays int32, ``int32_tensor + 2.5``
   becomes the default float dtype, and ``float16_tensor + float64_0d_tensor``
   stays float16.
"""

from __future__ import annotations

import numpy as np


class dtype:
    """A tensor element type (``torch.dtype``). Instances are singletons."""

    __slots__ = ("_rank", "is_floating_point", "is_signed", "itemsize", "name", "np")

    def __init__(self, name: str, np_dtype: type, rank: int, is_floating: bool, is_signed: bool):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        self.is_floating_point = is_floating
        self.is_signed = is_signed
        self._rank = rank  # position in the promotion lattice within a category

    @property
    def is_complex(self) -> bool:
        return False

    def __repr__(self) -> str:
        # Printed like PyTorch so that tutorial output matches after ``import minitorch as torch``.
        return f"torch.{self.name}"

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))


bool_ = dtype("bool", np.bool_, 0, False, False)
uint8 = dtype("uint8", np.uint8, 1, False, False)
int8 = dtype("int8", np.int8, 1, False, True)
int16 = dtype("int16", np.int16, 2, False, True)
int32 = dtype("int32", np.int32, 3, False, True)
int64 = dtype("int64", np.int64, 4, False, True)
float16 = dtype("float16", np.float16, 1, True, True)
float32 = dtype("float32", np.float32, 2, True, True)
float64 = dtype("float64", np.float64, 3, True, True)

ALL_DTYPES = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
_BY_NP = {d.np: d for d in ALL_DTYPES}
_BY_NAME = {d.name: d for d in ALL_DTYPES}


def _dtype_by_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype) -> dtype:
    """The minitorch dtype of a NumPy dtype; TypeError for unsupported ones (as torch.from_numpy)."""
    try:
        return _BY_NP[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype)}. The only supported types "
            "are: float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def to_dtype(d, op: str | None = None) -> dtype:
    """Normalise a ``dtype=`` argument: a minitorch dtype, a torch dtype, or the Python types
    ``float`` (float64, as in PyTorch), ``int`` (int64) and ``bool``.

    Anything else (a string such as ``'float32'``, a NumPy type) is refused with the TypeError of
    PyTorch's argument parser, "zeros(): argument 'dtype' must be torch.dtype, not str": PyTorch
    does not guess what a string or a NumPy type means.
    """
    if isinstance(d, dtype):
        return d
    if d is float:
        return float64
    if d is int:
        return int64
    if d is bool:
        return bool_
    name = getattr(type(d), "__module__", None) == "torch" and str(d).replace("torch.", "")
    if name and name in _BY_NAME:
        return _BY_NAME[name]
    kind = type(d).__name__ if not isinstance(d, type) else "type"
    prefix = f"{op}(): argument 'dtype'" if op else "argument 'dtype'"
    raise TypeError(f"{prefix} must be torch.dtype, not {kind}")


def from_name(name: str) -> dtype:
    """The dtype called ``name`` (``'float32'``), for files that store dtypes by name."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown dtype name {name!r}") from None


# --------------------------------------------------------------------------- default dtype
_default_dtype = float32


def get_default_dtype() -> dtype:
    """The dtype of float tensors created without ``dtype=`` (float32 unless changed)."""
    return _default_dtype


def set_default_dtype(d: dtype, /) -> None:
    """Set the default floating point dtype (PyTorch allows float16/32/64; others raise TypeError)."""
    global _default_dtype
    if not isinstance(d, dtype) and getattr(type(d), "__module__", None) != "torch":  # a dtype, not a name
        raise TypeError("invalid dtype object: only floating-point types are supported as the default type")
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_dtype = d


# --------------------------------------------------------------------------- promotion
def _category(d: dtype) -> int:
    return 0 if d is bool_ else (2 if d.is_floating_point else 1)


def promote_types(type1: dtype, type2: dtype) -> dtype:
    """The smallest dtype to which both ``type1`` and ``type2`` can be safely cast (``torch.promote_types``);
    the Python types ``float``, ``int`` and ``bool`` stand for float64, int64 and bool, as in PyTorch."""
    python_types: dict[object, dtype] = {float: float64, int: int64, bool: bool_}
    a, b = python_types.get(type1, type1), python_types.get(type2, type2)
    if a is b:
        return a
    for i, d in enumerate((a, b)):
        if not isinstance(d, dtype):
            raise TypeError(f"promote_types(): argument 'type{i + 1}' (position {i + 1}) must be torch.dtype, "
                            f"not {type(d).__name__}")
    ca, cb = _category(a), _category(b)
    if ca != cb:
        return a if ca > cb else b
    if ca == 1 and (a is uint8 or b is uint8):
        other = b if a is uint8 else a
        return int16 if other is int8 else other
    return a if a._rank >= b._rank else b


def _combine_categories(higher: dtype | None, lower: dtype | None) -> dtype | None:
    # A lower-priority group only matters when it brings a higher category.
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.is_floating_point:
        return higher
    if higher is bool_ or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def scalar_dtype(value) -> dtype:
    """The dtype a Python number takes as an operand (a 'wrapped number' in PyTorch)."""
    if isinstance(value, (bool, np.bool_)):
        return bool_
    if isinstance(value, (int, np.integer)):
        return int64
    if isinstance(value, (float, np.floating)):
        return get_default_dtype()
    raise TypeError(f"unsupported scalar type {type(value).__name__}")


def result_type(*operands) -> dtype:
    """``torch.result_type`` over tensors and Python numbers.

    Tensors with ``dim() > 0`` outrank zero-dim tensors, which outrank Python numbers.
    """
    dim_result = zero_result = wrapped_result = None
    for x in operands:
        if x is None:
            continue
        if hasattr(x, "_data") and hasattr(x, "dtype"):  # a Tensor (avoids an import cycle)
            if x.dim() > 0:
                dim_result = x.dtype if dim_result is None else promote_types(dim_result, x.dtype)
            else:
                zero_result = x.dtype if zero_result is None else promote_types(zero_result, x.dtype)
        else:
            d = scalar_dtype(x)
            wrapped_result = d if wrapped_result is None else promote_types(wrapped_result, d)
    out = _combine_categories(dim_result, _combine_categories(zero_result, wrapped_result))
    if out is None:
        raise TypeError("result_type needs at least one operand")
    return out


def to_float(d: dtype) -> dtype:
    """Integral and bool dtypes become the default float dtype (ops like ``exp``, true division)."""
    return d if d.is_floating_point else get_default_dtype()


def infer_dtype(data) -> dtype:
    """dtype inference of ``torch.tensor(data)``: bool < int64 < default float over all leaves."""
    if isinstance(data, np.ndarray):
        return from_numpy_dtype(data.dtype)
    if isinstance(data, np.generic):
        return from_numpy_dtype(data.dtype)
    if hasattr(data, "_data") and hasattr(data, "dtype"):
        return data.dtype
    if isinstance(data, (list, tuple)):
        out = None
        for item in data:
            d = infer_dtype(item)
            out = d if out is None else promote_types(out, d)
        return get_default_dtype() if out is None else out
    return scalar_dtype(data)
