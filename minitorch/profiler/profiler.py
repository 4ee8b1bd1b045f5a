"""``profile``: record a region of a program, and ``schedule``: which of its steps to record.

``torch.profiler.profile``'s API: a context manager (``with profile() as prof: ...``), or with a
``schedule`` and ``prof.step()`` once per training step, in which case only the steps the schedule
marks as active are recorded, each as a ``ProfilerStep#N`` range, and ``on_trace_ready(prof)``
runs at the end of each active cycle. Afterwards ``prof.key_averages().table(...)``,
``prof.events()`` and ``prof.export_chrome_trace(path)`` read what was recorded.
"""

from __future__ import annotations

import enum
import os
import socket
import time
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from . import _recorder
from ._events import EventList
from ._recorder import Recorder, record_function


class ProfilerActivity(enum.Enum):
    """What to record (``torch.profiler.ProfilerActivity``); minitorch records CPU time only."""

    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5


class ProfilerAction(enum.Enum):
    """What the profiler does during a step (``torch.profiler.ProfilerAction``)."""

    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def supported_activities() -> set[ProfilerActivity]:
    return {ProfilerActivity.CPU}


def schedule(*, wait: int, warmup: int, active: int, repeat: int = 0, skip_first: int = 0,
             skip_first_wait: int = 0) -> Callable[[int], ProfilerAction]:
    """Step number -> action (``torch.profiler.schedule``): skip ``skip_first`` steps, then cycles of
    ``wait`` idle steps, ``warmup`` steps and ``active`` recorded steps, ``repeat`` times (0: forever).

    The last active step of a cycle is ``RECORD_AND_SAVE``: when it ends, ``on_trace_ready`` runs.
    With ``skip_first_wait`` the first cycle starts without its ``wait``.
    """

    def schedule_fn(step: int) -> ProfilerAction:
        if step < 0:
            raise AssertionError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait != 0:
            step += wait
        num_steps = wait + warmup + active
        if repeat > 0 and step / num_steps >= repeat:
            return ProfilerAction.NONE
        mod_step = step % num_steps
        if mod_step < wait:
            return ProfilerAction.NONE
        if mod_step < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if mod_step < num_steps - 1 else ProfilerAction.RECORD_AND_SAVE

    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(
            f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), warmup={warmup} (need >= 0), "
            f"active={active} (need > 0), repeat={repeat} (need >= 0), skip_first={skip_first} (need >= 0)."
        )
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results", stacklevel=2)
    return schedule_fn


def tensorboard_trace_handler(dir_name: str, worker_name: str | None = None, use_gzip: bool = False,
                              use_python_export: bool = False) -> Callable[[profile], None]:
    """An ``on_trace_ready`` that writes each trace as ``dir_name/<worker>.<ns>.pt.trace.json[.gz]``
    (``torch.profiler.tensorboard_trace_handler``; the worker is ``<hostname>_<pid>`` by default)."""

    def handler_fn(prof: profile) -> None:
        try:
            os.makedirs(dir_name, exist_ok=True)
        except OSError as e:
            raise RuntimeError("Can't create directory: " + dir_name) from e
        worker = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        file_name = f"{worker}.{time.time_ns()}.pt.trace.json" + (".gz" if use_gzip else "")
        prof.export_chrome_trace(os.path.join(dir_name, file_name))

    return handler_fn


def _record_every_step(_: int) -> ProfilerAction:
    return ProfilerAction.RECORD


class profile:
    """Record the ops, backward nodes and ``record_function`` ranges run inside it.

    ``torch.profiler.profile``. Accepted for API compatibility and ignored: ``profile_memory``,
    ``with_flops``, ``with_modules`` and the options of PyTorch's tracing back ends. Only the CPU is
    recorded: with ``ProfilerActivity.CUDA`` the time of a CUDA op is the time its launch took.
    """

    def __init__(self, *, activities: Iterable[ProfilerActivity] | None = None,
                 schedule: Callable[[int], ProfilerAction] | None = None,
                 on_trace_ready: Callable[..., Any] | None = None, record_shapes: bool = False,
                 profile_memory: bool = False, with_stack: bool = False, with_flops: bool = False,
                 with_modules: bool = False, experimental_config: Any = None, execution_trace_observer: Any = None,
                 acc_events: bool = False, use_cuda: bool | None = None,
                 custom_trace_id_callback: Callable[[], str] | None = None,
                 post_processing_timeout_s: float | None = None) -> None:
        self.activities = set(activities) if activities is not None else supported_activities()
        if use_cuda is not None:
            warnings.warn("`use_cuda` is deprecated, use `activities` argument instead", FutureWarning, stacklevel=2)
        if not self.activities:
            raise AssertionError("No valid profiler activities found")
        self.record_shapes, self.with_stack = record_shapes, with_stack
        self.record_steps = schedule is not None  # a ProfilerStep#N range around each step
        self.schedule = schedule if schedule is not None else _record_every_step
        self.on_trace_ready = on_trace_ready
        self.step_num = 0
        self.current_action = self.schedule(self.step_num)
        self._recorder: Recorder | None = None
        self._events = EventList()
        self._step_range: record_function | None = None

    # ------------------------------------------------------------------ starting and stopping
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._transit(ProfilerAction.NONE, self.current_action)
        self._enter_step()

    def stop(self) -> None:
        self._exit_step()
        self._transit(self.current_action, None)

    def step(self) -> None:
        """The next step begins: record it or not, as the schedule says."""
        self._exit_step()
        prev = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        self._transit(prev, self.current_action)
        self._enter_step()

    def _enter_step(self) -> None:
        if self.record_steps:
            self._step_range = record_function(f"ProfilerStep#{self.step_num}")
            self._step_range.__enter__()

    def _exit_step(self) -> None:
        if self._step_range is not None:
            self._step_range.__exit__(None, None, None)
            self._step_range = None

    def _transit(self, prev: ProfilerAction, now: ProfilerAction | None) -> None:
        """PyTorch's action map: start/stop recording, hand the trace over, by (prev, now)."""
        recording = (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)
        if prev in recording and (prev is ProfilerAction.RECORD_AND_SAVE or now not in recording):
            if now in (ProfilerAction.NONE, ProfilerAction.WARMUP) and prev is ProfilerAction.RECORD:
                warnings.warn(f"Incorrect schedule: RECORD followed by {now.name}", stacklevel=3)
            self._stop_trace()
            if prev is ProfilerAction.RECORD_AND_SAVE or now is None:
                self._trace_ready()
        elif prev is ProfilerAction.WARMUP and now in (ProfilerAction.NONE, None):
            if now is ProfilerAction.NONE:
                warnings.warn("Incorrect schedule: WARMUP followed by NONE", stacklevel=3)
            self._events = EventList()  # as PyTorch: a trace started and stopped at once, empty
        if now in recording and self._recorder is None:
            self._start_trace()

    def _start_trace(self) -> None:
        if _recorder.current() is not None:
            warnings.warn("Profiler is already enabled: this inner profile records nothing", stacklevel=4)
            self._events = EventList()
            return
        self._recorder = Recorder(self.record_shapes, self.with_stack)
        _recorder.install(self._recorder)

    def _stop_trace(self) -> None:
        recorder, self._recorder = self._recorder, None
        if recorder is None:
            return
        _recorder.install(None)
        events = recorder.finish()
        for e in events:
            if e.is_user_annotation and e.name.startswith("ProfilerStep#"):
                # as PyTorch: one key for all steps in the tables; the trace keeps each step's number
                e.trace_name, e.name = e.name, "ProfilerStep*"
        self._events = EventList(events)

    def _trace_ready(self) -> None:
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)

    # ------------------------------------------------------------------ what was recorded
    def events(self) -> EventList:
        """Every recorded range, in the order they began (of the last finished trace)."""
        return self._events

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0,
                     group_by_overload_name: bool = False) -> EventList:
        """The events summed per name (and per input shapes, or per top stack frames)."""
        return self._events.key_averages(group_by_input_shape, group_by_stack_n)

    def export_chrome_trace(self, path: str, use_python_export: bool = False) -> None:
        """Write the trace as Chrome trace JSON (Perfetto, chrome://tracing), atomically
        (``use_python_export``: PyTorch's choice of exporter, accepted; there is one here)."""
        self._events.export_chrome_trace(path)
