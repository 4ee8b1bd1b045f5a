"""The recorder: how the ops, the backward nodes and ``record_function`` ranges become events.

minitorch is not instrumented. Profiling is off until a ``profile`` installs a ``Recorder``: as an
``Observer`` of ``Function.apply`` (``autograd/observers.py``'s ``watch``, the protocol that
``minitorch.compile``'s capture uses too), and in ``autograd/engine.py``'s ``_profiler`` (checked
where a node's backward and a leaf's accumulation run). With no profile the whole cost of the
profiler is one ``is not None`` test in each.

With a recorder installed:

- ``Function.apply`` tells it when an op begins and ends: the op's range, named as PyTorch names
  the op (``aten::mul``, ``aten::mm``: ``aten_name``). For a Primitive it is also told around the
  forward, the computation on raw arrays, which gets a child range ``kernel: aten::mul``; what is
  left in ``aten::mul``'s self time is the Python around the kernel: argument handling, type
  promotion, wrapping the result in a Tensor, recording the node and the saved tensors.
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
from contextlib import ContextDecorator
from time import perf_counter_ns
from typing import Any

from ..autograd import engine as _engine
from ..autograd import function as _function
from ..autograd import observers
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


_EVALUATE = "autograd::engine::evaluate_function: "
_ACCUMULATE = "torch::autograd::AccumulateGrad"


class Recorder(observers.Observer):
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
        self._names: dict[Any, tuple[str, str]] = {}  # Function -> (op name, its kernel's name)
        self._kernel: int | None = None  # the id of the kernel range open now

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

    # ------------------------------------------------------------------ what Function.apply tells
    def _names_of(self, cls: Any) -> tuple[str, str]:
        names = self._names.get(cls)
        if names is None:
            name = aten_name(cls)
            names = self._names[cls] = (name, "kernel: " + name)
        return names

    def begin_op(self, cls: Any, args: tuple) -> int | None:
        """An op starts: its range, named as PyTorch names the op (``aten::mul``)."""
        if not self.on_this_thread():
            return None
        shapes = tuple([_shape(a) for a in args]) if self.record_shapes else None
        return self.begin(self._names_of(cls)[0], "cpu_op", shapes)

    def kernel(self, cls: Any) -> None:
        """A Primitive's forward starts: the child range ``kernel: aten::mul``."""
        if self.on_this_thread():
            self._kernel = self.begin(self._names_of(cls)[1], "kernel")

    def primitive(self, cls: Any, ctx: Any, fwd_args: list, kwargs: dict, res: Any) -> Any:
        """The forward returned: its kernel range ends (one that raised is closed by ``end``)."""
        if self._kernel is not None and self.on_this_thread():  # (an op on another thread has none)
            self.end(self._kernel)
            self._kernel = None
        return res

    def end_op(self, token: int | None) -> None:
        if token is not None:
            self.end(token)

    # ------------------------------------------------------------------ what the engine hands over
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
_current: Recorder | None = None


def current() -> Recorder | None:
    """The recorder of the profile running now, or None."""
    return _current


def install(recorder: Recorder | None) -> None:
    """Make ``recorder`` receive the ops and backward nodes (None: stop, back to zero cost)."""
    global _current
    if _current is not None:
        observers.unwatch(_current)
    if recorder is not None:
        observers.watch(recorder)
    _current = recorder
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
        recorder = _current
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
            if _current is None:
                return method(self, *args, **kwargs)
            with record_function(f"{prefix}#{type(self).__name__}.{method.__name__}"):
                return method(self, *args, **kwargs)

        return wrapper

    return decorate
