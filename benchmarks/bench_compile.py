"""``minitorch.compile`` against eager minitorch and eager PyTorch: training steps and replay overhead.

Run: ``python benchmarks/bench_compile.py [--rounds 21] [--calls 10] [--threads 1] [--profile]``
from the repository root.

Workloads (one training step each, batch 64, 28x28 inputs, the same seeds in both libraries; the
models and the step are ``training_steps.py``'s):

* ``mlp``: 784-256-10 with ReLU, cross-entropy, SGD (lr 0.1), the MLP of issue 19;
* ``lenet``: LeNet-5 as in d2l (sigmoid, average pooling), cross-entropy, SGD (lr 0.9);
* ``chain``: 100 tiny ops (``x * 1.0001 + 0.5`` on a 1-element tensor, under ``no_grad``), for the
  replay's cost per recorded kernel: (compiled time - the same NumPy calls made directly) / kernels.

Each round times ``--calls`` calls of every variant in turn, rotating which goes first: minitorch
eager, minitorch compiled, PyTorch eager with 1 thread and with 2 threads. The table shows medians
in microseconds per call and the ratios to PyTorch's 1-thread and 2-thread medians. minitorch runs
on ``--threads`` threads (default 1). The load average before and after is printed: the machine is
shared, and a busy second core makes 2-thread figures collapse (prefer the 1-thread columns).

Between two timings the benchmark sleeps ``--pause`` (20 ms, as bench_commits.py): OpenMP's idle
threads spin for milliseconds after a parallel region, so a variant timed right after PyTorch's
2-thread step found the second core busy, and minitorch's kernels rightly took that for a busy
machine (``kernels/threading.py``: a stalled GEMM starts a serial spell, hundreds of kernel
loops on one thread). The column ``spells`` counts the serial spells that began while a variant
ran; a spell outlasts the variant it began in (hundreds of kernel loops), so with spells in any
row, the minitorch figures at 2 threads are partly 1-thread figures. The first call after a pause
pays for it in every variant: its code and data are cold (the other variants ran in between) and
an OpenMP pool has gone to sleep (2026-12-07, MLP step, ``chrt -f 1``: the first call took
1.07 ms compiled, 1.12 ms PyTorch on 2 threads, 1.76 ms on 1, against 0.43 / 0.56 / 0.74 ms for
the calls after it), which is 10% of a round of 10 calls. ``--settle 1`` makes one untimed call
after each pause, so the table shows a training loop's steady state, in every variant alike;
the default (0) times the first call too, as the figures of docs/compile.md so far. ``--profile`` prints
the compiled step's per-kernel table (``CompiledFunction.profile``).

``--baseline REV`` compares instead this working tree's compiled and eager steps with those of git
revision REV (checked out as bench_commits.py does), one worker process per side, alternating,
medians: the before/after figure of a change to the compiler (``--cpu-time``: each worker's CPU
time, ``time.process_time``, for a machine so busy that the wall clock mostly measures waiting).
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
from training_steps import d2l_lenet, mlp, training_step

import minitorch


def chain(lib):
    def f(x):
        for _ in range(50):
            x = x * 1.0001 + 0.5
        return x

    return f


def numpy_chain(x):
    """The NumPy calls ``chain``'s plan makes (one multiply, one add per iteration)."""
    for _ in range(50):
        x = np.add(np.multiply(x, np.float32(1.0001)), np.float32(0.5))
    return x


def variants(name: str):
    """name -> zero-argument callables: minitorch eager, minitorch compiled, torch (threads set by caller)."""
    if name == "chain":
        mx, tx = minitorch.ones(1), torch.ones(1)
        eager = chain(minitorch)
        compiled = minitorch.compile(eager)
        nx = np.ones(1, dtype=np.float32)
        with minitorch.no_grad():
            for _ in range(3):
                compiled(mx)
        return {"minitorch eager": lambda: eager(mx), "minitorch compiled": lambda: compiled(mx),
                "numpy (kernels only)": lambda: numpy_chain(nx), "torch": lambda: chain(torch)(tx)}, compiled
    make, lr = {"mlp": (mlp, 0.1), "lenet": (d2l_lenet, 0.9)}[name]
    m_step, m_args = training_step(minitorch, make, lr)
    c_step, c_args = training_step(minitorch, make, lr)
    compiled = minitorch.compile(c_step)
    t_step, t_args = training_step(torch, make, lr)
    for _ in range(3):
        compiled(*c_args)
    return {"minitorch eager": lambda: m_step(*m_args), "minitorch compiled": lambda: compiled(*c_args),
            "torch": lambda: t_step(*t_args)}, compiled


def _spells() -> int:
    from minitorch.kernels import threading as kernel_threads

    return kernel_threads.serial_spells()


def measure(name: str, rounds: int, calls: int, pause: float = 0.02, settle: int = 0) -> tuple[dict, dict, object]:
    """Medians (s per call) and serial spells begun per variant, and the compiled function;
    ``settle`` untimed calls after each pause (see the module docstring)."""
    fns, compiled = variants(name)
    runs = [(k, f, 1) for k, f in fns.items() if k != "torch"] + [("torch 1 thread", fns["torch"], 1),
                                                                   ("torch 2 threads", fns["torch"], 2)]
    times: dict[str, list[float]] = {k: [] for k, _, _ in runs}
    spells = dict.fromkeys(times, 0)
    for k, f, threads in runs:  # warm-up (numba compiles on the first call)
        torch.set_num_threads(threads)
        f()
    grad = minitorch.no_grad() if name == "chain" else minitorch.enable_grad()
    with grad, torch.no_grad() if name == "chain" else torch.enable_grad():
        for r in range(rounds):
            order = runs[r % len(runs):] + runs[:r % len(runs)]
            for k, f, threads in order:
                torch.set_num_threads(threads)
                time.sleep(pause)
                for _ in range(settle):
                    f()
                before = _spells()
                t0 = time.perf_counter()
                for _ in range(calls):
                    f()
                times[k].append((time.perf_counter() - t0) / calls)
                spells[k] += _spells() - before
    return {k: statistics.median(v) for k, v in times.items()}, spells, compiled


def _ab_worker(root: str, threads: int, names: list, conn, cpu_time: bool = False) -> None:
    """bench_commits.py's worker for ``--baseline``: import ``root``'s minitorch, build the steps, time on request."""
    import bench_commits

    sys.path.insert(0, root)
    for name in [m for m in sys.modules if m == "minitorch" or m.startswith("minitorch.")]:
        del sys.modules[name]
    bench_commits.worker.__globals__["make_workloads"] = lambda lib: _ab_workloads(lib, threads, names)
    bench_commits.worker(root, conn, cpu_time)


def _ab_workloads(lib, threads: int, names: list) -> dict:
    lib.set_num_threads(threads)
    out = {}
    for name in names:
        make, lr = {"mlp": (mlp, 0.1), "lenet": (d2l_lenet, 0.9)}[name]
        step, step_args = training_step(lib, make, lr)
        compiled = lib.compile(step)
        eager_step, eager_args = training_step(lib, make, lr)
        out[f"{name} compiled"] = (lambda c=compiled, a=step_args: c(*a), 10)
        out[f"{name} eager"] = (lambda s=eager_step, a=eager_args: s(*a), 10)
    return out


def baseline(rev: str, threads: int, names: list, repeats: int, cpu_time: bool = False) -> None:
    """Old (``rev``) against new (this working tree), one worker process each; see the module docstring."""
    import multiprocessing as mp

    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    import bench_commits

    roots = {"old": bench_commits.checkout(rev), "new": ROOT}
    ctx = mp.get_context("spawn")
    conns, procs = {}, []
    for side, root in roots.items():
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_ab_worker, args=(root, threads, names, child, cpu_time))
        proc.start()
        conns[side], procs = parent, procs + [proc]
    workloads = [conns[side].recv() for side in roots][-1]
    print(f"load before: {os.getloadavg()[0]:.2f}; old {rev}, new the working tree; minitorch on {threads} "
          f"thread(s); medians of {repeats}, alternating; {'CPU time' if cpu_time else 'wall clock'}\n")
    print("| step | old us | new us | new / old |\n|---|---:|---:|---:|")
    for name in workloads:
        samples: dict = {side: [] for side in roots}
        for r in range(repeats):
            for side in (("old", "new") if r % 2 == 0 else ("new", "old")):
                time.sleep(bench_commits.PAUSE)
                conns[side].send(name)
                samples[side].append(conns[side].recv())
        old, new = (statistics.median(samples[s]) * 1e6 for s in ("old", "new"))
        print(f"| {name} | {old:.1f} | {new:.1f} | {new / old:.2f}x |")
    for side in roots:
        conns[side].send(None)
    for proc in procs:
        proc.join()
    print(f"\nload after: {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1, help="minitorch's threads")
    parser.add_argument("--only", default="mlp,lenet,chain")
    parser.add_argument("--pause", type=float, default=0.02, help="s between two timings (0: none)")
    parser.add_argument("--settle", type=int, default=0,
                        help="untimed calls after each pause, before the timed ones (default 0: none)")
    parser.add_argument("--profile", action="store_true", help="print the compiled steps' per-kernel tables")
    parser.add_argument("--baseline", metavar="REV", help="compare with git revision REV instead (old / new)")
    parser.add_argument("--cpu-time", action="store_true",
                        help="with --baseline: time by each worker's CPU time (a busy machine; 1 thread)")
    args = parser.parse_args()
    if args.baseline:
        baseline(args.baseline, args.threads, [n for n in args.only.split(",") if n != "chain"], args.rounds,
                 args.cpu_time)
        return
    minitorch.set_num_threads(args.threads)
    print(f"load before: {os.getloadavg()[0]:.2f}; minitorch on {args.threads} thread(s); medians of "
          f"{args.rounds} rounds x {args.calls} calls" + (f", {args.settle} untimed after each pause" if args.settle else ""))
    for name in args.only.split(","):
        med, spells, compiled = measure(name, args.rounds, args.calls, args.pause, args.settle)
        t1, t2 = med["torch 1 thread"], med["torch 2 threads"]
        print(f"\n{name}  (plan: {len(compiled.plans[0].steps)} kernels)")
        print(f"  {'variant':<22}{'us/call':>10}{'/ torch 1t':>12}{'/ torch 2t':>12}{'spells':>8}")
        for k, v in med.items():
            print(f"  {k:<22}{v * 1e6:>10.1f}{v / t1:>12.2f}{v / t2:>12.2f}{spells[k]:>8}")
        if args.profile and name != "chain":
            step, step_args = training_step(minitorch, {"mlp": mlp, "lenet": d2l_lenet}[name], 0.1)
            profiled = minitorch.compile(step)
            for _ in range(3):
                profiled(*step_args)
            print(profiled.profile(*step_args, runs=args.rounds * args.calls))
        if name == "chain":
            n = len(compiled.plans[0].steps)
            over = (med["minitorch compiled"] - med["numpy (kernels only)"]) / n
            print(f"  replay overhead per kernel: {over * 1e6:.2f} us "
                  f"(compiled {med['minitorch compiled'] / n * 1e6:.2f} us per kernel, NumPy call "
                  f"{med['numpy (kernels only)'] / n * 1e6:.2f} us)")
    print(f"\nload after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
