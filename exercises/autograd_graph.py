"""Exercises for docs/autograd-graph.md. Check one with ``pytest exercises -m autograd_graph_<n>``.

Write each function without naming minitorch: the checks run them on minitorch's graphs and on
PyTorch's, which have the same ``grad_fn``, ``next_functions`` and ``AccumulateGrad.variable``.
"""

from __future__ import annotations


def edges_into(y, leaf) -> int:
    """Exercise 1: how many edges of ``y``'s backward graph end at ``leaf``'s ``AccumulateGrad``
    node (``node.variable is leaf``). Visit each node once; count every edge of a visited node."""
    raise NotImplementedError("exercise autograd_graph_1")


def names_after_inplace(lib) -> list[str]:
    """Exercise 2: with ``x = lib.ones(3, requires_grad=True)`` and ``y = x * 2``, return the
    name (``grad_fn.name()``) of ``y.grad_fn`` three times: after ``y = x * 2``, after
    ``y.add_(1)``, and after ``y[0].mul_(2)`` (an in-place write through a view). ``lib`` is
    ``minitorch`` or ``torch``."""
    raise NotImplementedError("exercise autograd_graph_2")


def graph_depth(y) -> int:
    """Exercise 3: the number of nodes on the longest path from ``y.grad_fn`` to a node with no
    ``next_functions`` (a leaf's ``AccumulateGrad``), counting both ends. Without recursion: the
    check builds a chain of 5000 ops, deeper than Python's recursion limit."""
    raise NotImplementedError("exercise autograd_graph_3")
