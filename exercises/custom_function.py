"""Exercises for docs/custom-function.md. Check one with ``pytest exercises -m custom_function_<n>``."""

from __future__ import annotations

import minitorch as torch


class Softplus(torch.autograd.Function):
    """Exercise 1: ``y = log(1 + exp(x))``, ``dy/dx = sigmoid(x)``, as a ``Function`` whose
    backward is written in Tensor ops (so that ``gradgradcheck`` passes). Keep it finite for
    large ``x`` (``exp(800)`` overflows): PyTorch's ``F.softplus`` returns ``x`` there."""

    @staticmethod
    def forward(ctx, x):
        """Compute ``y`` and save what ``backward`` needs."""
        raise NotImplementedError("exercise custom_function_1")

    @staticmethod
    def backward(ctx, grad):
        """``grad * sigmoid(x)``."""
        raise NotImplementedError("exercise custom_function_1")


def saved_tensor_error(lib) -> BaseException:
    """Exercise 2: make autograd refuse a saved tensor that was changed in place, and return the
    exception it raises. With ``lib`` (``minitorch`` or ``torch``): ``y = x.exp()`` saves its
    result; change ``y`` in place, then call ``backward``; catch what it raises."""
    raise NotImplementedError("exercise custom_function_2")


class MaxWithIndex(torch.autograd.Function):
    """Exercise 3: ``forward(ctx, x)`` returns ``(x.max(), x.argmax())`` for a 1-d ``x`` (the
    first maximum), the index marked non-differentiable (``ctx.mark_non_differentiable``);
    ``backward(ctx, g_value, g_index)`` sends ``g_value`` to the maximum's position."""

    @staticmethod
    def forward(ctx, x):
        """The maximum and its index."""
        raise NotImplementedError("exercise custom_function_3")

    @staticmethod
    def backward(ctx, g_value, g_index):
        """A gradient of ``x``'s shape, ``g_value`` at the index, 0 elsewhere."""
        raise NotImplementedError("exercise custom_function_3")
