"""Dropout: ``dropout``, ``dropout1d``/``2d``/``3d``, ``alpha_dropout`` (``torch.nn.functional``).

In training, each element (or each whole channel, for the ``Nd`` variants) is
kept with probability ``1 - p`` and scaled by ``1 / (1 - p)`` ("inverted"
dropout), so the expected output equals the input and evaluation is the
identity. The mask comes from minitorch's default generator
(``minitorch.manual_seed`` makes it reproducible) and is a constant for
autograd: ``dx = g * mask / (1 - p)``.
"""

from __future__ import annotations

import math
import warnings

import minitorch as torch
from minitorch import Tensor

from ..._ops._tensor_args import tensor_args

__all__ = ["alpha_dropout", "dropout", "dropout1d", "dropout2d", "dropout3d", "feature_alpha_dropout"]


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(input: Tensor, shape, p: float) -> Tensor:
    """1 with probability ``1 - p``, else 0, in ``input``'s dtype: ``Bernoulli(1 - p)`` of ``shape``."""
    return input.new_empty(shape).bernoulli_(1 - p)  # torch.bernoulli(t, q) is this on a second new_empty


def _apply(input: Tensor, mask_shape, p: float, inplace: bool) -> Tensor:
    """``x * mask / (1 - p)``, broadcasting ``mask_shape`` over ``input`` (``p = 1`` zeroes everything)."""
    if p == 1:
        scale = torch.zeros(mask_shape, dtype=input.dtype, device=input.device)
    else:
        scale = _keep_mask(input, mask_shape, p) / (1 - p)
    return input.mul_(scale) if inplace else input * scale


@tensor_args("input")
def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """``y = x * m / (1 - p)``, ``m ~ Bernoulli(1 - p)`` per element; ``y = x`` when not training."""
    _check_p(p)
    if not training or p == 0 or input.numel() == 0:
        return input
    return _apply(input, tuple(input.shape), p, inplace)


def _feature_dropout(name: str, input: Tensor, p: float, training: bool, inplace: bool, spatial: int) -> Tensor:
    """Zero whole channels: the mask has shape (N, C, 1, ..., 1), or (C, 1, ..., 1) unbatched."""
    _check_p(p)
    batched = input.dim() == spatial + 2
    if not batched and input.dim() != spatial + 1:
        if name == "dropout2d":
            warnings.warn(
                f"dropout2d: Received a {input.dim()}-D input to dropout2d, which is deprecated and will result "
                "in an error in a future release. To retain the behavior and silence this warning, please use "
                "dropout instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 "
                "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).")
            batched = input.dim() >= 2
        else:
            expected = f"{spatial + 1}D or {spatial + 2}D"
            raise RuntimeError(f"{name}: Expected {expected} input, but received a {input.dim()}D input. ")
    if not training or p == 0 or input.numel() == 0:
        return input
    lead = 2 if batched else 1
    mask_shape = tuple(input.shape[:lead]) + (1,) * (input.dim() - lead)
    return _apply(input, mask_shape, p, inplace)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, L) or (C, L) input with probability p."""
    return _feature_dropout("dropout1d", input, p, training, inplace, 1)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, H, W) or (C, H, W) input with probability p."""
    return _feature_dropout("dropout2d", input, p, training, inplace, 2)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, D, H, W) or (C, D, H, W) input with probability p."""
    return _feature_dropout("dropout3d", input, p, training, inplace, 3)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _alpha(input: Tensor, mask_shape, p: float, inplace: bool) -> Tensor:
    """Dropped units take SELU's saturation value ``alpha' = -scale * alpha``; then ``y = a * x' + b``
    keeps mean 0 and variance 1:  ``a = ((1 - p) * (1 + p * alpha'^2))^(-1/2)``,  ``b = -a * alpha' * p``."""
    alpha_p = -_SELU_ALPHA * _SELU_SCALE
    a = 1 / math.sqrt((1 - p) * (1 + p * alpha_p * alpha_p))
    b = -a * alpha_p * p
    keep = _keep_mask(input, mask_shape, p)
    y = (input * keep + (1 - keep) * alpha_p) * a + b
    return input.copy_(y) if inplace else y


@tensor_args("input")
def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: keeps the input's mean and variance (self-normalising)."""
    _check_p(p)
    if not training or p == 0 or input.numel() == 0:
        return input
    if p == 1:
        return input.mul_(0) if inplace else input * 0
    return _alpha(input, tuple(input.shape), p, inplace)


@tensor_args("input")
def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """``alpha_dropout`` of whole channels."""
    _check_p(p)
    if not training or p == 0 or input.numel() == 0:
        return input
    if p == 1:
        return input.mul_(0) if inplace else input * 0
    mask_shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
    return _alpha(input, mask_shape, p, inplace)
