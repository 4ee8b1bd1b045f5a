"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay (``torch.optim.SGD``).

    g = -grad if maximize else grad
    g = g + weight_decay * p
    b = g                                (first step)
    b = momentum * b + (1 - dampening) * g   (later steps)
    g = g + momentum * b if nesterov else b   (when momentum != 0)
    p = p - lr * g
"""

from __future__ import annotations

from typing import Any

from .._tensor.methods import Tensor
from .optimizer import Optimizer, _add_, _descend_, _mul_


class SGD(Optimizer):
    """``torch.optim.SGD``; state per parameter: ``momentum_buffer`` (only when momentum != 0)."""

    _live_options = ("lr",)  # read when the update runs (_descend_): a compiled step follows a scheduler

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False, fused: bool | None = None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                        "nesterov": nesterov, "maximize": maximize, "foreach": foreach,
                        "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        if fused:  # (torch checks these after the groups are made)
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def _state_of(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        """Without momentum SGD keeps no state: ``self.state`` stays empty, as torch's (its
        ``state_dict()['state']`` is ``{}``); a buffer loaded earlier is left as it is."""
        return self.state[p] if group["momentum"] != 0 else {}

    def _update(self, p: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        momentum, weight_decay = group["momentum"], group["weight_decay"]
        g = -grad if group["maximize"] else grad
        if weight_decay != 0:
            g = g.add(p, alpha=weight_decay)
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.detach().clone()
            else:
                _add_(_mul_(buf, momentum), g, 1 - group["dampening"])
            g = g.add(buf, alpha=momentum) if group["nesterov"] else buf
        _descend_(p, g, group)
