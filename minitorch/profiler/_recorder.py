"""The recorder: how the ops, the backward nodes and ``record_function`` ranges become events.

minitorch is not instrumented. Profiling is off until a ``profile`` installs a ``Recorder`` in
two module globals that the engine reads: ``autograd/function.py``'s ``_profiler`` (checked once
at the top of ``Function.apply``) and ``autograd/engine.py``'s ``_profiler`` (checked where a
node's backward and a leaf's accumulation run). With no profile they are ``None``, and the
whole cost of the profiler is that one ``is not None`` test.

With a recorder installed:

- ``Function.apply`` hands the call to ``Recorder.op``, which opens a range named as PyTorch names
  the op (``aten::mul``, ``aten::mm``: ``aten_name``) and runs ``apply``'s own code on a stand-in
  for the Function class whose ``forward`` is timed. For a Primitive that forward is the kernel,
  the computation on raw arrays, so it gets a child range ``kernel: aten::mul``; what is left in
  ``aten::mul``'s self time is the Python around the kernel: argument handling, type promotion,
  wrapping the result in a Tensor, recording the node and the saved tensors.
- a backward node runs inside ``autograd::engine::evaluate_function: MulBackward0`` and its own
  range ``MulBackward0``; the ops its backward formula calls are recorded inside it;
- ``record_function("name")`` opens a range of its own (``Optimizer.step#SGD.step`` is one).
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
import traceback
import types
from contextlib import ContextDecorator
from time import perf_counter_ns
from typing import Any

from ..autograd import engine as _engine
from ..autograd import function as _function
from ._events import FunctionEvent

# Names PyTorch gives that the node name does not spell (``Log1PBackward0`` -> ``aten::log1p``).
_ATEN_NAMES = {
    "ToCopy": "to", "Log1P": "log1p", "Im2Col": "im2col", "Col2Im": "col2im", "Overwrite": "copy_",
    "CopySlices": "copy_", "LogSoftmax": "log_softmax", "IndexPut": "index_put_",
}


def aten_name(cls: Any) -> str:
    """PyTorch's profiler name of the op ``cls`` (a Function class or ``Fn.named(...)``).

    Read off the node name it records: ``MulBackward0`` -> ``aten::mul``,
    ``MaxPool2DWithIndicesBackward0`` -> ``aten::max_pool2d_with_indices``, ``MmBackward0`` (the
    ``MatMul`` Function under its ``mm`` name) -> ``aten::mm``. A user's own ``autograd.Function``
    is recorded under its class name, as PyTorch does.
    """
    function = cls.function if isinstance(cls, _function.NamedFunction) else cls
    if not function.__module__.startswith("minitorch."):
        return function.__name__
    node = cls._backward_cls._name
    base = function.__name__.lstrip("_") if "::" in node else re.sub(r"Backward\d*$", "", node)
    if base in _ATEN_NAMES:
        return "aten::" + _ATEN_NAMES[base]
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", re.sub(r"(\d)D", r"\1d", base)).lower()
    return "aten::" + snake


# Globals of autograd/function.py bound once, at import, and read on every apply: copied, not looked up.
_BOUND_AT_IMPORT = ("_tensor_class", "_grad_state")


class _GlobalsWithoutProfiler(dict):
    """A module's globals as a copy of one of its functions sees them: ``_profiler`` is None, every
    other name is read from the module when used (``__missing__``), so a global rebound while the
    profile runs (another observer switched on, say) is seen. The builtins and the names bound at
    import are copied in, so that the common lookups take no detour."""

    def __init__(self, module_globals: dict) -> None:
        builtins = module_globals["__builtins__"]
        builtins = builtins if isinstance(builtins, dict) else vars(builtins)
        super().__init__({k: v for k, v in builtins.items() if k not in module_globals})
        self.update({k: module_globals[k] for k in _BOUND_AT_IMPORT if k in module_globals})
        self["__builtins__"], self["_profiler"] = module_globals["__builtins__"], None
        self.module_globals = module_globals

    def __missing__(self, name: str) -> Any:
        return self.module_globals[name]


def _unobserved(fn: types.FunctionType) -> types.FunctionType:
    """``fn`` itself, compiled code and all, but reading ``_profiler`` as None: ``apply``'s body
    runs once, unchanged, without handing itself to the recorder again."""
    copy = types.FunctionType(fn.__code__, _GlobalsWithoutProfiler(fn.__globals__), fn.__name__, fn.__defaults__,
                              fn.__closure__)
    copy.__kwdefaults__ = fn.__kwdefaults__
    return copy


class _TimedFunction:
    """A stand-in for a Function class inside ``apply``: the same attributes, a timed ``forward``.

    Like ``NamedFunction``: what ``apply`` reads from ``cls`` is copied, the rest is looked up on
    the Function. A Primitive's forward (its kernel) runs in a ``kernel: <op>`` range; another
    Function's forward calls Tensor ops, and those record themselves.
    """

    def __init__(self, cls: Any, recorder: Recorder, name: str, apply: types.FunctionType) -> None:
        self._function = cls
        self._raw, self.is_view = cls._raw, cls.is_view
        self._backward_cls, self.backward = cls._backward_cls, cls.backward
        self.apply = types.MethodType(apply, self)
        forward = cls.forward
        if cls._raw:
            kernel = "kernel: " + name

            def timed_forward(ctx, *args, **kwargs):
                event = recorder.begin(kernel, "kernel")
                try:
                    return forward(ctx, *args, **kwargs)
                finally:
                    recorder.end(event)

            self.forward = timed_forward
        else:
            self.forward = forward

    def __getattr__(self, name: str) -> Any:
        return getattr(self._function, name)


_EVALUATE = "autograd::engine::evaluate_function: "
_ACCUMULATE = "torch::autograd::AccumulateGrad"


class Recorder:
    """Collects the ranges of one profiling session, on the thread that started it.

    While recording, a range is two tuples in a log, ``(id, name, category, shapes, stack, t)`` at
    its start and ``(id, t)`` at its end; ``finish`` builds the ``FunctionEvent`` tree from them.
    Tuples of numbers and strings are left alone by the garbage collector, where a growing tree of
    event objects would be walked by every full collection: time that would land on whatever op
    happened to trigger it.
    """

    def __init__(self, record_shapes: bool = False, with_stack: bool = False) -> None:
        self.record_shapes, self.with_stack = record_shapes, with_stack
        self._log: list[tuple] = []
        self._ids = itertools.count(1)
        self._thread = threading.get_ident()
        self._t0 = perf_counter_ns()
        self._apply = _unobserved(_function.Function.apply.__func__)  # type: ignore[attr-defined]
        self._ops: dict[Any, tuple[str, _TimedFunction]] = {}  # Function -> (name, stand-in)

    # ------------------------------------------------------------------ ranges
    def begin(self, name: str, category: str = "cpu_op", input_shapes: tuple | None = None) -> int:
        """Open a range; returns its id, for ``end``."""
        event_id = next(self._ids)
        stack = tuple(_user_stack()) if self.with_stack else None
        if input_shapes is None and self.record_shapes:
            input_shapes = ()  # as PyTorch: a range with no inputs shows []
        self._log.append((event_id, name, category, input_shapes, stack, perf_counter_ns()))
        return event_id

    def end(self, event_id: int) -> None:
        self._log.append((event_id, perf_counter_ns()))

    def finish(self) -> list[FunctionEvent]:
        """The recorded ranges as events, in the order they began, with their parents and children.

        A range closed out of order closes the ranges opened inside it; one still open ends now."""
        now = perf_counter_ns()
        events: list[FunctionEvent] = []
        open_: list[FunctionEvent] = []
        open_ids: set[int] = set()
        for record in self._log:
            if len(record) == 2:  # an end
                event_id, t = record
                if event_id in open_ids:
                    while True:
                        event = open_.pop()
                        open_ids.discard(event.id)
                        event.end_ns = t - self._t0
                        if event.id == event_id:
                            break
                continue
            event_id, name, category, shapes, stack, t = record
            event = FunctionEvent(event_id, name, self._thread, t - self._t0,
                                  None if shapes is None else [list(s) for s in shapes],
                                  None if stack is None else list(stack), category)
            if open_:
                event.cpu_parent = open_[-1]
                open_[-1].cpu_children.append(event)
            open_.append(event)
            open_ids.add(event_id)
            events.append(event)
        for event in open_:
            event.end_ns = now - self._t0
        self._log = []
        return events

    def on_this_thread(self) -> bool:
        return threading.get_ident() == self._thread

    # ------------------------------------------------------------------ what the engine hands over
    def op(self, cls: Any, args: tuple, kwargs: dict) -> Any:
        """``Function.apply(cls, *args, **kwargs)`` in a range named as PyTorch names the op."""
        if not self.on_this_thread():
            return self._apply(cls, *args, **kwargs)
        entry = self._ops.get(cls)
        if entry is None:
            name = aten_name(cls)
            entry = self._ops[cls] = (name, _TimedFunction(cls, self, name, self._apply))
        name, timed = entry
        shapes = tuple([_shape(a) for a in args]) if self.record_shapes else None
        event = self.begin(name, "cpu_op", shapes)
        try:
            return self._apply(timed, *args, **kwargs)
        finally:
            self.end(event)

    def node(self, node: Any, grads: tuple) -> tuple:
        """``node.apply(grads)`` inside PyTorch's two backward ranges."""
        if not self.on_this_thread():
            return node.apply(grads)
        name = node.name()
        outer = self.begin(_EVALUATE + name)
        try:
            inner = self.begin(name, "cpu_op", tuple([_shape(g) for g in grads]) if self.record_shapes else None)
            try:
                return node.apply(grads)
            finally:
                self.end(inner)
        finally:
            self.end(outer)

    def accumulate(self, accumulate: Any, variable: Any, grads: list, create_graph: bool) -> None:
        """``accumulate(variable, grads[0], create_graph)`` (a leaf's ``.grad +=``) in its ranges.

        ``grads`` comes as the list: the engine decides from reference counts whether ``.grad`` may
        take the gradient's memory over, and a reference held here would make it copy."""
        if not self.on_this_thread():
            accumulate(variable, grads[0], create_graph)
            return
        outer = self.begin(_EVALUATE + _ACCUMULATE)
        try:
            inner = self.begin(_ACCUMULATE)
            try:
                accumulate(variable, grads[0], create_graph)
            finally:
                self.end(inner)
        finally:
            self.end(outer)


def _shape(a: Any) -> tuple:
    """An input as PyTorch's "Input Shapes" show it: a tensor's shape, ``[]`` for anything else."""
    return tuple(a.shape) if isinstance(a, _function._tensor_class) else ()


_PACKAGE_DIR = _function._PACKAGE_DIR


def _user_stack() -> list[str]:
    """The caller's frames outside minitorch, innermost first (PyTorch's ``with_stack``)."""
    frames = [f for f in traceback.extract_stack() if not f.filename.startswith(_PACKAGE_DIR)]
    return [f"{f.filename}({f.lineno}): {f.name}" for f in reversed(frames)]


# ----------------------------------------------------------------------------- installing
def current() -> Recorder | None:
    """The recorder of the profile running now, or None."""
    return _function._profiler


def install(recorder: Recorder | None) -> None:
    """Make ``recorder`` receive the ops and backward nodes (None: stop, back to zero cost)."""
    _function._profiler = recorder
    _engine._profiler = recorder


# ----------------------------------------------------------------------------- record_function
class record_function(ContextDecorator):
    """A named range in the profile: ``with record_function("loss"): ...`` or ``@record_function("f")``.

    ``torch.profiler.record_function``. Outside a profile it does nothing (and costs a lookup).
    """

    def __init__(self, name: str, args: str | None = None) -> None:
        self.name = name
        self.args = args
        self._open: list[tuple[Recorder, int] | None] = []  # one per __enter__ (a decorated
        # function may recurse)

    def __enter__(self):
        recorder = _function._profiler
        if recorder is not None and recorder.on_this_thread():
            self._open.append((recorder, recorder.begin(self.name, "user_annotation")))
        else:
            self._open.append(None)
        return self

    def __exit__(self, *exc: object) -> None:
        entry = self._open.pop() if self._open else None
        if entry is not None:
            entry[0].end(entry[1])


def profiled_method(prefix: str):
    """Decorate ``Optimizer.step``: while profiling, the call is the range ``Optimizer.step#SGD.step``
    (PyTorch's name: the base class's method, then the instance's class and method)."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if _function._profiler is None:
                return method(self, *args, **kwargs)
            with record_function(f"{prefix}#{type(self).__name__}.{method.__name__}"):
                return method(self, *args, **kwargs)

        return wrapper

    return decorate
