"""``autograd.gradcheck``/``gradgradcheck``: minitorch's gradients agree with finite differences.

Every op below is checked in float64 with PyTorch's defaults, first and second derivatives; the
checker itself is checked against torch's on a deliberately wrong ``autograd.Function``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import minitorch
from minitorch.autograd.gradcheck import GradcheckError

rng = np.random.default_rng(0)


def inputs(*shapes, low=-2.0, high=2.0):
    return tuple(minitorch.tensor(rng.uniform(low, high, s), dtype=minitorch.float64, requires_grad=True)
                 for s in shapes)


POSITIVE = {"low": 0.3, "high": 2.0}
UNIT = {"low": -0.9, "high": 0.9}

# name -> (function, input shapes, input domain)
CASES = {
    "neg": (lambda x: -x, [(3, 2)], {}),
    "exp": (lambda x: x.exp(), [(3, 2)], {}),
    "log": (lambda x: x.log(), [(3, 2)], POSITIVE),
    "sqrt": (lambda x: x.sqrt(), [(4,)], POSITIVE),
    "rsqrt": (lambda x: x.rsqrt(), [(4,)], POSITIVE),
    "sin": (lambda x: x.sin(), [(4,)], {}),
    "cos": (lambda x: x.cos(), [(4,)], {}),
    "tan": (lambda x: x.tan(), [(4,)], UNIT),
    "tanh": (lambda x: x.tanh(), [(4,)], {}),
    "sigmoid": (lambda x: x.sigmoid(), [(4,)], {}),
    "asin": (lambda x: x.asin(), [(4,)], UNIT),
    "atan": (lambda x: x.atan(), [(4,)], {}),
    "reciprocal": (lambda x: x.reciprocal(), [(4,)], POSITIVE),
    "abs (away from 0)": (lambda x: x.abs(), [(4,)], POSITIVE),
    "pow scalar": (lambda x: x ** 3, [(4,)], {}),
    "pow tensor": (lambda x, y: x ** y, [(3,), (3,)], POSITIVE),
    "add broadcast": (lambda x, y: x + y, [(2, 3), (3,)], {}),
    "sub alpha": (lambda x, y: minitorch.sub(x, y, alpha=2), [(2, 3), (2, 1)], {}),
    "mul broadcast": (lambda x, y: x * y, [(2, 1, 3), (4, 1)], {}),
    "div": (lambda x, y: x / y, [(2, 3), (3,)], POSITIVE),
    "maximum": (lambda x, y: minitorch.maximum(x, y), [(5,), (5,)], {}),
    "where": (lambda x, y: minitorch.where(x > 0, x, y), [(5,), (5,)], {}),
    "sum": (lambda x: x.sum(), [(3, 4)], {}),
    "sum dim keepdim": (lambda x: x.sum(dim=1, keepdim=True), [(3, 4)], {}),
    "sum dims": (lambda x: x.sum(dim=(0, 2)), [(2, 3, 2)], {}),
    "mean": (lambda x: x.mean(), [(3, 4)], {}),
    "mean dim": (lambda x: x.mean(dim=0), [(3, 4)], {}),
    "matmul": (lambda a, b: a @ b, [(2, 3), (3, 4)], {}),
    "matmul batched broadcast": (lambda a, b: a @ b, [(2, 2, 3), (3, 2)], {}),
    "matvec": (lambda a, b: a @ b, [(2, 3), (3,)], {}),
    "view": (lambda x: x.view(6, 2) * 1, [(3, 4)], {}),
    "reshape of transpose": (lambda x: x.t().reshape(12), [(3, 4)], {}),
    "permute": (lambda x: x.permute(2, 0, 1), [(2, 3, 2)], {}),
    "expand": (lambda x: x.expand(3, 2, 4), [(2, 1)], {}),
    "squeeze/unsqueeze": (lambda x: x.unsqueeze(1).squeeze(0), [(1, 3)], {}),
    "select and slice": (lambda x: x[1, ::2], [(3, 5)], {}),
    "narrow": (lambda x: x.narrow(1, 1, 2), [(3, 4)], {}),
    "diagonal": (lambda x: x.diagonal(offset=1), [(3, 4)], {}),
    "unfold (overlapping)": (lambda x: x.unfold(0, 3, 1), [(5,)], {}),
    "advanced indexing": (lambda x: x[minitorch.tensor([0, 2, 0])], [(3, 2)], {}),
    "boolean mask": (lambda x: x[x > 0], [(3, 2)], {}),
    "setitem on a clone": (lambda x, y: _setitem(x, y), [(3, 2), (2,)], {}),
    "in-place chain": (lambda x, y: _inplace_chain(x, y), [(3,), (3,)], POSITIVE),
    "composite": (lambda x, w, b: ((x @ w + b).tanh() ** 2).mean(dim=0), [(4, 3), (3, 2), (2,)], {}),
}


def _setitem(x, y):
    z = x.clone()
    z[1] = y
    z[:, 0] *= 2
    return z


def _inplace_chain(x, y):
    z = x * 1
    z.mul_(y)
    z.add_(x)
    z.exp_()
    return z


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck(name):
    fn, shapes, domain = CASES[name]
    args = inputs(*shapes, **domain)
    assert minitorch.autograd.gradcheck(fn, args)
    assert minitorch.autograd.gradcheck(fn, args, fast_mode=True)


@pytest.mark.parametrize("name", sorted(n for n in CASES if n not in ("maximum", "boolean mask")))
def test_gradgradcheck(name):
    fn, shapes, domain = CASES[name]
    args = inputs(*shapes, **domain)
    assert minitorch.autograd.gradgradcheck(fn, args)


def wrong_function(lib):
    class Double(lib.autograd.Function):
        """y = 2x, with a wrong backward (3g)."""

        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3

    return Double


@pytest.mark.parametrize("fast_mode", [False, True])
def test_catches_wrong_backward_like_torch(fast_mode):
    results = []
    for lib in (torch, minitorch):
        x = lib.tensor([0.5, 1.0, 2.0], dtype=lib.float64, requires_grad=True)
        error = __import__(lib.__name__ + ".autograd.gradcheck", fromlist=["GradcheckError"]).GradcheckError
        with pytest.raises(error) as info:
            lib.autograd.gradcheck(wrong_function(lib).apply, (x,), fast_mode=fast_mode)
        assert isinstance(info.value, RuntimeError)
        results.append(str(info.value).split("\n")[0])
        assert lib.autograd.gradcheck(wrong_function(lib).apply, (x,), raise_exception=False,
                                      fast_mode=fast_mode) is False
    assert results[0] == results[1] == "Jacobian mismatch for output 0 with respect to input 0,"


def test_message_shows_both_jacobians():
    x = minitorch.tensor([0.5, 1.0], dtype=minitorch.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match=r"(?s)numerical:tensor\(\[\[2\..*analytical:tensor\(\[\[3\."):
        minitorch.autograd.gradcheck(wrong_function(minitorch).apply, (x,))


def test_names_the_mismatching_input():
    class WrongSecond(minitorch.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g, g  # right for a only when b == 1, wrong for b

    a = minitorch.tensor([1.0, 1.0], dtype=minitorch.float64, requires_grad=True)
    b = minitorch.tensor([1.0, 1.0], dtype=minitorch.float64, requires_grad=True) * 1
    b = b.detach().requires_grad_()
    a.data.mul_(3)
    with pytest.raises(GradcheckError, match="output 0 with respect to input 1"):
        minitorch.autograd.gradcheck(WrongSecond.apply, (a, b))


def test_wrong_second_derivative_caught():
    class CubeWrongGrad(minitorch.autograd.Function):
        """y = x^3 with a first derivative that is right but not differentiable correctly."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x.detach() ** 2  # detach: the second derivative is lost

    x = minitorch.tensor([0.5, 1.5], dtype=minitorch.float64, requires_grad=True)
    assert minitorch.autograd.gradcheck(CubeWrongGrad.apply, (x,))
    with pytest.raises(GradcheckError):
        minitorch.autograd.gradgradcheck(CubeWrongGrad.apply, (x,))


def test_warns_on_float32_like_torch():
    for lib in (torch, minitorch):
        x = lib.tensor([0.5, 1.0], requires_grad=True)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.autograd.gradcheck(lambda t: t * 2, (x,), atol=0.1, rtol=0.1)
        assert any("is not a double precision floating point" in str(i.message) and i.category is UserWarning
                   for i in w)


def test_rejects_overlapping_inputs_like_torch():
    for lib in (torch, minitorch):
        x = lib.tensor([0.5, 1.0], dtype=lib.float64, requires_grad=True).expand(3, 2)
        with pytest.raises(RuntimeError, match="has a dimension with stride 0"):
            lib.autograd.gradcheck(lambda t: t * 2, (x,))


def test_signature_matches_torch():
    import inspect

    for name in ("gradcheck", "gradgradcheck"):
        ours = inspect.signature(getattr(minitorch.autograd, name)).parameters
        theirs = inspect.signature(getattr(torch.autograd, name)).parameters
        assert list(ours) == list(theirs)
        assert {k: p.default for k, p in ours.items()} == {k: p.default for k, p in theirs.items()}
