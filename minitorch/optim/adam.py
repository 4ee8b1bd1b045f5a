"""Adam and AMSGrad (``torch.optim.Adam``); AdamW is the same rule with decoupled weight decay.

    t = t + 1;  g = -grad if maximize else grad
    p = p * (1 - lr * weight_decay)        (AdamW: decoupled)   or   g = g + weight_decay * p   (Adam)
    m = m + (1 - beta1) * (g - m)          (lerp towards g)
    v = beta2 * v + (1 - beta2) * g * g
    v_max = max(v_max, v)                  (amsgrad: use v_max in place of v below)
    p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
"""

from __future__ import annotations

from typing import Any

from .._core import capture as _capture
from .._ops.creation.factories import zeros_like
from .._tensor.methods import Tensor
from ..backends import backend_of
from ._functional import scalar
from .optimizer import Optimizer, _new_step


def _adam_arrays(p, g, exp_avg, exp_avg_sq, max_exp_avg_sq, step, group: dict[str, Any]) -> None:
    """The rule above on the arrays, after ``t`` was incremented: the backend's ``adam_step``
    (``kernels/optim.py`` on the CPU) with the bias corrections of step ``t`` (read from ``step``)."""
    beta1, beta2 = group["betas"]
    t = float(step)
    backend_of(p).adam_step(p, g, exp_avg, exp_avg_sq, max_exp_avg_sq, beta1, beta2,
                            scalar(group["lr"]) / (1 - beta1**t), (1 - beta2**t) ** 0.5, group["eps"])


class Adam(Optimizer):
    """``torch.optim.Adam``; state per parameter: ``step`` (0-d tensor), ``exp_avg``, ``exp_avg_sq``
    (and ``max_exp_avg_sq`` with amsgrad)."""

    # _adam_arrays reads these when it runs: a compiled step follows a scheduler (OneCycleLR's betas too)
    _live_options = ("lr", "betas", "eps")

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        betas = (scalar(betas[0]), scalar(betas[1]))
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                        "maximize": maximize, "foreach": foreach, "capturable": capturable,
                        "differentiable": differentiable, "fused": fused, "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def _update(self, p: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        if len(state) == 0:
            state["step"] = _new_step()
            state["exp_avg"] = zeros_like(p)
            state["exp_avg_sq"] = zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = zeros_like(p)
        lr, weight_decay = scalar(group["lr"]), group["weight_decay"]
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]

        state["step"] += 1
        g = -grad if group["maximize"] else grad
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                _capture.baked(group, "lr")  # a constant of a compiled plan: lr stays guarded
                p.mul_(1 - lr * weight_decay)
            else:
                g = g.add(p, alpha=weight_decay)

        second_moment = state["max_exp_avg_sq"] if group["amsgrad"] else None
        # The rule above in one pass per parameter (kernels/optim.py on the CPU; torch's own
        # in-place ops on CUDA): fused because eight Tensor ops per parameter cost LeNet's step
        # more in dispatch than in arithmetic (numbers in kernels/optim.py and docs/optim.md).
        # One recordable step (minitorch.compile replays it): it reads the step count from its
        # tensor and the hyper-parameters from the group when it runs, never a stale copy.
        _capture.call(_adam_arrays, p._data, g._data, exp_avg._data, exp_avg_sq._data,
                      None if second_moment is None else second_moment._data, state["step"]._data, group,
                      writes=(0, 2, 3, 4))
        for t in (p, exp_avg, exp_avg_sq, second_moment):
            if t is not None:
                t._bump_version()
