"""The conv2d kernels against torch.nn.functional and torch.autograd.

conv1d and conv_transpose2d have no kernels of their own: they are checked here as minitorch runs
them on conv2d's three (minitorch/_ops/conv.py), at the kernels' level.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from harness.strategies import at_least
from hypothesis import example, given
from hypothesis import strategies as st
from kernel_parity_helpers import assert_close, random_array, torch_forward_and_grads
from minitorch.kernels import conv2d, conv2d_input_grad, conv2d_weight_grad
from minitorch.kernels.conv import conv2d_forward_direct, conv2d_forward_gemm

DTYPES = [np.float64, np.float32]


@st.composite
def axis(draw, max_kernel=4, max_stride=3, max_dilation=2):
    """(size, kernel, stride, padding, dilation) along one axis, with a non-empty output."""
    k = draw(st.integers(1, max_kernel))
    s = draw(st.integers(1, max_stride))
    d = draw(st.integers(1, max_dilation))
    p = draw(st.integers(0, k // 2 + 1))
    smallest = max(1, d * (k - 1) + 1 - 2 * p)  # kernel == padded input size at the minimum
    size = draw(st.integers(smallest, smallest + 6))
    return size, k, s, p, d


@st.composite
def conv_cases(draw):
    groups = draw(st.integers(1, 3))
    depthwise = draw(st.booleans())
    c_in_g = 1 if depthwise else draw(st.integers(1, 3))
    c_out_g = draw(st.integers(1, 3))
    return {
        "n": draw(st.integers(1, 3)), "groups": groups, "c_in": c_in_g * groups, "c_out": c_out_g * groups,
        "h": draw(axis()), "w": draw(axis()), "contiguous": draw(st.booleans()),
        "bias": draw(st.booleans()), "dtype": draw(st.sampled_from(DTYPES)),
        "seed": draw(st.integers(0, 2**16)),
    }


def _conv_args(case):
    (H, kH, sH, pH, dH), (W, kW, sW, pW, dW) = case["h"], case["w"]
    return (H, W), (kH, kW), (sH, sW), (pH, pW), (dH, dW)


@at_least(60, deadline=None)
@given(case=conv_cases())
# A tap that reads only padding (the first of a dilated kernel over a 2-wide padding): im2col
# zeroed past its row, into the next sample's columns (found by the thorough profile).
@example(case={"n": 2, "groups": 1, "c_in": 1, "c_out": 1, "h": (1, 1, 2, 0, 1), "w": (3, 4, 1, 2, 2),
               "contiguous": False, "bias": False, "dtype": np.float64, "seed": 0})
def test_conv2d_forward_and_grads_match_torch(case):
    rng = np.random.default_rng(case["seed"])
    (H, W), kernel, stride, padding, dilation = _conv_args(case)
    dtype, groups = case["dtype"], case["groups"]
    x = random_array(rng, (case["n"], case["c_in"], H, W), dtype, case["contiguous"])
    w = random_array(rng, (case["c_out"], case["c_in"] // groups) + kernel, dtype,
                     case["contiguous"])
    b = random_array(rng, (case["c_out"],), dtype) if case["bias"] else None
    inputs = [x, w] + ([b] if b is not None else [])

    def torch_conv(xt, wt, bt=None):
        return F.conv2d(xt, wt, bt, stride, padding, dilation, groups)

    y_t, gy, (gx_t, gw_t, *_) = torch_forward_and_grads(torch_conv, inputs, case["seed"])
    assert_close(conv2d(x, w, b, stride, padding, dilation, groups), y_t, dtype)
    assert_close(conv2d_input_grad(gy, w, x.shape, stride, padding, dilation, groups), gx_t, dtype)
    assert_close(conv2d_weight_grad(gy, x, w.shape, stride, padding, dilation, groups), gw_t,
                 dtype)
    # The forward's columns, handed to the weight gradient (what autograd does).
    y_k, columns = conv2d(x, w, b, stride, padding, dilation, groups, keep_columns=True)
    assert_close(y_k, y_t, dtype)
    assert_close(conv2d_weight_grad(gy, x, w.shape, stride, padding, dilation, groups, columns),
                 gw_t, dtype)


def test_forward_keeps_columns_only_when_the_weight_gradient_can_use_them(monkeypatch):
    """One block of full-width columns is kept (LeNet conv2 with 32 output channels: with 16 it
    is a few-channel convolution, which has no columns); a direct weight gradient (LeNet
    conv1), another stride, or a batch split into blocks keeps nothing."""
    import minitorch.kernels.conv as kc

    rng = np.random.default_rng(0)
    x, w = random_array(rng, (4, 6, 14, 14), np.float32), random_array(rng, (32, 6, 5, 5), np.float32)
    y, columns = conv2d(x, w, None, (1, 1), (0, 0), (1, 1), 1, keep_columns=True)
    assert columns is not None and columns.shape == (150, 4, 10 * 14)
    x1, w1 = random_array(rng, (4, 1, 28, 28), np.float32), random_array(rng, (6, 1, 5, 5), np.float32)
    direct = w1.size <= kc.DIRECT_WEIGHT_GRAD_MAX  # off in the fixture's "always GEMM" runs
    assert (conv2d(x1, w1, None, (1, 1), (2, 2), (1, 1), 1, keep_columns=True)[1] is None) == direct
    assert conv2d(x, w, None, (2, 2), (0, 0), (1, 1), 1, keep_columns=True)[1] is None
    monkeypatch.setattr(kc, "COLUMN_BLOCK_BYTES", 150 * 140 * 4 * 2)  # two samples per block
    y2, none = conv2d(x, w, None, (1, 1), (0, 0), (1, 1), 1, keep_columns=True)
    assert none is None
    np.testing.assert_allclose(y2, y, rtol=1e-5, atol=1e-5)  # BLAS rounds a split GEMM differently


@at_least(20, deadline=None)
@given(case=conv_cases())
def test_direct_and_gemm_forward_agree(case):
    """The dispatch may pick either algorithm, so both must be right everywhere."""
    rng = np.random.default_rng(case["seed"])
    (H, W), kernel, stride, padding, dilation = _conv_args(case)
    x = random_array(rng, (case["n"], case["c_in"], H, W), np.float64, case["contiguous"])
    w = random_array(rng, (case["c_out"], case["c_in"] // case["groups"]) + kernel, np.float64)
    pad4 = ((padding[0], padding[0]), (padding[1], padding[1]))
    direct = conv2d_forward_direct(x, w, stride, pad4, dilation, case["groups"])
    gemm = conv2d_forward_gemm(x, w, stride, pad4, dilation, case["groups"])
    np.testing.assert_allclose(direct, gemm, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "x_shape, w_shape, stride, padding, dilation, groups",
    [
        ((2, 3, 5, 5), (4, 3, 5, 5), (1, 1), (0, 0), (1, 1), 1),  # kernel == input: 1x1 output
        ((2, 4, 7, 6), (4, 1, 3, 3), (1, 1), (1, 1), (1, 1), 4),  # depthwise, padding k//2
        ((1, 1, 1, 9), (2, 1, 1, 3), (1, 2), (0, 1), (1, 1), 1),  # size-1 height
        ((1, 2, 1, 1), (3, 2, 1, 1), (1, 1), (0, 0), (1, 1), 1),  # 1x1 everything
        ((3, 6, 8, 8), (6, 2, 3, 3), (2, 2), (1, 1), (2, 2), 3),  # groups + stride + dilation
        ((2, 1, 28, 28), (6, 1, 5, 5), (1, 1), (2, 2), (1, 1), 1),  # LeNet conv1
    ],
)
def test_conv2d_edge_cases(dtype, x_shape, w_shape, stride, padding, dilation, groups):
    rng = np.random.default_rng(0)
    x, w = random_array(rng, x_shape, dtype), random_array(rng, w_shape, dtype)

    def torch_conv(xt, wt):
        return F.conv2d(xt, wt, None, stride, padding, dilation, groups)

    y_t, gy, (gx_t, gw_t) = torch_forward_and_grads(torch_conv, [x, w])
    assert_close(conv2d(x, w, None, stride, padding, dilation, groups), y_t, dtype)
    assert_close(conv2d_input_grad(gy, w, x.shape, stride, padding, dilation, groups), gx_t, dtype)
    assert_close(conv2d_weight_grad(gy, x, w.shape, stride, padding, dilation, groups), gw_t,
                 dtype)


def same_padding(kernel, dilation):
    """padding='same' at stride 1: d*(k-1) in total, the odd one after (minitorch/nn/functional/conv.py)."""
    return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation))


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@at_least(30, deadline=None)
@given(kh=st.integers(1, 5), kw=st.integers(1, 5), dh=st.integers(1, 3), dw=st.integers(1, 3),
       h=st.integers(1, 8), w=st.integers(1, 8), seed=st.integers(0, 2**16))
def test_same_padding_matches_torch_same_including_even_kernels(kh, kw, dh, dw, h, w, seed):
    rng = np.random.default_rng(seed)
    x, wt = random_array(rng, (2, 2, h, w), np.float64), random_array(rng, (3, 2, kh, kw),
                                                                      np.float64)

    def torch_conv(xt, wgt):
        return F.conv2d(xt, wgt, padding="same", dilation=(dh, dw))

    y_t, gy, (gx_t, gw_t) = torch_forward_and_grads(torch_conv, [x, wt])
    pad = same_padding((kh, kw), (dh, dw))
    assert_close(conv2d(x, wt, None, (1, 1), pad, (dh, dw), 1), y_t, np.float64)
    assert_close(conv2d_input_grad(gy, wt, x.shape, (1, 1), pad, (dh, dw), 1), gx_t, np.float64)
    assert_close(conv2d_weight_grad(gy, x, wt.shape, (1, 1), pad, (dh, dw), 1), gw_t, np.float64)


@at_least(30, deadline=None)
@given(case=conv_cases(), left_right=st.tuples(st.integers(0, 2), st.integers(0, 2)))
def test_conv1d_matches_torch(case, left_right):
    """F.conv1d (padded on each side by its own amount) as conv2d over an image of height 1."""
    rng = np.random.default_rng(case["seed"])
    L, k, s, p, d = case["w"]
    L += 2 * p  # the drawn padding made the output non-empty; make the input that long instead
    dtype, groups = case["dtype"], case["groups"]
    x = random_array(rng, (case["n"], case["c_in"], L), dtype, case["contiguous"])
    w = random_array(rng, (case["c_out"], case["c_in"] // groups, k), dtype)

    def torch_conv(xt, wt):
        return F.conv1d(F.pad(xt, left_right), wt, None, s, 0, d, groups)

    y_t, gy, (gx_t, gw_t) = torch_forward_and_grads(torch_conv, [x, w])
    args = ((1, s), ((0, 0), left_right), (1, d), groups)
    x4, w4, gy4 = x[:, :, None], w[:, :, None], gy[:, :, None]
    assert_close(conv2d(x4, w4, None, *args)[:, :, 0], y_t, dtype)
    assert_close(conv2d_input_grad(gy4, w4, x4.shape, *args)[:, :, 0], gx_t, dtype)
    assert_close(conv2d_weight_grad(gy4, x4, w4.shape, *args)[:, :, 0], gw_t, dtype)


@at_least(50, deadline=None)
@given(case=conv_cases(), data=st.data())
def test_conv_transpose2d_matches_torch(case, data):
    """F.conv_transpose2d as minitorch/_ops/conv.py runs it: the forward is conv2d_input_grad at
    the output's size, its input gradient conv2d (positions past x cut off), its weight gradient
    conv2d_weight_grad with x and gy swapped."""
    rng = np.random.default_rng(case["seed"])
    (H, W), kernel, stride, padding, dilation = _conv_args(case)
    # PyTorch needs output_padding < max(stride, dilation) and a non-empty output.
    output_padding = tuple(data.draw(st.integers(0, max(s, d) - 1))
                           for s, d in zip(stride, dilation))
    padding = tuple(min(p, (d * (k - 1)) // 2) for p, d, k in zip(padding, dilation, kernel))
    dtype, groups = case["dtype"], case["groups"]
    x = random_array(rng, (case["n"], case["c_in"], H, W), dtype, case["contiguous"])
    w = random_array(rng, (case["c_in"], case["c_out"] // groups) + kernel, dtype, case["contiguous"])
    b = random_array(rng, (case["c_out"],), dtype)

    def torch_conv_t(xt, wt, bt):
        return F.conv_transpose2d(xt, wt, bt, stride, padding, output_padding, groups, dilation)

    y_t, gy, (gx_t, gw_t, _) = torch_forward_and_grads(torch_conv_t, [x, w, b])
    args = (stride, padding, dilation, groups)
    y = conv2d_input_grad(x, w, tuple(y_t.shape), *args) + b.reshape(1, -1, 1, 1)
    assert_close(y, y_t, dtype)
    assert_close(conv2d(gy, w, None, *args)[:, :, :H, :W], gx_t, dtype)
    assert_close(conv2d_weight_grad(x, gy, w.shape, *args), gw_t, dtype)


def test_importing_kernels_compiles_nothing():
    """Compilation is lazy: a fresh interpreter imports minitorch.kernels in well under a second.

    The limits are on CPU time (the child's own, and the whole interpreter's as the parent sees
    it), not on the wall clock: a compiled kernel costs seconds of CPU however busy the machine
    is, while a loaded machine (pytest-xdist's workers, other jobs) stretches the wall time."""
    import resource
    import subprocess
    import sys

    code = ("import time; t = time.process_time(); import minitorch.kernels, numba; "
            "from minitorch.kernels.im2col import _im2col; "
            "assert not _im2col.signatures, _im2col.signatures; "
            "print(time.process_time() - t)")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                         cwd=__file__.rsplit("/parity_tests/", 1)[0])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert out.returncode == 0, out.stderr
    assert float(out.stdout) < 2.0
    assert (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime) < 10.0
    assert torch is not None  # torch stays a test-only dependency of the kernels


def test_kernels_come_with_this_minitorch():
    """minitorch.kernels is the kernels/ beside the minitorch/ that was imported: in a checkout
    (an editable install maps the folder through setuptools' import finder) or inside the
    installed package. An editable install made from another checkout would map another kernels/."""
    from pathlib import Path

    import minitorch.kernels

    import minitorch

    package, kernels = Path(minitorch.__file__).parent, Path(minitorch.kernels.__file__).parent
    assert kernels in (package.parent / "kernels", package / "kernels"), (
        f"minitorch.kernels is {kernels} but minitorch is {package}: reinstall this checkout "
        "(pip install -e .)")
