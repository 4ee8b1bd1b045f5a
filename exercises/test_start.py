"""Checks of docs/start.md's exercises, against PyTorch: ``pytest exercises -m start_1`` (start_2)."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture
def start(ex):
    return ex("start")


@pytest.mark.start_1
@pytest.mark.parametrize("x", [-1.5, 0.0, 0.3, 2.0])
def test_tanh(start, x):
    a, b = start.Value(x), start.Value(0.5)
    y = start.tanh(a * b + a) * a  # tanh inside a larger expression, used once
    y.backward()
    ta = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    ty = torch.tanh(ta * tb + ta) * ta
    ty.backward()
    assert y.data == pytest.approx(ty.item(), rel=1e-12, abs=1e-12)
    assert a.grad == pytest.approx(ta.grad.item(), rel=1e-12, abs=1e-12)
    assert b.grad == pytest.approx(tb.grad.item(), rel=1e-12, abs=1e-12)


def _graph(V, a_val, b_val):
    """y = relu(a * b + a) + (a * b) * (a * b) + b: shared subexpressions, a Value used twice by one op."""
    a, b = V(a_val), V(b_val)
    ab = a * b
    return a, b, (ab + a).relu() + ab * ab + b


@pytest.mark.start_2
@pytest.mark.parametrize("a_val, b_val", [(2.0, 3.0), (-2.0, 0.5), (1.5, -4.0)])
def test_backward_with_counts(start, a_val, b_val, monkeypatch):
    def sorted_backward(self):
        raise AssertionError("count, do not call Value.backward (the topological sort)")
    monkeypatch.setattr(start.Value, "backward", sorted_backward)
    a, b, y = _graph(start.Value, a_val, b_val)
    start.backward_with_counts(y)
    ta = torch.tensor(a_val, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(b_val, dtype=torch.float64, requires_grad=True)
    tab = ta * tb
    ((tab + ta).relu() + tab * tab + tb).backward()
    assert (a.grad, b.grad) == (pytest.approx(ta.grad.item()), pytest.approx(tb.grad.item()))


@pytest.mark.start_2
def test_backward_with_counts_runs_each_node_once_and_in_order(start):
    *_, y = _graph(start.Value, 2.0, 3.0)
    ran = []

    def recorded(v):
        inner = v._backward

        def run():
            ran.append(v)
            inner()
        return run

    stack, seen = [y], {y}
    while stack:  # wrap every _backward to record the order
        v = stack.pop()
        v._backward = recorded(v)
        for c in v._prev:
            if c not in seen:
                seen.add(c)
                stack.append(c)
    start.backward_with_counts(y)
    assert sorted(map(id, ran)) == sorted(map(id, seen)), "every Value's _backward runs exactly once"
    position = {id(v): k for k, v in enumerate(ran)}
    for v in seen:  # a Value runs only after every Value that uses it
        assert all(position[id(v)] > position[id(u)] for u in seen if v in u._prev)
