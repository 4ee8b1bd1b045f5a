"""Exercises of docs/start.md ("Autograd in one screen"). Replace each ``raise NotImplementedError``
with your code, then check one exercise with ``pytest exercises -m start_1`` (or start_2).
Solutions: exercises/solutions/start.py."""

from __future__ import annotations

import math  # noqa: F401 (for exercise 1)


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


def tanh(v: Value) -> Value:
    """Exercise 1: a new Value holding tanh(v.data), with a ``_backward`` that adds
    (1 - tanh(v.data)**2) * out.grad into v.grad."""
    raise NotImplementedError("exercise start_1")


def backward_with_counts(root: Value) -> None:
    """Exercise 2: Value.backward without a topological sort, as minitorch's engine runs it.

    Count, for each Value below ``root``, how many times it is a child (``_prev``) of another;
    set root.grad = 1; run a Value's ``_backward`` once all the Values that use it have run
    (its count has gone down to 0), starting from ``root``.
    """
    raise NotImplementedError("exercise start_2")
