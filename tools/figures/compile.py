"""The figures of docs/compile.md."""

from __future__ import annotations

import html

import numpy as np

import minitorch

from .draw import _svg, _text


def _compiled_step_run() -> tuple[list[tuple], list, dict, dict, object]:
    """A compiled training step (2-layer MLP, MSE, SGD) called on batches of 8, then 4, then both.

    Returns each call's ``(number, batch, outcome, plan index or None, microseconds)``, with the
    outcome read from the compiled function's cache (``_entries``: warm, captures, plans) around
    the call; the plans; the buffers each step writes in place (plan index -> step index -> slots,
    logged from the recorder's ``call`` while it captures); where each plan's model, loss, backward
    and SGD parts start (plan index -> step indices, noted inside the step while it is captured);
    and the model (to name the state buffers).
    """
    import time

    from minitorch import nn
    from minitorch._compile import recorder
    from minitorch._core import capture

    minitorch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    opt = minitorch.optim.SGD(model.parameters(), lr=0.1)

    @minitorch.compile
    def step(x, y):
        opt.zero_grad()
        mark()
        out = model(x)
        mark()
        loss = nn.functional.mse_loss(out, y)
        mark()
        loss.backward()
        mark()
        opt.step()
        return loss

    marks: dict = {}

    def mark() -> None:  # while a capture runs: the steps its plan has so far
        if capture.observer is not None:
            marks.setdefault(id(capture.observer.plan), []).append({id(s) for s in capture.observer.plan.steps})

    writes: dict = {}
    plain_call = recorder.Recorder.call

    def call(self, fn, args, kwargs, written):  # the in-place writes a Step does not keep
        out = plain_call(self, fn, args, kwargs, written)
        step = self.plan.steps[-1]
        writes.setdefault(id(self.plan), []).append((step, step.fn, {step.ins[i] for i in written}))
        return out

    def indexed(p) -> tuple[dict, list]:  # the finished plan's step numbers (it drops and moves steps)
        number = {id(s): k for k, s in enumerate(p.steps)}
        logged = {number[id(s)]: slots for s, fn, slots in writes.get(id(p), []) if id(s) in number and s.fn is fn}
        return logged, [sum(1 for s in p.steps if id(s) in before) for before in marks[id(p)]]

    plans: list = []
    calls = []
    recorder.Recorder.call = call
    try:
        for n, batch in enumerate((8, 8, 8, 8, 4, 4, 4, 8, 4, 8), 1):
            x, y = minitorch.randn(batch, 3), minitorch.randn(batch, 1)
            entry = next((e for k, e in step._entries.items() if k[1][0][0] == (batch, 3)), None)
            warm, captures = (entry.warm, entry.captures) if entry else (False, 0)
            ready = next((p for p in entry.plans if p.guards_pass() is None), None) if entry else None
            start = time.perf_counter_ns()
            step(x, y)
            us = (time.perf_counter_ns() - start) / 1000
            entry = next(e for k, e in step._entries.items() if k[1][0][0] == (batch, 3))
            if not warm or entry.eager_reason is not None:
                calls.append((n, batch, "eager", None, us))
            elif entry.captures > captures:
                plans.append(entry.plans[-1])
                calls.append((n, batch, "capture", len(plans) - 1, us))
            else:
                calls.append((n, batch, "replay", plans.index(ready), us))
    finally:
        recorder.Recorder.call = plain_call
    numbered = [indexed(p) for p in plans]
    return calls, plans, {k: w for k, (w, _) in enumerate(numbered)}, {k: m for k, (_, m) in enumerate(numbered)}, model


def compiled_step() -> str:
    """docs/compile.md's life cycle: which calls run eagerly, capture or replay, and plan A drawn.

    Top: ten calls of a compiled step on batches of 8 and 4, one lane per input signature (a cache
    entry), each box coloured by what the call did, with its time in this build's run. Below: the
    first plan, a box per kernel (``print(plan)``'s lines) with the arrays it is handed and the
    arrays it makes or writes into, coloured by kind (input, state, constant, temporary).
    """
    runs = [_compiled_step_run() for _ in range(3)]  # each call's time: the best of 3 runs (a shared machine)
    calls, plans, writes, marks, model = runs[-1]
    assert all([c[:4] for c in run[0]] == [c[:4] for c in calls] for run in runs), "the runs did different things"
    calls = [(*c[:4], min(run[0][k][4] for run in runs)) for k, c in enumerate(calls)]
    plan, written = plans[0], writes[0]
    letters = "ABCDEFGH"
    kind_fill = {"x": "#fdd0a2", "s": "#c7e9c0", "c": "#d9d9d9", "f": "#d9d9d9", "t": "#c6dbef"}
    call_fill = ["#fff3b0", "#dadaeb"]  # replays of plan A, plan B
    left, box_w, gap, width = 10, 60, 6, 700
    body = [_text(left, 16, f"{len(calls)} calls of one compiled training step (times: best of 3 runs, this build)", bold=True)]
    lanes = sorted({c[1] for c in calls}, reverse=True)
    lane_y = {b: 28 + k * 86 for k, b in enumerate(lanes)}
    for b in lanes:
        body.append(_text(left, lane_y[b] + 12, f"batch {b}: x {b}x3, y {b}x1: one input signature (cache entry)"))
    for n, batch, outcome, k, us in calls:
        x0, y0 = left + (n - 1) * (box_w + gap), lane_y[batch] + 20
        fill = "#ffffff" if outcome == "eager" else "#fdae6b" if outcome == "capture" else call_fill[k]
        body.append(f'<rect x="{x0}" y="{y0}" width="{box_w}" height="46" fill="{fill}" stroke="#555" rx="4"/>')
        body.append(_text(x0 + box_w / 2, y0 + 13, f"call {n}", "middle", bold=True))
        body.append(_text(x0 + box_w / 2, y0 + 27, outcome, "middle"))
        body.append(_text(x0 + box_w / 2, y0 + 41, (f"plan {letters[k]}" if k is not None else "warm-up"), "middle"))
        body.append(f'<text x="{x0 + box_w / 2}" y="{y0 + 60}" text-anchor="middle" font-family="monospace" '
                    f'font-size="11" fill="#444">{us:.0f} us</text>')
    changed = next(c for c in calls if c[1] != calls[0][1])  # the first call on the second batch size
    note_y = lane_y[changed[1]] + 36
    body += [_text(left, note_y, "new shape: the cache key (the"),
             _text(left, note_y + 14, "shape guard) misses; a new entry"),
             _text(left, note_y + 28, "warms up and captures plan B -->")]
    top = lane_y[lanes[-1]] + 104
    state_names = {}
    for name, p in model.named_parameters():
        for i, (kind, value) in enumerate(zip(plan.kinds, plan.template)):
            if kind == "s" and value is p._data:
                state_names[i] = name
            elif kind == "s" and i not in state_names and np.shares_memory(value, p._data):
                state_names[i] = f"{name}'s storage"
    names = [f"{k}{i}" for i, k in enumerate(plan.kinds)]
    arrays = {i for i, (k, v) in enumerate(zip(plan.kinds, plan.template)) if k in "xstf" or hasattr(v, "shape")}
    body.append(_text(left, top, "plan A = step.plans[0], drawn: a box per kernel, as print(plan) lists them,",
                      bold=True))
    body.append(_text(left, top + 16, f"the arrays it is handed -> what it makes or (bold) writes into. "
                      f"{len(plan.steps)} kernels."))
    row, kernel_w, chip_w = 17, 262, 34
    first = top + 28
    parts = [*marks[0], len(plan.steps)]  # the first mark: after zero_grad, which sets .grad to None (no kernel)
    for name, lo, hi in zip(("model", "loss", "backward", "SGD"), parts, parts[1:]):
        if hi > lo:  # a bracket beside the part's kernels, its name written along it
            y_lo, y_hi = first + lo * row + 1, first + hi * row - 4
            body.append(f'<path d="M{left + 12},{y_lo} h-5 V{y_hi} h5" fill="none" stroke="#555"/>')
            body.append(f'<text transform="translate({left + 2},{(y_lo + y_hi) / 2}) rotate(-90)" text-anchor="middle" '
                        f'font-family="monospace" font-size="11">{name}</text>')
    left += 16  # the kernels' column, right of the brackets
    for n, s in enumerate(plan.steps):
        y0 = first + n * row
        shapes = " ".join("x".join(map(str, sh)) if sh else "()" for sh in s.shapes)
        body.append(f'<rect x="{left}" y="{y0}" width="{kernel_w}" height="{row - 3}" fill="#f7f7f7" '
                    f'stroke="#999" rx="2"/>')
        text = f"{n:2d} {s.name[:17]:<17} {shapes}"
        body.append(f'<text x="{left + 4}" y="{y0 + 11}" font-family="monospace" font-size="11" '
                    f'xml:space="preserve">{html.escape(text)}</text>')
        handed = [i for i in dict.fromkeys((*s.ins, *(i for _, i in s.kw_slots))) if i in arrays]
        cx = left + kernel_w + 8
        for i in handed:
            body.append(_chip(cx, y0, names[i], kind_fill[plan.kinds[i]]))
            cx += chip_w + 3
        cx = max(cx, left + kernel_w + 8 + 3 * (chip_w + 3))
        wrote = sorted(written.get(n, set()))
        outs = list(dict.fromkeys([*wrote, *s.outs]))
        if outs:
            body.append(_text(cx, y0 + 11, "->"))
        for j, i in enumerate(outs):
            body.append(_chip(cx + 20 + j * (chip_w + 3), y0, names[i], kind_fill[plan.kinds[i]], bold=i in wrote))
    key_x = left + kernel_w + 8 + 3 * (chip_w + 3) + 20 + 2 * (chip_w + 3) + 12
    ky = first + 11
    groups = [("inputs: new arrays", [(names[i], "x" if k == 0 else "y", "x") for k, i in enumerate(plan.input_slots)]),
              ("state: read and updated", [(names[i], state_names.get(i, "state"), "s")
                                           for i, k in enumerate(plan.kinds) if k == "s"]),
              ("constants", [(names[i], "copied at capture", plan.kinds[i]) for i in sorted(arrays)
                             if plan.kinds[i] in "cf"]),
              ("temporaries", [("t..", f"{plan.kinds.count('t')}, made by kernels", "t")])]
    for heading, entries in groups:
        body.append(_text(key_x, ky, heading, bold=True))
        ky += 6
        for chip, text, kind in entries:
            body.append(_chip(key_x, ky, chip, kind_fill[kind]))
            body.append(_text(key_x + chip_w + 5, ky + 11, text))
            ky += row
        ky += 16
    body.append(_chip(key_x, ky - 6, "s2", kind_fill["s"], bold=True))
    body.append(_text(key_x + chip_w + 5, ky + 5, "written in place"))
    bottom = first + len(plan.steps) * row + 4
    for k, (target, slot, _) in enumerate(plan.grad_effects):
        who = next(name for name, p in model.named_parameters() if p is target)
        body.append(_text(left, bottom + 14 + 16 * k, f"effect: {who}.grad = tensor over {names[slot]}"))
    bottom += 14 + 16 * len(plan.grad_effects)
    return _svg(width, bottom, body, "a compiled step's calls, and its plan drawn")


def _chip(x: float, y: float, text: str, fill: str, bold: bool = False) -> str:
    """A buffer in a plan drawing: its slot name on its kind's colour (bold border: written in place)."""
    border = ' stroke-width="2.5" stroke="#000"' if bold else ' stroke="#777"'
    return (f'<rect x="{x}" y="{y}" width="34" height="14" fill="{fill}"{border} rx="3"/>'
            f'<text x="{x + 17}" y="{y + 11}" text-anchor="middle" font-family="monospace" font-size="11">'
            f"{html.escape(text)}</text>")


FIGURES = {"compiled-step": compiled_step}
