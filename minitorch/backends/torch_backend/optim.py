"""Fused optimizer updates (optim/sgd.py, optim/adam.py): torch's own in-place updates on the tensors."""

from __future__ import annotations

import torch


def add_scaled(param, grad, alpha: float) -> None:
    """``param += alpha * grad`` in place (SGD's update; kernels/optim.py's on the CPU), as
    ``Tensor.add_(grad, alpha=alpha)`` on the torch tensors."""
    param.add_(grad, alpha=alpha)


def add_scaled_all(params, grads, alpha: float) -> None:
    """``add_scaled`` for every pair of ``params`` and ``grads`` (SGD's update of a group)."""
    for param, grad in zip(params, grads):
        param.add_(grad, alpha=alpha)


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, beta1, beta2, step_size, bias_correction2_sqrt,
              eps):
    """Adam's update of ``param`` and its moments, in place: torch's own single-tensor Adam
    (``torch/optim/adam.py``), straight on the torch tensors with no minitorch dispatch in between."""
    exp_avg.lerp_(grad, 1 - beta1)
    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    second = exp_avg_sq
    if max_exp_avg_sq is not None:
        torch.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        second = max_exp_avg_sq
    param.addcdiv_(exp_avg, second.sqrt().div_(bias_correction2_sqrt).add_(eps), value=-step_size)
