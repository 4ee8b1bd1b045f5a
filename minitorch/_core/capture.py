"""The hook through which ``minitorch.compile`` watches the array work of a call.

``observer`` is None except while ``minitorch.compile`` captures a call (``_compile/capture.py``).
Every place that computes on backend arrays *outside* a Primitive's forward, and whose result a
later step reads (an in-place write into storage, gradient accumulation, an optimizer's raw update,
a random draw), goes through ``call``, so that the capture sees it; a place that reads a value into
Python (``.item()``, ``bool(t)``, a data-dependent shape) calls ``graph_break``. When nobody
watches, both cost one global lookup.
"""

from __future__ import annotations

from typing import Any

observer: Any = None


def call(fn, *args, writes: tuple[int, ...] = (), **kwargs):
    """``fn(*args, **kwargs)`` on backend arrays, recorded while a capture runs.

    ``writes`` are the positions of the arguments ``fn`` changes in place (a replay writes into
    the same buffers). Inside ``fn`` nothing is recorded: the call is one step of the plan.
    """
    obs = observer
    if obs is None:
        return fn(*args, **kwargs)
    return obs.call(fn, args, kwargs, writes)


def value(fn, *args):
    """``fn(*arrays)``: a Python value that library code branches on (``nll_loss``: "is any target
    ignored?"). A capture records it as a guard: a replay computes it again before any step that
    writes, and a different value means the plan does not apply (the call is captured again)."""
    obs = observer
    if obs is None:
        return fn(*args)
    return obs.value(fn, args)


def baked(options: dict, key: str) -> None:
    """Library code turns ``options[key]`` (an optimizer's ``lr``) into a constant of the recorded
    steps here: a capture keeps that option guarded, even where the optimizer's class names it
    among the options its steps read when they run (``Optimizer._live_options``)."""
    if observer is not None:
        observer.baked(options, key)


def graph_break(reason: str) -> None:
    """A value is read into Python here: a capture cannot continue past it (see ``_compile``)."""
    if observer is not None:
        observer.graph_break(reason)
