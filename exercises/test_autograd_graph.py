"""Checks for exercises/autograd_graph.py, against PyTorch's graphs."""

from __future__ import annotations

import pytest
import torch as pytorch

import minitorch as torch
from exercises.conftest import graph_nodes


def reference_edges(y, leaf) -> int:
    return sum(1 for node in graph_nodes(y) for n, _ in node.next_functions
               if n is not None and getattr(n, "variable", None) is leaf)


PROGRAMS = {
    "page": lambda lib, w, b: (w.exp() * w).sum() + b,
    "mlp": lambda lib, w, b: (lib.ones(4, 3) @ w.reshape(3, 1)).relu().mean() + b,
    "thrice": lambda lib, w, b: (w * w * w).sum() * b,
    "absent": lambda lib, w, b: w.sum(),
}


@pytest.mark.autograd_graph_1
@pytest.mark.parametrize("program", PROGRAMS)
def test_edges_into(ex, program):
    for lib in (pytorch, torch):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = lib.tensor(0.5, requires_grad=True)
        y = PROGRAMS[program](lib, w, b)
        if lib is pytorch:
            want = {"w": reference_edges(y, w), "b": reference_edges(y, b)}
        got = {"w": ex("autograd_graph").edges_into(y, w), "b": ex("autograd_graph").edges_into(y, b)}
        assert got == want, f"{lib.__name__}: {got}, PyTorch's graph has {want}"


@pytest.mark.autograd_graph_2
def test_names_after_inplace(ex):
    want = ex("autograd_graph").names_after_inplace(pytorch)
    x = pytorch.ones(3, requires_grad=True)
    y = x * 2
    expected = [y.grad_fn.name()]
    y.add_(1)
    expected.append(y.grad_fn.name())
    y[0].mul_(2)
    expected.append(y.grad_fn.name())
    assert want == expected
    assert ex("autograd_graph").names_after_inplace(torch) == expected


def reference_depth(y) -> int:
    depth: dict = {}
    todo = [(y.grad_fn, False)]
    while todo:
        node, done = todo.pop()
        kids = [n for n, _ in node.next_functions if n is not None]
        if done:
            depth[node] = 1 + max((depth[n] for n in kids), default=0)
        elif node not in depth:
            todo.append((node, True))
            todo.extend((n, False) for n in kids if n not in depth)
    return depth[y.grad_fn]


@pytest.mark.autograd_graph_3
@pytest.mark.parametrize("steps", [1, 3, 5000])
def test_graph_depth(ex, steps):
    for lib in (pytorch, torch):
        x = lib.ones(2, requires_grad=True)
        y = x
        for _ in range(steps):
            y = y * 1.0
        y = (y + x.exp()).sum()  # a short branch beside the long one
        if lib is pytorch:
            want = reference_depth(y)
        assert ex("autograd_graph").graph_depth(y) == want, lib.__name__
