"""``minitorch/_compile/fusions.py``: a run of plan steps replayed as one call stays bit-identical
to the eager step, and its value checks still stop a replay that does not apply.

On the CPU the MLP step's Linear + ReLU, cross-entropy, ReLU's gradient + the bias gradient, SGD
updates and target checks are fused; on the CUDA
backend (torch tensors) nothing is, and the same tests check the plain replay.
"""

from __future__ import annotations

import numpy as np
import pytest

import minitorch
import minitorch.nn.functional as F
from minitorch import nn


def _train(device, compiled: bool, steps: int, reduction: str = "mean", batch: int = 16):
    """Plain SGD (no momentum: ``descend_arrays`` steps) on an MLP with cross-entropy, the lr
    halved every 5 steps by a scheduler (read live by the fused update)."""
    minitorch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(48, 32), nn.ReLU(), nn.Linear(32, 7)).to(device)
    opt = minitorch.optim.SGD(model.parameters(), lr=0.1)
    sched = minitorch.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.5)

    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y, reduction=reduction)
        loss.backward()
        opt.step()
        return loss

    fn = minitorch.compile(step) if compiled else step
    rng = np.random.default_rng(2)
    losses = []
    for _ in range(steps):
        x = minitorch.tensor(rng.standard_normal((batch, 3, 4, 4)).astype(np.float32)).to(device)
        y = minitorch.tensor(rng.integers(0, 7, batch)).to(device)
        losses.append(fn(x, y).detach().cpu().numpy().copy())
        sched.step()
    return model, losses, fn


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_fused_cross_entropy_and_sgd_replay_eagers_bits(reduction, device):
    model1, losses1, _ = _train(device, False, 20, reduction)
    model2, losses2, fn = _train(device, True, 20, reduction)
    assert all(np.array_equal(a, b) for a, b in zip(losses1, losses2))
    for a, b in zip(model1.parameters(), model2.parameters()):
        assert np.array_equal(a.detach().cpu().numpy(), b.detach().cpu().numpy())
        assert np.array_equal(a.grad.cpu().numpy(), b.grad.cpu().numpy())
    plan = fn.plans[-1]  # (on CUDA, SGD's lr is a constant of the plan: each new lr is a capture)
    fused = [s.name for _, s in plan.fusions]
    lowered = {"linear", "matmul", "sum"}  # single steps calling the backend directly
    assert sorted(n for n in fused if n not in lowered) == (
        [] if device == "cuda" else ["CrossEntropy", "LinearRelu", "ReluBackwardBiasGrad", "check target", "descend_all"])
    assert (device == "cuda") == ("matmul" not in fused)
    text = str(plan)
    assert len([ln for ln in text.splitlines() if ln[:4].strip().isdigit()]) == len(plan.steps)  # one line a step
    assert text.count("fused:") == len(plan.fusions)
    args = minitorch.zeros(16, 3, 4, 4).to(device), minitorch.zeros(16, dtype=minitorch.long).to(device)
    fn(*args)  # (on CUDA: the last lr's capture)
    prof = fn.profile(*args, runs=2)
    assert len(prof.kernel_s) == len(plan.steps)


def test_sgd_step_of_a_big_weight_replays_eagers_bits(device):
    """The fused SGD step with its flat views made at capture (``fusions.DescendAll``) on a
    weight of 12,288 elements (``add_scaled``'s parallel loop) and the small bias: eager's bits;
    a gradient of another shape takes ``descend_all``, which raises as eager does."""
    from minitorch._compile.fusions import DescendAll

    models = []
    for compiled in (False, True):
        minitorch.manual_seed(0)
        lin = nn.Linear(128, 96).to(device)
        opt = minitorch.optim.SGD(lin.parameters(), lr=0.05)

        def step(x, lin=lin, opt=opt):
            opt.zero_grad()
            lin(x).square().mean().backward()
            opt.step()

        fn = minitorch.compile(step) if compiled else step
        for k in range(6):
            fn(minitorch.full((4, 128), 0.1 * k + 0.05).to(device))
        models.append((lin, fn))
    (a, _), (b, fn) = models
    for p, q in zip(a.parameters(), b.parameters()):
        assert np.array_equal(p.detach().cpu().numpy(), q.detach().cpu().numpy())
        assert np.array_equal(p.grad.cpu().numpy(), q.grad.cpu().numpy())
    if device == "cpu":
        sgd = [s.fn for _, s in fn.plans[-1].fusions if s.name == "descend_all"]
        assert len(sgd) == 1 and isinstance(sgd[0], DescendAll)
        with pytest.raises(RuntimeError, match="add_scaled"):
            sgd[0]({"lr": 0.1}, np.zeros((96, 127), np.float32), np.zeros(96, np.float32))


def test_fused_target_checks_stop_a_replay_that_does_not_apply(device):
    """A target with ignore_index in it captures again; one out of range raises eager's IndexError."""
    _, _, fn = _train(device, True, 3)
    x = minitorch.zeros(16, 3, 4, 4).to(device)
    y = minitorch.zeros(16, dtype=minitorch.long).to(device)
    fn(x, y)
    plans = len(fn.plans)
    fn(x, minitorch.tensor([-100] + [1] * 15).to(device))
    assert len(fn.plans) == plans + 1
    with pytest.raises(IndexError, match="Target 9 is out of bounds"):
        fn(x, minitorch.tensor([9] + [1] * 15).to(device))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(64, 256), (3, 5), (100, 33)])
def test_bias_relu_kernel_gives_numpys_add_and_relus_bits(shape, dtype):
    from minitorch.kernels import blas
    from minitorch.kernels.activation import relu

    rng = np.random.default_rng(0)
    y = rng.standard_normal(shape).astype(dtype)
    bias = rng.standard_normal(shape[1]).astype(dtype)
    y[0, 0], y[1, 1], bias[1] = np.nan, -0.0, 0.0  # NaN passes; -0.0 + 0.0 is +0.0 before the relu
    expected = relu(y + bias)
    got = blas.bias_relu_(y, bias)
    assert got is y
    assert np.array_equal(expected, got, equal_nan=True) and np.array_equal(np.signbit(expected), np.signbit(got))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(64, 256), (3, 5), (100, 700)])
def test_relu_backward_bias_grad_kernel_gives_threshold_backward_and_sums_bits(shape, dtype):
    from minitorch.kernels import blas
    from minitorch.kernels.activation import threshold_backward

    rng = np.random.default_rng(0)
    g = (rng.standard_normal(shape) * 100).astype(dtype)
    y = rng.standard_normal(shape).astype(dtype)
    y[0, 0], g[1, 1], y[1, 1] = np.nan, np.inf, -1.0  # NaN output: g passes; inf where y <= 0: 0
    gx, gb = blas.relu_backward_bias_grad(g, y)
    expected = threshold_backward(g, y)
    assert np.array_equal(gx, expected)
    assert np.array_equal(gb, np.add.reduce(expected, axis=(0,), dtype=None, out=None, keepdims=False))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("shape", [(64, 10), (5, 1), (3, 7), (130, 3)])  # 130: the loss summed by NumPy
def test_cross_entropy_step_gives_the_four_primitives_bits(shape, reduction, dtype):
    """``CrossEntropy``'s shortcuts (one kernel pass, kernels/cross_entropy.py, the row sums of the
    nll gradient as one scalar, the bias gradient's sum over the rows) against the Primitives'
    own array calls (the CPU backend's log_softmax row kernels, NumPy's pick, scatter and sums),
    for upstream gradients whose sign of zero or NaN the row sum could change, and logits with a
    NaN, infinities and signed zeros (a NaN's sign aside, as before)."""
    from minitorch.kernels import log_softmax, log_softmax_backward

    from minitorch._compile.fusions import CrossEntropy

    def five_primitives(x, target, g, count):
        y = log_softmax(x, 1)
        total = np.sum(-y[np.arange(len(x)), target], axis=(0,))
        loss = np.asarray(total if reduction == "sum" else total / count)
        d = np.zeros(x.shape, dtype=g.dtype)
        d[np.arange(len(x)), target] = -(g if reduction == "sum" else g / count)
        dx = log_softmax_backward(d, y, 1)
        return loss, dx, np.add.reduce(dx, axis=(0,), dtype=None, out=None, keepdims=False)

    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    target = rng.integers(0, shape[1], shape[0])
    special = x.copy()
    special.reshape(-1)[:4] = [np.nan, np.inf, -0.0, 0.0][: special.size]
    for logits in (x, special, -x * 30):
        for g in (1.0, 0.0, -0.0, np.nan, 2.5):
            g = np.asarray(dtype(g))
            expected = five_primitives(logits, target, g, shape[0])
            for bias_grad in (False, True):
                got = CrossEntropy(shape, shape[0], reduction, bias_grad, dtype)(logits, target, g)
                assert len(got) == 2 + bias_grad
                for a, b in zip(got, expected):  # (which NaN a sum of two keeps, and its sign, is the CPU's)
                    assert a.dtype == b.dtype and a.shape == b.shape
                    assert np.array_equal(a, b, equal_nan=True)
                    assert np.array_equal(np.signbit(a)[~np.isnan(a)], np.signbit(b)[~np.isnan(b)])


def test_cross_entropy_step_raises_eagers_error_for_a_target_out_of_range():
    from minitorch._compile.fusions import CrossEntropy

    x = np.zeros((3, 4), np.float32)
    with pytest.raises(IndexError, match="Target 4 is out of bounds"):
        CrossEntropy((3, 4), 3, "mean")(x, np.array([0, 4, 1]), np.asarray(np.float32(1)))
    with pytest.raises(RuntimeError, match="shapes of its capture"):
        CrossEntropy((3, 4), 3, "mean")(x, np.array([0, 1]), np.asarray(np.float32(1)))
