"""The checks generated from each table entry: forward, gradients, ``out=`` and errors.

Each check builds the same sample in both libraries (M on the test device, torch on CPU), calls
the op, and compares with :func:`compare_outputs`.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
import torch

from .comparison import assert_close, compare_outputs
from .libs import (
    CONTIGUOUS,
    M,
    device_for,
    is_floating,
    is_reference,
    is_tensor,
    lib_dtype,
    to_lib,
    to_numpy,
)
from .spec import ErrorCase, OpSpec
from .strategies import Sample


def call_op(spec: OpSpec, lib: Any, sample: Sample, requires_grad: bool = False,
            **extra: Any) -> tuple[list[Any], Any]:
    """Build the sample's tensors in ``lib`` and call the op; returns ``(leaves, result)``."""
    layouts = list(sample.layouts)
    if spec.inplace and layouts and layouts[0].kind == "expanded":
        layouts[0] = CONTIGUOUS  # torch refuses to write into overlapping memory
    built = [to_lib(lib, a, requires_grad and is_floating(a), lay, spec.inplace)
             for a, lay in zip(sample.arrays, layouts)]
    leaves = [leaf for leaf, _ in built]
    views = [view for _, view in built]
    call = spec.ref if spec.ref is not None and is_reference(lib) else spec.call
    kwargs = copy.deepcopy(sample.kwargs)
    if isinstance(kwargs.get("dtype"), str):  # samples name dtypes; each library has its own
        kwargs["dtype"] = lib_dtype(lib, kwargs["dtype"])
    return leaves, call(lib, *views, **kwargs, **extra)


def check_forward(spec: OpSpec, sample: Sample, dtype: str) -> None:
    """Same shape, dtype and values (NaN positions included) as torch."""
    _, expected = call_op(spec, torch, sample)
    _, actual = call_op(spec, M, sample)
    if spec.check == "values":
        compare_outputs(actual, expected, spec.forward_tol(dtype))
        if spec.bool_output:
            assert str(actual.dtype) == "torch.bool", f"{spec.id} must return a bool tensor"
    elif spec.check == "meta":
        assert tuple(actual.shape) == tuple(expected.shape), f"shape {actual.shape}"
        assert str(actual.dtype) == str(expected.dtype), f"dtype {actual.dtype}"
    elif spec.check == "random":
        check_random(spec, sample, actual, expected)
    else:
        raise ValueError(spec.check)


def check_random(spec: OpSpec, sample: Sample, actual: Any, expected: Any) -> None:
    """Random ops: shape and dtype as torch, the distribution's properties, and the same values
    again after the same ``manual_seed`` in M."""
    assert tuple(actual.shape) == tuple(expected.shape), f"shape {actual.shape} != {expected.shape}"
    assert str(actual.dtype) == str(expected.dtype), f"dtype {actual.dtype} != {expected.dtype}"
    if spec.random_check is not None:
        spec.random_check(to_numpy(actual), sample.kwargs)
    runs = []
    for _ in range(2):
        M.manual_seed(sample.seed)
        runs.append(to_numpy(call_op(spec, M, sample)[1]))
    assert_close(runs[0], runs[1], what="reproducibility after manual_seed")


def _flatten(result: Any) -> list[Any]:
    if is_tensor(result):
        return [result]
    if isinstance(result, (tuple, list)):
        return [t for item in result for t in _flatten(item)]
    return []


def _materialize(grads: Any, like: list[Any], lib: Any) -> list[np.ndarray]:
    """Gradients as arrays; ``None`` (an unused input) counts as zeros."""
    return [np.zeros(tuple(x.shape)) if g is None else to_numpy(g) for g, x in zip(grads, like)]


def check_gradients(spec: OpSpec, sample: Sample) -> None:
    """First gradients (``autograd.grad`` with a random grad_output) and, for ops supporting
    them, second gradients (grad of ``sum(g * v)`` for random ``v``) agree with torch's, on the
    leaves from which the inputs' views were taken. Float64 throughout."""
    rng = np.random.default_rng(sample.seed)
    grad_outputs: list[np.ndarray] | None = None
    directions: list[np.ndarray] | None = None
    results: dict[str, Any] = {}
    for lib_name, lib in (("torch", torch), ("M", M)):
        leaves, result = call_op(spec, lib, sample, requires_grad=True)
        leaves = [x for x in leaves if x.requires_grad]
        outputs = [o for o in _flatten(result) if o.requires_grad]
        if grad_outputs is None:
            grad_outputs = [rng.standard_normal(tuple(o.shape)) for o in outputs]
            directions = [rng.standard_normal(tuple(x.shape)) for x in leaves]
        assert len(outputs) == len(grad_outputs), (
            f"{lib_name}: {len(outputs)} outputs require grad, torch has {len(grad_outputs)}")
        if not outputs:
            results[lib_name] = None
            continue
        second = spec.gradgrad
        gos = [to_lib(lib, g, requires_grad=second)[1] for g in grad_outputs]
        grads = lib.autograd.grad(outputs, leaves, gos, allow_unused=True, create_graph=second)
        entry = {"first": _materialize(grads, leaves, lib), "result": result}
        if second:
            assert directions is not None
            total = None
            for g, v in zip(grads, directions):
                if g is not None and g.requires_grad:
                    term = (g * to_lib(lib, v)[1]).sum()
                    total = term if total is None else total + term
            entry["second"] = (None if total is None else _materialize(
                lib.autograd.grad(total, leaves, allow_unused=True), leaves, lib))
        results[lib_name] = entry
    expected, actual = results["torch"], results["M"]
    if expected is None:
        return
    compare_outputs(actual["result"], expected["result"], spec.forward_tol("float64"))
    for i, (a, e) in enumerate(zip(actual["first"], expected["first"])):
        assert_close(a, e, *spec.grad_tol, what=f"gradient of input {i}")
    if spec.gradgrad:
        if expected["second"] is None:
            return
        assert actual["second"] is not None, "second gradient: sum(g * v) does not require grad"
        for i, (a, e) in enumerate(zip(actual["second"], expected["second"])):
            assert_close(a, e, *spec.grad_tol, what=f"second gradient of input {i}")


def check_out(spec: OpSpec, sample: Sample) -> None:
    """``op(..., out=t)`` writes the result into ``t`` and returns ``t``."""
    _, expected = call_op(spec, torch, sample)
    for lib in (torch, M):
        out = lib.empty(tuple(expected.shape), dtype=lib_dtype(lib, str(expected.dtype)[6:]),
                        device=device_for(lib))
        _, returned = call_op(spec, lib, sample, out=out)
        assert returned is out, "out= must return the out tensor itself"
        compare_outputs(out, expected, spec.forward_tol(str(expected.dtype)[6:]), what="out")


def check_error(case: ErrorCase) -> None:
    """Both libraries raise; M's exception is torch's type or a subclass of it."""
    with pytest.raises(Exception) as reference:
        case.call(torch)
    expected = type(reference.value)
    try:
        case.call(M)
    except Exception as error:  # noqa: BLE001 - the type is what is being compared
        assert isinstance(error, expected), (
            f"{case.what}: raised {type(error).__name__}: {error}; torch raises "
            f"{expected.__name__}: {reference.value}")
    else:
        raise AssertionError(f"{case.what}: did not raise; torch raises {expected.__name__}: "
                             f"{reference.value}")
