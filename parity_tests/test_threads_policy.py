"""The kernels' threading policy decides what kernels/threading.py's docstring says it decides.

Serial below the grain size (a small GEMM is NumPy's single call, a big one is shared over the
threads), serial on one thread, and the run-time adaptation: a shared GEMM slower than its serial
estimate starts a serial spell, which grows while the stalls go on and starts short again after
a calm.
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
    """Two threads, no spell in progress, nothing learned; restored afterwards."""
    monkeypatch.setattr(threading, "_serial_left", 0)
    monkeypatch.setattr(threading, "_hold", threading.HOLD_FIRST)
    monkeypatch.setattr(threading, "_calm", 0)
    monkeypatch.setattr(threading, "_best", {})
    monkeypatch.setattr(threading, "ADAPTIVE", True)
    before = numba.get_num_threads()
    numba.set_num_threads(2)
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
    numba.set_num_threads(1)
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
    assert threading.region_timed(key, 2.1e-3 + slack, 2)  # slower than that: a stall
    assert threading.serial_spell_left() == threading.HOLD_FIRST
    assert not threading.in_parallel(threading.PARALLEL_GRAIN * 1000)
    assert not threading.in_parallel(threading.PARALLEL_GRAIN - 1)  # below the grain: not counted
    a, b = _operands(64, 784, 256)  # during the spell a big GEMM is NumPy's single call
    np.testing.assert_allclose(kernels.matmul(a, b), a @ b, rtol=1e-4, atol=1e-4)
    assert shared_gemms == []
    assert threading.serial_spell_left() == threading.HOLD_FIRST - 2  # counted in loops
    for _ in range(threading.HOLD_FIRST - 2):
        assert not threading.in_parallel(threading.PARALLEL_GRAIN)
    assert threading.in_parallel(threading.PARALLEL_GRAIN)  # the spell is over


def test_the_spell_ends_and_the_threads_are_probed_again(monkeypatch):
    key = ("gemm", 2)
    threading.region_timed(key, 1e-3, 2)
    assert threading.region_timed(key, 5e-3 + threading.SLACK, 2)
    monkeypatch.setattr(threading, "_serial_left", 0)  # the spell has run out
    assert threading.in_parallel(threading.PARALLEL_GRAIN)
    assert threading.region_timed(key, 5e-3 + threading.SLACK, 2)  # still stalling: a longer spell
    assert threading.serial_spell_left() == threading.GROWTH * threading.HOLD_FIRST


def test_spells_grow_while_stalls_go_on_and_start_short_after_a_calm(monkeypatch):
    key = ("gemm", 3)
    threading.region_timed(key, 1e-3, 2)
    holds = []
    for _ in range(8):
        threading.region_timed(key, 9e-3 + threading.SLACK, 2)  # stall: a spell begins
        holds.append(threading.serial_spell_left())
        monkeypatch.setattr(threading, "_serial_left", 0)
    assert holds == [min(threading.HOLD_FIRST * threading.GROWTH ** i, threading.HOLD_MAX) for i in range(8)]
    monkeypatch.setattr(threading, "_serial_left", 0)
    for _ in range(threading.CALM):
        threading.region_timed(key, 1e-3, 2)
    threading.region_timed(key, 9e-3 + threading.SLACK, 2)
    assert threading.serial_spell_left() == threading.HOLD_FIRST


def test_no_spells_when_adaptation_is_off(monkeypatch):
    monkeypatch.setattr(threading, "ADAPTIVE", False)
    key = ("gemm", 4)
    threading.region_timed(key, 1e-3, 2)
    assert not threading.region_timed(key, 1.0, 2)
    assert threading.in_parallel(threading.PARALLEL_GRAIN)
