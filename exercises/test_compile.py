"""Checks of docs/compile.md's exercises: ``pytest exercises -m compile_1`` (2, 3).

Nothing is timed. Exercise 1's check runs a real compiled training step and watches each call:
the step's Python body appends ``"capture"`` when ``minitorch.compile``'s recorder is watching,
``"eager"`` otherwise, and nothing when the call was replayed. Exercise 2's check asks PyTorch's
TorchDynamo (``torch.compile(fullgraph=True, backend="eager")``) whether a function breaks the
graph, and minitorch's own ``fullgraph=True`` why. Exercise 3's check compares a plan with the
ranges minitorch's profiler records for the same step run eagerly.
"""

from __future__ import annotations

import random
import re
import warnings

import pytest
import torch

import minitorch
from minitorch._compile import Unsupported
from minitorch._core import capture
from minitorch.autograd.function import Primitive


def _mlp_step(seen: list | None = None):
    """A compiled MLP training step (Linear-ReLU-Linear, cross-entropy, SGD), its optimizer, and the
    eager step it compiles. With ``seen``, each run of the step's Python appends what ran it."""
    minitorch.manual_seed(0)
    nn = minitorch.nn
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    opt = minitorch.optim.SGD(model.parameters(), lr=0.1)

    def step(x, y):
        if seen is not None:
            seen.append("capture" if capture.observer is not None else "eager")
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return minitorch.compile(step), opt, step


def _observed(calls: list[tuple[int, float]]) -> list[str]:
    seen: list[str] = []
    compiled, opt, _ = _mlp_step(seen)
    out = []
    for batch, wd in calls:
        opt.param_groups[0]["weight_decay"] = wd
        with warnings.catch_warnings():  # "recompile_limit reached": what the scenario is about
            warnings.simplefilter("ignore")
            before = len(seen)
            compiled(minitorch.randn(batch, 4), minitorch.randint(0, 3, (batch,)))
        out.append(seen[-1] if len(seen) > before else "replay")
    return out


_rng = random.Random(0)
LIFE_CYCLES = {
    "steady": [(64, 0.1)] * 5,
    "batch_changes": [(64, 0.1)] * 4 + [(32, 0.1)] * 3 + [(64, 0.1)] * 2 + [(32, 0.1)],
    "scheduler": [(16, 0.1)] * 3 + [(16, 0.05)] * 3 + [(16, 0.1)] * 2 + [(8, 0.05)] * 3,
    "five_rates": [(16, lr) for lr in (0.1, 0.1, 0.2, 0.3, 0.4, 0.5, 0.2, 0.1, 0.5)],
    "recompile_limit": [(16, lr / 100) for lr in range(1, 12)] + [(16, 0.05), (8, 0.05), (8, 0.05)],
    "random": [(_rng.choice((4, 8, 12)), _rng.choice((0.1, 0.2, 0.3))) for _ in range(30)],
}


@pytest.mark.compile_1
@pytest.mark.parametrize("name", list(LIFE_CYCLES))
def test_life_cycle_is_what_a_compiled_step_does(ex, name):
    calls = LIFE_CYCLES[name]
    predicted = ex("compile").life_cycle(calls)
    assert predicted == _observed(calls)


@pytest.mark.compile_1
def test_life_cycle_first_calls(ex):
    """The page's own example: call 1 eager, call 2 captured, the rest replayed."""
    assert ex("compile").life_cycle([(8, 0.1)] * 4) == ["eager", "capture", "replay", "replay"]


def _if_positive(t):
    return t * 2 if t.sum() > 0 else t


def _tolist(t):
    return t * len(t.tolist())


def _clean(t):
    return (t * 2).relu().sum()


def _item(t):
    return t * t.max().item()


def _nonzero(t):
    return t.nonzero()


def _dynamo_breaks(fn) -> bool:
    """Whether TorchDynamo meets a graph break in ``fn``: ``fullgraph=True`` raises then."""
    torch._dynamo.reset()
    try:
        torch.compile(fn, fullgraph=True, backend="eager")(torch.ones(3))
    except torch._dynamo.exc.Unsupported:
        return True
    return False


@pytest.mark.compile_2
@pytest.mark.parametrize("fn", [_if_positive, _tolist, _clean], ids=lambda f: f.__name__)
def test_graph_break_where_dynamo_breaks(ex, fn):
    """A break in minitorch exactly where TorchDynamo breaks (an ``if`` on a tensor, ``.tolist()``)."""
    found = ex("compile").graph_break(fn, minitorch.ones(3))
    assert (found is not None) == _dynamo_breaks(fn)


@pytest.mark.compile_2
@pytest.mark.parametrize("fn", [_if_positive, _tolist, _item, _nonzero], ids=lambda f: f.__name__)
def test_graph_break_says_why_fullgraph_raises(ex, fn):
    """The warning names the function and gives the reason (and the place) that ``fullgraph=True``
    raises ``Unsupported`` with. (PyTorch 2.13 traces ``.item()`` and ``nonzero`` without a break:
    minitorch breaks there, its plans hold no symbolic values or shapes.)"""
    found = ex("compile").graph_break(fn, minitorch.ones(3))
    strict = minitorch.compile(fn, fullgraph=True)
    strict(minitorch.ones(3))  # the warm-up call runs eagerly
    with pytest.raises(Unsupported) as raised:
        strict(minitorch.ones(3))
    reason = str(raised.value).split("fullgraph=True): ", 1)[1]
    assert found == f"minitorch.compile: graph break in {fn.__name__}: {reason}; this call signature runs eagerly"
    assert re.search(r"test_compile\.py:\d+ \(" + fn.__name__ + r"\)", reason), reason


# One Primitive serves several ops: every view is a View, every transpose a Permute...; the
# profiler names the op that called it (its ``aten::`` name). Elsewhere the two names agree.
ALIASES = {"Permute": {"t", "transpose", "permute"}, "View": {"view", "unsqueeze", "squeeze", "reshape"},
           "Index": {"gather"}, "IndexPut": {"scatter"}, "MatMul": {"mm"}}


def _primitive_names() -> set[str]:
    found, todo = set(), [Primitive]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return found


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@pytest.mark.compile_3
@pytest.mark.parametrize("batch", [5, 64])
def test_primitive_kernels_are_the_ops_eager_runs(ex, batch):
    compiled, _, step = _mlp_step()
    x, y = minitorch.randn(batch, 4), minitorch.randint(0, 3, (batch,))
    for _ in range(3):
        compiled(x, y)
    (plan,) = compiled.plans
    names = ex("compile").primitive_kernels(plan)
    primitives = _primitive_names()
    assert names == [s.name for s in plan.steps if s.name in primitives]
    with minitorch.profiler.profile() as prof:
        step(x, y)
    kernels = sorted((e for e in prof.events() if e.name.startswith("kernel: ")), key=lambda e: e.time_range.start)
    ops = [e.name.removeprefix("kernel: aten::") for e in kernels]
    assert len(names) == len(ops), (names, ops)
    for name, op in zip(names, ops):
        assert op == _snake(name) or op in ALIASES.get(name, ()), (name, op)
