"""Checks for exercises/modules.py: the same module built with minitorch and with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch as pytorch

import minitorch as torch


def copy_weights(src, dst):
    """dst's parameters and buffers from src's (PyTorch -> minitorch), by name."""
    dst.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in src.state_dict().items()})


@pytest.mark.modules_1
def test_scaled_linear_registers_a_buffer(ex):
    m, t = ex("modules").scaled_linear(torch, 3), ex("modules").scaled_linear(pytorch, 3)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in m.named_buffers()] == [n for n, _ in t.named_buffers()] == ["scale"]
    assert list(m.state_dict()) == list(t.state_dict())
    m.double()
    t.double()
    assert str(m.scale.dtype) == str(t.scale.dtype) == "torch.float64"


@pytest.mark.modules_1
def test_scaled_linear_forward(ex):
    m, t = ex("modules").scaled_linear(torch, 3), ex("modules").scaled_linear(pytorch, 3)
    with pytorch.no_grad():
        t.scale.fill_(2.5)
    copy_weights(t, m)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(m(torch.tensor(x)).detach().numpy(),
                               t(pytorch.tensor(x)).detach().numpy(), rtol=1e-6)


@pytest.mark.modules_2
@pytest.mark.parametrize("batch, n_in, n_out", [(4, 3, 2), (1, 5, 5), (7, 1, 3)])
def test_linear_grads(ex, batch, n_in, n_out):
    rng = np.random.default_rng(batch)
    x, w, b, g = (rng.standard_normal(s) for s in [(batch, n_in), (n_out, n_in), (n_out,), (batch, n_out)])
    tx, tw, tb = (pytorch.tensor(a, requires_grad=True) for a in (x, w, b))
    pytorch.nn.functional.linear(tx, tw, tb).backward(pytorch.tensor(g))
    got = ex("modules").linear_grads(*(torch.tensor(a) for a in (x, w, b, g)))
    for mine, want in zip(got, (tx.grad, tw.grad, tb.grad)):
        np.testing.assert_allclose(mine.numpy(), want.numpy(), rtol=1e-12)


@pytest.mark.modules_3
def test_tied_pair(ex):
    m, t = ex("modules").tied_pair(torch), ex("modules").tied_pair(pytorch)
    assert m.b.weight is m.a.weight
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert list(m.state_dict()) == list(t.state_dict())
    copy_weights(t, m)
    assert m.b.weight is m.a.weight  # loading copies in place: the tie survives
    x = np.ones((2, 3), dtype=np.float32)
    m(torch.tensor(x)).sum().backward()
    t(pytorch.tensor(x)).sum().backward()
    np.testing.assert_allclose(m.a.weight.grad.numpy(), t.a.weight.grad.numpy(), rtol=1e-5)
