"""Fusions: a run of a plan's steps replayed as one call that makes the same NumPy calls.

A replayed step costs its Python around the arrays as well as its kernels: a Primitive's forward
sets its ``ctx``, asks ``backend_of``, enters ``np.errstate``; an optimizer's step reads its
group's ``lr`` once per parameter. On small arrays that Python is most of the time, and a step
run once per replay, between other steps, finds its code and data cold (in a plan, the MLP's
four cross-entropy steps took ~90 µs where the same calls back to back take ~30). A fusion
below finds such a run and makes one step that the replay calls in its place (``Plan.fusions``;
``Plan.steps``, what ``print(plan)`` shows, stays one step per kernel the eager call ran). It
calls the very NumPy functions the steps called, on the same arrays, in the same order, so a
replay stays bit-identical to the eager call; what goes is the Python between them and the
temporaries nobody reads. Run by ``Recorder.finish`` after the passes of ``passes.py``:

- ``fuse_cross_entropy``: ``LogSoftmax``, ``NllLoss``, ``NllLossBackward`` and
  ``LogSoftmaxBackwardData``, as ``cross_entropy`` and its backward record them on (N, C) logits
  (C at most ``kernels/log_softmax.py: ROW_MAX``, where eager runs the row kernels; no class
  weights, nothing ignored), and the ``Sum`` over the batch of the logits' gradient
  (the bias gradient of the Linear layer before) where there is one, run as one
  ``CrossEntropy`` call (one pass of ``kernels/cross_entropy.py: cross_entropy_into``, with
  the row functions eager's log_softmax and its gradient run on the CPU, and NumPy's loss sum);
- ``fuse_linear_relu``: a Linear layer's ``Addmm`` (``bias + x @ W.t()``) and the ``Relu`` on
  its result run as one ``LinearRelu`` call: the same GEMM, then the bias and the relu in one
  pass (``kernels/blas.py: bias_relu_``, whose bits are NumPy's add and the relu kernel's);
- ``fuse_relu_backward_bias_grad``: ``ThresholdBackward`` (relu's gradient) and the ``Sum`` over
  the batch of its result (the gradient of the bias of the Linear before the relu), a few
  steps apart, run as one ``ReluBackwardBiasGrad`` call where the first was
  (``kernels/blas.py: relu_backward_bias_grad``, the bits of both);
- ``fuse_target_checks``: ``nll_loss``'s two value checks of its class-index target ("is a
  target ignored?", "is one out of range?", hoisted to the front of the plan) run as one
  ``TargetChecks`` call, one pass of ``kernels/cross_entropy.py: target_checks``;
- ``fuse_sgd``: an optimizer's consecutive ``descend_arrays`` steps for one parameter group
  (plain SGD) run as one ``descend_all`` call, which reads ``lr`` once (``optim/_functional.py``);
  where the parameters are state, as ``DescendAll``, their flat views and checks made at capture.

``lowering.py`` does the same for single steps. MLP 784-256-10 (``benchmarks/bench_compile.py``):
see docs/compile.md, "Fusions", for the figures.
"""

from __future__ import annotations

import functools
import operator

import numpy as np

from .._ops.linalg.products import Addmm
from .._ops.pointwise.unary import UNARY_FUNCTIONS, ThresholdBackward
from .._ops.reductions.softmax import LogSoftmax, LogSoftmaxBackwardData
from .._ops.reductions.sums import Sum
from ..nn.functional.loss.classification import NllLoss, NllLossBackward
from ..optim import _functional as optim_functional
from .passes import _Fixed, _Window, spec_slots
from .plan import Step


def _forward_of(step: Step):
    """The Primitive forward a step runs (a ``functools.partial`` or the recorder's ``_Forward``), or None."""
    fn = step.fn
    if isinstance(fn, functools.partial):
        return fn.func
    return getattr(fn, "forward", None)


def _readers(plan) -> dict[int, int]:
    """slot -> how many steps, outputs and ``.grad`` effects read it."""
    count: dict[int, int] = {}
    for s in plan.steps:
        for i in (*s.ins, *(i for _, i in s.kw_slots)):
            count[i] = count.get(i, 0) + 1
    for i in spec_slots(plan.outputs) + [slot for _, slot, _ in plan.grad_effects if slot is not None]:
        count[i] = count.get(i, 0) + 1
    return count


# NllLoss's np.sum of the picked terms is "+0.0, then the pairwise sum" in NumPy 2.4 (the sum of
# [-0.0] is +0.0), which kernels/cross_entropy.py: pairwise_sum repeats; an older NumPy started
# from the first term, so there the plan keeps the four steps.
_SUM_STARTS_FROM_ZERO = not np.signbit(np.add.reduce(np.array([-0.0]), axis=(0,)))


class CrossEntropy:
    """A plan step: ``cross_entropy(x, target)`` forward and its gradient ``g * d loss / dx`` in one
    call, on (N, C) float32/float64 logits ``x`` with class indices ``target``, no weights, nothing
    ignored; with ``bias_grad``, also ``sum(dx, dim 0)`` (the bias gradient of the Linear layer
    that made ``x``).

    Math (C along dim 1; 'mean' divides by N, 'sum' does not):
        y = x - max(x) - log(sum(exp(x - max(x))))              log_softmax   (LogSoftmax)
        loss = -sum_i y[i, t_i]  (/ N)                          nll_loss      (NllLoss)
        d = zeros; d[i, t_i] = -g (/ N)                         its gradient  (NllLossBackward)
        dx = d - exp(y) * sum(d)                                 log_softmax's (LogSoftmaxBackwardData)
        gb = sum(dx, dim 0)                                      the bias's    (Sum)
    One serial kernel pass over the rows (``kernels/cross_entropy.py: cross_entropy_into``) makes
    y, the loss (its sum in NumPy's pairwise order, as NllLoss's ``np.sum``), dx and gb with the
    row functions eager's LogSoftmax and LogSoftmaxBackwardData call on the CPU
    (``kernels/log_softmax.py``). ``sum(d)`` along dim 1, whose rows each hold one
    ``v = -g (/ N)`` among +0.0s, is the scalar ``v + 0.0`` (what the row kernel's sum from 0
    gives, -0.0 included). Returns ``(loss, dx)`` or ``(loss, dx, gb)``. Cost: one kernel call
    and three allocations, where the Primitives made ~20 NumPy calls (and the Sum 1).
    """

    __slots__ = ("__name__", "bias_grad", "block", "count", "dtype", "kernel", "shape", "sum_all")

    def __init__(self, shape: tuple, count: int, reduction: str, bias_grad: bool = False, dtype=np.float32) -> None:
        from ..kernels.cross_entropy import PAIRWISE_BLOCK, cross_entropy_into

        self.shape, self.count, self.sum_all, self.bias_grad = shape, count, reduction == "sum", bias_grad
        self.kernel, self.dtype, self.block = cross_entropy_into, np.dtype(dtype), PAIRWISE_BLOCK
        self.__name__ = "CrossEntropy"

    def __call__(self, x: np.ndarray, target: np.ndarray, g: np.ndarray) -> tuple:
        n, dtype = self.shape[0], self.dtype
        picked, loss, dx, gb = np.empty(n, dtype), np.empty((), dtype), np.empty(self.shape, dtype), np.zeros(
            self.shape[1], dtype)
        _raise_if_bad(self.kernel(x, target, g, self.count, self.sum_all, picked, loss, dx, gb, self.bias_grad), target)
        if n > self.block:  # NllLoss's np.sum, pairwise over halves (the kernel sums one block)
            total = np.add.reduce(picked, axis=(0,), dtype=None, out=None, keepdims=False)
            loss = np.asarray(total if self.sum_all else total / self.count)
        return (loss, dx, gb) if self.bias_grad else (loss, dx)


def _raise_if_bad(code: int, target: np.ndarray) -> None:
    """A ``kernels/cross_entropy.py`` ``_into`` kernel's return code as eager's exception."""
    if code == -2:
        raise RuntimeError("CrossEntropy: the arrays of a replay do not have the shapes of its capture")
    if code >= 0:
        raise IndexError(f"Target {target[code]} is out of bounds.")


def fuse_cross_entropy(rec) -> list[tuple[tuple[int, ...], Step]]:
    """Each run ``LogSoftmax, NllLoss, NllLossBackward, LogSoftmaxBackwardData`` (four consecutive
    steps, as a training step's ``cross_entropy`` and backward record them) as one
    ``CrossEntropy`` step, ``((its four steps), step)``, where: the logits are a 2-d float NumPy
    array with no empty dim, both softmaxes are along dim 1, NllLoss has no weights and no mask
    ('mean' or 'sum'), the backward is that NllLoss's, and nothing else reads the
    log-probabilities or the steps' other outputs. A later ``Sum(dx, (0,), False, None)`` of the
    gradient (the bias gradient of the Linear layer before), with only steps that write nothing
    between, joins the fusion (``_sum_over_batch``)."""
    plan = rec.plan
    found: list[tuple[tuple[int, ...], Step]] = []
    n = 0
    while n + 3 < len(plan.steps):
        fused = _cross_entropy_step(plan, rec.arrays, plan.steps[n:n + 4])
        if fused is not None:
            members: tuple[int, ...] = tuple(range(n, n + 4))
            k = _sum_over_batch(plan, n + 3)
            if k is not None:
                fused.fn = CrossEntropy(fused.fn.shape, fused.fn.count, "sum" if fused.fn.sum_all else "mean", True,
                                         fused.fn.dtype)
                fused.outs += plan.steps[k].outs
                fused.shapes += (fused.shapes[-1][1:],)
                members += (k,)
            found.append((members, fused))
            n += 4
        else:
            n += 1
    return found


def _sum_over_batch(plan, n: int) -> int | None:
    """The number of the first later step that is ``Sum(x, (0,), False, None)`` of step ``n``'s
    one output, if only steps that write nothing lie between, else None."""
    steps, const = plan.steps, plan.template
    out = steps[n].outs[0]
    for k in range(n + 1, len(steps)):
        t = steps[k]
        if (_forward_of(t) is Sum.forward and t.ins[0] == out and len(t.ins) == 4 and len(t.outs) == 1
                and not t.kw_slots and all(plan.kinds[i] == "c" for i in t.ins[1:])
                and [const[i] for i in t.ins[1:]] == [(0,), False, None]):
            return k
        if not _reads_only(t):
            return None
    return None


def _cross_entropy_step(plan, arrays, run: list[Step]) -> Step | None:
    ls, nll, back, lsb = run
    if ([_forward_of(s) for s in run] != [LogSoftmax.forward, NllLoss.forward, NllLossBackward.forward,
                                          LogSoftmaxBackwardData.forward]):
        return None
    # eager's log_softmax runs its row kernels on rows up to ROW_MAX long, NumPy on longer ones
    from ..kernels.log_softmax import ROW_MAX

    x = arrays.get(ls.ins[0])
    const = plan.template
    if (not _SUM_STARTS_FROM_ZERO or type(x) is not np.ndarray or x.ndim != 2 or 0 in x.shape or x.dtype not in (np.float32, np.float64)
            or x.shape[1] > ROW_MAX
            or len(ls.ins) != 2
            or plan.kinds[ls.ins[1]] != "c" or const[ls.ins[1]] != 1 or ls.kwargs or ls.kw_slots):
        return None
    y = ls.outs[0]
    kw = nll.kwargs
    target = dict(nll.kw_slots).get("target")
    if (nll.ins != (y,) or target is None or len(nll.kw_slots) != 1 or kw.get("w") is not None
            or kw.get("keep") is not None or kw.get("class_dim") != 1 or kw.get("reduction") not in ("mean", "sum")
            or type(arrays.get(target)) is not np.ndarray or arrays[target].shape != x.shape[:1]):
        return None
    bkw = back.kwargs
    if (len(back.ins) != 1 or dict(back.kw_slots) != {"target": nll.outs[1], "index": nll.outs[2]}
            or bkw.get("w") is not None or bkw.get("keep") is not None or bkw.get("class_dim") != 1
            or bkw.get("reduction") != kw["reduction"] or bkw.get("input_shape") != x.shape
            or type(bkw.get("count")) is not int or bkw["count"] != x.shape[0]):
        return None
    g = arrays.get(back.ins[0], const[back.ins[0]])
    if type(g) is not np.ndarray or g.dtype != x.dtype or g.shape != ():
        return None
    if (len(lsb.ins) != 3 or lsb.ins[:2] != (back.outs[0], y) or plan.kinds[lsb.ins[2]] != "c"
            or const[lsb.ins[2]] != 1 or lsb.kw_slots or lsb.kwargs):
        return None
    readers = _readers(plan)
    inner = {y: 2, nll.outs[1]: 1, nll.outs[2]: 1, back.outs[0]: 1}  # the reads among the four steps
    if any(readers.get(s, 0) != inner.get(s, 0) for s in (*nll.outs[1:], *back.outs, y)):
        return None
    fn = CrossEntropy(x.shape, bkw["count"], kw["reduction"], False, x.dtype)
    shapes = (x.shape, arrays[target].shape, (), (), x.shape)
    return Step(fn, (ls.ins[0], target, back.ins[0]), {}, (), (nll.outs[0], lsb.outs[0]), True,
                "CrossEntropy", shapes)


def fuse_sgd(rec) -> list[tuple[tuple[int, ...], Step]]:
    """Each run of two or more consecutive ``descend_arrays`` steps on one parameter group (the
    same dict in their constant slots) as one ``descend_all`` step (``optim/_functional.py``: the
    same updates, in the same order, ``lr`` read once)."""
    plan = rec.plan
    steps = plan.steps
    found: list[tuple[tuple[int, ...], Step]] = []
    n = 0
    while n < len(steps):
        k = n
        group = plan.template[steps[n].ins[2]] if _descends(steps[n]) else None
        while k < len(steps) and group is not None and _descends(steps[k]) and plan.template[steps[k].ins[2]] is group:
            k += 1
        if k - n >= 2:
            run = steps[n:k]
            ins = (run[0].ins[2], *(i for s in run for i in s.ins[:2]))
            shapes = tuple(sh for s in run for sh in s.shapes[:2])
            prepared = DescendAll.of(plan, rec.arrays, run)
            step = (Step(prepared, (run[0].ins[2], *(s.ins[1] for s in run)), {}, (), (), False, "descend_all", shapes)
                    if prepared is not None else
                    Step(optim_functional.descend_all, ins, {}, (), (), False, "descend_all", shapes))
            found.append((tuple(range(n, k)), step))
        n = max(k, n + 1)
    return found


class DescendAll:
    """A plan step: ``descend_all(group, p0, g0, p1, g1, ...)`` (SGD's update of a parameter group,
    ``p -= lr * g``, ``lr`` read from the group when it runs) where the parameters are state, the
    same arrays every replay: their flat views and the checks of their layout and dtype are made
    once, at capture, and a replay checks only its gradients' shapes and dtypes against the
    capture's (one tuple comparison each) before ``kernels/optim.py``'s loops
    (``add_scaled_into`` for each array of ``ADD_SCALED_MIN`` elements or more,
    ``add_scaled_each_into`` for the rest: the loops, and so the bits, of ``add_scaled_all``).
    Gradients of other shapes or dtypes take ``descend_all`` itself, which raises as eager does.
    Called as ``(group, g0, g1, ...)``. MLP 784-256-10: the Python of the 8 checks, 8 reshapes
    and 2 entries of ``add_scaled_all`` goes."""

    __slots__ = ("__name__", "big", "dtypes", "each_into", "flat", "into", "kind", "params", "shapes", "small",
                 "small_flat")

    def __init__(self, params: tuple) -> None:
        from ..kernels.optim import ADD_SCALED_MIN, add_scaled_each_into, add_scaled_into

        self.into, self.each_into = add_scaled_into, add_scaled_each_into
        self.params, self.kind = params, params[0].dtype.type
        self.shapes, self.dtypes = tuple(p.shape for p in params), tuple(p.dtype for p in params)
        self.flat = tuple(p.reshape(-1) for p in params)
        self.big = tuple(i for i, p in enumerate(params) if p.size >= ADD_SCALED_MIN)
        self.small = tuple(i for i, p in enumerate(params) if p.size < ADD_SCALED_MIN)
        self.small_flat = tuple(self.flat[i] for i in self.small)
        self.__name__ = "descend_all"

    @classmethod
    def of(cls, plan, arrays: dict, run: list[Step]) -> DescendAll | None:
        """The prepared step for ``run`` (``descend_arrays`` steps of one group), or None where a
        parameter is not a C-contiguous writable float NumPy array of state, the parameters'
        dtypes differ, or a gradient at capture had not its parameter's shape and dtype."""
        params = tuple(plan.template[s.ins[0]] for s in run)
        grads = [arrays.get(s.ins[1]) for s in run]
        if not all(plan.kinds[s.ins[0]] == "s" for s in run) or not all(type(p) is np.ndarray for p in params):
            return None
        dtype = params[0].dtype
        if not all(p.dtype == dtype and p.dtype.kind == "f" and p.flags.c_contiguous and p.flags.writeable
                   and type(g) is np.ndarray and g.shape == p.shape and g.dtype == dtype for p, g in zip(params, grads)):
            return None
        return cls(params)

    def __call__(self, group: dict, *grads: np.ndarray) -> None:
        if tuple(map(_shape_of, grads)) != self.shapes or tuple(map(_dtype_of, grads)) != self.dtypes:
            optim_functional.descend_all(group, *(a for pair in zip(self.params, grads) for a in pair))
            return
        lr = group["lr"]
        alpha = self.kind(-(lr if type(lr) is float else optim_functional.scalar(lr)))
        flat = [g.reshape(-1) for g in grads]
        for i in self.big:
            self.into(self.flat[i], flat[i], alpha)
        if self.small:
            self.each_into(self.small_flat, tuple(flat[i] for i in self.small), alpha)


_shape_of = operator.attrgetter("shape")
_dtype_of = operator.attrgetter("dtype")


def _descends(s: Step) -> bool:
    """Whether ``s`` is ``descend_arrays(param, grad, group)`` (each call's group is a constant slot of its own)."""
    return (s.fn is optim_functional.descend_arrays and len(s.ins) == 3 and not s.kw_slots and not s.kwargs
            and not s.outs)


class TargetChecks:
    """A plan step: ``nll_loss``'s value checks of an integer target ``a``, ``_any_equal(a,
    ignore_index)`` and ``_out_of_range(a, n)`` (``nn/functional/loss/classification.py``), in
    one pass (``kernels/cross_entropy.py: target_checks``). The same two answers, compared with
    the captured ones as ``recorder.Check`` does: a different one stops the replay before any
    step that writes. Cost: one serial pass over ``a``, where the checks made six array ops."""

    __slots__ = ("__name__", "checks", "expected", "failure", "ignore", "n")

    def __init__(self, ignore: int, n: int, expected: tuple[bool, bool], failure: type) -> None:
        from ..kernels.cross_entropy import target_checks

        self.ignore, self.n, self.expected, self.failure = ignore, n, expected, failure
        self.checks, self.__name__ = target_checks, "check target"

    def __call__(self, a: np.ndarray) -> None:
        ignored, outside = self.checks(a, self.ignore, self.n)
        if ignored != self.expected[0]:
            raise self.failure("_any_equal")
        if outside != self.expected[1]:
            raise self.failure("_out_of_range")


def fuse_target_checks(rec) -> list[tuple[tuple[int, ...], Step]]:
    """Each pair of consecutive value checks ``_any_equal(a, i)``, ``_out_of_range(a, n)`` of one
    non-empty integer NumPy array ``a`` with Python int ``i`` and ``n``, as one ``TargetChecks``
    step."""
    from ..nn.functional.loss.classification import _any_equal, _out_of_range
    from .recorder import Check, ReplayGuardFailure

    plan = rec.plan
    steps, const = plan.steps, plan.template
    found: list[tuple[tuple[int, ...], Step]] = []
    for n in range(len(steps) - 1):
        first, second = steps[n], steps[n + 1]
        if not (isinstance(first.fn, Check) and isinstance(second.fn, Check) and first.fn.fn is _any_equal
                and second.fn.fn is _out_of_range and len(first.ins) == len(second.ins) == 2
                and first.ins[0] == second.ins[0] and not first.kw_slots and not second.kw_slots):
            continue
        a = rec.arrays.get(first.ins[0])
        ignore, classes = const[first.ins[1]], const[second.ins[1]]
        if (type(a) is not np.ndarray or a.dtype.kind not in "iu" or a.size == 0 or type(ignore) is not int
                or type(classes) is not int or plan.kinds[first.ins[1]] != "c" or plan.kinds[second.ins[1]] != "c"):
            continue
        fn = TargetChecks(ignore, classes, (first.fn.expected, second.fn.expected), ReplayGuardFailure)
        found.append(((n, n + 1), Step(fn, (first.ins[0],), {}, (), (), False, "check target", (a.shape,))))
    return found


class LinearRelu:
    """A plan step: ``relu(bias + a @ b)`` (``Addmm`` with ``beta = alpha = 1``, then ``Relu``) on
    NumPy arrays: Addmm's GEMM (the backend's ``matmul``), then ``kernels/blas.py: bias_relu_`` in
    place, which rounds each ``v + bias`` as NumPy's add did before relu's comparison. Arguments
    as Addmm's: ``(bias, a, b)``."""

    __slots__ = ("__name__", "bias_relu", "matmul")

    def __init__(self) -> None:
        from .. import kernels
        from ..backends import cpu

        self.matmul, self.bias_relu = cpu.matmul, kernels.blas.bias_relu_
        self.__name__ = "LinearRelu"

    def __call__(self, bias: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self.bias_relu(self.matmul(a, b), bias)


def fuse_linear_relu(rec) -> list[tuple[tuple[int, ...], Step]]:
    """Each ``Addmm`` (beta 1, alpha 1, float NumPy matrices, a 1-d bias of the result's width and
    dtype) followed at once by the ``Relu`` of its result, which nothing else reads, as one
    ``LinearRelu`` step."""
    plan, arrays = rec.plan, rec.arrays
    steps, const = plan.steps, plan.template
    relu = UNARY_FUNCTIONS["relu"].forward
    readers = _readers(plan)
    found: list[tuple[tuple[int, ...], Step]] = []
    for n in range(len(steps) - 1):
        mm, act = steps[n], steps[n + 1]
        if (_forward_of(mm) is not Addmm.forward or _forward_of(act) is not relu or len(mm.ins) != 5
                or mm.kw_slots or mm.kwargs or act.ins != mm.outs or len(mm.outs) != 1 or readers.get(mm.outs[0]) != 1
                or any(plan.kinds[i] != "c" or type(const[i]) is not int or const[i] != 1 for i in mm.ins[3:])):
            continue
        bias, a, b, y = (arrays.get(i, const[i]) for i in (*mm.ins[:3], mm.outs[0]))
        if not all(type(v) is np.ndarray for v in (bias, a, b, y)):
            continue
        if (a.ndim != 2 or b.ndim != 2 or bias.shape != y.shape[1:] or y.ndim != 2 or y.dtype.kind != "f"
                or not a.dtype == b.dtype == bias.dtype == y.dtype):
            continue
        found.append(((n, n + 1), Step(LinearRelu(), mm.ins[:3], {}, (), act.outs, False, "LinearRelu",
                                 (bias.shape, a.shape, b.shape, y.shape))))
    return found


class ReluBackwardBiasGrad:
    """A plan step: ``(gx, gb)``, relu's gradient ``gx = 0 if y <= 0 else g`` and its sum over
    dim 0, ``kernels/blas.py: relu_backward_bias_grad`` (the bits of ``ThresholdBackward`` and
    ``Sum``). Arguments: ``(g, y)``."""

    __slots__ = ("__name__", "kernel")

    def __init__(self) -> None:
        from .. import kernels

        self.kernel = kernels.blas.relu_backward_bias_grad
        self.__name__ = "ReluBackwardBiasGrad"

    def __call__(self, g: np.ndarray, y: np.ndarray) -> tuple:
        return self.kernel(g, y)


def _reads_only(step: Step) -> bool:
    """Whether ``step`` only makes new arrays or views (a Primitive's forward, a window), writing none."""
    from .recorder import _Forward  # (recorder.py imports this module)

    return isinstance(step.fn, (functools.partial, _Fixed, _Window, _Forward))


def fuse_relu_backward_bias_grad(rec) -> list[tuple[tuple[int, ...], Step]]:
    """Each ``ThresholdBackward(g, y)`` on 2-d float NumPy arrays of one shape and dtype whose
    result ``gx`` a later ``Sum(gx, (0,), False, None)`` reduces, with only steps that write
    nothing between them, as one ``ReluBackwardBiasGrad`` step where the first was."""
    plan, arrays = rec.plan, rec.arrays
    steps = plan.steps
    found: list[tuple[tuple[int, ...], Step]] = []
    for n, s in enumerate(steps):
        if _forward_of(s) is not ThresholdBackward.forward or len(s.ins) != 2 or len(s.outs) != 1 or s.kw_slots:
            continue
        g, y, gx = (arrays.get(i) for i in (*s.ins, s.outs[0]))
        if not (type(g) is type(y) is type(gx) is np.ndarray and g.ndim == 2 and g.shape == y.shape == gx.shape
                and g.dtype == y.dtype == gx.dtype and g.dtype.kind == "f"):
            continue
        k = _sum_over_batch(plan, n)
        if k is not None:
            shapes = (g.shape, y.shape, gx.shape, arrays[steps[k].outs[0]].shape)
            found.append(((n, k), Step(ReluBackwardBiasGrad(), s.ins, {}, (), (s.outs[0], steps[k].outs[0]), True,
                                        "ReluBackwardBiasGrad", shapes)))
    return found
