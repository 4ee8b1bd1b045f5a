"""Batch norm's kernels (forward + backward) before and after a change, at 1 and 2 threads, in one process.

Run: ``python benchmarks/bench_batch_norm.py [--baseline REV] [--rounds 15] [--threads 1,2] [--cpu]``
(REV default 55c4f62) from the repository root, or ``... --step densenet,resnet,batchnorm`` for
whole training steps of those gallery chapters. The baseline is kernels/normalization.py as
committed at REV (``git show``), imported beside this checkout's; both run the same inputs,
alternating old / new and 1 / 2 threads, and the table gives medians in µs of ``batch_norm`` +
``batch_norm_backward`` (training, weight and bias), whether the new kernels' bits are the same
at 1 and 2 threads, and the largest difference from the baseline. Shapes: the gallery's ResNet,
GoogLeNet and DenseNet at 32 px and the batchnorm chapter's LeNet, batch 64. Wall time;
``--threads 1 --cpu`` times one thread only, in CPU time (``time.thread_time``: less disturbed by
the machine's other users).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from minitorch.kernels import normalization

import minitorch

SHAPES = [(64, 64, 16, 16), (64, 64, 8, 8), (64, 128, 4, 4), (64, 256, 2, 2), (64, 512, 1, 1),
          (64, 832, 1, 1), (64, 480, 4, 4), (64, 96, 5, 5), (64, 16, 4, 4),
          # DenseNet's (32 px): the dense blocks' 8x8 and 2x2 inputs, the last BatchNorm's 1x1
          (64, 128, 8, 8), (64, 192, 8, 8), (64, 176, 2, 2), (64, 248, 1, 1),
          # the batchnorm chapter's LeNet: BatchNorm2d after each convolution, BatchNorm1d after the Linears
          (64, 6, 24, 24), (64, 16, 8, 8), (64, 120), (64, 84)]


def baseline_module(rev: str):
    """kernels/normalization.py at ``rev``, imported as a module of minitorch.kernels' package."""
    text = subprocess.run(["git", "show", f"{rev}:kernels/normalization.py"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout
    path = os.path.join(tempfile.mkdtemp(), "normalization_baseline.py")
    with open(path, "w") as f:
        f.write(text)
    spec = importlib.util.spec_from_file_location("minitorch.kernels.normalization_baseline", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def step(mod, x, g, w, b):
    y, mean, invstd = mod.batch_norm(x, w, b, None, None, True, 0.1, 1e-5)
    return (y, mean, invstd, *mod.batch_norm_backward(g, x, w, mean, invstd, True, (True, True, True)))


def chapter_steps(chapter: str, old, rounds: int, threads: int) -> None:
    """One training step of a gallery chapter (its model, loss and SGD, one batch of 64, as
    ``bench_gallery.py --profile-step`` builds it), with the CPU backend's ``batch_norm`` and
    ``batch_norm_backward`` swapped between the baseline's and this checkout's before each step,
    alternating which goes first; medians (and minima) of ``rounds`` steps each. One thread: CPU
    time of this thread; more: wall time."""
    import runpy

    from minitorch.backends import cpu

    gallery = os.path.join(ROOT, "examples", "gallery")
    sys.path[:0] = [gallery, os.path.join(ROOT, "benchmarks")]
    import _gallery
    import bench_gallery

    steps = {}

    def capture(net, train_iter, test_iter, loss, updater, args, torch):
        X, y = next(iter(train_iter))

        def one():
            updater.zero_grad()
            loss(net(X), y).mean().backward()
            updater.step()

        one()
        steps["step"] = one

    _gallery.train = capture
    sys.argv = [f"{chapter}.py", "--lib", "minitorch", "--limit", "64", "--threads", str(threads), "--no-download",
                *bench_gallery.BUDGETS[chapter][1]]
    runpy.run_path(os.path.join(gallery, f"{chapter}.py"), run_name="__main__")
    kernels = {"old": (old.batch_norm, old.batch_norm_backward),
               "new": (normalization.batch_norm, normalization.batch_norm_backward)}
    clock = time.thread_time if threads == 1 else time.perf_counter
    times: dict = {"old": [], "new": []}
    for r in range(rounds):
        for name in ("old", "new") if r % 2 == 0 else ("new", "old"):
            cpu.batch_norm, cpu.batch_norm_backward = kernels[name]
            steps["step"]()  # the first step after a swap pays nothing the second does not
            start = clock()
            steps["step"]()
            times[name].append(clock() - start)
    cpu.batch_norm, cpu.batch_norm_backward = kernels["new"]
    o, n = (statistics.median(times[k]) * 1e3 for k in ("old", "new"))
    print(f"{chapter}, {threads} thread(s), {'CPU' if threads == 1 else 'wall'} ms per step, median (min) of {rounds}: "
          f"old {o:.1f} ({min(times['old']) * 1e3:.1f}), new {n:.1f} ({min(times['new']) * 1e3:.1f}), "
          f"new / old {n / o:.3f}; load {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="55c4f62", help="the commit before the small-map blocks")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--threads", default="1,2", help="thread counts to time (the bits are compared at 1 and 2)")
    parser.add_argument("--cpu", action="store_true", help="time one thread in CPU time (with --threads 1)")
    parser.add_argument("--step", metavar="CHAPTERS", help="time whole training steps of these gallery chapters "
                        "(densenet,resnet,batchnorm) with the old and new kernels swapped in turn instead")
    args = parser.parse_args()
    counts = [int(t) for t in args.threads.split(",")]
    old = baseline_module(args.baseline)
    if args.step:
        for threads in counts:
            minitorch.set_num_threads(threads)
            for chapter in args.step.split(","):
                chapter_steps(chapter, old, args.rounds, threads)
        return
    rng = np.random.default_rng(0)
    print(f"load {' '.join(f'{v:.2f}' for v in os.getloadavg())}; baseline {args.baseline}; µs, medians of {args.rounds}")
    print("| shape | " + " | ".join(f"old {t}t | new {t}t" for t in counts) + " | new 1t == 2t bits | max diff from old |")
    print("|---|" + "---:|---:|" * len(counts) + "---|---:|")
    for shape in SHAPES:
        x = (rng.standard_normal(shape) * 3 + 2).astype(np.float32)
        g = rng.standard_normal(shape).astype(np.float32)
        w, b = rng.standard_normal(shape[1]).astype(np.float32), rng.standard_normal(shape[1]).astype(np.float32)
        outs = {}
        for threads in (1, 2):
            minitorch.set_num_threads(threads)
            outs[threads] = step(normalization, x, g, w, b)
        same = all(np.array_equal(p, q) for p, q in zip(outs[1], outs[2]))
        diff = max(float(np.max(np.abs(p.astype(np.float64) - q))) for p, q in zip(outs[1], step(old, x, g, w, b)))
        times: dict = {(name, t): [] for name in ("old", "new") for t in counts}
        for r in range(args.rounds):
            for name, mod in (("old", old), ("new", normalization))[:: 1 if r % 2 == 0 else -1]:
                for threads in counts:
                    minitorch.set_num_threads(threads)
                    clock = time.thread_time if threads == 1 and args.cpu else time.perf_counter
                    step(mod, x, g, w, b)
                    start = clock()
                    step(mod, x, g, w, b)
                    times[name, threads].append(clock() - start)
        m = {k: statistics.median(v) * 1e6 for k, v in times.items()}
        cells = " | ".join(f"{m['old', t]:.0f} | {m['new', t]:.0f}" for t in counts)
        print(f"| {shape} | {cells} | {same} | {diff:.1e} |")
    print(f"load after {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
