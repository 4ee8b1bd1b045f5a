"""kernels/normalization.py's batch norm against a float64 NumPy reference, on per-channel maps
(K >= SMALL_MAP) and on the small maps' channel blocks (full and partial last blocks, one block,
many), serial and in parallel (the conftest runs each test both ways); and the parallel loops'
bits equal the serial ones'."""

import numpy as np
import pytest
from minitorch.kernels import normalization
from minitorch.kernels.normalization import (
    SMALL_MAP,
    batch_norm,
    batch_norm_backward,
    channel_blocks,
)

SHAPES = [(16, 40, 3, 3),  # blocks of 5 channels, all full (serial: one block of 40)
          (8, 37, 2, 2),  # blocks of 5, the last of 2 (serial: one block)
          (4, 600, 1, 1),  # blocks of 75 channels (serial: one of 600)
          (3, 2, 5),  # a 1-d input: blocks of one channel (serial: one block of 2)
          (4, 3, 9, 9),  # 81 positions: per channel
          (24, 3, 16, 16)]  # per channel, 6,144 values each: runs of 256 summed in float32


def _reference(x, g, w, b, eps, training, mean=None, var=None):
    x, g = x.astype(np.float64), g.astype(np.float64)
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    if training:
        mean, var = x.mean(axis=axes), x.var(axis=axes)
    invstd = 1 / np.sqrt(var + eps)
    xhat = (x - mean.reshape(shape)) * invstd.reshape(shape)
    y = xhat * w.reshape(shape) + b.reshape(shape)
    gw, gb = (g * xhat).sum(axis=axes), g.sum(axis=axes)
    scale = (invstd * w).reshape(shape)
    if training:
        n = x.size // x.shape[1]
        gx = (g - gb.reshape(shape) / n - xhat * gw.reshape(shape) / n) * scale
    else:
        gx = g * scale
    return y, gx, gw, gb


def _data(shape, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 3 + 2).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal(shape[1]).astype(np.float32)
    b = rng.standard_normal(shape[1]).astype(np.float32)
    return x, g, w, b


def _run(x, g, w, b, training):
    running_mean = np.linspace(-1, 1, x.shape[1]).astype(np.float32)
    running_var = np.linspace(0.5, 2, x.shape[1]).astype(np.float32)
    y, mean, invstd = batch_norm(x, w, b, running_mean, running_var, training, 0.1, 1e-5)
    gx, gw, gb = batch_norm_backward(g, x, w, mean, invstd, training, (True, True, True))
    return y, gx, gw, gb, running_mean, running_var


def test_the_shapes_take_both_loops():
    blocked = [s for s in SHAPES if int(np.prod(s[2:])) < SMALL_MAP]
    assert {channel_blocks(s[1], int(np.prod(s[2:]))) for s in blocked} == {5, 75, 1}
    # one thread takes longer blocks: the bits test below compares two different splits
    assert [channel_blocks(s[1], int(np.prod(s[2:])), parallel=False) for s in blocked] == [40, 37, 600, 2]
    assert channel_blocks(4, 1024, parallel=False) == 1
    assert any(int(np.prod(s[2:])) >= SMALL_MAP for s in SHAPES)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_matches_float64(shape, training):
    x, g, w, b = _data(shape)
    y, gx, gw, gb, running_mean, running_var = _run(x, g, w, b, training)
    rm0 = np.linspace(-1, 1, x.shape[1])
    rv0 = np.linspace(0.5, 2, x.shape[1])
    want = _reference(x, g, w, b, 1e-5, training, None if training else rm0.astype(np.float32),
                      None if training else rv0.astype(np.float32))
    for got, ref in zip((y, gx, gw, gb), want):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, ref, rtol=2e-5, atol=2e-5)
    if training:
        axes = (0,) + tuple(range(2, x.ndim))
        n = x.size // x.shape[1]
        x64 = x.astype(np.float64)
        np.testing.assert_allclose(running_mean, 0.1 * x64.mean(axis=axes) + 0.9 * rm0, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(running_var, 0.1 * x64.var(axis=axes) * n / (n - 1) + 0.9 * rv0, rtol=1e-5)


@pytest.mark.parametrize("shape", SHAPES)
def test_parallel_bits_equal_serial(shape, monkeypatch):
    x, g, w, b = _data(shape, seed=1)
    results = {}
    for parallel in (False, True):
        monkeypatch.setattr(normalization, "in_parallel", lambda elements, parallel=parallel: parallel)
        results[parallel] = _run(x, g, w, b, True)
    for serial, threads in zip(results[False], results[True]):
        assert np.array_equal(serial, threads)


def test_no_input_gradient_and_float64():
    x, g, w, b = _data((6, 20, 2, 2), seed=2)
    x, g = x.astype(np.float64), g.astype(np.float64)
    y, mean, invstd = batch_norm(x, w, b, None, None, True, 0.1, 1e-5)
    assert y.dtype == np.float64
    gx, gw, gb = batch_norm_backward(g, x, w, mean, invstd, True, (False, True, True))
    assert gx is None
    want = _reference(x, g, w, b, 1e-5, True)
    np.testing.assert_allclose(gw, want[2], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(gb, want[3], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("shape", [(64, 64, 8, 8), (64, 6, 24, 24), (64, 176, 2, 2), (64, 120)])
def test_matches_torch(shape):
    """The gallery's shapes (DenseNet, the batchnorm chapter's LeNet) against torch's
    native_batch_norm and its backward, float32: y, gx, gw, gb and the running statistics within
    rtol 1e-5, atol 1e-5 (the backward's per-run sums are in float32 as PyTorch's are, the runs
    and the forward's statistics in float64)."""
    import torch

    x, g, w, b = _data(shape, seed=3)
    rm, rv = np.zeros(shape[1], np.float32), np.ones(shape[1], np.float32)
    y, mean, invstd = batch_norm(x, w, b, rm, rv, True, 0.1, 1e-5)
    gx, gw, gb = batch_norm_backward(g, x, w, mean, invstd, True, (True, True, True))
    tx, tw, tb = (torch.from_numpy(a.copy()).requires_grad_() for a in (x, w, b))
    trm, trv = torch.zeros(shape[1]), torch.ones(shape[1])
    ty = torch.nn.functional.batch_norm(tx, trm, trv, tw, tb, True, 0.1, 1e-5)
    ty.backward(torch.from_numpy(g))
    for got, want in ((y, ty), (gx, tx.grad), (gw, tw.grad), (gb, tb.grad), (rm, trm), (rv, trv)):
        np.testing.assert_allclose(got, want.detach().numpy(), rtol=1e-5, atol=1e-5)
