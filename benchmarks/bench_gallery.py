"""The gallery's chapters (``examples/gallery/``) in minitorch and in PyTorch, on a fixed small budget.

Run: ``python benchmarks/bench_gallery.py [--scale 1] [--rounds 1] [--out gallery.md] [--only lenet,resnet]``
from the repository root; ``--profile resnet`` profiles one chapter in both libraries instead,
``--profile-step resnet [--repeats 5] [--threads 2]`` one training step of it, op by op (CPU time
at 1 thread, wall time at more); ``--baseline DIR [--repeats 3] [--threads 2]`` times another
checkout (``git worktree add DIR REV``, with its ``minitorch/kernels`` link and a ``../shared``
beside it for the data) against this one and torch, at 1 thread each unless ``--threads``, for
before/after tables.

Each chapter program runs in a child process, as a user runs it, on the first N training images of
Fashion-MNIST (and N / 5 test images) for 2 epochs (``--epochs``), four times: minitorch at its default thread count
and at 1 thread, PyTorch at 1 and at 2 threads (``--threads``), in an order that alternates from one
chapter to the next; ``--rounds N`` runs those four N times, reversing the order each round, and
takes each one's median seconds per epoch. The cheap chapters see 2,000 images at 28x28 in batches of 64; the deep ones 256 images at
the smallest side their layers take, in batches of 64 (``BUDGETS``). ``--scale`` multiplies the image counts.

The table gives each run's test accuracy after the 2 epochs, its seconds per epoch (the second epoch's:
the first also compiles minitorch's numba kernels; with ``--epochs N``, the median of epochs 2..N,
since on a shared VM one epoch of a few hundred images moves by 20% from one to the next), and the ratio of minitorch's faster to PyTorch's
faster thread count (> 1: minitorch is slower; on a loaded machine, two threads can be slower than
one in either library). On a few hundred images the deep networks are still at chance level (10%): their
accuracy columns say that the program runs, not how well the network learns; the accuracy spread that
PyTorch itself shows across seeds is measured for the cheap chapters whose single-seed accuracies
differ most (``--seeds``, ``SPREAD``). The load average
before and after is printed with the table: our machine is shared, and a busy neighbour moves
every figure.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GALLERY = ROOT / "examples" / "gallery"

# the chapters whose accuracy spread across seeds the table shows (--seeds): two plain ones, and the
# two whose single-seed accuracies differ most between the libraries on this budget (dropout's random
# masks, batch norm's running statistics after 64 steps)
SPREAD = ("softmax_concise", "mlp_concise", "dropout", "batchnorm")

# chapter -> (images to train on, extra arguments): a budget that runs in seconds to a minute on 2 cores
BUDGETS = {
    "softmax_scratch": (2000, ["--batch-size", "64"]),
    "softmax_concise": (2000, ["--batch-size", "64"]),
    "mlp_scratch": (2000, ["--batch-size", "64"]),
    "mlp_concise": (2000, ["--batch-size", "64"]),
    "dropout": (2000, ["--batch-size", "64"]),
    "weight_decay": (2000, ["--batch-size", "64"]),
    "lenet": (2000, ["--batch-size", "64"]),
    "batchnorm": (2000, ["--batch-size", "64"]),
    "alexnet": (256, ["--resize", "67", "--batch-size", "64"]),
    "vgg": (256, ["--resize", "32", "--batch-size", "64"]),
    "nin": (256, ["--resize", "67", "--batch-size", "64"]),
    "googlenet": (256, ["--resize", "32", "--batch-size", "64"]),
    "resnet": (256, ["--resize", "32", "--batch-size", "64"]),
    "densenet": (256, ["--resize", "32", "--batch-size", "64"]),
}
DONE = re.compile(r"^done: loss ([\d.naninf]+), test acc ([\d.]+)%, ([\d.]+) s/epoch", re.MULTILINE)


def run(chapter: str, lib: str, threads: int | None, limit: int, extra: list[str], seed: int = 0,
        epochs: int = 2, root: Path = ROOT) -> dict:
    """Run one chapter in a child process; its final loss, accuracy (%) and seconds per epoch.
    ``root``: the checkout whose minitorch (and chapter program) runs, this one by default."""
    command = [sys.executable, str(root / "examples" / "gallery" / f"{chapter}.py"), "--lib", lib,
               "--limit", str(limit), "--epochs", str(epochs), "--seed", str(seed), "--no-download", *extra]
    if threads is not None:
        command += ["--threads", str(threads)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(command, check=False, capture_output=True, text=True, cwd=root, env=env)
    match = DONE.search(result.stdout)
    if result.returncode != 0 or match is None:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return {"loss": float(match.group(1)), "acc": float(match.group(2)), "s": float(match.group(3))}


def profile(chapter: str, scale: float) -> None:
    """Where minitorch's time goes in one chapter on its budget, next to PyTorch's: minitorch under
    cProfile, the cumulative seconds of each autograd Function's forward and backward; PyTorch under
    ``torch.profiler``, the self CPU seconds of each op. Both in this process, one after the other,
    at one thread each. cProfile's own cost inflates the Python-heavy Functions."""
    import cProfile
    import pstats
    import runpy

    import torch
    import torch.profiler

    from minitorch.autograd.function import Function

    limit, extra = BUDGETS[chapter]
    argv = [f"{chapter}.py", "--limit", str(max(int(limit * scale), 32)), "--epochs", "2", "--no-download",
            "--threads", "1", *extra]  # one thread: on a shared machine, two threads' waits drown the ops
    sys.path.insert(0, str(GALLERY))

    def run_chapter(lib: str) -> None:
        sys.argv = [*argv, "--lib", lib]
        runpy.run_path(str(GALLERY / f"{chapter}.py"), run_name="__main__")

    run_chapter("minitorch")  # compile the kernels first: the profile is of a warm run
    profiler = cProfile.Profile()
    profiler.runcall(run_chapter, "minitorch")
    stats = pstats.Stats(profiler).stats  # (file, line, name) -> (calls, ncalls, tottime, cumtime, callers)
    total = max(cum for _, _, _, cum, _ in stats.values())

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    where = {}
    for cls in subclasses(Function):
        for method in ("forward", "backward"):
            code = getattr(cls.__dict__.get(method), "__func__", cls.__dict__.get(method))
            code = getattr(code, "__code__", None)
            if code is not None:
                where[code.co_filename, code.co_firstlineno, method] = f"{cls.__name__}.{method}"
    rows = sorted(((stats[key][3], name, stats[key][1]) for key, name in where.items() if key in stats), reverse=True)
    print(f"minitorch, {chapter}, {' '.join(argv[1:])}: {total:.2f} s in all; the Functions' cumulative seconds")
    for seconds, name, calls in rows[:15]:
        print(f"  {name:40s} {seconds:7.2f} s  {100 * seconds / total:5.1f}%  {calls} calls")

    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        run_chapter("torch")
    print(f"torch, {chapter}: the ops' self CPU seconds")
    for event in sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)[:15]:
        print(f"  {event.key:40s} {event.self_cpu_time_total / 1e6:7.2f} s  {event.count} calls")


def profile_step(chapter: str, rounds: int = 5, threads: int = 1) -> None:
    """One training step of a chapter (its model, loss and optimizer, one batch of 64) in both
    libraries, in this process, at ``threads`` threads (both libraries): at one thread the step's
    CPU time (``time.thread_time`` of this thread, which on one thread does all the work: less
    disturbed by a busy machine than wall time), at more its wall time, alternating, minimum and median of ``rounds``; then each op's self time per step,
    minitorch's from benchmarks/profile_models.py's timer of every Function.apply and backward
    node (exclusive of the ops nested inside; "bwd:" ops run inside a backward), torch's from
    ``torch.profiler``'s self CPU time, each op's median of three profiled steps, the fourteen largest
    of each."""
    import collections
    import runpy

    sys.path[:0] = [str(GALLERY), str(ROOT / "benchmarks"), str(ROOT)]
    import _gallery
    import profile_models

    steps = {}

    def capture(net, train_iter, test_iter, loss, updater, args, torch):
        X, y = next(iter(train_iter))

        def step():  # as _gallery.train's loop: an optimizer, or a scratch chapter's updater(batch_size)
            if isinstance(updater, torch.optim.Optimizer):
                updater.zero_grad()
                loss(net(X), y).mean().backward()
                updater.step()
            else:
                loss(net(X), y).sum().backward()
                updater(X.shape[0])

        step()  # warm up: numba compiles (or loads its cache), torch allocates
        steps[args.lib] = step

    _gallery.train = capture  # read by the chapter's ``from _gallery import train``
    _, extra = BUDGETS[chapter]
    for lib in ("minitorch", "torch"):
        sys.argv = [f"{chapter}.py", "--lib", lib, "--limit", "64", "--threads", str(threads), "--no-download",
                    *extra]
        runpy.run_path(str(GALLERY / f"{chapter}.py"), run_name="__main__")
    clock = time.thread_time if threads == 1 else time.perf_counter
    times: dict = {"minitorch": [], "torch": []}
    for r in range(rounds):
        for lib in ("minitorch", "torch") if r % 2 == 0 else ("torch", "minitorch"):
            start = clock()
            steps[lib]()
            times[lib].append(clock() - start)
    m, t = (min(times[lib]) * 1e3 for lib in ("minitorch", "torch"))
    print(f"{chapter}, one step of a batch of 64, {threads} thread(s), {'CPU' if threads == 1 else 'wall'} ms (min / median of {rounds}), load {load()}: "
          f"minitorch {m:.1f} / {statistics.median(times['minitorch']) * 1e3:.1f}, torch {t:.1f} / "
          f"{statistics.median(times['torch']) * 1e3:.1f}, ratio {m / t:.2f}x")
    runs: dict = {"minitorch": [], "torch": []}
    for _ in range(3):  # each op's median of three profiled steps: one disturbed step moves nothing
        total, ops = profile_models.profile_minitorch(steps["minitorch"])
        runs["minitorch"].append({**ops, "(unattributed: engine, .grad, modules)": total - sum(ops.values())})
        runs["torch"].append(profile_models.profile_torch(steps["torch"])[1])
    ours, theirs = (collections.Counter({k: statistics.median(r.get(k, 0.0) for r in runs[lib])
                                         for k in set().union(*runs[lib])}) for lib in ("minitorch", "torch"))
    print("minitorch ops, ms per step: " + ", ".join(f"{k} {v * 1e3:.1f}" for k, v in ours.most_common(14)))
    print("torch ops, ms per step: " + ", ".join(f"{k} {v * 1e3:.1f}" for k, v in theirs.most_common(14)))


def compare(chapters: list[str], baseline: Path, repeats: int, scale: float, threads: int = 1) -> None:
    """Before/after at ``threads`` threads (both libraries): each chapter in the baseline
    checkout's minitorch, this checkout's and torch, in an order that rotates from one round to the next, ``repeats``
    rounds; the medians of the seconds per epoch and their ratios."""
    print(f"load average before: {load()}; {threads} thread(s) each, medians of {repeats}")
    print("| chapter | s/epoch baseline / this / torch | this / torch | baseline / torch | this / baseline |")
    print("| --- | --- | ---: | ---: | ---: |")
    for chapter in chapters:
        limit, extra = BUDGETS[chapter]
        limit = max(int(limit * scale), 32)
        runs: dict = {"base": [], "this": [], "torch": []}
        who = [("base", "minitorch", baseline), ("this", "minitorch", ROOT), ("torch", "torch", ROOT)]
        for r in range(repeats):
            for name, lib, root in who[r % 3:] + who[: r % 3]:
                runs[name].append(run(chapter, lib, threads, limit, extra, root=root)["s"])
        b, t, o = (statistics.median(runs[k]) for k in ("base", "this", "torch"))
        print(f"| {chapter} | {b:.3f} / {t:.3f} / {o:.3f} | {t / o:.2f}x | {b / o:.2f}x | {t / b:.2f}x |")
    print(f"load average after: {load()}")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every chapter's image count")
    parser.add_argument("--only", help="comma-separated chapters (default: all)")
    parser.add_argument("--seeds", type=int, default=3,
                        help="seeds of the accuracy-spread runs of the SPREAD chapters (0: none)")
    parser.add_argument("--epochs", type=int, default=2,
                        help="epochs per run; the seconds per epoch are the median of epochs 2..N")
    parser.add_argument("--out", type=Path, help="also write the markdown here")
    parser.add_argument("--profile", metavar="CHAPTER", help="profile one chapter in both libraries instead")
    parser.add_argument("--profile-step", metavar="CHAPTER",
                        help="one training step of one chapter in both libraries, its CPU time and each op's")
    parser.add_argument("--baseline", type=Path, metavar="DIR",
                        help="instead: before/after (at --threads) against another checkout (git worktree add DIR REV)")
    parser.add_argument("--repeats", type=int, default=3, help="rounds of --baseline (or of --profile-step)")
    parser.add_argument("--threads", type=int, default=1, help="--profile-step's and --baseline's thread count, both libraries")
    parser.add_argument("--rounds", type=int, default=1,
                        help="runs of each chapter and configuration for the table, alternating; the median")
    args = parser.parse_args()
    if args.profile:
        profile(args.profile, args.scale)
        return
    if args.profile_step:
        profile_step(args.profile_step, args.repeats, args.threads)
        return
    if args.baseline:
        compare(args.only.split(",") if args.only else list(BUDGETS), args.baseline.resolve(), args.repeats,
                args.scale, args.threads)
        return

    chapters = args.only.split(",") if args.only else list(BUDGETS)
    configs = [("minitorch", None), ("minitorch", 1), ("torch", 1), ("torch", 2)]
    started, load_before = datetime.now(timezone.utc), load()
    print(f"load average before: {load_before}", file=sys.stderr)
    rows = []
    for i, chapter in enumerate(chapters):
        limit, extra = BUDGETS[chapter]
        limit = max(int(limit * args.scale), 32)
        order = configs if i % 2 == 0 else configs[::-1]  # alternate who runs first
        runs: dict = {config: [] for config in configs}
        for r in range(args.rounds):
            for lib, threads in order if r % 2 == 0 else order[::-1]:
                runs[lib, threads].append(run(chapter, lib, threads, limit, extra, epochs=args.epochs))
                print(f"{chapter:16s} {lib:9s} threads={threads}: {runs[lib, threads][-1]}", file=sys.stderr)
        # the seconds per epoch: the median over the rounds; loss and accuracy: the first round's
        # (the same seed in every round)
        results = {config: {**rs[0], "s": statistics.median(x["s"] for x in rs)} for config, rs in runs.items()}
        rows.append((chapter, limit, extra, results))

    spread = []
    for chapter in [c for c in SPREAD if c in chapters] if args.seeds else []:
        limit = max(int(BUDGETS[chapter][0] * args.scale), 32)
        accs = {lib: [] for lib in ("minitorch", "torch")}
        for seed in range(args.seeds):
            for lib in (("minitorch", "torch") if seed % 2 == 0 else ("torch", "minitorch")):
                accs[lib].append(run(chapter, lib, 2 if lib == "torch" else None, limit, BUDGETS[chapter][1],
                                     seed=seed, epochs=args.epochs)["acc"])
        spread.append((chapter, limit, accs))
        print(f"{chapter} seeds: {accs}", file=sys.stderr)
    load_after = load()

    lines = [
        ("| chapter | images (side) | accuracy minitorch | accuracy torch "
         "| s/epoch minitorch default / 1 thread | s/epoch torch 1 / 2 threads | ratio |"),
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for chapter, limit, extra, r in rows:
        side = extra[extra.index("--resize") + 1] if "--resize" in extra else "28"
        mt, m1, t1, t2 = r["minitorch", None], r["minitorch", 1], r["torch", 1], r["torch", 2]
        accs = sorted({f"{x['acc']:.1f}%" for x in (t1, t2)})  # one figure where both thread counts agree
        lines.append(f"| {chapter} | {limit} ({side}) | {mt['acc']:.1f}% | {' / '.join(accs)} "
                     f"| {mt['s']:.3f} / {m1['s']:.3f} | {t1['s']:.3f} / {t2['s']:.3f} "
                     f"| {min(mt['s'], m1['s']) / min(t1['s'], t2['s']):.2f}x |")
    if spread:
        lines += ["", (f"Test accuracy after {args.epochs} epochs across seeds 0..{args.seeds - 1} "
                       "(minitorch at its default threads, torch at 2):"), "",
                  "| chapter | images | minitorch | torch |", "| --- | --- | --- | --- |"]
        for chapter, limit, accs in spread:
            cells = [", ".join(f"{a:.1f}" for a in accs[lib]) + f" (mean {statistics.mean(accs[lib]):.1f})"
                     for lib in ("minitorch", "torch")]
            lines.append(f"| {chapter} | {limit} | {cells[0]} | {cells[1]} |")
    import torch

    import minitorch

    lines += ["", (f"Measured {started:%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} CPUs "
                   f"({platform.processor() or platform.platform()}), minitorch {minitorch.__version__}, "
                   f"torch {torch.__version__}; load average (1, 5, 15 min) {load_before} before, "
                   f"{load_after} after; {args.epochs} epochs each, seconds per epoch of the second"
                   f"{' to the last (their median)' if args.epochs > 2 else ''}"
                   f"{f' (median of {args.rounds} runs)' if args.rounds > 1 else ''}; "
                   f"{time.time() - started.timestamp():.0f} s in all.")]
    text = "\n".join(lines)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
