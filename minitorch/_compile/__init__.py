"""``minitorch.compile``: capture a call once, replay its array kernels without Python's op layer.

``torch.compile``'s signature and its life cycle, with a plan in place of generated code:

1. the first call with new input shapes runs eagerly (a warm-up: it makes what is made lazily,
   optimizer state and ``.grad``; CUDA graphs warm up the same way);
2. the second records every array step it runs into a ``Plan`` (``recorder.py``);
3. later calls whose guards hold replay the plan (``plan.py``): the kernels on the new input
   arrays, then ``.grad`` and version counters as eager would have left them.

Guards (TorchDynamo's idea): the inputs' shapes, dtypes, devices, strides and requires_grad and
the grad mode pick a cache entry; a plan also checks that the tensors it reads still hold the same
arrays, that ``.grad`` was not changed behind it, that the modules' ``training`` flags and Python
attributes and the optimizers' options (``lr`` from a scheduler) are those it was captured with.
A failed guard captures again (up to ``recompile_limit`` plans per entry, then eager).

A graph break (a value read into Python: ``.item()``, ``bool(t)``, ``.tolist()``, ``.numpy()``;
a data-dependent shape: ``nonzero``, a boolean mask) makes the call run eagerly from then on, with
one warning that says why and where; ``fullgraph=True`` raises instead. docs/compile.md walks
through a printed plan.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

from .._core import capture as _capture
from .._tensor.tensor import Tensor
from ..autograd import grad_mode, observers
from ..nn.modules.module import Module
from .plan import Plan, python_scalars
from .profile import PlanProfile, profile_plan
from .recorder import GraphBreak, Recorder, ReplayGuardFailure

__all__ = ["InvalidBackend", "OptimizedModule", "Unsupported", "compile"]

_MODES = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")
_BACKENDS = ("inductor", "eager", "aot_eager", "cudagraphs")


class InvalidBackend(RuntimeError):
    """``backend=`` names no backend (``torch._dynamo.exc.InvalidBackend``)."""


class Unsupported(GraphBreak, RuntimeError):
    """A graph break under ``fullgraph=True`` (``torch._dynamo.exc.Unsupported``)."""


class _Entry:
    """What the cache holds for one input signature: warm or not, its plans, or why it runs eagerly."""

    __slots__ = ("captures", "eager_reason", "keep", "plans", "warm")

    def __init__(self, keep: list) -> None:
        self.warm, self.plans, self.captures = False, [], 0
        self.eager_reason: str | None = None
        self.keep = keep  # the non-tensor arguments of the key, kept alive so their ids stay theirs


class CompiledFunction:
    """``fn`` compiled: call it like ``fn`` (see the module docstring for what a call does)."""

    def __init__(self, fn, fullgraph: bool = False, recompile_limit: int | None = None) -> None:
        self._fn = fn
        self._fullgraph = fullgraph
        self._limit = 8 if recompile_limit is None else recompile_limit
        self._entries: dict[tuple, _Entry] = {}
        self._warned: set[str] = set()
        functools.update_wrapper(self, fn)  # type: ignore[arg-type]

    def __call__(self, *args, **kwargs):
        if _capture.observer is not None:  # inside another capture: its recorder sees our kernels
            return self._fn(*args, **kwargs)
        tensors: list = []
        keep: list = []
        key = (grad_mode.is_grad_enabled(), _key(args, tensors, keep),
               _key(tuple(sorted(kwargs.items())), tensors, keep) if kwargs else ())
        entry = self._entries.get(key)
        if entry is None:
            if len(self._entries) >= 8:  # a few signatures (the last smaller batch...): forget the oldest
                del self._entries[next(iter(self._entries))]
            entry = self._entries[key] = _Entry(keep)
        if entry.eager_reason is not None:
            return self._fn(*args, **kwargs)
        if not entry.warm:
            result = self._fn(*args, **kwargs)
            entry.warm = True
            return result
        for plan in entry.plans:
            if plan.guards_pass() is None:
                try:
                    return plan.run([t._data for t in tensors], tensors)
                except ReplayGuardFailure:  # a value it branched on changed: nothing was written yet
                    continue
        if entry.captures >= self._limit:
            entry.eager_reason = f"recompile_limit ({self._limit}) reached"
            self._warn(f"minitorch.compile: {getattr(self._fn, '__name__', 'function')} was captured "
                       f"{entry.captures} times for one input signature (recompile_limit); it runs eagerly now. "
                       f"Last guard that failed: {entry.plans[-1].guards_pass() if entry.plans else 'none'}")
            return self._fn(*args, **kwargs)
        return self._capture(entry, tensors, args, kwargs)

    def profile(self, *args, runs: int = 20, **kwargs) -> PlanProfile:
        """Replay the plan that ``self(*args, **kwargs)`` would replay ``runs`` times, timing each
        kernel, then ``runs`` whole calls; ``print`` the result for a table (``profile.py``). The
        replays are real calls (a training step steps its optimizer). RuntimeError if no plan
        replays these arguments yet (call the function twice first: warm-up, capture)."""
        tensors: list = []
        key = (grad_mode.is_grad_enabled(), _key(args, tensors, []),
               _key(tuple(sorted(kwargs.items())), tensors, []) if kwargs else ())
        entry = self._entries.get(key)
        plan = next((p for p in entry.plans if p.guards_pass() is None), None) if entry is not None else None
        if plan is None:
            raise RuntimeError("profile: no plan replays these arguments yet (the first call warms up, the "
                               "second captures)")
        return profile_plan(plan, lambda: self(*args, **kwargs), [t._data for t in tensors], tensors, runs)

    def __get__(self, obj, objtype=None):
        """``@minitorch.compile`` on a method: bound to its instance (an argument of the cache key)."""
        return self if obj is None else functools.partial(self, obj)

    def _capture(self, entry: _Entry, tensors: list, args, kwargs):
        recorder = Recorder(tensors, self._fullgraph)
        entry.captures += 1
        _capture.observer = recorder  # array calls outside a Primitive, graph breaks
        observers.watch(recorder)  # each Primitive's forward (``Recorder.primitive``)
        try:
            result = self._fn(*args, **kwargs)
        except GraphBreak as e:
            raise Unsupported(str(e)) from None
        finally:
            _capture.observer = None
            observers.unwatch(recorder)
        roots = tuple(a for a in (self._fn, *args, *kwargs.values()) if isinstance(a, Module))
        try:
            plan = recorder.finish(result, roots)
        except GraphBreak as e:
            raise Unsupported(str(e)) from None
        if plan is None:
            if self._fullgraph:
                raise Unsupported(f"minitorch.compile(fullgraph=True): {recorder.broken}")
            if not entry.plans:  # else the plans stay: this call's guards failed, others may not
                entry.eager_reason = recorder.broken
            self._warn(f"minitorch.compile: graph break in {getattr(self._fn, '__name__', 'function')}: "
                       f"{recorder.broken}; this call signature runs eagerly")
        else:
            plan.python_guards = python_scalars(self._fn)
            plan.write_guards()  # its identity checks must see them too
            entry.plans.append(plan)
            if len(entry.plans) > 4:
                entry.plans.pop(0)
        return result

    def _warn(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            warnings.warn(message, UserWarning, stacklevel=4)

    @property
    def plans(self) -> list[Plan]:
        """The plans captured so far (``print(step.plans[-1])`` shows one, a kernel a line)."""
        return [p for e in self._entries.values() for p in e.plans]


def _key(values, tensors: list, keep: list) -> tuple:
    """The guard key of call arguments; appends the tensors (the plan's inputs) to ``tensors``."""
    out: list = []
    for v in values:
        if isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str):  # a keyword argument
            out.append(v[0])
            v = v[1]
        if isinstance(v, Tensor):
            tensors.append(v)
            d, device = v._data, v._device  # the device as its fields: hashed and compared in C, not by device's Python
            out.append((d.shape, d.dtype, device.type, device.index, v._stride or v.stride(), v._requires_grad))
        elif v is None or isinstance(v, (bool, int, float, str)):
            out.append((type(v), v))
        else:
            keep.append(v)
            out.append(("object", id(v)))
    return tuple(out)


class OptimizedModule(Module):
    """A module whose ``forward`` is compiled (``torch._dynamo.eval_frame.OptimizedModule``): the
    original is ``_orig_mod`` (so ``state_dict`` keys start with ``_orig_mod.``, as in PyTorch)."""

    def __init__(self, mod: Module, compiled: CompiledFunction) -> None:
        super().__init__()
        self._orig_mod = mod
        self.__dict__["_compiled"] = compiled
        self.training = mod.training

    def forward(self, *args, **kwargs):
        return self.__dict__["_compiled"](*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self._orig_mod, name)

    @property
    def plans(self) -> list[Plan]:
        return self.__dict__["_compiled"].plans


def compile(model=None, *, fullgraph: bool = False, dynamic: bool | None = None, backend=None,
            mode: str | None = None, options: dict | None = None, name: str | None = None,
            disable: bool = False, recompile_limit: int | None = None, isolate_recompiles: bool = False,
            shapes_spec: Any = None):
    """``torch.compile``: ``model`` (a function or an ``nn.Module``) captured once, replayed after.

    Used as ``compile(fn)``, ``@compile`` or ``@compile(fullgraph=True)``. Every backend and mode
    does the same thing here (a captured plan of array kernels; docs/compile.md); they are checked
    as PyTorch checks them. ``dynamic`` is accepted: a new input shape is a new cache entry.
    """
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified at the same time.")
    if mode is not None and mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(_MODES)}")
    if backend is not None and not callable(backend) and backend not in _BACKENDS:
        raise InvalidBackend(f"Invalid backend: {backend!r}, see `torch._dynamo.list_backends()` for available backends.")
    if callable(backend):
        raise NotImplementedError("minitorch.compile: a callable backend (an FX graph compiler) is not supported")
    if model is None:
        return functools.partial(compile, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                                 options=options, name=name, disable=disable, recompile_limit=recompile_limit)
    if not callable(model):
        raise AssertionError(f"A callable function is expected, but {type(model)} is provided.")  # noqa: TRY004 (torch's type)
    if disable:
        return model
    if isinstance(model, Module):
        return OptimizedModule(model, CompiledFunction(model, fullgraph, recompile_limit))
    return CompiledFunction(model, fullgraph, recompile_limit)
