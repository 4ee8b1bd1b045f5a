"""Solutions to exercises/profiler.py (docs/profiler.md)."""

from __future__ import annotations

from typing import Any


# --8<-- [start:busiest_op]
def busiest_op(prof: Any) -> tuple[str, int]:
    ops = [avg for avg in prof.key_averages() if avg.key.startswith("aten::")]
    top = max(ops, key=lambda avg: avg.self_cpu_time_total)
    return top.key, top.count
# --8<-- [end:busiest_op]


# --8<-- [start:region]
def region(prof: Any, name: str) -> tuple[int, list[str]]:
    ranges = [event for event in prof.events() if event.name == name]
    first = min(ranges, key=lambda event: event.time_range.start)
    inside = sorted(first.cpu_children, key=lambda event: event.time_range.start)
    return len(ranges), [event.name for event in inside if not event.name.startswith("kernel: ")]
# --8<-- [end:region]


# --8<-- [start:kernel_split]
def kernel_split(prof: Any, op: str) -> tuple[float, float]:
    kernel = python = 0.0
    for event in prof.events():
        if event.name == op:
            kernel += sum(child.cpu_time_total for child in event.cpu_children
                          if child.name == "kernel: " + op)
            python += event.self_cpu_time_total  # the whole range minus every range inside it
    return kernel, python
# --8<-- [end:kernel_split]
