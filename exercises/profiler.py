"""Exercises for docs/profiler.md. Check one with ``pytest exercises -m profiler_<n>``.

Each function reads a finished profile, ``prof`` from ``with profile(...) as prof:``. Use only
the profiler's PyTorch API (``prof.events()``, ``prof.key_averages()``, the events' ``name``,
``key``, ``count``, ``cpu_children``, ``cpu_time_total``, ``self_cpu_time_total``): the first two
checks pass a ``torch.profiler`` profile to your function too.
"""

from __future__ import annotations

from typing import Any


def busiest_op(prof: Any) -> tuple[str, int]:
    """Exercise 1: the op that took the most self CPU time, and how often it ran.

    Among the keys of ``prof.key_averages()`` that are ops (they start with ``aten::``), the one
    with the largest ``self_cpu_time_total`` (summed over its calls), and its number of calls:
    ``(key, count)``. It is the first ``aten::`` row of
    ``prof.key_averages().table(sort_by="self_cpu_time_total")``.
    """
    raise NotImplementedError("exercise profiler_1")


def region(prof: Any, name: str) -> tuple[int, list[str]]:
    """Exercise 2: how often the range ``name`` (a ``record_function``) ran, and what ran in it.

    ``(count, children)``: the number of ranges called ``name`` in ``prof.events()``, and the
    names of the ranges directly inside the first of them, in the order they started, leaving out
    minitorch's ``kernel: ...`` ranges (PyTorch has none).
    """
    raise NotImplementedError("exercise profiler_2")


def kernel_split(prof: Any, op: str) -> tuple[float, float]:
    """Exercise 3: the op ``op``'s time split into its kernel and the Python around it, in µs.

    ``(kernel, python)`` summed over every range called ``op``: ``kernel`` is the total CPU time of
    its child ranges named ``"kernel: " + op`` (0.0 where it has none: a Function of your own has
    no kernel range), ``python`` is its self CPU time, the rest of the op's range.
    """
    raise NotImplementedError("exercise profiler_3")
