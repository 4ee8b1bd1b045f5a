"""Parity of ``minitorch.optim`` with ``torch.optim``.

Trajectories: both libraries start from the same float64 parameters, take 100 steps on the same
Rosenbrock-like loss (each differentiating it with its own autograd) and must agree to 1e-6 relative
at every 10th step, for every optimizer and a grid of its options. Then: per-group options, a
state_dict saved mid-way and loaded into a fresh optimizer, closures, zero_grad, and error parity.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
import torch
from harness.libs import M, device_for, to_numpy

STEPS = 100
RTOL, ATOL = 1e-6, 1e-12

_rng = np.random.default_rng(0)
X0 = _rng.uniform(-1.5, 1.5, size=(2, 3))
Y0 = _rng.uniform(-1.0, 1.0, size=(3,))


def make_params(lib, values=(X0, Y0)):
    return [lib.tensor(v.copy(), dtype=lib.float64, device=device_for(lib), requires_grad=True) for v in values]


def loss_fn(x, y, sign=1.0):
    """Rosenbrock along the rows of x, a quartic bowl in y and a coupling term."""
    rosen = ((1 - x[:, :-1]) ** 2).sum() + 5 * ((x[:, 1:] - x[:, :-1] ** 2) ** 2).sum()
    return sign * (rosen + (y**4).sum() / 4 + 0.1 * (x.sum(0) * y).sum())


def values(params):
    return [to_numpy(p).copy() for p in params]


def trajectory(lib, name, kwargs, steps=STEPS, groups=None, sign=1.0, every=10):
    """Parameters every ``every`` steps of optimizer ``name`` minimising ``sign * loss``."""
    x, y = make_params(lib)
    params = groups(x, y) if groups else [x, y]
    opt = getattr(lib.optim, name)(params, **kwargs)
    out = []
    for i in range(steps):
        opt.zero_grad()
        loss_fn(x, y, sign).backward()
        opt.step()
        if (i + 1) % every == 0:
            out.append(values([x, y]))
    return out


def assert_same_trajectory(ours, ref):
    assert len(ours) == len(ref)
    for k, (a, b) in enumerate(zip(ours, ref)):
        for pa, pb in zip(a, b):
            np.testing.assert_allclose(pa, pb, rtol=RTOL, atol=ATOL, err_msg=f"checkpoint {k}")


# (optimizer, options, maximize the negated loss?)
GRID = [
    ("SGD", {"lr": 1e-2}, False),
    ("SGD", {"lr": 1e-2, "momentum": 0.9}, False),
    ("SGD", {"lr": 1e-2, "momentum": 0.9, "dampening": 0.5}, False),
    ("SGD", {"lr": 1e-2, "momentum": 0.9, "nesterov": True}, False),
    ("SGD", {"lr": 1e-2, "momentum": 0.5, "weight_decay": 0.1}, False),
    ("SGD", {"lr": 1e-2, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05, "maximize": True}, True),
    ("Adam", {"lr": 1e-2}, False),
    ("Adam", {"lr": 1e-2, "amsgrad": True}, False),
    ("Adam", {"lr": 5e-2, "betas": (0.8, 0.9), "eps": 1e-3, "weight_decay": 0.1}, False),
    ("Adam", {"lr": 1e-2, "amsgrad": True, "weight_decay": 0.01, "maximize": True}, True),
    ("Adam", {"lr": 1e-2, "weight_decay": 0.1, "decoupled_weight_decay": True}, False),
    ("AdamW", {"lr": 1e-2}, False),
    ("AdamW", {"lr": 1e-2, "weight_decay": 0.1, "amsgrad": True}, False),
    ("AdamW", {"lr": 1e-2, "betas": (0.5, 0.99), "maximize": True}, True),
    ("RMSprop", {"lr": 1e-3}, False),
    ("RMSprop", {"lr": 1e-3, "centered": True}, False),
    ("RMSprop", {"lr": 1e-3, "momentum": 0.9}, False),
    ("RMSprop", {"lr": 1e-3, "alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.1}, False),
    ("RMSprop", {"lr": 1e-3, "eps": 1e-4, "maximize": True}, True),
    ("Adagrad", {"lr": 0.1}, False),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}, False),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6}, False),
    ("Adagrad", {"lr": 0.05, "maximize": True}, True),
    ("Adadelta", {}, False),
    ("Adadelta", {"lr": 0.5, "rho": 0.5}, False),
    ("Adadelta", {"rho": 0.95, "eps": 1e-4, "weight_decay": 0.1}, False),
    ("Adadelta", {"maximize": True}, True),
]


@pytest.mark.parametrize("name,kwargs,maximize", GRID, ids=[f"{n}-{k}" for n, k, _ in GRID])
def test_trajectory(name, kwargs, maximize):
    sign = -1.0 if maximize else 1.0
    ref = trajectory(torch, name, kwargs, sign=sign)
    assert_same_trajectory(trajectory(M, name, kwargs, sign=sign), ref)
    assert not any(np.isnan(v).any() for v in ref[-1])


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"])
def test_param_groups_with_their_own_options(name):
    extra = {"SGD": {"momentum": 0.9}, "Adam": {"betas": (0.5, 0.9)}, "AdamW": {"amsgrad": True},
             "RMSprop": {"centered": True}, "Adagrad": {"lr_decay": 0.1}, "Adadelta": {"rho": 0.5}}[name]

    def groups(x, y):
        return [{"params": [x]}, {"params": y, "lr": 3e-3, "weight_decay": 0.2, **extra}]

    kwargs = {"lr": 1e-2}
    ref = trajectory(torch, name, kwargs, groups=groups)
    assert_same_trajectory(trajectory(M, name, kwargs, groups=groups), ref)


def _groups_repr_free(lib, opt):
    return [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"])
def test_defaults_groups_and_repr(name):
    ours, ref = (getattr(lib.optim, name)(make_params(lib), lr=0.5) for lib in (M, torch))
    assert ours.defaults == ref.defaults
    assert _groups_repr_free(M, ours) == _groups_repr_free(torch, ref)
    assert repr(ours) == repr(ref)


def test_lr_is_mutable_per_group():
    def run(lib):
        x, y = make_params(lib)
        opt = lib.optim.Adam([{"params": [x]}, {"params": [y]}], lr=1e-2)
        out = []
        for i in range(40):
            if i == 20:
                opt.param_groups[1]["lr"] = 0.1
                opt.param_groups[0]["betas"] = (0.5, 0.9)
            opt.zero_grad()
            loss_fn(x, y).backward()
            opt.step()
            out.append(values([x, y]))
        return out

    assert_same_trajectory(run(M), run(torch))


def test_parameters_without_grad_are_skipped():
    for lib in (M, torch):
        x, y = make_params(lib)
        z = lib.ones(3, dtype=lib.float64, requires_grad=True)
        opt = lib.optim.Adam([x, y, z], lr=0.1)
        loss_fn(x, y).backward()
        opt.step()
        assert z.grad is None and z not in opt.state and (z.detach() == 1).all()
        assert set(opt.state_dict()["state"]) == {0, 1}


def test_sgd_state_only_with_momentum():
    for lib in (M, torch):
        x, y = make_params(lib)
        for momentum, expected in ((0, set()), (0.9, {"momentum_buffer"})):
            opt = lib.optim.SGD([x, y], lr=0.1, momentum=momentum)
            loss_fn(x, y).backward()
            opt.step()
            assert set(opt.state[x]) == expected
            x.grad = y.grad = None


def _state_signature(lib, sd):
    """The state_dict's layout: keys, and each state entry's kind, dtype and shape."""
    state = {
        i: {k: (type(v).__name__, str(v.dtype), tuple(v.shape)) if isinstance(v, lib.Tensor) else v for k, v in s.items()}
        for i, s in sd["state"].items()
    }
    return state, sd["param_groups"]


@pytest.mark.parametrize("name,kwargs", [
    ("SGD", {"lr": 1e-2, "momentum": 0.9, "nesterov": True}),
    ("Adam", {"lr": 1e-2, "amsgrad": True}),
    ("AdamW", {"lr": 1e-2}),
    ("RMSprop", {"lr": 1e-3, "momentum": 0.5, "centered": True}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}),
    ("Adadelta", {"rho": 0.8}),
])
def test_state_dict_round_trip(name, kwargs):
    """Save after 40 steps, load into a fresh optimizer over fresh tensors, continue: same trajectory."""
    uninterrupted = trajectory(M, name, kwargs, every=1)

    x, y = make_params(M)
    opt = getattr(M.optim, name)([x, y], **kwargs)
    for _ in range(40):
        opt.zero_grad()
        loss_fn(x, y).backward()
        opt.step()
    saved = copy.deepcopy(opt.state_dict())

    x2, y2 = make_params(M, values([x, y]))
    opt2 = getattr(M.optim, name)([x2, y2], lr=123.0)  # the saved options win
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == kwargs.get("lr", opt.defaults["lr"])
    assert opt2.param_groups[0]["params"][0] is x2
    resumed = []
    for _ in range(STEPS - 40):
        opt2.zero_grad()
        loss_fn(x2, y2).backward()
        opt2.step()
        resumed.append(values([x2, y2]))
    assert_same_trajectory(resumed, uninterrupted[40:])

    # the layout is torch's
    tx, ty = make_params(torch)
    topt = getattr(torch.optim, name)([tx, ty], **kwargs)
    for _ in range(3):
        topt.zero_grad()
        loss_fn(tx, ty).backward()
        topt.step()
    ours_state, ours_groups = _state_signature(M, opt2.state_dict())
    ref_state, ref_groups = _state_signature(torch, topt.state_dict())
    assert ours_groups == ref_groups
    assert {i: {k: v[1:] if isinstance(v, tuple) else None for k, v in s.items()} for i, s in ours_state.items()} == \
        {i: {k: v[1:] if isinstance(v, tuple) else None for k, v in s.items()} for i, s in ref_state.items()}


def test_load_state_dict_casts_to_param_dtype_and_keeps_step():
    for lib in (M, torch):
        p32 = lib.ones(3, requires_grad=True)
        opt32 = lib.optim.Adam([p32])
        p32.grad = lib.ones(3)
        opt32.step()
        p64 = lib.ones(3, dtype=lib.float64, requires_grad=True)
        opt64 = lib.optim.Adam([p64])
        opt64.load_state_dict(opt32.state_dict())
        assert opt64.state[p64]["exp_avg"].dtype == lib.float64
        assert opt64.state[p64]["step"].dtype == lib.float32


def test_load_state_dict_errors():
    for lib in (M, torch):
        a, b = make_params(lib)
        sd = lib.optim.SGD([a, b]).state_dict()
        with pytest.raises(ValueError, match="different number of parameter groups"):
            lib.optim.SGD([{"params": [a]}, {"params": [b]}]).load_state_dict(sd)
        with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
            lib.optim.SGD([a]).load_state_dict(sd)


def test_closure_runs_with_grad_enabled_and_returns_loss():
    def run(lib):
        x, y = make_params(lib)
        opt = lib.optim.SGD([x, y], lr=1e-2, momentum=0.9)

        def closure():
            opt.zero_grad()
            loss = loss_fn(x, y)
            loss.backward()
            return loss

        losses = []
        with lib.no_grad():
            for _ in range(20):
                losses.append(opt.step(closure).item())
        return losses, values([x, y])

    (ours, ours_p), (ref, ref_p) = run(M), run(torch)
    np.testing.assert_allclose(ours, ref, rtol=RTOL)
    assert_same_trajectory([ours_p], [ref_p])


def test_step_runs_outside_autograd():
    x, y = make_params(M)
    opt = M.optim.Adam([x, y], lr=0.1)
    loss_fn(x, y).backward()
    opt.step()
    assert x.grad_fn is None and x.is_leaf and x.requires_grad
    assert opt.state[x]["exp_avg"].requires_grad is False


def test_sgd_steps_in_place_and_bump_the_version():
    """SGD writes the parameters (and the momentum buffer) in place on the arrays where it can
    (optim.optimizer._add_): the same tensors, the version counter bumped as ``add_`` does, and a
    graph that saved a parameter refuses to backward after the step, as in PyTorch."""
    def run(lib):
        r = []
        for kwargs in ({}, {"momentum": 0.9}, {"momentum": 0.9, "dampening": 0.5, "weight_decay": 0.1}):
            x, y = make_params(lib)
            opt = lib.optim.SGD([x, y], lr=0.1, **kwargs)
            loss_fn(x, y).backward()
            data, v = x.data_ptr(), x._version
            saved = (x * x).sum()
            opt.step()
            r += [x.data_ptr() == data, x._version - v]
            try:
                saved.backward()
                r.append("no error")
            except RuntimeError as e:
                r.append(type(e).__name__)
            x.grad = None
            loss_fn(x, y).backward()
            opt.step()
            r.append(np.round(to_numpy(x), 5).tolist())
        return r

    assert run(M) == run(torch)


@pytest.mark.parametrize("kwargs", [{}, {"momentum": 0.9}, {"weight_decay": 0.1, "fused": True}])
def test_sgd_state_is_kept_only_with_momentum(kwargs):
    """torch's SGD stores a ``momentum_buffer`` per stepped parameter with momentum and nothing
    otherwise: ``state`` and ``state_dict()['state']`` are empty."""
    def run(lib):
        x, y = make_params(lib)
        opt = lib.optim.SGD([x, y], lr=0.1, **kwargs)
        for _ in range(2):
            opt.zero_grad()
            loss_fn(x, y).backward()
            opt.step()
        sd = opt.state_dict()["state"]
        return len(opt.state), {k: sorted(v) for k, v in sd.items()}, values([x, y])

    (n, keys, ours), (n_ref, keys_ref, ref) = run(M), run(torch)
    assert (n, keys) == (n_ref, keys_ref)
    assert_same_trajectory([ours], [ref])


def test_zero_grad():
    for lib in (M, torch):
        x, y = make_params(lib)
        opt = lib.optim.SGD([x, y])
        loss_fn(x, y).backward()
        opt.zero_grad(set_to_none=False)
        assert x.grad is not None and (x.grad == 0).all() and not x.grad.requires_grad
        opt.zero_grad()
        assert x.grad is None and y.grad is None


def test_add_param_group():
    def run(lib):
        x, y = make_params(lib)
        opt = lib.optim.SGD([x], lr=1e-2, momentum=0.9)
        opt.add_param_group({"params": y, "lr": 1e-3})
        assert opt.param_groups[1]["momentum"] == 0.9 and opt.param_groups[1]["lr"] == 1e-3
        for _ in range(10):
            opt.zero_grad()
            loss_fn(x, y).backward()
            opt.step()
        return [values([x, y])]

    assert_same_trajectory(run(M), run(torch))


def _raises_like_torch(build):
    """``build(lib)`` raises in torch; minitorch raises the same type with the same message."""
    with pytest.raises(Exception) as ref:
        build(torch)
    with pytest.raises(type(ref.value)) as ours:
        build(M)
    assert str(ours.value) == str(ref.value)


BAD_OPTIONS = [
    ("SGD", {"lr": -1}), ("SGD", {"momentum": -0.5}), ("SGD", {"weight_decay": -1e-2}),
    ("SGD", {"nesterov": True}), ("SGD", {"momentum": 0.9, "dampening": 0.1, "nesterov": True}),
    ("SGD", {"fused": True, "foreach": True}), ("SGD", {"fused": True, "differentiable": True}),
    ("Adam", {"lr": -1}), ("Adam", {"eps": -1.0}), ("Adam", {"betas": (1.0, 0.9)}),
    ("Adam", {"betas": (0.9, -0.1)}), ("Adam", {"weight_decay": -1}), ("AdamW", {"lr": -0.1}),
    ("AdamW", {"betas": (0.9, 1.5)}), ("RMSprop", {"lr": -1}), ("RMSprop", {"eps": -1}),
    ("RMSprop", {"momentum": -1}), ("RMSprop", {"weight_decay": -1}), ("RMSprop", {"alpha": -1}),
    ("Adagrad", {"lr": -1}), ("Adagrad", {"lr_decay": -1}), ("Adagrad", {"weight_decay": -1}),
    ("Adagrad", {"initial_accumulator_value": -1}), ("Adagrad", {"eps": -1}),
    ("Adadelta", {"lr": -1}), ("Adadelta", {"rho": 1.5}), ("Adadelta", {"eps": -1}),
    ("Adadelta", {"weight_decay": -1}),
]


@pytest.mark.parametrize("name,kwargs", BAD_OPTIONS, ids=[f"{n}-{k}" for n, k in BAD_OPTIONS])
def test_invalid_options(name, kwargs):
    _raises_like_torch(lambda lib: getattr(lib.optim, name)(make_params(lib), **kwargs))


def test_invalid_params():
    _raises_like_torch(lambda lib: lib.optim.SGD(lib.ones(3, requires_grad=True)))
    _raises_like_torch(lambda lib: lib.optim.SGD([]))
    _raises_like_torch(lambda lib: lib.optim.SGD([{"params": {lib.ones(2, requires_grad=True)}}]))
    _raises_like_torch(lambda lib: lib.optim.SGD([lib.ones(2, requires_grad=True) * 2]))
    _raises_like_torch(lambda lib: lib.optim.SGD([1.0]))

    def duplicate_across_groups(lib):
        p = lib.ones(2, requires_grad=True)
        lib.optim.Adam([{"params": [p]}, {"params": [p], "lr": 0.1}])

    _raises_like_torch(duplicate_across_groups)

    def add_non_dict(lib):
        lib.optim.SGD([lib.ones(2, requires_grad=True)]).add_param_group([lib.ones(2, requires_grad=True)])

    _raises_like_torch(add_non_dict)


def test_duplicate_params_in_a_group_warn():
    for lib in (M, torch):
        p = lib.ones(2, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.optim.SGD([p, p])
        assert any("duplicate parameters" in str(w.message) for w in caught)


def test_named_parameters():
    for lib in (M, torch):
        x, y = make_params(lib)
        opt = lib.optim.SGD([("x", x), ("y", y)])
        assert opt.param_groups[0]["param_names"] == ["x", "y"]
        assert opt.state_dict()["param_groups"][0]["param_names"] == ["x", "y"]


def test_float32_parameters():
    """Float32 parameters follow torch to float32 precision."""
    def run(lib):
        x, y = (lib.tensor(v.astype(np.float32), requires_grad=True) for v in (X0, Y0))
        opt = lib.optim.Adam([x, y], lr=1e-2, amsgrad=True)
        for _ in range(30):
            opt.zero_grad()
            loss_fn(x, y).backward()
            opt.step()
        assert x.dtype == lib.float32 and opt.state[x]["exp_avg"].dtype == lib.float32
        return values([x, y])

    for a, b in zip(run(M), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_non_contiguous_parameter(amsgrad):
    """The fused Adam update writes through a transposed (non-contiguous) parameter as torch does,
    and bumps the version counters of the parameter and its moments (they changed in place)."""
    def run(lib):
        x = lib.tensor(X0.T.copy(), dtype=lib.float64, device=device_for(lib)).t().requires_grad_()
        y = make_params(lib)[1]
        assert not x.is_contiguous()
        opt = lib.optim.Adam([x, y], lr=1e-2, amsgrad=amsgrad)
        out = []
        for _ in range(20):
            opt.zero_grad()
            loss_fn(x, y).backward()
            before = x._version
            opt.step()
            assert x._version > before
            out.append(values([x, y]))
        assert not x.is_contiguous() and not opt.state[x]["exp_avg"].is_contiguous()
        return out

    assert_same_trajectory(run(M), run(torch))


def test_an_optimizer_whose_options_were_refused_leaves_compile_working():
    """An optimizer whose ``__init__`` raised lives on in the error's traceback; ``minitorch.compile``
    finds it among the live optimizers and reads its (empty) groups."""
    try:
        M.optim.AdamW(make_params(M), lr=-1)
    except ValueError as e:
        kept = e  # its traceback holds the half-made optimizer
    p = M.nn.Parameter(M.ones(3))
    opt = M.optim.SGD([p], lr=0.1)

    def step(x):
        opt.zero_grad()
        loss = (x * p).sum()
        loss.backward()
        opt.step()
        return loss.detach()

    f = M.compile(step, fullgraph=True)
    np.testing.assert_allclose([f(M.ones(3)).item() for _ in range(3)], [3.0, 2.7, 2.4], rtol=1e-6)
    assert kept.__traceback__ is not None
