"""Issue 14's leftovers that need values, not only exception types (those are in
error_parity/cases_leftovers.py): NumPy operands of tensor operators, ``x.tile(2, 3)``.

NumPy operands follow PyTorch's mechanism: ``tensor + ndarray`` is computed by NumPy and wrapped
back into a tensor (NumPy's dtype rules), ``ndarray + tensor`` is a TypeError (NumPy defers to the
tensor, which declines), ``ndarray / tensor`` and ``==`` are computed.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import minitorch as mt

X = np.array([[1.5, -2.0, 3.0], [0.5, 2.0, -1.0]], dtype=np.float32)
XI = np.array([[1, -2, 3], [4, 2, 7]], dtype=np.int64)

OPERATIONS = [
    "x + np.array([1.0])", "x + np.array(1.0)", "x + np.array(1.0, dtype=np.float32)", "x - np.array([1.0, 2.0, 3.0])",
    "x * np.array([2], dtype=np.int64)", "x / np.array([2.0])", "x ** np.array([2.0])", "x % np.array([2.0])",
    "xi // np.array([2])", "xi + np.array([1], dtype=np.int32)", "x @ np.ones((3, 2))", "np.array([2.0]) / x",
    "x == np.array([1.5])", "np.array([1.5]) == x", "x + np.float32(1.0)", "np.float32(1.0) + x",
    "np.int64(2) * x", "np.float64(2.0) - x", "np.bool_(True) + x", "np.exp(x)", "np.equal(x, x)",
    "np.array([1.0]) + x", "np.array([1.0]) - x", "np.array([1.0]) * x", "np.array([2.0]) ** x",
    "np.ones((2, 3)) @ x.T", "x < np.array([1.0])", "np.array([1.0]) > x", "x + np.array([[1.0] * 4])",
    "x.add(np.array([1.0]))", "torch.mul(x, np.array([1.0]))", "x.requires_grad_() + np.array([1.0])",
]


def _outcome(lib, code: str):
    env = {"torch": lib, "np": np, "x": lib.tensor(X), "xi": lib.tensor(XI)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = eval(code, env)
        except Exception as error:  # noqa: BLE001
            return ("error", type(error).__name__)
    assert isinstance(r, lib.Tensor), f"{code}: {type(r).__name__}"
    return ("ok", str(r.dtype), tuple(r.shape), np.asarray(r.tolist(), dtype=np.float64))


@pytest.mark.parametrize("code", OPERATIONS)
def test_numpy_operand(code):
    ref, ours = _outcome(torch, code), _outcome(mt, code)
    assert ref[:3] == ours[:3], (ref, ours)
    if ref[0] == "ok":
        np.testing.assert_allclose(ours[3], ref[3], rtol=1e-6)


@pytest.mark.parametrize("code", ["x.tile(2, 3)", "x.tile(1, 2, 1)", "x.tile((2, 3))", "x.tile(2)",
                                  "x.tile(dims=(2, 1))", "torch.tile(x, (3,))"])
def test_tile_forms(code):
    ref = eval(code, {"torch": torch, "x": torch.tensor(X)})
    ours = eval(code, {"torch": mt, "x": mt.tensor(X)})
    assert tuple(ours.shape) == tuple(ref.shape) and ours.tolist() == ref.tolist()


def test_not_equal_to_an_array_is_elementwise():
    """Deliberate difference (docs/differences.md): torch's ``t != ndarray`` is Python's True."""
    assert (torch.tensor(X) != np.array([1.5])) is True
    ours = mt.tensor(X) != np.array([1.5])
    assert ours.tolist() == (torch.tensor(X) != torch.tensor([1.5])).tolist()


@pytest.mark.parametrize("seed", ["-1", "-2**63", "2**64 - 1", "np.int64(3)", "np.uint64(2**64 - 1)", "3.7", "True",
                                  "torch.tensor(5)", "torch.zeros(1)", "'3'"])
def test_manual_seed_reads_the_seed_as_pytorch(seed):
    """``torch.manual_seed`` takes ``int(seed)``, wrapped modulo 2**64 (errors: cases_leftovers.py)."""
    ref = torch.manual_seed(eval(seed, {"torch": torch, "np": np})).initial_seed()
    ours = mt.manual_seed(eval(seed, {"torch": mt, "np": np})).initial_seed()
    torch.manual_seed(0)
    assert ours == ref
