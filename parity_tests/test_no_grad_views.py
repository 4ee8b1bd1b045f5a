"""A view made under no_grad, side by side with PyTorch (``_tensor/tensor.py: mark_no_grad_view``).

PyTorch marks such a view (CreationMeta::NO_GRAD_MODE) and passes the mark on to views made of
it later, even with grad mode on. The view requires grad when its base does, is a leaf, and the
gradients of what is computed from it stop at it. Writing it (or a view of it) in place with grad
mode on is refused, and so is reading its ``grad_fn`` once its base was written in place: whether
the write belongs to the graph is ambiguous.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minitorch as mt


def _outcome(f):
    try:
        out = f()
    except (RuntimeError, IndexError) as e:
        return (type(e).__name__, str(e))
    return ("ok", out)


def _node(t):
    return None if t.grad_fn is None else type(t.grad_fn).__name__


MAKE_W = {  # from the no_grad view v of a 4-element base, a tensor w to write into
    "slice_of_view": lambda lib, v: v[:2],
    "view_then_slice": lambda lib, v: v.view(3)[:2],
    "select_of_view": lambda lib, v: v[1],
    "transpose_chain": lambda lib, v: v.unsqueeze(0).transpose(0, 1),
    "nested_no_grad": None,  # made under no_grad too
    "the_view_itself": lambda lib, v: v,
    "detached": lambda lib, v: v.detach()[:2],
}


def _scenario(lib, how, base_requires_grad, leaf):
    a = lib.tensor(np.linspace(-1, 1, 4), dtype=lib.float64, requires_grad=base_requires_grad)
    b = a if leaf or not base_requires_grad else a * 1
    with lib.no_grad():
        v = b[:3]
        w = v[:2] if how == "nested_no_grad" else None
    if w is None:
        w = MAKE_W[how](lib, v)
    row = [v.requires_grad, v.is_leaf, _node(v), w.requires_grad, w.is_leaf, _node(w)]
    row.append(_outcome(lambda: (w.add_(1), _node(w))[1]))
    row.append(_outcome(lambda: (w.mul_(1), None)[1]))
    return row


@pytest.mark.parametrize("leaf", [False, True])
@pytest.mark.parametrize("base_requires_grad", [True, False])
@pytest.mark.parametrize("how", list(MAKE_W))
def test_views_of_a_no_grad_view_written_in_place(how, base_requires_grad, leaf):
    assert _scenario(mt, how, base_requires_grad, leaf) == _scenario(torch, how, base_requires_grad, leaf)


@pytest.mark.parametrize("grad_mode_for_write", [True, False])
@pytest.mark.parametrize("which", ["view", "view_of_view"])
def test_grad_fn_read_after_the_base_is_written(which, grad_mode_for_write):
    """PyTorch raises on reading the grad_fn (repr prints ``grad_fn=<Invalid>``)."""
    rows = []
    for lib in (torch, mt):
        b = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True) * 1
        with lib.no_grad():
            v = b[:3]
        t = v if which == "view" else v[:2]
        with lib.set_grad_enabled(grad_mode_for_write):
            b.mul_(2)
        rows.append((_outcome(lambda t=t: _node(t)), repr(t).split("grad_fn=")[-1]))
    assert rows[1] == rows[0]


def test_gradients_stop_at_a_no_grad_view():
    rows = []
    for lib in (torch, mt):
        a = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        with lib.no_grad():
            v = a[:3]
        y = (v[:2] * 3).sum()
        y.backward()
        rows.append((y.requires_grad, _node(y), v.grad, a.grad, v.detach().requires_grad))
    assert rows[1] == rows[0]


def test_a_value_that_requires_grad_written_into_a_no_grad_view():
    """The base needs no grad, so the write's check passes; rebasing the view's history refuses."""
    rows = []
    for lib in (torch, mt):
        x = lib.zeros(3)
        with lib.no_grad():
            u = x[:2]
        p = lib.ones(2, requires_grad=True)
        rows.append(_outcome(lambda u=u, p=p: _node(u.copy_(p))))
    assert rows[1] == rows[0]


def test_numpy_of_a_tensor_that_requires_grad_is_allowed_under_no_grad():
    rows = []
    for lib in (torch, mt):
        w = lib.nn.Parameter(lib.ones(2, 3))
        with lib.no_grad():
            inside = (w.numpy().tolist(), w[0].numpy().tolist(), repr(w[0]))
        rows.append((inside, _outcome(lambda w=w: w.numpy().tolist())))
    assert rows[1] == rows[0]


@pytest.mark.parametrize("key", [0, -1, slice(None), slice(0, 1), (0,), (None, 0), (Ellipsis, 0), [0], True, None,
                                 Ellipsis])
def test_indexing_a_0_dim_tensor(key):
    rows = []
    for lib in (torch, mt):
        x = lib.zeros(())
        read = _outcome(lambda x=x: tuple(x[key].shape))
        write = _outcome(lambda x=x: x.__setitem__(key, 1.0))
        rows.append((read, write))
    assert rows[1] == rows[0]


def test_requires_grad_of_a_no_grad_view_is_taken_when_it_is_made():
    """A deliberate difference (docs/differences.md): PyTorch reads the base's flag at every
    ``requires_grad``; minitorch takes it when the view is made. Both agree until the base's flag
    changes after the view was made."""
    rows = []
    for lib in (torch, mt):
        x = lib.zeros(3)
        with lib.no_grad():
            u = x[:2]
        before = u.requires_grad
        x.requires_grad_()
        rows.append((before, u.requires_grad))
    assert rows[0] == (False, True)  # torch follows the base
    assert rows[1] == (False, False)  # minitorch keeps what it was made with
