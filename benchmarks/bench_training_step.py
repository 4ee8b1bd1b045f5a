"""Where one training step of examples/train_mlp.py spends its time: minitorch against torch.

Run: ``python benchmarks/bench_training_step.py [--repeats 21] [--steps 20] [--profile]`` from the
repository root.

The step is train_mlp.py's (784 -> 256 -> 128 -> 10 with ReLUs, cross-entropy, SGD with momentum,
batch 64; the model and batch of ``training_steps.py``) on random images, so no dataset is needed.
Each phase is timed separately: ``zero_grad``, ``forward`` (model and loss), ``backward``,
``step``. Both libraries run in this one process with the same weights; each repeat times ``--steps`` steps of each in turn (both
at 1 and at 2 threads, ``set_num_threads``), alternating the order, and the table shows medians
per step in milliseconds with the ratios minitorch / torch at equal threads. On a shared
machine the 2-thread figures collapse when another process holds the second core: decide on
the 1-thread ones. ``--profile`` prints minitorch's cProfile of 200 steps on one thread, the
functions with the most time of their own. docs/training-step.md shows a run.

``bench_steps.py`` splits the gallery chapters' whole epochs the same way (data loading included,
each library in a child process); this one times the one step the page traces, in one process,
so that its profile and its phases are of the same steps.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import torch

import minitorch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from training_steps import mlp_example, training_setup

PHASES = ("zero_grad", "forward", "backward", "step")


def make_step(lib, weights):
    """A function running one training step of ``training_steps.py``'s ``mlp_example`` (train_mlp.py's
    MLP) in ``lib`` on ``training_setup``'s batch, with ``weights`` copied in, adding each phase's
    seconds to ``times``."""
    model, optimizer, x, y = training_setup(lib, mlp_example, lr=0.05, momentum=0.9)
    with lib.no_grad():
        for p, w in zip(model.parameters(), weights):
            p.copy_(lib.from_numpy(w.copy()))
    loss_fn = lib.nn.CrossEntropyLoss()

    def step(times: dict[str, float]) -> None:
        t0 = time.perf_counter()
        optimizer.zero_grad()
        t1 = time.perf_counter()
        loss = loss_fn(model(x), y)
        t2 = time.perf_counter()
        loss.backward()
        t3 = time.perf_counter()
        optimizer.step()
        t4 = time.perf_counter()
        for name, dt in zip(PHASES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            times[name] += dt
    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=21, help="timed rounds (medians are taken over these)")
    parser.add_argument("--steps", type=int, default=20, help="training steps per round and library")
    parser.add_argument("--profile", action="store_true", help="also print minitorch's cProfile")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    shapes = [(256, 784), (256,), (128, 256), (128,), (10, 128), (10,)]
    weights = [(rng.standard_normal(s) * 0.05).astype(np.float32) for s in shapes]
    ours = make_step(minitorch, weights)
    runs = {"mt 1T": (minitorch, 1, ours), "torch 1T": (torch, 1, make_step(torch, weights)),
            "mt 2T": (minitorch, 2, ours), "torch 2T": (torch, 2, make_step(torch, weights))}
    results: dict[str, dict[str, list[float]]] = {name: {p: [] for p in PHASES + ("total",)} for name in runs}
    for lib, threads, step in runs.values():  # warm-up: compile the kernels, fill the caches
        lib.set_num_threads(threads)
        for _ in range(3):
            step(dict.fromkeys(PHASES, 0.0))
    order = list(runs)
    for r in range(args.repeats):
        for name in order if r % 2 == 0 else order[::-1]:
            lib, threads, step = runs[name]
            lib.set_num_threads(threads)
            times = dict.fromkeys(PHASES, 0.0)
            for _ in range(args.steps):
                step(times)
            for p in PHASES:
                results[name][p].append(times[p] / args.steps * 1e3)
            results[name]["total"].append(sum(times.values()) / args.steps * 1e3)

    print(f"load average {os.getloadavg()[0]:.2f} (1 min); {args.repeats} rounds of {args.steps} steps; "
          "medians, ms per step")
    med = {name: {p: statistics.median(v) for p, v in res.items()} for name, res in results.items()}
    print(f"{'phase':<10}" + "".join(f"{name:>10}" for name in runs) + f"{'1T ratio':>10}{'2T ratio':>10}")
    for p in PHASES + ("total",):
        print(f"{p:<10}" + "".join(f"{med[name][p]:>10.3f}" for name in runs)
              + f"{med['mt 1T'][p] / med['torch 1T'][p]:>10.2f}{med['mt 2T'][p] / med['torch 2T'][p]:>10.2f}")

    if args.profile:
        import cProfile
        import pstats

        minitorch.set_num_threads(1)
        prof = cProfile.Profile()
        times = dict.fromkeys(PHASES, 0.0)
        prof.enable()
        for _ in range(200):
            ours(times)
        prof.disable()
        print("\nminitorch on 1 thread, 200 steps, by own time (tottime):")
        pstats.Stats(prof).strip_dirs().sort_stats("tottime").print_stats(12)


if __name__ == "__main__":
    main()
