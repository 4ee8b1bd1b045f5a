"""kernels/cross_entropy.py: minitorch.compile's fused cross-entropy pass gives the bits of eager's
arrays, and refuses shapes and targets its loop cannot take."""

from __future__ import annotations

import numpy as np
import pytest
from minitorch.kernels import cross_entropy as ce


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("with_sum", [False, True])
def test_cross_entropy_pass_gives_the_eager_arrays_bits(with_sum, reduction, dtype):
    """One pass against eager's arrays: log_softmax's rows, nll_loss's pick and np.sum, nll's
    gradient scattered, log_softmax_backward's rows, the bias gradient as NumPy's sum over the rows."""
    from minitorch.kernels import log_softmax, log_softmax_backward

    rng = np.random.default_rng(1)
    x = (rng.standard_normal((33, 7)) * 3).astype(dtype)
    x[0, 0], x[1, 1] = np.nan, -0.0
    target = rng.integers(0, 7, 33)
    for logits in (x, x[1:]):
        n = len(logits)
        y = log_softmax(logits, 1)
        for g in (dtype(1.0), dtype(0.3), dtype(0.0), dtype(-0.0)):
            g = np.asarray(g)
            v = -(g if reduction == "sum" else g / n)
            d = np.zeros(logits.shape, dtype)
            d[np.arange(n), target[:n]] = v
            expected = log_softmax_backward(d, y, 1)
            total = np.sum(-y[np.arange(n), target[:n]], axis=(0,))
            expected_loss = np.asarray(total if reduction == "sum" else total / n)
            loss, dx, gb = np.empty((), dtype), np.empty(logits.shape, dtype), np.zeros(7, dtype)
            picked = np.empty(n, dtype)
            assert ce.cross_entropy_into(logits, target[:n], g, n, reduction == "sum", picked, loss, dx, gb,
                                         with_sum) == -1
            assert np.array_equal(picked, -y[np.arange(n), target[:n]], equal_nan=True)
            assert np.array_equal(loss, expected_loss, equal_nan=True)
            assert np.array_equal(dx, expected, equal_nan=True)
            ok = ~np.isnan(dx)
            assert np.array_equal(np.signbit(dx[ok]), np.signbit(expected[ok]))
            sums = np.add.reduce(expected, axis=0) if with_sum else np.zeros(7, dtype)
            assert np.array_equal(gb, sums, equal_nan=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pairwise_sum_is_numpys_sum(dtype):
    """NumPy's sum of a 1-d array (np.sum, as nll_loss's) is 0 + the pairwise sum, every size of a block."""
    rng = np.random.default_rng(2)
    for n in [*range(1, ce.PAIRWISE_BLOCK + 1)] * 3:
        a = (rng.standard_normal(n) * rng.uniform(0.1, 1e4)).astype(dtype)
        assert np.array_equal(np.sum(a, axis=(0,)), dtype(0) + ce.pairwise_sum(a))
    assert not np.signbit(np.sum(np.array([-0.0], dtype))), "this NumPy's sum starts from +0.0"


def test_target_checks_answer_nll_losss_two_questions():
    assert ce.target_checks(np.array([0, 3, 9]), -100, 10) == (False, False)
    assert ce.target_checks(np.array([0, -100, 9]), -100, 10) == (True, True)
    assert ce.target_checks(np.array([[0, 10]]), -100, 10) == (False, True)
    assert ce.target_checks(np.array([5, 2], dtype=np.int32), 5, 10) == (True, False)


def _pass(x, target, dx_shape=None, gb=None, picked=None):
    dx, loss = np.zeros(dx_shape or x.shape), np.zeros(())
    return ce.cross_entropy_into(x, target, np.ones(()), x.shape[0], False,
                                 np.zeros(x.shape[0]) if picked is None else picked, loss, dx,
                                 np.zeros(x.shape[1]) if gb is None else gb, True)


@pytest.mark.parametrize("call, error", [
    (lambda: _pass(np.zeros((3, 4)), np.zeros(2, np.int64)) == -2, None),
    (lambda: _pass(np.zeros((3, 4)), np.zeros(3, np.int64), dx_shape=(3, 3)) == -2, None),
    (lambda: _pass(np.zeros((3, 4)), np.zeros(3, np.int64), gb=np.zeros(3)) == -2, None),
    (lambda: _pass(np.zeros((3, 4)), np.zeros(3, np.int64), picked=np.zeros(2)) == -2, None),
    (lambda: _pass(np.zeros((3, 4)), np.array([0, 4, 1])) == 1, None),
    (lambda: _pass(np.zeros((3, 4)), np.array([0, 1, -1])) == 2, None),
    (lambda: ce.target_checks(np.zeros(3), 0, 1), RuntimeError),
])
def test_entries_refuse_what_their_loops_cannot_take(call, error):
    if error is None:
        assert call()
    else:
        with pytest.raises(error):
            call()
