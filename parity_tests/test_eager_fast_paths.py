"""Issue 19 part 2, less Python per op: the shortcuts of the per-op path keep PyTorch's semantics.

- ``Function.apply`` skips the grad-mode switch for a Primitive that records nothing, and builds no
  tuple for one output; ``_record`` gives a node its creation order and edges only when it records;
- ``promote`` returns same-dtype operands untouched; ``add``/``sub`` check ``alpha`` only when it is
  not the default (and then as PyTorch does, bool results included);
- tanh's, sigmoid's and log_softmax's gradients are one op each (PyTorch's ``tanh_backward``,
  ``sigmoid_backward``, ``_log_softmax_backward_data``), differentiable again with PyTorch's formulas.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minitorch as mt


def _outcome(lib, fn):
    try:
        y = fn(lib)
    except Exception as e:  # noqa: BLE001 - the exception type is what is compared
        return type(e).__name__, str(e)
    return y.tolist(), str(y.dtype).split(".")[-1]


@pytest.mark.parametrize("values", [[1.5, 2.0], [True, False], [1, 2]])
@pytest.mark.parametrize("alpha", [True, False, 0, 1, 2, 1.0, 2.5])
@pytest.mark.parametrize("op", ["add", "sub"])
def test_alpha_as_torch(op, alpha, values):
    def call(lib):
        t = lib.tensor(values)
        return getattr(lib, op)(t, t, alpha=alpha)

    assert _outcome(mt, call) == _outcome(torch, call)


def test_no_grad_results_and_grad_mode():
    x = mt.randn(3, 3)
    y = x + x
    assert not y.requires_grad and y.grad_fn is None
    assert mt.is_grad_enabled()
    with mt.no_grad():
        w = mt.randn(3, requires_grad=True)
        z = w * 2
        assert not z.requires_grad and z.grad_fn is None
    assert mt.is_grad_enabled()


def test_edges_only_for_inputs_that_need_grad():
    a = np.random.default_rng(0).standard_normal((2, 3))
    names = []
    for lib in (mt, torch):
        w = lib.tensor(a, requires_grad=True)
        x = lib.tensor(a)
        y = (w * x + x) @ x.t()
        names.append([None if n is None else type(n).__name__ for n, _ in y.grad_fn.next_functions])
        names.append([None if n is None else type(n).__name__
                      for n, _ in y.grad_fn.next_functions[0][0].next_functions])
    assert names[:2] == names[2:]


def test_backward_order_follows_creation():
    """Nodes get their creation order when recorded: two branches accumulate as in PyTorch."""
    seen = {}
    for lib in (mt, torch):
        order = []
        w = lib.ones(2, requires_grad=True)
        a = w * 2
        b = w * 3
        a.register_hook(lambda g, order=order: order.append("a"))
        b.register_hook(lambda g, order=order: order.append("b"))
        (a + b).sum().backward()
        seen[lib.__name__] = order
    assert seen["minitorch"] == seen["torch"]


@pytest.mark.parametrize("op, node", [("tanh", "TanhBackwardBackward0"), ("sigmoid", "SigmoidBackwardBackward0"),
                                      ("log_softmax", "LogSoftmaxBackwardDataBackward0")])
def test_fused_gradients_are_differentiable_as_torch(op, node):
    rng = np.random.default_rng(1)
    a, w = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    out = {}
    for lib in (mt, torch):
        x = lib.tensor(a, requires_grad=True)
        f = (lambda t, lib=lib: lib.log_softmax(t, 1)) if op == "log_softmax" else (lambda t: getattr(t, op)())
        g, = lib.autograd.grad((f(x) * lib.tensor(w)).sum(), x, create_graph=True)
        gg, = lib.autograd.grad((g * g * lib.tensor(w)).sum(), x, create_graph=True)
        ggg, = lib.autograd.grad((gg * gg).sum(), x)
        out[lib.__name__] = (type(g.grad_fn).__name__, g.detach().numpy(), gg.detach().numpy(), ggg.numpy())
    assert out["minitorch"][0] == out["torch"][0] == node
    for ours, theirs in zip(out["minitorch"][1:], out["torch"][1:]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("op", ["tanh", "sigmoid"])
def test_fused_gradients_gradcheck(op):
    x = mt.tensor(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True)
    assert mt.autograd.gradcheck(lambda t: getattr(t, op)(), (x,))
    assert mt.autograd.gradgradcheck(lambda t: getattr(t, op)(), (x,))
    assert mt.autograd.gradgradcheck(lambda t: mt.log_softmax(t, 1), (x,))


# ----------------------------------------------------------------------------- nll_loss as two primitives
NLL_CASES = {
    "plain": {},
    "ignored": {"ignore_index": 2},
    "weighted": {"weight": [0.5, 2.0, 1.0, 0.25]},
    "weighted_ignored": {"weight": [0.5, 2.0, 1.0, 0.25], "ignore_index": 1},
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", sorted(NLL_CASES))
def test_nll_loss_and_its_gradients_as_torch(case, reduction):
    """nll_loss's forward and its gradient (``NllLossBackwardBackward0``, whose own gradient is
    nll_loss again) are one op each: values, first and second order gradients, and the node of
    the gradient, against torch's; a 3-d input (class dim 1 of (N, C, L)) too."""
    rng = np.random.default_rng(3)
    for shape, target_shape in [((5, 4), (5,)), ((3, 4, 2), (3, 2)), ((4,), ())]:
        a, gw = rng.standard_normal(shape), rng.standard_normal(shape)
        y = rng.integers(0, 4, target_shape)
        out = {}
        for lib in (mt, torch):
            kwargs = dict(NLL_CASES[case], reduction=reduction)
            if "weight" in kwargs:
                kwargs["weight"] = lib.tensor(kwargs["weight"], dtype=lib.float64)
            x = lib.tensor(a, requires_grad=True)
            loss = lib.nn.functional.nll_loss(x, lib.tensor(y), **kwargs)
            g, = lib.autograd.grad((loss * loss).sum(), x, create_graph=True)
            gg, = lib.autograd.grad((g * lib.tensor(gw)).sum(), x)
            out[lib.__name__] = (loss.detach().numpy(), g.detach().numpy(), gg.numpy())
        for ours, theirs in zip(out["minitorch"], out["torch"]):
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


def test_nll_loss_saved_input_written_in_place_fails_backward():
    """The node keeps its input (as PyTorch's): writing into it in place fails backward, in both."""
    errors = []
    for lib in (mt, torch):
        x = lib.zeros(3, 4, requires_grad=True)
        logp = x * 1
        loss = lib.nn.functional.nll_loss(logp, lib.tensor([0, 1, 3]))
        logp.add_(1)
        with pytest.raises(RuntimeError) as info:
            loss.backward()
        errors.append(str(info.value).split(":")[0])
    assert errors[0] == errors[1]


@pytest.mark.parametrize("case", sorted(NLL_CASES))
def test_compiled_cross_entropy_replays_new_targets(case):
    """The target, weights and mask reach both primitives as arrays: a replayed step reads the new
    batch's (a constant would be silently stale). Bit-identical to eager over batches whose targets
    change, the ignored entries included."""
    def run(compiled: bool):
        mt.manual_seed(0)
        lin = mt.nn.Linear(6, 4)
        opt = mt.optim.SGD(lin.parameters(), lr=0.1)
        kwargs = dict(NLL_CASES[case])
        if "weight" in kwargs:
            kwargs["weight"] = mt.tensor(kwargs["weight"])

        def step(x, y):
            opt.zero_grad()
            loss = mt.nn.functional.cross_entropy(lin(x), y, **kwargs)
            loss.backward()
            opt.step()
            return loss

        fn = mt.compile(step) if compiled else step
        rng = np.random.default_rng(4)
        losses = []
        for _ in range(6):
            x = mt.tensor(rng.standard_normal((8, 6)).astype(np.float32))
            y = mt.tensor(np.r_[rng.integers(0, 4, 7), 0 if case == "plain" else 3])  # never all ignored
            losses.append(fn(x, y).item())
        return losses, lin.weight.detach().numpy().copy()

    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a changed "is a target ignored?" captures again (a warning)
        eager, compiled = run(False), run(True)
    assert eager[0] == compiled[0]
    assert np.array_equal(eager[1], compiled[1])


# ----------------------------------------------------------------------------- third round
def _both(fn):
    """``fn(lib)`` in both libraries, as lists (or the exception's type and message)."""
    return [_outcome(lib, fn) for lib in (mt, torch)]


def test_plain_backward_still_runs_hooks_and_retain_grad():
    """The engine's plain path (no hooks, capture, anomaly or profiler) is left for any node that
    has a tensor hook, a node hook or a retained gradient, whichever node of the graph it is."""
    a = np.random.default_rng(1).standard_normal((3, 4))
    seen = []
    for lib in (mt, torch):
        log = []
        w = lib.tensor(a, requires_grad=True)
        h = (w * 2).tanh()
        h.retain_grad()
        h.register_hook(lambda g: g * 3)
        s = h.sigmoid()
        s.grad_fn.register_hook(lambda gi, go, log=log: log.append("post") or (gi[0] + 1,))
        s.exp().sum().backward()
        seen.append((np.asarray(w.grad.tolist()), np.asarray(h.grad.tolist()), log))
    np.testing.assert_allclose(seen[0][0], seen[1][0], rtol=1e-6)
    np.testing.assert_allclose(seen[0][1], seen[1][1], rtol=1e-6)
    assert seen[0][2] == seen[1][2] == ["post"]


def test_plain_backward_checks_the_number_of_gradients():
    class Wrong(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g  # one gradient for two inputs

    x = mt.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="returned an incorrect number of gradients"):
        Wrong.apply(x, x).sum().backward()


def test_bias_gradient_sum_and_invalid_shapes():
    """A gradient with leading dims to sum (a bias) is one sum; one of a shape that does not
    broadcast to the input still raises PyTorch's error."""
    def bias(lib):
        b = lib.arange(3.0, requires_grad=True)
        (lib.ones(2, 4, 3) * b).sum().backward()
        return b.grad

    assert _both(bias)[0] == _both(bias)[1]

    class Bad(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return mt.ones(5, 3)

    x = mt.randn(4, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"returned an invalid gradient at index 0 - got \[5, 3\]"):
        Bad.apply(x).sum().backward()


@pytest.mark.parametrize("reduce", ["sum", "mean"])
@pytest.mark.parametrize("dim", [None, (0, 1), 1])
def test_reduction_gradients_of_every_order(reduce, dim):
    """A sum or mean over every dim expands its 0-d gradient directly (PyTorch's SumBackward0):
    first and second order gradients, and the nodes of the gradient's graph, as PyTorch's."""
    a = np.random.default_rng(2).standard_normal((2, 3))
    out = []
    for lib in (mt, torch):
        x = lib.tensor(a, requires_grad=True)
        y = getattr(x * x, reduce)() if dim is None else getattr(x * x, reduce)(dim=dim)
        v = lib.ones_like(y, requires_grad=True)
        (g,) = lib.autograd.grad(y, x, v, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        out.append((g.tolist(), gg.tolist(), type(g.grad_fn).__name__))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-6)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-6)
    assert out[0][2] == out[1][2]


@pytest.mark.parametrize("layout", ["row", "column"])
def test_matmul_gradients_layout_and_double_backward(layout):
    """matmul's gradients transpose with the Transpose view directly: the gradients, their
    strides (a column-major operand gets a column-major gradient) and second order as torch's."""
    rng = np.random.default_rng(3)
    out = []
    for lib in (mt, torch):
        a = lib.tensor(rng.standard_normal((4, 3)) if layout == "row" else rng.standard_normal((3, 4)),
                       requires_grad=True)
        b = lib.tensor(rng.standard_normal((3, 5)), requires_grad=True)
        rng = np.random.default_rng(3)
        m = a if layout == "row" else a.t()
        y = m @ b
        ga, gb = lib.autograd.grad((y * y).sum(), (a, b), create_graph=True)
        (gga,) = lib.autograd.grad((ga * gb.sum()).sum(), a)
        out.append((ga.tolist(), gb.tolist(), ga.stride(), gb.stride(), gga.tolist()))
    for mine, theirs in zip(out[0], out[1]):
        if isinstance(mine, tuple):
            assert mine == theirs
        else:
            np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op", ["add", "sub", "add_alpha", "sub_alpha", "maximum", "minimum", "atan2",
                                "where"])
@pytest.mark.parametrize("needs", [(True, False), (False, True), (True, True)])
def test_binary_gradients_only_for_inputs_that_need_them(op, needs):
    """A binary op's backward computes no gradient for an operand that needs none (``h - x``
    with a constant x makes no ``-g``); the gradients it does compute are torch's."""
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    a[0, 0] = b[0, 0]  # a tie: maximum/minimum split the gradient
    calls = {"add": lambda lib, x, y: x + y, "sub": lambda lib, x, y: x - y,
             "add_alpha": lambda lib, x, y: lib.add(x, y, alpha=2.0),
             "sub_alpha": lambda lib, x, y: lib.sub(x, y, alpha=2.0),
             "maximum": lambda lib, x, y: lib.maximum(x, y), "minimum": lambda lib, x, y: lib.minimum(x, y),
             "atan2": lambda lib, x, y: lib.atan2(x, y), "where": lambda lib, x, y: lib.where(x > 0, x, y)}
    out = []
    for lib in (mt, torch):
        x = lib.tensor(a, requires_grad=needs[0])
        y = lib.tensor(b, requires_grad=needs[1])
        (calls[op](lib, x, y) * lib.tensor(b)).sum().backward()
        out.append([None if t.grad is None else t.grad.tolist() for t in (x, y)])
    for mine, theirs in zip(*out):
        assert (mine is None) == (theirs is None)
        if mine is not None:
            np.testing.assert_allclose(mine, theirs, rtol=1e-6)


def test_sub_of_a_constant_makes_no_negation_in_backward():
    from minitorch.autograd import observers

    ops = []

    class Names(observers.Observer):
        def begin_op(self, cls, args):
            ops.append(cls.__name__)

    h, x = mt.randn(3, requires_grad=True), mt.randn(3)
    loss = (h - x).sum()
    watcher = Names()
    observers.watch(watcher)
    try:
        loss.backward()
    finally:
        observers.unwatch(watcher)
    assert "Neg" not in ops and h.grad.tolist() == [1.0, 1.0, 1.0]


def test_gradients_meeting_at_a_node_add_in_place_only_when_unseen():
    """Gradients that meet at a node are summed in place when nothing else holds the first one
    (PyTorch's InputBuffer); a gradient a hook kept, or one flowing along two edges, is never
    written: the kept values and every .grad are torch's."""
    a = np.random.default_rng(5).standard_normal((3, 4))
    out = []
    for lib in (mt, torch):
        kept = []
        w = lib.tensor(a, requires_grad=True)
        others = (w * 3).sum() + (w + w).tanh().sum() + (w @ w.t()).sum()
        u = w + 1  # its gradient flows on to w unchanged, first (the latest node runs first):
        u.register_hook(lambda g, kept=kept: kept.append(g))  # the tensor the hook kept
        (others + (u * 2).sum()).backward()
        out.append((w.grad.tolist(), kept[0].tolist()))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-6)
    assert out[0][1] == out[1][1]


def test_watchers_set_the_one_global_apply_reads():
    """``Function.apply`` reads ``function._observer`` only; ``observers.watch``/``unwatch`` keep it
    current (None when nobody watches: the fast path), and ``observers.py`` imports nothing of
    ``function.py`` (imports go one way)."""
    from minitorch.autograd import function, observers

    a, b = observers.Observer(), observers.Observer()
    assert function._observer is None
    observers.watch(a)
    assert function._observer is a
    observers.watch(b)
    assert function._observer.observers == (a, b)
    observers.unwatch(a)
    assert function._observer is b
    observers.unwatch(b)
    assert function._observer is None
    assert "function" not in vars(observers)
