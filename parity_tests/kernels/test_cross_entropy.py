"""kernels/cross_entropy.py: minitorch.compile's fused cross-entropy pass gives the bits of eager's
arrays, and refuses shapes and targets its loop cannot take."""

from __future__ import annotations

import numpy as np
import pytest
from minitorch.kernels import cross_entropy as ce


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("with_sum", [False, True])
def test_cross_entropy_pass_gives_the_eager_kernels_bits(with_sum, dtype):
    """One pass against eager's arrays: log_softmax's rows, the pick, nll's gradient scattered and
    log_softmax_backward's rows, the bias gradient as NumPy's sum over the rows."""
    from minitorch.kernels import log_softmax, log_softmax_backward

    rng = np.random.default_rng(1)
    x = (rng.standard_normal((33, 7)) * 3).astype(dtype)
    x[0, 0], x[1, 1] = np.nan, -0.0
    target = rng.integers(0, 7, 33)
    y = log_softmax(x, 1)
    for v in (dtype(-0.25), dtype(0.0), dtype(-0.0)):
        w = v + 0.0
        d = np.zeros(x.shape, dtype)
        d[np.arange(33), target] = v
        expected = log_softmax_backward(d, y, 1)
        picked, dx, gb = np.empty(33, dtype), np.empty(x.shape, dtype), np.zeros(7, dtype)
        assert ce.cross_entropy_into(x, target, v, w, picked, dx, gb, with_sum) == -1
        assert np.array_equal(picked, -y[np.arange(33), target], equal_nan=True)
        assert np.array_equal(dx, expected, equal_nan=True)
        ok = ~np.isnan(dx)
        assert np.array_equal(np.signbit(dx[ok]), np.signbit(expected[ok]))
        sums = np.add.reduce(expected, axis=0) if with_sum else np.zeros(7, dtype)
        assert np.array_equal(gb, sums, equal_nan=True)


def test_target_checks_answer_nll_losss_two_questions():
    assert ce.target_checks(np.array([0, 3, 9]), -100, 10) == (False, False)
    assert ce.target_checks(np.array([0, -100, 9]), -100, 10) == (True, True)
    assert ce.target_checks(np.array([[0, 10]]), -100, 10) == (False, True)
    assert ce.target_checks(np.array([5, 2], dtype=np.int32), 5, 10) == (True, False)


def _pass(x, target, dx_shape=None, picked=None, gb=None):
    dx = np.zeros(dx_shape or x.shape)
    return ce.cross_entropy_into(x, target, 1.0, 1.0, np.zeros(x.shape[0]) if picked is None else picked, dx,
                                 np.zeros(x.shape[1]) if gb is None else gb, True)


@pytest.mark.parametrize("call, error", [
    (lambda: _pass(np.zeros((3, 4)), np.zeros(2, np.int64)) == -2, None),
    (lambda: _pass(np.zeros((3, 4)), np.zeros(3, np.int64), dx_shape=(3, 3)) == -2, None),
    (lambda: _pass(np.zeros((3, 4)), np.zeros(3, np.int64), picked=np.zeros(2)) == -2, None),
    (lambda: _pass(np.zeros((3, 4)), np.zeros(3, np.int64), gb=np.zeros(3)) == -2, None),
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
