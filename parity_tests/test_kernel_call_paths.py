"""Issue 17, the Python around the kernels: the shortcuts keep PyTorch's semantics and the guards.

- ``kernels/checks.py``: each check's passing case is a tuple compare or a plain loop; what fails
  still raises the same RuntimeError, for tuples, lists and wildcards alike;
- ``kernels/blas.py``: ``matmul`` makes a plan per geometry (dtypes, shapes, strides, ``out``'s,
  ``rows``, thread count) once and looks it up after: a new layout of the same shapes, a wrong
  ``out`` or operands that do not multiply each meet the checks, with the same results as NumPy;
- ``kernels/normalization.py``: batch_norm's per-channel numbers in one compiled loop;
- ``nn.BatchNorm*``: ``num_batches_tracked`` counted on its array (same value and version as
  PyTorch's ``add_``), the registries read once; ``F.batch_norm``'s checks once per key: the
  running statistics, ``momentum=None``, eval mode and every error as PyTorch.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from minitorch.kernels import blas
from minitorch.kernels.checks import check_at_most, check_output_size, check_shape, check_window

import minitorch as mt


@pytest.mark.parametrize("shape, expected, ok", [
    ((2, 3), (2, 3), True),
    ([2, 3], (2, 3), True),
    ((2, 3), (None, 3), True),
    ((2, 3), [2, None], True),
    ((2, 3), (2, 4), False),
    ((2, 3), (None, 4), False),
    ((2, 3, 1), (None, None), False),
    ((2,), (2, None), False),
    ((), (), True),
])
def test_check_shape(shape, expected, ok):
    if ok:
        check_shape("op", "x", shape, expected)
    else:
        with pytest.raises(RuntimeError, match="op: expected x of shape"):
            check_shape("op", "x", shape, expected)


def test_window_and_size_checks():
    check_window("op", (3, 3), (1, 1), (1, 1))
    check_window("op", (3, 3), (1, 1), ((1, 0), (0, 1)))  # pairs: the general path
    for bad in [((0, 3), (1, 1), (1, 1)), ((3, 3), (1, -1), (1, 1)), ((3, 3), (1, 1), (1, -1)),
                ((3, 3), (1, 1), ((1, -1), (0, 0))), ((3.5, 3), (1, 1), (0, 0))]:
        with pytest.raises(RuntimeError, match="op: "):
            check_window("op", *bad)
    with pytest.raises(RuntimeError, match="too small"):
        check_output_size("op", (2, 2), (1, 0))
    with pytest.raises(RuntimeError, match="does not fit"):
        check_at_most("op", "grad", (3, 5), (3, 4))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matmul_plans_by_layout(dtype):
    """The same shapes in other layouts (transposed, strided, a stack) each get their own plan,
    and every result equals NumPy's; out= of another shape raises although (a, b) has a plan."""
    rng = np.random.default_rng(0)
    saved = blas.SERIAL_OWN_MIN
    blas.SERIAL_OWN_MIN = 1  # every float GEMM that gemm.pays for goes on kernels/gemm.py
    blas._PLANS.clear()
    try:
        a = rng.standard_normal((40, 24)).astype(dtype)
        b = rng.standard_normal((24, 32)).astype(dtype)
        tol = 1e-4 if dtype == np.float32 else 1e-10
        for x, y in [(a, b), (np.asfortranarray(a), b), (a, np.asfortranarray(b)),
                     (np.ascontiguousarray(a.T).T, b[:, ::1]), (a[::2], b), (a, b[:, ::2]),
                     (np.stack([a, a[::-1]]), np.stack([b, b])), (np.stack([a, a]), b),
                     (a, b)]:
            for _ in range(2):  # the first call makes the plan, the second uses it
                np.testing.assert_allclose(blas.matmul(x, y), np.matmul(x, y), rtol=tol, atol=tol)
        out = np.empty((40, 32), dtype)
        assert blas.matmul(a, b, out=out) is out
        np.testing.assert_allclose(out, a @ b, rtol=tol, atol=tol)
        with pytest.raises(RuntimeError, match="out"):
            blas.matmul(a, b, out=np.empty((40, 31), dtype))
        with pytest.raises(RuntimeError, match="cannot be multiplied"):
            blas.matmul(a, b[:20])
        assert np.matmul(a, b.astype(np.float32)).dtype == blas.matmul(a, b.astype(np.float32)).dtype
    finally:
        blas.SERIAL_OWN_MIN = saved
        blas._PLANS.clear()


def _batch_norm_steps(lib, momentum, affine, steps=3, **kwargs):
    lib.manual_seed(0)
    bn = lib.nn.BatchNorm2d(3, momentum=momentum, affine=affine, **kwargs)
    rng = np.random.default_rng(1)
    outs = []
    for _ in range(steps):
        x = lib.tensor(rng.standard_normal((4, 3, 5, 5)), dtype=lib.float32, requires_grad=True)
        y = bn(x)
        (y * y).sum().backward()
        outs.append((y.detach().numpy().copy(), x.grad.numpy().copy()))
    bn.eval()
    outs.append((bn(lib.tensor(rng.standard_normal((2, 3, 5, 5)), dtype=lib.float32)).detach().numpy().copy(), None))
    buffers = {k: v.numpy().copy() for k, v in bn.state_dict().items()}
    versions = (bn.num_batches_tracked._version if bn.num_batches_tracked is not None else None)
    return outs, buffers, versions


@pytest.mark.parametrize("momentum", [0.1, None, 0.0])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("track", [True, False])
def test_batch_norm_module_as_torch(momentum, affine, track):
    got, got_buffers, got_version = _batch_norm_steps(mt, momentum, affine, track_running_stats=track)
    want, want_buffers, want_version = _batch_norm_steps(torch, momentum, affine, track_running_stats=track)
    for (gy, gx), (wy, wx) in zip(got, want):
        np.testing.assert_allclose(gy, wy, rtol=1e-4, atol=1e-5)
        if wx is not None:
            np.testing.assert_allclose(gx, wx, rtol=1e-4, atol=1e-4)
    assert got_buffers.keys() == want_buffers.keys()
    for k in want_buffers:
        np.testing.assert_allclose(got_buffers[k], want_buffers[k], rtol=1e-5, atol=1e-6)
    assert got_version == want_version


def test_batch_norm_counter_seen_by_a_profile_and_a_view():
    """Under a profile the counter's ``add_`` is an op the profile lists; a counter replaced by
    a view of another tensor is counted through ``add_`` too (the base sees the write)."""
    bn = mt.nn.BatchNorm2d(2)
    x = mt.randn(3, 2, 4, 4)
    with mt.profiler.profile() as prof:
        bn(x)
    assert "aten::add" in [e.key for e in prof.key_averages()]  # add_'s name in minitorch's profiles
    base = mt.zeros(2, dtype=mt.int64)
    bn.num_batches_tracked = base[1]
    bn(x)
    bn(x)
    assert base.tolist() == [0, 2] and int(bn.num_batches_tracked) == 2


def test_batch_norm_deleted_buffer_is_attribute_error():
    for lib in (mt, torch):
        bn = lib.nn.BatchNorm2d(2)
        del bn.running_mean
        with pytest.raises(AttributeError):
            bn(lib.randn(3, 2, 4, 4))
        bn = lib.nn.BatchNorm2d(2).eval()
        del bn.num_batches_tracked  # read in training only
        bn(lib.randn(3, 2, 4, 4))


def _outcome(lib, fn):
    try:
        y = fn(lib)
    except Exception as e:  # noqa: BLE001 - the exception type is what is compared
        return type(e).__name__
    return np.asarray(y.detach().tolist()).round(5).tolist()


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.functional.batch_norm(lib.ones(1, 3, 1, 1), lib.zeros(3), lib.ones(3), training=True),
    lambda lib: lib.nn.functional.batch_norm(lib.ones(4, 3, 2, 2), lib.zeros(4), lib.ones(3), training=True),
    lambda lib: lib.nn.functional.batch_norm(lib.ones(4, 3, 2, 2), None, None, training=False),
    lambda lib: lib.nn.functional.batch_norm(lib.ones(4, 3, 2, 2), lib.zeros(3, dtype=lib.float64),
                                             lib.ones(3), training=True),
    lambda lib: lib.nn.functional.batch_norm(lib.ones(4, 3, 2, 2), lib.zeros(3), lib.ones(3),
                                             lib.ones(2), training=True),
    lambda lib: lib.nn.functional.batch_norm(lib.arange(24.0).reshape(4, 3, 2), lib.zeros(3), lib.ones(3),
                                             lib.ones(3), lib.zeros(3), training=1),
    lambda lib: lib.nn.functional.batch_norm(lib.arange(24.0).reshape(4, 3, 2), lib.zeros(3), lib.ones(3),
                                             training=False),
])
def test_functional_batch_norm_after_a_stored_key_as_torch(make):
    """A call like a stored one but for one shape, dtype, None or mode meets the checks again."""
    def stored(lib):
        return lib.nn.functional.batch_norm(lib.arange(48.0).reshape(4, 3, 2, 2), lib.zeros(3), lib.ones(3),
                                            lib.ones(3), lib.zeros(3), training=True)

    assert _outcome(mt, stored) == _outcome(torch, stored)
    assert _outcome(mt, make) == _outcome(torch, make)
    assert _outcome(mt, make) == _outcome(torch, make)  # and from its stored key, where it has one
