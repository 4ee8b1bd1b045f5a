"""Checks of docs/training-step.md's exercises, against PyTorch: ``pytest exercises -m training_step_1`` (2)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minitorch
from exercises.conftest import graph_nodes


@pytest.fixture
def step(ex):
    return ex("training_step")


def _mlp(lib, weights):
    """examples/train_mlp.py's model (narrower), with the given weights."""
    nn = lib.nn
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 12), nn.ReLU(), nn.Linear(12, 8), nn.ReLU(),
                          nn.Linear(8, 3)).double()  # float64: the checks compare to 1e-10
    with lib.no_grad():
        for p, w in zip(model.parameters(), weights):
            p.copy_(lib.from_numpy(w.copy()))
    return model


def _problem(seed: int):
    rng = np.random.default_rng(seed)
    shapes = [(12, 16), (12,), (8, 12), (8,), (3, 8), (3,)]
    weights = [rng.standard_normal(s) * 0.5 for s in shapes]
    return weights, rng.standard_normal((5, 1, 4, 4)), rng.integers(0, 3, 5)


def _loss(lib, model, images, labels):
    return lib.nn.functional.cross_entropy(model(lib.from_numpy(images)), lib.from_numpy(labels))


def _torch_order(loss) -> list[str]:
    ran = []
    for node in graph_nodes(loss):
        if not hasattr(node, "variable"):
            node.register_hook(lambda gi, go, node=node: ran.append(node.name()))
    loss.backward()
    return ran


@pytest.mark.training_step_1
@pytest.mark.parametrize("lib", [torch, minitorch], ids=["torch", "minitorch"])
def test_backward_order(step, lib):
    weights, images, labels = _problem(0)
    expected = _torch_order(_loss(torch, _mlp(torch, weights), images, labels))
    model = _mlp(lib, weights)
    loss = _loss(lib, model, images, labels)
    assert step.backward_order(loss) == expected
    assert all(p.grad is not None for p in model.parameters()), "backward_order runs loss.backward()"


@pytest.mark.training_step_2
@pytest.mark.parametrize("momentum", [0.9, 0.5])
def test_sgd_momentum_step(step, momentum):
    weights, images, labels = _problem(1)
    ref, ours = _mlp(torch, weights), _mlp(minitorch, weights)
    optimizer = torch.optim.SGD(ref.parameters(), lr=0.1, momentum=momentum)
    params = list(ours.parameters())
    buffers = [None] * len(params)
    for _ in range(3):
        optimizer.zero_grad()
        _loss(torch, ref, images, labels).backward()
        optimizer.step()
        for p in params:
            p.grad = None
        _loss(minitorch, ours, images, labels).backward()
        step.sgd_momentum_step(params, buffers, 0.1, momentum)
    for p, q in zip(params, ref.parameters()):
        assert p.requires_grad and p.grad_fn is None, "update the parameters in place, without recording"
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-10, atol=1e-12)
