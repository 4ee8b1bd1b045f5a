"""Checks for exercises/optim.py: trajectories against torch.optim's, in float64."""

from __future__ import annotations

import numpy as np
import pytest
import torch as pytorch

import minitorch as torch

RNG = np.random.default_rng(0)
A = RNG.standard_normal((4, 4))
A = A @ A.T + np.eye(4)  # a convex quadratic: L(p) = p.A.p / 2 - b.p, gradient A p - b
B = RNG.standard_normal(4)
P0 = RNG.standard_normal(4)
STEPS = 8


def torch_trajectory(make_optimizer) -> list[np.ndarray]:
    p = pytorch.tensor(P0, requires_grad=True)
    opt = make_optimizer([p])
    out = []
    for _ in range(STEPS):
        opt.zero_grad()
        (0.5 * p @ pytorch.tensor(A) @ p - pytorch.tensor(B) @ p).backward()
        opt.step()
        out.append(p.detach().numpy().copy())
    return out


def gradient(p: torch.Tensor) -> torch.Tensor:
    return torch.tensor(A) @ p - torch.tensor(B)


@pytest.mark.optim_1
@pytest.mark.parametrize("momentum, weight_decay, nesterov", [(0.9, 0.0, False), (0.5, 0.1, False),
                                                               (0.9, 0.01, True), (0.0, 0.0, False)])
def test_sgd_update(ex, momentum, weight_decay, nesterov):
    want = torch_trajectory(lambda ps: pytorch.optim.SGD(ps, lr=0.05, momentum=momentum,
                                                         weight_decay=weight_decay, nesterov=nesterov))
    p, buf = torch.tensor(P0), None
    for step in range(STEPS):
        with torch.no_grad():
            buf = ex("optim").sgd_update(p, gradient(p), buf, 0.05, momentum, weight_decay, nesterov)
        np.testing.assert_allclose(p.numpy(), want[step], rtol=1e-12, err_msg=f"step {step + 1}")


@pytest.mark.optim_2
@pytest.mark.parametrize("lr, betas, eps", [(0.1, (0.9, 0.999), 1e-8), (0.01, (0.5, 0.9), 1e-3)])
def test_adam_update(ex, lr, betas, eps):
    want = torch_trajectory(lambda ps: pytorch.optim.Adam(ps, lr=lr, betas=betas, eps=eps))
    p = torch.tensor(P0)
    m, v = torch.zeros(4, dtype=torch.float64), torch.zeros(4, dtype=torch.float64)
    for step in range(STEPS):
        with torch.no_grad():
            m, v = ex("optim").adam_update(p, gradient(p), m, v, step + 1, lr, betas, eps)
        np.testing.assert_allclose(p.numpy(), want[step], rtol=1e-10, err_msg=f"step {step + 1}")


@pytest.mark.optim_3
@pytest.mark.parametrize("eta_min, t_max, epochs", [(0.0, 10, 11), (0.01, 5, 8), (0.05, 1, 1)])
def test_cosine_lrs(ex, eta_min, t_max, epochs):
    opt = pytorch.optim.SGD([pytorch.zeros(1, requires_grad=True)], lr=0.1)
    sched = pytorch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=t_max, eta_min=eta_min)
    want = []
    for _ in range(epochs):
        want.append(sched.get_last_lr()[0])
        opt.step()
        sched.step()
    np.testing.assert_allclose(ex("optim").cosine_lrs(0.1, eta_min, t_max, epochs), want, rtol=1e-9,
                               atol=1e-15)
