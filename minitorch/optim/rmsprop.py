"""RMSprop, optionally centered and with momentum (``torch.optim.RMSprop``).

    t = t + 1;  g = -grad if maximize else grad
    g = g + weight_decay * p
    v = alpha * v + (1 - alpha) * g * g
    avg = sqrt(v) + eps                                   or, centered:
    m = m + (1 - alpha) * (g - m);   avg = sqrt(v - m * m) + eps
    b = momentum * b + g / avg;  p = p - lr * b          (momentum > 0)
    p = p - lr * g / avg                                  (otherwise)
"""

from __future__ import annotations

from typing import Any

from .._ops.creation.factories import zeros_like
from .._tensor.methods import Tensor
from ._functional import scalar
from .optimizer import Optimizer, _new_step


class RMSprop(Optimizer):
    """``torch.optim.RMSprop``; state per parameter: ``step``, ``square_avg``
    (``momentum_buffer`` with momentum, ``grad_avg`` when centered)."""

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0,
                 momentum: float = 0, centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                        "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach,
                        "maximize": maximize, "differentiable": differentiable}
        super().__init__(params, defaults)

    def _update(self, p: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        if len(state) == 0:
            state["step"] = _new_step()
            state["square_avg"] = zeros_like(p)
            if group["momentum"] > 0:
                state["momentum_buffer"] = zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = zeros_like(p)
        lr, alpha, momentum = scalar(group["lr"]), group["alpha"], group["momentum"]
        square_avg = state["square_avg"]

        state["step"] += 1
        g = -grad if group["maximize"] else grad
        if group["weight_decay"] != 0:
            g = g.add(p, alpha=group["weight_decay"])

        square_avg.mul_(alpha).add_(g * g, alpha=1 - alpha)
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg.lerp_(g, 1 - alpha)
            avg = (square_avg - grad_avg * grad_avg).sqrt_()
        else:
            avg = square_avg.sqrt()
        avg = avg.add_(group["eps"])

        if momentum > 0:
            buf = state["momentum_buffer"]
            buf.mul_(momentum).add_(g / avg)
            p.add_(buf, alpha=-lr)
        else:
            p.add_(g / avg, alpha=-lr)
