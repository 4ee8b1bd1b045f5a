"""kernels/optim.py ``add_scaled_all``: a group's SGD updates in one call, with the bits of NumPy's
``p + g * alpha`` per parameter, at one thread and two, and the entry's checks."""

from __future__ import annotations

import numpy as np
import pytest
from minitorch.kernels import add_scaled_all
from minitorch.kernels import threading as kernel_threads


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_add_scaled_all_gives_numpys_bits(dtype, threads):
    rng = np.random.default_rng(0)
    shapes = [(256, 784), (256,), (10, 256), (10,), (3, 5000)]  # small and big, blocks across arrays
    params = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads[1][0], params[3][0] = np.nan, -0.0
    expected = [np.add(p, np.multiply(g, -0.1)) for p, g in zip(params, grads)]
    before = kernel_threads.get_num_threads()
    kernel_threads.set_num_threads(threads)
    try:
        add_scaled_all(tuple(params), tuple(grads), -0.1)
    finally:
        kernel_threads.set_num_threads(before)
    for p, e in zip(params, expected):
        assert np.array_equal(p, e, equal_nan=True) and np.array_equal(np.signbit(p), np.signbit(e))


def test_add_scaled_all_takes_other_layouts_one_by_one():
    p = np.ones((4, 6), np.float32)
    g = np.arange(24, dtype=np.float32).reshape(6, 4).T  # column-major
    q, h = np.ones(3, np.float64), np.ones(3, np.float64)
    add_scaled_all((p.T, q), (g.T, h), 2.0)
    assert np.array_equal(p.T, 1 + g.T * np.float32(2)) and np.array_equal(q, np.full(3, 3.0))


@pytest.mark.parametrize("params, grads", [
    ((np.zeros(3),), (np.zeros(4),)),
    ((np.zeros(3), np.zeros(2)), (np.zeros(3),)),
    ((np.zeros(3, np.int64),), (np.zeros(3, np.int64),)),
])
def test_add_scaled_all_refuses_what_its_loop_cannot_take(params, grads):
    with pytest.raises(RuntimeError):
        add_scaled_all(params, grads, 1.0)
