"""Training-step time on CUDA: minitorch (torch CUDA arrays, minitorch's own autograd) against PyTorch.

Run on a machine with an NVIDIA GPU and a CUDA build of torch, from the repository root:

    python benchmarks/bench_cuda.py                 # LeNet-5 at batch 256, ResNet-18 (3x32x32) at batch 128
    python benchmarks/bench_cuda.py --quick         # fewer repeats and steps: about a minute
    MINITORCH_FAKE_CUDA=1 python benchmarks/bench_cuda.py --fake --quick   # no GPU: see below

One training step is ``zero_grad``, forward, cross-entropy loss, backward and ``Adam.step`` on a
fixed random batch already on the device (``training_steps.py``'s step; its LeNet-5). Both libraries
build the same model in this one process.
After warm-up steps, each repeat times a window of steps of each library in turn (alternating which
goes first), with ``torch.cuda.synchronize()`` before and after the window; the table shows medians
over the repeats, per step:

- ``wall``: ``time.perf_counter`` around the window (what training costs),
- ``host``: the time until the last step *returns*, before the final synchronize: the Python (or
  C++) work of issuing the kernels. When it is close to ``wall`` the step is bound by the host, not
  by the GPU,
- ``kernels``: GPU time, measured apart: the sum of the kernels' device times in a
  ``torch.profiler`` trace of a few steps (the GPU's busy time, without its idle gaps),
- ``overhead``: ``1 - kernels / wall``, the share of the step in which the GPU waits for the host;
  for minitorch this is mostly its autograd bookkeeping in Python (Tensor wrapping, graph recording,
  the backward engine, the optimizer loop over parameters).

``ratio`` is minitorch / PyTorch (> 1: minitorch is slower).

``--fake`` (with ``MINITORCH_FAKE_CUDA=1``) times the same delegation path without a GPU: minitorch's
"cuda" arrays are then torch *CPU* tensors, PyTorch runs on the CPU (both on one thread), and ``kernels`` is the sum of
the aten ops' share of a CPU trace (their self CPU time over the traced time) times ``wall``. Those numbers are CPU timings, labelled as such, and say nothing of GPU
speed; they exist so that this script is tested (``parity_tests/test_examples_cuda.py``). Without a
GPU and without ``--fake`` the script says so and exits with status 0.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import torch

import minitorch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from training_steps import lenet, step_of, training_step

NO_GPU = "no CUDA device: run on a machine with an NVIDIA GPU"


def resnet(lib, width=64, blocks=(2, 2, 2, 2)):
    """ResNet-18 for 3x32x32 (CIFAR stem: one 3x3 convolution, no max-pool) from ``lib.nn``;
    ``width`` scales the channels."""
    nn = lib.nn

    class BasicBlock(nn.Module):
        """y = relu(bn(conv(relu(bn(conv(x))))) + shortcut(x))"""

        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU()
            self.shortcut = nn.Identity() if stride == 1 and cin == cout else nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            y = self.relu(self.bn1(self.conv1(x)))
            return self.relu(self.bn2(self.conv2(y)) + self.shortcut(x))

    layers = [nn.Conv2d(3, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
    cin = width
    for stage, n in enumerate(blocks):
        cout = width * 2**stage
        for i in range(n):
            layers.append(BasicBlock(cin, cout, 2 if stage > 0 and i == 0 else 1))
            cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 10)]
    return nn.Sequential(*layers)


def make_step(lib, build, input_shape, batch, device):
    """A zero-argument training step of ``lib`` with Adam on ``training_steps.py``'s fixed random
    batch, model and batch on ``device`` (no ``.item()``: no sync)."""
    return step_of(training_step(lib, build, 1e-3, "Adam", batch, input_shape=input_shape, device=device))


def synchronize(fake):
    if not fake:
        torch.cuda.synchronize()


def time_window(step, steps, fake):
    """(wall, host) seconds per step over ``steps`` consecutive steps."""
    synchronize(fake)
    start = time.perf_counter()
    for _ in range(steps):
        step()
    issued = time.perf_counter()
    synchronize(fake)
    end = time.perf_counter()
    return (end - start) / steps, (issued - start) / steps


def kernel_time(step, steps, fake):
    """Seconds per step spent in kernels: GPU device time (CUDA) or aten ops' self CPU time (--fake).

    The first trace only warms the profiler up. On the CPU the profiler slows every op down, so
    there the aten share of the traced time is returned as a share of the untraced wall time.
    """
    from torch.profiler import ProfilerActivity, profile

    activity = ProfilerActivity.CPU if fake else ProfilerActivity.CUDA
    for _ in range(2):
        synchronize(fake)
        start = time.perf_counter()
        with profile(activities=[activity]) as prof:
            for _ in range(steps):
                step()
            synchronize(fake)
        traced = time.perf_counter() - start
    events = prof.key_averages()
    if fake:
        return sum(e.self_cpu_time_total for e in events if e.key.startswith("aten::")) / 1e6 / traced
    return sum(e.self_device_time_total for e in events) / 1e6 / steps


def bench(name, build, input_shape, batch, args):
    """One table row per library for one model: medians of wall and host, kernel time, overhead."""
    device = "cpu" if args.fake else "cuda"
    steps = {"minitorch": make_step(minitorch, build, input_shape, batch, "cuda"),
             "PyTorch": make_step(torch, build, input_shape, batch, device)}
    for step in steps.values():
        for _ in range(args.warmup):
            step()
    samples = {lib: [] for lib in steps}
    for r in range(args.repeats):
        order = list(steps) if r % 2 == 0 else list(reversed(steps))
        for lib in order:
            samples[lib].append(time_window(steps[lib], args.steps, args.fake))
    rows = {}
    for lib, step in steps.items():
        wall = statistics.median(s[0] for s in samples[lib])
        host = statistics.median(s[1] for s in samples[lib])
        try:
            kernels = kernel_time(step, args.profile_steps, args.fake)
            kernels = kernels * wall if args.fake else kernels  # --fake: a share of the step
        except (RuntimeError, AttributeError) as error:  # no CUPTI: the rest of the table still stands
            print(f"({name}, {lib}: no kernel times: {error})", file=sys.stderr)
            kernels = float("nan")
        rows[lib] = (wall, host, kernels)
    return rows


def ms(seconds):
    return f"{1e3 * seconds:.2f}" if not math.isnan(seconds) else "n/a"


def print_table(results, args):
    where = ("fake CUDA: minitorch's 'cuda' arrays are torch CPU tensors; PyTorch on the CPU; "
             "CPU timings (1 thread), not GPU timings" if args.fake else torch.cuda.get_device_name(0))
    kernels = "aten self CPU" if args.fake else "GPU kernels"
    print(f"\nTraining step (zero_grad, forward, loss, backward, Adam), ms per step, median of "
          f"{args.repeats} repeats x {args.steps} steps: {where}\n")
    print(f"| model | batch | library | wall | host | {kernels} | overhead | ratio (wall) |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for (name, batch), rows in results.items():
        torch_wall = rows["PyTorch"][0]
        for lib, (wall, host, kern) in rows.items():
            overhead = f"{100 * (1 - kern / wall):.0f}%" if not math.isnan(kern) else "n/a"
            ratio = f"{wall / torch_wall:.2f}x" if lib == "minitorch" else "1"
            print(f"| {name} | {batch} | {lib} | {ms(wall)} | {ms(host)} | {ms(kern)} | {overhead} | {ratio} |")
    print("\noverhead = 1 - kernels / wall: the share of the step not spent in "
          + ("aten ops (Python and dispatch)." if args.fake else "GPU kernels (the GPU waits for the host)."))


def main(argv=None):
    parser = argparse.ArgumentParser(description="minitorch vs PyTorch training-step time on CUDA.")
    parser.add_argument("--fake", action="store_true",
                        help="time the delegation path on the CPU (needs MINITORCH_FAKE_CUDA=1); no GPU numbers")
    parser.add_argument("--quick", action="store_true", help="fewer repeats and steps (and smaller models with --fake)")
    parser.add_argument("--repeats", type=int, default=None, help="timed windows per library (default 11, --quick 3)")
    parser.add_argument("--steps", type=int, default=None, help="steps per window (default 10, --quick 2)")
    parser.add_argument("--warmup", type=int, default=None, help="untimed steps first (default 5, --quick 1)")
    parser.add_argument("--profile-steps", type=int, default=None, help="steps per kernel-time trace (default 3, --quick 1)")
    args = parser.parse_args(argv)
    args.repeats = args.repeats or (3 if args.quick else 11)
    args.steps = args.steps or (2 if args.quick else 10)
    args.warmup = args.warmup or (1 if args.quick else 5)
    args.profile_steps = args.profile_steps or (1 if args.quick else 3)

    if args.fake:
        if os.environ.get("MINITORCH_FAKE_CUDA") != "1":
            print("--fake needs the environment variable MINITORCH_FAKE_CUDA=1 (set before minitorch makes "
                  "its first CUDA tensor)")
            return 2
    elif not torch.cuda.is_available():
        print(NO_GPU)
        return 0
    elif os.environ.get("MINITORCH_FAKE_CUDA") == "1":
        print("MINITORCH_FAKE_CUDA=1 would put minitorch's 'cuda' arrays on the CPU: unset it, or add --fake")
        return 2

    if args.fake:  # one thread: OpenMP pools that spin against other processes make CPU timings erratic
        torch.set_num_threads(1)
    # On the CPU (--fake) full sizes take minutes per repeat; --quick keeps the same shapes of model, smaller.
    small = args.fake and args.quick
    models = [("LeNet-5 1x28x28", lenet, (1, 28, 28), 32 if small else 256),
              ("ResNet-18 3x32x32" + (" (width 8)" if small else ""),
               (lambda lib: resnet(lib, width=8)) if small else resnet, (3, 32, 32), 8 if small else 128)]
    results = {}
    for name, build, shape, batch in models:
        print(f"timing {name} at batch {batch} ...", file=sys.stderr)
        results[(name, batch)] = bench(name, build, shape, batch, args)
    print_table(results, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
