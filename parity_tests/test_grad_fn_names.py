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


# ---------------------------------------------------------------------------- multi-output views
# (id, the outputs as a function of (lib, x)); x is (4, 3) float64 and requires grad
SPLITS = [
    ("unbind", lambda lib, x: x.unbind(0)),
    ("unbind_dim1", lambda lib, x: x.unbind(1)),
    ("unbind_transposed", lambda lib, x: x.t().unbind(-1)),
    ("split", lambda lib, x: x.split(3)),
    ("split_dim1", lambda lib, x: lib.split(x, 2, dim=1)),
    ("split_one_piece", lambda lib, x: x.split(4)),
    ("split_with_sizes", lambda lib, x: x.split([1, 0, 3])),
    ("split_with_sizes_one", lambda lib, x: x.split([3], 1)),
    ("chunk", lambda lib, x: x.chunk(2)),
    ("chunk_uneven", lambda lib, x: x.chunk(3, 1)),
    ("chunk_of_a_view", lambda lib, x: x[1:].chunk(2, 1)),
    ("split_with_sizes_function", lambda lib, x: lib.split_with_sizes(x, [1, 0, 3])),
    ("split_with_sizes_method", lambda lib, x: x.split_with_sizes([2, 1], dim=1)),
    ("tensor_split", lambda lib, x: x.tensor_split(2)),  # torch: one SliceBackward0 per output
]


def _split_outputs(lib, make):
    rng = np.random.default_rng(2)
    x = lib.tensor(rng.standard_normal((4, 3)), dtype=lib.float64, requires_grad=True)
    return x, make(lib, x)


@pytest.mark.parametrize("name,make", SPLITS, ids=[case[0] for case in SPLITS])
def test_split_records_one_multi_output_node(name, make):
    """``unbind``/``split``/``chunk`` record ONE node that every output points at with its own
    ``output_nr``, as PyTorch's multi-output views: the same names, the same sharing of nodes, the
    same ``next_functions``; the outputs are views of x (same storage, ``_base``, version)."""
    seen = {}
    for lib in (M, torch):
        x, outs = _split_outputs(lib, make)
        nodes = [o.grad_fn for o in outs]
        seen[lib] = ([n.name() for n in nodes], [o.output_nr for o in outs],
                     [nodes.index(m) for m in nodes], [walk(n) for n in nodes],
                     [tuple(o.shape) for o in outs], [o.stride() for o in outs],
                     [o.storage_offset() for o in outs])
        for o in outs:
            assert o._base is x and o._version == x._version
            if lib is M:
                assert o._get_storage() is x._get_storage()
            else:
                assert o.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()
    assert seen[M] == seen[torch]


@pytest.mark.parametrize("name,make", SPLITS, ids=[case[0] for case in SPLITS])
def test_split_gradients_match_torch(name, make):
    """Gradients through the node when only some outputs are used (the others count as zeros),
    first and second order."""
    results = []
    for lib in (M, torch):
        x, outs = _split_outputs(lib, make)
        used = [o for i, o in enumerate(outs) if i % 2 == 0]
        loss = sum(((i + 2) * o * o).sum() for i, o in enumerate(used))
        (grad,) = lib.autograd.grad(loss, x, create_graph=True)
        (grad2,) = lib.autograd.grad((grad * grad * x).sum(), x)
        results.append((grad.detach().numpy(), grad2.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name,make", SPLITS[:-1], ids=[case[0] for case in SPLITS[:-1]])
def test_split_gradcheck(name, make):
    x = M.tensor(np.random.default_rng(3).standard_normal((4, 3)), dtype=M.float64, requires_grad=True)
    assert M.autograd.gradcheck(lambda t: make(M, t), (x,))
    assert M.autograd.gradgradcheck(lambda t: make(M, t), (x,))


INPLACE_ON_OUTPUT = [
    ("add_", lambda o: o.add_(1)),
    ("zero_", lambda o: o.zero_()),
    ("setitem", lambda o: o.__setitem__(0, 3.0)),
    ("view_of_output", lambda o: o.view(-1).mul_(2)),
]


@pytest.mark.parametrize("leaf", [False, True], ids=["non_leaf", "leaf"])
@pytest.mark.parametrize("write_name,write", INPLACE_ON_OUTPUT, ids=[case[0] for case in INPLACE_ON_OUTPUT])
@pytest.mark.parametrize("split_name,make", SPLITS[:3] + SPLITS[6:7], ids=[c[0] for c in SPLITS[:3] + SPLITS[6:7]])
def test_inplace_on_a_multi_output_view_raises_as_torch(split_name, make, write_name, write, leaf):
    """PyTorch forbids writing in place into an output of unbind/split (or a view of one) that
    requires grad: "Output 0 of UnbindBackward0 is a view and is being modified inplace. ...".
    The values stay unchanged; under no_grad, or on a base without grad, the write goes through."""
    messages = {}
    for lib in (M, torch):
        x, _ = _split_outputs(lib, make)
        base = x if leaf else x * 1
        out = make(lib, base)[-1]
        before = base.detach().clone()
        with pytest.raises(RuntimeError) as info:
            write(out)
        messages[lib] = str(info.value)
        assert lib.equal(base.detach(), before)
        with lib.no_grad():
            write(make(lib, base)[0])
        write(make(lib, base.detach())[0])
    assert messages[M] == messages[torch]
    assert "is a view and is being modified inplace" in messages[M]


def test_multi_output_view_after_its_base_is_written_raises_as_torch():
    """When the base (or another view of it) is written in place, PyTorch refuses to regenerate an
    unbind/split output's node: reading ``grad_fn`` (any op on it) raises, ``output_nr`` and
    ``repr`` (``grad_fn=<Invalid>``) do not, an in-place write names the old node, and a backward
    through what was computed before the write still runs."""
    seen = {}
    for lib in (M, torch):
        x = lib.ones(3, 2, dtype=lib.float64, requires_grad=True)
        y = x * 1
        a = y.unbind()[1]
        v = y.split(2)[0][0]  # a view of an output
        z = a * 2
        y[2].add_(1)
        errors = []
        for use in (lambda t: t.grad_fn, lambda t: t * 2, lambda t: t.is_leaf, lambda t: t.mul_(2)):
            for t in (a, v):
                with pytest.raises(RuntimeError) as info:
                    use(t)
                errors.append(str(info.value))
        (grad,) = lib.autograd.grad(z.sum(), x)
        seen[lib] = (errors, a.output_nr, repr(a), a.requires_grad, grad.tolist())
    assert seen[M] == seen[torch]


# ---------------------------------------------------------------------------- unsafe splits
# (id, the outputs as a function of (lib, x)); x is (4, 3) float64 and requires grad
UNSAFE_SPLITS = [
    ("unsafe_split", lambda lib, x: lib.unsafe_split(x, 3)),
    ("unsafe_split_dim1", lambda lib, x: x.unsafe_split(2, dim=1)),
    ("unsafe_split_one_piece", lambda lib, x: x.unsafe_split(4)),
    ("unsafe_chunk", lambda lib, x: lib.unsafe_chunk(x, 2)),
    ("unsafe_chunk_uneven", lambda lib, x: x.unsafe_chunk(3, 1)),
    ("unsafe_chunk_of_a_view", lambda lib, x: x[1:].t().unsafe_chunk(2)),
    ("unsafe_chunk_of_an_empty_dim", lambda lib, x: x[:0].unsafe_chunk(3)),  # UnsafeSplitWithSizesBackward0
    ("unsafe_split_with_sizes", lambda lib, x: lib.unsafe_split_with_sizes(x, [1, 0, 3])),
    ("unsafe_split_with_sizes_method", lambda lib, x: x.unsafe_split_with_sizes([2, 1], 1)),
]


def _shares_memory(lib, out, x) -> bool:
    if lib is M:
        return out._get_storage() is x._get_storage()
    return out.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()


@pytest.mark.parametrize("name,make", UNSAFE_SPLITS, ids=[case[0] for case in UNSAFE_SPLITS])
def test_unsafe_split_records_one_node_of_outputs_that_are_not_views(name, make):
    """``unsafe_split``/``unsafe_chunk``/``unsafe_split_with_sizes``: one node for all the outputs,
    as ``split``, but the outputs are not views to autograd (no ``_base``, a version counter each)
    while they share the input's memory (same storage, the same offsets and strides as torch's)."""
    seen = {}
    for lib in (M, torch):
        x, outs = _split_outputs(lib, make)
        base = x if x._base is None else x._base
        nodes = [o.grad_fn for o in outs]
        seen[lib] = ([n.name() for n in nodes], [o.output_nr for o in outs],
                     [nodes.index(m) for m in nodes], [walk(n) for n in nodes],
                     [tuple(o.shape) for o in outs], [o.stride() for o in outs],
                     [o.storage_offset() for o in outs], [o.tolist() for o in outs])
        for o in outs:
            assert o._base is None and not o._is_view() and o.requires_grad
            assert _shares_memory(lib, o, base)
    assert seen[M] == seen[torch]


@pytest.mark.parametrize("name,make", UNSAFE_SPLITS, ids=[case[0] for case in UNSAFE_SPLITS])
def test_unsafe_split_gradients_match_torch(name, make):
    """First and second gradients when only some outputs are used (the others count as zeros)."""
    results = []
    for lib in (M, torch):
        x, outs = _split_outputs(lib, make)
        loss = sum(((i + 2) * o * o).sum() for i, o in enumerate(outs) if i % 2 == 0) + (x * 0).sum()
        (grad,) = lib.autograd.grad(loss, x, create_graph=True)
        (grad2,) = lib.autograd.grad((grad * grad * x).sum(), x)
        results.append((grad.detach().numpy(), grad2.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name,make", UNSAFE_SPLITS[:-3], ids=[case[0] for case in UNSAFE_SPLITS[:-3]])
def test_unsafe_split_gradcheck(name, make):
    x = M.tensor(np.random.default_rng(3).standard_normal((4, 3)), dtype=M.float64, requires_grad=True)
    assert M.autograd.gradcheck(lambda t: make(M, t), (x,))
    assert M.autograd.gradgradcheck(lambda t: make(M, t), (x,))


@pytest.mark.parametrize("leaf", [False, True], ids=["non_leaf", "leaf"])
@pytest.mark.parametrize("write_name,write", INPLACE_ON_OUTPUT, ids=[case[0] for case in INPLACE_ON_OUTPUT])
def test_inplace_on_an_unsafe_split_output_goes_through_as_torch(write_name, write, leaf):
    """Where ``split``'s outputs raise, an ``unsafe_split`` output is written in place like any
    tensor: the write lands in the input's memory, only the output's version moves, the output
    records the write's node, and backward runs through it. (The nodes are compared for the writes
    that record the same ones on any tensor: a write through a view records a ``CopySlices`` with
    other edges than PyTorch's, ``INPLACE_NODES_DIFFER``.)"""
    seen = {}
    for lib in (M, torch):
        x, _ = _split_outputs(lib, lambda lib, x: ())
        base = x if leaf else x * 1
        outs = lib.unsafe_split(base, 3)
        write(outs[-1])
        loss = sum(((i + 2) * o).sum() for i, o in enumerate(outs))
        (grad,) = lib.autograd.grad(loss, x)
        nodes = walk(outs[-1].grad_fn) if write_name in ("add_", "setitem", "zero_") else None
        seen[lib] = (base.tolist(), base._version, [o._version for o in outs], nodes, grad.tolist())
    assert seen[M] == seen[torch]


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.unsafe_split(x, 2.5), lambda lib, x: lib.unsafe_split(x, [2, 2]),
    lambda lib, x: lib.unsafe_split(x, True), lambda lib, x: lib.unsafe_split(x, -1),
    lambda lib, x: lib.unsafe_split(x, 0), lambda lib, x: lib.unsafe_split(x, 2, 2),
    lambda lib, x: lib.unsafe_split(x[0, 0], 1), lambda lib, x: x.unsafe_split(2, out=None),
    lambda lib, x: lib.unsafe_chunk(x, 0), lambda lib, x: lib.unsafe_chunk(x, 2.0),
    lambda lib, x: lib.unsafe_chunk(x[0, 0], 2), lambda lib, x: x.unsafe_chunk(2, -3),
    lambda lib, x: lib.split_with_sizes(x, 2), lambda lib, x: lib.split_with_sizes(x, [2.0, 2]),
    lambda lib, x: lib.split_with_sizes(x, [True, 3]), lambda lib, x: lib.split_with_sizes(x, [1, 2]),
    lambda lib, x: lib.split_with_sizes(x, [-1, 5]), lambda lib, x: lib.split_with_sizes(x[0, 0], [1]),
    lambda lib, x: x.split_with_sizes([4], 2), lambda lib, x: lib.unsafe_split_with_sizes(x, (1, 1)),
    lambda lib, x: lib.unsafe_split("x", 2), lambda lib, x: lib.split_with_sizes(x, lib.tensor([1, 3])),
])
def test_split_forms_raise_as_torch(call):
    """The argument errors of the three forms: the exception type and message of PyTorch's (the
    argument parser's TypeError positions apart)."""
    seen = {}
    for lib in (M, torch):
        x, _ = _split_outputs(lib, lambda lib, x: ())
        with pytest.raises(Exception) as info:
            call(lib, x)
        seen[lib] = (type(info.value), re.sub(r" \(position \d\)", "", str(info.value)))
    assert seen[M] == seen[torch]


# ---------------------------------------------------------------------------- next_functions with numbers
NUMBER_OPERANDS = {
    "x + 2": lambda lib, x, c: x + 2, "2 + x": lambda lib, x, c: 2 + x, "x - 2": lambda lib, x, c: x - 2,
    "2 - x": lambda lib, x, c: 2 - x, "x * 2": lambda lib, x, c: x * 2, "2 * x": lambda lib, x, c: 2 * x,
    "x / 2": lambda lib, x, c: x / 2, "2 / x": lambda lib, x, c: 2 / x, "x ** 2": lambda lib, x, c: x ** 2,
    "2 ** x": lambda lib, x, c: 2 ** x, "x ** 0.5": lambda lib, x, c: x ** 0.5, "x * 2.5": lambda lib, x, c: x * 2.5,
    "x + True": lambda lib, x, c: x + True, "x * c": lambda lib, x, c: x * c, "c / x": lambda lib, x, c: c / x,
    "x ** c": lambda lib, x, c: x ** c, "c ** x": lambda lib, x, c: c ** x,
    "add(x, 2)": lambda lib, x, c: lib.add(x, 2), "add(2, x)": lambda lib, x, c: lib.add(2, x),
    "add(x, 2, alpha=3)": lambda lib, x, c: lib.add(x, 2, alpha=3), "sub(x, 2)": lambda lib, x, c: lib.sub(x, 2),
    "sub(2, x)": lambda lib, x, c: lib.sub(2, x), "rsub(x, 2)": lambda lib, x, c: lib.rsub(x, 2),
    "mul(x, 2)": lambda lib, x, c: lib.mul(x, 2), "mul(2, x)": lambda lib, x, c: lib.mul(2, x),
    "div(x, 2)": lambda lib, x, c: lib.div(x, 2), "div(2, x)": lambda lib, x, c: lib.div(2, x),
    "div(x, 2, floor)": lambda lib, x, c: lib.div(x, 2, rounding_mode="floor"),
    "div(2, x, trunc)": lambda lib, x, c: lib.div(2, x, rounding_mode="trunc"),
    "pow(x, 2)": lambda lib, x, c: lib.pow(x, 2), "pow(2, x)": lambda lib, x, c: lib.pow(2, x),
    "x.add(2)": lambda lib, x, c: x.add(2), "x.sub(2)": lambda lib, x, c: x.sub(2),
    "x.mul(2)": lambda lib, x, c: x.mul(2), "x.div(2)": lambda lib, x, c: x.div(2),
    "x.pow(2)": lambda lib, x, c: x.pow(2), "x.true_divide(2)": lambda lib, x, c: x.true_divide(2),
    "where(x > 0, x, 2.0)": lambda lib, x, c: lib.where(x > 0, x, 2.0),
    "where(x > 0, 2.0, x)": lambda lib, x, c: lib.where(x > 0, 2.0, x),
    "where(x > 0, x, c)": lambda lib, x, c: lib.where(x > 0, x, c),
}


@pytest.mark.parametrize("make", NUMBER_OPERANDS.values(), ids=NUMBER_OPERANDS.keys())
def test_next_functions_list_a_number_operand_as_torch(make):
    """PyTorch wraps a Python number given where its op takes a Tensor (``add.Tensor``) in a 0-d
    tensor, which shows in ``next_functions`` as ``(None, 0)``; a Scalar argument (``pow(x, 2)``,
    ``rsub``) has no entry, nor has ``where``'s condition. The same entries, in the same order."""
    seen = {}
    for lib in (M, torch):
        x = lib.tensor([1.5, 2.0], dtype=lib.float64, requires_grad=True)
        c = lib.tensor([0.5, 3.0], dtype=lib.float64)
        node = make(lib, x, c).grad_fn
        seen[lib] = (node.name(), [(None if n is None else n.name(), nr) for n, nr in node.next_functions])
    assert seen[M] == seen[torch]


# ---------------------------------------------------------------------------- in-place writes' nodes
INPLACE_NODES = {
    "zero_": lambda lib, y: y.zero_(),
    "fill_": lambda lib, y: y.fill_(2),
    "fill_tensor": lambda lib, y: y.fill_(lib.tensor(2.0, dtype=lib.float64, requires_grad=True)),
    "fill_constant_tensor": lambda lib, y: y.fill_(lib.tensor(2.0, dtype=lib.float64)),
    "fill_tensor_cast": lambda lib, y: y.fill_(lib.tensor(2.0, requires_grad=True)),
    "t_": lambda lib, y: y.t_(),
    "row.zero_": lambda lib, y: y[0].zero_(),
    "view.mul_": lambda lib, y: y.view(-1).mul_(2),
    "copy_": lambda lib, y: y.copy_(lib.zeros(4, 3, dtype=lib.float64)),
    "setitem": lambda lib, y: y.__setitem__(0, 3.0),
    "mul_": lambda lib, y: y.mul_(2),
}
# docs/differences.md, "grad_fn after a write through a view": minitorch records these writes as a
# CopySlices with edges to the base's history and the values written, PyTorch as a CopySlices over
# the op's own node (its edges: the base's history and the op's other inputs). The gradients agree.
INPLACE_NODES_DIFFER = {"row.zero_", "view.mul_"}


@pytest.mark.parametrize("name", INPLACE_NODES)
def test_inplace_write_nodes(name):
    """The nodes an in-place write records, walked from the written tensor: PyTorch's, except for
    the writes listed in ``INPLACE_NODES_DIFFER`` (pinned here with both answers); the gradients
    through them agree in every case."""
    walks, grads = {}, {}
    for lib in (M, torch):
        x = lib.ones(4, 3, dtype=lib.float64, requires_grad=True)
        y = x * 1
        INPLACE_NODES[name](lib, y)
        walks[lib] = walk(y.grad_fn)
        ((y * y).sum()).backward()
        grads[lib] = x.grad.tolist()
    assert grads[M] == grads[torch]
    if name not in INPLACE_NODES_DIFFER:
        assert walks[M] == walks[torch]
        return
    assert walks[M] != walks[torch]
    assert walks[M][0] == walks[torch][0] == "torch::autograd::CopySlices"


@pytest.mark.parametrize("shape", [(), (3,), (4, 3)], ids=["0d", "1d", "2d"])
@pytest.mark.parametrize("value_grad", [False, True], ids=["constant", "requires_grad"])
@pytest.mark.parametrize("self_grad", [False, True], ids=["constant", "requires_grad"])
def test_fill_and_zero_record_pytorchs_nodes(shape, value_grad, self_grad):
    """``zero_``/``fill_`` of a tensor that is no view record PyTorch's node: ``ZeroBackward0``,
    ``FillBackward2`` (a number) or ``FillBackward3`` (a 0-d tensor, an edge to it as well), or
    none where nothing requires grad; the gradients of self's history (zero) and of the value (the
    sum of the incoming gradient), first and second order."""
    seen = {}
    for lib in (M, torch):
        x = lib.arange(1.0, 1.0 + np.prod(shape, dtype=int), dtype=lib.float64).reshape(shape)
        x.requires_grad_(self_grad)
        v = lib.tensor(1.5, dtype=lib.float64, requires_grad=value_grad)
        ys = [x * 1, x * 1, x * 1]
        ys[0].zero_()
        ys[1].fill_(2.5)
        ys[2].fill_(v)
        names = [None if y.grad_fn is None else walk(y.grad_fn) for y in ys]
        w = lib.arange(1.0, 1.0 + np.prod(shape, dtype=int), dtype=lib.float64).reshape(shape)
        leaves = [t for t in (x, v) if t.requires_grad]
        loss = sum((y * y * w).sum() for y in ys)
        grads = []
        if leaves:
            first = lib.autograd.grad(loss, leaves, create_graph=True, allow_unused=True)
            grads = [None if g is None else g.detach().tolist() for g in first]
            used = [g for g in first if g is not None and g.requires_grad]
            if used:
                second = lib.autograd.grad(sum((g * g).sum() for g in used), leaves, allow_unused=True)
                grads += [None if g is None else g.tolist() for g in second]
        seen[lib] = (names, [y.tolist() for y in ys], grads)
    assert seen[M] == seen[torch]


@pytest.mark.parametrize("make", [
    lambda lib, x: x * 1, lambda lib, x: x[0] * 1, lambda lib, x: x.sum() * 1, lambda lib, x: (x * 1)[1:],
    lambda lib, x: (x * 1)[0],
], ids=["2d", "1d", "0d", "view", "1d_view"])
def test_t_in_place_records_tbackward1(make):
    """``t_`` records ``TBackward1`` (``t()`` records ``TBackward0``) at every rank, on a view too
    (the view's own history, its base untouched); shape, strides and gradients as PyTorch's."""
    seen = {}
    for lib in (M, torch):
        x = lib.arange(6.0, dtype=lib.float64).reshape(2, 3).requires_grad_()
        m = make(lib, x)
        base = m._base
        m.t_()
        w = lib.arange(1.0, 1.0 + m.numel(), dtype=lib.float64).reshape(m.shape)
        (grad,) = lib.autograd.grad((m * m * w).sum(), x)
        seen[lib] = (walk(m.grad_fn), None if base is None else walk(base.grad_fn), tuple(m.shape), m.stride(),
                     m.tolist(), grad.tolist())
    assert seen[M] == seen[torch]


# Linear and matmul on more than a matrix: PyTorch folds the leading dims into rows of one product
# (``_flatten_nd_linear`` for a contiguous input with a bias, ``matmul``'s ``should_fold``), and the
# graph shows it: ``ViewBackward0`` over ``AddmmBackward0``, ``UnsafeViewBackward0`` over ``MmBackward0``.
def _stack(lib, shape, transpose=False, grad=True):
    rng = np.random.default_rng(sum(shape))
    x = lib.tensor(rng.standard_normal(shape), dtype=lib.float64)
    x = x.transpose(0, 1) if transpose else x
    return x.requires_grad_() if grad and x.is_leaf else x


FOLDS = [
    ("linear_3d", lambda lib, w, b: lib.nn.functional.linear(_stack(lib, (2, 3, 4)), w, b)),
    ("linear_4d", lambda lib, w, b: lib.nn.functional.linear(_stack(lib, (2, 2, 3, 4)), w, b)),
    ("linear_1d", lambda lib, w, b: lib.nn.functional.linear(_stack(lib, (4,)), w, b)),
    ("linear_empty", lambda lib, w, b: lib.nn.functional.linear(_stack(lib, (2, 0, 4)), w, b)),
    ("linear_non_contiguous", lambda lib, w, b: lib.nn.functional.linear(_stack(lib, (3, 2, 4), True), w, b)),
    ("linear_3d_no_bias", lambda lib, w, b: lib.nn.functional.linear(_stack(lib, (2, 3, 4)), w)),
    ("matmul_stack_matrix", lambda lib, w, b: lib.matmul(_stack(lib, (2, 3, 4)), w.t())),
    ("matmul_stack_constant", lambda lib, w, b: lib.matmul(_stack(lib, (2, 3, 4)), w.detach().t())),
    ("matmul_copied_stack", lambda lib, w, b: lib.matmul(_stack(lib, (3, 2, 4), True), w.t())),
]


@pytest.mark.parametrize("name,make", FOLDS, ids=[case[0] for case in FOLDS])
def test_linear_and_matmul_fold_a_stack_as_torch(name, make):
    """Node names depth-first, values, and the gradients of every leaf against torch."""
    results = {}
    for lib in (torch, M):
        rng = np.random.default_rng(1)
        w = lib.tensor(rng.standard_normal((5, 4)), dtype=lib.float64, requires_grad=True)
        b = lib.tensor(rng.standard_normal(5), dtype=lib.float64, requires_grad=True)
        y = make(lib, w, b)
        leaves = [w, b]
        y.backward(lib.ones_like(y))
        results[lib] = (walk(y.grad_fn), y.detach().numpy(), [None if t.grad is None else t.grad.numpy() for t in leaves])
    assert results[M][0] == results[torch][0]
    np.testing.assert_allclose(results[M][1], results[torch][1], rtol=1e-12, atol=1e-12)
    for ours, theirs in zip(results[M][2], results[torch][2]):
        assert (ours is None) == (theirs is None)
        if ours is not None:
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
