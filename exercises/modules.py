"""Exercises for docs/modules.md. Check one with ``pytest exercises -m modules_<n>``.

Where a function takes ``lib``, build everything from ``lib`` (``minitorch`` or ``torch``): the
check builds your module with both and compares them.
"""

from __future__ import annotations

import minitorch as torch


def scaled_linear(lib, n: int):
    """Exercise 1: a module ``m`` with ``m.linear = Linear(n, n)`` and a buffer ``m.scale`` of
    ones, shape ``(1,)``, registered (so it is in ``state_dict`` and converted by ``.double()``,
    but is not a parameter); ``m(x)`` is ``m.linear(x) * m.scale``."""
    raise NotImplementedError("exercise modules_1")


def linear_grads(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor,
                 grad_out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Exercise 2: the gradients ``(dx, dweight, dbias)`` of ``y = x @ weight.T + bias`` (``x``
    is ``(batch, in)``), given ``grad_out = dL/dy``, by their formulas, without autograd."""
    raise NotImplementedError("exercise modules_2")


def tied_pair(lib):
    """Exercise 3: a module with two ``Linear(3, 3)`` layers ``a`` and ``b`` that share one
    weight (``b.weight`` is ``a.weight``), each with its own bias; ``forward(x)`` is
    ``b(a(x))``."""
    raise NotImplementedError("exercise modules_3")
