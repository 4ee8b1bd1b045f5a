"""Exercises for docs/higher-order.md. Check one with ``pytest exercises -m higher_order_<n>``."""

from __future__ import annotations

from collections.abc import Callable

import minitorch as torch


def hessian(f: Callable[[torch.Tensor], torch.Tensor], w: torch.Tensor) -> torch.Tensor:
    """Exercise 1: the ``(n, n)`` Hessian of the scalar ``f`` at the 1-d ``w`` (which requires
    grad), one row per component of the gradient, with ``torch.autograd.grad``."""
    raise NotImplementedError("exercise higher_order_1")


def hvp(f: Callable[[torch.Tensor], torch.Tensor], w: torch.Tensor,
        v: torch.Tensor) -> torch.Tensor:
    """Exercise 2: the Hessian-vector product ``H(w) @ v`` with two backward passes in all,
    without building ``H``."""
    raise NotImplementedError("exercise higher_order_2")


def relu_square_curvature(x: torch.Tensor) -> torch.Tensor:
    """Exercise 3: ``d^2/dx_i^2`` of ``sum(relu(x) ** 2)`` at ``x`` (1-d, requires grad), by
    differentiating the first gradient (``create_graph=True``)."""
    raise NotImplementedError("exercise higher_order_3")
