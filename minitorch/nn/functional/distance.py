"""Distances: ``cosine_similarity``, ``pairwise_distance`` (``torch.nn.functional``)."""

from __future__ import annotations

import minitorch as torch
from minitorch import Tensor

from ..._ops._tensor_args import tensor_args

__all__ = ["cosine_similarity", "pairwise_distance"]


@tensor_args("x1", "x2")
def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``y = sum((x1 / max(||x1||, eps)) * (x2 / max(||x2||, eps)))`` along ``dim`` (PyTorch >= 2.0's formula).

    Each input is divided by its own norm first, which keeps ``y`` in [-1, 1]. As in PyTorch the clamp
    at ``eps`` is applied in place outside autograd: the gradient is that of ``x / ||x||`` even where
    the norm was clamped.
    """
    x1, x2 = torch.broadcast_tensors(x1, x2)
    if not x1.dtype.is_floating_point:
        x1, x2 = x1.to(torch.get_default_dtype()), x2.to(torch.get_default_dtype())
    n1 = x1.norm(2, dim, keepdim=True).clone()
    n2 = x2.norm(2, dim, keepdim=True).clone()
    with torch.no_grad():
        n1.clamp_min_(eps)
        n2.clamp_min_(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


@tensor_args("x1", "x2")
def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """``y = ||x1 - x2 + eps||_p`` along the last dim."""
    last = max(x1.dim(), x2.dim()) - 1
    return (x1 - x2 + eps).norm(p, last if last >= 0 else None, keepdim)
