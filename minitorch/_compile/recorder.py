"""Capture: run a call eagerly while recording every array step into a ``Plan``.

The recorder is ``_core/capture.py``'s observer for the length of one call. It sees each
Primitive's forward (``Function.apply``: the forward ops and, since backward formulas are Tensor
ops, most of the backward) and each array call made through ``capture.call`` (in-place writes,
gradient accumulation, optimizer updates, random draws). Every array it meets gets a slot, by
identity (``id``; the recorder keeps every array alive, so no id is reused during the capture):

- an input's array: its input slot;
- the output of a recorded step: a temporary;
- an array sharing memory with an input or a temporary that no step made (``x[0]`` is a NumPy
  view made outside any Primitive, ``_get_storage`` a flat one): a step that makes the same view
  of the new buffer (``as_strided``);
- an array of a tensor that existed before the call (found by ``gc``), or a view of one: state,
  used as it is;
- anything else: a constant, copied afresh before each replay if a step writes into it.

Afterwards ``finish`` compares every tensor that existed before the call with its state at the
start: a changed ``.grad`` becomes an effect of the plan (rebound to the slot's new array on each
replay), and so does a version counter that moved.
"""

from __future__ import annotations

import functools
import gc
import itertools
import sys
import traceback
from typing import Any

import numpy as np

from .._tensor.tensor import Tensor
from ..autograd.observers import Observer
from ..backends import backend_of
from .fusions import (
    fuse_cross_entropy,
    fuse_linear_relu,
    fuse_relu_backward_bias_grad,
    fuse_sgd,
    fuse_target_checks,
)
from .lowering import lower_products
from .passes import (
    drop_unused_views,
    fold_views,
    owner_of,
    replay_only_what_is_read,
    steal_gradient_copies,
)
from .plan import (
    _PURE,
    Plan,
    Step,
    _module_snapshot,
    _optimizer_snapshot,
    _pack_list,
    _pack_tuple,
    _view_of,
)


class GraphBreak(Exception):
    """Raised inside a capture with ``fullgraph=True`` (``torch._dynamo.exc.Unsupported``'s role)."""


def _is_array(a: Any) -> bool:
    if isinstance(a, np.ndarray):
        return True
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(a, torch.Tensor)


_PACKAGE_DIR = __file__.rsplit("_compile", 1)[0]


def user_frame() -> str:
    """``file:line (function)`` of the innermost frame outside minitorch (where a graph break is)."""
    for f in reversed(traceback.extract_stack()):
        if not f.filename.startswith(_PACKAGE_DIR):
            return f"{f.filename}:{f.lineno} ({f.name})"
    return "<minitorch>"


class Recorder(Observer):
    """The observer of one capture (see the module docstring); ``finish`` returns the ``Plan``."""

    def __init__(self, input_tensors: list, fullgraph: bool) -> None:
        self.plan = Plan()
        self.fullgraph = fullgraph
        self.broken: str | None = None
        self.ids: dict[int, int] = {}
        self.arrays: dict[int, Any] = {}  # slot -> the array it held during the capture
        self.keep: list = []
        self.dynamic_owner: dict[int, int] = {}  # memory of an input or temporary -> a slot over it
        self.baked_options: set[tuple[int, str]] = set()  # (id of an optimizer's group, option) made constant
        self.view_steps: set[int] = set()  # ids of the steps that are view Primitives' forwards (``is_view``)
        # Every tensor alive now, with what it holds (gc finds them: a Tensor has a __dict__).
        self.pre: list[tuple] = []
        self.modules: list = []
        self.optimizers: list = []
        from ..nn.modules.module import Module
        from ..optim.optimizer import Optimizer

        for o in _live_objects((Tensor, Module, Optimizer)):
            cls = type(o)  # not isinstance: that asks lazy modules for __class__ (and they warn)
            if issubclass(cls, Tensor):
                self.pre.append((o, o._data, o._grad, o._version_counter, o._version_counter.value))
            elif issubclass(cls, Module):
                self.modules.append(o)
            else:
                self.optimizers.append(o)
        self.state_owner = {owner_of(d) for _, d, *_ in self.pre}
        self.keep.extend(d for _, d, *_ in self.pre)
        self.inputs = input_tensors
        for t in input_tensors:
            s = self._new("x", None)
            self.plan.input_slots.append(s)
            self._bind(t._data, s)
        self.start_snapshots = self._snapshots()

    # ------------------------------------------------------------------ slots
    def _new(self, kind: str, value: Any) -> int:
        self.plan.kinds.append(kind)
        self.plan.template.append(value)
        return len(self.plan.kinds) - 1

    def _bind(self, a: Any, slot: int) -> None:
        self.keep.append(a)
        self.ids[id(a)] = slot
        self.arrays[slot] = a
        self.dynamic_owner.setdefault(owner_of(a), slot)

    def slot(self, a: Any, written: bool = False) -> int:
        """The slot of array ``a`` (made on first sight; see the module docstring)."""
        s = self.ids.get(id(a))
        if s is not None:
            if written and self.plan.kinds[s] == "c" and _is_array(a):  # a constant that is written from now on
                self.plan.kinds[s] = "f"
                self.plan.fresh.append((s, a.copy() if isinstance(a, np.ndarray) else a.clone()))
                self.plan.template[s] = None
            return s
        owner = owner_of(a)
        src = self.dynamic_owner.get(owner)
        if src is not None:
            return self._view(a, src)
        self.keep.append(a)
        if owner in self.state_owner:
            s = self._new("s", a)
        elif written:
            s = self._new("f", None)
            self.plan.fresh.append((s, a.copy() if isinstance(a, np.ndarray) else a.clone()))
        else:
            s = self._new("c", a)
        self.ids[id(a)] = s
        return s

    def _view(self, a: Any, src: int) -> int:
        """A step that makes ``a``'s view of the memory of slot ``src`` again on each replay."""
        base = self._value(src)
        xp = backend_of(a)
        offset = (xp.address(a) - xp.address(base)) // a.itemsize
        strides = xp.element_strides(a)
        span = 1 + sum((n - 1) * st for n, st in zip(a.shape, strides)) if a.size else 0
        if offset < 0 or min(strides, default=0) < 0 or offset + span > _span(xp, base):
            self.graph_break("an array view that the plan cannot make again (made outside the recorded kernels)")
        out = self._new("t", None)
        self.plan.steps.append(Step(_view_of, (src,), {"shape": tuple(a.shape), "stride": strides, "offset": offset},
                                    (), (out,), False, "as_strided", (tuple(a.shape),)))
        self._bind(a, out)
        return out

    def _value(self, slot: int) -> Any:
        return self.arrays[slot]

    def _arg(self, a: Any, written: bool = False):
        """("slot", i) for an array, ("const", a) for anything else."""
        if isinstance(a, np.generic):
            return ("const", a)
        if _is_array(a):
            return ("slot", self.slot(a, written))
        if isinstance(a, Tensor):
            self.graph_break("a Tensor handed to a kernel as a plain argument")
        if isinstance(a, (list, tuple)) and any(_is_array(x) or isinstance(x, Tensor) for x in a):
            return ("slot", self._pack(a))
        return ("const", a)

    def _pack(self, seq) -> int:
        """A step that builds the tuple (list) ``seq`` of arrays and Python values again on each replay."""
        s = self.ids.get(id(seq))
        if s is not None:
            return s
        ins = []
        for x in seq:
            kind, v = self._arg(x)
            ins.append(v if kind == "slot" else self._new("c", v))
        out = self._new("t", None)
        fn = _pack_list if isinstance(seq, list) else _pack_tuple
        self.plan.steps.append(Step(fn, tuple(ins), {}, (), (out,), False, "pack", ()))
        self.keep.append(seq)
        self.ids[id(seq)] = out
        return out

    # ------------------------------------------------------------------ the observer's calls
    def primitive(self, cls, ctx, fwd_args, kwargs, res):
        """``Function.apply`` ran ``cls.forward(ctx, *fwd_args, **kwargs)`` and got ``res``."""
        multi = isinstance(res, tuple)
        outs = res if multi else (res,)
        fixed = tuple(np.asarray(o) if isinstance(o, np.generic) else o for o in outs)
        wraps = any(isinstance(o, (np.generic, Tensor)) for o in outs)
        # Arrays forward kept for backward that are neither inputs nor outputs (batch norm's mean and
        # invstd): more outputs of the step, read back from the ctx after each replayed forward.
        known = {id(a) for a in fwd_args} | {id(o) for o in fixed}
        extras: list[tuple[str, Any]] = []
        for i, s in enumerate(ctx._to_save):
            if _is_array(s) and id(s) not in known:
                extras.append(("save", i))
                known.add(id(s))
        for k, v in vars(ctx).items():
            if _is_array(v) and id(v) not in known:
                extras.append(("attr", k))
                known.add(id(v))
        if wraps or extras:
            fn: Any = _Forward(cls.forward, ctx, wraps, multi, tuple(extras))
            extra_arrays = tuple(ctx._to_save[k] if kind == "save" else getattr(ctx, k) for kind, k in extras)
            self._record(fn, fwd_args, kwargs, (), fixed + extra_arrays, multi or bool(extras), cls.__name__)
        else:
            self._record(functools.partial(cls.forward, ctx), fwd_args, kwargs, (), fixed, multi, cls.__name__)
            if getattr(cls, "is_view", False) and not multi and self.plan.steps:
                self.view_steps.add(id(self.plan.steps[-1]))
        if wraps:
            return fixed if multi else fixed[0]
        return res

    def call(self, fn, args, kwargs, writes):
        """``capture.call``: run ``fn`` (nothing recorded inside it) and record it as one step."""
        from .._core import capture

        specs = [self._arg(a, i in writes) for i, a in enumerate(args)]  # before fn writes
        capture.observer = None
        try:
            out = fn(*args, **kwargs)
        finally:
            capture.observer = self
        multi = isinstance(out, tuple)
        outs = () if out is None else (out if multi else (out,))
        self._record(fn, args, kwargs, writes, outs, multi, getattr(fn, "__name__", type(fn).__name__), specs)
        return out

    def value(self, fn, args):
        """``capture.value``: a value library code branches on; recorded as a check of the plan."""
        from .._core import capture

        specs = [self._arg(a) for a in args]
        capture.observer = None
        try:
            out = fn(*args)
        finally:
            capture.observer = self
        self._record(Check(fn, out), args, {}, (), (), False, f"check {fn.__name__}", specs)
        return out

    def _record(self, fn, args, kwargs, writes, outs, multi, name, specs=None):
        specs = specs if specs is not None else [self._arg(a, i in writes) for i, a in enumerate(args)]
        kw_const, kw_slots = {}, []
        for k, v in kwargs.items():
            kind, val = self._arg(v)
            if kind == "slot":
                kw_slots.append((k, val))
            else:
                kw_const[k] = v
        ins = []
        for kind, v in specs:
            if kind == "slot":
                ins.append(v)
            else:  # a Python value: a constant slot of its own
                ins.append(self._new("c", v))
        out_slots = []
        arrays = [o for o in outs if o is not None]
        for o in arrays:
            a = o._data if isinstance(o, Tensor) else o
            if not _is_array(a):
                self.graph_break(f"{name} returned a Python value")
                return
            if any(a is x for x in args):  # written in place and returned (np.add(..., out=a))
                out_slots.append(self.ids[id(a)])
                continue
            s = self._new("t", None)
            self.keep.append(a)
            self.ids[id(a)] = s
            self.arrays[s] = a
            self.dynamic_owner.setdefault(owner_of(a), s)
            out_slots.append(s)
        if len(arrays) != len(outs):
            self.graph_break(f"{name} returned None among its outputs")
        shapes = tuple(tuple(a.shape) for a in (*(a for a in args if _is_array(a)), *arrays))
        self.plan.steps.append(Step(fn, tuple(ins), kw_const, tuple(kw_slots), tuple(out_slots), multi, name, shapes))

    def baked(self, options: dict, key: str) -> None:
        """``capture.baked``: ``options[key]`` became a constant of the plan (it stays guarded)."""
        self.keep.append(options)
        self.baked_options.add((id(options), key))

    def graph_break(self, reason: str) -> None:
        where = user_frame()
        if self.fullgraph:
            raise GraphBreak(f"minitorch.compile(fullgraph=True): {reason}, at {where}")
        if self.broken is None:
            self.broken = f"{reason}, at {where}"

    # ------------------------------------------------------------------ the end of the call
    def _snapshots(self) -> list:
        return ([_module_snapshot(m) for m in self.modules], [_optimizer_snapshot(o) for o in self.optimizers])

    def finish(self, result: Any, roots: tuple = ()) -> Plan | None:
        """The plan of the call that returned ``result``, or None (``self.broken`` says why).
        ``roots``: modules the call was given (the compiled module, a bound ``self``), guarded whole."""
        if self.broken is not None:
            return None
        if self._snapshots() != self.start_snapshots:
            self.graph_break("the function changes Python state the plan cannot replay (a module attribute, "
                             "an optimizer's options: call scheduler.step() outside the compiled function)")
            return None
        plan = self.plan
        state = {i for i, k in enumerate(plan.kinds) if k == "s"}
        input_ids = {id(t): i for i, t in enumerate(self.inputs)}
        grads_changed = False
        for t, data, grad, counter, version in self.pre:
            if t._data is not data:
                self.graph_break("a tensor's .data was replaced inside the function")
                return None
            if self.ids.get(id(data)) in state:
                plan.tensor_guards.append((t, data, t._requires_grad))
            if t._grad is not grad:
                grads_changed = True
                new = t._grad
                if new is not None and (new._requires_grad or new._grad_fn is not None):
                    self.graph_break("a .grad with history (create_graph=True)")
                    return None
                target = input_ids.get(id(t), t)
                plan.grad_effects.append((target, None if new is None else self.slot(new._data), t._device))
                if target is t:
                    plan.grad_guards.append((t, None, grad is None))
            elif grad is not None and self.ids.get(id(grad._data)) in state:
                plan.grad_guards.append((t, grad, False))
            if counter.value != version and not any(c is counter for c, _ in plan.version_effects):
                plan.version_effects.append((counter, counter.value - version))
        # gc.get_objects() lists tensors in an order that depends on the process's history: effects
        # are kept in the order of their slots (the order the capture made them), so a plan prints alike.
        plan.grad_effects.sort(key=lambda effect: -1 if effect[1] is None else effect[1])
        plan.outputs = self._output_spec(result, grads_changed)
        if self.broken is not None:
            return None
        used = self.ids  # the arrays the plan has slots for (kept alive, so their ids are theirs)
        for m in self.modules:
            if (any(m is r for r in roots) or any(id(p._data) in used for p in m.parameters())
                    or any(id(b._data) in used for b in m.buffers())):
                for sub in m.modules():
                    if sub._forward_pre_hooks or sub._forward_hooks or sub._backward_hooks:
                        self.graph_break(f"{type(sub).__name__} has hooks: Python that a replay would not run")
                        return None
                    if not any(sub is g for g, _ in plan.module_guards):
                        plan.module_guards.append((sub, _module_snapshot(sub)))
        for o in self.optimizers:
            if any(id(p._data) in used for g in o.param_groups for p in g["params"]):
                live = [frozenset(k for k in _live_options(o) if (id(g), k) not in self.baked_options)
                        for g in o.param_groups]
                plan.optimizer_guards.append((o, live, _optimizer_snapshot(o, live)))
        if not self._hoist_checks():
            return None
        fold_views(self)
        steal_gradient_copies(self)
        drop_unused_views(self)
        plan.fusions = []
        taken: set[int] = set()
        fused = (fuse_target_checks(self) + fuse_linear_relu(self) + fuse_cross_entropy(self)
                 + fuse_relu_backward_bias_grad(self) + fuse_sgd(self))
        for members, step in sorted(fused, key=lambda f: f[0]) + lower_products(self):
            if taken.isdisjoint(members):  # (no step is in two fusions; a fusion before a lowering)
                plan.fusions.append((members, step))
                taken.update(members)
        plan.fusions.sort(key=lambda f: f[0])
        replay_only_what_is_read(self)
        plan.finalize()
        return plan

    def _hoist_checks(self) -> bool:
        """Move each value check, with the pure steps it needs, before every other step, so that a
        replay whose values differ stops before it wrote anything (then the call is captured again)."""
        plan = self.plan
        producer = {o: n for n, s in enumerate(plan.steps) for o in s.outs}
        front: set[int] = set()
        for n, s in enumerate(plan.steps):
            if not isinstance(s.fn, Check):
                continue
            todo = [n]
            while todo:
                k = todo.pop()
                if k in front:
                    continue
                step = plan.steps[k]
                if not (isinstance(step.fn, (Check, _Forward, functools.partial)) or step.fn in _PURE):
                    self.graph_break(f"a value read into Python ({s.name}) depends on a step that writes")
                    return False
                front.add(k)
                for i in (*step.ins, *(i for _, i in step.kw_slots)):
                    kind = plan.kinds[i]
                    if kind == "t":
                        todo.append(producer[i])
                    elif kind not in ("x", "c"):
                        self.graph_break(f"a value read into Python ({s.name}) depends on state")
                        return False
        plan.steps = ([s for n, s in enumerate(plan.steps) if n in front]
                      + [s for n, s in enumerate(plan.steps) if n not in front])
        return True

    def _output_spec(self, r: Any, grads_changed: bool) -> Any:
        if isinstance(r, Tensor):
            if r._grad_fn is not None and not grads_changed:
                self.graph_break("the result needs a backward that the plan does not hold (compile the "
                                 "whole training step, or call it under no_grad)")
            return ("slot", self.slot(r._data), r._device)
        if isinstance(r, list):
            return [self._output_spec(x, grads_changed) for x in r]
        if isinstance(r, tuple):
            return ("seq", type(r), [self._output_spec(x, grads_changed) for x in r])
        if isinstance(r, dict):
            return {k: self._output_spec(v, grads_changed) for k, v in r.items()}
        if r is None or isinstance(r, (bool, int, float, str)):
            return ("const", r)
        self.graph_break(f"the function returns a {type(r).__name__}")
        return None


def _live_options(opt) -> tuple[str, ...]:
    """The options ``opt``'s update reads when it runs (``Optimizer._live_options``), as declared by
    the class whose ``step`` and ``_update`` it runs: a subclass that overrides either may use
    them some other way (bake ``lr`` into a constant), so all its options stay guarded."""
    cls = type(opt)
    owner = next((c for c in cls.__mro__ if "_live_options" in c.__dict__), None)
    if owner is None or cls.step is not owner.step or cls._update is not owner._update:
        return ()
    return owner._live_options


def _live_objects(bases: tuple) -> list:
    """Every object alive now whose class is one of ``bases`` or a subclass, in gc's order.

    The filter runs in C (``compress`` over ``map``s; a Python loop with ``issubclass`` took as
    long again as ``gc.get_objects()`` itself), and it compares exact types with the set of all
    subclasses, never ``isinstance``, which asks a lazy module for ``__class__`` (and it warns)."""
    classes: set = set()
    todo = list(bases)
    while todo:
        cls = todo.pop()
        if cls not in classes:
            classes.add(cls)
            todo.extend(cls.__subclasses__())
    objects = gc.get_objects()
    return list(itertools.compress(objects, map(classes.__contains__, map(type, objects))))


def _span(xp, a) -> int:
    strides = xp.element_strides(a)
    return 1 + sum((n - 1) * st for n, st in zip(a.shape, strides)) if a.size else 0


class ReplayGuardFailure(Exception):
    """A value the plan branched on differs in this call (raised before any step that writes)."""


class Check:
    """A plan step that recomputes a value library code branched on and stops the replay if it changed."""

    __slots__ = ("__name__", "expected", "fn")

    def __init__(self, fn, expected) -> None:
        self.fn, self.expected, self.__name__ = fn, expected, fn.__name__

    def __call__(self, *args):
        if self.fn(*args) != self.expected:
            raise ReplayGuardFailure(self.__name__)


class _Forward:
    """A Primitive's forward as a plan step: ``cls.forward(ctx, *arrays)``, with the ctx of the capture
    (forward may read ``ctx.needs_input_grad``; what it saves there is dropped on the next replay)."""

    __slots__ = ("__name__", "ctx", "extras", "forward", "multi", "wraps")

    def __init__(self, forward, ctx, wraps: bool, multi: bool, extras: tuple) -> None:
        self.forward, self.ctx, self.wraps, self.multi, self.extras = forward, ctx, wraps, multi, extras

    def __call__(self, *args, **kwargs):
        ctx = self.ctx
        r = self.forward(ctx, *args, **kwargs)
        outs = r if self.multi else (r,)
        if self.wraps:
            outs = tuple(_plain(o) for o in outs)
        if self.extras:
            return outs + tuple(ctx._to_save[k] if kind == "save" else getattr(ctx, k) for kind, k in self.extras)
        return outs if self.multi else outs[0]


def _plain(o):
    if isinstance(o, np.generic):
        return np.asarray(o)
    return o._data if isinstance(o, Tensor) else o
