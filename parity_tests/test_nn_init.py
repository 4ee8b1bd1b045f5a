"""minitorch.nn.init against torch.nn.init's formulas and distributions.

The numbers differ from torch's (another generator), so each initialiser is checked by its
distribution: a Kolmogorov-Smirnov distance to the exact uniform/normal CDF that torch's formula
implies (bound or std from fan_in/fan_out and the gain), over many samples. Deterministic ones
(constant, eye, dirac, orthogonality, gains, fans, errors) are compared exactly.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import minitorch as mt
from minitorch import nn
from minitorch.nn import init

N_SHAPE = (400, 50, 3)  # fan_in = 150, fan_out = 1200, 60000 samples
KS_LIMIT = 1.63 / math.sqrt(60000) * 1.5  # well above the 1% critical value


def _ks(samples: np.ndarray, cdf) -> float:
    x = np.sort(samples.ravel())
    n = len(x)
    c = cdf(x)
    return float(max(np.max(np.arange(1, n + 1) / n - c), np.max(c - np.arange(n) / n)))


def _uniform_cdf(b: float):
    return lambda x: np.clip((x + b) / (2 * b), 0, 1)


def _normal_cdf(std: float, mean: float = 0.0):
    erf = np.vectorize(math.erf)
    return lambda x: 0.5 * (1 + erf((x - mean) / (std * math.sqrt(2))))


@pytest.mark.parametrize("nonlinearity,param", [
    ("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("selu", None),
    ("conv_transpose2d", None),
])
def test_calculate_gain(nonlinearity, param) -> None:
    assert init.calculate_gain(nonlinearity, param) == torch.nn.init.calculate_gain(nonlinearity, param)


def test_calculate_gain_errors() -> None:
    for args in (("softmax",), ("leaky_relu", "x"), ("leaky_relu", True)):
        with pytest.raises(ValueError) as m:
            init.calculate_gain(*args)
        with pytest.raises(ValueError) as t:
            torch.nn.init.calculate_gain(*args)
        assert str(m.value) == str(t.value)


@pytest.mark.parametrize("shape", [(3, 4), (8, 3, 5), (4, 2, 3, 3), (2, 1)])
def test_fans(shape) -> None:
    assert init._calculate_fan_in_and_fan_out(mt.empty(shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(mt.empty(3))


def _check(t: mt.Tensor, cdf) -> None:
    assert _ks(t.numpy(), cdf) < KS_LIMIT


def test_uniform_normal_constant() -> None:
    t = mt.empty(N_SHAPE)
    assert init.uniform_(t, -2.0, 3.0) is t
    a = t.numpy()
    assert a.min() >= -2.0 and a.max() < 3.0
    _check(t - 0.5, _uniform_cdf(2.5))
    init.normal_(t, 1.5, 0.3)
    _check(t, _normal_cdf(0.3, 1.5))
    assert bool((init.constant_(t, 0.25) == 0.25).all())
    assert bool((init.ones_(t) == 1).all()) and not bool(init.zeros_(t).any())


@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_xavier(gain) -> None:
    fan_in, fan_out = 150, 1200
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    t = init.xavier_uniform_(mt.empty(N_SHAPE), gain=gain)
    _check(t, _uniform_cdf(math.sqrt(3) * std))
    t = init.xavier_normal_(mt.empty(N_SHAPE), gain=gain)
    _check(t, _normal_cdf(std))


@pytest.mark.parametrize("a,mode,nonlinearity", [
    (0, "fan_in", "leaky_relu"), (math.sqrt(5), "fan_in", "leaky_relu"), (0, "fan_out", "relu"),
    (0.1, "FAN_OUT", "leaky_relu"), (0, "fan_in", "tanh"),
])
def test_kaiming(a, mode, nonlinearity) -> None:
    fan = 150 if mode.lower() == "fan_in" else 1200
    std = torch.nn.init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    t = init.kaiming_uniform_(mt.empty(N_SHAPE), a=a, mode=mode, nonlinearity=nonlinearity)
    assert float(t.abs().max()) <= math.sqrt(3) * std
    _check(t, _uniform_cdf(math.sqrt(3) * std))
    t = init.kaiming_normal_(mt.empty(N_SHAPE), a=a, mode=mode, nonlinearity=nonlinearity)
    _check(t, _normal_cdf(std))


def test_kaiming_errors_and_empty() -> None:
    with pytest.raises(ValueError) as m:
        init.kaiming_uniform_(mt.empty(3, 4), mode="fan_avg")
    with pytest.raises(ValueError) as t:
        torch.nn.init.kaiming_uniform_(torch.empty(3, 4), mode="fan_avg")
    assert str(m.value) == str(t.value)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        e = mt.empty(0, 3)
        assert init.kaiming_uniform_(e) is e
    assert "no-op" in str(w[0].message)


def test_trunc_normal() -> None:
    t = init.trunc_normal_(mt.empty(N_SHAPE), mean=0.5, std=1.0, a=-0.5, b=2.0)
    a = t.numpy()
    assert a.min() >= -0.5 and a.max() <= 2.0
    base = _normal_cdf(1.0, 0.5)
    lo, hi = base(np.array([-0.5]))[0], base(np.array([2.0]))[0]
    _check(t, lambda x: (base(x) - lo) / (hi - lo))


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 2, 3), (6, 6)])
def test_orthogonal(shape) -> None:
    t = init.orthogonal_(mt.empty(shape, dtype=mt.float64), gain=2.0)
    m = t.numpy().reshape(shape[0], -1)
    rows, cols = m.shape
    gram = m @ m.T if rows <= cols else m.T @ m
    np.testing.assert_allclose(gram, 4.0 * np.eye(min(rows, cols)), atol=1e-10)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(mt.empty(3))


def test_eye_and_dirac() -> None:
    for shape in [(3, 5), (4, 2)]:
        np.testing.assert_array_equal(init.eye_(mt.empty(shape)).numpy(),
                                      torch.nn.init.eye_(torch.empty(shape)).numpy())
    for shape, groups in [((4, 2, 3), 1), ((6, 3, 3, 3), 2), ((2, 4, 3, 3, 3), 1)]:
        np.testing.assert_array_equal(init.dirac_(mt.empty(shape), groups).numpy(),
                                      torch.nn.init.dirac_(torch.empty(shape), groups).numpy())
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions"):
        init.eye_(mt.empty(2, 2, 2))


def test_init_is_in_place_without_history_and_uses_generator() -> None:
    lin = nn.Linear(30, 20)
    w = lin.weight
    init.xavier_uniform_(lin.weight)
    assert lin.weight is w and w.is_leaf and w.grad_fn is None and w.requires_grad
    g1, g2 = mt.Generator().manual_seed(3), mt.Generator().manual_seed(3)
    a = init.kaiming_normal_(mt.empty(8, 4), generator=g1)
    b = init.kaiming_normal_(mt.empty(8, 4), generator=g2)
    assert mt.equal(a, b)
    mt.manual_seed(7)
    c = nn.Linear(4, 3).weight.detach().clone()
    mt.manual_seed(7)
    assert mt.equal(nn.Linear(4, 3).weight, c)


# ----------------------------------------------------------------------------- default layer initialisation
def _gather(make, attr, n=200):
    return np.concatenate([getattr(make(), attr).detach().numpy().ravel() for _ in range(n)])


@pytest.mark.parametrize("make,attr,fan_in", [
    (lambda: nn.Linear(40, 30), "weight", 40),
    (lambda: nn.Linear(40, 30), "bias", 40),
    (lambda: nn.Conv2d(6, 8, 3), "weight", 54),
    (lambda: nn.Conv2d(6, 8, 3), "bias", 54),
    (lambda: nn.Conv1d(4, 6, 5, groups=2), "weight", 10),
    (lambda: nn.ConvTranspose2d(6, 4, 3), "weight", 36),  # fan_in = weight.size(1) * 9 = 4 * 9
    (lambda: nn.Bilinear(5, 4, 30), "weight", 5),
])
def test_default_layer_init_is_uniform_1_over_sqrt_fan_in(make, attr, fan_in) -> None:
    """kaiming_uniform_(a=sqrt(5)) and the bias rule both give U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    samples = _gather(make, attr)
    bound = 1 / math.sqrt(fan_in)
    assert np.abs(samples).max() <= bound
    assert _ks(samples, _uniform_cdf(bound)) < 1.63 / math.sqrt(len(samples)) * 1.5


def test_default_init_of_other_layers() -> None:
    samples = _gather(lambda: nn.Embedding(50, 20), "weight", 60)
    assert _ks(samples, _normal_cdf(1.0)) < 1.63 / math.sqrt(len(samples)) * 1.5
    for m in (nn.BatchNorm2d(5), nn.LayerNorm(5), nn.GroupNorm(1, 5)):
        assert bool((m.weight == 1).all()) and not bool(m.bias.any())
    bn = nn.BatchNorm1d(4)
    assert not bool(bn.running_mean.any()) and bool((bn.running_var == 1).all())
    assert bn.num_batches_tracked.dtype is mt.int64 and int(bn.num_batches_tracked) == 0
    assert nn.LayerNorm(5, bias=False).bias is None and nn.LayerNorm(5, elementwise_affine=False).weight is None
    assert nn.BatchNorm1d(3, affine=False).weight is None
