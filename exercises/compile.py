"""Exercises for docs/compile.md. Check one with ``pytest exercises -m compile_<n>``.

The first predicts what ``minitorch.compile`` does with each call of a training step, from the
rules of the page (no timing: the checks watch a real compiled step); the second finds a graph
break; the third reads a printed plan.
"""

from __future__ import annotations

from typing import Any


def life_cycle(calls: list[tuple[int, float]]) -> list[str]:
    """Exercise 1: what each call of a compiled training step does: ``"eager"``, ``"capture"`` or ``"replay"``.

    ``calls`` is the sequence of calls of one freshly compiled step ``step(x, y)`` (a model, a loss,
    ``backward()``, ``opt.step()``), each ``(batch, wd)``: ``x`` has ``batch`` rows, and the SGD
    optimizer's weight decay was set to ``wd`` just before the call. Predict, from the rules of
    docs/compile.md (the life cycle, the guards, up to four plans kept per input signature, and
    ``recompile_limit``: 8 captures per signature, then eager for good), what each call does.
    At most 8 batch sizes occur (the cache never forgets one).
    """
    raise NotImplementedError("exercise compile_1")


def graph_break(fn: Any, *args: Any) -> str | None:
    """Exercise 2: the graph-break warning ``minitorch.compile`` gives for ``fn``, or None.

    Compile ``fn`` with ``minitorch.compile`` (``fullgraph`` left False), call the compiled function
    three times on ``args`` (the warm-up, the capture, one more) while recording warnings, and
    return the text of the warning that says ``graph break``, or None when there was none.
    """
    raise NotImplementedError("exercise compile_2")


def primitive_kernels(plan: Any) -> list[str]:
    """Exercise 3: the names of a plan's kernels that are the forwards of Primitives, in order.

    ``plan`` is one of a compiled function's ``plans``; read ``str(plan)``, the printed plan
    (a header line, then one line per kernel: number, name, shapes, buffers; then ``effect:``
    lines). A Primitive's name is its class name, in CamelCase (``Addmm``, ``Relu``); the other
    kernels (``empty``, ``copyto``, ``as_strided``, ``add_arrays``, a ``check``...) start with a
    small letter or an underscore.
    """
    raise NotImplementedError("exercise compile_3")
