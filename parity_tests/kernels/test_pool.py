"""Pooling kernels against torch.nn.functional and torch.autograd, indices included."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from harness.strategies import at_least
from hypothesis import assume, given
from hypothesis import strategies as st
from kernel_parity_helpers import assert_close, random_array, torch_forward_and_grads
from minitorch.kernels import (
    adaptive_avg_pool2d,
    adaptive_avg_pool2d_backward,
    adaptive_max_pool2d,
    avg_pool2d,
    avg_pool2d_backward,
    max_pool2d,
    max_pool2d_backward,
)

DTYPES = [np.float64, np.float32]


@st.composite
def pool_axis(draw, max_dilation=2):
    """(size, kernel, stride, padding, dilation): PyTorch wants padding <= kernel // 2."""
    k = draw(st.integers(1, 4))
    s = draw(st.integers(1, 3))
    p = draw(st.integers(0, k // 2))
    d = draw(st.integers(1, max_dilation))
    smallest = max(1, d * (k - 1) + 1 - 2 * p)
    return draw(st.integers(smallest, smallest + 6)), k, s, p, d


@st.composite
def pool_cases(draw, max_dilation=2):
    return {
        "n": draw(st.integers(1, 3)), "c": draw(st.integers(1, 3)), "h": draw(pool_axis(max_dilation)),
        "w": draw(pool_axis(max_dilation)), "ceil_mode": draw(st.booleans()),
        "contiguous": draw(st.booleans()), "dtype": draw(st.sampled_from(DTYPES)),
        "data": draw(st.sampled_from(["normal", "ties", "nan"])), "seed": draw(st.integers(0, 2**16)),
    }


def _input(case, shape):
    """Normal data, data full of ties (small integers), or normal data sprinkled with NaN."""
    rng = np.random.default_rng(case["seed"])
    x = random_array(rng, shape, case["dtype"], case["contiguous"])
    if case["data"] == "ties":
        x[...] = np.round(x)
    elif case["data"] == "nan":
        x[rng.random(shape) < 0.2] = np.nan
    return x


def _pool_args(case):
    (H, kH, sH, pH, dH), (W, kW, sW, pW, dW) = case["h"], case["w"]
    return (H, W), (kH, kW), (sH, sW), (pH, pW), (dH, dW)


@at_least(80, deadline=None)
@given(case=pool_cases())
def test_max_pool2d_values_indices_and_grad_match_torch(case):
    """Ties pick the first maximum in scan order, NaN wins: indices agree exactly."""
    (H, W), kernel, stride, padding, dilation = _pool_args(case)
    x = _input(case, (case["n"], case["c"], H, W))
    y, idx = max_pool2d(x, kernel, stride, padding, dilation, case["ceil_mode"])
    # A window wholly in the padding has an index past the plane, and torch's backward then
    # writes out of bounds (heap corruption); see the dedicated test below.
    assume(bool(((idx >= 0) & (idx < H * W)).all()))

    def torch_pool(xt):
        return F.max_pool2d(xt, kernel, stride, padding, dilation, case["ceil_mode"])

    y_t, gy, (gx_t,) = torch_forward_and_grads(torch_pool, [x])
    _, idx_t = F.max_pool2d(torch.tensor(x), kernel, stride, padding, dilation,
                            case["ceil_mode"], return_indices=True)
    assert_close(y, y_t, case["dtype"])
    np.testing.assert_array_equal(idx, idx_t.numpy())
    assert_close(max_pool2d_backward(gy, idx, x.shape), gx_t, case["dtype"])


@at_least(40, deadline=None)
@given(case=pool_cases())
def test_max_pool1d_matches_torch(case):
    """F.max_pool1d as minitorch runs it: max_pool2d over an image of height 1."""
    L, k, s, p, d = case["w"]
    x = _input(case, (case["n"], case["c"], L))
    y, idx = max_pool2d(x[:, :, None], (1, k), (1, s), (0, p), (1, d), case["ceil_mode"])
    assume(bool(((idx >= 0) & (idx < L)).all()))  # as in the 2d test

    def torch_pool(xt):
        return F.max_pool1d(xt, k, s, p, d, case["ceil_mode"])

    y_t, gy, (gx_t,) = torch_forward_and_grads(torch_pool, [x])
    _, idx_t = F.max_pool1d(torch.tensor(x), k, s, p, d, case["ceil_mode"], return_indices=True)
    assert_close(y[:, :, 0], y_t, case["dtype"])
    np.testing.assert_array_equal(idx[:, :, 0], idx_t.numpy())
    gx = max_pool2d_backward(gy[:, :, None], idx, (case["n"], case["c"], 1, L))
    assert_close(gx[:, :, 0], gx_t, case["dtype"])


@at_least(80, deadline=None)
@given(case=pool_cases(max_dilation=1), count_include_pad=st.booleans(),
       divisor_override=st.sampled_from([None, 1, 3, 7]))
def test_avg_pool2d_matches_torch(case, count_include_pad, divisor_override):
    (H, W), kernel, stride, padding, _ = _pool_args(case)
    case["data"] = "normal"
    x = _input(case, (case["n"], case["c"], H, W))
    options = (case["ceil_mode"], count_include_pad, divisor_override)

    def torch_pool(xt):
        return F.avg_pool2d(xt, kernel, stride, padding, *options)

    y_t, gy, (gx_t,) = torch_forward_and_grads(torch_pool, [x])
    assert_close(avg_pool2d(x, kernel, stride, padding, *options), y_t, case["dtype"])
    assert_close(avg_pool2d_backward(gy, x.shape, kernel, stride, padding, *options), gx_t,
                 case["dtype"])


@at_least(40, deadline=None)
@given(case=pool_cases(max_dilation=1), count_include_pad=st.booleans())
def test_avg_pool1d_matches_torch(case, count_include_pad):
    """F.avg_pool1d as minitorch runs it: avg_pool2d over an image of height 1."""
    L, k, s, p, _ = case["w"]
    case["data"] = "normal"
    x = _input(case, (case["n"], case["c"], L))
    options = (case["ceil_mode"], count_include_pad, None)

    def torch_pool(xt):
        return F.avg_pool1d(xt, k, s, p, *options[:2])

    y_t, gy, (gx_t,) = torch_forward_and_grads(torch_pool, [x])
    assert_close(avg_pool2d(x[:, :, None], (1, k), (1, s), (0, p), *options)[:, :, 0], y_t, case["dtype"])
    gx = avg_pool2d_backward(gy[:, :, None], (case["n"], case["c"], 1, L), (1, k), (1, s), (0, p), *options)
    assert_close(gx[:, :, 0], gx_t, case["dtype"])


@st.composite
def adaptive_cases(draw):
    """Input sizes 1..10, output sizes 1..input+2 (adaptive windows may overlap or repeat)."""
    h, w = draw(st.integers(1, 10)), draw(st.integers(1, 10))
    return {
        "n": draw(st.integers(1, 2)), "c": draw(st.integers(1, 3)), "hw": (h, w),
        "out": (draw(st.integers(1, h + 2)), draw(st.integers(1, w + 2))),
        "contiguous": draw(st.booleans()), "dtype": draw(st.sampled_from(DTYPES)),
        "data": draw(st.sampled_from(["normal", "ties", "nan"])), "seed": draw(st.integers(0, 2**16)),
    }


@at_least(60, deadline=None)
@given(case=adaptive_cases())
def test_adaptive_max_pool2d_matches_torch(case):
    x = _input(case, (case["n"], case["c"]) + case["hw"])
    y_t, gy, (gx_t,) = torch_forward_and_grads(lambda xt: F.adaptive_max_pool2d(xt, case["out"]),
                                               [x])
    _, idx_t = F.adaptive_max_pool2d(torch.tensor(x), case["out"], return_indices=True)
    y, idx = adaptive_max_pool2d(x, case["out"])
    assert_close(y, y_t, case["dtype"])
    np.testing.assert_array_equal(idx, idx_t.numpy())
    assert_close(max_pool2d_backward(gy, idx, x.shape), gx_t, case["dtype"])


@at_least(60, deadline=None)
@given(case=adaptive_cases())
def test_adaptive_avg_pool2d_matches_torch(case):
    case["data"] = "normal"
    x = _input(case, (case["n"], case["c"]) + case["hw"])
    y_t, gy, (gx_t,) = torch_forward_and_grads(lambda xt: F.adaptive_avg_pool2d(xt, case["out"]),
                                               [x])
    assert_close(adaptive_avg_pool2d(x, case["out"]), y_t, case["dtype"])
    assert_close(adaptive_avg_pool2d_backward(gy, x.shape), gx_t, case["dtype"])


def test_adaptive_avg_pool2d_of_its_own_size():
    """Output size = input size (a 1x1 map pooled to 1x1) takes the one-pass path: torch's values
    (-0.0 pools to 0.0, NaN stays), a C-contiguous result from a non-contiguous input."""
    x = np.array([-0.0, np.nan, 2.5, -1.0, 3.0, 0.5], dtype=np.float32).reshape(1, 2, 3, 1).transpose(0, 1, 3, 2)
    y = adaptive_avg_pool2d(x, (1, 3))
    y_t = F.adaptive_avg_pool2d(torch.tensor(x), (1, 3)).numpy()
    np.testing.assert_array_equal(y, y_t)
    np.testing.assert_array_equal(np.signbit(y), np.signbit(y_t))
    assert y.flags.c_contiguous
    np.testing.assert_array_equal(adaptive_avg_pool2d_backward(x, x.shape), x + np.float32(0))


def test_max_pool2d_all_nan_and_all_minus_inf_windows():
    """An all -inf window keeps its first position; a NaN anywhere is the maximum."""
    x = np.full((1, 1, 4, 4), -np.inf)
    x[0, 0, 2, 3] = np.nan
    x[0, 0, 3, 2] = np.nan
    y_t, idx_t = F.max_pool2d(torch.tensor(x), 2, return_indices=True)
    y, idx = max_pool2d(x, (2, 2), (2, 2), (0, 0), (1, 1), False)
    np.testing.assert_array_equal(y, y_t.numpy())
    np.testing.assert_array_equal(idx, idx_t.numpy())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("stride, padding, ceil_mode", [
    (2, 0, False), (2, 0, True), (2, 1, False), (2, 1, True), (1, 1, False), (1, 0, False), (3, 1, True)])
@pytest.mark.parametrize("data", ["normal", "ties", "nan", "minus_inf_and_nan"])
def test_max_pool2d_3x3_matches_torch(stride, padding, ceil_mode, data, dtype):
    """The 3x3 window's written-out taps (AlexNet's, NiN's, the stems' pools): the same maxima and
    indices as torch's row-by-row scan, ties and NaNs included, on planes from 3x3 (one window)
    to 15x15 (AlexNet's first pool), odd and even sides, windows inside and in the padding."""
    rng = np.random.default_rng(stride * 10 + padding)
    for H, W in [(3, 3), (4, 5), (7, 7), (8, 6), (15, 15), (2, 9)]:
        if H + 2 * padding < 3 or W + 2 * padding < 3:
            continue
        x = rng.standard_normal((2, 3, H, W)).astype(dtype)
        if data == "ties":
            x = np.round(x)
        elif data == "nan":
            x[rng.random(x.shape) < 0.2] = np.nan
        elif data == "minus_inf_and_nan":
            x[...] = -np.inf
            x[rng.random(x.shape) < 0.1] = np.nan
        y_t, idx_t = F.max_pool2d(torch.tensor(x), 3, stride, padding, ceil_mode=ceil_mode, return_indices=True)
        y, idx = max_pool2d(x, (3, 3), (stride, stride), (padding, padding), (1, 1), ceil_mode)
        np.testing.assert_array_equal(y, y_t.numpy())
        np.testing.assert_array_equal(idx, idx_t.numpy())


def test_max_pool2d_window_wholly_in_padding_gets_no_gradient():
    """H=1, k=2, p=1, d=2: the only row window taps rows -1 and 1, neither of them real.

    PyTorch's index then points past the plane; the backward must not write there.
    """
    x = np.arange(6.0).reshape(1, 1, 1, 6)
    y, idx = max_pool2d(x, (2, 2), (1, 1), (1, 1), (2, 2), False)
    _, idx_t = F.max_pool2d(torch.tensor(x), 2, 1, 1, 2, return_indices=True)
    np.testing.assert_array_equal(idx, idx_t.numpy())
    gx = max_pool2d_backward(np.ones_like(y), idx, x.shape)
    np.testing.assert_array_equal(gx, np.zeros_like(x))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, kernel, ceil_mode, divisor_override", [
    ((3, 6, 28, 28), (2, 2), False, None),  # LeNet's AvgPool2d(2)
    ((2, 3, 7, 9), (2, 2), False, None),  # a row and a column past the last window: zeros
    ((2, 3, 7, 9), (2, 2), True, None),  # ceil_mode: a partial window, the general loop
    ((2, 2, 9, 8), (3, 2), False, 5),  # divisor_override
    ((1, 1, 1, 1), (1, 1), False, None),
])
def test_avg_pool2d_of_non_overlapping_windows(shape, kernel, ceil_mode, divisor_override, dtype):
    """stride == kernel, no padding: window sums row by row, the gradient written tile by tile,
    once; the same bits as torch's."""
    x = random_array(np.random.default_rng(0), shape, dtype)
    options = (ceil_mode, True, divisor_override)
    y_t, gy, (gx_t,) = torch_forward_and_grads(lambda xt: F.avg_pool2d(xt, kernel, kernel, 0, *options), [x])
    np.testing.assert_array_equal(avg_pool2d(x, kernel, kernel, (0, 0), *options), y_t.detach().numpy())
    np.testing.assert_array_equal(avg_pool2d_backward(gy, shape, kernel, kernel, (0, 0), *options), gx_t.numpy())
