"""``minitorch.profiler`` against ``torch.profiler``: the same program gives the same ranges.

Same names where the ops correspond (``aten::mm``, ``autograd::engine::evaluate_function:
MulBackward0``, ``Optimizer.step#SGD.step``), the same counts, the same nesting of
``record_function`` ranges, the same steps recorded by a ``schedule``, and the table's layout.
Then what minitorch adds (a ``kernel: aten::mm`` range inside each built-in op), the Chrome trace
(valid JSON, ranges well nested, written atomically), and the zero-cost path: after the profile,
with or without an exception, nothing is left installed.
"""

from __future__ import annotations

import json
import warnings
from collections import Counter

import numpy as np
import pytest
import torch

import minitorch
from minitorch.autograd import engine as _engine
from minitorch.autograd import function as _function
from minitorch.profiler import ProfilerAction, ProfilerActivity, profile, record_function, schedule

LIBS = [minitorch, torch]
RNG = np.random.default_rng(0)
A, B = RNG.standard_normal((2, 3)), RNG.standard_normal((3, 4))


def _profiler(lib):
    return lib.profiler


def small_program(lib):
    """mm, relu, mul, add, sum, backward, an SGD step: inside a ``record_function("step")``."""
    a = lib.tensor(A, dtype=lib.float32, requires_grad=True)
    b = lib.tensor(B, dtype=lib.float32, requires_grad=True)
    opt = lib.optim.SGD([a, b], lr=0.1)
    with _profiler(lib).record_function("step"):
        y = (a.mm(b).relu() * 2 + 1).sum()
        opt.zero_grad()
        y.backward()
        opt.step()
    return a, b


def run_profiled(lib, fn=small_program, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with _profiler(lib).profile(activities=[_profiler(lib).ProfilerActivity.CPU], **kwargs) as prof:
            out = fn(lib)
    return prof, out


def parent_name(event):
    return event.cpu_parent.name if event.cpu_parent is not None else None


def top_level_in(prof, range_name: str) -> Counter:
    """Names (and counts) of the events directly inside the range ``range_name``."""
    return Counter(e.name for e in prof.events() if parent_name(e) == range_name)


# ----------------------------------------------------------------------------- against torch
def test_same_ranges_as_torch_for_the_same_program():
    ours, theirs = run_profiled(minitorch)[0], run_profiled(torch)[0]
    mine, torchs = top_level_in(ours, "step"), top_level_in(theirs, "step")
    forward = ["aten::mm", "aten::relu", "aten::mul", "aten::add", "aten::sum"]
    for name in forward:
        assert mine[name] == torchs[name] == 1, name
    evaluate = {n for n in torchs if n.startswith("autograd::engine::evaluate_function: ")}
    assert evaluate == {n for n in mine if n.startswith("autograd::engine::evaluate_function: ")}
    for name in evaluate:
        assert mine[name] == torchs[name], name  # AccumulateGrad: once per leaf
    for name in ["Optimizer.step#SGD.step", "Optimizer.zero_grad#SGD.zero_grad"]:
        assert mine[name] == torchs[name] == 1


def test_backward_nodes_nest_as_in_torch():
    """``evaluate_function: X`` holds the node's range ``X``, which holds the ops of X's formula."""
    for lib in LIBS:
        prof = run_profiled(lib)[0]
        for e in prof.events():
            if e.name.startswith("autograd::engine::evaluate_function: "):
                node = e.name.split(": ", 1)[1]
                assert node in [c.name for c in e.cpu_children], (lib.__name__, e.name)
        mul_backward = [e for e in prof.events() if e.name == "MulBackward0"]
        assert [c.name for c in mul_backward[0].cpu_children] == ["aten::mul"], lib.__name__


def test_record_function_nests_like_torch():
    def program(lib):
        x = lib.ones(3)

        @_profiler(lib).record_function("decorated")
        def f(t):
            return t * 2

        with _profiler(lib).record_function("outer"):
            with _profiler(lib).record_function("inner"):
                x = x + x
            f(x)

    for lib in LIBS:
        prof = run_profiled(lib, program)[0]
        parents = {e.name: parent_name(e) for e in prof.events() if not e.name.startswith("kernel: ")}
        assert parents["outer"] is None
        assert parents["inner"] == "outer" and parents["decorated"] == "outer"
        assert parents["aten::add"] == "inner" and parents["aten::mul"] == "decorated"
        assert all(e.is_user_annotation for e in prof.events() if e.name in ("outer", "inner", "decorated"))


def test_input_shapes_and_event_attributes():
    for lib in LIBS:
        prof = run_profiled(lib, record_shapes=True)[0]
        (mm,) = [e for e in prof.events() if e.name == "aten::mm" and parent_name(e) == "step"]
        assert mm.input_shapes == [[2, 3], [3, 4]]
        assert mm.count == 1 and mm.key == "aten::mm"
        assert mm.cpu_time_total >= mm.self_cpu_time_total >= 0
        assert mm.cpu_time == mm.cpu_time_total
        span = mm.time_range  # an Interval, as torch's: .start, .end, .elapsed_us()
        assert span.start <= span.end and span.elapsed_us() == pytest.approx(mm.cpu_time_total)
        assert mm.cpu_parent.time_range.start <= span.start
        averages = {a.key: a for a in prof.key_averages()}
        mul = averages["aten::mul"]
        assert mul.count == 2  # forward, and MulBackward0's
        assert mul.cpu_time == pytest.approx(mul.cpu_time_total / 2)
        assert not mul.input_shapes  # not grouped by shape: torch says "", minitorch None
        by_shape = prof.key_averages(group_by_input_shape=True)
        assert {tuple(map(tuple, a.input_shapes)) for a in by_shape if a.key == "aten::mm"} >= {((2, 3), (3, 4))}


def test_custom_function_is_recorded_under_its_class_name():
    def program(lib):
        class MyFn(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2

        x = lib.ones(2, requires_grad=True)
        MyFn.apply(x).sum().backward()

    for lib in LIBS:
        prof = run_profiled(lib, program)[0]
        (fn,) = [e for e in prof.events() if e.name == "MyFn"]
        assert "aten::mul" in [c.name for c in fn.cpu_children]
        assert any(e.name == "autograd::engine::evaluate_function: MyFnBackward" for e in prof.events())


def test_op_names_of_a_conv_net_are_torchs():
    """The ops of a LeNet-like step are named as torch names them (torch records more, finer ops)."""
    def program(lib):
        lib.manual_seed(0)
        net = lib.nn.Sequential(lib.nn.Conv2d(1, 2, 3), lib.nn.ReLU(), lib.nn.MaxPool2d(2), lib.nn.Flatten(),
                                lib.nn.Linear(18, 3))
        x = lib.ones(2, 1, 8, 8)
        lib.nn.functional.cross_entropy(net(x), lib.tensor([0, 2])).backward()

    ours = {e.name for e in run_profiled(minitorch, program)[0].events()}
    theirs = {e.name for e in run_profiled(torch, program)[0].events()}
    for name in ["aten::convolution", "aten::relu", "aten::max_pool2d_with_indices", "aten::addmm",
                 "aten::log_softmax", "aten::nll_loss",
                 "autograd::engine::evaluate_function: ConvolutionBackward0",
                 "autograd::engine::evaluate_function: MaxPool2DWithIndicesBackward0",
                 "autograd::engine::evaluate_function: NllLossBackward0"]:
        assert name in theirs, name
        assert name in ours, name


# ----------------------------------------------------------------------------- the kernel / Python split
def test_each_builtin_op_holds_its_kernel():
    prof = run_profiled(minitorch)[0]
    ops = [e for e in prof.events() if e.name.startswith("aten::")]
    assert ops
    for op in ops:
        kernels = [c for c in op.cpu_children if c.name.startswith("kernel: ")]
        assert [k.name for k in kernels] == ["kernel: " + op.name], op.name
        assert kernels[0].category == "kernel"
        assert kernels[0].cpu_time_total <= op.cpu_time_total
        assert op.self_cpu_time_total == pytest.approx(op.cpu_time_total - sum(c.cpu_time_total for c in op.cpu_children))


def test_profiling_changes_no_value():
    plain = small_program(minitorch)
    profiled = run_profiled(minitorch)[1]
    for p, q in zip(plain, profiled):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())


# ----------------------------------------------------------------------------- schedule and steps
def test_schedule_function_is_torchs():
    for kwargs in [{"wait": 1, "warmup": 1, "active": 2}, {"wait": 1, "warmup": 1, "active": 2, "repeat": 2},
                   {"wait": 0, "warmup": 2, "active": 1, "repeat": 1, "skip_first": 3},
                   {"wait": 2, "warmup": 1, "active": 1, "skip_first": 1, "skip_first_wait": 1}]:
        ours, theirs = schedule(**kwargs), torch.profiler.schedule(**kwargs)
        assert [ours(s).name for s in range(25)] == [theirs(s).name for s in range(25)], kwargs
    with pytest.raises(AssertionError):
        schedule(wait=0, warmup=0, active=0)
    with pytest.warns(UserWarning, match="warmup"):
        schedule(wait=0, warmup=0, active=1)


def steps_seen(lib, steps: int, **schedule_kwargs) -> tuple[list, tuple]:
    """The steps each on_trace_ready call saw, and those of the final ``events()``.

    Step ``i`` adds tensors of ``i + 1`` elements, so the input shapes of its ``aten::add`` say
    which step it was; each recorded step is also one ``ProfilerStep*`` range (PyTorch's key for
    ``ProfilerStep#i``)."""
    seen = []

    def steps_in(prof) -> tuple[list[int], int]:
        found = sorted(e.input_shapes[0][0] - 1 for e in prof.events() if e.name == "aten::add")
        return found, sum(e.name == "ProfilerStep*" for e in prof.events())

    with _profiler(lib).profile(schedule=_profiler(lib).schedule(**schedule_kwargs), record_shapes=True,
                                on_trace_ready=lambda prof: seen.append(steps_in(prof))) as prof:
        for i in range(steps):
            lib.ones(i + 1) + 1
            prof.step()
    return seen, steps_in(prof)


@pytest.mark.parametrize("steps,kwargs", [
    (10, {"wait": 1, "warmup": 1, "active": 2, "repeat": 2}),
    (7, {"wait": 1, "warmup": 1, "active": 2}),  # stopped mid-cycle: the partial trace is handed over
    (6, {"wait": 0, "warmup": 1, "active": 1, "skip_first": 2}),
])
def test_schedule_records_the_steps_torch_records(steps, kwargs):
    assert steps_seen(minitorch, steps, **kwargs) == steps_seen(torch, steps, **kwargs)


def test_profiler_action_names():
    assert [a.name for a in ProfilerAction] == ["NONE", "WARMUP", "RECORD", "RECORD_AND_SAVE"]
    assert ProfilerActivity.CPU in minitorch.profiler.supported_activities()


# ----------------------------------------------------------------------------- table and trace
def test_table_layout_is_torchs():
    tables = {lib: run_profiled(lib, record_shapes=True)[0].key_averages().table(
        sort_by="self_cpu_time_total", row_limit=5) for lib in LIBS}
    heads = {}
    for lib, text in tables.items():
        lines = text.splitlines()
        assert set(lines[0]) == {"-", " "} and lines[0] == lines[2]
        assert lines[-1].startswith("Self CPU time total: ")
        assert len(lines) == 3 + 5 + 2
        heads[lib] = lines[1].split()
    assert heads[minitorch] == heads[torch] == ["Name", "Self", "CPU", "%", "Self", "CPU", "CPU", "total", "%",
                                                "CPU", "total", "CPU", "time", "avg", "#", "of", "Calls"]
    grouped = run_profiled(minitorch, record_shapes=True)[0].key_averages(group_by_input_shape=True).table()
    assert grouped.splitlines()[1].rstrip().endswith("Input Shapes")


def test_table_is_sorted_and_percentages_add_up():
    averages = run_profiled(minitorch)[0].key_averages()
    rows = averages.table(sort_by="cpu_time_total").splitlines()[3:-2]
    totals = [a.cpu_time_total for a in sorted(averages, key=lambda a: a.cpu_time_total, reverse=True)]
    assert [r.split()[0] for r in rows[:3]] == [
        a.key.split()[0] for a in sorted(averages, key=lambda a: a.cpu_time_total, reverse=True)[:3]]
    assert totals == sorted(totals, reverse=True)
    shares = [float(r.split("%")[0].split()[-1]) for r in averages.table().splitlines()[3:-2]]
    assert sum(shares) == pytest.approx(100, abs=0.5)


def test_chrome_trace_is_valid_and_well_nested(tmp_path):
    prof = run_profiled(minitorch, record_shapes=True)[0]
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    trace = json.loads(path.read_text())
    ranges = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    assert sorted(e["name"] for e in ranges) == sorted(e.name for e in prof.events())
    for e in ranges:
        assert {"name", "cat", "ph", "ts", "dur", "pid", "tid", "args"} <= set(e) and e["dur"] >= 0
    ns = [(round(e["ts"] * 1000), round((e["ts"] + e["dur"]) * 1000)) for e in ranges]
    for i, (s1, e1) in enumerate(ns):  # any two ranges: disjoint, or one inside the other
        for s2, e2 in ns[i + 1:]:
            assert e1 <= s2 or e2 <= s1 or (s1 <= s2 and e2 <= e1) or (s2 <= s1 and e1 <= e2)
    mm = next(e for e in ranges if e["name"] == "aten::mm")
    assert mm["args"]["Input Dims"] == [[2, 3], [3, 4]]


def test_chrome_trace_write_is_atomic(tmp_path, monkeypatch):
    prof = run_profiled(minitorch)[0]
    path = tmp_path / "trace.json"
    path.write_text("the previous trace")

    def fail(obj, f):
        f.write('{"traceEvents": [')
        raise OSError("disk full")

    monkeypatch.setattr(json, "dump", fail)
    with pytest.raises(OSError, match="disk full"):
        prof.export_chrome_trace(str(path))
    assert path.read_text() == "the previous trace"
    assert [p.name for p in tmp_path.iterdir()] == ["trace.json"]


# ----------------------------------------------------------------------------- the zero-cost path
def nothing_installed() -> bool:
    return _function._observer is None and _engine._profiler is None


def test_nothing_installed_after_the_profile():
    assert nothing_installed()
    run_profiled(minitorch)
    assert nothing_installed()


def test_an_exception_inside_the_profile():
    x = minitorch.ones(2, 3)
    with pytest.raises(RuntimeError, match="size of tensor a"), profile() as prof, record_function("failing"):
        x + minitorch.ones(4)  # torch's RuntimeError, from inside the op
    assert nothing_installed()
    (add,) = [e for e in prof.events() if e.name == "aten::add"]
    assert parent_name(add) == "failing" and add.cpu_time_total >= 0
    with pytest.raises(ValueError, match="user error"), profile() as prof, record_function("left open"):
        raise ValueError("user error")
    assert nothing_installed()
    assert [e.name for e in prof.events()] == ["left open"]


def test_record_function_outside_a_profile_does_nothing():
    with record_function("nothing"):
        y = minitorch.ones(2) + 1
    assert y.tolist() == [2.0, 2.0] and nothing_installed()


def test_nested_profile_warns_and_the_outer_keeps_recording():
    with profile() as outer:
        with pytest.warns(UserWarning, match="already enabled"), profile() as inner:
            minitorch.ones(2) + 1
        minitorch.ones(2) * 2
    assert nothing_installed()
    assert list(inner.events()) == []
    assert {"aten::add", "aten::mul"} <= {e.name for e in outer.events()}


def test_autograd_profiler_module():
    from minitorch.autograd.profiler import profile as legacy_profile
    from minitorch.autograd.profiler import record_function as rf

    assert rf is record_function and minitorch.autograd.profiler.record_function is record_function
    with legacy_profile(record_shapes=True) as prof:
        minitorch.ones(2) + 1
    assert "aten::add" in {e.key for e in prof.key_averages()}
    assert prof.table().splitlines()[-1].startswith("Self CPU time total")
    with legacy_profile(enabled=False) as off:
        minitorch.ones(2) + 1
    assert list(off.function_events) == [] and nothing_installed()


def test_the_docs_example_profiles_a_step(tmp_path, monkeypatch):
    """``examples/profile_step.py`` (the tables of docs/profiler.md), on a batch of 4."""
    import importlib
    import sys
    from pathlib import Path

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "examples"))
    example = importlib.import_module("profile_step")
    from train_mlp import MLP

    model = MLP()
    trace = tmp_path / "mlp.json"
    text = example.profile_model("MLP", model, minitorch.optim.SGD(model.parameters(), lr=0.1), 4, 5, trace)
    first, *table = text.splitlines()
    assert first.startswith("MLP, batch 4: ") and "kernels" in first and "Python in ops" in first
    assert table[-1].startswith("Self CPU time total: ") and len(table) == 3 + 5 + 2
    assert any(e["name"] == "ProfilerStep#2" for e in json.loads(trace.read_text())["traceEvents"])
    assert nothing_installed() and "profile_step" in sys.modules


def test_ops_on_the_device_under_test_are_recorded(device):
    """On CUDA (``--device cuda``) the kernel range times the torch call the backend makes."""
    x = minitorch.ones(2, 3, device=device, requires_grad=True)
    with profile() as prof:
        (x * 2).sum().backward()
    names = [e.name for e in prof.events()]
    assert {"aten::mul", "kernel: aten::mul", "autograd::engine::evaluate_function: MulBackward0"} <= set(names)
    assert nothing_installed()


def test_with_stack_records_the_callers_frames():
    def caller():
        return minitorch.ones(2) + 1

    with profile(with_stack=True) as prof:
        caller()
    (add,) = [e for e in prof.events() if e.name == "aten::add"]
    assert add.stack[0].startswith(__file__) and add.stack[0].endswith(": caller")
    assert not any("minitorch" + "/_ops" in frame for frame in add.stack)  # minitorch's own frames left out
    header = prof.key_averages(group_by_stack_n=1).table().splitlines()[1]
    assert header.rstrip().endswith("Source Location")


@pytest.mark.parametrize("use_gzip", [False, True])
def test_tensorboard_trace_handler_writes_each_trace(tmp_path, use_gzip):
    import gzip

    handler = minitorch.profiler.tensorboard_trace_handler(str(tmp_path / "log"), worker_name="w", use_gzip=use_gzip)
    with profile(schedule=schedule(wait=0, warmup=1, active=1, repeat=2), on_trace_ready=handler) as prof:
        for _ in range(4):
            minitorch.ones(2) + 1
            prof.step()
    files = sorted((tmp_path / "log").iterdir())
    assert len(files) == 2
    for f in files:
        assert f.name.startswith("w.") and f.name.endswith(".pt.trace.json" + (".gz" if use_gzip else ""))
        text = gzip.decompress(f.read_bytes()).decode() if use_gzip else f.read_text()
        assert "aten::add" in {e["name"] for e in json.loads(text)["traceEvents"]}


@pytest.mark.parametrize("name", ["profile", "schedule", "record_function", "tensorboard_trace_handler",
                                  "profile.key_averages", "profile.export_chrome_trace", "profile.step",
                                  "EventList.table", "EventList.key_averages"])
def test_signatures_are_torchs(name):
    import inspect

    def resolve(module, dotted):
        obj = module
        for part in dotted.split("."):
            obj = getattr(obj, part)
        return obj

    torch_module = torch.autograd.profiler_util if name.startswith("EventList") else torch.profiler
    ours, theirs = resolve(minitorch.profiler, name), resolve(torch_module, name)
    ours, theirs = (o.__init__ if isinstance(o, type) else o for o in (ours, theirs))
    assert list(inspect.signature(ours).parameters) == list(inspect.signature(theirs).parameters)


def test_apply_under_the_profiler_reads_function_py_globals_live(monkeypatch):
    """The recorder watches ``Function.apply`` itself (an ``Observer``), it runs no copy of it: a
    global of autograd/function.py rebound during a profile (a patched helper) is seen."""
    seen = []
    original = _function._record

    def spy(*args):
        seen.append(args[1])
        return original(*args)

    x = minitorch.ones(2, requires_grad=True)
    with profile():
        monkeypatch.setattr(_function, "_record", spy)
        x * 2
    assert len(seen) == 1


def test_a_profile_around_a_compile_capture():
    """The profiler and minitorch.compile's capture watch ``Function.apply`` at once (one
    ``Observer`` protocol): the profile records the ops of the call being captured, with their
    kernels, and the plan captured under it replays what eager computes."""
    minitorch.manual_seed(0)
    lin = minitorch.nn.Linear(3, 2)
    x = minitorch.randn(4, 3)
    step = minitorch.compile(lambda x: lin(x).relu().sum())
    with minitorch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("error")  # no graph break: the call is captured
        step(x)  # the warm-up call runs eagerly
        with profile() as prof:
            captured = step(x)
        assert nothing_installed()
        names = [e.name for e in prof.events()]
        assert names.count("aten::relu") == 1 and names.count("kernel: aten::relu") == 1
        x.mul_(2)
        assert step(x).item() == lin(x).relu().sum().item() != captured.item()
