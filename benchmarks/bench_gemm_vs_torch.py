"""One GEMM at a time against torch.mm, each contender in its own worker process, asked in turn.

Run from the repository root: ``python benchmarks/bench_gemm_vs_torch.py [--baseline DIR]
[--only TEXT] [--rounds 15] [--calls 20] [--threads 1,2]``. Three kinds of worker, each a separate
process (two OpenMP pools in one process, torch's and numba's, slow each other): ``torch``
(``torch.mm`` on the same layouts: a column-major operand is a ``.t()`` view), ``new`` (this
checkout's ``kernels/blas.matmul``, with ``rows=True`` where the case says the caller asks, as
minitorch.compile's plan does for a weight gradient SGD reads next) and ``base`` (the same at
``DIR``, e.g. ``git worktree add /tmp/base main`` plus the kernels link). At every round each
(worker, thread count) pair, in a shuffled order, runs ``--calls`` calls back to back and reports
their median (the steady state of a training loop, operands in place); the table gives medians
over the rounds of those, wall µs. The machine is shared: run it under ``chrt -f 1`` and read
the load printed before and after, and the serial spells printed at the end (a GEMM that stalled
on a loaded machine starts one, and then runs its pieces on one thread: its 2-thread figure is
then a 1-thread one).
"""
import argparse
import os
import random
import subprocess
import sys
import time

CASES = [  # (name, M, K, N, A column-major, B column-major, rows)
    ("MLP dW1 g.t() @ x", 256, 64, 784, True, False, True),
    ("MLP dW1 g.t() @ x, by columns", 256, 64, 784, True, False, False),
    ("MLP fwd x @ W1.t()", 64, 784, 256, False, True, False),
    ("4096 Linear fwd x @ W.t()", 64, 4096, 4096, False, True, False),
    ("4096 Linear dx g @ W", 64, 4096, 4096, False, False, False),
    ("4096 Linear dW g.t() @ x", 4096, 64, 4096, True, False, False),
    ("AlexNet fc1 dW g.t() @ x (4096 x 64 x 2304)", 4096, 64, 2304, True, False, False),
    ("AlexNet fc1 dx g @ W (64 x 4096 x 2304)", 64, 4096, 2304, False, False, False),
    ("AlexNet fc1 fwd x @ W.t() (64 x 2304 x 4096)", 64, 2304, 4096, False, True, False),
    ("NiN 5x5 dx gy @ W' 3136x256x2400", 3136, 256, 2400, False, False, False),
    ("512^3", 512, 512, 512, False, False, False),
]


def make(rng, shape, transposed):
    import numpy as np

    if transposed:
        return rng.standard_normal(shape[::-1]).astype(np.float32).T
    return rng.standard_normal(shape).astype(np.float32)


def worker(kind: str, root: str) -> None:
    """Answer lines ``case_index threads calls`` with the median µs of that many calls."""
    import numpy as np

    rng = np.random.default_rng(0)
    operands = [(make(rng, (M, K), ta), make(rng, (K, N), tb), rows) for _, M, K, N, ta, tb, rows in CASES]
    if kind == "torch":
        import torch

        operands = [(torch.from_numpy(a), torch.from_numpy(b), r) for a, b, r in operands]

        def call(a, b, rows):
            return torch.mm(a, b)

        set_threads = torch.set_num_threads

        def spells():
            return 0
    else:
        sys.path.insert(0, root)
        from minitorch.kernels import blas, threading

        def call(a, b, rows):
            return blas.matmul(a, b, rows=rows)

        set_threads = threading.set_num_threads
        spells = threading.serial_spells
    print("ready", flush=True)
    for line in sys.stdin:
        index, threads, calls = (int(v) for v in line.split())
        set_threads(threads)
        a, b, rows = operands[index]
        call(a, b, rows)
        times, before = [], spells()
        for _ in range(calls):
            t = time.perf_counter()
            call(a, b, rows)
            times.append(time.perf_counter() - t)
        print(f"{np.median(times) * 1e6:.2f} {spells() - before}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", default="", help="a checkout whose minitorch/kernels is the 'base' contender")
    ap.add_argument("--only", default="", help="cases whose name contains one of these (comma-separated)")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--calls", type=int, default=20)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--worker", default="", help=argparse.SUPPRESS)
    ap.add_argument("--root", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.root)
        return
    import numpy as np

    roots = {"new": os.getcwd(), "torch": os.getcwd()}
    if args.baseline:
        roots = {"base": os.path.abspath(args.baseline), **roots}
    procs = {}
    for kind, root in roots.items():
        env = dict(os.environ, PYTHONPATH=root)
        procs[kind] = subprocess.Popen([sys.executable, __file__, "--worker", kind, "--root", root], env=env,
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=root)
        assert procs[kind].stdout.readline().strip() == "ready"

    def ask(kind, index, threads, calls):
        procs[kind].stdin.write(f"{index} {threads} {calls}\n")
        procs[kind].stdin.flush()
        us, began = procs[kind].stdout.readline().split()
        spells[kind] += int(began)
        return float(us)

    threads = [int(t) for t in args.threads.split(",")]
    spells = dict.fromkeys(roots, 0)
    print(f"load {os.getloadavg()}; medians over {args.rounds} rounds of the median of {args.calls} calls, wall µs")
    kinds = list(roots)
    print("| GEMM (M x K x N) | threads | " + " | ".join(kinds) + " | new / torch |"
          + (" new / base |" if args.baseline else ""))
    print("|---|---:|" + "---:|" * (len(kinds) + 1 + bool(args.baseline)))
    for index, (name, M, K, N, *_) in enumerate(CASES):
        if not any(part in name for part in args.only.split(",")):
            continue
        runs = [(k, t) for k in kinds for t in threads]
        times: dict = {r: [] for r in runs}
        for _ in range(args.rounds):
            random.shuffle(runs)
            for kind, t in runs:
                times[(kind, t)].append(ask(kind, index, t, args.calls))
        for t in threads:
            med = {k: np.median(times[(k, t)]) for k in kinds}
            cells = " | ".join(f"{med[k]:.1f}" for k in kinds)
            extra = f" {med['new'] / med['base']:.3f} |" if args.baseline else ""
            print(f"| {name} ({M} x {K} x {N}) | {t} | {cells} | {med['new'] / med['torch']:.3f} |{extra}", flush=True)
    for p in procs.values():
        p.stdin.close()
        p.wait()
    print(f"load {os.getloadavg()}; serial spells begun (kernels/threading.py: a stalled GEMM runs its pieces "
          f"on one thread for a while, so its 2-thread figure is a 1-thread one): {spells}")


if __name__ == "__main__":
    main()
