"""``minitorch.profiler``: where the time goes, with ``torch.profiler``'s API.

::

    from minitorch.profiler import profile, record_function, ProfilerActivity

    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        with record_function("train_step"):
            loss = model(x).sum(); loss.backward(); opt.step()
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=10))
    prof.export_chrome_trace("trace.json")     # open in https://ui.perfetto.dev

Every op is a range named as in PyTorch's profiler (``aten::mm``); every backward node runs in
``autograd::engine::evaluate_function: MmBackward0``; ``Optimizer.step#SGD.step`` and
``Optimizer.zero_grad#SGD.zero_grad`` are ranges too. What PyTorch cannot show: inside each
built-in op, a child range ``kernel: aten::mm`` is the computation on the arrays, so the op's
self time is the Python around it (docs/profiler.md).

- ``profiler.py``: ``profile``, ``schedule``, ``ProfilerActivity``, ``ProfilerAction``,
  ``tensorboard_trace_handler``;
- ``_recorder.py``: how ops, nodes and ranges become events, ``record_function``, the op names;
- ``_events.py``: ``FunctionEvent``, ``FunctionEventAvg``, ``EventList`` (table, Chrome trace);
- ``_legacy.py``: ``minitorch.autograd.profiler.profile``, the older form of ``profile``.

Imports neither torch nor numba. Not profiling costs one ``is not None`` test per op.
"""

from __future__ import annotations

from ._events import EventList, FunctionEvent, FunctionEventAvg
from ._recorder import record_function
from .profiler import (
    ProfilerAction,
    ProfilerActivity,
    profile,
    schedule,
    supported_activities,
    tensorboard_trace_handler,
)

__all__ = [
    "EventList",
    "FunctionEvent",
    "FunctionEventAvg",
    "ProfilerAction",
    "ProfilerActivity",
    "profile",
    "record_function",
    "schedule",
    "supported_activities",
    "tensorboard_trace_handler",
]
