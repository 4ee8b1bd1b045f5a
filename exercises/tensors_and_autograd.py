"""Exercises for docs/tensors-and-autograd.md. Check one with
``pytest exercises -m tensors_and_autograd_<n>``."""

from __future__ import annotations

import minitorch as torch


def storage_index(index: tuple[int, ...], stride: tuple[int, ...], offset: int) -> int:
    """Exercise 1: the position in the storage of the element ``x[index]`` of a tensor ``x``
    with these strides and storage offset (``index`` has one non-negative entry per dim)."""
    raise NotImplementedError("exercise tensors_and_autograd_1")


def contiguous_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Exercise 2: the strides of a contiguous (row-major) tensor of ``shape``, as
    ``torch.empty(shape).stride()``: the running products of the sizes, from the right."""
    raise NotImplementedError("exercise tensors_and_autograd_2")


def node_names(y) -> list[str]:
    """Exercise 3: the class names (``type(node).__name__``) of every node of ``y``'s backward
    graph, each node once, sorted: start at ``y.grad_fn`` and follow ``next_functions`` (an edge
    is ``(node, output_nr)``; ``node`` is None for an input that does not require grad).

    Write it without naming minitorch: the check calls it on a minitorch graph and on the same
    graph built by PyTorch, and both must give PyTorch's answer.
    """
    raise NotImplementedError("exercise tensors_and_autograd_3")


def clamp_gradient(t: torch.Tensor, bound: float):
    """Exercise 4: make the gradient that reaches ``t`` in backward arrive clamped to
    ``[-bound, bound]`` (a hook, ``Tensor.register_hook``), and return the hook's handle."""
    raise NotImplementedError("exercise tensors_and_autograd_4")
