"""Parity of minitorch.nn.functional's convolution, pooling and vision ops with torch.

Each test draws a legal configuration (batch, channels, groups, spatial size, kernel, stride,
padding, dilation; edge cases: kernel equal to the padded input, padding = kernel // 2, size-1
dims, non-contiguous inputs), feeds the same NumPy data to both libraries, and compares values,
shapes and dtypes (float32 and float64), first gradients (float64) and, for the ops whose
backward is itself a primitive with a backward, second gradients (differentiating the first
gradient with respect to the inputs and to the output gradient). Invalid arguments must raise
the exception type torch raises.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from harness.strategies import at_least
from hypothesis import given
from hypothesis import strategies as st

import minitorch as mt
import minitorch.nn.functional as F

FAST = at_least(10, deadline=None)


def _tensors(arrays, dtype: str, noncontig: bool, requires_grad: bool):
    """The same data as a minitorch and a torch tensor each; non-contiguous: a transposed view."""
    ms, ts = [], []
    for a in arrays:
        if a is None:
            ms.append(None)
            ts.append(None)
            continue
        a = a.astype(dtype)
        if noncontig and a.ndim >= 2:
            base = np.ascontiguousarray(np.swapaxes(a, -1, -2))
            m, t = mt.tensor(base).transpose(-1, -2), torch.tensor(base).transpose(-1, -2)
        else:
            m, t = mt.tensor(a), torch.tensor(a)
        if requires_grad:
            m, t = m.detach().requires_grad_(), t.detach().requires_grad_()
        ms.append(m)
        ts.append(t)
    return ms, ts


def check(fm, ft, arrays, dtype: str = "float64", noncontig: bool = False, grad: bool = True,
          second: bool = False, atol: float | None = None) -> None:
    """Compare fm(*minitorch tensors) with ft(*torch tensors): values, dtype, gradients (float64)."""
    grad = grad and dtype == "float64"
    ms, ts = _tensors(arrays, dtype, noncontig, grad)
    ym, yt = fm(*ms), ft(*ts)
    if isinstance(yt, tuple):
        for a, b in zip(ym[1:], yt[1:]):  # indices: exact
            np.testing.assert_array_equal(a.numpy(), b.numpy())
        ym, yt = ym[0], yt[0]
    assert tuple(ym.shape) == tuple(yt.shape)
    assert str(ym.dtype) == str(yt.dtype)
    tol = atol if atol is not None else (1e-9 if dtype == "float64" else 2e-5)
    np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), rtol=tol, atol=tol)
    if not grad:
        return
    rng = np.random.default_rng(0)
    g = rng.standard_normal(tuple(yt.shape))
    gm_out, gt_out = mt.tensor(g, requires_grad=second), torch.tensor(g, requires_grad=second)
    m_in = [m for m in ms if m is not None]
    t_in = [t for t in ts if t is not None]
    gm = mt.autograd.grad(ym, m_in, gm_out, create_graph=second)
    gt = torch.autograd.grad(yt, t_in, gt_out, create_graph=second)
    for a, b in zip(gm, gt):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-8, atol=1e-9)
    if not second:
        return
    # A cubic of the first gradients makes the second gradients depend on everything.
    sm = sum((a * a * a).sum() for a in gm)
    st_ = sum((b * b * b).sum() for b in gt)
    g2m = mt.autograd.grad(sm, m_in + [gm_out], allow_unused=True)
    g2t = torch.autograd.grad(st_, t_in + [gt_out], allow_unused=True)
    for a, b in zip(g2m, g2t):
        a = np.zeros(1) if a is None else a.detach().numpy()
        b = np.zeros(1) if b is None else b.detach().numpy()
        np.testing.assert_allclose(np.broadcast_to(a, np.broadcast_shapes(a.shape, b.shape)),
                                   np.broadcast_to(b, np.broadcast_shapes(a.shape, b.shape)), rtol=1e-7, atol=1e-8)


def check_raises(fm, ft, arrays, dtype: str = "float64") -> None:
    """torch raises E (check it does) -> minitorch raises E (same type)."""
    ms, ts = _tensors(arrays, dtype, False, False)
    with pytest.raises(Exception) as torch_err:
        ft(*ts)
    with pytest.raises(torch_err.type):
        fm(*ms)


def _normal(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape)


dtypes = st.sampled_from(["float64", "float64", "float32"])


@st.composite
def conv_case(draw, nd: int):
    """A legal conv: channels, groups (incl. depthwise), kernel, stride, padding, dilation, input size."""
    groups = draw(st.integers(1, 3))
    cin_g = draw(st.sampled_from([1, 1, 2]))
    cout_g = draw(st.integers(1, 2))
    k = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    d = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    if draw(st.booleans()):
        s = (1,) * nd
        p = draw(st.sampled_from(["same", "valid", tuple(ki // 2 for ki in k)]))
    else:
        s = tuple(draw(st.integers(1, 3)) for _ in range(nd))
        p = tuple(draw(st.integers(0, 2)) for _ in range(nd))
    pads = [0] * nd if isinstance(p, str) else p
    # extra = 0: the dilated kernel exactly covers the padded input.
    size = tuple(max(1, d_ * (k_ - 1) + 1 - 2 * p_ + draw(st.integers(0, 4))) for k_, d_, p_ in zip(k, d, pads))
    n = draw(st.integers(1, 2))
    x = (n, groups * cin_g, *size)
    w = (groups * cout_g, cin_g, *k)
    b = (groups * cout_g,) if draw(st.booleans()) else None
    p = p if isinstance(p, str) or draw(st.booleans()) else (p[0] if len(set(p)) == 1 else p)
    return x, w, b, {"stride": s, "padding": p, "dilation": d, "groups": groups}


@FAST
@given(case=conv_case(2), dtype=dtypes, noncontig=st.booleans(), seed=st.integers(0, 9))
def test_conv2d(case, dtype, noncontig, seed):
    x, w, b, kw = case
    arrays = [_normal(x, seed), _normal(w, seed + 1), None if b is None else _normal(b, seed + 2)]
    check(lambda x, w, b: F.conv2d(x, w, b, **kw), lambda x, w, b: TF.conv2d(x, w, b, **kw), arrays, dtype,
          noncontig, second=True)


@FAST
@given(case=conv_case(1), dtype=dtypes, noncontig=st.booleans(), seed=st.integers(0, 9))
def test_conv1d(case, dtype, noncontig, seed):
    x, w, b, kw = case
    arrays = [_normal(x, seed), _normal(w, seed + 1), None if b is None else _normal(b, seed + 2)]
    check(lambda x, w, b: F.conv1d(x, w, b, **kw), lambda x, w, b: TF.conv1d(x, w, b, **kw), arrays, dtype,
          noncontig, second=True)


@st.composite
def conv_transpose_case(draw, nd: int):
    groups = draw(st.integers(1, 3))
    cin_g, cout_g = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    k = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    s = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    d = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    p = tuple(draw(st.integers(0, 2)) for _ in range(nd))
    op = tuple(draw(st.integers(0, max(si, di) - 1)) for si, di in zip(s, d))
    size = tuple(draw(st.integers(1, 4)) for _ in range(nd))
    out = [(n - 1) * si - 2 * pi + di * (ki - 1) + opi + 1 for n, ki, si, pi, opi, di in zip(size, k, s, p, op, d)]
    if any(o <= 0 for o in out):  # make the output non-empty by dropping the padding
        p = (0,) * nd
    x = (draw(st.integers(1, 2)), groups * cin_g, *size)
    w = (groups * cin_g, cout_g, *k)
    b = (groups * cout_g,) if draw(st.booleans()) else None
    return x, w, b, {"stride": s, "padding": p, "output_padding": op, "groups": groups, "dilation": d}


@FAST
@given(case=conv_transpose_case(2), dtype=dtypes, seed=st.integers(0, 9))
def test_conv_transpose2d(case, dtype, seed):
    x, w, b, kw = case
    arrays = [_normal(x, seed), _normal(w, seed + 1), None if b is None else _normal(b, seed + 2)]
    check(lambda x, w, b: F.conv_transpose2d(x, w, b, **kw), lambda x, w, b: TF.conv_transpose2d(x, w, b, **kw),
          arrays, dtype, second=True)


@FAST
@given(case=conv_transpose_case(1), seed=st.integers(0, 9))
def test_conv_transpose1d(case, seed):
    x, w, b, kw = case
    arrays = [_normal(x, seed), _normal(w, seed + 1), None if b is None else _normal(b, seed + 2)]
    check(lambda x, w, b: F.conv_transpose1d(x, w, b, **kw), lambda x, w, b: TF.conv_transpose1d(x, w, b, **kw),
          arrays, second=True)


def test_conv_unbatched_and_grad_fn():
    x, w = _normal((3, 5, 4), 0), _normal((2, 3, 3, 2), 1)
    check(lambda x, w: F.conv2d(x, w, padding=1), lambda x, w: TF.conv2d(x, w, padding=1), [x, w])
    check(lambda x, w: F.conv1d(x, w), lambda x, w: TF.conv1d(x, w), [x[:, 0], w[:, :, 0]])
    y = F.conv2d(mt.tensor(x[None], requires_grad=True), mt.tensor(w))
    assert y.grad_fn.name() == "ConvolutionBackward0"


@st.composite
def pool_case(draw, nd: int, avg: bool):
    k = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    s = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    d = (1,) * nd if avg else tuple(draw(st.integers(1, 2)) for _ in range(nd))
    p = tuple(draw(st.integers(0, ki // 2)) for ki in k)
    ceil_mode = draw(st.booleans())
    size = tuple(max(1, di * (ki - 1) + 1 - 2 * pi + draw(st.integers(0, 4))) for ki, di, pi in zip(k, d, p))
    x = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), *size)
    kw = {"kernel_size": k, "stride": s if draw(st.booleans()) else None, "padding": p, "ceil_mode": ceil_mode}
    if not avg:
        kw["dilation"] = d
    return x, kw


def _no_window_in_padding(x, kw) -> bool:
    """torch's max-pool backward writes out of bounds for a window wholly in the padding (docs/kernels.md)."""
    k, p, d = kw["kernel_size"], kw["padding"], kw["dilation"]
    s = kw["stride"] or k
    for n, ki, si, pi, di in zip(x[2:], k, s, p, d):
        out = (n + 2 * pi - di * (ki - 1) - 1 + (si - 1 if kw["ceil_mode"] else 0)) // si + 1
        for o in range(out):
            if not any(0 <= o * si - pi + j * di < n for j in range(ki)):
                return False
    return True


@FAST
@given(case=pool_case(2, avg=False), dtype=dtypes, noncontig=st.booleans(), seed=st.integers(0, 9))
def test_max_pool2d(case, dtype, noncontig, seed):
    x, kw = case
    grad = _no_window_in_padding(x, kw)
    check(lambda x: F.max_pool2d(x, **kw, return_indices=True), lambda x: TF.max_pool2d(x, **kw, return_indices=True),
          [_normal(x, seed)], dtype, noncontig, grad=grad, second=True)


@FAST
@given(case=pool_case(1, avg=False), seed=st.integers(0, 9))
def test_max_pool1d(case, seed):
    x, kw = case
    kw = {k: (v[0] if isinstance(v, tuple) else v) for k, v in kw.items()}
    grad = _no_window_in_padding(x, {k: (v,) if isinstance(v, int) and k != "ceil_mode" else v for k, v in kw.items()})
    check(lambda x: F.max_pool1d(x, **kw, return_indices=True), lambda x: TF.max_pool1d(x, **kw, return_indices=True),
          [_normal(x, seed)], grad=grad, second=True)


def test_max_pool2d_ties_pick_the_first():
    x = np.zeros((1, 2, 4, 4))
    check(lambda x: F.max_pool2d(x, 2, 1, return_indices=True), lambda x: TF.max_pool2d(x, 2, 1, return_indices=True),
          [x])


@FAST
@given(case=pool_case(2, avg=True), dtype=dtypes, noncontig=st.booleans(), seed=st.integers(0, 9),
       count_include_pad=st.booleans(), divisor=st.sampled_from([None, None, 3]))
def test_avg_pool2d(case, dtype, noncontig, seed, count_include_pad, divisor):
    x, kw = case
    check(lambda x: F.avg_pool2d(x, **kw, count_include_pad=count_include_pad, divisor_override=divisor),
          lambda x: TF.avg_pool2d(x, **kw, count_include_pad=count_include_pad, divisor_override=divisor),
          [_normal(x, seed)], dtype, noncontig, second=True)


@FAST
@given(case=pool_case(1, avg=True), seed=st.integers(0, 9), count_include_pad=st.booleans())
def test_avg_pool1d(case, seed, count_include_pad):
    x, kw = case
    kw = {k: (v[0] if isinstance(v, tuple) else v) for k, v in kw.items()}
    check(lambda x: F.avg_pool1d(x, **kw, count_include_pad=count_include_pad),
          lambda x: TF.avg_pool1d(x, **kw, count_include_pad=count_include_pad), [_normal(x, seed)], second=True)


@FAST
@given(H=st.integers(1, 7), W=st.integers(1, 7), oh=st.sampled_from([1, 2, 3, 5, 8, None]), ow=st.integers(1, 6),
       batched=st.booleans(), dtype=dtypes, noncontig=st.booleans(), seed=st.integers(0, 9))
def test_adaptive_pool2d(H, W, oh, ow, batched, dtype, noncontig, seed):
    shape = (2, 3, H, W) if batched else (3, H, W)
    x = [_normal(shape, seed)]
    check(lambda x: F.adaptive_avg_pool2d(x, (oh, ow)), lambda x: TF.adaptive_avg_pool2d(x, (oh, ow)), x, dtype,
          noncontig, second=True)
    check(lambda x: F.adaptive_max_pool2d(x, (oh, ow), True), lambda x: TF.adaptive_max_pool2d(x, (oh, ow), True),
          x, dtype, noncontig, second=True)


@FAST
@given(L=st.integers(1, 9), o=st.integers(1, 6), seed=st.integers(0, 9))
def test_adaptive_pool1d(L, o, seed):
    x = [_normal((2, 3, L), seed)]
    check(lambda x: F.adaptive_avg_pool1d(x, o), lambda x: TF.adaptive_avg_pool1d(x, o), x, second=True)
    check(lambda x: F.adaptive_max_pool1d(x, o, True), lambda x: TF.adaptive_max_pool1d(x, o, True), x, second=True)


def test_pools_unbatched():
    x = [_normal((3, 6, 5), 0)]
    check(lambda x: F.max_pool2d(x, 3, 2, 1), lambda x: TF.max_pool2d(x, 3, 2, 1), x, second=True)
    check(lambda x: F.avg_pool2d(x, 2, ceil_mode=True), lambda x: TF.avg_pool2d(x, 2, ceil_mode=True), x)
    check(lambda x: F.max_pool1d(x, 2), lambda x: TF.max_pool1d(x, 2), [x[0][0]])


@FAST
@given(mode=st.sampled_from(["constant", "reflect", "replicate", "circular"]), ndim=st.integers(2, 4),
       data=st.data(), dtype=dtypes, noncontig=st.booleans(), seed=st.integers(0, 9))
def test_pad(mode, ndim, data, dtype, noncontig, seed):
    shape = tuple(data.draw(st.integers(1, 4)) for _ in range(ndim))
    if mode == "constant":
        n = data.draw(st.integers(1, ndim))
        pads = [data.draw(st.integers(-shape[-1 - i // 2], 3)) for i in range(2 * n)]
        kw = {"value": data.draw(st.sampled_from([None, 0.0, -1.5]))}
    else:
        n = data.draw(st.sampled_from([k for k in (1, 2, 3) if ndim in (k + 1, k + 2)]))
        hi = {"reflect": lambda s: s - 1, "replicate": lambda s: 3, "circular": lambda s: s}[mode]
        pads = [data.draw(st.integers(0, hi(shape[-1 - i // 2]))) for i in range(2 * n)]
        kw = {}
    if any(shape[-1 - i] + pads[2 * i] + pads[2 * i + 1] < 0 for i in range(len(pads) // 2)):
        check_raises(lambda x: F.pad(x, pads, mode, **kw), lambda x: TF.pad(x, pads, mode, **kw),
                     [_normal(shape, seed)])
        return
    check(lambda x: F.pad(x, pads, mode, **kw), lambda x: TF.pad(x, pads, mode, **kw), [_normal(shape, seed)],
          dtype, noncontig, second=True)


@FAST
@given(data=st.data(), dtype=dtypes, noncontig=st.booleans(), seed=st.integers(0, 9))
def test_unfold_fold(data, dtype, noncontig, seed):
    k = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)))
    d = (data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2)))
    p = (data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2)))
    s = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)))
    size = tuple(max(1, di * (ki - 1) + 1 - 2 * pi + data.draw(st.integers(0, 4))) for ki, di, pi in zip(k, d, p))
    batched = data.draw(st.booleans())
    x = (2, 3, *size) if batched else (3, *size)
    kw = {"kernel_size": k, "dilation": d, "padding": p, "stride": s}
    check(lambda x: F.unfold(x, **kw), lambda x: TF.unfold(x, **kw), [_normal(x, seed)], dtype, noncontig,
          second=True)
    blocks = [(n + 2 * pi - di * (ki - 1) - 1) // si + 1 for n, ki, di, pi, si in zip(size, k, d, p, s)]
    cols = (2, 3 * k[0] * k[1], blocks[0] * blocks[1]) if batched else (3 * k[0] * k[1], blocks[0] * blocks[1])
    check(lambda c: F.fold(c, size, **kw), lambda c: TF.fold(c, size, **kw), [_normal(cols, seed)], dtype,
          noncontig, second=True)


@FAST
@given(data=st.data(), mode=st.sampled_from(["nearest", "nearest-exact", "bilinear", "linear", "area"]),
       dtype=dtypes, noncontig=st.booleans(), seed=st.integers(0, 9))
def test_interpolate(data, mode, dtype, noncontig, seed):
    nd = 1 if mode == "linear" else (2 if mode == "bilinear" else data.draw(st.integers(1, 2)))
    size = tuple(data.draw(st.integers(1, 6)) for _ in range(nd))
    kw = {"mode": mode}
    if mode in ("bilinear", "linear"):
        kw["align_corners"] = data.draw(st.booleans())
    if data.draw(st.booleans()):
        kw["size"] = tuple(data.draw(st.integers(1, 9)) for _ in range(nd))
    else:
        kw["scale_factor"] = data.draw(st.sampled_from([2, 0.5, 1.5, 1.7, 3.3, (2.0, 0.75)[:nd]]))
        if isinstance(kw["scale_factor"], tuple) and len(kw["scale_factor"]) == 1:
            kw["scale_factor"] = kw["scale_factor"][0]
        kw["recompute_scale_factor"] = data.draw(st.sampled_from([None, True]))
        if any(int(n * f) < 1 for n, f in zip(size, np.broadcast_to(kw["scale_factor"], (nd,)))):
            kw["scale_factor"] = 2
    check(lambda x: F.interpolate(x, **kw), lambda x: TF.interpolate(x, **kw), [_normal((2, 2, *size), seed)],
          dtype, noncontig, second=True, atol=1e-9 if dtype == "float64" else 1e-5)


@FAST
@given(lead=st.lists(st.integers(1, 3), max_size=3), fin=st.integers(1, 4), fout=st.integers(1, 4),
       bias=st.booleans(), dtype=dtypes, seed=st.integers(0, 9))
def test_linear_bilinear(lead, fin, fout, bias, dtype, seed):
    x, w, b = _normal((*lead, fin), seed), _normal((fout, fin), seed + 1), _normal((fout,), seed + 2)
    check(lambda x, w, b: F.linear(x, w, b), lambda x, w, b: TF.linear(x, w, b), [x, w, b if bias else None],
          dtype, second=True)
    x2, A = _normal((*lead, 3), seed + 3), _normal((fout, fin, 3), seed + 4)
    check(lambda x, x2, A, b: F.bilinear(x, x2, A, b), lambda x, x2, A, b: TF.bilinear(x, x2, A, b),
          [x, x2, A, b if bias else None], dtype, second=True)


def test_linear_grad_fn():
    x, w, b = (mt.tensor(_normal(s, 0), requires_grad=True) for s in [(2, 3), (4, 3), (4,)])
    assert F.linear(x, w, b).grad_fn.name() == "AddmmBackward0"


x4, w4 = _normal((2, 4, 6, 6), 0), _normal((3, 4, 3, 3), 1)
ERRORS = [
    ("conv2d same strided", lambda F, x, w: F.conv2d(x, w, padding="same", stride=2)),
    ("conv2d bad padding string", lambda F, x, w: F.conv2d(x, w, padding="full")),
    ("conv2d negative padding", lambda F, x, w: F.conv2d(x, w, padding=-1)),
    ("conv2d stride 0", lambda F, x, w: F.conv2d(x, w, stride=0)),
    ("conv2d dilation 0", lambda F, x, w: F.conv2d(x, w, dilation=0)),
    ("conv2d groups mismatch", lambda F, x, w: F.conv2d(x, w, groups=3)),
    ("conv2d groups 0", lambda F, x, w: F.conv2d(x, w, groups=0)),
    ("conv2d channels", lambda F, x, w: F.conv2d(x[:, :3], w)),
    ("conv2d kernel > input", lambda F, x, w: F.conv2d(x[:, :, :2, :2], w)),
    ("conv2d 2-d input", lambda F, x, w: F.conv2d(x[0, 0], w)),
    ("conv2d bias size", lambda F, x, w: F.conv2d(x, w, w[0, 0, 0, :2])),
    ("conv2d dtype", lambda F, x, w: F.conv2d(x, w.float())),
    ("conv2d stride tuple length", lambda F, x, w: F.conv2d(x, w, stride=(1, 1, 1))),
    ("conv1d 4-d input", lambda F, x, w: F.conv1d(x, w[:, :, 0])),
    ("conv_transpose2d output_padding", lambda F, x, w: F.conv_transpose2d(x, w.transpose(0, 1), output_padding=1)),
    ("conv_transpose2d channels", lambda F, x, w: F.conv_transpose2d(x, w)),
    ("max_pool2d pad > k/2", lambda F, x, w: F.max_pool2d(x, 3, padding=2)),
    ("max_pool2d output too small", lambda F, x, w: F.max_pool2d(x[:, :, :1, :1], 2)),
    ("max_pool2d stride 0", lambda F, x, w: F.max_pool2d(x, 2, stride=0)),
    ("max_pool2d kernel 0", lambda F, x, w: F.max_pool2d(x, 0)),
    ("max_pool2d 2-d input", lambda F, x, w: F.max_pool2d(x[0, 0], 2)),
    ("max_pool2d dilation 0", lambda F, x, w: F.max_pool2d(x, 2, dilation=0)),
    ("max_pool1d pad > k/2", lambda F, x, w: F.max_pool1d(x[0], 2, padding=2)),
    ("avg_pool2d pad > k/2", lambda F, x, w: F.avg_pool2d(x, 3, padding=2)),
    ("avg_pool2d divisor 0", lambda F, x, w: F.avg_pool2d(x, 2, divisor_override=0)),
    ("avg_pool2d stride 0", lambda F, x, w: F.avg_pool2d(x, 2, stride=0)),
    ("adaptive_avg_pool2d empty", lambda F, x, w: F.adaptive_avg_pool2d(x[:, :, :0], 2)),
    ("adaptive_max_pool2d 2-d", lambda F, x, w: F.adaptive_max_pool2d(x[0, 0], 2)),
    ("interpolate size and scale", lambda F, x, w: F.interpolate(x, size=3, scale_factor=2)),
    ("interpolate neither", lambda F, x, w: F.interpolate(x)),
    ("interpolate align_corners nearest", lambda F, x, w: F.interpolate(x, size=3, align_corners=True)),
    ("interpolate bilinear on 3-d", lambda F, x, w: F.interpolate(x[0], size=3, mode="bilinear")),
    ("interpolate bad mode", lambda F, x, w: F.interpolate(x, size=3, mode="foo")),
    ("interpolate size length", lambda F, x, w: F.interpolate(x, size=(3, 3, 3))),
    ("interpolate recompute with size", lambda F, x, w: F.interpolate(x, size=3, recompute_scale_factor=True)),
    ("pad odd length", lambda F, x, w: F.pad(x, (1,))),
    ("pad bad mode", lambda F, x, w: F.pad(x, (1, 1), mode="foo")),
    ("pad reflect too large", lambda F, x, w: F.pad(x, (6, 0, 0, 0), mode="reflect")),
    ("pad reflect wrong length", lambda F, x, w: F.pad(x, (1, 1), mode="reflect")),
    ("pad circular wraps twice", lambda F, x, w: F.pad(x, (7, 0, 0, 0), mode="circular")),
    ("pad constant negative size", lambda F, x, w: F.pad(x, (-4, -3))),
    ("unfold kernel too large", lambda F, x, w: F.unfold(x, 7)),
    ("unfold 2-d", lambda F, x, w: F.unfold(x[0, 0], 2)),
    ("fold not divisible", lambda F, x, w: F.fold(x[0, :, :5, :3].reshape(2, 5, 9)[0], (4, 4), 2)),
    ("fold block count", lambda F, x, w: F.fold(x[0].reshape(4, 4, 9), (5, 5), 2)),
    ("linear shape", lambda F, x, w: F.linear(x, w[0, 0])),
    ("bilinear shape", lambda F, x, w: F.bilinear(x[0, 0], x[0, 1], w[:, :, :, 0], None)),
]


@pytest.mark.parametrize("name,call", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors(name, call):
    check_raises(lambda x, w: call(F, x, w), lambda x, w: call(TF, x, w), [x4, w4])


def test_import_compiles_nothing_and_threads_apply_lazily():
    code = (
        "import sys, minitorch\n"
        "assert 'numba' not in sys.modules and 'minitorch.kernels' not in sys.modules\n"
        "minitorch.set_num_threads(1)\n"
        "assert 'numba' not in sys.modules and minitorch.get_num_threads() == 1\n"
        "import minitorch.nn.functional as F\n"
        "F.max_pool2d(minitorch.ones(1, 1, 2, 2), 2)\n"
        "import numba\n"
        "assert numba.get_num_threads() == 1 == minitorch.get_num_threads()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_count_set_before_a_direct_import_of_the_kernels_applies():
    """benchmarks import ``minitorch.kernels`` themselves: the count set before still holds."""
    code = (
        "import minitorch\n"
        "minitorch.set_num_threads(1)\n"
        "import minitorch.kernels, numba\n"
        "assert numba.get_num_threads() == 1 == minitorch.get_num_threads()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_more_threads_than_cores_is_accepted_as_in_torch():
    """torch.set_num_threads takes any positive count and get_num_threads reports it; numba
    cannot start more threads than NUMBA_NUM_THREADS, so the kernels use at most that many."""
    n = (os.cpu_count() or 1) + 2
    torch_n = subprocess.run([sys.executable, "-c", (f"import torch; torch.set_num_threads({n}); "
                                                     "print(torch.get_num_threads())")],
                             check=True, capture_output=True, text=True)
    code = (
        "import minitorch, numba\n"
        f"minitorch.set_num_threads({n})\n"
        "x = minitorch.randn(1, 2, 64, 64)\n"
        "minitorch.nn.functional.max_pool2d(x, 2); (x[0, 0] @ x[0, 0]).sum()\n"
        "print(minitorch.get_num_threads(), numba.get_num_threads() == numba.config.NUMBA_NUM_THREADS)\n"
        f"minitorch.set_num_threads({n} + 1)\n"
        "print(minitorch.get_num_threads())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    assert out == [torch_n.stdout.strip(), "True", str(n + 1)]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux-only")
@pytest.mark.parametrize("setting, tuned", [(None, True), ("0", False)])
def test_import_tunes_malloc_unless_told_not_to(setting, tuned):
    """``import minitorch`` tells glibc's malloc to keep freed memory (backends/_malloc.py), so a
    training loop reuses freed activations instead of faulting pages in again each step;
    MINITORCH_MALLOC_TUNING=0 keeps glibc's defaults."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "MINITORCH_MALLOC_TUNING"}
    if setting is not None:
        env["MINITORCH_MALLOC_TUNING"] = setting
    code = "import minitorch; from minitorch.backends import _malloc; print(_malloc.tuned)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env)
    assert out.stdout.strip() == str(tuned)


# ----------------------------------------------------------------------------- dtypes the kernels do not have
HALF_OPS = {  # name -> (minitorch call, torch call, input shapes)
    "conv2d": (lambda x, w, b: F.conv2d(x, w, b, padding=1), lambda x, w, b: TF.conv2d(x, w, b, padding=1),
               [(2, 3, 6, 5), (4, 3, 3, 3), (4,)]),
    "conv1d": (lambda x, w: F.conv1d(x, w, stride=2), lambda x, w: TF.conv1d(x, w, stride=2), [(2, 3, 9), (4, 3, 3)]),
    "conv_transpose2d": (lambda x, w: F.conv_transpose2d(x, w, stride=2), lambda x, w: TF.conv_transpose2d(x, w, stride=2),
                         [(1, 3, 4, 4), (3, 2, 3, 3)]),
    "max_pool2d": (lambda x: F.max_pool2d(x, 2, return_indices=True), lambda x: TF.max_pool2d(x, 2, return_indices=True),
                   [(2, 3, 6, 6)]),
    "avg_pool2d": (lambda x: F.avg_pool2d(x, 3, 2, 1), lambda x: TF.avg_pool2d(x, 3, 2, 1), [(2, 3, 7, 6)]),
    "max_pool1d": (lambda x: F.max_pool1d(x, 3), lambda x: TF.max_pool1d(x, 3), [(2, 3, 9)]),
    "avg_pool1d": (lambda x: F.avg_pool1d(x, 2), lambda x: TF.avg_pool1d(x, 2), [(2, 3, 8)]),
    "adaptive_avg_pool2d": (lambda x: F.adaptive_avg_pool2d(x, (3, 2)), lambda x: TF.adaptive_avg_pool2d(x, (3, 2)),
                            [(2, 3, 7, 5)]),
    "adaptive_max_pool2d": (lambda x: F.adaptive_max_pool2d(x, 3), lambda x: TF.adaptive_max_pool2d(x, 3), [(2, 3, 7, 5)]),
    "unfold": (lambda x: F.unfold(x, 2, padding=1), lambda x: TF.unfold(x, 2, padding=1), [(2, 3, 5, 4)]),
    "fold": (lambda x: F.fold(x, (4, 5), 2), lambda x: TF.fold(x, (4, 5), 2), [(2, 12, 12)]),
}


@pytest.mark.parametrize("name", list(HALF_OPS))
def test_float16_convolution_and_pooling(name):
    """float16 in, float16 out, computed in float32 and rounded once (PyTorch's CPU kernels agree
    to within one float16 rounding); the gradient reaches float16 inputs as float16."""
    fm, ft, shapes = HALF_OPS[name]
    arrays = [_normal(s, i) for i, s in enumerate(shapes)]
    ms = [mt.tensor(a, dtype=mt.float16, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, dtype=torch.float16, requires_grad=True) for a in arrays]
    ym, yt = fm(*ms), ft(*ts)
    if isinstance(yt, tuple):
        np.testing.assert_array_equal(ym[1].numpy(), yt[1].numpy())
        ym, yt = ym[0], yt[0]
    assert ym.dtype is mt.float16 and tuple(ym.shape) == tuple(yt.shape)
    np.testing.assert_allclose(ym.detach().numpy().astype(np.float32), yt.detach().numpy().astype(np.float32),
                               rtol=2e-3, atol=2e-3)
    g = _normal(tuple(yt.shape), 9)
    gm = mt.autograd.grad(ym, ms, mt.tensor(g, dtype=mt.float16))
    gt = torch.autograd.grad(yt, ts, torch.tensor(g, dtype=torch.float16))
    for a, b in zip(gm, gt):
        assert a.dtype is mt.float16
        np.testing.assert_allclose(a.numpy().astype(np.float32), b.numpy().astype(np.float32), rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "uint8"])
@pytest.mark.parametrize("op", ["conv2d", "conv1d", "conv_transpose2d", "conv2d_groups_bias"])
def test_integer_convolution(op, dtype):
    """Integer convolution computes as PyTorch's CPU kernels do: exactly, in the input's dtype
    (uint8 wraps around modulo 256)."""
    rng = np.random.default_rng(3)
    x, w, b = rng.integers(-9, 10, (2, 4, 7, 6)), rng.integers(-9, 10, (6, 2, 3, 3)), rng.integers(-9, 10, (6,))
    calls = {
        "conv2d": lambda lib, f, x, w, b: f.conv2d(x, w[:, :2].repeat(1, 2, 1, 1), stride=2, padding=1),
        "conv1d": lambda lib, f, x, w, b: f.conv1d(x[:, :, 0], w[:, :, 0].repeat(1, 2, 1), dilation=2),
        "conv_transpose2d": lambda lib, f, x, w, b: f.conv_transpose2d(x, w[:4], stride=2),
        "conv2d_groups_bias": lambda lib, f, x, w, b: f.conv2d(x, w, b, groups=2),
    }
    out = []
    for lib, f in ((mt, F), (torch, TF)):
        try:
            out.append(calls[op](lib, f, *(lib.tensor(a).to(getattr(lib, dtype)) for a in (x, w, b))))
        except NotImplementedError as e:  # torch: dilated and transposed integer kernels are int64-only
            out.append(e)
    if isinstance(out[1], Exception):
        assert isinstance(out[0], type(out[1])), f"torch: {out[1]!r}; minitorch: {out[0]!r}"
        assert str(out[0]) == str(out[1])
        return
    assert str(out[0].dtype) == str(out[1].dtype)
    np.testing.assert_array_equal(out[0].numpy(), out[1].numpy())


def test_bool_convolution_raises_like_torch():
    check_raises(lambda x, w: F.conv2d(x > 0, w > 0), lambda x, w: TF.conv2d(x > 0, w > 0),
                 [_normal((1, 2, 4, 4), 0), _normal((1, 2, 2, 2), 1)])


@pytest.mark.parametrize("shape", [(4, 3, 0, 3), (4, 3, 3, 0), (0, 3, 3, 3), (4, 3, 0), (0, 3, 3)])
def test_empty_kernel_or_weight_raises_like_torch(shape):
    f, tf = (F.conv2d, TF.conv2d) if len(shape) == 4 else (F.conv1d, TF.conv1d)
    check_raises(f, tf, [_normal((2, 3, 8, 8)[: len(shape)], 0), np.zeros(shape)])
