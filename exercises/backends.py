"""Exercises for docs/backends.md. Check one with ``pytest exercises -m backends_<n>``."""

from __future__ import annotations


def softplus_forward(x):
    """Exercise 1: ``log(1 + exp(x))`` of a raw backend array ``x`` (a NumPy array, or a torch
    tensor for the CUDA backend), computed only through the backend table
    (``minitorch.backends.backend_of(x)``), so that it returns an array of ``x``'s kind. Keep it
    finite for large ``x``: ``max(x, 0) + log1p(exp(-|x|))`` (the table has ``relu``)."""
    raise NotImplementedError("exercise backends_1")


def scale_through_numpy(t, factor: float) -> None:
    """Exercise 2: multiply the CPU tensor ``t`` by ``factor`` in place by writing into
    ``t.numpy()`` (no tensor op). Written once for both libraries."""
    raise NotImplementedError("exercise backends_2")
