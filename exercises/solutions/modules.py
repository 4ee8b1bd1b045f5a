"""Solutions to exercises/modules.py (docs/modules.md)."""

from __future__ import annotations

import minitorch as torch


# --8<-- [start:scaled_linear]
def scaled_linear(lib, n: int):
    class ScaledLinear(lib.nn.Module):
        def __init__(self):
            super().__init__()  # first: it creates _parameters, _buffers, _modules
            self.linear = lib.nn.Linear(n, n)
            self.scale = lib.nn.Buffer(lib.ones(1))  # a plain tensor would not be registered

        def forward(self, x):
            return self.linear(x) * self.scale

    return ScaledLinear()
# --8<-- [end:scaled_linear]


# --8<-- [start:linear_grads]
def linear_grads(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor,
                 grad_out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    dx = grad_out @ weight        # (batch, out) @ (out, in)
    dweight = grad_out.T @ x      # (out, batch) @ (batch, in): summed over the batch
    dbias = grad_out.sum(0)       # the bias was broadcast over the batch
    return dx, dweight, dbias
# --8<-- [end:linear_grads]


# --8<-- [start:tied_pair]
def tied_pair(lib):
    class Tied(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = lib.nn.Linear(3, 3)
            self.b = lib.nn.Linear(3, 3)
            self.b.weight = self.a.weight  # the same Parameter object in two places

        def forward(self, x):
            return self.b(self.a(x))

    return Tied()
# --8<-- [end:tied_pair]
