"""Parity of ``minitorch.optim.lr_scheduler`` with ``torch.optim.lr_scheduler``.

Each case builds the same optimizer (two param groups) and scheduler in both libraries, steps them
60-100 times and compares ``get_last_lr()``, every group's ``lr`` (and the momentum or beta1 that
OneCycleLR cycles) at every step. ReduceLROnPlateau is fed a fixed metric sequence.
"""

from __future__ import annotations

import copy
import math
import warnings

import pytest
import torch
from harness.libs import M

STEPS = 100
METRICS = [1.0 / (1 + i) if i < 25 else 0.04 + 0.01 * math.sin(i) + (0.002 * (i - 60) if i > 60 else 0)
           for i in range(STEPS)]


def make_optimizer(lib, name="SGD", **kwargs):
    a = lib.zeros(2, requires_grad=True)
    b = lib.zeros(3, requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    return getattr(lib.optim, name)(groups, lr=0.1, **kwargs)


def record(lib, build, steps=STEPS, metric=False, opt_name="SGD", opt_kwargs=None):
    """The schedule: per step, (last lrs, group lrs, group momenta/betas)."""
    opt = make_optimizer(lib, opt_name, **(opt_kwargs or {}))
    sched = build(lib.optim.lr_scheduler, opt)

    def snapshot():
        return (list(sched.get_last_lr()), [g["lr"] for g in opt.param_groups],
                [g.get("momentum", g.get("betas")) for g in opt.param_groups])

    out = [snapshot()]
    for i in range(steps):
        opt.step()
        sched.step(METRICS[i]) if metric else sched.step()
        out.append(snapshot())
    return out


def flat(x):
    """Nested lists/tuples of numbers as one flat list."""
    return [v for item in x for v in flat(item)] if isinstance(x, (list, tuple)) else [x]


def assert_same_schedule(ours, ref):
    assert len(ours) == len(ref)
    for i, (a, b) in enumerate(zip(ours, ref)):
        assert flat(a) == pytest.approx(flat(b), rel=1e-12, abs=1e-15), f"step {i}: {a} != {b}"


CASES = {
    "StepLR": lambda S, o: S.StepLR(o, step_size=7, gamma=0.5),
    "StepLR-default-gamma": lambda S, o: S.StepLR(o, 10),
    "MultiStepLR": lambda S, o: S.MultiStepLR(o, milestones=[10, 25, 25, 40], gamma=0.3),
    "ExponentialLR": lambda S, o: S.ExponentialLR(o, gamma=0.95),
    "CosineAnnealingLR": lambda S, o: S.CosineAnnealingLR(o, T_max=30),
    "CosineAnnealingLR-restarts": lambda S, o: S.CosineAnnealingLR(o, T_max=20, eta_min=1e-3),
    "LambdaLR": lambda S, o: S.LambdaLR(o, lambda e: 0.97**e),
    "LambdaLR-per-group": lambda S, o: S.LambdaLR(o, [lambda e: 1 / (1 + e), lambda e: e % 7]),
    "LinearLR": lambda S, o: S.LinearLR(o, start_factor=0.25, total_iters=10),
    "LinearLR-decay": lambda S, o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=30),
    "OneCycleLR": lambda S, o: S.OneCycleLR(o, max_lr=[0.5, 0.3], total_steps=STEPS),
    "OneCycleLR-linear": lambda S, o: S.OneCycleLR(o, max_lr=1.0, total_steps=STEPS + 10, anneal_strategy="linear",
                                                   pct_start=0.2, div_factor=10.0, final_div_factor=100.0),
    "OneCycleLR-three-phase": lambda S, o: S.OneCycleLR(o, max_lr=0.4, epochs=10, steps_per_epoch=10,
                                                        three_phase=True, base_momentum=0.8, max_momentum=0.9),
    "OneCycleLR-no-momentum": lambda S, o: S.OneCycleLR(o, max_lr=0.4, total_steps=STEPS, cycle_momentum=False),
    "SequentialLR": lambda S, o: S.SequentialLR(
        o, [S.LinearLR(o, start_factor=0.1, total_iters=5), S.ExponentialLR(o, gamma=0.9)], milestones=[5]),
    "SequentialLR-three": lambda S, o: S.SequentialLR(
        o, [S.ExponentialLR(o, gamma=0.9), S.CosineAnnealingLR(o, T_max=20), S.StepLR(o, 5, 0.5)],
        milestones=[10, 50]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_schedule(case):
    build = CASES[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same_schedule(record(M, build), record(torch, build))


def test_one_cycle_cycles_adam_beta1():
    def build(S, o):
        return S.OneCycleLR(o, max_lr=0.01, total_steps=STEPS, base_momentum=0.8, max_momentum=0.95)

    ours = record(M, build, opt_name="Adam")
    ref = record(torch, build, opt_name="Adam")
    assert_same_schedule(ours, ref)
    assert ref[30][2][0][0] == pytest.approx(0.8, abs=1e-2)


def test_chained_schedulers_compose():
    def run(lib):
        opt = make_optimizer(lib, momentum=0.9)
        s1 = lib.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
        s2 = lib.optim.lr_scheduler.ExponentialLR(opt, gamma=0.98)
        out = []
        for _ in range(60):
            opt.step()
            s1.step()
            s2.step()
            out.append(([g["lr"] for g in opt.param_groups], s1.get_last_lr(), s2.get_last_lr()))
        return out

    assert_same_schedule(run(M), run(torch))


PLATEAU = {
    "default": {},
    "patience-factor": {"patience": 3, "factor": 0.5},
    "abs-cooldown": {"patience": 2, "threshold": 0.01, "threshold_mode": "abs", "cooldown": 3, "factor": 0.7},
    "max-mode": {"mode": "max", "patience": 4, "factor": 0.5},
    "max-abs": {"mode": "max", "threshold_mode": "abs", "threshold": 0.1, "patience": 1},
    "min-lr-list": {"patience": 1, "factor": 0.3, "min_lr": [1e-3, 2e-3]},
    "min-lr-eps": {"patience": 0, "factor": 0.9, "min_lr": 0.04, "eps": 1e-3},
}


@pytest.mark.parametrize("case", list(PLATEAU))
def test_reduce_lr_on_plateau(case):
    kwargs = PLATEAU[case]

    def build(S, o):
        return S.ReduceLROnPlateau(o, **kwargs)

    ours, ref = record(M, build, metric=True), record(torch, build, metric=True)
    assert_same_schedule(ours, ref)
    assert ref[-1][1] != ref[0][1]  # the case does reduce the lr


def _sched_state(sd):
    return {k: v for k, v in sd.items() if k not in ("lr_lambdas", "_schedulers", "_get_lr_called_within_step")}


@pytest.mark.parametrize("case", ["StepLR", "MultiStepLR", "CosineAnnealingLR-restarts", "LinearLR",
                                  "OneCycleLR", "SequentialLR", "LambdaLR"])
def test_state_dict_round_trip(case):
    """Save scheduler and optimizer after 37 steps, load into fresh ones, continue: same schedule."""
    build = CASES[case]
    full = record(M, build)

    opt = make_optimizer(M)
    sched = build(M.optim.lr_scheduler, opt)
    for _ in range(37):
        opt.step()
        sched.step()
    saved_sched = copy.deepcopy(sched.state_dict())
    saved_opt = copy.deepcopy(opt.state_dict())

    opt2 = make_optimizer(M)
    sched2 = build(M.optim.lr_scheduler, opt2)
    sched2.load_state_dict(saved_sched)
    opt2.load_state_dict(saved_opt)
    resumed = []
    for _ in range(STEPS - 37):
        opt2.step()
        sched2.step()
        resumed.append(list(sched2.get_last_lr()))
    assert_same_schedule(resumed, [s[0] for s in full[38:]])

    ref_opt = make_optimizer(torch)
    ref_sched = build(torch.optim.lr_scheduler, ref_opt)
    assert set(_sched_state(sched.state_dict())) == set(_sched_state(ref_sched.state_dict()))


def test_reduce_lr_on_plateau_state_dict():
    def run(lib, split):
        opt = make_optimizer(lib)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=2, factor=0.5, cooldown=1)
        for i in range(split):
            sched.step(METRICS[i])
        opt2 = make_optimizer(lib)
        sched2 = lib.optim.lr_scheduler.ReduceLROnPlateau(opt2)
        sched2.load_state_dict(copy.deepcopy(sched.state_dict()))
        opt2.load_state_dict(copy.deepcopy(opt.state_dict()))
        out = []
        for i in range(split, STEPS):
            sched2.step(METRICS[i])
            out.append(sched2.get_last_lr())
        return out, set(sched.state_dict())

    (ours, ours_keys), (ref, ref_keys) = run(M, 40), run(torch, 40)
    assert_same_schedule(ours, ref)
    assert ours_keys == ref_keys


def test_initial_lr_and_base_lrs():
    for lib in (M, torch):
        opt = make_optimizer(lib)
        sched = lib.optim.lr_scheduler.StepLR(opt, 3)
        assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]
        assert sched.base_lrs == [0.1, 0.05] and sched.last_epoch == 0
        with pytest.raises(KeyError, match="initial_lr"):
            lib.optim.lr_scheduler.StepLR(make_optimizer(lib), 3, last_epoch=5)


def test_closed_form_with_epoch_argument():
    def run(lib):
        opt = make_optimizer(lib)
        sched = lib.optim.lr_scheduler.MultiStepLR(opt, milestones=[3, 6], gamma=0.5)
        out = []
        for epoch in (4, 7, 2):
            opt.step()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                sched.step(epoch)
            assert any("deprecated" in str(w.message) for w in caught)
            out.append(sched.get_last_lr())
        return out

    assert_same_schedule(run(M), run(torch))


def test_warning_when_scheduler_steps_before_optimizer():
    for lib in (M, torch):
        opt = make_optimizer(lib)
        sched = lib.optim.lr_scheduler.StepLR(opt, 3)
        with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
            sched.step()
        opt = make_optimizer(lib)
        sched = lib.optim.lr_scheduler.StepLR(opt, 3)
        opt.step()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            sched.step()


def _raises_like_torch(build):
    with pytest.raises(Exception) as ref:
        build(torch)
    with pytest.raises(type(ref.value)) as ours:
        build(M)
    assert str(ours.value) == str(ref.value)


ERRORS = {
    "not-an-optimizer": lambda lib: lib.optim.lr_scheduler.StepLR(object(), 3),
    "linear-start": lambda lib: lib.optim.lr_scheduler.LinearLR(make_optimizer(lib), start_factor=0),
    "linear-end": lambda lib: lib.optim.lr_scheduler.LinearLR(make_optimizer(lib), end_factor=1.5),
    "lambda-count": lambda lib: lib.optim.lr_scheduler.LambdaLR(make_optimizer(lib), [lambda e: 1.0]),
    "plateau-factor": lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(make_optimizer(lib), factor=1.0),
    "plateau-mode": lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(make_optimizer(lib), mode="avg"),
    "plateau-threshold-mode": lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(
        make_optimizer(lib), threshold_mode="pct"),
    "plateau-min-lrs": lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(make_optimizer(lib), min_lr=[0.1]),
    "onecycle-steps": lambda lib: lib.optim.lr_scheduler.OneCycleLR(make_optimizer(lib), 0.1),
    "onecycle-total": lambda lib: lib.optim.lr_scheduler.OneCycleLR(make_optimizer(lib), 0.1, total_steps=0),
    "onecycle-epochs": lambda lib: lib.optim.lr_scheduler.OneCycleLR(make_optimizer(lib), 0.1, epochs=0,
                                                                     steps_per_epoch=3),
    "onecycle-pct": lambda lib: lib.optim.lr_scheduler.OneCycleLR(make_optimizer(lib), 0.1, 10, pct_start=1.5),
    "onecycle-anneal": lambda lib: lib.optim.lr_scheduler.OneCycleLR(make_optimizer(lib), 0.1, 10,
                                                                     anneal_strategy="exp"),
    "onecycle-max-lr-count": lambda lib: lib.optim.lr_scheduler.OneCycleLR(make_optimizer(lib), [0.1], 10),
    "onecycle-no-momentum": lambda lib: lib.optim.lr_scheduler.OneCycleLR(make_optimizer(lib, "Adagrad"), 0.1, 10),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors(case):
    _raises_like_torch(ERRORS[case])


def test_one_cycle_past_the_end():
    def build(lib):
        opt = make_optimizer(lib, momentum=0.9)
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=5)
        for _ in range(6):
            opt.step()
            sched.step()

    _raises_like_torch(build)


def test_sequential_errors():
    def milestones(lib):
        o = make_optimizer(lib)
        S = lib.optim.lr_scheduler
        S.SequentialLR(o, [S.StepLR(o, 2), S.ExponentialLR(o, 0.9)], milestones=[2, 4])

    def plateau(lib):
        o = make_optimizer(lib)
        S = lib.optim.lr_scheduler
        S.SequentialLR(o, [S.StepLR(o, 2), S.ReduceLROnPlateau(o)], milestones=[2])

    def empty(lib):
        S = lib.optim.lr_scheduler
        S.SequentialLR(make_optimizer(lib), [], milestones=[])

    for build in (milestones, plateau, empty):
        _raises_like_torch(build)
