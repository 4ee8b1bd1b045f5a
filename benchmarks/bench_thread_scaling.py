"""How much each op of a gallery chapter's training step gains from the second core: wall time per op at 1 and 2 threads.

Run: ``python benchmarks/bench_thread_scaling.py CHAPTER [CHAPTER ...] [--rounds 5] [--top 12]``
from the repository root (CHAPTER: alexnet, vgg, googlenet, resnet, nin, densenet, ...).

One step of each chapter (its model, loss and optimizer, one batch of 64, bench_gallery.py's
budget), in one process, at 1 and 2 threads alternating (``rounds`` times each): the step's wall
time in minitorch and in torch, and minitorch's wall time per op (benchmarks/profile_models.py's
timer: every Function.apply and backward node, exclusive of the ops nested inside; "bwd:" ops run
inside a backward; "(the rest)" is the engine, ``.grad`` sums and module calls), medians. The
speed-up column is 1t / 2t: 2.0 is an op shared evenly, 1.0 one that runs on one core (the
Amdahl share). Unlike bench_serial_share.py (CPU time of the calling thread, passive waiting)
this is wall time with the default wait policy, the time a user waits; the serial spells of
kernels/threading.py are off (``MINITORCH_ADAPTIVE_THREADS=0``) so that a disturbance does not
turn the 2-thread rounds into 1-thread ones. The machine is shared: read the ratios.
"""

from __future__ import annotations

import argparse
import collections
import os
import runpy
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = {"MINITORCH_ADAPTIVE_THREADS": "0"}


def capture_steps(chapter: str) -> dict:
    """The chapter's training step in both libraries, each warmed up once."""
    import _gallery  # type: ignore[import-not-found]
    import bench_gallery

    steps = {}

    def capture(net, train_iter, test_iter, loss, updater, run_args, torch):
        X, y = next(iter(train_iter))

        def step():
            updater.zero_grad()
            loss(net(X), y).mean().backward()
            updater.step()

        step()
        steps[run_args.lib] = step

    _gallery.train = capture
    _, extra = bench_gallery.BUDGETS[chapter]
    for lib in ("minitorch", "torch"):
        sys.argv = [f"{chapter}.py", "--lib", lib, "--limit", "64", "--threads", "2", "--no-download", *extra]
        runpy.run_path(os.path.join(ROOT, "examples", "gallery", f"{chapter}.py"), run_name="__main__")
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="+")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    if any(os.environ.get(k) != v for k, v in ENV.items()):  # read at import: re-run with them set
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **ENV})
    sys.path[:0] = [os.path.join(ROOT, "examples", "gallery"), os.path.join(ROOT, "benchmarks"), ROOT]
    import profile_models
    import torch

    import minitorch

    for chapter in args.chapters:
        steps = capture_steps(chapter)
        parts: dict = {1: [], 2: []}
        totals: dict = {1: [], 2: []}
        torch_totals: dict = {1: [], 2: []}
        load = os.getloadavg()[0]
        for r in range(args.rounds):
            for threads in (1, 2) if r % 2 == 0 else (2, 1):
                minitorch.set_num_threads(threads)
                torch.set_num_threads(threads)
                steps["minitorch"]()
                start = time.perf_counter()
                steps["torch"]()
                torch_totals[threads].append(time.perf_counter() - start)
                total, ops = profile_models.profile_minitorch(steps["minitorch"])
                parts[threads].append({**ops, "(the rest)": total - sum(ops.values())})
                totals[threads].append(total)
        med = {t: collections.Counter({k: statistics.median(d.get(k, 0.0) for d in parts[t])
                                       for k in set().union(*parts[t])}) for t in parts}
        t1, t2 = (statistics.median(totals[t]) * 1e3 for t in (1, 2))
        o1, o2 = (statistics.median(torch_totals[t]) * 1e3 for t in (1, 2))
        print(f"\n{chapter}: wall ms per step (medians of {args.rounds}), minitorch 1t {t1:.1f} 2t {t2:.1f} "
              f"(x{t1 / t2:.2f}); torch 1t {o1:.1f} 2t {o2:.1f} (x{o1 / o2:.2f}); "
              f"load {load:.2f} -> {os.getloadavg()[0]:.2f}")
        print("| op | 1t ms | 2t ms | 1t / 2t | ms left on one core (2*t2 - t1) |")
        print("|---|---:|---:|---:|---:|")
        for name, a in med[1].most_common(args.top):
            b = med[2][name]
            print(f"| {name} | {a * 1e3:.2f} | {b * 1e3:.2f} | {a / b if b else 0:.2f} | "
                  f"{max(0.0, 2 * b - a) * 1e3:.2f} |")
        serial = sorted(((max(0.0, 2 * med[2][k] - a), k) for k, a in med[1].items()), reverse=True)
        print("largest serial shares (ms): " + ", ".join(f"{k} {s * 1e3:.1f}" for s, k in serial[:8]))


if __name__ == "__main__":
    main()
