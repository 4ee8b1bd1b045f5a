"""The figures of docs/profiler.md."""

from __future__ import annotations

import html

import minitorch

from .draw import _svg, _text


def profiler_timeline() -> str:
    """The profiler page's step (x @ w, relu, sum, backward, SGD step), its ranges drawn on a time axis.

    Times are this build's, so the picture changes from build to build; its shape does not.
    """
    from minitorch.profiler import ProfilerActivity, profile, record_function

    minitorch.manual_seed(0)
    x = minitorch.randn(64, 784)
    w = minitorch.randn(784, 10, requires_grad=True)
    opt = minitorch.optim.SGD([w], lr=0.1)
    for _ in range(2):  # the second: a first profiled step spends ~0.2 ms starting up before its first op
        with profile(activities=[ProfilerActivity.CPU]) as prof, record_function("step"):
            loss = (x @ w).relu().sum()
            loss.backward()
            opt.step()
    events = prof.events()

    def depth(e) -> int:
        return 0 if e.cpu_parent is None else 1 + depth(e.cpu_parent)

    t0 = min(e.start_ns for e in events)
    t1 = max(e.end_ns for e in events)
    left, top, width, row = 10, 40, 660, 24
    us = (t1 - t0) / 1000
    px = width / (t1 - t0)
    rows = max(depth(e) for e in events) + 1
    body = [_text(left, 16, f"one profiled step: {len(events)} ranges, {us:.0f} us in this build's run", bold=True)]

    def fill(e) -> str:
        if e.name.startswith("kernel:"):
            return "#fdae6b"
        if "evaluate_function" in e.name or e.name.endswith("Backward0") or "AccumulateGrad" in e.name:
            return "#c6dbef"
        return "#c7e9c0" if e.name.startswith("aten::") else "#d9d9d9"

    tops: list[str] = []
    for e in events:
        x0, w0 = left + (e.start_ns - t0) * px, max((e.end_ns - e.start_ns) * px, 1.0)
        y0 = top + depth(e) * row
        body.append(f'<rect x="{x0:.1f}" y="{y0}" width="{w0:.1f}" height="{row - 4}" fill="{fill(e)}" '
                    f'stroke="#555" stroke-width="0.5"><title>{html.escape(e.name)}: '
                    f'{e.cpu_time_total:.1f} us</title></rect>')
        if depth(e) == 1:  # numbered; the key under the axis names them
            tops.append(e.name)
            body.append(_text(x0 + w0 / 2, y0 + row / 2 + 2, str(len(tops)), "middle"))
        elif depth(e) == 0:
            body.append(_text(x0 + 3, y0 + row / 2 + 2, e.name))
    axis = top + rows * row + 6
    body.append(f'<line x1="{left}" y1="{axis}" x2="{left + width}" y2="{axis}" stroke="#555"/>')
    step = next(s for s in (10, 20, 50, 100, 200, 500, 1000, 2000, 5000) if us / s <= 10)
    for k in range(int(us // step) + 1):
        tx = left + k * step * 1000 * px
        body.append(f'<line x1="{tx:.1f}" y1="{axis}" x2="{tx:.1f}" y2="{axis + 5}" stroke="#555"/>')
        body.append(_text(tx, axis + 18, f"{k * step} us", "middle" if k else "start"))
    keys = [("#d9d9d9", "record_function / optimizer"), ("#c7e9c0", "op (aten::...)"),
            ("#fdae6b", "kernel: the arithmetic"), ("#c6dbef", "backward node")]
    for k, (color, text) in enumerate(keys):
        lx, ly = left + (k % 2) * 330, axis + 30 + (k // 2) * 20
        body.append(f'<rect x="{lx}" y="{ly}" width="14" height="14" fill="{color}" stroke="#555"/>')
        body.append(_text(lx + 20, ly + 12, text))
    for k, name in enumerate(tops):
        name = name.replace("autograd::engine::evaluate_function: ", "evaluate_function: ")
        body.append(_text(left, axis + 90 + 16 * k, f"{k + 1}  {name}"))
    axis += 90 + 16 * len(tops) - 56
    return _svg(left + width + 40, axis + 56, body, "a profiled training step on a time axis")


FIGURES = {"profiler-timeline": profiler_timeline}
