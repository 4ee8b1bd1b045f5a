"""Per-op overhead on tiny tensors: minitorch against torch on the CPU.

Run: ``python benchmarks/bench_overhead.py [--repeats 41] [--only NAME] [--mini-threads 1] [--profile]`` from the repository root.

On 8x8 tensors the arithmetic is free; what is measured is the Python (minitorch) or C++
(torch) work around each op: argument parsing, type promotion, Tensor creation, recording
the graph, and the backward engine. This is the cost that dominates small models.

Both libraries run in this one process (tiny ops start no BLAS or OpenMP threads, so the
pools do not fight as they do in ``bench_kernels.py``). Each repeat times a loop of calls of
each library in turn, alternating which goes first; the table shows medians of the per-call
time in microseconds. torch runs with 1 and with 2 threads (``torch.set_num_threads``);
``ratio`` is minitorch / torch (> 1: minitorch is slower). ``--profile`` prints minitorch's
cProfile of the forward+backward workload, the hot path of small-model training. ``--cpu-time``
times by the process's CPU time instead of the wall clock (a machine so busy that the process
waits for a core: the wait is not counted); torch's 2-thread column then adds both threads' time.

``--steps mlp_scratch,mlp_concise [--baseline DIR] [--rounds 5]`` times instead one training step of
those gallery chapters (their model, loss and updater as ``examples/gallery``'s chapter builds
them, batch 64, eight random batches in turn, 1 thread, CPU time of each step), each library in
processes of its own: in one process, minitorch's and torch's µs-scale ops slow each other
down (each evicts the other's code and data), by 1.5-2x on this machine. Per round one process
each of the baseline checkout's minitorch (``DIR``: ``git worktree add DIR REV`` with its
``minitorch/kernels`` link), this checkout's and torch, in turn; the medians of the processes'
median step times, their minima, and the ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.environ.get("BENCH_MINITORCH_ROOT", ROOT))  # --steps' workers: the checkout to time

import torch

import minitorch


def make_workloads(lib):
    """name -> zero-argument callable doing one unit of work in ``lib``."""
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((8, 8)), dtype=lib.float32)
    y = lib.tensor(rng.standard_normal((8, 8)), dtype=lib.float32)
    w = lib.tensor(rng.standard_normal((8, 8)), dtype=lib.float32, requires_grad=True)
    b = lib.tensor(rng.standard_normal((8,)), dtype=lib.float32, requires_grad=True)

    def add():
        return x + y

    def reduce_sum():
        return x.sum()

    def graph20():
        h = w * x                          # 20 differentiable ops, then backward
        for _ in range(3):
            h = h + b
            h = h.tanh()
            h = h * y
            h = h - x
            h = h.sigmoid()
            h = h @ w
        h = h.exp()
        h.sum().backward()
        w.grad = None
        b.grad = None

    logits = lib.tensor(rng.standard_normal((64, 10)), dtype=lib.float32, requires_grad=True)
    labels = lib.tensor(rng.integers(0, 10, 64))
    loss_fn = lib.nn.CrossEntropyLoss()
    act = lib.tensor(rng.standard_normal((64, 6, 28, 28)), dtype=lib.float32, requires_grad=True)
    act_grad = lib.tensor(rng.standard_normal((64, 6, 28, 28)), dtype=lib.float32)

    def cross_entropy():  # LeNet's loss: log_softmax (one primitive) + nll_loss
        loss_fn(logits, labels).backward()
        logits.grad = None

    def relu():  # LeNet's first activation; relu's gradient is one primitive (ThresholdBackward)
        act.relu().backward(act_grad)
        act.grad = None

    lib.manual_seed(0)
    mlp = lib.nn.Sequential(lib.nn.Flatten(), lib.nn.Linear(784, 256), lib.nn.ReLU(), lib.nn.Linear(256, 10))
    mlp_loss = lib.nn.CrossEntropyLoss(reduction="none")
    sgd = lib.optim.SGD(mlp.parameters(), lr=0.1)
    images = lib.tensor(rng.random((64, 1, 28, 28)), dtype=lib.float32)
    mlp_labels = lib.tensor(rng.integers(0, 10, 64))

    def mlp_step():  # the gallery's mlp_concise step (examples/gallery/_gallery.py's train)
        l = mlp_loss(mlp(images), mlp_labels)
        sgd.zero_grad()
        l.mean().backward()
        sgd.step()

    # the softmax-from-scratch chapter's batch (examples/gallery/softmax_scratch.py): its hand-written
    # softmax and cross-entropy, its SGD by hand, and the loop's bookkeeping (_gallery.py's train)
    sw = lib.tensor(rng.standard_normal((784, 10)) * 0.01, dtype=lib.float32, requires_grad=True)
    sb = lib.zeros(10, requires_grad=True)

    def softmax_scratch_batch():
        o = lib.matmul(images.reshape(-1, 784), sw) + sb
        e = lib.exp(o - o.max(dim=1, keepdim=True).values)
        y_hat = e / e.sum(dim=1, keepdim=True)
        l = -lib.log(y_hat[range(len(y_hat)), mlp_labels])
        l.sum().backward()
        with lib.no_grad():
            for param in (sw, sb):
                param -= 0.1 * param.grad / 64
                param.grad.zero_()
        float(l.detach().sum())
        int((y_hat.detach().argmax(dim=1) == mlp_labels).sum())

    samples = [(lib.tensor(rng.random((1, 28, 28)), dtype=lib.float32), int(k)) for k in rng.integers(0, 10, 64)]
    collate = lib.utils.data.default_collate

    def collate_batch():  # a DataLoader's batch of 64 (image, label) samples
        return collate(samples)

    return {
        "x + y (8x8 float32, no grad)": add,
        "x.sum() (8x8)": reduce_sum,
        "20-op graph fwd + bwd (8x8, requires_grad)": graph20,
        "cross_entropy fwd + bwd (64x10 logits)": cross_entropy,
        "relu fwd + bwd (64,6,28,28)": relu,
        "MLP 784-256-10 SGD step (batch 64)": mlp_step,
        "softmax_scratch batch: fwd, bwd, SGD by hand, bookkeeping (batch 64)": softmax_scratch_batch,
        "default_collate of 64 (1x28x28 image, label) samples": collate_batch,
    }


clock = time.perf_counter  # or time.process_time (``--cpu-time``)


def time_call(fn, number: int) -> float:
    """Seconds per call, over ``number`` calls."""
    start = clock()
    for _ in range(number):
        fn()
    return (clock() - start) / number


def calibrate(fn, target: float = 0.05, probe: int = 20) -> int:
    """Calls per timing so that one timing lasts about ``target`` seconds (at least one call).

    Long enough to include the garbage collector's periodic passes (a real cost of
    allocating many small objects); estimated from the fastest of a few runs of ``probe``
    calls, so a single stall cannot make the loops too short.
    """
    per_call = min(time_call(fn, probe) for _ in range(5))
    return max(1, int(target / per_call))


def run(repeats: int, make=make_workloads, only: str | None = None, probe: int = 20,
        unit: float = 1e6) -> list[tuple[str, float, float, float]]:
    """Medians (in ``unit``: 1e6 for µs) of minitorch's and torch's (1 and 2 threads) time per
    call of each workload ``make(lib)`` returns, whose name contains ``only``; ``probe``: calls
    per calibration run (``calibrate``), fewer for workloads of milliseconds."""
    mini, ref = make(minitorch), make(torch)
    rows = []
    for name in mini:
        if only and only not in name:
            continue
        contenders = {"mini": (mini[name], None), "torch1": (ref[name], 1), "torch2": (ref[name], 2)}
        numbers = {}
        for key, (fn, threads) in contenders.items():
            if threads:
                torch.set_num_threads(threads)
            fn()  # warm up (numba compiles, torch allocates)
            numbers[key] = calibrate(fn, probe=probe)
        samples: dict[str, list[float]] = {k: [] for k in contenders}
        order = list(contenders)
        for r in range(repeats):
            for key in order if r % 2 == 0 else reversed(order):
                fn, threads = contenders[key]
                if threads:
                    torch.set_num_threads(threads)
                samples[key].append(time_call(fn, numbers[key]))
        med = {k: statistics.median(v) * unit for k, v in samples.items()}
        rows.append((name, med["mini"], med["torch1"], med["torch2"]))
    return rows


def table(rows, unit: str = "µs", digits: int = 1) -> str:
    lines = [
        f"| workload | minitorch {unit} | torch-1t {unit} | torch-2t {unit} | ratio vs 1t | ratio vs 2t |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, m, t1, t2 in rows:
        lines.append(f"| {name} | {m:.{digits}f} | {t1:.{digits}f} | {t2:.{digits}f} | "
                     f"{m / t1:.{digits}f}x | {m / t2:.{digits}f}x |")
    return "\n".join(lines)


def profile(fn=None, calls: int = 300) -> None:
    """cProfile ``calls`` calls of minitorch's ``fn`` (default: the 20-op graph)."""
    import cProfile
    import pstats

    fn = fn or make_workloads(minitorch)["20-op graph fwd + bwd (8x8, requires_grad)"]
    fn()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(calls):
        fn()
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(25)


def gallery_step(lib, chapter: str):
    """One training step of a gallery chapter, as ``bench_gallery.py --profile-step`` takes it:
    ``step(X, y)`` does forward, backward and the update (an optimizer, or the scratch updater)."""
    lib.manual_seed(0)
    nn = lib.nn
    loss = nn.CrossEntropyLoss(reduction="none")
    if chapter == "mlp_scratch":
        w1, b1 = (lib.randn(784, 256) * 0.01).requires_grad_(), lib.zeros(256, requires_grad=True)
        w2, b2 = (lib.randn(256, 10) * 0.01).requires_grad_(), lib.zeros(10, requires_grad=True)
        params = [w1, b1, w2, b2]

        def net(x):
            h = x.reshape(-1, 784) @ w1 + b1
            return lib.max(h, lib.zeros_like(h)) @ w2 + b2

        def step(x, y):
            loss(net(x), y).sum().backward()
            with lib.no_grad():
                for p in params:
                    p -= 0.1 * p.grad / x.shape[0]
                    p.grad.zero_()
        return step
    if chapter == "mlp_concise":
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
        for m in net:
            if type(m) is nn.Linear:
                nn.init.normal_(m.weight, std=0.01)
        opt = lib.optim.SGD(net.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            loss(net(x), y).mean().backward()
            opt.step()
        return step
    raise SystemExit(f"--steps: no chapter {chapter!r} (mlp_scratch, mlp_concise)")


def step_worker(lib_name: str, chapter: str, steps: int) -> None:
    """Print the median and the minimum CPU ms of ``steps`` steps (after 5 untimed ones)."""
    lib = torch if lib_name == "torch" else minitorch
    lib.set_num_threads(1)
    rng = np.random.default_rng(0)
    batches = [(lib.tensor(rng.random((64, 1, 28, 28)), dtype=lib.float32), lib.tensor(rng.integers(0, 10, 64)))
               for _ in range(8)]
    step = gallery_step(lib, chapter)
    times = []
    for i in range(steps + 5):
        x, y = batches[i % 8]
        start = time.thread_time()
        step(x, y)
        times.append(time.thread_time() - start)
    print(statistics.median(times[5:]) * 1e3, min(times[5:]) * 1e3)


def compare_steps(chapters: list[str], baseline: str | None, rounds: int, steps: int = 61) -> None:
    """``--steps``: each chapter's step in processes of their own, alternating (see the docstring)."""
    import subprocess

    who = ([("baseline", "minitorch", baseline)] if baseline else []) + [("this", "minitorch", ROOT), ("torch", "torch", ROOT)]
    print(f"load before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}; CPU ms per step (1 thread), "
          f"median of {rounds} processes' medians of {steps} steps / their minimum")
    for chapter in chapters:
        runs: dict = {name: [] for name, _, _ in who}
        for _ in range(rounds):
            for name, lib, root in who:
                env = {**os.environ, "BENCH_MINITORCH_ROOT": root, "PYTHONPATH": root}
                out = subprocess.run([sys.executable, os.path.abspath(__file__), "--step-worker", lib, chapter, str(steps)],
                                     capture_output=True, text=True, check=True, env=env, cwd=root).stdout.split()
                runs[name].append((float(out[0]), float(out[1])))
        med = {k: statistics.median(m for m, _ in v) for k, v in runs.items()}
        low = {k: min(m for _, m in v) for k, v in runs.items()}
        cells = ", ".join(f"{k} {med[k]:.3f} / {low[k]:.3f}" for k in runs)
        ratios = f"this / torch {med['this'] / med['torch']:.3f}"
        if baseline:
            ratios += f", baseline / torch {med['baseline'] / med['torch']:.3f}, this / baseline {med['this'] / med['baseline']:.3f}"
        print(f"{chapter}: {cells}; {ratios}")
    print(f"load after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def main() -> None:
    if sys.argv[1:2] == ["--step-worker"]:
        step_worker(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", help="comma-separated gallery chapters (mlp_scratch, mlp_concise): time their steps instead")
    parser.add_argument("--baseline", help="--steps: another checkout's minitorch to time beside this one")
    parser.add_argument("--rounds", type=int, default=5, help="--steps: processes per library")
    parser.add_argument("--repeats", type=int, default=41)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--only", help="run only the workloads whose name contains this")
    parser.add_argument("--mini-threads", type=int, help="minitorch's threads (default: its own)")
    parser.add_argument("--cpu-time", action="store_true", help="time by CPU time, not the wall clock")
    args = parser.parse_args()
    if args.cpu_time:
        global clock
        clock = time.process_time
    if args.steps:
        compare_steps(args.steps.split(","), args.baseline, args.rounds)
        return
    if args.mini_threads:
        minitorch.set_num_threads(args.mini_threads)
    if args.profile:
        profile()
        return
    print(f"load before: {os.getloadavg()[0]:.2f}")
    print(table(run(args.repeats, only=args.only)))
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
