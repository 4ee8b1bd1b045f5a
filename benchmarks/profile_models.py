"""Where a training step of a ResNet-18, DenseNet-121 and GoogLeNet goes, op by op: minitorch vs torch.

Run: ``python benchmarks/profile_models.py [--batch 16] [--size 96] [--models resnet18,densenet121,googlenet]``
from the repository root.

One SGD step (forward, cross-entropy, backward, ``optimizer.step()``) on a batch of
Fashion-MNIST-sized images scaled to ``size`` x ``size`` (three channels, the torchvision layout
of ``minitorch.vision.models``), after one warm-up step. minitorch runs on ``--threads`` threads (default 1, the figure a busy
shared machine can measure), torch on 1 and 2 for the step's total, on ``--threads`` in the
per-op profile. torch's time per op is its profiler's
self CPU time (``torch.profiler``, the aten ops). minitorch's is measured here by timing every
``Function.apply`` (forward) and every backward node's ``apply``, exclusive of the ops nested
inside (a backward written in Tensor ops counts its inner ops as ``bwd:<op>``); what is left
(the engine, ``.grad`` accumulation, module calls) is "unattributed". Ops are grouped into
families (conv, batch norm, relu, pool, cat, ...) so that the two libraries' names line up.
The machine is shared: the figures move by 10-20% from run to run.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import torch

import minitorch
from minitorch.autograd import function as _function

FAMILIES = [  # first match wins; matched against the lower-cased op name
    ("conv", ("conv", "im2col", "col2im")),
    ("batch norm", ("batch_norm", "batchnorm")),
    ("relu", ("relu", "threshold", "clamp")),
    ("pool", ("pool",)),
    ("cat", ("cat",)),
    ("linear / matmul", ("addmm", "linear", "matmul", "mm", "t_", "transpose", "permute")),
    ("loss", ("log_softmax", "nll", "cross_entropy", "logsoftmax")),
    ("add (residual, grad sums)", ("add",)),
    ("optimizer", ("sgd", "_foreach", "optim")),
]


def family(name: str) -> str:
    low = name.lower()
    for fam, keys in FAMILIES:
        if any(k in low for k in keys):
            return fam
    return "other ops"


def build(lib, name: str):
    if lib is minitorch:
        from minitorch.vision import models
    else:  # torchvision's Python models, without its compiled extension (parity_tests/harness)
        sys.path.insert(0, os.path.join(ROOT, "parity_tests"))
        from harness.torchvision_ref import import_torchvision

        models = import_torchvision().models
    kwargs = {"num_classes": 10}
    if name == "googlenet":
        kwargs.update(aux_logits=False, init_weights=True)
    return getattr(models, name)(**kwargs)


def step_fn(lib, model, x, y):
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = lib.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    return step


class OpTimer:
    """Exclusive time per op of minitorch's Function.apply (forward) and node apply (backward)."""

    def __init__(self):
        self.times = collections.Counter()
        self.stack = []  # [name, start, child time]
        self.in_backward = 0

    def _enter(self, name):
        self.stack.append([name, time.perf_counter(), 0.0])

    def _exit(self):
        name, start, child = self.stack.pop()
        total = time.perf_counter() - start
        self.times[name] += total - child
        if self.stack:
            self.stack[-1][2] += total

    def install(self):
        fwd, bwd = _function.Function.apply.__func__, _function.FunctionCtx.apply
        timer = self

        def apply(cls, *args, **kwargs):
            timer._enter(("bwd:" if timer.in_backward else "") + cls.__name__)
            try:
                return fwd(cls, *args, **kwargs)
            finally:
                timer._exit()

        def node_apply(node, grads):
            timer._enter(node.name())
            timer.in_backward += 1
            try:
                return bwd(node, grads)
            finally:
                timer.in_backward -= 1
                timer._exit()

        _function.Function.apply = classmethod(apply)
        _function.FunctionCtx.apply = node_apply
        self._restore = (fwd, bwd)

    def remove(self):
        fwd, bwd = self._restore
        _function.Function.apply = classmethod(fwd)
        _function.FunctionCtx.apply = bwd


def profile_minitorch(step):
    timer = OpTimer()
    timer.install()
    try:
        start = time.perf_counter()
        step()
        total = time.perf_counter() - start
    finally:
        timer.remove()
    return total, timer.times


def profile_torch(step):
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        start = time.perf_counter()
        step()
        total = time.perf_counter() - start
    times = collections.Counter()
    for ev in prof.key_averages():
        if ev.key.startswith("aten::") or "Backward" in ev.key or "Optimizer" in ev.key:
            times[ev.key] += ev.self_cpu_time_total / 1e6
    return total, times


def timed(step, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        samples.append(time.perf_counter() - start)
    return float(np.median(samples))


def report(name: str, batch: int, size: int, repeats: int) -> None:
    rng = np.random.default_rng(0)
    images = rng.standard_normal((batch, 3, size, size)).astype(np.float32)
    labels = rng.integers(0, 10, batch)
    steps = {}
    for lib in (minitorch, torch):
        lib.manual_seed(0)
        model = build(lib, name)
        model.train()
        steps[lib] = step_fn(lib, model, lib.tensor(images), lib.tensor(labels))
        steps[lib]()  # warm up: numba compiles, torch allocates
    totals = {}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        totals[f"torch{threads}"] = timed(steps[torch], repeats)
    totals["mini"] = timed(steps[minitorch], repeats)
    mini_total, mini_ops = profile_minitorch(steps[minitorch])
    torch.set_num_threads(minitorch.get_num_threads())
    torch_total, torch_ops = profile_torch(steps[torch])

    print(f"\n### {name}, batch {batch}, {size}x{size}: one SGD step (median of {repeats})\n")
    print(f"minitorch ({minitorch.get_num_threads()} thread(s)) {totals['mini'] * 1e3:.0f} ms; torch {totals['torch1'] * 1e3:.0f} ms (1 thread), "
          f"{totals['torch2'] * 1e3:.0f} ms (2 threads); ratio {totals['mini'] / totals['torch1']:.2f}x / "
          f"{totals['mini'] / totals['torch2']:.2f}x\n")
    fams = collections.Counter()
    tfams = collections.Counter()
    for op, t in mini_ops.items():
        fams[family(op)] += t
    fams["unattributed (engine, .grad, modules)"] = mini_total - sum(mini_ops.values())
    for op, t in torch_ops.items():
        tfams[family(op)] += t
    tfams["unattributed (engine, .grad, modules)"] = max(0.0, torch_total - sum(torch_ops.values()))
    print(f"| op family | minitorch ms | torch-{minitorch.get_num_threads()}t ms (profiled) | ratio |")
    print("|---|---:|---:|---:|")
    for fam, t in sorted(fams.items(), key=lambda kv: -kv[1]):
        tt = tfams.get(fam, 0.0)
        ratio = f"{t / tt:.2f}x" if tt > 0 else "-"
        print(f"| {fam} | {t * 1e3:.1f} | {tt * 1e3:.1f} | {ratio} |")
    print(f"| (profiled step) | {mini_total * 1e3:.1f} | {torch_total * 1e3:.1f} | |")
    print("\nminitorch's ten most expensive ops:", ", ".join(
        f"{op} {t * 1e3:.1f}" for op, t in mini_ops.most_common(10)))
    print("torch's ten most expensive ops:", ", ".join(
        f"{op} {t * 1e3:.1f}" for op, t in torch_ops.most_common(10)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--size", type=int, default=96)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--models", default="resnet18,densenet121,googlenet")
    parser.add_argument("--threads", type=int, default=1,
                        help="minitorch's threads, and torch's in the per-op profile (1: robust on a busy machine)")
    args = parser.parse_args()
    minitorch.set_num_threads(args.threads)
    for name in args.models.split(","):
        report(name, args.batch, args.size, args.repeats)


if __name__ == "__main__":
    main()
