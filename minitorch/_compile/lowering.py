"""Lowering: a lone ``MatMul``, ``Addmm`` or ``Sum`` step of a plan calls the backend directly.

A Primitive's forward does more than its kernel: it fills its ``ctx`` for backward (saved arrays,
``MatMul``'s and ``Addmm``'s tests of which operand is column-major) and asks ``backend_of``. In a
replay that Python costs ~3 µs a step for nothing, since the backward steps are in the plan already.
``lower_products`` gives each such step on NumPy arrays that no fusion of ``fusions.py`` took a
step that makes only the backend's call (``Matmul``, ``Linear``, ``SumOver``): the same call,
so the same bits. It runs after the fusions (``Recorder.finish``), as one-step fusions in
``Plan.fusions``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._ops.linalg.matmul import MatMul
from .._ops.linalg.products import Addmm
from .._ops.reductions.sums import Sum, accumulator
from .fusions import _descends, _forward_of
from .passes import owner_of
from .plan import Step


def _numpys(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether the backend's ``matmul(a, b)`` is ``np.matmul(a, b)`` at every thread count
    (``kernels/blas.py: numpys_at_every_thread_count``): then a replay calls ``np.matmul``
    itself, the same call without the backend's routing (~1.5 µs)."""
    from ..kernels import blas

    return blas.numpys_at_every_thread_count(a, b)


class Matmul:
    """A plan step: ``MatMul``'s forward without its Python, the backend's ``matmul(a, b)``;
    ``rows``: its result is a gradient that SGD's update reads next, so a GEMM shared out is cut
    by rows (``kernels/blas.py: ROWS_C_BYTES``: each thread's rows stay in its cache for the
    half of the update it runs; the same bits). Where the backend's call is ``np.matmul``
    (``_numpys``), the step is ``np.matmul`` itself."""

    __slots__ = ("__name__", "matmul", "rows")

    def __init__(self, rows: bool = False) -> None:
        from ..backends import cpu

        self.matmul, self.rows, self.__name__ = cpu.matmul, rows, "matmul"

    def __call__(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self.matmul(a, b, rows=True) if self.rows else self.matmul(a, b)


class Linear:
    """A plan step: ``Addmm``'s forward with ``beta = alpha = 1``, ``bias + a @ b``: the backend's
    ``matmul`` (or ``np.matmul``: ``_numpys``), then NumPy's add into the product (Addmm
    adds into a new array: the same values)."""

    __slots__ = ("__name__", "matmul")

    def __init__(self, numpys: bool = False) -> None:
        from ..backends import cpu

        self.matmul, self.__name__ = np.matmul if numpys else cpu.matmul, "linear"

    def __call__(self, bias: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        y = self.matmul(a, b)
        return np.add(y, bias, out=y)


class SumOver:
    """A plan step: ``Sum``'s forward without its Python, ``asarray(sum(x, dims, keepdim, dtype))``
    with the backend's ``sum`` and ``accumulator``'s dtype, as ``Sum.forward``."""

    __slots__ = ("__name__", "dims", "dtype", "keepdim", "sum")

    def __init__(self, dims: Any, keepdim: bool, dtype: Any) -> None:
        from ..backends import cpu

        self.sum, self.dims, self.keepdim, self.dtype, self.__name__ = cpu.sum, dims, keepdim, dtype, "sum"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.sum(x, axis=self.dims, keepdims=self.keepdim, dtype=self.dtype or accumulator(x)))


def lower_products(rec) -> list[tuple[tuple[int, ...], Step]]:
    """Each ``MatMul`` of two NumPy arrays (cut by rows where its result's memory is a gradient
    that a ``descend_arrays`` step reads: ``Matmul.rows``), ``Addmm`` (beta 1, alpha 1) of a bias
    and two NumPy matrices whose product has the bias's dtype and whose bias broadcasts along
    the rows, and
    ``Sum`` of a NumPy array, as one step that calls the backend directly."""
    plan, arrays = rec.plan, rec.arrays
    steps, const = plan.steps, plan.template
    descended = _descended_memory(steps, arrays)
    found: list[tuple[tuple[int, ...], Step]] = []
    for n, s in enumerate(steps):
        fwd = _forward_of(s)
        if fwd not in (MatMul.forward, Addmm.forward, Sum.forward) or s.kw_slots or s.kwargs or len(s.outs) != 1:
            continue
        values = [arrays.get(i, const[i]) for i in s.ins]
        out = arrays.get(s.outs[0])
        if type(out) is not np.ndarray:
            continue
        if fwd is MatMul.forward and len(values) == 2 and all(type(v) is np.ndarray for v in values):
            rows = owner_of(out) in descended
            fn = np.matmul if _numpys(*values) else Matmul(rows)
            found.append(((n,), Step(fn, s.ins, {}, (), s.outs, False, "matmul", s.shapes)))
        elif (fwd is Addmm.forward and len(values) == 5 and all(type(v) is np.ndarray for v in values[:3])
              and all(plan.kinds[i] == "c" and type(const[i]) is int and const[i] == 1 for i in s.ins[3:])
              and values[0].dtype == out.dtype and values[0].shape in (out.shape[1:], (1,) + out.shape[1:])
              and out.ndim == 2):
            fn = Linear(_numpys(values[1], values[2]))
            found.append(((n,), Step(fn, s.ins[:3], {}, (), s.outs, False, "linear", s.shapes)))
        elif (fwd is Sum.forward and len(values) == 4 and type(values[0]) is np.ndarray
              and all(plan.kinds[i] == "c" for i in s.ins[1:])):
            found.append(((n,), Step(SumOver(*values[1:]), s.ins[:1], {}, (), s.outs, False, "sum", s.shapes)))
    return found


def _descended_memory(steps: list[Step], arrays: dict) -> set[int]:
    """The memory (``owner_of``) of every gradient a ``descend_arrays`` step reads, through the
    ``steal`` that handed it to ``.grad``."""
    from .passes import _steal

    made_by = {o: s for s in steps for o in s.outs}
    found = set()
    for s in steps:
        if not _descends(s):
            continue
        slot = s.ins[1]
        while slot in made_by and made_by[slot].fn is _steal:
            slot = made_by[slot].ins[0]
        if type(arrays.get(slot)) is np.ndarray:
            found.add(owner_of(arrays[slot]))
    return found
