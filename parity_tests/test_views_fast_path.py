"""Issue 19 part 2, view ops: ``ViewPrimitive.apply`` (one Tensor in, the stride known, no generic
argument loop) and the op functions' plain-int shortcuts keep PyTorch's semantics, and give what
the generic ``Function.apply`` gives (it still runs while an observer watches: profile, compile).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minitorch as mt
from minitorch.autograd import observers

OPS = {
    "transpose": lambda t: t.transpose(0, 1),
    "transpose_neg": lambda t: t.transpose(-1, -3),
    "mT": lambda t: t.mT,
    "permute": lambda t: t.permute(2, 0, 1),
    "permute_neg": lambda t: t.permute(-1, 1, -3),
    "view": lambda t: t.view(6, -1),
    "view_tuple": lambda t: t.view((4, 6)),
    "reshape": lambda t: t.reshape(-1),
    "reshape_copy": lambda t: t.mT.reshape(24),
    "unsqueeze": lambda t: t.unsqueeze(-1),
    "unsqueeze_front": lambda t: t.unsqueeze(-4),
    "squeeze": lambda t: t[:, :1].squeeze(),
    "expand": lambda t: t[:1].expand(5, 3, 4),
    "expand_neg": lambda t: t[:, :1].expand(-1, 3, -1),
    "slice": lambda t: t[:, 1:3],
    "narrow": lambda t: t.narrow(2, 1, 2),
    "t": lambda t: t[0].t(),
    "flatten": lambda t: t.flatten(1),
}


def _make(lib, requires_grad):
    x = lib.tensor(np.arange(24.0).reshape(2, 3, 4), dtype=lib.float32, requires_grad=requires_grad)
    return x * 1 if requires_grad else x  # a non-leaf, so views of it may be written in place


def _describe(y, x):
    return (tuple(y.shape), tuple(y.stride()), y.storage_offset() - x.storage_offset(), y.is_contiguous(),
            y._base is not None, y.requires_grad, type(y.grad_fn).__name__ if y.grad_fn else None)


class _Watch(observers.Observer):
    """An observer that does nothing: with it, ``apply`` takes the generic path."""


@pytest.mark.parametrize("requires_grad", [False, True])
@pytest.mark.parametrize("name", list(OPS))
def test_view_as_torch_and_as_the_generic_path(name, requires_grad):
    op = OPS[name]
    xt, xm = _make(torch, requires_grad), _make(mt, requires_grad)
    yt, ym = op(xt), op(xm)
    assert _describe(ym, xm) == _describe(yt, xt)
    assert np.array_equal(ym.numpy() if not requires_grad else ym.detach().numpy(), yt.detach().numpy())
    watcher = _Watch()
    observers.watch(watcher)
    try:
        yg = op(xm)
    finally:
        observers.unwatch(watcher)
    assert _describe(yg, xm) == _describe(ym, xm)
    if requires_grad:
        g = np.arange(float(yt.numel())).reshape(tuple(yt.shape))
        (yt * torch.tensor(g, dtype=torch.float32)).sum().backward()
        (ym * mt.tensor(g, dtype=mt.float32)).sum().backward()


@pytest.mark.parametrize("name", ["transpose", "view", "slice", "expand", "unsqueeze"])
def test_view_shares_storage_version_and_base(name):
    op = OPS[name]
    for lib in (torch, mt):
        x = _make(lib, False)
        y = op(x)
        assert y._base is x
        z = op(x).detach()  # a view of a view's detached alias keeps the version counter
        before = x._version
        y.zero_() if name not in ("expand",) else x.zero_()
        assert x._version == y._version == z._version == before + 1
        assert float(x.sum()) == 0.0 or name == "slice" or name == "expand"


@pytest.mark.parametrize("name", ["transpose", "view", "slice", "unsqueeze", "permute"])
def test_view_made_under_no_grad_is_marked_on_both_paths(name):
    """A view made under no_grad requires grad through its base, as in PyTorch, is a leaf, and is
    marked (``_no_grad_view``, PyTorch's CreationMeta::NO_GRAD_MODE) on the fast path as on the
    generic one; parity_tests/test_no_grad_views.py compares what follows with torch."""
    op = OPS[name]
    x = _make(mt, True)
    tx = _make(torch, True)
    watcher = _Watch()
    with mt.no_grad(), torch.no_grad():
        y = op(x)
        ty = OPS[name](tx)
        observers.watch(watcher)
        try:
            yg = op(x)
        finally:
            observers.unwatch(watcher)
    for v in (y, yg):
        assert (v.requires_grad, v.is_leaf, v.grad_fn) == (ty.requires_grad, ty.is_leaf, None)
        assert v._no_grad_view and v._base is x


@pytest.mark.parametrize("leaf", [False, True])
@pytest.mark.parametrize("write", ["mul_", "zero_", "copy_"])
@pytest.mark.parametrize("name", ["transpose", "view", "slice", "unsqueeze", "permute"])
def test_no_grad_view_written_in_place_with_grad_enabled_raises_as_torch(name, write, leaf):
    """PyTorch forbids it while the base requires grad (ambiguous: track the write or not?);
    a base that needs no grad lets it through. (Views of such views: test_no_grad_views.py.)"""
    op = OPS[name]
    outcomes = []
    for lib in (torch, mt):
        row = []
        for requires_grad in (True, False):
            x = lib.tensor(np.arange(24.0).reshape(2, 3, 4), dtype=lib.float32, requires_grad=requires_grad)
            base = x if leaf else x * 1
            with lib.no_grad():
                v = op(base)
            try:
                getattr(v, write)(*((lib.ones(tuple(v.shape)),) if write == "copy_" else (2,) if write == "mul_" else ()))
                row.append(None)
            except RuntimeError as e:
                row.append(str(e))
        outcomes.append(row)
    assert outcomes[1] == outcomes[0]


@pytest.mark.parametrize("name", ["transpose", "view", "slice", "expand", "permute", "mT", "reshape_copy"])
def test_view_gradients_of_first_and_second_order(name):
    op = OPS[name]
    grads = []
    for lib in (torch, mt):
        x = lib.tensor(np.linspace(-1, 1, 24).reshape(2, 3, 4), dtype=lib.float64, requires_grad=True)
        y = (op(x) ** 3).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        grads.append((g.detach().numpy(), gg.numpy()))
    np.testing.assert_allclose(grads[1][0], grads[0][0])
    np.testing.assert_allclose(grads[1][1], grads[0][1])


@pytest.mark.parametrize("call", [
    lambda lib, x: x.view(2**64),
    lambda lib, x: x.view(-2, 12),
    lambda lib, x: x.view(5, -1),
    lambda lib, x: x.view(-1, -1),
    lambda lib, x: x.reshape(2.0, 12),
    lambda lib, x: x.expand(-2, 3, 4),
    lambda lib, x: x.expand(2, 5, 4),
    lambda lib, x: x.expand(()),
    lambda lib, x: x.expand(),
    lambda lib, x: x.expand((5, -1, 3, 4)),
    lambda lib, x: x.expand(x.shape),
    lambda lib, x: x.expand(2, 3, 4, size=(2, 3, 4)),
    lambda lib, x: x.view(()),
    lambda lib, x: x.view(x.shape[::-1]),
    lambda lib, x: x.reshape((4, -1)),
    lambda lib, x: x.reshape([4, -1]),
    lambda lib, x: x.transpose(0, 3),
    lambda lib, x: x.transpose(-4, 0),
    lambda lib, x: x.permute(0, 0, 1),
    lambda lib, x: x.permute(0, 1, 3),
    lambda lib, x: x.unsqueeze(4),
    lambda lib, x: x.unsqueeze(-5),
    lambda lib, x: x.mT.view(24),
    lambda lib, x: x.t(),
])
def test_view_errors_as_torch(call):
    outcomes = []
    for lib in (torch, mt):
        x = _make(lib, False)
        try:
            y = call(lib, x)
            outcomes.append(tuple(y.shape))
        except Exception as e:  # noqa: BLE001 - the exception type is what is compared
            outcomes.append(type(e).__name__)
    assert outcomes[1] == outcomes[0]
