"""The figures of docs/autograd-graph.md."""

from __future__ import annotations

import minitorch
from minitorch.viz import draw_graph

from .draw import dot_svg


def autograd_graph() -> str:
    w = minitorch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = minitorch.tensor(0.5, requires_grad=True)
    loss = (w.exp() * w).sum() + b
    return dot_svg(draw_graph(loss, {"w": w, "b": b}, show_grads=True).to_dot())


FIGURES = {"autograd-graph": autograd_graph}
