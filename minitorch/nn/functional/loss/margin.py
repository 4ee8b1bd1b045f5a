"""Margin losses, on a score and a +-1 target: ``margin_ranking_loss``, ``hinge_embedding_loss``,
``soft_margin_loss``, ``cosine_embedding_loss``."""

from __future__ import annotations

import minitorch as torch
from minitorch import Tensor

from ...._ops._tensor_args import tensor_args
from ..activation import logsigmoid
from ._reduction import _legacy_reduction, _reduce

__all__ = ["cosine_embedding_loss", "hinge_embedding_loss", "margin_ranking_loss", "soft_margin_loss"]


@tensor_args("input1", "input2", "target")
def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                        size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``loss = max(0, -y * (x1 - x2) + margin)``."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0), reduction)


@tensor_args("input", "target")
def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """``loss = x`` where ``y == 1``, ``max(0, margin - x)`` where ``y == -1`` (PyTorch's formula: the
    first term where ``y != -1``, the second where ``y != 1``, so other targets get both)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    zero = torch.zeros_like(input)
    margin_part = torch.where(target != 1, (margin - input).clamp(min=0), zero)
    return _reduce(torch.where(target != -1, input, zero) + margin_part, reduction)


@tensor_args("input", "target")
def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """``loss = log(1 + exp(-y x))``."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _reduce(-logsigmoid(target * input), reduction)


@tensor_args("input1", "input2", "target")
def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``loss = 1 - cos(x1, x2)`` where ``y == 1``, ``max(0, cos(x1, x2) - margin)`` where ``y == -1``."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    eps = 1e-12  # PyTorch's EPSILON in cosine_embedding_loss
    dim = input1.dim() - 1
    prod = (input1 * input2).sum(dim)
    mag1 = (input1 * input1).sum(dim) + eps
    mag2 = (input2 * input2).sum(dim) + eps
    cos = prod / (mag1 * mag2).sqrt()
    zero = torch.zeros_like(cos)
    pos = torch.where(target == 1, 1 - cos, zero)
    neg = torch.where(target == -1, (cos - margin).clamp(min=0), zero)
    return _reduce(pos + neg, reduction)
