"""The gallery's and the MLP's big GEMMs at 1 and 2 threads: this checkout against a baseline, and torch.

Run from the repository root: ``python benchmarks/bench_gemm_threads.py [--baseline DIR] [--only TEXT]
[--repeats 21]``. ``new`` is this checkout's ``kernels/blas.matmul`` (what minitorch runs: shared
over numba's threads, on kernels/gemm.py where ``gemm.pays``), ``base`` the same function of the
checkout at ``DIR`` (e.g. ``git worktree add /tmp/base-gemm main``), its ``kernels/`` copied and
imported beside ours as another package, so that old and new alternate in one process: at each
repeat every (contender, thread count) pair runs once, in a shuffled order; medians of wall time
(perf_counter). ``torch`` is ``torch.mm`` on the same arrays (the same layouts: a column-major
operand is a ``.t()`` view), timed in a child process after ours (two OpenMP pools in one process,
torch's and numba's, would slow each other); so compare base and new with each other, and torch
only as a guide. The machine is shared: ``uptime`` is printed before and after.
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

CASES = [  # (name, M, K, N, A column-major, B column-major): the calls kernels/blas.py gets
    ("MLP fwd x @ W1.t()", 64, 784, 256, False, True),
    ("MLP dW1 g.t() @ x", 256, 64, 784, True, False),
    ("4096 Linear fwd x @ W.t()", 64, 4096, 4096, False, True),
    ("4096 Linear dx g @ W", 64, 4096, 4096, False, False),
    ("4096 Linear dW g.t() @ x", 4096, 64, 4096, True, False),
    ("AlexNet 3x3-map tap 576x256x384", 576, 256, 384, False, False),
    ("AlexNet 3x3-map tap dx 384x384x384 (A col)", 384, 384, 384, True, False),
    ("AlexNet 3x3-map tap 384x384x384", 384, 384, 384, False, False),
    ("AlexNet stem dW 121x14400x96 (B col)", 121, 14400, 96, False, True),
    ("VGG stem dW 144x14400x32 (B col)", 144, 14400, 32, False, True),
    ("NiN-like 3136x2400x256 (B col)", 3136, 2400, 256, False, True),
    ("NiN 5x5 dx gy @ W' 3136x256x2400", 3136, 256, 2400, False, False),
    ("512^3", 512, 512, 512, False, False),
]

CONVS = [  # (name, batch, C_in, H, W, C_out, k, padding): the convolutions of kernels/conv_borders.py
    ("AlexNet conv3 fwd (64,256,3,3)->384 3x3", 64, 256, 3, 3, 384, 3, 1),
    ("AlexNet conv4 fwd (64,384,3,3)->384 3x3", 64, 384, 3, 3, 384, 3, 1),
    ("AlexNet conv5 fwd (64,384,3,3)->256 3x3", 64, 384, 3, 3, 256, 3, 1),
    ("AlexNet conv2 fwd (64,96,7,7)->256 5x5", 64, 96, 7, 7, 256, 5, 2),
    ("AlexNet conv2 dx as fwd (64,256,7,7)->96 5x5", 64, 256, 7, 7, 96, 5, 2),
    ("VGG fwd (64,64,8,8)->64 3x3", 64, 64, 8, 8, 64, 3, 1),
    ("VGG fwd (64,128,4,4)->128 3x3", 64, 128, 4, 4, 128, 3, 1),
    ("VGG fwd (64,64,4,4)->128 3x3", 64, 64, 4, 4, 128, 3, 1),
    ("VGG fwd (64,128,2,2)->128 3x3", 64, 128, 2, 2, 128, 3, 1),
]


def conv_operands(rng, case):
    """x (N, C, H, W) and w (C_out, C, k, k), float32."""
    import numpy as np

    _, n, c, h, w, c_out, k, _ = case
    return (rng.standard_normal((n, c, h, w)).astype(np.float32),
            rng.standard_normal((c_out, c, k, k)).astype(np.float32))


def border_forward(borders, x, w, k, p):
    """kernels/conv_borders.py's forward on x's padded channels-last copy and W' (C_out, k*k*C)."""
    import numpy as np

    x_pad = np.ascontiguousarray(np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))).transpose(0, 2, 3, 1))
    w_rows = np.ascontiguousarray(w.transpose(0, 2, 3, 1).reshape(w.shape[0], -1))
    out = (x.shape[2] + 2 * p - k + 1, x.shape[3] + 2 * p - k + 1)
    return lambda: borders.conv2d_forward(x_pad, w_rows, (k, k), ((p, p), (p, p)), out, (1, 1), (1, 1))


def make(rng, shape, transposed, dtype):
    """A matrix of ``shape``; ``transposed``: stored column-major (a .T view of a C array)."""
    if transposed:
        return rng.standard_normal(shape[::-1]).astype(dtype).T
    return rng.standard_normal(shape).astype(dtype)


def torch_child(args) -> dict:
    """Run the torch half in a child process; returns {(name, threads): median us}."""
    out = subprocess.run([sys.executable, __file__, "--torch-only", "--only", args.only, "--repeats",
                          str(args.repeats)], capture_output=True, text=True, check=True).stdout
    result = {}
    for line in out.splitlines():
        name, threads, us = line.rsplit("\t", 2)
        result[(name, int(threads))] = float(us)
    return result


def timed(f) -> float:
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", default="", help="a checkout whose kernels/ is the 'base' contender")
    ap.add_argument("--only", default="", help="run the cases whose name contains one of these (comma-separated)")
    ap.add_argument("--repeats", type=int, default=21)
    ap.add_argument("--torch-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    import numpy as np

    rng = np.random.default_rng(0)
    cases = [c for c in CASES if any(part in c[0] for part in args.only.split(","))]
    convs = [c for c in CONVS if any(part in c[0] for part in args.only.split(","))]
    if args.torch_only:
        import torch

        for name, M, K, N, ta, tb in cases:
            a, b = (torch.from_numpy(make(rng, s, t, np.float32)) for s, t in (((M, K), ta), ((K, N), tb)))
            times = {1: [], 2: []}
            for r in range(args.repeats + 2):
                for threads in (1, 2) if r % 2 else (2, 1):
                    torch.set_num_threads(threads)
                    torch.mm(a, b)
                    times[threads].append(timed(lambda a=a, b=b: torch.mm(a, b)))
            for threads, ts in times.items():
                print(f"{name}\t{threads}\t{np.median(ts[2:]) * 1e6:.1f}")
        for case in convs:
            x, w = (torch.from_numpy(v) for v in conv_operands(rng, case))
            times = {1: [], 2: []}
            for r in range(args.repeats + 2):
                for threads in (1, 2) if r % 2 else (2, 1):
                    torch.set_num_threads(threads)
                    times[threads].append(timed(lambda x=x, w=w, p=case[-1]: torch.nn.functional.conv2d(x, w, padding=p)))
            for threads, ts in times.items():
                print(f"{case[0]}\t{threads}\t{np.median(ts[2:]) * 1e6:.1f}")
        return

    sys.path.insert(0, os.getcwd())
    from minitorch.kernels import blas, conv_borders, threading  # noqa: F401 (conv_borders: sys.modules)

    contenders = {"new": (blas, threading)}
    if args.baseline:
        root = tempfile.mkdtemp(prefix="bench_gemm_threads_")
        shutil.copytree(os.path.join(args.baseline, "kernels"), os.path.join(root, "basekernels"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        sys.path.insert(0, root)
        import basekernels.blas
        import basekernels.threading

        contenders = {"base": (basekernels.blas, basekernels.threading), **contenders}
    print(f"uptime: {os.getloadavg()}; medians of {args.repeats}, wall us; baseline {args.baseline or '-'}")
    torch_us = torch_child(args)
    print("| GEMM (M x K x N) | threads | " + " | ".join(contenders) + " | torch | " +
          (" new / base |" if args.baseline else "") + " new / torch |")
    print("|---|---:|" + "---:|" * (len(contenders) + 2 + bool(args.baseline)))
    work = []
    for name, M, K, N, ta, tb in cases:
        a, b = make(rng, (M, K), ta, np.float32), make(rng, (K, N), tb, np.float32)
        work.append((f"{name} ({M} x {K} x {N})", name, {c: (lambda m=m, a=a, b=b: m.matmul(a, b)) for c, (m, _) in contenders.items()}))
    for case in convs:
        x, w = conv_operands(rng, case)
        borders = {"new": sys.modules["minitorch.kernels.conv_borders"]}
        if args.baseline:
            import basekernels.conv_borders

            borders["base"] = basekernels.conv_borders
        work.append((case[0], case[0], {c: border_forward(borders[c], x, w, case[-2], case[-1]) for c in contenders}))
    for label, name, calls in work:
        ref = calls["new"]()
        runs = [(c, t) for c in contenders for t in (1, 2)]
        for c, t in runs:
            contenders[c][1].set_num_threads(t)
            assert np.array_equal(calls[c](), ref) or c == "base", (name, c, t)
        times: dict = {k: [] for k in runs}
        for _ in range(args.repeats):
            random.shuffle(runs)
            for c, t in runs:
                contenders[c][1].set_num_threads(t)
                times[(c, t)].append(timed(calls[c]))
        for t in (1, 2):
            med = {c: np.median(times[(c, t)]) * 1e6 for c in contenders}
            cells = " | ".join(f"{med[c]:.0f}" for c in contenders)
            tr = torch_us[(name, t)]
            ratio = f" {med['new'] / med['base']:.2f} |" if args.baseline else ""
            print(f"| {label} | {t} | {cells} | {tr:.0f} |{ratio} {med['new'] / tr:.2f} |")
    print(f"uptime: {os.getloadavg()}")


if __name__ == "__main__":
    main()
