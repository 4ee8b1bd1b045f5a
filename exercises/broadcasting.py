"""Exercises for docs/broadcasting.md. Check one with ``pytest exercises -m broadcasting_<n>``."""

from __future__ import annotations

import minitorch as torch


def broadcast_shape(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """Exercise 1: the shape that ``shapes`` broadcast to, as ``torch.broadcast_shapes`` (a tuple).

    Align on the right; each pair of sizes must be equal or one of them 1; a missing dim counts
    as 1. On a clash raise ``RuntimeError``, as PyTorch does. Do not call ``broadcast_shapes``.
    """
    raise NotImplementedError("exercise broadcasting_1")


def expand_strides(shape: tuple[int, ...], strides: tuple[int, ...],
                   target: tuple[int, ...]) -> tuple[int, ...]:
    """Exercise 2: the strides of a tensor with ``shape`` and ``strides`` after ``.expand(*target)``.

    A dim that is added on the left, or that grows from 1, gets stride 0; the others keep theirs.
    (minitorch's answer: ``_core/strides.py: expand_geometry``; do not call it.)
    """
    raise NotImplementedError("exercise broadcasting_2")


def unbroadcast(grad: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    """Exercise 3: sum ``grad`` back to ``shape``, as the engine's ``sum_to_size`` does.

    Sum the leading dims ``shape`` lacks, and the dims where ``shape`` has 1 but ``grad`` does
    not, keeping them (``keepdim=True``), then reshape. Use tensor ops only, so that the result is
    differentiable (``create_graph=True``). Do not call ``sum_to_size``.
    """
    raise NotImplementedError("exercise broadcasting_3")


def zero_dim_changes_the_dtype() -> tuple[torch.dtype, torch.dtype]:
    """Exercise 4: two dtypes ``(a, b)`` where the 0-d rule of ``result_type`` matters.

    ``torch.ones(2, dtype=a) + torch.ones((), dtype=b)`` must have another dtype than
    ``torch.ones(2, dtype=a) + torch.ones(1, dtype=b)`` (a 0-d tensor ranks below one with dims).
    """
    raise NotImplementedError("exercise broadcasting_4")
