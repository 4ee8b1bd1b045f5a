"""The kernels' threading policy decides what kernels/threading.py's docstring says it decides.

Serial below the grain size (a small GEMM is NumPy's single call, a big one is shared over the
threads), serial on one thread, and the run-time adaptation: a shared GEMM slower than its serial
estimate starts a serial spell, which grows while the stalls go on and starts short again after
a calm. A spell only turns the pool off (the split loops run in the calling thread): how the
work is split, and so every result's bits, never depends on it.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest
from minitorch.kernels import blas, threading

from minitorch import kernels

pytestmark = pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2 or not threading.one_pool(),
                                reason="needs two threads on the OpenMP pool")


@pytest.fixture(autouse=True)
def fresh_policy(monkeypatch):
    """Two threads (configured: the splits' count), no spell in progress, nothing learned; restored afterwards."""
    monkeypatch.setattr(threading, "_serial_left", 0)
    monkeypatch.setattr(threading, "_alone", False)
    monkeypatch.setattr(threading, "_requested", threading._requested)
    monkeypatch.setattr(threading, "_configured", threading._configured)
    monkeypatch.setattr(threading, "_hold", threading.HOLD_FIRST)
    monkeypatch.setattr(threading, "_calm", 0)
    monkeypatch.setattr(threading, "_since_stall", threading.WINDOW)
    monkeypatch.setattr(threading, "_strikes", 0)
    monkeypatch.setattr(threading, "_best", {})
    monkeypatch.setattr(threading, "ADAPTIVE", True)
    before = numba.get_num_threads()
    kernels.set_num_threads(2)
    yield
    numba.set_num_threads(before)


@pytest.fixture
def shared_gemms(monkeypatch):
    """Count the calls of blas.py's shared (prange) GEMMs; the GEMMs still run."""
    calls = []
    for name in ("_gemm", "_own_gemm"):
        original = getattr(blas, name)

        def counted(*args, original=original, name=name):
            calls.append(name)
            return original(*args)

        monkeypatch.setattr(blas, name, counted)
    return calls


def _operands(m, k, n):
    rng = np.random.default_rng(0)
    return rng.standard_normal((m, k), dtype=np.float32), rng.standard_normal((k, n), dtype=np.float32)


def test_in_parallel_from_the_grain_size_on():
    assert not threading.in_parallel(threading.PARALLEL_GRAIN - 1)
    assert threading.in_parallel(threading.PARALLEL_GRAIN)


def test_one_thread_is_always_serial():
    kernels.set_num_threads(1)
    assert not threading.in_parallel(threading.PARALLEL_GRAIN * 1000)


def test_a_small_gemm_stays_serial(shared_gemms):
    """LeNet's fc3 (64x84 @ 84x10): 64*84*10/16 multiply-adds' worth, far below the grain."""
    a, b = _operands(64, 84, 10)
    np.testing.assert_allclose(kernels.matmul(a, b), a @ b, rtol=1e-5, atol=1e-5)
    assert shared_gemms == []


def test_a_big_gemm_is_shared_and_timed(shared_gemms):
    """The MLP's first layer (64x784 @ 784x256) is shared over the threads, and its time recorded."""
    a, b = _operands(64, 784, 256)
    np.testing.assert_allclose(kernels.matmul(a, b), a @ b, rtol=1e-4, atol=1e-4)
    assert len(shared_gemms) == 1
    assert len(threading._best) == 1


def test_a_stalled_region_starts_a_serial_spell(shared_gemms):
    key = ("gemm", 1)
    assert not threading.region_timed(key, 1e-3, 2)  # the first time only teaches the region's best
    slack = threading.SLACK
    assert not threading.region_timed(key, 1.9e-3, 2)  # slower, but faster than serial (2 x best)
    assert not threading.region_timed(key, 1.9e-3 + slack, 2)  # a hiccup: under 2 x best + SLACK
    assert threading.serial_spell_left() == 0
    for _ in range(threading.STRIKES - 1):
        assert not threading.region_timed(key, 2.1e-3 + slack, 2)  # slower than that: a stall, not yet a row
    assert threading.serial_spell_left() == 0
    assert threading.region_timed(key, 2.1e-3 + slack, 2)  # the row is full: a busy core
    assert threading.serial_spell_left() == threading.HOLD_FIRST
    assert threading.in_parallel(threading.PARALLEL_GRAIN * 1000)  # still split for two threads,
    assert threading.pool_off() and numba.get_num_threads() == 1  # but run on the calling thread
    assert threading.split_threads() == 2 == kernels.get_num_threads()
    assert not threading.in_parallel(threading.PARALLEL_GRAIN - 1)  # below the grain: not counted
    a, b = _operands(64, 784, 256)  # during the spell a big GEMM is cut into the same pieces
    np.testing.assert_allclose(kernels.matmul(a, b), a @ b, rtol=1e-4, atol=1e-4)
    assert len(shared_gemms) == 1
    assert list(threading._best) == [key]  # a GEMM run alone is not timed
    assert threading.serial_spell_left() == threading.HOLD_FIRST - 2  # counted in loops
    for _ in range(threading.HOLD_FIRST - 2):
        assert threading.in_parallel(threading.PARALLEL_GRAIN)
        assert numba.get_num_threads() == 1
    assert threading.in_parallel(threading.PARALLEL_GRAIN)  # the spell is over: the pool is back
    assert not threading.pool_off() and numba.get_num_threads() == 2


def test_set_num_threads_during_a_spell_sizes_the_split_and_keeps_the_pool_off():
    threading.region_timed(("gemm", 5), 1e-3, 2)
    _stalls_short_of_a_row(("gemm", 5))
    assert threading.region_timed(("gemm", 5), 9e-3 + threading.SLACK, 2)
    assert threading.in_parallel(threading.PARALLEL_GRAIN)
    kernels.set_num_threads(1)
    assert numba.get_num_threads() == 1 and threading.split_threads() == 1 == kernels.get_num_threads()
    assert not threading.in_parallel(threading.PARALLEL_GRAIN)  # one thread: serial, as without a spell
    kernels.set_num_threads(2)
    assert numba.get_num_threads() == 1 and threading.split_threads() == 2
    threading._serial_left = 0  # the spell runs out: the pool comes back at the count set
    assert threading.in_parallel(threading.PARALLEL_GRAIN)
    assert numba.get_num_threads() == 2 and not threading.pool_off()


def test_the_spell_ends_and_the_threads_are_probed_again(monkeypatch):
    key = ("gemm", 2)
    threading.region_timed(key, 1e-3, 2)
    _stalls_short_of_a_row(key)
    assert threading.region_timed(key, 5e-3 + threading.SLACK, 2)
    monkeypatch.setattr(threading, "_serial_left", 0)  # the spell has run out
    assert threading.in_parallel(threading.PARALLEL_GRAIN)
    assert threading.region_timed(key, 5e-3 + threading.SLACK, 2)  # still stalling: a longer spell
    assert threading.serial_spell_left() == threading.GROWTH * threading.HOLD_FIRST


def test_spells_grow_while_stalls_go_on_and_start_short_after_a_calm(monkeypatch):
    key = ("gemm", 3)
    threading.region_timed(key, 1e-3, 2)
    _stalls_short_of_a_row(key)
    holds = []
    for _ in range(8):
        threading.region_timed(key, 9e-3 + threading.SLACK, 2)  # stall: a spell begins
        holds.append(threading.serial_spell_left())
        monkeypatch.setattr(threading, "_serial_left", 0)
    assert holds == [min(threading.HOLD_FIRST * threading.GROWTH ** i, threading.HOLD_MAX) for i in range(8)]
    monkeypatch.setattr(threading, "_serial_left", 0)
    for _ in range(threading.CALM):
        threading.region_timed(key, 1e-3, 2)
    _stalls_short_of_a_row(key)  # after a calm a spell takes a row again, and starts short
    assert threading.region_timed(key, 9e-3 + threading.SLACK, 2)
    assert threading.serial_spell_left() == threading.HOLD_FIRST


def _stalls_short_of_a_row(key):
    """Stalls of ``key`` (its best already learned), one short of the row that starts a spell."""
    for _ in range(threading.STRIKES - 1):
        assert not threading.region_timed(key, 9e-3 + threading.SLACK, 2)


def test_stalls_start_a_spell_only_in_a_row():
    key = ("gemm", 7)
    stall = 9e-3 + threading.SLACK
    threading.region_timed(key, 1e-3, 2)
    for _ in range(3):  # a row cut short after each pause (the pool waking): no spell
        _stalls_short_of_a_row(key)
        for _ in range(threading.WINDOW):
            assert not threading.region_timed(key, 1e-3, 2)
    for _ in range(threading.STRIKES - 1):
        assert not threading.region_timed(key, stall, 2)
        for _ in range(threading.WINDOW - 1):  # each stall within WINDOW regions of the one before
            threading.region_timed(key, 1e-3, 2)
    assert threading.region_timed(key, stall, 2)  # the row is full: a spell
    assert threading.serial_spell_left() == threading.HOLD_FIRST


def test_no_spells_when_adaptation_is_off(monkeypatch):
    monkeypatch.setattr(threading, "ADAPTIVE", False)
    key = ("gemm", 4)
    threading.region_timed(key, 1e-3, 2)
    assert not threading.region_timed(key, 1.0, 2)
    assert threading.in_parallel(threading.PARALLEL_GRAIN)


def _kernel_results():
    """Every kernel whose split could change its bits, on shapes big enough to be split (LeNet's
    at batch 64; the MLP's first Linear), float32: a dict of name -> array."""
    rng = np.random.default_rng(1)

    def randn(*shape):
        return rng.standard_normal(shape, dtype=np.float32)

    out = {}
    a, b = _operands(64, 784, 256)
    out["matmul"] = kernels.matmul(a, b)
    out["matmul_batched"] = kernels.matmul(randn(4, 64, 200), randn(4, 200, 96))
    for name, (x_shape, w_shape) in {"conv1": ((64, 1, 28, 28), (6, 1, 5, 5)),  # direct weight grad
                                     "conv2": ((64, 6, 14, 14), (16, 6, 5, 5)),
                                     "conv3x3": ((32, 16, 16, 16), (32, 16, 3, 3))}.items():
        x, w, bias = randn(*x_shape), randn(*w_shape), randn(w_shape[0])
        pad = (1, 1) if name == "conv3x3" else (0, 0)
        y = kernels.conv2d(x, w, bias, (1, 1), pad, (1, 1), 1)
        gy = randn(*y.shape)
        out[name] = y
        out[name + "_input_grad"] = kernels.conv2d_input_grad(gy, w, x.shape, (1, 1), pad, (1, 1), 1)
        out[name + "_weight_grad"] = kernels.conv2d_weight_grad(gy, x, w.shape, (1, 1), pad, (1, 1), 1)
    x, g = randn(64, 16, 10, 10), randn(64, 16, 10, 10)
    weight, bias = randn(16), randn(16)
    y, mean, invstd = kernels.batch_norm(x, weight, bias, np.zeros(16, np.float32), np.ones(16, np.float32),
                                         True, 0.1, 1e-5)
    out["batch_norm"], out["batch_norm_mean"], out["batch_norm_invstd"] = y, mean, invstd
    gx, gw, gb = kernels.batch_norm_backward(g, x, weight, mean, invstd, True, (True, True, True))
    out["batch_norm_gx"], out["batch_norm_gw"], out["batch_norm_gb"] = gx, gw, gb
    x = randn(64, 6, 28, 28)
    y, indices = kernels.max_pool2d(x, (2, 2), (2, 2), (0, 0), (1, 1), False)
    out["max_pool2d"], out["max_pool2d_indices"] = y, indices
    out["max_pool2d_backward"] = kernels.max_pool2d_backward(randn(*y.shape), indices, x.shape)
    out["avg_pool2d"] = kernels.avg_pool2d(x, (3, 3), (2, 2), (1, 1), False, True, None)
    out["avg_pool2d_backward"] = kernels.avg_pool2d_backward(randn(*out["avg_pool2d"].shape), x.shape, (3, 3),
                                                             (2, 2), (1, 1), False, True, None)
    out["adaptive_avg_pool2d"] = kernels.adaptive_avg_pool2d(x, (5, 5))
    return out


def test_results_are_bit_identical_inside_and_outside_a_serial_spell(monkeypatch):
    """The split depends on the shapes and the configured thread count only; the spell only runs
    it on the calling thread. So nothing a kernel returns depends on the machine's load."""
    monkeypatch.setattr(threading, "ADAPTIVE", False)  # no spell of the machine's own outside the forced one
    shared = _kernel_results()
    assert not threading.pool_off()
    monkeypatch.setattr(threading, "ADAPTIVE", True)
    threading.region_timed(("gemm", 6), 1e-3, 2)
    _stalls_short_of_a_row(("gemm", 6))
    assert threading.region_timed(("gemm", 6), 9e-3 + threading.SLACK, 2)  # a spell longer than the kernels
    before = threading.serial_spell_left()
    alone = _kernel_results()  # a GEMM run alone is not timed, so no other spell can begin meanwhile
    assert threading.pool_off() and numba.get_num_threads() == 1
    assert before - threading.serial_spell_left() >= 20  # the loops were split, and counted
    monkeypatch.setattr(threading, "ADAPTIVE", False)
    threading._serial_left = 0
    after = _kernel_results()  # and back on the threads
    assert not threading.pool_off() and numba.get_num_threads() == 2
    for name in shared:
        assert np.array_equal(shared[name], alone[name]), name
        assert np.array_equal(shared[name], after[name]), name
