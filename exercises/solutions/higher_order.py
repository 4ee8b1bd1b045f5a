"""Solutions to exercises/higher_order.py (docs/higher-order.md)."""

from __future__ import annotations

from collections.abc import Callable

import minitorch as torch


# --8<-- [start:hessian]
def hessian(f: Callable[[torch.Tensor], torch.Tensor], w: torch.Tensor) -> torch.Tensor:
    (g,) = torch.autograd.grad(f(w), w, create_graph=True)  # g keeps its graph
    rows = [torch.autograd.grad(g[i], w, retain_graph=True)[0] for i in range(w.numel())]
    return torch.stack(rows)
# --8<-- [end:hessian]


# --8<-- [start:hvp]
def hvp(f: Callable[[torch.Tensor], torch.Tensor], w: torch.Tensor,
        v: torch.Tensor) -> torch.Tensor:
    (g,) = torch.autograd.grad(f(w), w, create_graph=True)
    (hv,) = torch.autograd.grad((g * v).sum(), w)  # d/dw of g . v = H v (H is symmetric)
    return hv
# --8<-- [end:hvp]


# --8<-- [start:relu_square_curvature]
def relu_square_curvature(x: torch.Tensor) -> torch.Tensor:
    (g,) = torch.autograd.grad((x.relu() ** 2).sum(), x, create_graph=True)  # 2 relu(x)
    # the Hessian is diagonal: one backward of sum(g) gives its diagonal
    (curvature,) = torch.autograd.grad(g.sum(), x)
    return curvature
# --8<-- [end:relu_square_curvature]
