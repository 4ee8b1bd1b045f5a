"""What a profile holds: events, their averages per name, the table and the Chrome trace.

PyTorch's ``torch.autograd.profiler_util``: ``FunctionEvent`` (one timed range: an op, a backward
node, a ``record_function``), ``FunctionEventAvg`` (the events of one key summed), and
``EventList`` (a list of either, with ``table``, ``key_averages`` and ``export_chrome_trace``).

Times are in microseconds, as PyTorch's. An event's ``cpu_time_total`` is its whole range, its
``self_cpu_time_total`` that range minus its children's: time spent in the event's own code.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tempfile
from collections.abc import Iterable
from typing import Any


def _format_time(time_us: float) -> str:
    """``12.345us``, ``1.234ms``, ``1.234s`` (PyTorch's ``_format_time``)."""
    if time_us >= 1e6:
        return f"{time_us / 1e6:.3f}s"
    if time_us >= 1e3:
        return f"{time_us / 1e3:.3f}ms"
    return f"{time_us:.3f}us"


def _format_time_share(time_us: float, total_us: float) -> str:
    if total_us == 0:
        return "NaN"
    return f"{time_us * 100.0 / total_us:.2f}%"


class _TimeStrings:
    """The ``*_str`` forms PyTorch's events have next to each time."""

    __slots__ = ()

    cpu_time_total: float
    self_cpu_time_total: float
    count: int

    @property
    def cpu_time(self) -> float:
        """The average time per call (``cpu_time_total / count``)."""
        return 0.0 if self.count == 0 else self.cpu_time_total / self.count

    @property
    def cpu_time_str(self) -> str:
        return _format_time(self.cpu_time)

    @property
    def cpu_time_total_str(self) -> str:
        return _format_time(self.cpu_time_total)

    @property
    def self_cpu_time_total_str(self) -> str:
        return _format_time(self.self_cpu_time_total)

    # a CPU-only profiler: the device columns PyTorch's tables test for are zero
    self_device_time_total = 0.0
    device_time_total = 0.0
    is_async = False
    is_remote = False
    is_legacy = False
    use_device = None
    node_id = -1
    overload_name = ""


class Interval:
    """A range's ``start`` and ``end`` in microseconds (``torch.autograd.profiler_util.Interval``)."""

    __slots__ = ("end", "start")

    def __init__(self, start: float, end: float) -> None:
        self.start, self.end = start, end

    def elapsed_us(self) -> float:
        return self.end - self.start


class FunctionEvent(_TimeStrings):
    """One timed range (``torch.autograd.profiler_util.FunctionEvent``).

    ``start_ns``/``end_ns`` are ``time.perf_counter_ns()`` readings relative to the profile's
    start; ``time_range`` gives them in microseconds. ``cpu_parent`` is the range it ran in,
    ``cpu_children`` the ranges that ran in it.
    """

    # slots: a profile holds one event per op and kernel, and the garbage collector walks them all
    __slots__ = ("category", "count", "cpu_children", "cpu_parent", "end_ns", "id", "input_shapes", "name",
                 "sequence_nr", "stack", "start_ns", "thread", "trace_name")

    def __init__(self, id: int, name: str, thread: int, start_ns: int, input_shapes: list | None = None,
                 stack: list[str] | None = None, category: str = "cpu_op", sequence_nr: int = -1) -> None:
        self.id = id
        self.name = name
        self.thread = thread
        self.start_ns = start_ns
        self.end_ns = start_ns
        self.input_shapes = input_shapes
        self.stack = stack if stack is not None else []
        self.category = category  # the Chrome trace's "cat": cpu_op, user_annotation, kernel
        self.trace_name = name  # its name in the Chrome trace (ProfilerStep#3 for the key ProfilerStep*)
        self.sequence_nr = sequence_nr
        self.cpu_parent: FunctionEvent | None = None
        self.cpu_children: list[FunctionEvent] = []
        self.count = 1

    @property
    def key(self) -> str:
        return self.name

    @property
    def is_user_annotation(self) -> bool:
        return self.category == "user_annotation"

    @property
    def time_range(self) -> Interval:
        """Its start and end in microseconds, ``.start``, ``.end`` and ``.elapsed_us()``."""
        return Interval(self.start_ns / 1e3, self.end_ns / 1e3)

    @property
    def cpu_time_total(self) -> float:  # type: ignore[override]
        return (self.end_ns - self.start_ns) / 1e3

    @property
    def self_cpu_time_total(self) -> float:  # type: ignore[override]
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    def __repr__(self) -> str:
        return (f"<FunctionEvent id={self.id} name={self.name} cpu_time={self.cpu_time_total_str} "
                f"self_cpu_time={self.self_cpu_time_total_str} input_shapes={self.input_shapes} "
                f"cpu_children={[c.id for c in self.cpu_children]}>")


class FunctionEventAvg(_TimeStrings):
    """The events of one key, summed (``torch.autograd.profiler_util.FunctionEventAvg``)."""

    def __init__(self) -> None:
        self.key: str | None = None
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.input_shapes: list | None = None
        self.stack: list[str] | None = None
        self.cpu_parent: FunctionEvent | None = None
        self.cpu_children: list[FunctionEvent] = []
        self.is_user_annotation = False

    def add(self, other: FunctionEvent | FunctionEventAvg) -> FunctionEventAvg:
        if self.key is None:  # the first event: it names the group
            self.key = other.key
            self.input_shapes = other.input_shapes
            self.stack = other.stack
            self.cpu_parent = other.cpu_parent
            self.is_user_annotation = other.is_user_annotation
        elif other.key != self.key:
            raise AssertionError(f"Expected keys to match, but got {self.key} vs {other.key}")
        self.count += other.count
        self.cpu_time_total += other.cpu_time_total
        self.self_cpu_time_total += other.self_cpu_time_total
        return self

    def __iadd__(self, other: FunctionEvent | FunctionEventAvg):
        return self.add(other)

    def __repr__(self) -> str:
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total_str} "
                f"cpu_time={self.cpu_time_str} input_shapes={self.input_shapes}>")


class EventList(list):
    """A list of ``FunctionEvent`` (``prof.events()``) or ``FunctionEventAvg`` (``key_averages()``)."""

    def __init__(self, events: Iterable = ()) -> None:
        super().__init__(events)

    @property
    def self_cpu_time_total(self) -> float:
        """The sum of the self times: the wall time of the outermost ranges."""
        return sum(e.self_cpu_time_total for e in self)

    def key_averages(self, group_by_input_shapes: bool = False, group_by_stack_n: int = 0,
                     group_by_overload_name: bool = False) -> EventList:
        """One ``FunctionEventAvg`` per name (and input shapes, and top ``n`` stack frames, if asked;
        minitorch's ops have no overloads)."""
        groups: dict[tuple, FunctionEventAvg] = {}
        for e in self:
            key: tuple = (e.key,)
            if group_by_input_shapes:
                key += (str(e.input_shapes),)
            if group_by_stack_n:
                key += tuple(e.stack[:group_by_stack_n])
            groups.setdefault(key, FunctionEventAvg()).add(e)
        averages = EventList(groups.values())
        if not group_by_input_shapes:
            for avg in averages:
                avg.input_shapes = None  # as PyTorch: the table then has no "Input Shapes" column
        return averages

    def total_average(self) -> FunctionEventAvg:
        total = FunctionEventAvg()
        for e in self:
            total.count += e.count
            total.cpu_time_total += e.cpu_time_total
            total.self_cpu_time_total += e.self_cpu_time_total
        total.key = "Total"
        return total

    def table(self, sort_by: str | None = None, row_limit: int = 100, max_src_column_width: int = 75,
              max_name_column_width: int = 55, max_shapes_column_width: int = 80, header: str | None = None,
              top_level_events_only: bool = False, time_unit: str | None = None) -> str:
        """PyTorch's table: Name, Self CPU %, Self CPU, CPU total %, CPU total, CPU time avg,
        # of Calls (and Input Shapes, Source Location when recorded), then "Self CPU time total"."""
        return build_table(self, sort_by=sort_by, row_limit=row_limit, max_src_column_width=max_src_column_width,
                           max_name_column_width=max_name_column_width,
                           max_shapes_column_width=max_shapes_column_width, header=header,
                           top_level_events_only=top_level_events_only, time_unit=time_unit)

    def __str__(self) -> str:
        return self.table()

    def export_chrome_trace(self, path: str) -> None:
        """Write the events as Chrome trace JSON (open it in https://ui.perfetto.dev or chrome://tracing).

        One complete event (``"ph": "X"``) per range, ``ts``/``dur`` in microseconds; ranges nest
        exactly as they ran. Written to a temporary file beside ``path`` and renamed over it, so
        ``path`` is the old file or the whole new one, never a half-written one; gzipped when
        ``path`` ends in ``.gz``.
        """
        events = [e for e in self if isinstance(e, FunctionEvent)]
        pid = os.getpid()
        trace: list[dict[str, Any]] = [
            {"ph": "M", "name": "process_name", "pid": pid, "tid": 0, "args": {"name": "python"}},
        ]
        for tid in sorted({e.thread for e in events}):
            trace.append({"ph": "M", "name": "thread_name", "pid": pid, "tid": tid,
                          "args": {"name": f"thread {tid} (python)"}})
        for e in events:
            args: dict[str, Any] = {"External id": e.id}
            if e.sequence_nr >= 0:
                args["Sequence number"] = e.sequence_nr
            if e.input_shapes is not None:
                args["Input Dims"] = e.input_shapes
            if e.stack:
                args["Call stack"] = ";".join(e.stack)
            trace.append({"ph": "X", "cat": e.category, "name": e.trace_name, "pid": pid, "tid": e.thread,
                          "ts": e.start_ns / 1e3, "dur": (e.end_ns - e.start_ns) / 1e3, "args": args})
        write_json_atomically(path, {"schemaVersion": 1, "displayTimeUnit": "ms", "traceEvents": trace})


def write_json_atomically(path: str, obj: Any) -> None:
    """``json.dump(obj)`` into a temporary file in ``path``'s folder, then ``os.replace`` it onto
    ``path``; gzipped when ``path`` ends in ``.gz`` (as PyTorch's ``export_chrome_trace``)."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".trace-", suffix=".json.tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as raw, (gzip.open(raw, "wt") if path.endswith(".gz")
                                          else io.TextIOWrapper(raw)) as f:
            json.dump(obj, f)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def build_table(events: EventList, sort_by: str | None = None, row_limit: int = 100,
                max_src_column_width: int = 75, max_name_column_width: int = 55,
                max_shapes_column_width: int = 80, header: str | None = None,
                top_level_events_only: bool = False, time_unit: str | None = None) -> str:
    """The text table of ``events`` (PyTorch's ``_build_table``, its CPU columns)."""
    if len(events) == 0:
        return ""
    if sort_by is not None:
        attr = sort_by.replace("cuda", "device")
        events = EventList(sorted(events, key=lambda e: getattr(e, attr), reverse=True))
    has_shapes = any(e.input_shapes for e in events)
    stacks = [e.stack for e in events if e.stack]

    name_width = min(max(len(e.key) for e in events) + 4, max_name_column_width)
    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "# of Calls"]
    widths = [name_width] + [12] * 6
    aligns = [">"] * 7
    if has_shapes:
        headers.append("Input Shapes")
        widths.append(min(max(len(str(e.input_shapes)) for e in events) + 4, max_shapes_column_width))
        aligns.append(">")
    if stacks:
        headers.append("Source Location")
        widths.append(min(max(len(s) for st in stacks for s in st) + 4, max_src_column_width))
        aligns.append("<")
    row_format = "".join("{: " + a + str(w) + "}  " for a, w in zip(aligns, widths))
    separator = "".join("-" * w + "  " for w in widths)
    line_length = sum(widths) + 2 * (len(widths) - 1)

    def fmt(time_us: float) -> str:
        scale = {"s": (1e6, "s"), "ms": (1e3, "ms"), "us": (1.0, "us")}.get(time_unit or "")
        return _format_time(time_us) if scale is None else f"{time_us / scale[0]:.3f}{scale[1]}"

    total = sum(e.self_cpu_time_total for e in events)
    lines = []
    if header is not None:
        lines += ["=" * line_length, header]
    if top_level_events_only:
        lines += ["=" * line_length, "This report only display top-level ops statistics"]
    lines += [separator, row_format.format(*headers), separator]
    shown = 0
    for e in events:
        if shown == row_limit:
            break
        if top_level_events_only and e.cpu_parent is not None:
            continue
        shown += 1
        name = e.key
        if len(name) >= max_name_column_width - 3:
            name = name[: max_name_column_width - 3] + "..."
        row = [name, _format_time_share(e.self_cpu_time_total, total), fmt(e.self_cpu_time_total),
               _format_time_share(e.cpu_time_total, total), fmt(e.cpu_time_total), fmt(e.cpu_time), e.count]
        if has_shapes:
            row.append(str(e.input_shapes)[:max_shapes_column_width])
        if stacks:
            src = e.stack[0] if e.stack else ""
            if len(src) > widths[-1]:
                src = "..." + src[len(src) - widths[-1] + 3:]
            row.append(src)
        lines.append(row_format.format(*row))
    lines += [separator, f"Self CPU time total: {fmt(total)}"]
    return "\n".join(lines) + "\n"
