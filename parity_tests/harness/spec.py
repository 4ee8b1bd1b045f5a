"""The entry type of the op table, and builders that make one table entry one line.

An :class:`OpSpec` says, for one public name of the API, how to call it (``call(lib, *tensors,
**kwargs)`` receives the library module, so the same lambda serves minitorch and torch), which
inputs are legal (a hypothesis strategy per dtype, already inside the op's domain), which dtypes
it supports, how closely results must agree, whether it is differentiable (first and second
gradients are compared in float64), whether torch gives it ``out=``, and which invalid calls must
raise the same exception type as in torch.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .comparison import Tolerance
from .strategies import FLOATS, SampleFn

Call = Callable[..., Any]

FORWARD_TOL: dict[str, Tolerance] = {
    "float16": (1e-3, 1e-3),
    "float32": (1e-5, 1e-5),   # float32 forward: a few ulps, libm and summation order differ
    "float64": (1e-10, 1e-12),
}
GRAD_TOL: Tolerance = (1e-7, 1e-9)  # gradients are compared in float64 only
EXACT_DTYPES = ("int64", "int32", "int16", "int8", "uint8", "bool")


@dataclass(frozen=True)
class ErrorCase:
    """An invalid call that must raise in both libraries, with M's exception a subclass of torch's."""

    what: str
    call: Callable[[Any], Any]  # call(lib) builds its own tensors (harness.libs.tensor) and errs


@dataclass(frozen=True, repr=False)
class OpSpec:
    """One public name of the API and how to test it against torch."""

    name: str                         # "add", "Tensor.add", "Tensor.__add__", "autograd.grad"
    call: Call                        # call(lib, *tensors, **kwargs) -> result
    sample: SampleFn | None = None    # dtype -> strategy of Sample; None: only error cases
    variant: str = ""                 # tells apart several entries of one name
    dtypes: tuple[str, ...] = FLOATS  # dtypes the forward pass is compared in
    grad: bool = True                 # differentiable: compare first gradients in float64
    gradgrad: bool = True             # and second gradients
    out: bool = False                 # torch accepts out=: one out= check
    inplace: bool = False             # writes into its first argument (taken as a view of a clone)
    bool_output: bool = False         # returns a bool tensor
    check: str = "values"             # 'values'; 'meta' (shape and dtype: empty); 'random'
    random_check: Callable[[np.ndarray, dict[str, Any]], None] | None = None
    tol: dict[str, Tolerance] = field(default_factory=dict)  # overrides of FORWARD_TOL
    grad_tol: Tolerance = GRAD_TOL
    errors: tuple[ErrorCase, ...] = ()
    ref: Call | None = None           # torch's call when it differs from ``call``

    def __repr__(self) -> str:
        return f"OpSpec({self.id})"

    @property
    def id(self) -> str:
        return f"{self.name}[{self.variant}]" if self.variant else self.name

    @property
    def supports_int(self) -> bool:
        return any(d in EXACT_DTYPES for d in self.dtypes)

    def forward_tol(self, dtype: str) -> Tolerance:
        if dtype in EXACT_DTYPES:
            return (0.0, 0.0)
        return self.tol.get(dtype, FORWARD_TOL[dtype])


# -- calls -------------------------------------------------------------------------------------

def fn(name: str) -> Call:
    """``lib.<name>(*tensors, **kwargs)``; dotted names reach submodules (``autograd.grad``)."""
    def call(lib: Any, *tensors: Any, **kwargs: Any) -> Any:
        target = lib
        for part in name.split("."):
            target = getattr(target, part)
        return target(*tensors, **kwargs)
    call.__qualname__ = f"lib.{name}"
    return call


def method(name: str) -> Call:
    """``tensors[0].<name>(*tensors[1:], **kwargs)``."""
    def call(lib: Any, x: Any, *tensors: Any, **kwargs: Any) -> Any:
        return getattr(x, name)(*tensors, **kwargs)
    call.__qualname__ = f"Tensor.{name}"
    return call


def inplace_method(name: str) -> Call:
    """``x.<name>(...)``, checking that it is in place (:func:`in_place`)."""
    call = in_place(method(name))
    call.__qualname__ = f"Tensor.{name}"
    return call


def in_place(op: Call) -> Call:
    """``op(lib, x, ...)`` checking that it returns ``x`` itself, writes into x's storage (same
    ``data_ptr``) and bumps x's version counter, as torch's in-place ops do."""
    def call(lib: Any, x: Any, *tensors: Any, **kwargs: Any) -> Any:
        version, pointer = x._version, x.data_ptr()
        result = op(lib, x, *tensors, **kwargs)
        assert result is x, "an in-place op must return self"
        assert x.data_ptr() == pointer, "an in-place op must write into the tensor's own storage"
        assert x._version > version, "an in-place op must bump the tensor's version"
        return result
    return call


def binary_operator(op: Callable[[Any, Any], Any], reflected: bool = False) -> Call:
    """``x <op> other`` with a tensor or a scalar kwarg ``other``; reflected: ``other <op> x``."""
    def call(lib: Any, x: Any, *tensors: Any, **kwargs: Any) -> Any:
        other = tensors[0] if tensors else kwargs["other"]
        return op(other, x) if reflected else op(x, other)
    return call


def augmented_operator(op: Callable[[Any, Any], Any]) -> Call:
    """``x <op>= other`` (``operator.iadd`` ...), checking that ``x`` is updated in place."""
    def call(lib: Any, x: Any, *tensors: Any, **kwargs: Any) -> Any:
        other = tensors[0] if tensors else kwargs["other"]
        result = op(x, other)
        assert result is x, "augmented assignment must update the tensor in place"
        return result
    return call


OPERATORS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
             "truediv": operator.truediv, "floordiv": operator.floordiv, "mod": operator.mod,
             "pow": operator.pow, "matmul": operator.matmul, "and": operator.and_,
             "or": operator.or_, "xor": operator.xor, "eq": operator.eq, "ne": operator.ne,
             "lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge}


# -- entries -----------------------------------------------------------------------------------

def function_and_method(name: str, sample: SampleFn, *, function: bool = True,
                        tensor_method: bool = True, **flags: Any) -> list[OpSpec]:
    """Entries for ``lib.<name>`` (with ``out=`` checked when ``out=True``) and ``Tensor.<name>``."""
    specs = []
    if function:
        specs.append(OpSpec(name, fn(name), sample, **flags))
    if tensor_method:
        specs.append(OpSpec(f"Tensor.{name}", method(name), sample, **{**flags, "out": False}))
    return specs


def function_only(name: str, sample: SampleFn, **flags: Any) -> list[OpSpec]:
    return function_and_method(name, sample, tensor_method=False, **flags)


def method_only(name: str, sample: SampleFn, **flags: Any) -> list[OpSpec]:
    return function_and_method(name, sample, function=False, **flags)


def scenario(name: str, call: Call, sample: SampleFn, **flags: Any) -> OpSpec:
    """An entry that runs a small program (``call``) rather than one op; not differentiated
    by the harness unless ``grad=True`` is passed."""
    return OpSpec(name, call, sample, **{"grad": False, **flags})


def errors_only(name: str, *cases: ErrorCase) -> OpSpec:
    return OpSpec(name, fn(name), None, variant="errors", grad=False, errors=tuple(cases))


def with_variant(specs: list[OpSpec], variant: str) -> list[OpSpec]:
    return [replace(s, variant=variant) for s in specs]
