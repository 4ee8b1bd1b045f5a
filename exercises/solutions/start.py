"""Solutions to the exercises of docs/start.md (the page includes each one between its markers)."""

from __future__ import annotations

import math

from exercises.given.micrograd import Value


# --8<-- [start:tanh]
def tanh(v: Value) -> Value:
    """y = tanh(x);  dx = (1 - y**2) * g."""
    out = Value(math.tanh(v.data), (v,), "tanh")

    def _backward():
        v.grad += (1 - out.data ** 2) * out.grad
    out._backward = _backward
    return out
# --8<-- [end:tanh]


# --8<-- [start:backward_with_counts]
def backward_with_counts(root: Value) -> None:
    """Run each Value's _backward once every Value that uses it has run
    (minitorch/autograd/engine.py: run_backward)."""
    counts: dict[Value, int] = {}  # edges into each Value: _collect_dependencies
    stack, seen = [root], {root}
    while stack:
        v = stack.pop()
        for child in v._prev:
            counts[child] = counts.get(child, 0) + 1
            if child not in seen:
                seen.add(child)
                stack.append(child)
    root.grad = 1.0
    ready = [root]  # the engine's ready queue (any order of the ready is right)
    while ready:
        v = ready.pop()
        v._backward()
        for child in set(v._prev):  # a * a: one node, two edges into a
            counts[child] -= v._prev.count(child)
            if counts[child] == 0:
                ready.append(child)
# --8<-- [end:backward_with_counts]
