"""Exercises of docs/start.md ("Autograd in one screen"), on its ``Value`` (exercises/given/micrograd.py).

Replace each ``raise NotImplementedError`` with your code, then check one exercise with
``pytest exercises -m start_1`` (or start_2). Solutions: exercises/solutions/start.py.
"""

from __future__ import annotations

import math  # noqa: F401 (for exercise 1)

from exercises.given.micrograd import Value  # the class of docs/start.md


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
