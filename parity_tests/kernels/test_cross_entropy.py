"""kernels/cross_entropy.py: the element-wise passes of minitorch.compile's fused cross-entropy
give NumPy's bits, and their entries refuse shapes and targets their loops cannot take."""

from __future__ import annotations

import numpy as np
import pytest
from minitorch.kernels import cross_entropy as ce


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nll_pick_gives_numpys_subtraction_and_pick(dtype):
    rng = np.random.default_rng(0)
    z = rng.standard_normal((17, 5)).astype(dtype)
    l = rng.standard_normal((17, 1)).astype(dtype)
    z[0, 0], l[1, 0] = np.nan, -0.0
    target = rng.integers(0, 5, 17)
    y, picked = ce.nll_pick(z, l, target)
    assert np.array_equal(y, z - l, equal_nan=True)
    assert np.array_equal(picked, -(z - l)[np.arange(17), target], equal_nan=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nll_log_softmax_backward_gives_numpys_bits(dtype):
    rng = np.random.default_rng(1)
    e = np.exp(rng.standard_normal((33, 7))).astype(dtype)
    target = rng.integers(0, 7, 33)
    for v in (dtype(-0.25), dtype(0.0), dtype(-0.0)):
        w = v + 0.0
        d = np.zeros(e.shape, dtype)
        d[np.arange(33), target] = v
        expected = d - e * w
        dx, gb = ce.nll_log_softmax_backward(e, target, v, w, with_sum=True)
        assert np.array_equal(dx, expected) and np.array_equal(np.signbit(dx), np.signbit(expected))
        assert np.array_equal(gb, np.add.reduce(expected, axis=0))
        assert np.array_equal(ce.nll_log_softmax_backward(e, target, v, w), expected)


def test_target_checks_answer_nll_losss_two_questions():
    assert ce.target_checks(np.array([0, 3, 9]), -100, 10) == (False, False)
    assert ce.target_checks(np.array([0, -100, 9]), -100, 10) == (True, True)
    assert ce.target_checks(np.array([[0, 10]]), -100, 10) == (False, True)
    assert ce.target_checks(np.array([5, 2], dtype=np.int32), 5, 10) == (True, False)


@pytest.mark.parametrize("call, error", [
    (lambda: ce.nll_pick(np.zeros((3, 4)), np.zeros((2, 1)), np.zeros(3, int)), RuntimeError),
    (lambda: ce.nll_pick(np.zeros((3, 4)), np.zeros((3, 1)), np.zeros(4, int)), RuntimeError),
    (lambda: ce.nll_pick(np.zeros((3, 4)), np.zeros((3, 1)), np.array([0, 4, 1])), IndexError),
    (lambda: ce.nll_pick(np.zeros((3, 4)), np.zeros((3, 1)), np.array([0, -1, 1])), IndexError),
    (lambda: ce.nll_log_softmax_backward(np.zeros((3, 4)), np.zeros(2, int), 1.0, 1.0), RuntimeError),
    (lambda: ce.nll_log_softmax_backward(np.zeros((3, 4)), np.array([4, 0, 0]), 1.0, 1.0), IndexError),
    (lambda: ce.nll_pick_into(np.zeros((3, 4)), np.zeros((3, 1)), np.zeros(3, np.int64), np.zeros((3, 3)),
                              np.zeros(3)) == -2, None),
    (lambda: ce.target_checks(np.zeros(3), 0, 1), RuntimeError),
])
def test_entries_refuse_what_their_loops_cannot_take(call, error):
    if error is None:
        assert call()
    else:
        with pytest.raises(error):
            call()
