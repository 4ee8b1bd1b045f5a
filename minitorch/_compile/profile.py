"""``CompiledFunction.profile``: the time of each kernel of a replayed plan.

A plan's replay is a loop over kernel calls, so where a compiled step spends its time is a table:
one row per kernel, its median time over a few replays, and what the replay costs around the
kernels (guards, filling the buffers, ``.grad`` and version effects, the result's tensors). The
replays are real calls: a training step steps its optimizer each time.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from .plan import Plan, span


class PlanProfile:
    """Per-kernel medians of ``runs`` replays of one plan (``print`` it for the table)."""

    def __init__(self, plan: Plan, kernel_s: list[float], call_s: float, runs: int) -> None:
        self.plan, self.kernel_s, self.call_s, self.runs = plan, kernel_s, call_s, runs

    @property
    def kernels_s(self) -> float:
        """The sum of the kernels' medians, seconds."""
        return sum(self.kernel_s)

    def rows(self) -> list[tuple[int, str, str, float]]:
        """``(step number, kernel name, shapes, median µs)`` for each step of the plan, in order."""
        return [(n, s.name, " ".join("x".join(map(str, sh)) if sh else "()" for sh in s.shapes), t * 1e6)
                for n, (s, t) in enumerate(zip(self.plan.steps, self.kernel_s))]

    def table(self, row_limit: int = 15) -> str:
        """The ``row_limit`` slowest kernels, then the totals (like ``prof.key_averages().table``).
        A fused run of steps (``Plan.fusions``) is one row, named after its fused step and the
        numbers of the steps it runs; ``rows`` gives its time to its first step, 0 to the others."""
        fused = {members[0]: f"{s.name} ({span(members)})" for members, s in self.plan.fusions}
        hidden = {n for members, _ in self.plan.fusions for n in members[1:]}
        rows = sorted(((n, fused.get(n, name), shapes, us) for n, name, shapes, us in self.rows() if n not in hidden),
                      key=lambda r: -r[3])
        lines = [f"{'#':>4}  {'kernel':<24}{'shapes':<34}{'median us':>10}{'share':>8}"]
        total = self.call_s * 1e6
        for n, name, shapes, us in rows[:row_limit]:
            lines.append(f"{n:4d}  {name[:23]:<24}{shapes[:33]:<34}{us:10.1f}{us / total:8.1%}")
        rest = sum(r[3] for r in rows[row_limit:])
        lines.append(f"      {len(rows) - min(row_limit, len(rows))} other kernels{'':<37}{rest:10.1f}{rest / total:8.1%}")
        around = total - self.kernels_s * 1e6
        lines.append(f"      around the kernels (guards, buffers, effects){'':<11}{around:10.1f}{around / total:8.1%}")
        lines.append(f"      whole call (median of {self.runs}){'':<27}{total:10.1f}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def _timed(fn, times: list[float]):
    def timed(*args, **kwargs):
        start = time.perf_counter()
        r = fn(*args, **kwargs)
        times.append(time.perf_counter() - start)
        return r

    return timed


def profile_plan(plan: Plan, call, input_arrays: list, input_tensors: list, runs: int) -> PlanProfile:
    """Replay ``plan`` ``runs`` times timing each kernel, and time ``runs`` whole calls ``call()``
    (guards and all); returns the medians."""
    times: list[list[float]] = [[] for _ in plan._fast]
    steps: list[Any] = [(_timed(fn, t), *rest) for (fn, *rest), t in zip(plan._fast, times)]
    for _ in range(runs):
        plan.run(input_arrays, input_tensors, steps)
    per_step = [0.0] * len(plan.steps)  # a fused call's time on its first step, 0 on the others
    for t, members in zip(times, plan._covers):
        per_step[members[0]] = statistics.median(t)
    calls = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        calls.append(time.perf_counter() - start)
    return PlanProfile(plan, per_step, statistics.median(calls), runs)
