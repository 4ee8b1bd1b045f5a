"""minitorch at two commits, side by side: per-op overhead and training steps, old against new.

Run: ``python benchmarks/bench_commits.py OLD [NEW]`` from the repository root, where OLD and NEW
are git revisions (NEW defaults to the working tree). Use it before merging a change that should
not cost speed (a refactor): the ratio column is new / old, so 1.00x means "no change".

Each revision is checked out into a detached worktree under ``.bench-worktrees/`` (the working
tree is used as is). One worker process per revision imports that revision's minitorch and builds
every workload once; the parent then asks the workers for one timing each in turn, alternating
which goes first, ``--repeats`` times, and prints medians. Both workers live through the whole
run, so imports, numba compilation and allocator warm-up are outside the timings, and load on the
machine hits both sides alike. The workloads use only the public API, so any two revisions can be
compared. Threads: minitorch's default (the kernels' pool), or ``--threads N``; note the machine's
load with the figure. ``--cpu-time`` times each call by the worker's CPU time
(``time.process_time``) instead of the wall clock: on a machine so busy that a worker waits for a
core (load average well above the core count), the wall clock counts the waiting, the CPU time
only the work. Use it with ``--threads 1`` (more threads add the kernels' spinning to the count).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import time

from training_steps import lenet, mlp, step_of, training_step

# s between two timings: libgomp's idle threads spin 4-10 ms after a parallel region, so a worker
# timed right after the other would share the cores with them (and minitorch's kernels would
# rightly see a busy machine: kernels/threading.py, "On a busy machine").
PAUSE = 0.02

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make_workloads(torch):
    """name -> (callable doing one unit of work, calls per timing); the training steps are
    ``training_steps.py``'s MLP (SGD with momentum) and train_lenet.py's LeNet-5 (Adam)."""
    import numpy as np

    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((8, 8)), dtype=torch.float32)
    y = torch.tensor(rng.standard_normal((8, 8)), dtype=torch.float32)
    w = torch.tensor(rng.standard_normal((8, 8)), dtype=torch.float32, requires_grad=True)
    b = torch.tensor(rng.standard_normal((8,)), dtype=torch.float32, requires_grad=True)

    def add():
        return x + y

    def method():
        return x.exp()

    def graph20():  # the 20-op graph of bench_overhead.py
        h = w * x
        for _ in range(3):
            h = (((((h + b).tanh() * y) - x).sigmoid()) @ w)
        h.exp().sum().backward()
        w.grad = None
        b.grad = None

    return {
        "x + y (8x8)": (add, 2000),
        "x.exp() (8x8, a method)": (method, 2000),
        "20-op graph fwd + bwd (8x8)": (graph20, 100),
        "MLP 784-256-10 step (batch 64, SGD)": (step_of(training_step(torch, mlp, 0.1, momentum=0.9)), 20),
        "LeNet-5 step (batch 64, Adam)": (step_of(training_step(torch, lenet, 1e-3, "Adam")), 5),
    }


def worker(root: str, conn, cpu_time: bool = False, threads: int | None = None) -> None:
    """Import minitorch from ``root``, then serve timings: receive a workload name, send seconds per
    call (wall clock, or the process's CPU time with ``cpu_time``)."""
    sys.path.insert(0, root)
    import minitorch

    assert minitorch.__file__.startswith(root), (minitorch.__file__, root)
    if not hasattr(minitorch, "kernels") and os.path.isfile(os.path.join(root, "kernels", "__init__.py")):
        # The editable install maps ``minitorch.kernels`` to its own checkout's kernels/ (setup.py);
        # a worktree must run its own, so load them under that name before anything asks for them.
        # (Revisions before the mapping import the folder as ``kernels`` from sys.path instead.)
        import importlib.util

        spec = importlib.util.spec_from_file_location(
            "minitorch.kernels", os.path.join(root, "kernels", "__init__.py"),
            submodule_search_locations=[os.path.join(root, "kernels")])
        module = importlib.util.module_from_spec(spec)
        sys.modules["minitorch.kernels"] = module
        spec.loader.exec_module(module)
        minitorch.kernels = module
    if os.path.isfile(os.path.join(root, "kernels", "__init__.py")):
        import minitorch.kernels

        assert minitorch.kernels.__file__.startswith(root), (minitorch.kernels.__file__, root)
    if threads:
        minitorch.set_num_threads(threads)
    clock = time.process_time if cpu_time else time.perf_counter
    workloads = make_workloads(minitorch)
    for fn, number in workloads.values():
        for _ in range(3):
            fn()
    conn.send(list(workloads))
    while (name := conn.recv()) is not None:
        fn, number = workloads[name]
        start = clock()
        for _ in range(number):
            fn()
        conn.send((clock() - start) / number)


def checkout(rev: str) -> str:
    """A detached worktree of ``rev`` under .bench-worktrees/ (reused when it exists)."""
    sha = subprocess.run(["git", "-C", ROOT, "rev-parse", rev], capture_output=True, text=True,
                         check=True).stdout.strip()
    path = os.path.join(ROOT, ".bench-worktrees", sha[:12])
    if not os.path.isdir(path):
        subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", path, sha], check=True,
                       capture_output=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new", nargs="?", default=None, help="default: the working tree")
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--cpu-time", action="store_true", help="time by CPU time, not the wall clock")
    parser.add_argument("--threads", type=int, help="minitorch's threads (default: its own)")
    args = parser.parse_args()
    roots = {"old": checkout(args.old), "new": checkout(args.new) if args.new else ROOT}
    ctx = mp.get_context("spawn")
    conns, procs = {}, []
    for side, root in roots.items():
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=worker, args=(root, child, args.cpu_time, args.threads))
        proc.start()
        conns[side] = parent
        procs.append(proc)
    workloads = {side: conns[side].recv() for side in roots}  # each worker is ready once it answers
    names = [name for name in workloads["new"] if name in workloads["old"]]
    load_before = os.getloadavg()
    rows = []
    for name in names:
        samples: dict[str, list[float]] = {side: [] for side in roots}
        for r in range(args.repeats):
            for side in (("old", "new") if r % 2 == 0 else ("new", "old")):
                time.sleep(PAUSE)  # the other worker's OpenMP threads stop spinning first (see PAUSE)
                conns[side].send(name)
                samples[side].append(conns[side].recv())
        old, new = (statistics.median(samples[s]) * 1e6 for s in ("old", "new"))
        rows.append((name, old, new))
    for side in roots:
        conns[side].send(None)
    for proc in procs:
        proc.join()
    print(f"old: {args.old} ({roots['old']})\nnew: {args.new or 'working tree'} ({roots['new']})")
    print(f"load average before: {load_before[0]:.2f}, after: {os.getloadavg()[0]:.2f}; "
          f"{os.cpu_count()} cores; medians of {args.repeats}; "
          f"{'CPU time' if args.cpu_time else 'wall clock'}, {args.threads or 'default'} thread(s)\n")
    print("| workload | old µs | new µs | new / old |\n|---|---:|---:|---:|")
    for name, old, new in rows:
        print(f"| {name} | {old:.1f} | {new:.1f} | {new / old:.2f}x |")


if __name__ == "__main__":
    main()
