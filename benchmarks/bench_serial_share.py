"""Which parts of a gallery chapter's training step run on one thread, measured in CPU time.

Run: ``python benchmarks/bench_serial_share.py CHAPTER [--rounds 5] [--kernels]`` from the
repository root (CHAPTER: alexnet, vgg, nin, googlenet, resnet, densenet, ...; --kernels: each
``minitorch.kernels`` Python function's own time instead of each op's).

One step of the chapter (its model, loss and optimizer, one batch of 64) at one and at two
threads, alternating, ``rounds`` times each; for every op (or kernel function) the CPU time of the
calling thread, median over the rounds. The process runs with ``OMP_WAIT_POLICY=passive`` (an
OpenMP thread that waits sleeps instead of spinning, so CPU time is work) and without the serial
spells (``MINITORCH_ADAPTIVE_THREADS=0``: a spell would run everything on one thread). A part
whose calling-thread time halves at two threads is shared evenly; one whose time stays is serial,
and ``2 * t2 - t1`` estimates its serial milliseconds. CPU time does not count the time another
process holds the core, so on a shared machine this view moves much less than wall time (the
two-thread wall time waits for the slower thread and for the scheduler; this does not show that).
Passive waiting makes every parallel loop's start and end dearer than in a normal run, so small
loops look less parallel than they are.
"""

from __future__ import annotations

import argparse
import collections
import functools
import importlib
import os
import runpy
import statistics
import sys
import time
import types

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = {"OMP_WAIT_POLICY": "passive", "MINITORCH_ADAPTIVE_THREADS": "0"}


def kernel_timer(times: collections.Counter):
    """Wrap every Python function of minitorch.kernels' modules with an exclusive CPU-time timer."""
    stack: list = []
    wrapped = {}
    for name in ("conv", "conv_small", "conv_few_channels", "layout", "pool", "blas", "gemm", "im2col",
                 "activation", "normalization", "optim"):
        mod = importlib.import_module(f"minitorch.kernels.{name}")
        for attr, f in list(vars(mod).items()):
            if isinstance(f, types.FunctionType) and f.__module__ == mod.__name__:
                def timed(*args, _f=f, _label=f"{name}.{attr}", **kwargs):
                    stack.append(0.0)
                    start = time.thread_time()
                    try:
                        return _f(*args, **kwargs)
                    finally:
                        spent = time.thread_time() - start
                        inner = stack.pop()
                        times[_label] += spent - inner
                        if stack:
                            stack[-1] += spent
                wrapped[f] = functools.wraps(f)(timed)
    for mod in [m for n, m in sys.modules.items() if n.startswith("minitorch.") and m is not None]:
        for attr, f in list(vars(mod).items()):
            if isinstance(f, types.FunctionType) and f in wrapped:
                setattr(mod, attr, wrapped[f])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapter")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--kernels", action="store_true", help="each kernel function's own time")
    parser.add_argument("--top", type=int, default=16)
    args = parser.parse_args()
    if any(os.environ.get(k) != v for k, v in ENV.items()):  # read when OpenMP starts: re-run with them set
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **ENV})
    sys.path[:0] = [os.path.join(ROOT, "examples", "gallery"), os.path.join(ROOT, "benchmarks"), ROOT]
    import _gallery  # type: ignore[import-not-found]
    import bench_gallery
    import profile_models

    import minitorch

    steps = {}

    def capture(net, train_iter, test_iter, loss, updater, run_args, torch):
        X, y = next(iter(train_iter))

        def step():
            updater.zero_grad()
            loss(net(X), y).mean().backward()
            updater.step()

        step()
        steps["step"] = step

    _gallery.train = capture
    _, extra = bench_gallery.BUDGETS[args.chapter]
    sys.argv = [f"{args.chapter}.py", "--lib", "minitorch", "--limit", "64", "--threads", "2",
                "--no-download", *extra]
    runpy.run_path(os.path.join(ROOT, "examples", "gallery", f"{args.chapter}.py"), run_name="__main__")
    step = steps["step"]
    times: collections.Counter = collections.Counter()
    if args.kernels:
        kernel_timer(times)
    else:
        profile_models.time = types.SimpleNamespace(perf_counter=time.thread_time)  # type: ignore[assignment]
    parts: dict = {1: [], 2: []}
    totals: dict = {1: [], 2: []}
    for r in range(args.rounds):
        for threads in (1, 2) if r % 2 == 0 else (2, 1):
            minitorch.set_num_threads(threads)
            step()
            times.clear()
            start = time.thread_time()
            if args.kernels:
                step()
                ops = dict(times)
            else:
                ops = profile_models.profile_minitorch(step)[1]
            total = time.thread_time() - start
            parts[threads].append({**ops, "(the rest)": total - sum(ops.values())})
            totals[threads].append(total)
    med = {t: collections.Counter({k: statistics.median(d.get(k, 0.0) for d in parts[t])
                                   for k in set().union(*parts[t])}) for t in parts}
    t1, t2 = (statistics.median(totals[t]) * 1e3 for t in (1, 2))
    print(f"{args.chapter}: calling thread's CPU ms per step, 1 thread {t1:.1f}, 2 threads {t2:.1f} "
          f"(2t/1t {t2 / t1:.2f}; 0.50 if all of it were shared evenly), load {os.getloadavg()[0]:.2f}")
    print("| part | 1t ms | 2t ms | 2t / 1t | serial ms (2*t2 - t1) |")
    print("|---|---:|---:|---:|---:|")
    for name, a in med[1].most_common(args.top):
        b = med[2][name]
        serial = max(0.0, 2 * b - a)
        print(f"| {name} | {a * 1e3:.2f} | {b * 1e3:.2f} | {b / a if a else 0:.2f} | {serial * 1e3:.2f} |")


if __name__ == "__main__":
    main()
