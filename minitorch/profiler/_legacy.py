"""``minitorch.autograd.profiler.profile``: the older profiler API, on the same recorder.

``torch.autograd.profiler.profile(enabled=True, *, use_cuda=False, record_shapes=False, ...)``:
no schedule; the results are ``prof.function_events`` and ``prof.key_averages()``, and
``prof.table(...)`` prints ``key_averages().table(...)``.
"""

from __future__ import annotations

from typing import Any

from ._events import EventList
from .profiler import profile as _profile


class profile:
    """Record the region inside it (``torch.autograd.profiler.profile``); nothing if not ``enabled``."""

    def __init__(self, enabled: bool = True, *, use_cuda: bool = False, use_device: str | None = None,
                 record_shapes: bool = False, with_flops: bool = False, profile_memory: bool = False,
                 with_stack: bool = False, with_modules: bool = False, use_kineto: bool = False,
                 use_cpu: bool = True, **kwargs: Any) -> None:
        self.enabled = enabled
        self._profile = _profile(record_shapes=record_shapes, with_stack=with_stack)

    def __enter__(self):
        if self.enabled:
            self._profile.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self._profile.stop()

    @property
    def function_events(self) -> EventList:
        return self._profile.events()

    def events(self) -> EventList:
        return self._profile.events()

    @property
    def self_cpu_time_total(self) -> float:
        return self._profile.events().self_cpu_time_total

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0,
                     group_by_overload_name: bool = False) -> EventList:
        return self._profile.key_averages(group_by_input_shape, group_by_stack_n)

    def table(self, sort_by: str | None = None, row_limit: int = 100, **kwargs: Any) -> str:
        return self.key_averages().table(sort_by=sort_by, row_limit=row_limit, **kwargs)

    def total_average(self):
        return self._profile.events().total_average()

    def export_chrome_trace(self, path: str) -> None:
        self._profile.export_chrome_trace(path)

    def __str__(self) -> str:
        return self.table()
