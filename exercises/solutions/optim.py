"""Solutions to exercises/optim.py (docs/optim.md)."""

from __future__ import annotations

import math

import minitorch as torch


# --8<-- [start:sgd_update]
def sgd_update(p: torch.Tensor, g: torch.Tensor, buf: torch.Tensor | None, lr: float,
               momentum: float, weight_decay: float, nesterov: bool) -> torch.Tensor:
    g = g + weight_decay * p  # coupled weight decay: part of the gradient
    buf = g.clone() if buf is None else buf.mul_(momentum).add_(g)
    step = g + momentum * buf if nesterov else buf
    p.sub_(lr * step)
    return buf
# --8<-- [end:sgd_update]


# --8<-- [start:adam_update]
def adam_update(p: torch.Tensor, g: torch.Tensor, m: torch.Tensor, v: torch.Tensor, t: int,
                lr: float, betas: tuple[float, float],
                eps: float) -> tuple[torch.Tensor, torch.Tensor]:
    beta1, beta2 = betas
    m = beta1 * m + (1 - beta1) * g  # optim/adam.py writes m.lerp_(g, 1 - beta1): the same
    v = beta2 * v + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    p.sub_(lr * m_hat / (v_hat.sqrt() + eps))
    return m, v
# --8<-- [end:adam_update]


# --8<-- [start:cosine_lrs]
def cosine_lrs(base_lr: float, eta_min: float, t_max: int, epochs: int) -> list[float]:
    return [eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * e / t_max)) / 2
            for e in range(epochs)]
# --8<-- [end:cosine_lrs]
