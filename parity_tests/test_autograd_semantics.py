"""Autograd semantics vs PyTorch: each scenario is one small program run in both libraries.

A scenario takes the library module (``torch`` or ``minitorch``) and returns plain Python values
(lists, names, flags); the test asserts both libraries return the same thing. An exception is
part of the result: its type and, where the scenario says so, its message.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import minitorch

SCENARIOS = {}


def scenario(fn):
    SCENARIOS[fn.__name__] = fn
    return fn


class Raised(Exception):
    """Marks a scenario whose expected outcome is an exception (compared by type and message)."""


def outcome(fn, lib):
    try:
        return fn(lib)
    except (RuntimeError, TypeError, ValueError, IndexError) as e:
        return ("raised", type(e).__name__, str(e).split("\n")[0])


def f64(lib, data, rg=True):
    return lib.tensor(data, dtype=lib.float64, requires_grad=rg)


def names(node):
    return [(type(n).__name__ if n is not None else None, nr) for n, nr in node.next_functions]


# ----------------------------------------------------------------------------- version counters
@scenario
def version_counter(lib):
    x = lib.ones(3)
    r = [x._version]
    x.add_(1); r.append(x._version)
    y = x[1:]; y.mul_(2); r += [x._version, y._version]
    x[0] = 5; r.append(x._version)
    d = x.detach(); d.zero_(); r.append(x._version)       # detach shares the counter
    x.data.zero_(); r.append(x._version)                   # .data does not
    x += 1; r.append(x._version)
    return r


@scenario
def grad_never_aliases_a_tensor_the_user_holds(lib):
    """``.grad`` takes over the incoming gradient's memory only when nothing else holds it
    (PyTorch's AccumulateGrad "stealing"): the gradient given to ``backward``, one a hook kept or a
    view of it, a ``retain_grad`` intermediate's and another leaf's stay separate from ``.grad``."""
    r = []
    w = f64(lib, [1.0, 2.0]); g0 = lib.tensor([2.0, 3.0], dtype=lib.float64)
    w.backward(g0); g0.mul_(10); r.append(w.grad.tolist())
    x = f64(lib, [[1.0, 2.0], [3.0, 4.0]]); kept = []
    x.register_hook(lambda g: kept.append(g[0])); (x * 3).sum().backward(); kept[0].zero_(); r.append(x.grad.tolist())
    c = f64(lib, [1.0, 2.0]); m = c * 1; m.retain_grad(); (m * 2).sum().backward()
    m.grad.zero_(); r.append(c.grad.tolist())
    a, b = f64(lib, [1.0]), f64(lib, [2.0]); (a * 5 + b * 1).sum().backward(); a.grad.zero_(); r.append(b.grad.tolist())
    lin = lib.nn.Linear(3, 2).double(); out = lin(lib.ones(4, 3, dtype=lib.float64)); out.sum().backward()
    g1 = lin.weight.grad; r.append(g1.tolist())
    lin(lib.ones(4, 3, dtype=lib.float64)).sum().backward(); r += [lin.weight.grad is g1, g1.tolist()]
    v = lin.weight.grad._version; lin.weight.grad.add_(1); r.append(lin.weight.grad._version - v)
    return r


@scenario
def saved_tensor_modified(lib):
    a = lib.ones(3, requires_grad=True)
    b = a.exp()
    b.add_(1)
    b.sum().backward()


@scenario
def saved_input_modified(lib):
    a = lib.ones(3, requires_grad=True)
    b = a * 1
    c = b * b
    b.mul_(2)
    c.sum().backward()


@scenario
def leaf_inplace(lib):
    lib.ones(3, requires_grad=True).add_(1)


@scenario
def leaf_view_inplace(lib):
    a = lib.ones(3, requires_grad=True)
    a[0:2].add_(1)


@scenario
def leaf_setitem(lib):
    a = lib.ones(3, requires_grad=True)
    a[0] = 2.0


@scenario
def leaf_inplace_no_grad(lib):
    a = lib.ones(3, requires_grad=True)
    with lib.no_grad():
        a.add_(1)
        a[0] = 7
    return a.tolist(), a._version, a.is_leaf, a.requires_grad


# ----------------------------------------------------------------------------- in-place and views
@scenario
def copyslices(lib):
    a = lib.arange(6.0).reshape(3, 2).double().requires_grad_()
    c = f64(lib, [[1.0, 2.0], [3.0, 4.0]])
    b = a.clone()
    b[0].mul_(2)
    b[1:] += c
    (b ** 2).sum().backward()
    return a.grad.tolist(), c.grad.tolist(), b.grad_fn.name(), b._version


@scenario
def inplace_nonleaf(lib):
    a = f64(lib, [1.0, 2.0, 3.0])
    b = a * 2
    b.mul_(a)
    b.add_(1)
    b.sin_()
    b.sum().backward()
    return a.grad.tolist(), b.grad_fn.name(), b._version


@scenario
def other_view_sees_new_history(lib):
    a = lib.arange(6.0).double().requires_grad_()
    b = a.clone()
    v1, v2 = b[:3], b[2:]
    v1.mul_(3)
    (v2 ** 2).sum().backward()
    return a.grad.tolist(), v2.grad_fn.name(), v1.grad_fn.name()


@scenario
def other_view_reshaped(lib):
    a = lib.arange(6.0).double().requires_grad_()
    b = a.clone()
    v, w = b.view(2, 3), b.view(3, 2)
    v[0, 0] = 10.0
    (w * w).sum().backward()
    return a.grad.tolist(), w.grad_fn.name(), v.grad_fn.name(), b.grad_fn.name()


@scenario
def base_sees_view_write(lib):
    a = f64(lib, [1.0, 2.0, 3.0, 4.0])
    c = f64(lib, [5.0, 6.0])
    b = a.clone()
    b.t()[1:3].copy_(c)
    (b * b).sum().backward()
    return a.grad.tolist(), c.grad.tolist(), b.tolist()


@scenario
def view_requires_grad_after_base_write(lib):
    x = f64(lib, [1.0, 2.0, 3.0])
    b = lib.zeros(3, dtype=lib.float64)
    v = b[:2]
    b.copy_(x)
    (v * 3).sum().backward()
    return v.requires_grad, v.grad_fn.name(), x.grad.tolist()


@scenario
def write_constant_into_nonleaf(lib):
    a = f64(lib, [1.0, 2.0, 3.0])
    b = a * 2
    b[1] = 0.0
    b.sum().backward()
    return a.grad.tolist(), b.grad_fn.name()


@scenario
def transposed_base_view_write(lib):
    a = f64(lib, [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    b = a.t().clone().t()  # a base whose memory is column-major
    b = b * 1
    c = f64(lib, [7.0, 8.0])
    b[1] = c
    (b ** 2).sum().backward()
    return a.grad.tolist(), c.grad.tolist()


# ----------------------------------------------------------------------------- hooks, retain_grad
@scenario
def hooks_order_and_replacement(lib):
    log = []
    x = lib.ones(2, requires_grad=True)
    y = x * 2
    h1 = y.register_hook(lambda g: log.append(("h1", g.tolist())) or g * 3)
    y.register_hook(lambda g: log.append(("h2", g.tolist())))
    x.register_hook(lambda g: log.append(("x", g.tolist())))
    y.retain_grad()
    y.sum().backward(retain_graph=True)
    h1.remove()
    y.sum().backward()
    return log, x.grad.tolist(), y.grad.tolist()


@scenario
def leaf_hook_replaces_grad(lib):
    x = lib.ones(2, requires_grad=True)
    x.register_hook(lambda g: g * 10)
    (x * 3).sum().backward()
    return x.grad.tolist()


@scenario
def node_hook_replaces_grad_inputs(lib):
    x = lib.ones(2, requires_grad=True)
    y = x * 2
    seen = []
    y.grad_fn.register_hook(lambda gi, go: seen.append((len(gi), go[0].tolist())))
    y.grad_fn.register_hook(lambda gi, go: tuple(g * 10 if g is not None else None for g in gi))
    y.sum().backward()
    return x.grad.tolist(), seen


@scenario
def node_hook_none_drops_a_gradient(lib):
    """A node hook's tuple replaces the gradients as a whole: a None in it is no gradient."""
    x = lib.ones(2, requires_grad=True)
    z = (x * 2) * 3
    z.grad_fn.register_hook(lambda gi, go: (None,) * len(gi))
    z.sum().backward()
    y = x * 2
    y.grad_fn.register_prehook(lambda go: (None,))
    y.sum().backward()
    return x.grad


def _values(grads):
    return [None if g is None else g.tolist() for g in grads]


@scenario
def node_prehook_order_with_tensor_hooks(lib):
    """At a node: its output tensors' hooks, ``retain_grad``, the node's prehooks (each sees the
    last one's tuple), the node, its post hooks. A prehook's tuple replaces the gradient."""
    log = []
    x = f64(lib, [1.0, 2.0])
    y = x * 2
    z = y.exp()
    y.register_hook(lambda g: log.append(("tensor", g.tolist())) or g * 10)
    y.retain_grad()
    y.grad_fn.register_prehook(lambda go: log.append(("pre1", _values(go))) or (go[0] + 1,))
    y.grad_fn.register_prehook(lambda go: log.append(("pre2", _values(go))))
    y.grad_fn.register_hook(lambda gi, go: log.append(("post", _values(go))))
    z.sum().backward()
    return log, y.grad.tolist(), x.grad.tolist()


@scenario
def node_prehook_handle_removes(lib):
    x = lib.ones(2, requires_grad=True)
    y = x * 2
    h = y.grad_fn.register_prehook(lambda go: (go[0] * 0,))
    y.sum().backward(retain_graph=True)
    r = [x.grad.tolist()]
    h.remove()
    h.remove()  # a second remove does nothing
    y.sum().backward()
    return r + [x.grad.tolist()]


@scenario
def node_prehook_at_a_leaf(lib):
    """``AccumulateGrad``'s prehooks run after the leaf's tensor hooks, before ``.grad`` is added to."""
    log = []
    x = lib.ones(2, requires_grad=True)
    y = x * 2
    x.register_hook(lambda g: log.append(("tensor", g.tolist())) or g * 3)
    acc = y.grad_fn.next_functions[0][0]
    acc.register_prehook(lambda go: log.append(("pre", _values(go))) or (go[0] + 100,))
    y.sum().backward()
    return log, x.grad.tolist()


def _two_outputs(lib):
    """A user's Function with two outputs (``x * 2``, ``x * 3``): one node, two output gradients."""

    class TwoOutputs(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g2, g3):
            return g2 * 2 + g3 * 3

    return TwoOutputs


@scenario
def accumulate_grad_post_hook(lib):
    """A leaf's ``AccumulateGrad`` runs its post hooks after adding into ``.grad``, with no
    gradient inputs (``()``); not when ``autograd.grad`` only captures the leaf's gradient; after a
    prehook that dropped the gradient, with ``(None,)`` and ``.grad`` left as it was."""
    log = []
    x = lib.ones(2, requires_grad=True)
    acc = (x * 2).grad_fn.next_functions[0][0]
    acc.register_hook(lambda gi, go: log.append((gi, _values(go), x.grad.tolist())))
    (x * 2).sum().backward()
    lib.autograd.grad((x * 2).sum(), x)
    acc.register_prehook(lambda go: (None,))
    (x * 2).sum().backward()
    return log, x.grad.tolist()


@scenario
def node_prehook_sees_none_for_an_output_without_gradient(lib):
    """Before the node runs, an output no gradient reached is None (zeros come later, in the node)."""
    x = f64(lib, [1.0, 2.0])
    a, _unused = _two_outputs(lib).apply(x)
    seen = []
    a.grad_fn.register_prehook(lambda go: seen.append(_values(go)))
    a.sum().backward()
    return seen, x.grad.tolist()


@scenario
def node_prehook_runs_only_where_the_node_runs(lib):
    """``autograd.grad``: a node it only captures a gradient at, or a leaf's ``AccumulateGrad``,
    does not run, and neither do its prehooks."""
    log = []
    x = lib.ones(2, requires_grad=True)
    y = x * 2
    y.grad_fn.register_prehook(lambda go: log.append("y"))
    y.grad_fn.next_functions[0][0].register_prehook(lambda go: log.append("leaf"))
    (gx,) = lib.autograd.grad((y * y).sum(), x)
    (gy,) = lib.autograd.grad((y * y).sum(), y)
    return log, gx.tolist(), gy.tolist()


@scenario
def hooks_removed_while_running(lib):
    """A hook that removes hooks while the hooks run: each kind of hook list runs the list as it
    was when it started (PyTorch iterates over a snapshot), so every hook runs once."""
    out = {}
    for kind in ("tensor", "leaf", "node", "prenode"):
        x = lib.ones(2, requires_grad=True)
        y = x * 2
        calls, handles = [], {}

        def a(*g, calls=calls, handles=handles):
            calls.append("a")
            handles["a"].remove()

        def b(*g, calls=calls, handles=handles):
            calls.append("b")
            handles["c"].remove()

        def c(*g, calls=calls):
            calls.append("c")

        target = {"tensor": y, "leaf": x, "node": y.grad_fn, "prenode": y.grad_fn}[kind]
        register = target.register_prehook if kind == "prenode" else target.register_hook
        for name, fn in (("a", a), ("b", b), ("c", c)):
            handles[name] = register(fn)
        y.sum().backward()
        if kind == "leaf":  # the removed hooks stay removed: a second backward runs b only
            (x * 2).sum().backward()
        out[kind] = list(calls)
    return out


def _prehook_returning(value):
    def bad(go):
        return value(go)
    return bad


@pytest.mark.parametrize("returns", ["two", "tensor", "list", "size", "dtype", "str", "fill_none"])
def test_node_prehook_result_checked_as_torch(returns):
    """A prehook's result is checked as PyTorch checks it: a tuple, of the node's output count,
    each gradient of its size and dtype (type and message)."""
    def run(lib):
        value = {
            "two": lambda go: (go[0], go[0]), "tensor": lambda go: go[0], "list": lambda go: [go[0]],
            "size": lambda go: (lib.ones(3),), "dtype": lambda go: (go[0].double(),),
            "str": lambda go: ("a",), "fill_none": lambda go: (go[0], lib.ones(2)),
        }[returns]
        x = lib.ones(2, requires_grad=True)
        if returns == "fill_none":  # output 1 gets no gradient: giving it one raises
            out = _two_outputs(lib).apply(x)[0]
        else:
            out = x * 2
        out.grad_fn.register_prehook(_prehook_returning(value))
        out.sum().backward()
        return x.grad.tolist()

    assert outcome(run, minitorch) == outcome(run, torch)
    assert outcome(run, torch)[0] == "raised"


@scenario
def grad_none_before_backward(lib):
    x = lib.ones(2, requires_grad=True)
    (x * 2).sum()
    return x.grad is None, (lib.ones(2) * 2).grad is None


@scenario
def accumulation(lib):
    x = f64(lib, [1.0, 2.0])
    for _ in range(3):
        (x * x).sum().backward()
    return x.grad.tolist()


@scenario
def grad_layout_contract(lib):
    """``.grad`` takes the leaf's strides (dense leaf) or row-major (otherwise), whatever layout
    the backward produced, and owns its memory."""
    lib.manual_seed(0)
    linear = lib.nn.Linear(4, 3)                       # its backward sees weight.t()
    linear(lib.ones(2, 4)).sum().backward()
    transposed = lib.randn(3, 4).t().requires_grad_()  # a dense, column-major leaf
    expanded = lib.randn(1, 4).expand(3, 4).requires_grad_()  # an overlapping leaf
    g = lib.randn(4, 3)
    (transposed * g).sum().backward()
    (expanded * 2).sum().backward()
    x = lib.ones(3, requires_grad=True)
    user = lib.full((3,), 2.0)
    x.backward(user)
    user.add_(1)                                       # x.grad must not alias the user's gradient
    return [(t.grad.shape, t.grad.stride()) for t in (linear.weight, linear.bias, transposed, expanded)], \
        x.grad.tolist()


@scenario
def mm_grad_layouts(lib):
    """A column-major operand of mm/addmm/matmul gets a column-major gradient."""
    out = []
    for f in (lambda a, b: a.mm(b), lambda a, b: lib.addmm(lib.ones(3), a, b), lambda a, b: a @ b):
        a = f64(lib, np.arange(8.0).reshape(4, 2)).t()     # (2, 4), strides (1, 2)
        b = f64(lib, np.arange(12.0).reshape(3, 4)).t()    # (4, 3), strides (1, 4)
        ga, gb = lib.autograd.grad(f(a, b).sum(), (a, b))
        c = f64(lib, np.ones((2, 4)))
        (gc,) = lib.autograd.grad(f(c, b.detach()).sum(), (c,))
        out += [ga.stride(), gb.stride(), gc.stride(), ga.tolist(), gb.tolist()]
    return out


@scenario
def retain_grad_accumulates(lib):
    x = lib.ones(2, requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.sum().backward(retain_graph=True)
    y.sum().backward()
    return y.grad.tolist(), x.grad.tolist(), y.retains_grad, x.retains_grad


@scenario
def freed_graph(lib):
    x = lib.ones(2, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


@scenario
def nonscalar_backward(lib):
    (lib.ones(2, requires_grad=True) * 2).backward()


@scenario
def no_grad_backward(lib):
    lib.ones(2).sum().backward()


@scenario
def backward_inputs(lib):
    x = lib.ones(2, requires_grad=True)
    z = lib.ones(2, requires_grad=True)
    (x * z).sum().backward(inputs=[x])
    return x.grad.tolist(), z.grad


@scenario
def backward_with_gradient(lib):
    x = f64(lib, [1.0, 2.0])
    (x * x).backward(lib.tensor([1.0, 3.0], dtype=lib.float64))
    return x.grad.tolist()


# ----------------------------------------------------------------------------- autograd.grad
@scenario
def grad_allow_unused(lib):
    x = lib.ones(2, requires_grad=True)
    z = lib.ones(2, requires_grad=True)
    r = lib.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
    return r[0].tolist(), r[1], x.grad


@scenario
def grad_unused_raises(lib):
    x = lib.ones(2, requires_grad=True)
    z = lib.ones(2, requires_grad=True)
    lib.autograd.grad((x * 2).sum(), [x, z])


@scenario
def grad_outputs(lib):
    x = lib.ones(2, requires_grad=True)
    return lib.autograd.grad(x * 2, x, grad_outputs=lib.tensor([1.0, 3.0]))[0].tolist()


HIGHER = {
    "cube": lambda lib, x: x ** 3,
    "sin": lambda lib, x: x.sin(),
    "exp": lambda lib, x: x.exp(),
    "product": lambda lib, x: x * x.sin(),
    "views": lambda lib, x: x.view(2, 1).t().reshape(2)[0:2] ** 3,
    "indexing": lambda lib, x: x[1] ** 2 * x[0],
    "matmul": lambda lib, x: (x.reshape(1, 2) @ x.reshape(2, 1)) ** 2,
    "div": lambda lib, x: 1 / x,
    "tanh_sigmoid": lambda lib, x: x.tanh() * x.sigmoid(),
}


def make_higher(name, f):
    def higher_order(lib):
        x = f64(lib, [0.5, 1.5])
        g, = lib.autograd.grad(f(lib, x).sum(), x, create_graph=True)
        g2, = lib.autograd.grad(g.sum(), x, create_graph=True)
        g3, = lib.autograd.grad(g2.sum(), x)
        return np.round(g.tolist(), 10).tolist(), np.round(g2.tolist(), 10).tolist(), \
            np.round(g3.tolist(), 8).tolist()

    higher_order.__name__ = f"second_derivative_{name}"
    return higher_order


for _name, _f in HIGHER.items():
    scenario(make_higher(_name, _f))


@scenario
def create_graph_backward(lib):
    x = f64(lib, [1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (x ** 3).sum().backward(create_graph=True)
    g = x.grad
    # The first gradient is a differentiable copy in the leaf's layout (PyTorch's
    # clone_obey_contract): CopyBackwards, also for a transposed leaf, whose strides it keeps.
    w = f64(lib, np.arange(6.0).reshape(3, 2), rg=False).t().requires_grad_()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (w * w).sum().backward(create_graph=True)
    y = lib.zeros(2)
    y.copy_(x)
    return (g.requires_grad, g.tolist(), g.grad_fn.name(), w.grad.stride(), w.grad.grad_fn.name(),
            y.grad_fn.name())


@scenario
def copy_history(lib):
    """copy_ always records CopyBackwards (into a whole tensor) or CopySlices (into a view)."""
    x = lib.ones(2, requires_grad=True)
    y = lib.zeros(2)
    y.copy_(x * 2)
    z = lib.zeros(4)
    z[1:3].copy_(x * 3)
    (y.sum() + z.sum()).backward()
    return (y.grad_fn.name(), [type(n).__name__ for n, _ in y.grad_fn.next_functions],
            z.grad_fn.name(), x.grad.tolist())


# ----------------------------------------------------------------------------- grad modes
@scenario
def grad_modes(lib):
    x = lib.ones(2, requires_grad=True)
    with lib.no_grad():
        a = x * 2
    lib.set_grad_enabled(False)
    b = x * 2
    lib.set_grad_enabled(True)

    @lib.no_grad()
    def f():
        return x * 2

    c = f()
    with lib.no_grad(), lib.enable_grad():
        d = x * 2
    with lib.inference_mode():
        e = x * 2

    @lib.enable_grad()
    def g():
        return x * 2

    with lib.no_grad():
        h = g()
    with lib.set_grad_enabled(False):
        i = x * 2

    @lib.set_grad_enabled(False)
    def k():
        return x * 2

    m = k()
    return [t.requires_grad for t in (a, b, c, d, e, h, i, m)], lib.is_grad_enabled()


@scenario
def detach_and_data(lib):
    x = lib.ones(2, requires_grad=True)
    y = x * 2
    d = y.detach()
    d.add_(1)
    r = [y._version, d._version, d.requires_grad, d.is_leaf, d._is_view()]
    e = y.data
    e.add_(1)
    r += [y._version, e._version, e.requires_grad, y.tolist()]
    return r


@scenario
def requires_grad_flags(lib):
    x = lib.ones(2)
    r = [x.requires_grad, x.is_leaf]
    x.requires_grad_()
    y = x * 2
    r += [x.requires_grad, x.is_leaf, y.is_leaf, y.requires_grad, x.detach().is_leaf]
    y.requires_grad_(False)


@scenario
def requires_grad_int(lib):
    lib.ones(2, dtype=lib.int64).requires_grad_()


@scenario
def numpy_requires_grad(lib):
    lib.ones(2, requires_grad=True).numpy()


@scenario
def grad_fn_structure(lib):
    x = lib.ones(2, requires_grad=True)
    y = (x.exp() * x + 1).sum()
    g = y.grad_fn
    add = g.next_functions[0][0]
    mul = add.next_functions[0][0]
    return g.name(), names(g), names(mul), mul.next_functions[1][0].name(), \
        mul.next_functions[0][0].next_functions[0][0] is mul.next_functions[1][0]


@scenario
def view_grad_fn_names(lib):
    x = lib.ones(2, 3, requires_grad=True)
    ops = [x.view(6), x.permute(1, 0), x[0], x[:, 1:], x.unsqueeze(0), x.reshape(3, 2),
           x.expand(4, 2, 3), x.transpose(0, 1), x.unfold(1, 2, 1), x.diagonal(), x.narrow(1, 0, 2)]
    return [o.grad_fn.name() for o in ops]


# ----------------------------------------------------------------------------- custom Function
def custom_functions(lib):
    class ScaleShift(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k, y):
            ctx.save_for_backward(x, y)
            ctx.k = k
            ctx.needs = tuple(ctx.needs_input_grad)
            idx = (x * 0).to(lib.int64)
            ctx.mark_non_differentiable(idx)
            return x * k + y, idx

        @staticmethod
        def backward(ctx, g, gi):
            _x, _y = ctx.saved_tensors
            return g * ctx.k, None, (g * 1 if ctx.needs_input_grad[2] else None)

    class Identity(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 5

    return ScaleShift, Identity


@scenario
def custom_function(lib):
    ScaleShift, Identity = custom_functions(lib)
    x = lib.ones(3, requires_grad=True)
    y = lib.ones(3)
    r, i = ScaleShift.apply(x, 2.0, y)
    r.sum().backward()
    z = Identity.apply(x)
    z.sum().backward()
    return (x.grad.tolist(), i.requires_grad, r.grad_fn.name(), z is x, z.grad_fn.name(),
            [type(n).__name__ if n else None for n, _ in r.grad_fn.next_functions], r.grad_fn.needs)


@scenario
def custom_function_saved_modified(lib):
    ScaleShift, _ = custom_functions(lib)
    x = lib.ones(3, requires_grad=True)
    y = lib.ones(3, requires_grad=True) * 1
    r, _ = ScaleShift.apply(x, 2.0, y)
    y.add_(1)
    r.sum().backward()


@scenario
def custom_function_no_grad_inputs(lib):
    ScaleShift, _ = custom_functions(lib)
    r, _ = ScaleShift.apply(lib.ones(3), 2.0, lib.ones(3))
    return r.requires_grad, r.grad_fn is None


# ----------------------------------------------------------------------------- kinks and ties
@scenario
def kinks(lib):
    x = f64(lib, [0.0, 1.0, -1.0, 0.0])
    lib.relu(x).sum().backward()
    r = [x.grad.tolist()]
    x.grad = None
    x.abs().sum().backward()
    r.append(x.grad.tolist())
    x.grad = None
    lib.maximum(x, lib.zeros(4, dtype=lib.float64)).sum().backward()
    r.append(x.grad.tolist())
    x.grad = None
    x.clamp(min=0.0).sum().backward()
    r.append(x.grad.tolist())
    return r


@scenario
def max_ties(lib):
    y = f64(lib, [1.0, 3.0, 3.0, 2.0])
    y.max().backward()
    r = [y.grad.tolist()]
    y.grad = None
    y.amax().backward()
    r.append(y.grad.tolist())
    y.grad = None
    lib.max(y, 0)[0].backward()
    r.append(y.grad.tolist())
    return r


# ----------------------------------------------------------------------------- anomaly mode
@scenario
def anomaly_nan(lib):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        with lib.autograd.detect_anomaly():
            x = lib.zeros(1, requires_grad=True)
            with np.errstate(all="ignore"):
                y = x / x
                try:
                    y.sum().backward()
                except RuntimeError as e:
                    msgs = [str(i.message).split(".")[0] for i in w if "encountered" not in str(i.message)]
                    return str(e), msgs


# ----------------------------------------------------------------------------- memory sharing
@scenario
def memory_sharing(lib):
    a = np.ones(3, dtype=np.float32)
    t1, t2, t3 = lib.from_numpy(a), lib.as_tensor(a), lib.tensor(a)
    a[0] = 7
    n = t1.numpy()
    n[1] = 9
    t1[2] = 4
    return t1.tolist(), t2.tolist(), t3.tolist(), a.tolist()


@scenario
def views_share_storage(lib):
    x = lib.zeros(3, 4)
    views = [x[1], x.t(), x.permute(1, 0), x[None].expand(2, 3, 4), x.narrow(1, 1, 2),
             x.unsqueeze(0).squeeze(0), x.T, x.diagonal(), x.unfold(1, 2, 2), x.view(12), x.reshape(2, 6),
             x[:, ::2]]
    for k, v in enumerate(views):
        v.add_(1) if k != 3 else v[0].add_(1)
    x[0, 0] = -1
    return x.tolist(), [v.data_ptr() == x.data_ptr() or v._base is x for v in views], \
        views[0].tolist(), views[9].tolist()[:4], [v._base is x for v in views]


@scenario
def t_grad_fn_name(lib):
    return lib.ones(2, 3, requires_grad=True).t().grad_fn.name()


def test_anomaly_reports_forward_traceback():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        with minitorch.autograd.detect_anomaly():
            x = minitorch.zeros(1, requires_grad=True)
            with np.errstate(all="ignore"):
                y = x / x  # the line the forward traceback must point at
            with pytest.raises(RuntimeError, match="Function 'DivBackward0' returned nan values in its 1th output."):
                y.sum().backward()
    trace = [str(i.message) for i in w if str(i.message).startswith("Error detected in DivBackward0")]
    assert len(trace) == 1 and "y = x / x" in trace[0] and "minitorch/" not in trace[0]




@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_semantics_match_torch(name):
    fn = SCENARIOS[name]
    assert outcome(fn, minitorch) == outcome(fn, torch)


@pytest.mark.parametrize("gradient", [2.0, np.float64(2.0), np.array(2.0), [2.0]])
@pytest.mark.parametrize("call", ["backward", "grad"])
def test_a_gradient_that_is_not_a_tensor_is_refused(call, gradient):
    """``autograd.backward(y, [g])`` / ``autograd.grad(y, x, [g])`` with ``g`` not a Tensor: PyTorch's
    TypeError (minitorch once converted ``g`` with ``tensor()`` instead)."""
    messages = []
    for lib in (torch, minitorch):
        x = lib.ones(2, requires_grad=True)
        y = (x * 2).sum()
        with pytest.raises(TypeError) as info:
            if call == "backward":
                lib.autograd.backward(y, [gradient])
            else:
                lib.autograd.grad(y, x, grad_outputs=[gradient])
        messages.append(str(info.value))
    assert messages[0] == messages[1]


# ----------------------------------------------------------------------------- the ready queue's order
# Which leaf's hooks run first when several leaves become ready at once: PyTorch's ready queue is a
# std::priority_queue ordered by sequence_nr, where every AccumulateGrad ties (UINT64_MAX), so the
# heap's algorithm decides; minitorch's engine runs libstdc++'s (engine.py: _push, _pop).
ORDER_GRAPHS = {
    "stack": lambda lib, L: lib.stack(L).sum(),
    "stack_reversed": lambda lib, L: lib.stack(L[::-1]).sum(),
    "products": lambda lib, L: (L[0] * L[1] + L[2] * L[3] + L[4] * L[5]).sum(),
    "cat_and_mul": lambda lib, L: lib.cat([L[3], L[0] * 2, L[5], L[1]]).sum() + (L[2] * L[4]).sum(),
    "chain": lambda lib, L: (L[0] * L[1] * L[2] * L[3] * L[4] * L[5]).sum(),
    "reused": lambda lib, L: (lib.stack([L[2], L[2] * L[0], L[4], L[1] + L[5], L[3]]) * L[0]).sum(),
}


def _hook_order(lib, build, roots: int = 1) -> list:
    order = []
    leaves = [lib.tensor([1.0, 2.0], requires_grad=True) for _ in range(6)]
    for i, leaf in enumerate(leaves):
        leaf.register_hook(lambda g, i=i: order.append(f"leaf {i}"))
    out = build(lib, leaves)
    if roots == 1:
        out.backward()
    else:  # two roots: PyTorch's GraphRoot hands them over in order
        mid = (leaves[1] * leaves[3]).sum()
        mid.register_hook(lambda g: order.append("mid"))
        lib.autograd.backward([out, mid])
    return order


@pytest.mark.parametrize("roots", [1, 2])
@pytest.mark.parametrize("graph", sorted(ORDER_GRAPHS))
def test_leaf_hooks_run_in_torchs_order(graph, roots):
    assert _hook_order(minitorch, ORDER_GRAPHS[graph], roots) == _hook_order(torch, ORDER_GRAPHS[graph], roots)


def test_leaf_hook_order_is_the_same_in_every_run():
    """Ties never break by ``id(node)`` (a memory address, different from run to run)."""
    first = _hook_order(minitorch, ORDER_GRAPHS["stack"])
    keep = []
    for n in range(30):
        keep.append([minitorch.ones(1) for _ in range(n)])  # move the nodes to other addresses
        assert _hook_order(minitorch, ORDER_GRAPHS["stack"]) == first


def test_a_fresh_gradient_is_stolen_not_copied(monkeypatch):
    """``.grad`` takes over a gradient array nothing else holds, as PyTorch's AccumulateGrad does:
    a bias's (a sum), a conv weight's and a product's, with no copy (``_clone_obey_contract``);
    the one a user still holds is copied (``grad_never_aliases_a_tensor_the_user_holds``)."""
    from minitorch.autograd import accumulate

    copies = []
    clone = accumulate._clone_obey_contract
    monkeypatch.setattr(accumulate, "_clone_obey_contract", lambda g, v, cg=False: copies.append(v.shape) or clone(g, v, cg))
    conv, lin = minitorch.nn.Conv2d(2, 3, 3), minitorch.nn.Linear(12, 4)
    x = minitorch.randn(5, 2, 4, 4)
    lin(conv(x).flatten(1)).sum().backward()
    w = minitorch.randn(3, 3, requires_grad=True)
    (w * 2).sum().backward()
    assert copies == []
    assert all(p.grad is not None for p in (*conv.parameters(), *lin.parameters(), w))
    held = minitorch.ones(3, 3, dtype=w.dtype)
    v = minitorch.randn(3, 3, requires_grad=True)
    v.backward(held)
    assert len(copies) == 1 and not np.shares_memory(v.grad.numpy(), held.numpy())
