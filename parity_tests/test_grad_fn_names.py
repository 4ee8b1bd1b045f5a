"""``loss.grad_fn`` and the walk down ``next_functions`` print what PyTorch prints.

Tutorials print ``loss.grad_fn`` (``<MseLossBackward0 ...>``) and walk
``loss.grad_fn.next_functions[0][0]`` to show the graph. For each loss, the names met on a
depth-first walk from the loss to the leaves (``None`` where an input needs no gradient) must be
torch's, and the gradients through those nodes must be torch's too, first and second order.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import torch

import minitorch as M


def walk(node) -> list[str]:
    """Node names depth-first along ``next_functions`` (``None`` for an input without a gradient)."""
    if node is None:
        return ["None"]
    names = [node.name()]
    for child, _ in node.next_functions:
        names += walk(child)
    return names


def _inputs(lib):
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((4, 3)), dtype=lib.float64, requires_grad=True)
    probs = lib.tensor(rng.uniform(0.05, 0.95, (4, 3)), dtype=lib.float64)
    target = lib.tensor(rng.uniform(0, 1, (4, 3)), dtype=lib.float64)
    classes = lib.tensor([0, 2, 1, 0])
    weight = lib.tensor(rng.uniform(0.5, 1.5, 3), dtype=lib.float64)
    return x, probs, target, classes, weight


# (id, the loss as a function of (lib, F, x, probs, target, classes, weight))
LOSSES = [
    ("mse_loss", lambda lib, F, x, p, t, c, w: F.mse_loss(x, t)),
    ("mse_loss_sum", lambda lib, F, x, p, t, c, w: F.mse_loss(x, t, reduction="sum")),
    ("mse_loss_none", lambda lib, F, x, p, t, c, w: F.mse_loss(x, t, reduction="none")),
    ("mse_loss_broadcast", lambda lib, F, x, p, t, c, w: F.mse_loss(x, t[0])),
    ("mse_loss_target_requires_grad", lambda lib, F, x, p, t, c, w: F.mse_loss(x, t.requires_grad_())),
    ("MSELoss", lambda lib, F, x, p, t, c, w: lib.nn.MSELoss()(x, t)),
    ("l1_loss", lambda lib, F, x, p, t, c, w: F.l1_loss(x, t)),
    ("L1Loss_none", lambda lib, F, x, p, t, c, w: lib.nn.L1Loss(reduction="none")(x, t)),
    ("smooth_l1_loss", lambda lib, F, x, p, t, c, w: F.smooth_l1_loss(x, t, beta=0.5)),
    ("SmoothL1Loss_sum", lambda lib, F, x, p, t, c, w: lib.nn.SmoothL1Loss(reduction="sum")(x, t)),
    ("huber_loss", lambda lib, F, x, p, t, c, w: F.huber_loss(x, t, delta=0.5)),
    ("HuberLoss_none", lambda lib, F, x, p, t, c, w: lib.nn.HuberLoss(reduction="none")(x, t)),
    ("binary_cross_entropy", lambda lib, F, x, p, t, c, w: F.binary_cross_entropy(x.sigmoid(), t)),
    ("binary_cross_entropy_weight", lambda lib, F, x, p, t, c, w: F.binary_cross_entropy(x.sigmoid(), t, weight=w)),
    ("BCELoss_sum", lambda lib, F, x, p, t, c, w: lib.nn.BCELoss(reduction="sum")(x.sigmoid(), t)),
    ("binary_cross_entropy_with_logits", lambda lib, F, x, p, t, c, w: F.binary_cross_entropy_with_logits(x, t)),
    ("binary_cross_entropy_with_logits_pos_weight",
     lambda lib, F, x, p, t, c, w: F.binary_cross_entropy_with_logits(x, t, weight=w, pos_weight=w * 2)),
    ("BCEWithLogitsLoss_none", lambda lib, F, x, p, t, c, w: lib.nn.BCEWithLogitsLoss(reduction="none")(x, t)),
    ("cross_entropy", lambda lib, F, x, p, t, c, w: F.cross_entropy(x, c)),
    ("cross_entropy_weight", lambda lib, F, x, p, t, c, w: F.cross_entropy(x, c, weight=w)),
    ("cross_entropy_ignore_index", lambda lib, F, x, p, t, c, w: F.cross_entropy(x, c, ignore_index=2)),
    ("CrossEntropyLoss_sum", lambda lib, F, x, p, t, c, w: lib.nn.CrossEntropyLoss(reduction="sum")(x, c)),
    ("nll_loss", lambda lib, F, x, p, t, c, w: F.nll_loss(x, c)),
    ("nll_loss_none", lambda lib, F, x, p, t, c, w: F.nll_loss(x, c, reduction="none")),
    ("NLLLoss_weight", lambda lib, F, x, p, t, c, w: lib.nn.NLLLoss(weight=w)(x, c)),
    ("kl_div_sum", lambda lib, F, x, p, t, c, w: F.kl_div(x, t, reduction="sum")),
    ("kl_div_mean", lambda lib, F, x, p, t, c, w: F.kl_div(x, t, reduction="mean")),
    ("kl_div_log_target", lambda lib, F, x, p, t, c, w: F.kl_div(x, t, reduction="sum", log_target=True)),
    ("kl_div_batchmean", lambda lib, F, x, p, t, c, w: F.kl_div(x, t, reduction="batchmean")),
    ("kl_div_batchmean_log_target",
     lambda lib, F, x, p, t, c, w: F.kl_div(x, t, reduction="batchmean", log_target=True)),
    # class probabilities (float targets): PyTorch's C++ composite, -(sum) / n as DivBackward1
    ("cross_entropy_probabilities", lambda lib, F, x, p, t, c, w: F.cross_entropy(x, t)),
    ("cross_entropy_probabilities_sum", lambda lib, F, x, p, t, c, w: F.cross_entropy(x, t, reduction="sum")),
    ("cross_entropy_probabilities_none", lambda lib, F, x, p, t, c, w: F.cross_entropy(x, t, reduction="none")),
    ("cross_entropy_probabilities_weight", lambda lib, F, x, p, t, c, w: F.cross_entropy(x, t, weight=w)),
    ("cross_entropy_probabilities_label_smoothing",
     lambda lib, F, x, p, t, c, w: F.cross_entropy(x, t, label_smoothing=0.1)),
    # label smoothing of class indices: (1 - e) * nll + e / C * smooth, as MulBackward1 nodes
    ("cross_entropy_label_smoothing", lambda lib, F, x, p, t, c, w: F.cross_entropy(x, c, label_smoothing=0.1)),
    ("cross_entropy_label_smoothing_sum",
     lambda lib, F, x, p, t, c, w: F.cross_entropy(x, c, label_smoothing=0.1, reduction="sum")),
    ("cross_entropy_label_smoothing_none",
     lambda lib, F, x, p, t, c, w: F.cross_entropy(x, c, label_smoothing=0.1, reduction="none")),
    ("cross_entropy_label_smoothing_weight",
     lambda lib, F, x, p, t, c, w: F.cross_entropy(x, c, weight=w, label_smoothing=0.1)),
    ("cross_entropy_label_smoothing_ignore_index",
     lambda lib, F, x, p, t, c, w: F.cross_entropy(x, c, ignore_index=2, label_smoothing=0.1)),
    ("CrossEntropyLoss_label_smoothing", lambda lib, F, x, p, t, c, w: lib.nn.CrossEntropyLoss(label_smoothing=0.2)(x, c)),
]


def _loss(lib, make):
    x, p, t, c, w = _inputs(lib)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # kl_div's 'mean' warning, mse's broadcast warning
        return x, make(lib, lib.nn.functional, x, p, t, c, w)


@pytest.mark.parametrize("name,make", LOSSES, ids=[case[0] for case in LOSSES])
def test_grad_fn_chain_matches_torch(name, make):
    _, ours = _loss(M, make)
    _, theirs = _loss(torch, make)
    assert walk(ours.grad_fn) == walk(theirs.grad_fn)


@pytest.mark.parametrize("name,make", LOSSES, ids=[case[0] for case in LOSSES])
def test_gradients_through_the_named_nodes_match_torch(name, make):
    """First order, and second order: the gradient of ``sum(grad * grad * x)``, which depends on x
    also where the loss is linear in it (``nll_loss``: its Hessian is zero)."""
    results = []
    for lib in (M, torch):
        x, loss = _loss(lib, make)
        g = lib.ones_like(loss) if loss.dim() else None
        (grad,) = lib.autograd.grad(loss, x, grad_outputs=g, create_graph=True)
        (grad2,) = lib.autograd.grad((grad * grad * x).sum(), x)
        results.append((loss.detach().numpy(), grad.detach().numpy(), grad2.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_target_gradients_match_torch(reduction):
    """Targets that require grad get torch's gradient through the fused nodes."""
    results = []
    for lib in (M, torch):
        F = lib.nn.functional
        rng = np.random.default_rng(1)
        x = lib.tensor(rng.uniform(0.1, 0.9, (3, 4)), requires_grad=True)
        t = lib.tensor(rng.uniform(0, 1, (3, 4)), requires_grad=True)
        losses = [F.mse_loss(x, t, reduction=reduction), F.smooth_l1_loss(x, t, reduction=reduction, beta=0.3),
                  F.huber_loss(x, t, reduction=reduction, delta=0.3),
                  F.binary_cross_entropy(x, t, reduction=reduction),
                  F.binary_cross_entropy_with_logits(x, t, reduction=reduction)]
        total = sum(loss.sum() for loss in losses)
        results.append([g.numpy() for g in lib.autograd.grad(total, (x, t))])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_own_node_names_where_pytorch_composes():
    """The documented grad_fn differences (docs/differences.md): PyTorch builds ``repeat_interleave``
    and ``einsum`` from other ops (their ``grad_fn`` is the last one's, ``ViewBackward0`` here);
    minitorch records one node of its own for each. Values and gradients are torch's."""
    names, grads = {}, {}
    for lib in (M, torch):
        x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        ys = (x.repeat_interleave(2), lib.einsum("i,i->", x, x))
        names[lib] = [type(y.grad_fn).__name__ for y in ys]
        grads[lib] = [lib.autograd.grad(y.sum(), x)[0].numpy() for y in ys]
    assert names[torch] == ["ViewBackward0", "ViewBackward0"]
    assert names[M] == ["RepeatInterleaveBackward0", "EinsumBackward0"]
    for ours, theirs in zip(grads[M], grads[torch]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def _node_reprs(lib) -> list[str]:
    """``repr`` of an op's node, a leaf's AccumulateGrad, an in-place write's CopySlices and a user
    Function's node, with the address replaced by ``0x...``."""

    class Twice(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    leaf = lib.ones(3, requires_grad=True)
    y = leaf * 2
    z = leaf.clone()
    z[0] = leaf[1] * 3
    nodes = [y.grad_fn, y.grad_fn.next_functions[0][0], z.grad_fn, Twice.apply(leaf).grad_fn]
    return [re.sub(r" at 0x[0-9a-f]+>$", " at 0x...>", repr(node)) for node in nodes]


def test_node_repr_is_pytorchs():
    """A node prints its class name, as PyTorch does: ``<AccumulateGrad object at 0x...>`` and
    ``<CopySlices ...>`` although their ``name()`` is ``torch::autograd::...``; a user Function's
    node is a Python class to PyTorch and prints with its module (``torch.autograd.function``,
    here ``minitorch.autograd.function``)."""
    ours, theirs = _node_reprs(M), _node_reprs(torch)
    assert theirs[:3] == ["<MulBackward0 object at 0x...>", "<AccumulateGrad object at 0x...>",
                          "<CopySlices object at 0x...>"]
    assert ours[:3] == theirs[:3]
    assert theirs[3] == "<torch.autograd.function.TwiceBackward object at 0x...>"
    assert ours[3] == theirs[3].replace("torch.", "minitorch.", 1)
    leaf = M.ones(2, requires_grad=True)
    assert (leaf * 2).grad_fn.next_functions[0][0].name() == "torch::autograd::AccumulateGrad"
