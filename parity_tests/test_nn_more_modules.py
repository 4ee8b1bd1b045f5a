"""Parity of the nn modules, losses and functional forms that the layer suite of
``test_nn_modules.py`` does not hold: the remaining activations, BatchNorm3d, ConvTranspose1d,
the 1-d adaptive pools, six losses, the in-place ``F.elu_``/``hardtanh_``/``leaky_relu_``, the
deprecated ``F.upsample*``, and the random dropouts (AlphaDropout, FeatureAlphaDropout,
Dropout1d/3d) checked by their mask's structure and statistics, not by values.

A layer is built in both libraries with the same arguments, torch's ``state_dict`` is loaded into
minitorch's, minitorch's copy runs on the device under test, and repr, output and the gradients of
the input and of every parameter (float64) must agree with torch's on the CPU.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import minitorch as mt
from minitorch import nn
from minitorch.nn import functional as F


def _np(t) -> np.ndarray:
    return t.detach().cpu().numpy()


def _close(a, b, tol=1e-9) -> None:
    np.testing.assert_allclose(_np(a), _np(b), rtol=tol, atol=tol)


def _both(a: np.ndarray, device: str, grad: bool = True):
    """The same float64 values as a torch leaf on the CPU and a minitorch leaf on ``device``."""
    return (torch.tensor(a, requires_grad=grad),
            mt.tensor(a, device=device).requires_grad_(grad) if grad else mt.tensor(a, device=device))


LAYERS = [
    ("CELU", (), {"alpha": 0.7}, (3, 4)),
    ("SELU", (), {}, (3, 4)),
    ("GLU", (), {}, (3, 4)),
    ("GLU", (0,), {}, (4, 3)),
    ("Hardshrink", (), {"lambd": 0.4}, (3, 4)),
    ("Softshrink", (0.3,), {}, (3, 4)),
    ("Softsign", (), {}, (3, 4)),
    ("Tanhshrink", (), {}, (3, 4)),
    ("Threshold", (0.1, -2.0), {}, (3, 4)),
    ("LogSigmoid", (), {}, (3, 4)),
    ("Softmin", (1,), {}, (3, 4)),
    ("Softmin", (0,), {}, (2, 3, 4)),
    ("Hardsigmoid", (), {}, (3, 4)),
    ("BatchNorm3d", (3,), {}, (2, 3, 2, 3, 2)),
    ("BatchNorm3d", (3,), {"affine": False, "momentum": None}, (2, 3, 2, 2, 3)),
    ("ConvTranspose1d", (3, 2, 3), {"stride": 2, "padding": 1, "output_padding": 1}, (2, 3, 5)),
    ("ConvTranspose1d", (4, 2, 2), {"groups": 2, "dilation": 2, "bias": False}, (1, 4, 4)),
    ("AdaptiveAvgPool1d", (3,), {}, (2, 3, 7)),
    ("AdaptiveMaxPool1d", (4,), {}, (2, 3, 9)),
    ("AdaptiveMaxPool1d", (2,), {"return_indices": True}, (3, 5)),
]


# torch's float64 CELU gradient scales by 1/alpha taken as a float32, and its Hardsigmoid gradient is
# a float32 1/6: they agree with minitorch's (exact in float64) to 1e-8, not 1e-9
FLOAT32_CONSTANTS = {"CELU", "Hardsigmoid"}


def _values(shape, seed=0) -> np.ndarray:
    """Standard normal values away from the kinks at 0 and +-0.3/0.4 (Hard/Softshrink, Threshold)."""
    a = np.random.default_rng(seed).standard_normal(shape)
    return np.where(np.abs(np.abs(a) - 0.35) < 0.1, a + 0.3, a)


@pytest.mark.parametrize("case", LAYERS, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in LAYERS])
def test_layer_parity(case, device) -> None:
    name, args, kwargs, shape = case
    torch.manual_seed(0)
    tm = getattr(torch.nn, name)(*args, **kwargs).double()
    mm = getattr(nn, name)(*args, **kwargs).double()
    assert repr(mm.load_state_dict(tm.state_dict())) == "<All keys matched successfully>"
    mm = mm.to(device)
    assert repr(mm) == repr(tm)
    tol = 1e-7 if name in FLOAT32_CONSTANTS else 1e-9
    tx, mx = _both(_values(shape), device)
    ty, my = tm(tx), mm(mx)
    if kwargs.get("return_indices"):
        assert np.array_equal(_np(my[1]), _np(ty[1])) and str(my[1].dtype) == str(ty[1].dtype)
        ty, my = ty[0], my[0]
    assert tuple(my.shape) == tuple(ty.shape) and str(my.dtype) == str(ty.dtype)
    _close(my, ty)
    g = np.random.default_rng(1).standard_normal(tuple(ty.shape))
    ty.backward(torch.tensor(g))
    my.backward(mt.tensor(g, device=device))
    _close(mx.grad, tx.grad, tol)
    for (tn, tp), (mn, mp) in zip(tm.named_parameters(), mm.named_parameters(), strict=True):
        assert tn == mn
        _close(mp.grad, tp.grad)
    for (tn, tb), (mn, mb) in zip(tm.named_buffers(), mm.named_buffers(), strict=True):
        assert tn == mn
        _close(mb, tb)


def test_glu_of_an_odd_dim_raises_as_torch() -> None:
    with pytest.raises(RuntimeError):
        torch.nn.GLU()(torch.ones(2, 3))
    with pytest.raises(RuntimeError):
        nn.GLU()(mt.ones(2, 3))


# ----------------------------------------------------------------------------- losses
def _loss_inputs(name: str, rng: np.random.Generator) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(differentiable inputs, targets) for each loss, in its call order."""
    n, d = 5, 4
    if name == "CosineEmbeddingLoss":
        return [rng.standard_normal((n, d)), rng.standard_normal((n, d))], [rng.choice([-1.0, 1.0], n)]
    if name == "GaussianNLLLoss":
        return [rng.standard_normal((n, d)), rng.uniform(0.2, 2.0, (n, d))], [rng.standard_normal((n, d))]
    if name == "HingeEmbeddingLoss":
        return [rng.uniform(0.1, 2.0, (n, d))], [rng.choice([-1.0, 1.0], (n, d))]
    if name == "MarginRankingLoss":
        return [rng.standard_normal(n), rng.standard_normal(n)], [rng.choice([-1.0, 1.0], n)]
    if name == "PoissonNLLLoss":
        return [rng.standard_normal((n, d))], [rng.poisson(2.0, (n, d)).astype(np.float64)]
    if name == "SoftMarginLoss":
        return [rng.standard_normal((n, d))], [rng.choice([-1.0, 1.0], (n, d))]
    raise ValueError(name)


LOSSES = [
    ("CosineEmbeddingLoss", {}),
    ("CosineEmbeddingLoss", {"margin": 0.3, "reduction": "none"}),
    ("GaussianNLLLoss", {}),
    ("GaussianNLLLoss", {"full": True, "eps": 0.5, "reduction": "sum"}),
    ("HingeEmbeddingLoss", {}),
    ("HingeEmbeddingLoss", {"margin": 0.5, "reduction": "none"}),
    ("MarginRankingLoss", {"margin": 0.2}),
    ("MarginRankingLoss", {"reduction": "sum"}),
    ("PoissonNLLLoss", {}),
    ("PoissonNLLLoss", {"log_input": False, "full": True, "reduction": "none"}),
    ("SoftMarginLoss", {}),
    ("SoftMarginLoss", {"reduction": "sum"}),
]


@pytest.mark.parametrize("name,kwargs", LOSSES, ids=[f"{c[0]}-{sorted(c[1])}" for c in LOSSES])
def test_loss_parity(name, kwargs, device) -> None:
    tl, ml = getattr(torch.nn, name)(**kwargs), getattr(nn, name)(**kwargs)
    assert repr(ml) == repr(tl)
    rng = np.random.default_rng(0)
    inputs, targets = _loss_inputs(name, rng)
    if name == "PoissonNLLLoss" and not kwargs.get("log_input", True):
        inputs = [np.abs(a) + 0.1 for a in inputs]  # a rate, not its log
    pairs = [_both(a, device) for a in inputs]
    t_targets = [torch.tensor(t) for t in targets]
    m_targets = [mt.tensor(t, device=device) for t in targets]
    t_args, m_args = [t for t, _ in pairs] + t_targets, [m for _, m in pairs] + m_targets
    if name == "GaussianNLLLoss":  # (input, target, var)
        t_args, m_args = [t_args[i] for i in (0, 2, 1)], [m_args[i] for i in (0, 2, 1)]
    tout, mout = tl(*t_args), ml(*m_args)
    assert tuple(mout.shape) == tuple(tout.shape)
    _close(mout, tout)
    g = rng.standard_normal(tuple(tout.shape))
    tout.backward(torch.tensor(g))
    mout.backward(mt.tensor(g, device=device))
    for t, m in pairs:
        _close(m.grad, t.grad)


def test_gaussian_nll_negative_variance_raises_as_torch() -> None:
    with pytest.raises(ValueError):
        torch.nn.GaussianNLLLoss()(torch.zeros(2), torch.zeros(2), -torch.ones(2))
    with pytest.raises(ValueError):
        nn.GaussianNLLLoss()(mt.zeros(2), mt.zeros(2), -mt.ones(2))


# ----------------------------------------------------------------------------- in-place functional forms
INPLACE = [("elu_", {"alpha": 0.5}), ("hardtanh_", {"min_val": -0.5, "max_val": 0.5}),
           ("leaky_relu_", {"negative_slope": 0.1})] + [
    (name, {"inplace": True}) for name in ("elu", "selu", "celu", "silu", "mish", "hardswish", "hardsigmoid",
                                           "leaky_relu", "hardtanh", "relu6")]


@pytest.mark.parametrize("name,kwargs", INPLACE, ids=[c[0] + ("(inplace)" if c[1].get("inplace") else "")
                                                      for c in INPLACE])
def test_functional_inplace(name, kwargs, device) -> None:
    """The values of the out-of-place form, written into x itself (same storage, version bumped),
    and gradients through the in-place write on a non-leaf (elu, selu, celu, silu, mish and
    hardswish with inplace=True raised "modified by an inplace operation" in backward)."""
    a = _values((3, 4))
    tx, mx = _both(a, device)
    ty, my = tx * 1.0, mx * 1.0
    version, pointer = my._version, my.data_ptr()
    t_out, m_out = getattr(torch.nn.functional, name)(ty, **kwargs), getattr(F, name)(my, **kwargs)
    assert m_out is my and my.data_ptr() == pointer and my._version > version
    assert t_out is ty
    _close(my, ty)
    ty.sum().backward()
    my.sum().backward()
    _close(mx.grad, tx.grad, 1e-7)  # torch's float32 constants (see FLOAT32_CONSTANTS)
    # a leaf that requires grad refuses the in-place write in both
    with pytest.raises(RuntimeError):
        getattr(torch.nn.functional, name)(torch.ones(2, requires_grad=True), **kwargs)
    with pytest.raises(RuntimeError):
        getattr(F, name)(mt.ones(2, device=device, requires_grad=True), **kwargs)


# ----------------------------------------------------------------------------- deprecated upsample
UPSAMPLE = [
    ("upsample", {"scale_factor": 2, "mode": "nearest"}, (1, 2, 3, 3)),
    ("upsample", {"size": (5, 4), "mode": "bilinear", "align_corners": False}, (2, 1, 3, 3)),
    ("upsample", {"size": 7, "mode": "linear"}, (1, 2, 4)),
    ("upsample_nearest", {"size": (4, 6)}, (1, 2, 2, 3)),
    ("upsample_nearest", {"scale_factor": 3}, (1, 1, 4)),
    ("upsample_bilinear", {"scale_factor": 2}, (1, 2, 3, 2)),
    ("upsample_bilinear", {"size": (5, 3)}, (2, 1, 3, 3)),
]


@pytest.mark.parametrize("name,kwargs,shape", UPSAMPLE, ids=[f"{c[0]}-{sorted(c[1])}" for c in UPSAMPLE])
def test_upsample(name, kwargs, shape, device) -> None:
    """Values and gradients of torch's; ``upsample_bilinear`` is ``interpolate`` with
    ``align_corners=True``."""
    tx, mx = _both(_values(shape), device)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ty = getattr(torch.nn.functional, name)(tx, **kwargs)
        my = getattr(F, name)(mx, **kwargs)
    assert tuple(my.shape) == tuple(ty.shape)
    _close(my, ty)
    g = np.random.default_rng(1).standard_normal(tuple(ty.shape))
    ty.backward(torch.tensor(g))
    my.backward(mt.tensor(g, device=device))
    _close(mx.grad, tx.grad)


# ----------------------------------------------------------------------------- random dropouts
ALPHA = 1.7580993408473766  # SELU's -alpha * scale: the value a dropped SELU unit takes


def _alpha_affine(p: float) -> tuple[float, float, float]:
    """torch's alpha dropout: kept ``y = a * x + b``, dropped ``y = a * -ALPHA + b``, with ``a`` and
    ``b`` chosen so that a standard normal x keeps mean 0 and variance 1."""
    a = 1 / np.sqrt((ALPHA**2 * p + 1) * (1 - p))
    b = ALPHA * a * p
    return a, b, -ALPHA * a + b


FEATURE_DROPOUTS = [("Dropout1d", (4, 50, 6)), ("Dropout1d", (50, 6)), ("Dropout3d", (4, 50, 2, 3, 2)),
                    ("Dropout3d", (50, 2, 2, 3)), ("FeatureAlphaDropout", (4, 50, 3, 2))]
CHANNEL_DIMS = {"Dropout1d": 3, "Dropout3d": 5, "FeatureAlphaDropout": 4}  # batched input's ndim


@pytest.mark.parametrize("name,shape", FEATURE_DROPOUTS, ids=[f"{c[0]}-{c[1]}" for c in FEATURE_DROPOUTS])
def test_feature_dropout_mask_structure(name, shape, device) -> None:
    """Whole channels are dropped together: in training every (sample, channel) slice is either
    all kept (x / (1 - p); FeatureAlphaDropout: a * x + b) or all dropped (0; a * -ALPHA + b);
    the fraction dropped is near p; eval mode is the identity."""
    p = 0.4
    mt.manual_seed(0)
    layer = getattr(nn, name)(p).to(device)
    assert repr(layer) == repr(getattr(torch.nn, name)(p))
    x = np.random.default_rng(0).uniform(1.0, 2.0, shape)
    y = _np(layer(mt.tensor(x, device=device)))
    lead = 2 if len(shape) == CHANNEL_DIMS[name] else 1
    slices, inputs = y.reshape(int(np.prod(shape[:lead])), -1), x.reshape(int(np.prod(shape[:lead])), -1)
    if name == "FeatureAlphaDropout":
        a, b, dropped_value = _alpha_affine(p)
        kept = np.array([np.allclose(s, a * i + b) for s, i in zip(slices, inputs)])
        dropped = np.array([np.allclose(s, dropped_value) for s in slices])
    else:
        kept = np.array([np.allclose(s, i / (1 - p)) for s, i in zip(slices, inputs)])
        dropped = np.array([np.allclose(s, 0.0) for s in slices])
    assert np.all(kept ^ dropped), "a channel is neither wholly kept nor wholly dropped"
    assert abs(dropped.mean() - p) < 0.15, dropped.mean()
    layer.eval()
    _close(layer(mt.tensor(x, device=device)), torch.tensor(x), 0.0)


def test_dropout1d_rank_error_as_torch(device) -> None:
    with pytest.raises(RuntimeError):
        torch.nn.Dropout1d(0.5)(torch.ones(2, 3, 4, 5))
    with pytest.raises(RuntimeError):
        nn.Dropout1d(0.5)(mt.ones(2, 3, 4, 5, device=device))


def test_alpha_dropout_statistics(device) -> None:
    """AlphaDropout, elementwise: every element is a * x + b or the one dropped value, as torch's
    formula gives; about p of them dropped; a standard normal input keeps mean 0 and variance 1;
    eval is the identity."""
    p = 0.3
    x = np.random.default_rng(0).standard_normal(100_000)
    mt.manual_seed(0)
    layer = nn.AlphaDropout(p).to(device)
    assert repr(layer) == repr(torch.nn.AlphaDropout(p))
    y = _np(layer(mt.tensor(x, device=device)))
    a, b, dropped_value = _alpha_affine(p)
    dropped = np.isclose(y, dropped_value, rtol=0, atol=1e-12)
    np.testing.assert_allclose(y[~dropped], a * x[~dropped] + b, rtol=1e-12, atol=1e-12)
    assert abs(dropped.mean() - p) < 0.01
    assert abs(y.mean()) < 0.02 and abs(y.var() - 1) < 0.02
    torch.manual_seed(0)  # torch's own output has the same two kinds of values
    ty = torch.nn.AlphaDropout(p)(torch.tensor(x)).numpy()
    t_dropped = np.isclose(ty, dropped_value, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ty[~t_dropped], a * x[~t_dropped] + b, rtol=1e-12, atol=1e-12)
    layer.eval()
    _close(layer(mt.tensor(x[:10], device=device)), torch.tensor(x[:10]), 0.0)


def test_dropout3d_functional(device) -> None:
    """F.dropout3d: channel masks, training=False is the identity, p outside [0, 1] raises."""
    mt.manual_seed(1)
    x = mt.ones(2, 40, 2, 2, 2, device=device)
    y = _np(F.dropout3d(x, 0.5))
    per_channel = y.reshape(80, -1)
    assert all(np.allclose(c, 0.0) or np.allclose(c, 2.0) for c in per_channel)
    _close(F.dropout3d(x, 0.5, training=False), x, 0.0)
    with pytest.raises(ValueError):
        torch.nn.functional.dropout3d(torch.ones(1, 2, 2, 2, 2), 1.5)
    with pytest.raises(ValueError):
        F.dropout3d(x, 1.5)
