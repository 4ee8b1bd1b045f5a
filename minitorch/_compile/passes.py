"""Rewrites of a captured plan, run at the end of a capture (``Recorder.finish``), before replay.

Each keeps the replay bit-identical to the eager call and only removes Python or memory traffic
that the capture recorded but a replay does not need (docs/compile.md, "Capture"):

- ``fold_views``: a view is always the same window into one array's memory, so it is made with
  one ``np.ndarray(buffer=...)`` call, or, of state, is the array the capture made;
- ``steal_gradient_copies``: ``.grad`` takes over a gradient's memory where eager backward would
  have, instead of the copy the capture saw (the recorder's own references forced it);
- ``drop_unused_views``: view and packing steps whose result nothing reads any more go.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .plan import _PURE, Step, _view_of


def owner_of(a: Any) -> int:
    """A key for the memory ``a`` is a window into (views of one array share it)."""
    if isinstance(a, np.ndarray):
        while getattr(a, "base", None) is not None:
            a = a.base
        return id(a)
    return a.untyped_storage().data_ptr()


def fold_views(rec) -> None:
    """Make each view cheaply: a view Primitive's forward (``Permute``, ``View``, ``Expand``...)
    or a recorded ``as_strided`` is, in a plan, always the same window into the memory of one
    of its arguments. Of a state or constant array (fixed memory: a weight's ``t()``) it is the
    very view the capture made, returned as it is; of an input or a temporary that is
    row-major, one ``np.ndarray(shape, dtype, buffer, offset, strides)`` call with the numbers
    the capture saw (0.5 µs, where the forward's own Python and the flat storage it takes as
    an argument cost ~3 µs each). The step keeps its name; the storage step it no longer
    reads goes (``drop_unused_views``). MLP 784-256-10: 24 of its 62 kernels were views (62 µs);
    13 windows are left (~9 µs)."""
    plan, arrays = rec.plan, rec.arrays
    fixed: set[int] = set()  # slots of views of fixed memory, made by a _Fixed step
    made_by: dict[int, Step] = {}
    for s in plan.steps:
        made_by.update((o, s) for o in s.outs)
        if not (id(s) in rec.view_steps or s.fn is _view_of) or len(s.outs) != 1 or s.kw_slots:
            continue
        a = arrays.get(s.outs[0])
        if type(a) is not np.ndarray:
            continue
        same = [i for i in s.ins if type(arrays.get(i, plan.template[i])) is np.ndarray
                and owner_of(arrays.get(i, plan.template[i])) == owner_of(a)]
        for i in same:
            if plan.kinds[i] in ("s", "c") or i in fixed:  # the same memory every replay
                s.fn, s.ins, s.kwargs = _Fixed(a), (i,), {}
                fixed.add(s.outs[0])
                break
        if isinstance(s.fn, _Fixed):
            continue
        for i in same:  # the flat storage a view Primitive is handed: the array it was made from
            maker = made_by.get(i)
            if (maker is not None and (maker.fn is _view_of or isinstance(maker.fn, _Window))
                    and arrays.get(maker.ins[0]) is not None):
                same.insert(0, maker.ins[0])
                break
        for i in same:
            window = _window(a, arrays[i]) if plan.kinds[i] in ("x", "t") and i in arrays else None
            if window is not None:
                s.fn, s.ins, s.kwargs = window, (i,), {}
                break


def drop_unused_views(rec) -> None:
    """Drop the steps that only make views (or pack tuples) that nothing reads any more. A view
    Primitive's step stays: a plan keeps one step per Primitive the eager call ran (docs/compile.md's
    exercise 3 matches them with the profiler's kernel ranges), and a window costs 0.5 µs."""
    plan = rec.plan
    needed = {slot for _, slot, _ in plan.grad_effects if slot is not None} | set(spec_slots(plan.outputs))
    keep = []
    for s in reversed(plan.steps):
        pure = id(s) not in rec.view_steps and (s.fn in _PURE or isinstance(s.fn, (_Fixed, _Window)))
        if pure and not any(o in needed for o in s.outs):
            continue
        needed.update(s.ins)
        needed.update(i for _, i in s.kw_slots)
        keep.append(s)
    plan.steps = keep[::-1]


def replay_only_what_is_read(rec) -> None:
    """Which steps a replay need not call, though ``plan.steps`` (what ``print(plan)`` shows, what
    the eager call ran) keeps them: a ``_Fixed`` view of state returns the same array every
    replay, so its slot is filled with that array before the replay starts (``Plan.presets``),
    and a view step (``_Fixed``, ``_Window``) whose result no step, output or ``.grad`` reads
    (a ``Permute``'s backward view that the plan's lowered GEMMs never look at) is not made
    (``Plan.unrun``). MLP 784-256-10: 5 of its 14 view steps, ~0.7 µs each in a replay."""
    plan = rec.plan
    read = {i for s in plan.steps for i in (*s.ins, *(i for _, i in s.kw_slots))}
    read.update(slot for _, slot, _ in plan.grad_effects if slot is not None)
    read.update(spec_slots(plan.outputs))
    plan.presets, plan.unrun = [], set()
    for n, s in enumerate(plan.steps):
        if not isinstance(s.fn, (_Fixed, _Window)) or len(s.outs) != 1:
            continue
        if s.outs[0] not in read:
            plan.unrun.add(n)
        elif isinstance(s.fn, _Fixed):
            plan.presets.append((s.outs[0], s.fn.array))
            plan.unrun.add(n)


def steal_gradient_copies(rec) -> None:
    """Let ``.grad`` take over a gradient's memory where the eager step would have.

    Eager backward gives a leaf the incoming gradient itself when nothing else holds it
    (PyTorch's "stealing", ``autograd/accumulate.py: _can_steal``, by reference counts), else a
    copy in the leaf's layout (``_clone_obey_contract``: ``empty``, ``copyto``). Under capture
    the recorder holds every array, so it always sees the copy. Here an ``empty`` + ``copyto``
    pair becomes one ``steal`` step (the source array itself) when the same rule holds in the
    plan: the source is a NumPy array of the copy's dtype, shape and row-major layout, it spans
    all of its memory, that memory is made by a step of this replay (a temporary), and no later
    step, output or other ``.grad`` reaches it. The values are the same; the copy is gone
    (MLP 784-256-10: the 256x784 weight's, ~33 µs a step)."""
    plan, arrays = rec.plan, rec.arrays
    steps = plan.steps
    made_by = {o: n for n, s in enumerate(steps) for o in s.outs}
    memory = {slot: owner_of(a) for slot, a in arrays.items() if isinstance(a, np.ndarray)}
    uses: dict[int, list[int]] = {}  # memory owner -> the numbers of the steps that touch it
    for n, s in enumerate(steps):
        for i in {*s.ins, *(i for _, i in s.kw_slots), *s.outs}:
            if i in memory:
                uses.setdefault(memory[i], []).append(n)
    escaping = [slot for _, slot, _ in plan.grad_effects if slot is not None] + spec_slots(plan.outputs)
    drop: set[int] = set()
    for n, s in enumerate(steps):
        if s.fn is not np.copyto or len(s.ins) != 2 or s.kw_slots or s.kwargs:
            continue
        dst, src = s.ins
        e = made_by.get(dst)
        if e is None or steps[e].fn is not np.empty or dst not in arrays or src not in memory:
            continue
        d, a = arrays[dst], arrays[src]
        root = a if a.base is None else a.base
        owner = memory[src]
        root_slot = rec.dynamic_owner.get(owner)
        if (type(a) is not np.ndarray or a.dtype != d.dtype or a.shape != d.shape or not a.flags.c_contiguous
                or not d.flags.c_contiguous or root.base is not None or root.nbytes != a.nbytes
                or root_slot is None or plan.kinds[root_slot] != "t" or root_slot not in made_by
                or arrays.get(root_slot) is not root or owner in rec.state_owner
                or any(k > n for k in uses.get(owner, ()))
                or any(memory.get(x) == owner for x in escaping if x != dst)):
            continue
        s.fn, s.ins, s.outs, s.name = _steal, (src,), (dst,), "steal"  # the same Step: tools follow it
        drop.add(e)
    plan.steps = [s for n, s in enumerate(steps) if n not in drop]


class _Fixed:
    """A plan step that returns the array it was made with (a view of state: the same every replay);
    its argument, the state it is a view of, is only there for ``print(plan)``."""

    __slots__ = ("array",)

    def __init__(self, array) -> None:
        self.array = array

    def __call__(self, _base):
        return self.array


class _Window:
    """A plan step: the view ``np.ndarray(shape, dtype, buffer=base, offset, strides)`` of a
    row-major ``base`` (``fold_views``)."""

    __slots__ = ("dtype", "offset", "shape", "strides")

    def __init__(self, shape, dtype, offset: int, strides) -> None:
        self.shape, self.dtype, self.offset, self.strides = shape, dtype, offset, strides

    def __call__(self, base):
        return np.ndarray(self.shape, self.dtype, base, self.offset, self.strides)


def _window(a: np.ndarray, base: Any) -> _Window | None:
    """The ``_Window`` step that makes view ``a`` of row-major ``base`` again, or None."""
    if (type(base) is not np.ndarray or not base.flags.c_contiguous or base.flags.writeable != a.flags.writeable
            or owner_of(base) != owner_of(a)):
        return None
    offset = a.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    try:
        again = np.ndarray(a.shape, a.dtype, base, offset, a.strides)
    except (TypeError, ValueError):  # not a window of base's buffer as NumPy sees it
        return None
    return _Window(a.shape, a.dtype, offset, a.strides) if again.__array_interface__ == a.__array_interface__ else None


def _steal(a):
    """A plan step: ``.grad`` takes over array ``a`` (``steal_gradient_copies``)."""
    return a


def spec_slots(spec: Any) -> list[int]:
    """The slots of a plan's output specification (``Recorder._output_spec``)."""
    if isinstance(spec, tuple) and spec and spec[0] == "slot":
        return [spec[1]]
    if isinstance(spec, tuple) and spec and spec[0] == "seq":
        return [i for s in spec[2] for i in spec_slots(s)]
    if isinstance(spec, list):
        return [i for s in spec for i in spec_slots(s)]
    if isinstance(spec, dict):
        return [i for s in spec.values() for i in spec_slots(s)]
    return []
