"""Exercises for docs/parity-tests.md. Check one with ``pytest exercises -m parity_tests_<n>``.

``lib`` is ``minitorch`` or ``torch``: write each function once, for both.
"""

from __future__ import annotations

import numpy as np


def check_op(name: str, *arrays: np.ndarray) -> None:
    """Exercise 1: a one-line parity test. Call ``minitorch.<name>`` and ``torch.<name>`` on
    float64 tensors made from ``arrays`` (each requiring grad); raise ``AssertionError`` unless
    the outputs agree (``np.testing.assert_allclose``) and the gradients of ``sum(out * v)``
    with respect to every input agree, for a random ``v`` of the output's shape."""
    raise NotImplementedError("exercise parity_tests_1")


def permuted_view(lib, array: np.ndarray, perm: tuple[int, ...]):
    """Exercise 2: ``(leaf, view)``: a contiguous float64 ``leaf`` that requires grad and
    ``view = leaf.permute(perm)``, such that ``view`` holds the values of ``array``
    (the harness's ``Layout("permuted")``)."""
    raise NotImplementedError("exercise parity_tests_2")


def tie_gradients(lib, values: list[float]) -> list[list[float]]:
    """Exercise 3: for ``x = lib.tensor(values, requires_grad=True)``, the gradient with respect
    to ``x`` (as a list) of each of: ``x.max()``, ``x.max(dim=0).values``, ``x.amax()`` and
    ``x.sort().values[-1]``, in that order."""
    raise NotImplementedError("exercise parity_tests_3")
