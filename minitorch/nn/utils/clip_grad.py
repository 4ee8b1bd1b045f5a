"""Gradient clipping: ``clip_grad_norm_``, ``clip_grad_value_`` (``torch.nn.utils``)."""

from __future__ import annotations

import math
from collections.abc import Iterable

from ..._tensor.methods import Tensor
from ...autograd.grad_mode import no_grad

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _vector_norm(t: Tensor, norm_type: float) -> Tensor:
    """||t||_p over all elements; p = inf is max |t|."""
    flat = t.reshape(-1)
    if math.isinf(norm_type):
        return flat.abs().max() if norm_type > 0 else flat.abs().min()
    return flat.norm(norm_type)


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Scale all gradients in place by min(1, max_norm / (total + 1e-6)); returns the total norm.

    total = || (||g_1||_p, ..., ||g_k||_p) ||_p, the p-norm of all gradients taken as one vector.
    """
    from ..._ops.creation.factories import tensor
    from ..._ops.shape.joins import stack

    parameters = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    max_norm, norm_type = float(max_norm), float(norm_type)
    if not grads:
        return tensor(0.0)
    with no_grad():
        total_norm = _vector_norm(stack([_vector_norm(g, norm_type).to(grads[0].dtype) for g in grads]), norm_type)
        if error_if_nonfinite and not math.isfinite(float(total_norm)):
            raise RuntimeError(
                f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot "
                "be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
                "`error_if_nonfinite=False`"
            )
        clip_coef = (max_norm / (total_norm + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(clip_coef.to(g.dtype))
    return total_norm


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient in place to [-clip_value, clip_value]."""
    parameters = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    clip_value = float(clip_value)
    with no_grad():
        for p in parameters:
            if p.grad is not None:
                p.grad.clamp_(min=-clip_value, max=clip_value)
