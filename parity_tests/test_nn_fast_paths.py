"""Issue 17, less Python around the layers: the shortcuts keep PyTorch's semantics.

- ``F.conv1d``/``conv2d`` and the pooling functions skip their argument checks for arguments and
  shapes that passed them before (``nn/functional/_checked.py``): only exact ints, tuples of ints
  and strings reuse an entry, so a float, a bool or a new shape is still checked, with PyTorch's
  exception (a bool stride/padding/dilation/groups, or a non-bool ``ceil_mode``, is now PyTorch's
  TypeError: it used to pass as an int);
- a convolution's bias gradient is two sums on the arrays in an ordinary backward (``_ops/conv.py``,
  ``bias_grad``), Tensor ops under ``create_graph``;
- ``F.dropout`` draws its mask with ``bernoulli_`` on one new tensor (``torch.bernoulli`` made a second);
- ``cat`` compares the arrays' plain shape tuples (``_ops/shape/joins.py``): the same errors and
  legacy-empty rule as before, and the same gradients;
- ``F.linear`` with a 2-d input and a bias skips addmm's checks for the shapes and dtypes that
  passed them before (``nn/functional/conv.py: _ADDMM_CALLS``): the same node, values, gradients,
  and errors for any other shape or dtype.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minitorch as mt
import minitorch.nn.functional as F
from minitorch.nn.functional import conv as conv_module


def _outcome(lib, fn):
    try:
        y = fn(lib)
    except Exception as e:  # noqa: BLE001 - the exception type is what is compared
        return type(e).__name__
    return np.asarray(y.detach().tolist()).round(8).tolist()


def _conv_call(x, w, **kwargs):
    def call(lib):
        return lib.nn.functional.conv2d(lib.tensor(x), lib.tensor(w), **kwargs)

    return call


@pytest.mark.parametrize("kwargs", [
    {"stride": (1.0, 1.0)},       # equal to (1, 1) as a key, but a TypeError in PyTorch
    {"stride": 1.0},
    {"padding": (1.0, 1.0)},
    {"dilation": (True, True)},   # bool is an int to Python's ==, a TypeError to PyTorch's parser
    {"stride": [1, 1]},           # a list is fine (not stored, checked every time)
    {"padding": [1, 1]},
    {"groups": True},
    {"padding": (True, 1)},
    {"stride": True},
    {"padding": "same"},
    {"padding": "Same"},
    {"padding": -1},
    {"stride": (1, 1, 1)},
])
def test_conv_after_a_stored_geometry_as_torch(kwargs):
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((4, 3, 3, 3))
    stored = _conv_call(x, w, stride=(1, 1), padding=(1, 1), dilation=(1, 1), groups=1)
    assert _outcome(mt, stored) == _outcome(torch, stored)
    assert any(k[1] == (2, 3, 5, 5) for k in conv_module._CHECKED)  # the first call stored its geometry
    call = _conv_call(x, w, **{"stride": (1, 1), "padding": (1, 1), "dilation": (1, 1), **kwargs})
    assert _outcome(mt, call) == _outcome(torch, call)
    assert _outcome(mt, call) == _outcome(torch, call)  # and again, from the stored entry where there is one


@pytest.mark.parametrize("shape", [(2, 4, 5, 5), (2, 3, 2, 2), (3, 5, 5), (2, 3, 5)])
def test_conv_new_shapes_are_checked_again(shape):
    """A stored geometry is one input shape: another shape (wrong channels, smaller than the
    kernel, unbatched, wrong rank) meets the checks and PyTorch's error or result."""
    rng = np.random.default_rng(1)
    w = rng.standard_normal((4, 3, 3, 3))
    ok = _conv_call(rng.standard_normal((2, 3, 5, 5)), w)
    assert _outcome(mt, ok) == _outcome(torch, ok)
    call = _conv_call(rng.standard_normal(shape), w)
    assert _outcome(mt, call) == _outcome(torch, call)


def test_conv_dtype_is_part_of_the_key():
    x, w = np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))
    for dtype in ("float32", "float64", "float32"):
        def call(lib, dtype=dtype):
            return lib.nn.functional.conv2d(lib.tensor(x, dtype=getattr(lib, dtype)),
                                            lib.tensor(w, dtype=lib.float32))
        assert _outcome(mt, call) == _outcome(torch, call)


def test_conv_large_padded_input_is_not_stored(monkeypatch):
    """A padded input past ``_ALWAYS_FITS`` asks for free memory every call: never stored."""
    monkeypatch.setattr(conv_module, "_ALWAYS_FITS", 64)  # bytes: the 1x1x4x4 float32 input is 64
    monkeypatch.setattr(conv_module, "_CHECKED", {})
    F.conv2d(mt.ones(1, 1, 4, 4), mt.ones(1, 1, 3, 3))
    assert conv_module._CHECKED == {}


def test_conv_module_and_gradients_as_torch():
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3))
    results = []
    for lib in (mt, torch):
        conv = lib.nn.Conv2d(3, 4, 3, stride=2, padding=1).double()
        with lib.no_grad():
            conv.weight.copy_(lib.tensor(w))
            conv.bias.zero_()
        xt = lib.tensor(x, requires_grad=True)
        for _ in range(2):  # the second call takes the stored geometry
            y = conv(xt)
            y.square().sum().backward()
        results.append((y.detach().numpy(), xt.grad.numpy(), conv.weight.grad.numpy(), conv.bias.grad.numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_conv_bias_gradient_differentiable_under_create_graph():
    """``bias_grad`` runs on the arrays in an ordinary backward, as Tensor ops under ``create_graph``:
    the bias gradient's own gradient with respect to the input is PyTorch's."""
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((4, 3, 3, 3))
    results = []
    for lib in (mt, torch):
        xt, wt = lib.tensor(x, requires_grad=True), lib.tensor(w)
        b = lib.zeros(4, dtype=lib.float64, requires_grad=True)
        y = lib.nn.functional.conv2d(xt, wt, b, padding=1)
        (db,) = lib.autograd.grad(y.square().sum(), b, create_graph=True)
        assert db.requires_grad
        (dx,) = lib.autograd.grad(db.square().sum(), xt)
        results.append((db.detach().numpy(), dx.numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("make", [
    lambda L: L.cat([L.zeros(2, 3, 4), L.zeros(2, 5, 4), L.zeros(3, 1, 4)], 1),  # dim 0 differs
    lambda L: L.cat([L.zeros(2, 3, 4), L.zeros(2, 5, 5)], 1),                    # the last dim differs
    lambda L: L.cat([L.zeros(2, 3, 4), L.zeros(2, 3)], 1),
    lambda L: L.cat([L.zeros(0), L.zeros(2, 3), L.zeros(0), L.zeros(2, 1)], -1),
    lambda L: L.cat([L.zeros(0), L.zeros(0)]),
    lambda L: L.cat([L.zeros(0), L.zeros(())]),
    lambda L: L.cat([L.zeros(2, 3), L.zeros(2, 3, dtype=L.float64)], 0),
    lambda L: L.cat([L.zeros(2, 3)], -3),
])
def test_cat_checks_as_torch(make):
    assert _outcome(mt, make) == _outcome(torch, make)


def test_cat_gradients_with_legacy_empties():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 1))
    out = []
    for lib in (mt, torch):
        e = lib.zeros(0, requires_grad=True)
        x, y = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        z = lib.cat([e, x, e, y], 1)
        (z * lib.arange(4.0, dtype=lib.float64)).sum().backward()
        out.append((z.tolist(), e.grad.tolist(), x.grad.tolist(), y.grad.tolist()))
    assert out[0] == out[1]


@pytest.mark.parametrize("call", [
    lambda L, x: L.nn.functional.max_pool2d(x, 3, 1, 1),              # the stored call itself
    lambda L, x: L.nn.functional.max_pool2d(x[:, :, :1, :1], 3, 1, 1),   # output too small for this map
    lambda L, x: L.nn.functional.max_pool2d(x, 3, 1.0, 1),            # a float: TypeError in PyTorch
    lambda L, x: L.nn.functional.max_pool2d(x, 3, [1, 1], [1, 1]),    # lists: checked every call
    lambda L, x: L.nn.functional.max_pool2d(x, 3, 1, 2),              # pad over half the kernel
    lambda L, x: L.nn.functional.max_pool2d(x, 3, 2, 1, ceil_mode=True),
    lambda L, x: L.nn.functional.max_pool2d(x, 3, 2, 1, ceil_mode=1),
    lambda L, x: L.nn.functional.max_pool2d(x[0], 3, 1, 1),           # unbatched
    lambda L, x: L.nn.functional.avg_pool2d(x, 3, 1, 1),
    lambda L, x: L.nn.functional.avg_pool2d(x[:, :, :2, :2], 3, 3, 1),
    lambda L, x: L.nn.functional.max_pool1d(x[0], 3, 1, 1),
])
def test_pool_after_a_stored_window_as_torch(call):
    x = np.random.default_rng(4).standard_normal((2, 3, 6, 6))
    stored = (lambda L: L.nn.functional.max_pool2d(L.tensor(x), 3, 1, 1))
    assert _outcome(mt, stored) == _outcome(torch, stored)
    for _ in range(2):  # the second time from the stored entry, where there is one
        assert _outcome(mt, lambda L: call(L, L.tensor(x))) == _outcome(torch, lambda L: call(L, L.tensor(x)))


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout_mask_is_bernoulli_draw(p):
    """``F.dropout``'s mask is ``new_empty(shape).bernoulli_(1 - p)`` (one allocation less than
    ``torch.bernoulli``): the same draws from the default generator, so a seeded run keeps its masks."""
    x = mt.ones(16, 32)
    mt.manual_seed(7)
    y = F.dropout(x, p)
    mt.manual_seed(7)
    expected = mt.bernoulli(mt.empty(16, 32), 1 - p) / (1 - p)
    assert bool((y == expected).all())


@pytest.mark.parametrize("x_shape, w_shape, b_shape, x_dtype", [
    ((3, 5), (4, 5), (4,), "float64"),     # the stored call again
    ((3, 6), (4, 5), (4,), "float64"),     # in_features differ: addmm's RuntimeError
    ((3, 5), (4, 5), (3,), "float64"),     # a bias that does not broadcast
    ((3, 5), (4, 5), (3, 4), "float64"),
    ((3, 5), (4, 5), (4,), "float32"),     # input and weight dtypes differ
    ((2, 3, 5), (4, 5), (4,), "float64"),  # a batch of matrices: matmul, not addmm
    ((5,), (4, 5), (4,), "float64"),
])
def test_linear_after_a_stored_call_as_torch(x_shape, w_shape, b_shape, x_dtype):
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s) for s in ((3, 5), (4, 5), (4,), x_shape, w_shape, b_shape)]
    names = {}

    def call(lib, x, w, b, dtype):
        wt, bt = lib.tensor(w, requires_grad=True), lib.tensor(b, requires_grad=True)
        y = lib.nn.functional.linear(lib.tensor(x, dtype=getattr(lib, dtype)), wt, bt)
        y.square().sum().backward()
        names[lib] = (type(y.grad_fn).__name__, [type(f).__name__ for f, _ in y.grad_fn.next_functions])
        return lib.cat([y.detach().flatten(), wt.grad.flatten(), bt.grad.flatten()])

    def stored(lib):
        return call(lib, *arrays[:3], "float64")

    def again(lib):
        return call(lib, *arrays[3:], x_dtype)

    assert _outcome(mt, stored) == _outcome(torch, stored)
    assert any(k[0] == (3, 5) and k[2] == (4, 5) for k in conv_module._ADDMM_CALLS)  # stored
    for _ in range(2):  # the second time from a stored key where the first stored one
        assert _outcome(mt, again) == _outcome(torch, again)
        if len(x_shape) == 2:  # (another rank: torch views through addmm, minitorch's matmul + add)
            assert names.get(mt) == names.get(torch)
