"""Solutions to the exercises of docs/start.md (the page includes each one between its markers)."""

from __future__ import annotations

import math


class Value:
    """A scalar, its gradient, and how it was computed (docs/start.md's micrograd)."""

    def __init__(self, data, children=(), op=""):
        self.data, self.grad = data, 0.0
        self._prev, self._op = children, op
        self._backward = lambda: None  # a leaf has nothing to pass on

    def __add__(self, other):
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():  # d(a + b)/da = d(a + b)/db = 1
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():  # d(a * b)/da = b, d(a * b)/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def relu(self):
        out = Value(max(self.data, 0.0), (self,), "relu")

        def _backward():  # 1 where the output is positive, else 0
            self.grad += (out.data > 0) * out.grad
        out._backward = _backward
        return out

    def backward(self):
        order, seen = [], set()

        def visit(v):  # topological order: every input before its output
            if v not in seen:
                seen.add(v)
                for child in v._prev:
                    visit(child)
                order.append(v)
        visit(self)
        self.grad = 1.0  # d self / d self
        for v in reversed(order):  # every output before its inputs
            v._backward()

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"


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
