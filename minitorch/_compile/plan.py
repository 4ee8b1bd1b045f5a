"""A captured call as a flat list of array steps, and its replay.

A plan is what ``minitorch.compile`` keeps of one call: ``steps``, each ``(fn, arg slots, constant
kwargs, out slots)``, over a list of buffers (*slots*). A slot is one of

- ``x``: an input (the function's tensor arguments, bound again on every call);
- ``s``: state (the arrays of tensors that existed before the call: parameters, gradients,
  buffers, optimizer state; the replay reads and writes the same arrays);
- ``c``: a constant (an array made during capture by nothing the plan records, a mask of zeros,
  a scalar turned into an array); ``f`` is a constant that a step writes into, copied afresh
  from its value at capture before every replay;
- ``t``: a temporary, the output of a step.

Replaying is ``for step in steps: outs = fn(*bufs[ins])``, then the effects Python can see:
``p.grad`` rebound to the new gradient arrays, version counters advanced as eager would have.
``finalize`` writes that loop out as one Python function of straight-line calls (``codegen.py``:
``plan.source``), which a replay runs; ``run(..., steps)`` keeps the loop, for the profiler.
"""

from __future__ import annotations

import operator
from itertools import chain
from typing import Any

import numpy as np

from .._tensor.tensor import Tensor
from ..backends import backend_of


class Step:
    """One recorded array call: ``outs = fn(*[bufs[i] for i in ins], **kwargs)``."""

    __slots__ = ("fn", "ins", "kw_slots", "kwargs", "multi", "name", "outs", "shapes")

    def __init__(self, fn, ins, kwargs, kw_slots, outs, multi, name, shapes) -> None:
        self.fn, self.ins, self.kwargs, self.kw_slots = fn, ins, kwargs, kw_slots
        self.outs, self.multi, self.name, self.shapes = outs, multi, name, shapes


class Plan:
    """The steps, the slots, the guards and the effects of one captured call (see the module docstring)."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.template: list[Any] = []  # slot -> its array for state and constants, else None
        self.kinds: list[str] = []  # slot -> "x", "s", "c", "f" or "t"
        self.input_slots: list[int] = []
        self.fresh: list[tuple[int, Any]] = []  # (slot, its value at capture): copied before each replay
        self.outputs: Any = None  # the result's structure, tensors as ("slot", i, device)
        self.grad_effects: list[tuple[Any, int | None, Any]] = []  # (tensor or input index, slot, device)
        self.version_effects: list[tuple[Any, int]] = []  # (version counter, increment)
        self.tensor_guards: list[tuple[Any, Any, bool]] = []  # (tensor, its array, requires_grad)
        self.grad_guards: list[tuple[Any, Any, bool]] = []  # (tensor, its grad tensor, grad is None)
        self.module_guards: list[tuple[Any, tuple]] = []  # (module, its training flag and scalars)
        self.optimizer_guards: list[tuple[Any, list, list]] = []  # (optimizer, options read live, the others)
        self.python_guards: list[tuple[Any, str | None, Any]] = []  # (globals or cell, name, value)
        self.fusions: list[tuple[tuple[int, ...], Step]] = []  # (the steps' numbers, the one step run for them)
        self.presets: list[tuple[int, Any]] = []  # (slot, the array a step not run would make: passes.py)
        self.unrun: set[int] = set()  # the numbers of the steps a replay does not call (passes.py)
        self._initial: list[Any] = []  # the template with the presets: a replay's buffers start as this
        self._fast: list[tuple] = []
        self._covers: list[tuple[int, ...]] = []  # the numbers of the steps each entry of _fast runs
        self._module_values: tuple = ()  # every guarded module's __dict__ values at capture, in order
        self.source = ""  # the replay as Python (``replay_source``): ``print(plan.source)``
        self._replay: Any = None  # that source's function, ``(input arrays, input tensors) -> result``
        self.guards_source = ""  # the guards' identity checks as Python (``codegen.guards_source``)
        self._guards_hold: Any = None  # that source's function: True when every guard holds by identity

    # ------------------------------------------------------------------ replay
    def finalize(self) -> None:
        """Turn the steps into the tuples the replay loop reads: ``(fn, get, arity, kwargs, out, outs)``
        with ``get = itemgetter(*ins)`` (one C call for the arguments), ``out`` the one output slot or
        -1, ``outs`` the slots of a tuple result. The steps of a fusion (``fusions.py``) are one
        tuple, of their fused step, where the first of them was; ``steps`` stays what the eager call ran.
        The steps in ``unrun`` are left out, their slots that are read filled from ``presets``."""
        fused = {members[0]: (members, step) for members, step in self.fusions}
        skipped = {n for members, _ in self.fusions for n in members[1:]} | self.unrun
        self._initial = self.template.copy()
        for slot, value in self.presets:
            self._initial[slot] = value
        fast, covers = [], []
        for n, s in enumerate(self.steps):
            if n in skipped:
                continue
            members, s = fused.get(n, ((n,), s))
            arity = len(s.ins)
            get = operator.itemgetter(*s.ins) if arity else None
            kwargs = dict(s.kwargs) if s.kwargs or s.kw_slots else None
            out = s.outs[0] if s.outs and not s.multi else -1
            fast.append((s.fn, get, arity, kwargs, s.kw_slots, out, s.outs if s.multi else ()))
            covers.append(members)
        self._fast, self._covers = fast, covers
        self._module_values = self._modules_now()
        # (imported here: codegen imports passes, which imports this module)
        from .codegen import replay_source

        self.source, self._replay = replay_source(self)
        self.write_guards()

    def write_guards(self) -> None:
        """Generate the identity checks ``guards_pass`` asks first (``codegen.guards_source``) from
        the guards as they are now; called again by whoever adds a guard after ``finalize``."""
        from .codegen import guards_source

        self.guards_source, self._guards_hold = guards_source(self)

    def _modules_now(self) -> tuple:
        """The values in every guarded module's ``__dict__``, one flat tuple (made in C)."""
        return tuple(chain.from_iterable(map(dict.values, [m.__dict__ for m, _ in self.module_guards])))

    def run(self, input_arrays: list, input_tensors: list, steps: list | None = None) -> Any:
        """Replay on new input arrays; returns the function's result built from the output slots.
        ``steps``: the finalized steps to run in place of ``_fast`` (``profile.py`` times each one);
        without, the generated function ``_replay`` (``replay_source``) runs the same calls."""
        if steps is None and self._replay is not None:
            return self._replay(input_arrays, input_tensors)
        bufs = self._initial.copy()
        for s, a in zip(self.input_slots, input_arrays):
            bufs[s] = a
        for s, value in self.fresh:
            bufs[s] = value.copy() if isinstance(value, np.ndarray) else value.clone()
        for fn, get, arity, kwargs, kw_slots, out, outs in self._fast if steps is None else steps:
            if kwargs is None:
                r = fn(get(bufs)) if arity == 1 else fn(*get(bufs)) if arity else fn()
            else:
                for name, i in kw_slots:
                    kwargs[name] = bufs[i]
                r = fn(get(bufs), **kwargs) if arity == 1 else fn(*get(bufs), **kwargs) if arity else fn(**kwargs)
            if out >= 0:
                bufs[out] = r
            elif outs:
                for i, o in zip(outs, r):
                    bufs[i] = o
        for target, slot, device in self.grad_effects:
            t = input_tensors[target] if isinstance(target, int) else target
            t._grad = None if slot is None else Tensor._make(bufs[slot], device)
        for counter, increment in self.version_effects:
            counter.value += increment
        return _build(self.outputs, bufs)

    def guards_pass(self) -> str | None:
        """None when every guard holds, else what changed (the reason to capture again). The
        generated identity checks (``_guards_hold``) answer first; the checks below, by value,
        run only where one of them saw a different object."""
        if self._guards_hold is not None and self._guards_hold():
            return None
        for t, array, requires_grad in self.tensor_guards:
            if t._data is not array:
                return f"a tensor of shape {tuple(t.shape)} the plan reads has new memory (.data was replaced)"
            if t._requires_grad is not requires_grad:
                return f"requires_grad of a tensor of shape {tuple(t.shape)} changed"
            if t._hooks:  # a plan runs no hook: one registered since the capture must run, eagerly
                return f"a tensor of shape {tuple(t.shape)} the plan reads has a hook now"
        for t, grad, is_none in self.grad_guards:
            if (t._grad is None) is not is_none or (grad is not None and t._grad is not grad):
                return "a .grad the plan reads or replaces was changed outside the function"
        now = self._modules_now()  # the same objects as at capture: no snapshot changed (5 modules: 1 µs, not 7)
        if len(now) != len(self._module_values) or not all(map(operator.is_, now, self._module_values)):
            for m, module_snapshot in self.module_guards:
                if _module_snapshot(m) != module_snapshot:
                    return f"{type(m).__name__}'s training flag or a Python attribute changed"
        for m, _ in self.module_guards:  # hooks sit in dicts changed in place: the identities above miss them
            if m._forward_pre_hooks or m._forward_hooks or m._backward_hooks:
                return f"{type(m).__name__} has a hook now"
        for opt, live, snapshot in self.optimizer_guards:
            if _optimizer_snapshot(opt, live) != snapshot:
                return f"{type(opt).__name__}'s hyper-parameters changed (lr from a scheduler?)"
        for scope, name, value in self.python_guards:
            now = scope.get(name, _MISSING) if name is not None else scope.cell_contents
            if type(now) is not type(value) or now != value:
                return f"the Python value {name or 'of a closure variable'} changed"
        return None

    # ------------------------------------------------------------------ printing
    def __str__(self) -> str:
        """One line per kernel: its number, name, the shapes of its arrays, its buffers
        (``x`` input, ``s`` state, ``c``/``f`` constant, ``t`` temporary; a Python argument as its value)."""
        names = [_slot_name(i, k, v) for i, (k, v) in enumerate(zip(self.kinds, self.template))]
        arrays = sum(1 for k, v in zip(self.kinds, self.template) if k == "f" or (k == "c" and hasattr(v, "shape")))
        head = (f"plan: {len(self.steps)} kernels, {self.kinds.count('x')} inputs, {self.kinds.count('s')} state, "
                f"{arrays} constant arrays, {self.kinds.count('t')} temporaries")
        lines = [head]
        for n, s in enumerate(self.steps):
            args = ", ".join([names[i] for i in s.ins] + [f"{k}={names[i]}" for k, i in s.kw_slots])
            outs = ", ".join(names[i] for i in s.outs)
            shapes = " ".join("x".join(map(str, sh)) if sh else "()" for sh in s.shapes)
            result = f" == {s.fn.expected!r}" if hasattr(s.fn, "expected") else f" -> {outs}" if outs else ""
            lines.append(f"{n:4d}  {s.name:<16} {shapes:<26} ({args}){result}")
        for members, s in self.fusions:
            lines.append(f"      fused: {span(members)} run as one {s.name} call")
        for target, slot, _ in self.grad_effects:
            who = f"input {target}" if isinstance(target, int) else f"tensor {tuple(target.shape)}"
            lines.append(f"      effect: {who}.grad = {'None' if slot is None else names[slot]}")
        return "\n".join(lines)


def span(members: tuple[int, ...]) -> str:
    """Step numbers as ``print(plan)`` writes them: ``7``, ``8-11`` for a run, ``21,25`` otherwise."""
    if len(members) == 1:
        return str(members[0])
    if members == tuple(range(members[0], members[-1] + 1)):
        return f"{members[0]}-{members[-1]}"
    return ",".join(map(str, members))


def _slot_name(i: int, kind: str, value: Any) -> str:
    if kind == "c" and isinstance(value, dict) and "params" in value:  # an optimizer's group, read when it runs
        return "param_group"
    if kind == "c" and not hasattr(value, "shape"):  # a Python argument: shown as its value
        text = value.__name__ if isinstance(value, type) else repr(value)
        return text if len(text) <= 14 else text[:11] + "..."
    return f"{kind}{i}"


def _build(spec: Any, bufs: list) -> Any:
    if isinstance(spec, tuple) and spec and spec[0] == "slot":
        return Tensor._make(bufs[spec[1]], spec[2])
    if isinstance(spec, list):
        return [_build(s, bufs) for s in spec]
    if isinstance(spec, tuple) and spec and spec[0] == "seq":
        items = [_build(s, bufs) for s in spec[2]]
        return spec[1](*items) if hasattr(spec[1], "_fields") else spec[1](items)  # a named tuple: by field
    if isinstance(spec, dict):
        return {k: _build(v, bufs) for k, v in spec.items()}
    return spec[1] if isinstance(spec, tuple) and spec and spec[0] == "const" else spec


def _view_of(base, shape, stride, offset):
    """A plan step: the view ``shape``/``stride`` at element ``offset`` of ``base``'s memory (a replayed view)."""
    xp = backend_of(base)
    return xp.as_strided(xp.storage_of(base), shape, stride, offset)


def _pack_tuple(*xs) -> tuple:
    return xs


def _pack_list(*xs) -> list:
    return list(xs)


_PURE = (_pack_tuple, _pack_list, _view_of)


_SCALARS = (bool, int, float, str, type(None))
_MISSING = object()


def python_scalars(fn) -> list[tuple[Any, str | None, Any]]:
    """The Python numbers, strings and flags ``fn``'s own code reads from its globals and closure
    (``lr = 0.1`` at module level, ``def step(): ... p -= lr * g``): a changed one fails a guard."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return []
    scope = getattr(fn, "__globals__", {})
    found: list[tuple[Any, str | None, Any]] = [(scope, n, scope[n]) for n in code.co_names
                                                 if n in scope and isinstance(scope[n], _SCALARS)]
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if isinstance(value, _SCALARS):
            found.append((cell, None, value))
    return found


def _module_snapshot(m) -> tuple:
    """A module's training flag and its Python scalar attributes (``p`` of Dropout, ``eps``...)."""
    return (m.training, tuple(v for v in m.__dict__.values() if isinstance(v, _SCALARS)))


def _optimizer_snapshot(opt, live: list | None = None) -> list:
    """An optimizer's options per group (``lr``, ``momentum``...), without the parameters and the
    options ``live[group]`` that the plan reads when it runs (SGD's and Adam's ``lr``)."""
    groups = opt.param_groups
    if live is None or len(live) != len(groups):  # a group added since the capture: every option counts
        live = [()] * len(groups)
    return [[(k, v) for k, v in g.items() if k != "params" and k not in skip] for g, skip in zip(groups, live)]
