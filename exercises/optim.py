"""Exercises for docs/optim.md. Check one with ``pytest exercises -m optim_<n>``.

The update functions change ``p`` in place (the check calls them under ``no_grad``) and return
the state they keep between steps.
"""

from __future__ import annotations

import minitorch as torch


def sgd_update(p: torch.Tensor, g: torch.Tensor, buf: torch.Tensor | None, lr: float,
               momentum: float, weight_decay: float, nesterov: bool) -> torch.Tensor:
    """Exercise 1: one step of SGD with momentum (dampening 0) on ``p``, given its gradient
    ``g``; ``buf`` is the momentum buffer, None at the first step (it then starts as a copy of
    the gradient). Return the new buffer."""
    raise NotImplementedError("exercise optim_1")


def adam_update(p: torch.Tensor, g: torch.Tensor, m: torch.Tensor, v: torch.Tensor, t: int,
                lr: float, betas: tuple[float, float],
                eps: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Exercise 2: one step of Adam, the textbook form (Kingma and Ba, Algorithm 1): the moments
    ``m``, ``v`` (zeros before the first step), their bias corrections at step ``t`` (1 at the
    first), ``p -= lr * m_hat / (sqrt(v_hat) + eps)``. Return the new ``(m, v)``."""
    raise NotImplementedError("exercise optim_2")


def cosine_lrs(base_lr: float, eta_min: float, t_max: int, epochs: int) -> list[float]:
    """Exercise 3: the learning rates ``CosineAnnealingLR`` gives at epochs ``0 .. epochs - 1``,
    by the closed form ``eta_min + (base_lr - eta_min) * (1 + cos(pi e / t_max)) / 2``."""
    raise NotImplementedError("exercise optim_3")
