"""``minitorch.compile``: a compiled training step is bit-identical to the eager one, every guard
captures again when what it watches changes, every graph break falls back to eager with one
warning (``fullgraph=True`` raises), and the API is ``torch.compile``'s.

Runs on the CPU and, with ``--device cuda``, on the CUDA backend (fake CUDA without a GPU).
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
import torch

import minitorch
import minitorch.nn.functional as F
from minitorch import nn
from minitorch._compile import InvalidBackend, OptimizedModule, Unsupported


# ----------------------------------------------------------------------------- models and steps
def _lenet(device):
    minitorch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Dropout(0.3), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    ).to(device)
    opt = minitorch.optim.Adam(model.parameters(), lr=1e-3)
    sched = minitorch.optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.5)
    return model, opt, sched


def _mlp(device):
    minitorch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10)).to(device)
    return model, minitorch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9), None


def _train(make, device, compiled: bool, steps: int, batch: int = 8):
    """``steps`` training steps; returns the model, optimizer, losses and the step function."""
    model, opt, sched = make(device)

    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    fn = minitorch.compile(step) if compiled else step
    rng = np.random.default_rng(1)
    losses = []
    minitorch.manual_seed(123)  # the dropout masks: one generator, drawn in the same order
    for _ in range(steps):
        x = minitorch.tensor(rng.standard_normal((batch, 1, 28, 28)).astype(np.float32)).to(device)
        y = minitorch.tensor(rng.integers(0, 10, batch)).to(device)
        losses.append(fn(x, y).detach().cpu().numpy().copy())
        if sched is not None:
            sched.step()
    return model, opt, losses, fn


def _arrays(t):
    return t.detach().cpu().numpy()


def _assert_bit_identical(eager, compiled):
    (m1, o1, l1, _), (m2, o2, l2, _) = eager, compiled
    assert all(np.array_equal(a, b) for a, b in zip(l1, l2))
    for (name, a), b in zip(m1.state_dict().items(), m2.state_dict().values()):  # params and BN buffers
        assert np.array_equal(_arrays(a), _arrays(b)), name
    for a, b in zip(m1.parameters(), m2.parameters()):
        assert np.array_equal(_arrays(a.grad), _arrays(b.grad))
        assert a._version == b._version
        s1, s2 = o1.state[a], o2.state[b]
        assert s1.keys() == s2.keys()
        for k in s1:
            assert np.array_equal(_arrays(s1[k]), _arrays(s2[k])), k
    assert o1.param_groups[0]["lr"] == o2.param_groups[0]["lr"]


@pytest.mark.parametrize("make", [_lenet, _mlp], ids=["lenet-dropout-bn-adam-steplr", "mlp-sgd-momentum"])
def test_compiled_training_is_bit_identical_to_eager(make, device):
    eager = _train(make, device, False, 100)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no graph break, no recompile limit
        compiled = _train(make, device, True, 100)
    _assert_bit_identical(eager, compiled)
    fn = compiled[3]
    # captured on call 2, replayed from call 3; the lenet's lr changed at steps 30, 60 and 90:
    # Adam reads it when its update runs (a live input of the plan), so one plan does all
    assert len(fn.plans) == 1


def test_dropout_draws_fresh_numbers_on_every_replay(device):
    minitorch.manual_seed(0)
    drop = minitorch.compile(lambda x: F.dropout(x, 0.5) * 1)
    x = minitorch.ones(64).to(device)
    masks = [_arrays(drop(x)) for _ in range(5)]
    assert len({m.tobytes() for m in masks}) == 5
    minitorch.manual_seed(0)
    assert all(np.array_equal(m, _arrays(F.dropout(x, 0.5) * 1)) for m in masks)


def test_printed_plan_has_a_line_per_kernel(device):
    _, _, _, fn = _train(_mlp, device, True, 3)
    (plan,) = fn.plans
    text = str(plan)
    lines = text.splitlines()
    assert lines[0].startswith(f"plan: {len(plan.steps)} kernels")
    assert len([ln for ln in lines if ln[:4].strip().isdigit()]) == len(plan.steps)
    assert "Addmm" in text and "effect:" in text


# ----------------------------------------------------------------------------- guards
def _counting(fn):
    """``fn`` compiled, and a list that gets a 1 for each call that really ran ``fn``'s Python."""
    ran: list[int] = []

    def body(*args):
        ran.append(1)
        return fn(*args)

    return minitorch.compile(body), ran


def test_warm_up_capture_replay(device):
    f, ran = _counting(lambda x: (x * 2).sum())
    x = minitorch.arange(6.0).to(device)
    assert [f(x).item() for _ in range(4)] == [30.0] * 4
    assert len(ran) == 2  # eager warm-up, capture; then two replays without Python
    y = minitorch.full((6,), 2.0).to(device)
    assert f(y).item() == 24.0 and len(ran) == 2  # new values, same plan


@pytest.mark.parametrize("change", ["shape", "dtype", "stride", "requires_grad", "grad_mode"])
def test_input_guards_pick_a_new_cache_entry(change, device):
    f, ran = _counting(lambda x: (x * 2).sum().detach())
    x = minitorch.arange(6.0).reshape(2, 3).to(device)
    for _ in range(3):
        f(x)
    other = {"shape": lambda: minitorch.arange(8.0).reshape(2, 4),
             "dtype": lambda: minitorch.arange(6.0, dtype=minitorch.float64).reshape(2, 3),
             "stride": lambda: minitorch.arange(6.0).reshape(3, 2).t(),
             "requires_grad": lambda: minitorch.arange(6.0).reshape(2, 3).requires_grad_(),
             "grad_mode": lambda: x}[change]().to(device)
    with minitorch.set_grad_enabled(change != "grad_mode"):
        results = [f(other).item() for _ in range(3)]
    assert results == [(other.detach() * 2).sum().item()] * 3
    assert len(ran) == 2 + 2  # a new entry warms up and captures


def test_module_guards_training_flag_and_attributes(device):
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5)).to(device)
    f, ran = _counting(lambda x: model(x).sum())
    x = minitorch.ones(3, 4).to(device)
    with minitorch.no_grad():
        for _ in range(3):
            f(x)
        model.eval()
        assert f(x).item() == model(x).sum().item() and len(ran) == 3  # training flag: capture again
        model[1].p = 0.9
        model.train()
        minitorch.manual_seed(5)
        a = f(x)
        minitorch.manual_seed(5)
        assert np.array_equal(_arrays(a), _arrays(model(x).sum())) and len(ran) == 4


def test_tensor_guards_data_replaced_and_requires_grad(device):
    w = minitorch.ones(3).to(device)
    f, ran = _counting(lambda x: (x * w).sum())
    x = minitorch.ones(3).to(device)
    for _ in range(3):
        f(x)
    w.data = minitorch.full((3,), 2.0).to(device)  # new memory: the plan's array is not w's any more
    assert f(x).item() == 6.0 and len(ran) == 3
    w.requires_grad_()
    with minitorch.no_grad():
        assert f(x).item() == 6.0


def test_guards_after_replays_see_a_changed_grad_and_a_new_param_group(device):
    """After a replay the guards first compare, object by object, what they read with what they
    read when they last held (``Plan.guards_pass``): a ``.grad`` the plan reads replaced or set
    to None, or a group added to the optimizer, still fails them and captures again."""
    w = nn.Parameter(minitorch.ones(3).to(device))
    w.grad = minitorch.full((3,), 2.0).to(device)
    f, ran = _counting(lambda x: (x * w.grad).sum())
    x = minitorch.ones(3).to(device)
    with minitorch.no_grad():
        assert [f(x).item() for _ in range(4)] == [6.0] * 4 and len(ran) == 2
        w.grad = minitorch.full((3,), 3.0).to(device)
        assert [f(x).item() for _ in range(3)] == [9.0] * 3 and len(ran) == 3
    p = nn.Parameter(minitorch.ones(2).to(device))
    opt = minitorch.optim.SGD([p], lr=0.1, momentum=0.5)

    def step():
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()

    g, runs = _counting(step)
    for _ in range(4):
        g()
    assert len(runs) == 2
    opt.param_groups[0]["momentum"] = 0.0  # not read live: the optimizer guard fails
    g()
    assert len(runs) == 3
    opt.add_param_group({"params": [nn.Parameter(minitorch.ones(1).to(device))]})
    g()
    assert len(runs) == 4


_SCALE = 2.0


def test_python_numbers_the_function_reads_are_guarded(device):
    global _SCALE
    offset = 1.0

    def fn(x):
        return x * _SCALE + offset

    f = minitorch.compile(fn)
    x = minitorch.ones(2).to(device)
    assert [f(x).sum().item() for _ in range(3)] == [6.0] * 3
    _SCALE = 3.0
    assert f(x).sum().item() == 8.0
    offset = 0.5
    assert f(x).sum().item() == 7.0
    _SCALE = 2.0
    assert len(f.plans) == 3


@pytest.mark.parametrize("make, live", [
    (lambda ps: minitorch.optim.SGD(ps, lr=0.1), True),
    (lambda ps: minitorch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True), True),
    (lambda ps: minitorch.optim.Adam(ps, lr=0.1), True),
    (lambda ps: minitorch.optim.AdamW(ps, lr=0.1), False),  # p.mul_(1 - lr * weight_decay): lr baked
    (lambda ps: minitorch.optim.RMSprop(ps, lr=0.1), False),
], ids=["sgd", "sgd-nesterov", "adam", "adamw", "rmsprop"])
def test_learning_rate_is_read_live_or_captures_again_never_stale(make, live, device):
    """SGD's and Adam's updates read ``lr`` when they run (a scheduler costs no capture); where an
    optimizer turns it into a constant of the plan (AdamW's decay, RMSprop, SGD on CUDA tensors),
    a new ``lr`` fails the optimizer guard and captures again. Never a stale value."""
    p = nn.Parameter(minitorch.ones(3).to(device))
    opt = make([p])

    def step():
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()

    f = minitorch.compile(step)
    q = nn.Parameter(minitorch.ones(3).to(device))
    ref = make([q])
    for i in range(8):
        if i in (4, 6):
            opt.param_groups[0]["lr"] = ref.param_groups[0]["lr"] = 0.1 / (i + 1)
        f()
        ref.zero_grad()
        (q * q).sum().backward()
        ref.step()
        assert np.array_equal(_arrays(p), _arrays(q))
    in_place = device == "cpu" or not isinstance(opt, minitorch.optim.SGD)  # SGD on torch arrays: add_
    assert len(f.plans) == (1 if live and in_place else 3)


def test_an_optimizer_subclass_with_its_own_update_keeps_lr_guarded(device):
    """SGD reads lr when its update runs; a subclass with its own ``_update`` may not (this one
    bakes it into ``add_``): its lr stays a guard, and a new value captures again."""
    class MySGD(minitorch.optim.SGD):
        def _update(self, p, grad, state, group):
            p.add_(grad, alpha=-group["lr"])

    p = nn.Parameter(minitorch.ones(3).to(device))
    opt = MySGD([p], lr=0.1)

    def step():
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()

    f = minitorch.compile(step)
    expected = np.ones(3, dtype=np.float32)
    for i in range(6):
        if i == 4:
            opt.param_groups[0]["lr"] = 0.01
        f()
        expected = expected - np.float32(opt.param_groups[0]["lr"]) * (2 * expected)
        assert np.allclose(_arrays(p), expected)
    assert len(f.plans) == 2


def test_one_cycle_schedule_of_lr_and_betas_replays_one_plan(device):
    """OneCycleLR changes Adam's ``lr`` and ``betas`` every step: both are read when the update
    runs, so one plan replays every step, bit-identical to eager."""
    def run(compiled):
        minitorch.manual_seed(0)
        model = nn.Linear(4, 3).to(device)
        opt = minitorch.optim.Adam(model.parameters(), lr=0.01)
        sched = minitorch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=12)

        def step(x):
            opt.zero_grad()
            loss = model(x).square().mean()
            loss.backward()
            opt.step()
            return loss

        fn = minitorch.compile(step) if compiled else step
        losses = []
        for k in range(12):
            losses.append(_arrays(fn(minitorch.full((2, 4), float(k)).to(device))).copy())
            sched.step()
        return [_arrays(p).copy() for p in model.parameters()] + losses, fn

    (eager, _), (compiled, fn) = run(False), run(True)
    assert all(np.array_equal(a, b) for a, b in zip(eager, compiled))
    assert len(fn.plans) == 1


def test_recompile_limit_falls_back_to_eager_with_a_warning(device):
    p = nn.Parameter(minitorch.ones(2).to(device))
    opt = minitorch.optim.SGD([p], lr=0.1)
    f = minitorch.compile(lambda: opt.step(), recompile_limit=2)
    p.grad = minitorch.ones(2).to(device)
    def run():
        for i in range(8):  # weight decay is a constant of SGD's plan (lr is read live)
            opt.param_groups[0]["weight_decay"] = 0.1 * i
            f()

    with pytest.warns(UserWarning, match="recompile_limit"):
        run()
    expected = np.ones(2)
    for i in range(8):
        expected -= 0.1 * (1 + 0.1 * i * expected)
    assert np.allclose(_arrays(p), expected)


def test_a_changed_branch_value_captures_again(device):
    """nll_loss branches on "is a target ignored?": a replay checks it before writing anything."""
    f, ran = _counting(lambda x, y: F.cross_entropy(x, y, ignore_index=2))
    x = minitorch.randn(4, 3).to(device)
    y1 = minitorch.tensor([0, 1, 0, 1]).to(device)
    y2 = minitorch.tensor([0, 2, 2, 1]).to(device)
    for _ in range(3):
        f(x, y1)
    assert f(x, y2).item() == F.cross_entropy(x, y2, ignore_index=2).item()
    assert len(ran) == 3
    with pytest.raises(IndexError, match="Target 7 is out of bounds"):
        f(x, minitorch.tensor([0, 7, 0, 1]).to(device))


def test_scheduler_inside_the_compiled_function_is_a_graph_break(device):
    p = nn.Parameter(minitorch.ones(2).to(device))
    opt = minitorch.optim.SGD([p], lr=0.1)
    sched = minitorch.optim.lr_scheduler.StepLR(opt, 1, 0.5)

    def step():
        p.grad = minitorch.ones(2).to(device)
        opt.step()
        sched.step()

    f = minitorch.compile(step)
    with pytest.warns(UserWarning, match="scheduler.step"):
        [f() for _ in range(4)]
    assert np.allclose(_arrays(p), 1 - (0.1 + 0.05 + 0.025 + 0.0125))


_VALUE_OPS = {
    "argmax accuracy": lambda x, y: (x.argmax(1) == y).sum() * 1,
    "argmin flat": lambda x, y: x.argmin() + 0,
    "max with indices": lambda x, y: x.max(1).indices + 0,
    "sort": lambda x, y: x.sort(1).values * x.argsort(0),
    "topk": lambda x, y: x.topk(2, 1).values + x.topk(2, 1).indices,
    "any all count_nonzero": lambda x, y: (x > 0).any(1).long() + (x > 0).all(0).long().sum()
                                           + (x > 0).count_nonzero(),
    "gather by the labels": lambda x, y: x.gather(1, y.unsqueeze(1)) * 2,
}


@pytest.mark.parametrize("name", list(_VALUE_OPS))
def test_ops_whose_result_depends_on_values_replay_on_new_values(name, device):
    fn = _VALUE_OPS[name]
    f = minitorch.compile(fn)
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(6):
            x = minitorch.tensor(rng.standard_normal((5, 4)).astype(np.float32)).to(device)
            y = minitorch.tensor(rng.integers(0, 4, 5)).to(device)
            assert np.array_equal(_arrays(f(x, y)), _arrays(fn(x, y)))
    assert len(f.plans) == 1


# ----------------------------------------------------------------------------- graph breaks
_BREAKS = {
    ".item()": lambda x: x.sum() * x.max().item(),
    "bool()": lambda x: x * 2 if bool(x.sum() > 0) else x,
    ".tolist()": lambda x: x * len(x.tolist()),
    ".numpy()": lambda x: x * float(x.cpu().numpy()[0]),
    "nonzero": lambda x: x[x.nonzero()[:, 0]].sum() * 1,
    "boolean mask": lambda x: x[x > 1].sum() * 1,
}


@pytest.mark.parametrize("name", list(_BREAKS))
def test_graph_breaks_run_eagerly_with_one_warning(name, device):
    fn = _BREAKS[name]
    f = minitorch.compile(fn)
    xs = [minitorch.tensor([1.0, 2.0, 3.0]).to(device), minitorch.tensor([3.0, 0.0, 5.0]).to(device)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(6):
            assert np.array_equal(_arrays(f(xs[i % 2])), _arrays(fn(xs[i % 2])))
    messages = [str(w.message) for w in caught if "graph break" in str(w.message)]
    assert len(messages) == 1 and "test_compile.py" in messages[0]
    assert f.plans == []
    g = minitorch.compile(fn, fullgraph=True)
    g(xs[0])  # the warm-up call is eager
    with pytest.raises(Unsupported, match="fullgraph=True"):
        g(xs[0])


def test_module_hooks_are_a_graph_break(device):
    model = nn.Linear(3, 2).to(device)
    seen = []
    model.register_forward_hook(lambda m, i, o: seen.append(1))
    f = minitorch.compile(lambda x: model(x).sum().detach())
    with pytest.warns(UserWarning, match="has hooks"):
        [f(minitorch.ones(1, 3).to(device)) for _ in range(4)]
    assert len(seen) == 4


def test_another_models_hooks_are_not_a_graph_break(device):
    """Only the modules whose parameters or buffers the plan uses are guarded: a hook on another
    model alive in the process (an earlier experiment, a test's leftover) changes nothing."""
    other = nn.Linear(2, 2).to(device)
    other.register_forward_hook(lambda m, i, o: None)
    model = nn.Linear(3, 2).to(device)
    f = minitorch.compile(lambda x: model(x).sum().detach())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = [f(minitorch.ones(1, 3).to(device)).item() for _ in range(4)]
    assert len(f.plans) == 1 and values == [model(minitorch.ones(1, 3).to(device)).sum().item()] * 4



def test_hooks_registered_after_the_capture_run(device):
    """A replay runs no Python: a module or tensor hook registered after the capture fails a guard,
    and the call captures again, meets the hook as a graph break and runs eagerly, hook and all."""
    model = nn.Linear(3, 2).to(device)
    opt = minitorch.optim.SGD(model.parameters(), lr=0.1)

    def step(x):
        opt.zero_grad()
        loss = model(x).sum()
        loss.backward()
        opt.step()
        return loss.detach()

    f = minitorch.compile(step)
    x = minitorch.ones(1, 3).to(device)
    [f(x) for _ in range(3)]
    assert len(f.plans) == 1
    seen = []
    handle = model.register_forward_hook(lambda m, i, o: seen.append("module"))
    with pytest.warns(UserWarning, match="has hooks"):
        [f(x) for _ in range(2)]
    assert seen == ["module"] * 2
    handle.remove()
    [f(x) for _ in range(2)]  # the plan holds again
    assert seen == ["module"] * 2
    model.weight.register_hook(lambda g: seen.append("tensor"))
    with pytest.warns(UserWarning, match="tensor hook"):
        [f(x) for _ in range(2)]
    assert seen == ["module"] * 2 + ["tensor"] * 2


def test_tensor_hooks_are_a_graph_break(device):
    w = minitorch.ones(3).to(device).requires_grad_()
    seen = []
    w.register_hook(lambda g: seen.append(1))

    def step(x):
        w.grad = None
        (w * x).sum().backward()
        return w.grad

    f = minitorch.compile(step)
    with pytest.warns(UserWarning, match="tensor hook"):
        [f(minitorch.ones(3).to(device)) for _ in range(4)]
    assert len(seen) == 4


def test_forward_with_grad_outside_the_plan_is_a_graph_break(device):
    model = minitorch.compile(nn.Linear(3, 2).to(device))
    x = minitorch.ones(1, 3).to(device)
    with pytest.warns(UserWarning, match="needs a backward"):
        [model(x).sum().backward() for _ in range(3)]
    assert np.array_equal(_arrays(model.weight.grad), np.full((2, 3), 3.0))


# ----------------------------------------------------------------------------- the API
def test_signature_is_torch_compiles():
    ours = inspect.signature(minitorch.compile).parameters
    theirs = inspect.signature(torch.compile).parameters
    assert list(ours) == list(theirs)
    assert [p.kind for p in ours.values()] == [p.kind for p in theirs.values()]
    assert {k: p.default for k, p in ours.items()} == {k: p.default for k, p in theirs.items()}


@pytest.mark.parametrize("kwargs", [{"mode": "fastest"}, {"mode": "default", "options": {}},
                                    {"backend": "nope"}])
def test_invalid_arguments_raise_as_torch(kwargs):
    with pytest.raises(Exception) as theirs:
        torch.compile(lambda x: x, **kwargs)
    with pytest.raises(Exception) as ours:
        minitorch.compile(lambda x: x, **kwargs)
    assert isinstance(ours.value, RuntimeError) and isinstance(theirs.value, RuntimeError)
    assert str(ours.value) == str(theirs.value)
    if "backend" in kwargs:
        assert isinstance(ours.value, InvalidBackend)


def test_decorator_forms_disable_and_module_wrapper(device):
    @minitorch.compile
    def a(x):
        return x + 1

    @minitorch.compile(fullgraph=True, mode="reduce-overhead")
    def b(x):
        return x + 2

    x = minitorch.zeros(2).to(device)
    assert [a(x).sum().item() for _ in range(3)] == [2.0] * 3
    assert [b(x).sum().item() for _ in range(3)] == [4.0] * 3
    f = lambda x: x
    assert minitorch.compile(f, disable=True) is f

    class Scaled(nn.Module):
        def __init__(self, k):
            super().__init__()
            self.k = k

        @minitorch.compile
        def forward(self, x):
            return x * self.k

    s2, s3 = Scaled(2.0), Scaled(3.0)
    assert [s2(x + 1).sum().item() for _ in range(3)] == [4.0] * 3
    assert [s3(x + 1).sum().item() for _ in range(3)] == [6.0] * 3
    s3.k = 5.0  # a Python attribute of the bound module: a guard, never a stale replay
    assert s3(x + 1).sum().item() == 10.0
    lin = nn.Linear(3, 2).to(device)
    m = minitorch.compile(lin)
    assert isinstance(m, OptimizedModule) and isinstance(m, nn.Module) and m._orig_mod is lin
    assert list(m.state_dict()) == ["_orig_mod.weight", "_orig_mod.bias"]
    assert m.weight is lin.weight and m.in_features == 3
    with minitorch.no_grad():
        outs = [m(minitorch.ones(4, 3).to(device)) for _ in range(3)]
        assert np.array_equal(_arrays(outs[2]), _arrays(lin(minitorch.ones(4, 3).to(device))))
    assert len(m.plans) == 1
    with pytest.raises(AssertionError, match="A callable function is expected"):
        minitorch.compile(3)


# ----------------------------------------------------------------------------- the examples' --compile
@pytest.mark.parametrize("example", ["train_mlp", "train_lenet"])
def test_examples_compile_flag_prints_the_same_epochs(example, monkeypatch, capsys, tmp_path):
    pytest.importorskip("tqdm")
    import re
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
    import _common

    from minitorch.utils.data import Subset
    from minitorch.vision import datasets

    if _common.find_mnist(None) is None:
        pytest.skip("MNIST's test files are not in ./data nor in ../shared")

    def small_slice(data, download, transform):
        train_set, test_set = datasets.mnist_test_split(_common.find_mnist(data), transform=transform)
        return Subset(train_set, range(200)), Subset(test_set, range(100))

    module = __import__(example)
    monkeypatch.setattr(module, "mnist_datasets", small_slice)
    lines = []
    for flags in ([], ["--compile"]):
        monkeypatch.setattr(sys, "argv", [example, "--epochs", "2", "--batch-size", "32", "--out", str(tmp_path),
                                          *flags])
        module.main()
        lines.append(re.findall(r"epoch \d+: .*%", capsys.readouterr().out))
    assert len(lines[0]) == 2 and lines[0] == lines[1]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(10,), (64, 256), (256, 784)])
def test_sgd_update_kernel_gives_numpys_bits(shape, dtype):
    """``kernels/optim.py: add_scaled`` (SGD's one-pass ``p += alpha * g``) rounds as NumPy's
    ``p + (alpha * g)``, which eager steps and replays both used before it: the same bits."""
    from minitorch.kernels import add_scaled
    from minitorch.kernels.optim import add_scaled_each_into, add_scaled_into

    rng = np.random.default_rng(0)
    p, g = rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)
    expected = np.add(p, np.multiply(g, -0.1))
    q, r = p.copy().reshape(-1), p.copy().reshape(-1)
    add_scaled(p, g, -0.1)
    assert np.array_equal(p, expected)
    with pytest.raises(RuntimeError, match="add_scaled: grad of shape"):
        add_scaled(p, g[:1], -0.1)
    # the compiled SGD step's entries (flat views made once): the same bits; a size that
    # differs writes nothing and answers False
    assert add_scaled_into(q, g.reshape(-1), dtype(-0.1)) and np.array_equal(q, expected.reshape(-1))
    assert add_scaled_each_into((r,), (g.reshape(-1),), dtype(-0.1)) and np.array_equal(r, q)
    assert not add_scaled_into(q, g.reshape(-1)[1:], dtype(-0.1))
    assert not add_scaled_each_into((r, q), (g.reshape(-1), g.reshape(-1)[1:]), dtype(-0.1))
    assert np.array_equal(q, expected.reshape(-1)) and np.array_equal(r, q)


def test_gradients_are_stolen_only_where_nothing_else_reaches_them(device):
    """The plan hands ``.grad`` the gradient array itself where eager would (``steal``), and keeps
    the copy where the same array reaches two leaves: no two ``.grad`` share memory."""
    p = nn.Parameter(minitorch.ones(4, 3).to(device))
    q = nn.Parameter(minitorch.ones(4, 3).to(device))
    w = nn.Parameter(minitorch.ones(3, 2).to(device))

    def step(x):
        for t in (p, q, w):
            t.grad = None
        ((p + q) * x).sum().backward()  # Add's backward gives p and q the same gradient array
        (x @ w).sum().backward()
        return p.grad, q.grad, w.grad

    f = minitorch.compile(step)
    for k in range(4):
        x = minitorch.full((4, 3), float(k + 1)).to(device)
        grads = [_arrays(g) for g in f(x)]
        expected = [_arrays(g) for g in step(x)]
        assert all(np.array_equal(a, b) for a, b in zip(grads, expected))
        assert not np.shares_memory(_arrays(p.grad), _arrays(q.grad))
    names = [s.name for s in f.plans[0].steps]
    if device == "cpu":  # on CUDA (torch arrays) eager copies every gradient, and so does the plan
        assert names.count("steal") == 2 and names.count("copyto") == 1


def test_a_replayed_loss_has_no_backward_left_as_in_torch(device):
    """torch.compile returns a step's loss with a ``grad_fn`` whose backward already ran; a replay
    returns it without one (docs/compile.md). A second backward is a RuntimeError in both."""
    p = nn.Parameter(minitorch.ones(3).to(device))
    opt = minitorch.optim.SGD([p], lr=0.1)

    def step():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        opt.step()
        return loss

    f = minitorch.compile(step)
    losses = [f() for _ in range(3)]
    assert losses[0].grad_fn is not None and losses[2].grad_fn is None and not losses[2].requires_grad
    for loss in (losses[0], losses[2]):
        with pytest.raises(RuntimeError):
            loss.backward()
    tp = torch.nn.Parameter(torch.ones(3))
    topt = torch.optim.SGD([tp], lr=0.1)
    tp.grad = None
    topt.zero_grad()
    tloss = (tp * tp).sum()
    tloss.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        tloss.backward()


@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_replayed_views_follow_each_new_input(layout, device):
    """A plan makes a view as one window into its base's memory (``_compile/passes.py: fold_views``): replayed on
    new inputs (other memory) it reads the new values. (An input that is a view into a bigger
    tensor's storage is a graph break: ``Recorder._view``.)"""
    def f(x):
        return (x.t().reshape(-1)[1:] * 2).unsqueeze(0).expand(2, -1)

    compiled = minitorch.compile(f)
    big = minitorch.arange(96.0).reshape(8, 12).to(device)
    for k in range(4):
        x = {"contiguous": (big[:4, :6] + k).contiguous(), "transposed": (big[:6, :4] + k).t()}[layout]
        with minitorch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("error")  # no graph break: calls 3 and 4 are replays
            assert np.array_equal(_arrays(compiled(x)), _arrays(f(x)))
    assert len(compiled.plans) == 1


# ----------------------------------------------------------------------------- the generated replay and guards
def test_generated_replay_is_the_loop_and_reads_as_the_plan(device):
    """A replay runs ``plan.source``, one Python function (``_compile/codegen.py``); ``Plan.run``'s
    loop over the steps (what the profiler times) makes the same calls: two copies of one step,
    one replayed each way, stay bit-identical, and the source names the plan's buffers and steps."""
    runs = []
    for loop in (False, True):
        model, opt, _ = _mlp(device)

        def step(x, y, model=model, opt=opt):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss

        fn = minitorch.compile(step)
        rng = np.random.default_rng(3)
        losses = []
        for k in range(6):
            x = minitorch.tensor(rng.standard_normal((8, 1, 28, 28)).astype(np.float32)).to(device)
            y = minitorch.tensor(rng.integers(0, 10, 8)).to(device)
            if k == 2 and loop:
                fn.plans[0]._replay = None
            losses.append(_arrays(fn(x, y)))
        runs.append((losses, [_arrays(p) for p in model.parameters()], [_arrays(p.grad) for p in model.parameters()]))
    (plan,) = fn.plans
    assert plan._replay is None  # the second copy replayed by the loop
    for a, b in zip(runs[0], runs[1]):
        assert all(np.array_equal(u, v) for u, v in zip(a, b))
    source = plan.source
    assert source.startswith("def replay(inputs, tensors") and "x0 = inputs[0]" in source
    assert "._grad = make(" in source and source.rstrip().splitlines()[-1].strip().startswith("return make(")
    for members, s in plan.fusions:
        assert f"# {s.name} (" in source


def test_guards_by_identity_then_by_value(device):
    """``plan.guards_source``'s identity checks answer first; an option set again to an equal
    value (a new object) fails them but not ``guards_pass``'s checks by value: the plan replays,
    nothing is captured. A different value captures again."""
    p = nn.Parameter(minitorch.ones(2).to(device))
    opt = minitorch.optim.SGD([p], lr=0.1, momentum=0.5)

    def step():
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()

    g, runs = _counting(step)
    for _ in range(3):
        g()
    (plan,) = g.plans
    assert "momentum" in plan.guards_source and plan._guards_hold()
    opt.param_groups[0]["momentum"] = float("0.5")  # equal, another object
    assert not plan._guards_hold() and plan.guards_pass() is None
    g()
    assert len(runs) == 2
    opt.param_groups[0]["momentum"] = 0.25
    assert plan.guards_pass() is not None
    g()
    assert len(runs) == 3
