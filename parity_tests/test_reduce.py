"""Reductions, scans and sorting against PyTorch: values, dtypes, shapes, first and second gradients.

Each test draws a shape (0-d, size-0 and size-1 dims included), a dim (int, negative, tuple or
None) and keepdim, runs the same op in minitorch and torch, and compares the result and (in
float64) the gradient of ``sum(w * y)`` and the gradient of ``sum(u * dx)`` (second order, through
``autograd.grad(..., create_graph=True)``). Ties are drawn on purpose (values from a few integers)
where the tie rule is part of the contract: max/amax/median split or pick like PyTorch.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from harness.strategies import at_least
from hypothesis import given
from hypothesis import strategies as st

import minitorch

SETTINGS = at_least(15, deadline=None)


# ----------------------------------------------------------------------------- strategies
@st.composite
def shapes(draw, min_dims=0, max_dims=3, min_side=0, max_side=4):
    return tuple(draw(st.lists(st.integers(min_side, max_side), min_size=min_dims, max_size=max_dims)))


@st.composite
def arrays(draw, shape, dtype="float64", ties=False):
    n = math.prod(shape)
    if dtype == "bool":
        vals = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    elif ties or not dtype.startswith("float"):  # integers always may tie (see has_ties)
        vals = draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n))
    else:  # distinct values, so the gradient of order statistics is well defined
        vals = list(np.random.default_rng(draw(st.integers(0, 2**16))).permutation(max(n, 1))[:n] * 0.37 - 1.1)
    return np.array(vals, dtype=dtype).reshape(shape)


def has_ties(dtype: str, ties: bool) -> bool:
    """Whether ``arrays(shape, dtype, ties)`` may hold equal values: only distinct floats don't."""
    return ties or not dtype.startswith("float")


@st.composite
def dims(draw, ndim, allow_tuple=True, allow_none=True):
    n = max(ndim, 1)
    choices = [st.integers(-n, n - 1)]
    if allow_none:
        choices.append(st.none())
    if allow_tuple and ndim > 0:
        choices.append(st.lists(st.integers(0, ndim - 1), unique=True, min_size=1, max_size=ndim)
                       .map(lambda ds: tuple(d - ndim if i % 2 else d for i, d in enumerate(ds))))
    return draw(st.one_of(*choices))


# ----------------------------------------------------------------------------- comparison
def _flat(y):
    return list(y) if isinstance(y, tuple) else [y]


def assert_same(ym, yt, rtol=1e-6, atol=1e-7):
    if isinstance(yt, torch.Tensor):
        assert isinstance(ym, minitorch.Tensor), type(ym)
        assert str(ym.dtype) == str(yt.dtype), (ym.dtype, yt.dtype)
        assert tuple(ym.shape) == tuple(yt.shape), (ym.shape, yt.shape)
        np.testing.assert_allclose(ym.detach().numpy().astype(np.float64), yt.detach().numpy(force=True).astype(np.float64),
                                   rtol=rtol, atol=atol, equal_nan=True)
    else:
        assert type(ym).__name__ == type(yt).__name__, (type(ym), type(yt))
        assert len(ym) == len(yt)
        for a, b in zip(ym, yt):
            assert_same(a, b, rtol, atol)


def check(fn, x: np.ndarray, grad=True, second=True, only=None):
    """Run ``fn(lib, x)`` in both libraries; compare results, gradients and second gradients.

    ``only``: which outputs to compare (e.g. ``[0]`` to skip indices that depend on tie order)."""
    grad = grad and x.dtype == np.float64  # gradients are compared in float64 only
    xm = minitorch.tensor(x, requires_grad=grad)
    xt = torch.tensor(x, requires_grad=grad)
    ym, yt = fn(minitorch, xm), fn(torch, xt)
    if only is not None:
        ym, yt = [_flat(ym)[i] for i in only], [_flat(yt)[i] for i in only]
        ym, yt = ym[0] if len(ym) == 1 else tuple(ym), yt[0] if len(yt) == 1 else tuple(yt)
    assert_same(ym, yt)
    if not grad:
        return
    ym, yt = _flat(ym)[0], _flat(yt)[0]
    if not yt.requires_grad or yt.numel() == 0:
        return
    w = np.linspace(0.5, 1.5, yt.numel()).reshape(tuple(yt.shape))
    (gm,) = minitorch.autograd.grad((ym * minitorch.tensor(w)).sum(), xm, create_graph=True)
    (gt,) = torch.autograd.grad((yt * torch.tensor(w)).sum(), xt, create_graph=True)
    assert_same(gm, gt, rtol=1e-5, atol=1e-8)
    if not second or not gt.requires_grad:
        return
    u = np.linspace(-1.0, 1.0, x.size).reshape(x.shape)
    (ggt,) = torch.autograd.grad((gt * torch.tensor(u)).sum(), xt, allow_unused=True)
    if ggt is None:
        ggt = torch.zeros_like(xt)
    if not gm.requires_grad:  # the gradient is constant in x: torch's must be 0 too
        assert not ggt.abs().sum().item()
        return
    (ggm,) = minitorch.autograd.grad((gm * minitorch.tensor(u)).sum(), xm, allow_unused=True)
    ggm = minitorch.zeros_like(xm) if ggm is None else ggm
    assert_same(ggm, ggt, rtol=1e-5, atol=1e-8)


def errors_alike(fn):
    """Both libraries raise the same exception type with the same message."""
    with pytest.raises(Exception) as et:
        fn(torch)
    with pytest.raises(Exception) as em:
        fn(minitorch)
    assert type(em.value) is type(et.value) and str(em.value) == str(et.value), (em.value, et.value)


DTYPES = st.sampled_from(["float64", "float32", "int64", "int32", "bool"])


# ----------------------------------------------------------------------------- sums and products
@SETTINGS
@given(st.data(), DTYPES)
def test_sum_mean_prod(data, dtype):
    shape = data.draw(shapes())
    x = data.draw(arrays(shape, dtype))
    dim = data.draw(dims(len(shape)))
    keepdim = data.draw(st.booleans())
    grad = dtype.startswith("float")
    check(lambda lib, t: lib.sum(t, dim, keepdim) if dim is not None else lib.sum(t), x, grad)
    if grad:
        check(lambda lib, t: t.mean(dim, keepdim) if dim is not None else t.mean(), x)
    d = data.draw(st.integers(-max(len(shape), 1), max(len(shape), 1) - 1))
    check(lambda lib, t: lib.prod(t), x, grad)
    check(lambda lib, t: t.prod(d, keepdim), x, grad)


@SETTINGS
@given(st.data())
def test_prod_gradient_with_zeros(data):
    shape = data.draw(shapes(min_dims=1))
    x = data.draw(arrays(shape, "float64", ties=True))  # many zeros among -3..3
    d = data.draw(st.integers(-len(shape), len(shape) - 1))
    check(lambda lib, t: t.prod(d), x, second=False)
    check(lambda lib, t: t.prod(), x, second=False)
    x[x == 0] = 0.5  # second derivatives where no zero is around
    check(lambda lib, t: t.prod(d, True), x)


@SETTINGS
@given(st.data(), DTYPES)
def test_cumsum_cumprod(data, dtype):
    shape = data.draw(shapes())
    x = data.draw(arrays(shape, dtype, ties=True))
    d = data.draw(st.integers(-max(len(shape), 1), max(len(shape), 1) - 1))
    grad = dtype.startswith("float")
    check(lambda lib, t: t.cumsum(d), x, grad)
    check(lambda lib, t: lib.cumprod(t, d), x, grad, second=not (x == 0).any())
    check(lambda lib, t: lib.cumsum(t, d, dtype=lib.float64), x, grad)


# ----------------------------------------------------------------------------- extrema
@SETTINGS
@given(st.data(), DTYPES)
def test_amax_amin_max_min_with_ties(data, dtype):
    shape = data.draw(shapes(min_side=1))
    x = data.draw(arrays(shape, dtype, ties=True))
    dim = data.draw(dims(len(shape)))
    keepdim = data.draw(st.booleans())
    grad = dtype.startswith("float")
    adim = () if dim is None else dim
    check(lambda lib, t: lib.amax(t, adim, keepdim), x, grad)
    check(lambda lib, t: t.amin(adim, keepdim), x, grad)
    check(lambda lib, t: t.max(), x, grad)
    check(lambda lib, t: lib.min(t), x, grad)
    d = data.draw(st.integers(-max(len(shape), 1), max(len(shape), 1) - 1))
    check(lambda lib, t: lib.max(t, d, keepdim), x, grad)  # first occurrence, as PyTorch's CPU kernel
    check(lambda lib, t: t.min(dim=d, keepdim=keepdim), x, grad)
    if dtype != "bool":
        check(lambda lib, t: t.argmax(), x, False)
        check(lambda lib, t: lib.argmin(t, d, keepdim), x, False)
    check(lambda lib, t: lib.max(t, lib.zeros_like(t)), x, grad)


def test_max_repr_and_fields():
    x = [[1.0, 5.0], [3.0, 2.0]]
    rm, rt = minitorch.tensor(x).max(1), torch.tensor(x).max(1)
    assert repr(rm) == repr(rt)
    values, indices = rm
    assert values is rm.values and indices is rm.indices and isinstance(rm, tuple)


# ----------------------------------------------------------------------------- statistics and norms
@SETTINGS
@given(st.data(), st.sampled_from(["float64", "float32"]))
def test_var_std_logsumexp(data, dtype):
    shape = data.draw(shapes(min_side=1))
    x = data.draw(arrays(shape, dtype))
    dim = data.draw(dims(len(shape)))
    keepdim = data.draw(st.booleans())
    correction = data.draw(st.sampled_from([0, 1]))
    reduced = range(len(shape)) if dim is None or not shape else [d % len(shape) for d in (dim if isinstance(dim, tuple) else [dim])]
    n = math.prod(shape[d] for d in reduced) if shape else 1
    if n - correction <= 0:
        return  # PyTorch warns and returns inf/nan; not a parity case
    check(lambda lib, t: lib.var(t, dim, keepdim=keepdim, correction=correction), x)
    check(lambda lib, t: t.std(dim, unbiased=bool(correction), keepdim=keepdim), x, second=False)  # same core bug
    # second order off for std and logsumexp: double backward through exp/sqrt (an op that saves its output) is wrong in core
    # autograd today (d2/dx2 of log(exp(x)) gives -1); re-enable once that is fixed
    # all dims spelled out: torch.logsumexp(t, ()) raises "output with shape [] doesn't match the
    # broadcast shape [1]" for some shapes (found by the thorough profile)
    every = tuple(range(len(shape)))
    check(lambda lib, t: lib.logsumexp(t, every if dim is None else dim, keepdim), x, second=False)


@SETTINGS
@given(st.data(), st.sampled_from(["fro", 1, 2, 3.0, float("inf"), -math.inf, 0]))
def test_norm(data, p):
    shape = data.draw(shapes(min_side=1))
    x = data.draw(arrays(shape, "float64"))
    dim = data.draw(dims(len(shape)))
    keepdim = data.draw(st.booleans())
    if p == "fro" and isinstance(dim, tuple) and len(dim) > 2:  # torch: a matrix norm, which fails
        errors_alike(lambda lib: lib.tensor(x).norm(p, dim, keepdim))
        return
    check(lambda lib, t: t.norm(p, dim, keepdim), x, grad=p != 0)  # torch's p=0 gradient is an unused ZeroTensor


def test_prod_second_gradient_with_two_zeros():
    # d2 prod / dx_i dx_j at two zeros is the product of the rest, not 0 (found by the thorough
    # profile: test_ops' prod on [0., 0.])
    check(lambda lib, t: t.prod(), np.zeros(2))
    check(lambda lib, t: t.prod(), np.array([0.0, 2.0, 0.0, 3.0]))
    check(lambda lib, t: t.prod(0), np.array([[0.0, 1.0], [0.0, 0.0], [2.0, 0.0]]))
    check(lambda lib, t: t.prod(1, keepdim=True), np.array([[0.0, 0.0, 0.0], [0.0, 5.0, 0.0]]))


def test_norm_fro_over_three_dims_raises_like_torch():
    # minitorch returned the 2-norm (found by the thorough profile)
    errors_alike(lambda lib: lib.ones(1, 1, 1).norm("fro", (0, -2, 2)))
    errors_alike(lambda lib: lib.norm(lib.ones(2, 1, 3), "fro", [0, 1, 2], True))


def test_norm_gradient_at_zero_is_zero():
    check(lambda lib, t: t.norm(), np.zeros(3), second=False)
    check(lambda lib, t: t.std(0, correction=0), np.ones((1, 3)))


# ----------------------------------------------------------------------------- logic and counting
@SETTINGS
@given(st.data(), DTYPES)
def test_all_any_count_nonzero(data, dtype):
    shape = data.draw(shapes())
    x = data.draw(arrays(shape, dtype, ties=True))
    dim = data.draw(dims(len(shape)))
    keepdim = data.draw(st.booleans())
    check(lambda lib, t: lib.all(t, dim, keepdim) if dim is not None else t.all(), x, False)
    check(lambda lib, t: t.any(dim, keepdim) if dim is not None else lib.any(t), x, False)
    check(lambda lib, t: lib.count_nonzero(t, dim), x, False)
    check(lambda lib, t: lib.all(t.to(lib.uint8)), x.astype(np.uint8) if dtype == "bool" else np.abs(x).astype(np.uint8), False)


@SETTINGS
@given(st.lists(st.integers(0, 6), max_size=8), st.integers(0, 9), st.sampled_from([None, "float32", "float64", "int64"]))
def test_bincount(values, minlength, wdtype):
    x = np.array(values, dtype=np.int64)
    w = np.linspace(0.0, 2.0, len(values)).astype(wdtype) if wdtype else None
    check(lambda lib, t: lib.bincount(t, None if w is None else lib.tensor(w), minlength), x, False)


# ----------------------------------------------------------------------------- sorting and selection
@SETTINGS
@given(st.data(), DTYPES, st.booleans())
def test_sort_argsort_topk(data, dtype, ties):
    shape = data.draw(shapes())
    x = data.draw(arrays(shape, dtype, ties=ties))
    d = data.draw(st.integers(-max(len(shape), 1), max(len(shape), 1) - 1))
    descending = data.draw(st.booleans())
    grad = dtype.startswith("float")
    check(lambda lib, t: lib.sort(t, dim=d, descending=descending, stable=True), x, grad)
    check(lambda lib, t: t.sort(dim=d, descending=descending), x, grad)  # PyTorch's CPU sort is stable
    check(lambda lib, t: lib.argsort(t, dim=d, descending=descending, stable=True), x, False)
    size = shape[d] if shape else 1
    k = data.draw(st.integers(0, size))
    largest = data.draw(st.booleans())
    if dtype != "bool":  # PyTorch: "topk does not support bool dtypes on CPU"
        # which of equal elements topk reports is PyTorch's implementation detail (int64 draws tie
        # with ties=False too: topk(tensor([0, 0, 0, 0]), 1) is index 2; thorough profile)
        tied = has_ties(dtype, ties)
        check(lambda lib, t: lib.topk(t, k, d, largest), x, grad and not tied, only=[0] if tied else None)


@SETTINGS
@given(st.data(), st.sampled_from(["float64", "int64"]), st.booleans())
def test_median_mode_kthvalue(data, dtype, ties):
    shape = data.draw(shapes(min_side=1))
    x = data.draw(arrays(shape, dtype, ties=ties))
    d = data.draw(st.integers(-max(len(shape), 1), max(len(shape), 1) - 1))
    keepdim = data.draw(st.booleans())
    grad = dtype == "float64"
    check(lambda lib, t: t.median(), x, grad)  # the gradient is split among ties
    # which of equal elements is reported is PyTorch's implementation detail, and so is where the
    # gradient goes (kthvalue(tensor([0., 0., 0.]), 1) is index 1 in torch; thorough profile)
    tied = has_ties(dtype, ties)
    only = [0] if tied else None
    check(lambda lib, t: lib.median(t, d, keepdim), x, grad and not tied, only=only)
    check(lambda lib, t: lib.mode(t, d, keepdim), x, grad)  # the last occurrence, as PyTorch's CPU kernel
    k = data.draw(st.integers(1, shape[d] if shape else 1))
    check(lambda lib, t: t.kthvalue(k, d, keepdim), x, grad and not tied, only=only)


@SETTINGS
@given(st.data(), st.sampled_from(["float64", "int64", "bool"]))
def test_unique(data, dtype):
    shape = data.draw(shapes())
    x = data.draw(arrays(shape, dtype, ties=True))
    check(lambda lib, t: lib.unique(t), x, False)
    check(lambda lib, t: t.unique(return_inverse=True, return_counts=True), x, False)
    if len(shape) > 0 and 0 not in shape:
        d = data.draw(st.integers(0, len(shape) - 1))
        check(lambda lib, t: lib.unique(t, return_counts=True, dim=d), x, False)


# ----------------------------------------------------------------------------- dtypes and errors
def test_integer_accumulation_dtypes():
    for dt in ("int32", "int8", "uint8", "bool"):
        x = np.array([[1, 0, 1], [1, 1, 0]], dtype=dt)
        check(lambda lib, t: t.sum(), x, False)
        check(lambda lib, t: t.prod(1), x, False)
        check(lambda lib, t: t.cumsum(0), x, False)
        check(lambda lib, t: t.cumprod(1), x, False)
        check(lambda lib, t: t.max(0), x, False)


ERRORS = {
    "bad dim": lambda lib: lib.ones(2, 3).sum(2),
    "bad max dim": lambda lib: lib.ones(2, 3).max(-3),
    "mean of int": lambda lib: lib.tensor([1, 2]).mean(),
    "var of int": lambda lib: lib.tensor([1, 2]).var(),
    "norm of int": lambda lib: lib.tensor([1, 2]).norm(),
    "max of empty": lambda lib: lib.zeros(0).max(),
    "amax of empty": lambda lib: lib.zeros(0).amax(),
    "amax over empty dim": lambda lib: lib.zeros(0, 3).amax(0),
    "max over empty dim": lambda lib: lib.zeros(0, 3).max(0),
    "argmax of empty": lambda lib: lib.zeros(0).argmax(),
    "argmax of bool": lambda lib: lib.tensor([True]).argmax(),
    "median over empty dim": lambda lib: lib.zeros(0, 3).median(0),
    "mode over empty dim": lambda lib: lib.zeros(0).mode(),
    "repeated dim": lambda lib: lib.ones(2, 3).amax((0, 0)),
    "topk k too large": lambda lib: lib.ones(3).topk(4),
    "kthvalue k = 0": lambda lib: lib.ones(3).kthvalue(0),
    "bincount negative": lambda lib: lib.bincount(lib.tensor([1, -1])),
    "bincount 2-d": lambda lib: lib.bincount(lib.tensor([[1]])),
    "aminmax of empty": lambda lib: lib.zeros(0).aminmax(),
    "inf norm of empty": lambda lib: lib.zeros(0).norm(float("inf")),
    "sum_to_size not expandable": lambda lib: lib.ones(2, 3).sum_to_size(4),
    "sum_to_size more dims": lambda lib: lib.ones(2, 3).sum_to_size(1, 2, 3),
    "sum_to_size negative": lambda lib: lib.ones(2, 3).sum_to_size((3, -1)),
    "sum_to_size no size": lambda lib: lib.ones(2, 3).sum_to_size(),
    "sum_to_size int size=": lambda lib: lib.ones(2, 3).sum_to_size(size=3),
    "sum_to_size size twice": lambda lib: lib.ones(2, 3).sum_to_size(3, size=(3,)),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors(case):
    errors_alike(ERRORS[case])


def test_empty_reductions():
    for fn in (lambda lib, t: t.sum(), lambda lib, t: t.prod(), lambda lib, t: t.sum(0),
               lambda lib, t: t.max(1), lambda lib, t: t.amax(1), lambda lib, t: t.logsumexp(0),
               lambda lib, t: t.all(), lambda lib, t: t.any(0), lambda lib, t: t.median(),
               lambda lib, t: t.cumsum(0), lambda lib, t: t.sort(0), lambda lib, t: t.norm()):
        check(fn, np.zeros((0, 3)), second=False)


def test_grad_fn_names():
    x = minitorch.tensor([1.0, 3.0, 2.0], requires_grad=True)
    xt = torch.tensor([1.0, 3.0, 2.0], requires_grad=True)
    for fn in (lambda t: t.max(), lambda t: t.max(0)[0], lambda t: t.amax(), lambda t: t.prod(),
               lambda t: t.prod(0), lambda t: t.sort()[0], lambda t: t.topk(2)[0], lambda t: t.median(),
               lambda t: t.median(0)[0], lambda t: t.mode()[0], lambda t: t.kthvalue(1)[0],
               lambda t: t.cumsum(0), lambda t: t.cumprod(0), lambda t: t.norm(), lambda t: t.std()):
        assert fn(x).grad_fn.name() == fn(xt).grad_fn.name()


def test_sum_to_size_identity_and_grad_fn():
    """The same shape returns the tensor itself (a 0-d size never does: that is a new ``sum()``);
    the graph nodes are PyTorch's (a view after dropping leading dims, a keepdim sum otherwise)."""
    for shape, size in [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 3), (2, 1)), ((2, 3), ()), ((), ()),
                        ((4, 1, 3), (1, 3)), ((0, 3), (1, 3))]:
        values = np.arange(math.prod(shape), dtype="float64").reshape(shape)
        x = minitorch.tensor(values, requires_grad=True)
        xt = torch.tensor(values, requires_grad=True)
        y, yt = x.sum_to_size(size), xt.sum_to_size(size)
        assert (y is x) == (yt is xt), (shape, size)
        assert (y.grad_fn and y.grad_fn.name()) == (yt.grad_fn and yt.grad_fn.name()), (shape, size)
        np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_and_log_softmax_functions_and_methods(name, dim):
    """torch.softmax / torch.log_softmax and the Tensor methods: values, gradients (float64),
    dtype= and the grad_fn name (log_softmax is one primitive, LogSoftmaxBackward0, as in torch)."""
    x = np.random.default_rng(dim + 3).standard_normal((3, 4))
    w = np.random.default_rng(7).standard_normal((3, 4))
    results = []
    for lib in (minitorch, torch):
        t = lib.tensor(x, requires_grad=True)
        y_fn = getattr(lib, name)(t, dim)
        y_method = getattr(t, name)(dim=dim)
        (y_fn * lib.tensor(w)).sum().backward()
        low = getattr(lib, name)(t.detach().float(), dim, dtype=lib.float64)
        results.append((y_fn.detach().numpy(), y_method.detach().numpy(), t.grad.numpy(), str(low.dtype),
                        y_fn.grad_fn.name() if name == "log_softmax" else None))
    ours, ref = results
    for a, b in zip(ours[:3], ref[:3]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    assert ours[3:] == ref[3:]


def test_softmax_of_integers_raises_like_torch():
    for name in ("softmax", "log_softmax"):
        with pytest.raises(NotImplementedError):
            getattr(torch, name)(torch.tensor([1, 2]), 0)
        with pytest.raises(NotImplementedError):
            getattr(minitorch, name)(minitorch.tensor([1, 2]), 0)
