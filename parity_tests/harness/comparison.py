"""Comparing a result of the library under test with torch's: structure, dtype, shape, values."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .libs import device_for, is_tensor, library_under_test, to_numpy

Tolerance = tuple[float, float]  # (rtol, atol)
EXACT: Tolerance = (0.0, 0.0)


def _show(a: np.ndarray) -> str:
    return np.array2string(np.asarray(a), precision=8, threshold=60, max_line_width=100)


def assert_close(actual: Any, expected: Any, rtol: float = 0.0, atol: float = 0.0,
                 what: str = "result") -> None:
    """Assert two arrays (or tensors) agree: shape, NaN/inf positions, and values within
    ``|a - e| <= atol + rtol * |e|``. The failure message shows both values and the worst element.
    """
    a = to_numpy(actual) if is_tensor(actual) else np.asarray(actual)
    e = to_numpy(expected) if is_tensor(expected) else np.asarray(expected)
    header = f"{what}: library under test vs torch"
    if a.shape != e.shape:
        raise AssertionError(f"{header}: shape {a.shape} != {e.shape}\n"
                             f"  got:      {_show(a)}\n  expected: {_show(e)}")
    if a.dtype.kind in "biu" and e.dtype.kind in "biu" or a.dtype.kind == "b" or e.dtype.kind == "b":
        bad = a != e
    else:
        a64, e64 = a.astype(np.float64), e.astype(np.float64)
        both_nan = np.isnan(a64) & np.isnan(e64)
        same_inf = np.isinf(a64) & (a64 == e64)
        with np.errstate(invalid="ignore", over="ignore"):
            bad = ~(both_nan | same_inf | (np.abs(a64 - e64) <= atol + rtol * np.abs(e64)))
    if np.any(bad):
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise AssertionError(
            f"{header}: {int(np.sum(bad))} of {a.size} elements differ "
            f"(rtol={rtol}, atol={atol}); first at index {where}: {a[where]!r} vs {e[where]!r}\n"
            f"  got:      {_show(a)}\n  expected: {_show(e)}")


def dtype_name(dtype: Any) -> str:
    return str(dtype)


def _is_return_type(x: Any) -> bool:
    return type(x).__module__ == "torch.return_types"


def compare_outputs(actual: Any, expected: Any, tol: Tolerance, what: str = "output") -> None:
    """Recursively compare an op's result in M with torch's.

    Tensors: shape, dtype (by name), values. Named tuples (``torch.return_types``): each field by
    name. Tuples, lists and ``Size``: length and items. dtypes and devices by name; autograd
    nodes by class name; Python numbers by type and value.
    """
    if isinstance(expected, torch.Tensor):
        assert is_tensor(actual), f"{what}: expected a tensor, got {type(actual).__name__}: {actual!r}"
        assert tuple(actual.shape) == tuple(expected.shape), (
            f"{what}: shape {tuple(actual.shape)} != {tuple(expected.shape)}")
        assert dtype_name(actual.dtype) == dtype_name(expected.dtype), (
            f"{what}: dtype {actual.dtype} != {expected.dtype}")
        assert_close(actual, expected, *tol, what=what)
    elif _is_return_type(expected):
        fields = [f for f in ("values", "indices", "counts", "inverse") if hasattr(expected, f)]
        assert len(actual) == len(expected), f"{what}: {len(actual)} fields != {len(expected)}"
        for name in fields:
            assert hasattr(actual, name), f"{what}: result has no field {name!r}"
            compare_outputs(getattr(actual, name), getattr(expected, name), tol, f"{what}.{name}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            compare_outputs(a, e, tol, f"{what}[{i}]")
    elif isinstance(expected, torch.Size):
        assert isinstance(actual, tuple), f"{what}: expected a Size (a tuple), got {type(actual)}"
        assert type(actual).__name__ == "Size", f"{what}: expected a Size, got {type(actual)}"
        assert tuple(actual) == tuple(expected), f"{what}: {tuple(actual)} != {tuple(expected)}"
    elif isinstance(expected, (tuple, list)):
        assert isinstance(actual, (tuple, list)), f"{what}: expected a sequence, got {actual!r}"
        assert type(actual) is type(expected) or not isinstance(expected, list), (
            f"{what}: type {type(actual).__name__} != {type(expected).__name__}")
        assert len(actual) == len(expected), f"{what}: length {len(actual)} != {len(expected)}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            compare_outputs(a, e, tol, f"{what}[{i}]")
    elif isinstance(expected, dict):
        assert isinstance(actual, dict) and actual.keys() == expected.keys(), f"{what}: {actual!r}"
        for k in expected:
            compare_outputs(actual[k], expected[k], tol, f"{what}[{k!r}]")
    elif isinstance(expected, torch.dtype):
        assert dtype_name(actual) == dtype_name(expected), f"{what}: dtype {actual} != {expected}"
    elif isinstance(expected, torch.device):
        want = device_for(library_under_test()).split(":")[0]
        assert getattr(actual, "type", None) == want, f"{what}: device {actual!r}, expected {want}"
    elif isinstance(expected, np.ndarray):
        assert isinstance(actual, np.ndarray), f"{what}: expected ndarray, got {type(actual)}"
        assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype} != {expected.dtype}"
        assert_close(actual, expected, *tol, what=what)
    elif isinstance(expected, (bool, int, float, complex, str)) or expected is None:
        assert type(actual) is type(expected), (
            f"{what}: type {type(actual).__name__} != {type(expected).__name__} "
            f"({actual!r} vs {expected!r})")
        if isinstance(expected, float):
            assert_close(actual, expected, *tol, what=what)
        else:
            assert actual == expected, f"{what}: {actual!r} != {expected!r}"
    elif hasattr(expected, "next_functions"):  # an autograd node, e.g. AddBackward0
        assert type(actual).__name__ == type(expected).__name__, (
            f"{what}: grad_fn {type(actual).__name__} != {type(expected).__name__}")
    else:
        raise TypeError(f"{what}: don't know how to compare {type(expected)} results")
