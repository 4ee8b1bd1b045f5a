"""The figures of docs/start.md."""

from __future__ import annotations

import minitorch
from minitorch.viz import draw_graph

from .draw import dot_svg


def start_graph() -> str:
    """Page 0's y = relu(a * b + a) + a * a, with each box's value and gradient."""
    a = minitorch.tensor(2.0, requires_grad=True)
    b = minitorch.tensor(3.0, requires_grad=True)
    y = (a * b + a).relu() + a * a
    return dot_svg(draw_graph(y, {"a": a, "b": b, "y": y}, show_grads=True).to_dot())


FIGURES = {"start-graph": start_graph}
