"""Adagrad with learning-rate decay (``torch.optim.Adagrad``).

    t = t + 1;  g = -grad if maximize else grad
    g = g + weight_decay * p
    clr = lr / (1 + (t - 1) * lr_decay)
    s = s + g * g                        (s starts at initial_accumulator_value)
    p = p - clr * g / (sqrt(s) + eps)
"""

from __future__ import annotations

from typing import Any

from .._ops.creation.factories import full_like
from .._tensor.methods import Tensor
from ._functional import scalar
from .optimizer import Optimizer, _new_step


class Adagrad(Optimizer):
    """``torch.optim.Adagrad``; state per parameter (created with the optimizer): ``step``, ``sum``."""

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, fused: bool | None = None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                        "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                        "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        for group in self.param_groups:  # torch creates Adagrad's state eagerly
            for p in group["params"]:
                self._init_state(p, self.state[p])

    def _init_state(self, p: Tensor, state: dict[str, Any]) -> None:
        state["step"] = _new_step()
        state["sum"] = full_like(p, self.defaults["initial_accumulator_value"])

    def _update(self, p: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        if len(state) == 0:
            self._init_state(p, state)
        state["step"] += 1
        step = state["step"].item()
        g = -grad if group["maximize"] else grad
        if group["weight_decay"] != 0:
            g = g.add(p, alpha=group["weight_decay"])

        clr = scalar(group["lr"]) / (1 + (step - 1) * group["lr_decay"])
        state_sum = state["sum"]
        state_sum.add_(g * g)
        std = state_sum.sqrt().add_(group["eps"])
        p.add_(g / std, alpha=-clr)
