"""Exercises of docs/training-step.md. Replace each ``raise NotImplementedError`` with your code, then
check one exercise with ``pytest exercises -m training_step_1`` (or training_step_2).
Solutions: exercises/solutions/training_step.py."""

from __future__ import annotations


def backward_order(loss) -> list[str]:
    """Exercise 1: run ``loss.backward()`` and return the names (``node.name()``) of the backward
    nodes in the order the engine ran them, without the AccumulateGrad nodes (those with a
    ``variable``). Works on minitorch and on torch tensors alike (hint: ``Node.register_hook``)."""
    raise NotImplementedError("exercise training_step_1")


def sgd_momentum_step(params, buffers: list, lr: float, momentum: float) -> None:
    """Exercise 2: one step of ``optim.SGD(params, lr=lr, momentum=momentum)``, in place.

    ``buffers[k]`` is parameter k's momentum buffer, ``None`` before the first step:
    buf = grad on the first step, else buf = momentum * buf + grad; then p = p - lr * buf.
    """
    raise NotImplementedError("exercise training_step_2")
