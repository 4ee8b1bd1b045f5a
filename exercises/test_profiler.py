"""Checks of docs/profiler.md's exercises: ``pytest exercises -m profiler_1`` (2, 3).

The same small program runs under minitorch's profiler and PyTorch's. What is compared is what a
profile records whatever the machine's load (which ops, how often, how the ranges nest) and the
sums a profile's own ``key_averages()`` makes of its times, never a time against a number.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import minitorch


def _program(lib, nested: bool = False) -> None:
    """Three steps of ``x.mm(w).relu()`` and its backward, each in a ``record_function("step")``
    (and, ``nested``, its two halves in ``"forward"`` and ``"backward"``). The gradient is made
    outside the steps: ``backward()``'s own ``ones_like`` is a range in PyTorch only."""
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((16, 8)))
    w = lib.tensor(rng.standard_normal((8, 4)), requires_grad=True)
    grad = lib.ones(16, 4, dtype=lib.float64)
    record_function = lib.profiler.record_function
    for _ in range(3):
        with record_function("step"):
            if nested:
                with record_function("forward"):
                    y = x.mm(w).relu()
                with record_function("backward"):
                    y.backward(grad)
            else:
                y = x.mm(w).relu()
                y.backward(grad)


def _profile(lib, program=_program, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with lib.profiler.profile(activities=[lib.profiler.ProfilerActivity.CPU]) as prof:
            program(lib, **kwargs)
    return prof


@pytest.mark.profiler_1
@pytest.mark.parametrize("lib", [minitorch, torch], ids=["minitorch", "torch"])
def test_busiest_op_is_the_tables_first_op(ex, lib):
    """On either library's profile: an op's key, the largest self time of all ops, its count."""
    prof = _profile(lib)
    key, count = ex("profiler").busiest_op(prof)
    averages = {avg.key: avg for avg in prof.key_averages()}
    assert key in averages and key.startswith("aten::"), f"{key!r} is not an op of the profile"
    assert averages[key].self_cpu_time_total == max(
        avg.self_cpu_time_total for k, avg in averages.items() if k.startswith("aten::"))
    assert count == averages[key].count


@pytest.mark.profiler_1
def test_busiest_op_ran_as_often_as_in_torch(ex):
    """Whichever op it is, this program calls it as often in minitorch as in PyTorch."""
    key, count = ex("profiler").busiest_op(_profile(minitorch))
    torch_counts = {avg.key: avg.count for avg in _profile(torch).key_averages()}
    assert count == torch_counts[key], f"{key}: {count} calls, torch's profiler counts {torch_counts[key]}"


@pytest.mark.profiler_2
@pytest.mark.parametrize("nested", [False, True], ids=["flat", "nested"])
def test_region_is_torchs(ex, nested):
    """The same count and the same ranges inside the first step as PyTorch's profile."""
    ours = ex("profiler").region(_profile(minitorch, nested=nested), "step")
    theirs = ex("profiler").region(_profile(torch, nested=nested), "step")
    assert ours == theirs
    assert ours[0] == 3 and ours[1][:2] == (["forward", "backward"] if nested else ["aten::mm", "aten::relu"])


@pytest.mark.profiler_2
def test_region_inside_a_region(ex):
    """``forward``'s children are the two ops, with no ``kernel:`` range among them."""
    for lib in (minitorch, torch):
        assert ex("profiler").region(_profile(lib, nested=True), "forward") == (3, ["aten::mm", "aten::relu"])


@pytest.mark.profiler_3
@pytest.mark.parametrize("op", ["aten::mm", "aten::relu", "aten::threshold_backward"])
def test_kernel_split_adds_up(ex, op):
    """Kernel + Python is the op's whole time; each part is what ``key_averages()`` sums."""
    prof = _profile(minitorch)
    kernel, python = ex("profiler").kernel_split(prof, op)
    averages = {avg.key: avg for avg in prof.key_averages()}
    assert kernel == pytest.approx(averages["kernel: " + op].cpu_time_total, rel=1e-9)
    assert python == pytest.approx(averages[op].self_cpu_time_total, rel=1e-9, abs=1e-9)
    assert kernel + python == pytest.approx(averages[op].cpu_time_total, rel=1e-9)
    assert kernel > 0


@pytest.mark.profiler_3
def test_kernel_split_of_a_function_without_a_kernel(ex):
    """A Function of your own has no kernel range: its ``aten::mul`` inside is neither part."""

    class Twice(minitorch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    def program(lib):
        Twice.apply(lib.ones(4, 4, requires_grad=True)).sum().backward()

    prof = _profile(minitorch, program)
    kernel, python = ex("profiler").kernel_split(prof, "Twice")
    (twice,) = [e for e in prof.events() if e.name == "Twice"]
    assert [c.name for c in twice.cpu_children] == ["aten::mul"]
    assert kernel == 0.0
    assert python == pytest.approx(twice.self_cpu_time_total, rel=1e-9, abs=1e-9)
    assert python < twice.cpu_time_total
