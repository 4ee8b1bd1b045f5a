"""minitorch.nn.functional through autograd vs the raw kernels vs torch (LeNet-sized layers).

Run: ``python benchmarks/bench_functional.py`` from the repository root (about a minute).
One fwd+bwd step of each case, float32: minitorch's ``F.conv2d``/``F.max_pool2d`` on tensors that
require grad followed by ``y.backward(g)`` ("autograd"), the same numbers from the kernels
called directly ("kernels", ``bench_kernels.build_ours``), and torch with 1 and 2 threads. As in
bench_kernels.py each library runs in its own worker process and they are asked for one timing
in turn, repeat after repeat; medians. "autograd overhead" is autograd / kernels: the cost of
Tensors, the graph, the engine, and the work the raw step leaves out (the bias gradient, the
gradient buffers that ``.grad`` accumulates into).

Two runs on the shared 2-core machine (load average about 6 from other processes), 15 and 21 reps:

| case (float32) | autograd ms | kernels ms | overhead | torch 1T ms | torch 2T ms |
|---|---:|---:|---:|---:|---:|
| conv2d (64,1,28,28)x(6,1,5,5) pad 2 | 7.93 / 8.70 | 4.69 / 4.59 | 1.69x / 1.90x | 11.65 / 7.35 | 24.36 / 16.89 |
| conv2d (64,6,14,14)x(16,6,5,5) | 5.37 / 5.32 | 4.85 / 4.70 | 1.11x / 1.13x | 2.10 / 2.02 | 14.71 / 2.06 |
| max_pool2d 2x2 (64,6,28,28) | 2.36 / 1.61 | 1.86 / 1.26 | 1.27x / 1.28x | 1.80 / 1.79 | 1.58 / 1.79 |

The graph itself is cheap (conv1 forward alone: 1.21 ms through autograd, 1.17 ms raw). Most of
conv1's gap is process state, not autograd: timed in one process, the raw kernel step slowed from
6.9 ms to 10.9 ms once the autograd step had run there (10.4 ms), i.e. both ran equally fast.
"""

import argparse
import multiprocessing as mp
import os
import statistics
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_kernels  # its CASES, build_ours, build_torch and timed

CASES = [
    "conv2d fwd+bwd (64,1,28,28)x(6,1,5,5) pad 2",
    "conv2d fwd+bwd (64,6,14,14)x(16,6,5,5)",
    "max_pool2d 2x2 fwd+bwd (64,6,28,28)",
]


def build_autograd(name: str):
    """The step through minitorch's autograd (this process never imports torch)."""
    import minitorch
    import minitorch.nn.functional as F

    kind, x_shape, w_shape, padding = bench_kernels.CASES[name]
    rng = np.random.default_rng(0)
    x = minitorch.tensor(rng.standard_normal(x_shape, dtype=np.float32), requires_grad=True)
    if kind == "conv":
        w = minitorch.tensor(rng.standard_normal(w_shape, dtype=np.float32), requires_grad=True)
        b = minitorch.tensor(rng.standard_normal(w_shape[0], dtype=np.float32), requires_grad=True)
        gy = minitorch.ones_like(F.conv2d(x, w, b, 1, padding))
        return lambda: F.conv2d(x, w, b, 1, padding).backward(gy)
    gy = minitorch.ones_like(F.max_pool2d(x, 2))
    return lambda: F.max_pool2d(x, 2).backward(gy)


BUILDERS = {"autograd": build_autograd, "kernels": bench_kernels.build_ours, "torch": bench_kernels.build_torch}


def worker(library: str, conn) -> None:
    """Serve timings: receive (case, torch threads), run one step, send the seconds back."""
    steps = {}
    while (request := conn.recv()) is not None:
        name, threads = request
        if name not in steps:
            steps[name] = BUILDERS[library](name)
            steps[name]()  # warm-up: numba compile or cache load, first-call setup
        if library == "torch":
            import torch

            torch.set_num_threads(threads)
        conn.send(bench_kernels.timed(steps[name]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=21)
    args = parser.parse_args()
    bench_kernels.settle_idle_threads()
    ctx = mp.get_context("spawn")
    pipes = {}
    for library in BUILDERS:
        here, there = ctx.Pipe()
        ctx.Process(target=worker, args=(library, there), daemon=True).start()
        pipes[library] = here

    def ask(library, name, threads=0):
        pipes[library].send((name, threads))
        return pipes[library].recv()

    print("| case (float32) | autograd ms | kernels ms | autograd overhead | torch 1T ms | torch 2T ms "
          "| autograd / torch 1T | autograd / torch 2T |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in CASES:
        times: dict[str, list[float]] = {"autograd": [], "kernels": [], "torch1": [], "torch2": []}
        for _ in range(args.reps):
            times["autograd"].append(ask("autograd", name))
            times["kernels"].append(ask("kernels", name))
            times["torch1"].append(ask("torch", name, 1))
            times["torch2"].append(ask("torch", name, 2))
        t = {k: statistics.median(v) * 1e3 for k, v in times.items()}
        print(f"| {name} | {t['autograd']:.2f} | {t['kernels']:.2f} | {t['autograd'] / t['kernels']:.2f}x "
              f"(+{t['autograd'] - t['kernels']:.2f} ms) | {t['torch1']:.2f} | {t['torch2']:.2f} | "
              f"{t['autograd'] / t['torch1']:.2f} | {t['autograd'] / t['torch2']:.2f} |", flush=True)
    for pipe in pipes.values():
        pipe.send(None)


if __name__ == "__main__":
    main()
