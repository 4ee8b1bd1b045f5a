"""Regression losses, on ``d = input - target``: ``mse_loss``, ``l1_loss``, ``smooth_l1_loss``,
``huber_loss``; and the likelihood losses of a count or a Gaussian, ``poisson_nll_loss`` and
``gaussian_nll_loss``. The first, third and fourth are one graph node each (``_ElementwiseLoss``)."""

from __future__ import annotations

import math
import warnings

import minitorch as torch
from minitorch import Tensor

from ...._ops._tensor_args import tensor_args
from ....autograd.function import Function
from ._reduction import _REDUCTIONS, _check_reduction, _legacy_reduction, _per_element, _reduce

__all__ = ["gaussian_nll_loss", "huber_loss", "l1_loss", "mse_loss", "poisson_nll_loss", "smooth_l1_loss"]


def _broadcast_pair(input: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    """``broadcast_tensors(input, target)``, leaving a tensor that already has the shape as it is
    (as PyTorch's ``expand_outplace``: no ``ExpandBackward0`` node in the common case)."""
    if input.shape == target.shape:
        return input, target
    shape = torch.broadcast_shapes(input.shape, target.shape)
    return (input if input.shape == shape else input.expand(shape),
            target if target.shape == shape else target.expand(shape))


class _ElementwiseLoss(Function):
    """loss = f(d) of d = input - target, reduced;  dinput = g * f'(d), dtarget = -g * f'(d).

    One node per loss; the subclasses give ``f`` and ``f'`` and PyTorch's node names.
    """

    reason = "base: the forward and backward of the elementwise losses below"

    @staticmethod
    def loss(d: Tensor, parameter: float) -> Tensor:
        raise NotImplementedError

    @staticmethod
    def derivative(d: Tensor, parameter: float) -> Tensor:
        raise NotImplementedError

    @classmethod
    def forward(cls, ctx, input, target, reduction: str, parameter: float):
        ctx.save_for_backward(input, target)
        ctx.reduction, ctx.parameter = reduction, parameter
        return _reduce(cls.loss(input - target, parameter), reduction)

    @classmethod
    def backward(cls, ctx, g):
        input, target = ctx.saved_tensors
        d = input - target
        grad = cls.derivative(d, ctx.parameter) * _per_element(g, d.shape, ctx.reduction, d.numel())
        return grad, (-grad if ctx.needs_input_grad[1] else None), None, None


class _MseLoss(_ElementwiseLoss):
    """``loss = d^2``;  ``dloss/dd = 2 d``."""

    node_name = "MseLossBackward0"
    reason = "node"

    @staticmethod
    def loss(d, parameter):
        return d * d

    @staticmethod
    def derivative(d, parameter):
        return 2 * d


class _SmoothL1Loss(_ElementwiseLoss):
    """``loss = 0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta``;  ``d/beta`` or ``sign(d)``."""

    node_name = "SmoothL1LossBackward0"
    reason = "node"

    @staticmethod
    def loss(d, beta):
        a = d.abs()
        return torch.where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta)

    @staticmethod
    def derivative(d, beta):
        return torch.where(d.abs() < beta, d / beta, d.sign())


class _HuberLoss(_ElementwiseLoss):
    """``loss = 0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``;  ``d`` or ``delta sign(d)``."""

    node_name = "HuberLossBackward0"
    reason = "node"

    @staticmethod
    def loss(d, delta):
        a = d.abs()
        return torch.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))

    @staticmethod
    def derivative(d, delta):
        return torch.where(d.abs() < delta, d, delta * d.sign())


def _warn_target_size(input: Tensor, target: Tensor) -> None:
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
            "This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            stacklevel=3,
        )


def _weighted_mean_reduce(loss: Tensor, weight: Tensor | None, input: Tensor, reduction: str) -> Tensor:
    """``weight`` multiplies the loss; a weighted 'mean' divides by ``sum(weight)`` (mse and l1, as PyTorch)."""
    if weight is None:
        return _reduce(loss, reduction)
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")
    loss = loss * weight
    return loss.sum() / weight.sum() if reduction == "mean" else _reduce(loss, reduction)


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    """``loss = w * (x - y)^2``;  weighted 'mean' = ``sum(loss) / sum(w)``."""
    _warn_target_size(input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x, y = _broadcast_pair(input, target)
    if weight is None:
        _check_reduction(reduction)
        return _MseLoss.apply(x, y, reduction, 0.0)
    return _weighted_mean_reduce((x - y) ** 2, weight, input, reduction)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    """``loss = w * |x - y|``;  weighted 'mean' = ``sum(loss) / sum(w)``."""
    _warn_target_size(input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x, y = _broadcast_pair(input, target)
    return _weighted_mean_reduce((x - y).abs(), weight, input, reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """``loss = 0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (``d = x - y``;
    ``beta = 0``: L1)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _warn_target_size(input, target)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    x, y = _broadcast_pair(input, target)
    if beta == 0:
        return _reduce((x - y).abs(), reduction)
    _check_reduction(reduction)
    return _SmoothL1Loss.apply(x, y, reduction, beta)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """``loss = 0.5 d^2`` where ``|d| < delta``, else ``delta * (|d| - 0.5 delta)``
    (``= delta * smooth_l1``, ``beta=delta``)."""
    _warn_target_size(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    x, y = _broadcast_pair(input, target)
    if weight is not None and weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    _check_reduction(reduction)
    if weight is None:
        return _HuberLoss.apply(x, y, reduction, delta)
    return _reduce(_HuberLoss.apply(x, y, "none", delta) * weight, reduction)


@tensor_args("input", "target")
def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None, reduction: str = "mean") -> Tensor:
    """``log_input``: ``exp(x) - y x``;  else ``x - y log(x + eps)``;  ``full`` adds Stirling's
    ``y log y - y + log(2 pi y)/2``."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    loss = torch.exp(input) - target * input if log_input else input - target * torch.log(input + eps)
    if full:
        safe = torch.where(target > 1, target, 1.0)
        stirling = safe * torch.log(safe) - safe + 0.5 * torch.log(2 * math.pi * safe)
        loss = loss + torch.where(target > 1, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """``loss = (log(max(var, eps)) + (x - y)^2 / max(var, eps)) / 2`` (``+ log(2 pi) / 2`` when ``full``).

    ``var`` is a Python float or a tensor of ``input``'s shape, of its shape without the last dim,
    or of its shape with one dim of size 1 (it broadcasts over that dim); checked in PyTorch's order.
    """
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = torch.full_like(input, var)
    elif not isinstance(var, Tensor):
        raise TypeError(f"gaussian_nll_loss(): var must be a Tensor or a float, not {type(var).__name__}")
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (var.dim() == input.dim()
                  and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1):
            raise ValueError("var is of incorrect size")
    _check_reduction(reduction)
    var = var.clone()
    with torch.no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (torch.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
