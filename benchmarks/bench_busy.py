"""Training steps on a quiet machine and beside a busy core: minitorch against torch, 1 and 2 threads.

Run: ``python benchmarks/bench_busy.py [--rounds 7] [--only mlp,lenet] [--busy 1] [--variant
KEY=VALUE,...]`` from the repository root; on a quiet machine (nothing else running) that is the
figure to quote. ``--variant`` adds a column, minitorch on its default threads with environment
variables of its own, e.g. ``MINITORCH_ADAPTIVE_THREADS=0`` (the kernels' run-time adaptation off,
kernels/threading.py), ``OMP_WAIT_POLICY=PASSIVE`` or ``GOMP_SPINCOUNT=10000`` (libgomp's idle
spinning); it may be given several times.

The steps are bench_commits.py's: the MLP 784-256-10 step (batch 64, SGD with momentum) and the
LeNet-5 step (batch 64, Adam), each ``zero_grad``, forward, cross-entropy, ``backward``, ``step``.
Four worker processes build them once and live through the whole run: minitorch on one thread
(``set_num_threads(1)``), minitorch on its default count, torch on 1 and on 2 threads. The parent
asks each worker in turn for one timing (the mean of a few back-to-back steps, so a stall counts
in full), rotating which goes first from round to round, and prints each one's median over the
rounds. That runs twice: ``quiet`` (nothing of ours beside it) and ``busy`` (``--busy`` processes
started by this script, each a pure-Python busy loop, as another user's job would be). Before each
timing the parent sleeps PAUSE so the previous worker's idle OpenMP threads have stopped spinning.

Columns: each configuration's ms per step; ``busy/1t``: minitorch's default-thread step beside the
busy process over its one-thread step in the same phase (issue 19's target: at most 1.5);
``mt/torch``: minitorch default over the faster of torch's 1- and 2-thread steps. ``uptime``'s load
average is printed before and after each phase: the machine is shared, and load from other users
makes the ``quiet`` phase busy too. So is the number of serial spells each multi-threaded minitorch
began in the phase (kernels/threading.py's adaptation): on a quiet machine it should stay near 0.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAUSE = 0.02  # s: libgomp's idle threads spin 4-10 ms after a region (bench_kernels.py)
CALLS = {"mlp": 20, "lenet": 5}  # steps per timing, ~20-40 ms of work each
NAMES = {"mlp": "MLP 784-256-10 step (batch 64, SGD)", "lenet": "LeNet-5 step (batch 64, Adam)"}
CONFIGS = [("minitorch", 1), ("minitorch", 0), ("torch", 1), ("torch", 2)]  # 0: the library's default


def label(lib: str, threads: int) -> str:
    return f"{lib} {threads}t" if threads else f"{lib} default"


def name(config: tuple) -> str:
    return label(*config[:2]) + (f" {config[2]}" if len(config) > 2 else "")


def spells_so_far(conns: dict) -> dict:
    """config -> (serial spells its minitorch has begun so far, loops left of the current one), for
    the minitorch workers on more than one thread."""
    counts = {}
    for config, conn in conns.items():
        if config[0] == "minitorch" and config[1] != 1:
            conn.send("spells")
            counts[config] = conn.recv()
    return counts


def busy_loop() -> None:
    """A process that keeps one core busy until it is terminated."""
    while True:
        pass


def worker(lib: str, threads: int, only: list[str], env: dict, conn) -> None:
    """Build the steps with ``lib`` on ``threads`` threads; answer a step name with seconds per step."""
    os.environ.update(env)
    sys.path.insert(0, ROOT)
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    if lib == "torch":
        import torch
    else:
        import minitorch as torch
    if threads:
        torch.set_num_threads(threads)
    from bench_commits import make_workloads

    workloads = make_workloads(torch)
    steps = {key: workloads[NAMES[key]][0] for key in only}
    conn.send(torch.get_num_threads())
    while (key := conn.recv()) is not None:
        if key == "warm":  # compile / load numba's kernels, warm the allocator
            for fn in steps.values():
                for _ in range(3):
                    fn()
            conn.send(None)
            continue
        if key == "spells":  # kernels/threading.py's serial spells so far, and loops left of the current one
            threading = torch.kernels.threading
            conn.send((threading.serial_spells(), threading.serial_spell_left()))
            continue
        fn = steps[key]
        start = time.perf_counter()
        for _ in range(CALLS[key]):
            fn()
        conn.send((time.perf_counter() - start) / CALLS[key])


def measure(conns: dict, only: list[str], rounds: int) -> dict:
    """(config, step) -> median seconds per step over ``rounds`` alternating rounds."""
    samples: dict = {}
    configs = list(conns)
    for r in range(rounds):
        order = configs[r % len(configs):] + configs[:r % len(configs)]
        for key in only:
            for config in order:
                time.sleep(PAUSE)
                conns[config].send(key)
                samples.setdefault((config, key), []).append(conns[config].recv())
    return {k: statistics.median(v) for k, v in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--only", default="mlp,lenet", help="comma-separated: mlp, lenet")
    parser.add_argument("--busy", type=int, default=1, help="busy-loop processes in the busy phase")
    parser.add_argument("--phases", default="quiet,busy", help="comma-separated: quiet, busy")
    parser.add_argument("--variant", action="append", default=[], metavar="KEY=VALUE[,KEY=VALUE]",
                        help="add a column: minitorch default threads with these environment variables")
    args = parser.parse_args()
    only = args.only.split(",")
    configs = CONFIGS + [("minitorch", 0, v) for v in dict.fromkeys(args.variant)]
    ctx = mp.get_context("spawn")
    conns, procs = {}, []
    for config in configs:
        lib, threads = config[:2]
        env = dict(kv.split("=", 1) for kv in config[2].split(",")) if len(config) > 2 else {}
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=worker, args=(lib, threads, only, env, child))
        proc.start()
        conns[config] = parent
        procs.append(proc)
    counts = {config: conn.recv() for config, conn in conns.items()}  # each worker is ready once it answers
    for conn in conns.values():  # one at a time: seven warm-ups at once would stall each other's threads
        time.sleep(PAUSE)
        conn.send("warm")
        conn.recv()
    print(f"{os.cpu_count()} cores; minitorch default = {counts[('minitorch', 0)]} threads; "
          f"medians of {args.rounds} rounds; ms per step")
    results = {}
    for phase in args.phases.split(","):
        hogs = [ctx.Process(target=busy_loop, daemon=True) for _ in range(args.busy if phase == "busy" else 0)]
        for hog in hogs:
            hog.start()
        time.sleep(0.2 if hogs else 0)
        before = os.getloadavg()[0]
        spells = spells_so_far(conns)
        results[phase] = measure(conns, only, args.rounds)
        spells = {c: (n - spells[c][0], spells[c][1]) for c, (n, _) in spells_so_far(conns).items()}
        print(f"{phase}: load average before {before:.2f}, after {os.getloadavg()[0]:.2f}; serial spells "
              "(kernels/threading.py) begun in the phase (+ loops left of one begun before it): "
              + ", ".join(f"{name(c)} {n} (+{left})" for c, (n, left) in spells.items()))
        for hog in hogs:
            hog.terminate()
            hog.join()
    for conn in conns.values():
        conn.send(None)
    for proc in procs:
        proc.join()
    heads = [name(c) for c in configs]
    print("\n| step | phase | " + " | ".join(heads) + " | busy/1t | mt/torch |")
    print("|---|---|" + "---:|" * (len(heads) + 2))
    for key in only:
        for phase, med in results.items():
            ms = [med[(c, key)] * 1e3 for c in configs]
            mt1, mtd, t1, t2 = ms[:4]
            print(f"| {NAMES[key]} | {phase} | " + " | ".join(f"{v:.2f}" for v in ms)
                  + f" | {mtd / mt1:.2f} | {mtd / min(t1, t2):.2f} |")


if __name__ == "__main__":
    main()
