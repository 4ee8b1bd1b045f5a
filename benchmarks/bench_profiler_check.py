"""What the profiler costs: its one check when off, and its ranges when on.

Run: ``python benchmarks/bench_profiler_check.py [--repeats 41] [--only add]`` from the repository root.

``Function.apply`` starts with ``obs = _observer`` (the profiler and minitorch.compile's capture
watch through it, ``autograd/observers.py``' ``Observer``) and tests ``obs is not None`` where it
would tell them something. To see what watching costs when nobody watches, this times
``bench_overhead.py``'s workloads in one process with ``Function.apply`` as shipped ("checked") and
with a copy of it compiled from its own source with ``obs = None`` in place of the global lookup
("unchecked": what remains are tests of a local, which Python answers at once), alternating the two (and torch on one and two threads, for scale;
minitorch's kernels run on one thread) in each repeat, and reports medians of the time per call. ``profiled`` is the same workload inside
``minitorch.profiler.profile()`` (one profile around each timing loop; its start and stop are
not timed): what recording every op, its kernel range and each backward node adds. The engine's two checks run once per backward node and leaf;
they are in the ``graph20`` numbers.
"""

from __future__ import annotations

import argparse
import inspect
import os
import statistics
import sys
import textwrap
import types

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

import torch
from bench_overhead import calibrate, make_workloads, time_call

import minitorch
from minitorch.autograd import function as _function

CHECK = "obs = _observer"


def unchecked_apply():
    """``Function.apply`` compiled from its source with ``obs = None`` instead of ``obs = _observer``."""
    source = textwrap.dedent(inspect.getsource(_function.Function.apply.__func__))
    lines = source.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == CHECK)
    lines[at] = lines[at].replace(CHECK, "obs = None")
    module = compile("\n".join(lines[1:]), "<Function.apply without the check>", "exec")  # no @classmethod line
    code = next(c for c in module.co_consts if isinstance(c, types.CodeType))
    return classmethod(types.FunctionType(code, _function.__dict__, "apply"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=41)
    parser.add_argument("--only", default=None, help="only workloads whose name contains this")
    args = parser.parse_args()
    torch.set_num_threads(1)
    minitorch.set_num_threads(1)
    checked, unchecked = _function.Function.__dict__["apply"], unchecked_apply()
    mini, ref = make_workloads(minitorch), make_workloads(torch)

    def use(apply):
        _function.Function.apply = apply

    print(f"uptime: {os.popen('uptime').read().strip()}")
    print(f"{'workload':<44}{'checked':>10}{'unchecked':>11}{'ratio':>8}{'profiled':>10}{'torch 1t':>10}{'torch 2t':>10}   (µs per call, medians)")
    for name, fn in mini.items():
        if args.only and args.only not in name:
            continue
        contenders = {"checked": (fn, checked), "unchecked": (fn, unchecked), "profiled": (fn, checked),
                      "torch1": (ref[name], checked), "torch2": (ref[name], checked)}
        numbers = {}
        for key, (f, apply) in contenders.items():
            use(apply)
            torch.set_num_threads(2 if key == "torch2" else 1)
            f()
            numbers[key] = calibrate(f)
        samples: dict[str, list[float]] = {k: [] for k in contenders}
        order = list(contenders)
        for r in range(args.repeats):
            for key in order if r % 2 == 0 else reversed(order):
                f, apply = contenders[key]
                use(apply)
                torch.set_num_threads(2 if key == "torch2" else 1)
                if key == "profiled":
                    with minitorch.profiler.profile():
                        samples[key].append(time_call(f, numbers[key]) * 1e6)
                else:
                    samples[key].append(time_call(f, numbers[key]) * 1e6)
        use(checked)
        med = {k: statistics.median(v) for k, v in samples.items()}
        print(f"{name:<44}{med['checked']:>10.2f}{med['unchecked']:>11.2f}{med['checked'] / med['unchecked']:>8.3f}"
              f"{med['profiled']:>10.1f}{med['torch1']:>10.2f}{med['torch2']:>10.2f}")


if __name__ == "__main__":
    main()
