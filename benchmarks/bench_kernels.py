"""Kernels against torch on the CPU: time ratios, the conv algorithm choice, threading, compiling.

Run: ``python benchmarks/bench_kernels.py`` from the repository root (a few minutes).
ours and torch each run in their own worker process and are asked for one timing in turn,
repeat after repeat (medians reported), so a noisy machine slows both alike. Separate
processes because torch's OpenMP/MKL thread pool and numpy's OpenBLAS pool, once both are
loaded in one process on two cores, fight: a 512^3 numpy GEMM measured 1.4 ms alone and
23 ms once torch had run with 2 threads in the same process. minitorch never loads torch, so
the fair comparison keeps them apart. torch runs with 1 and with 2 threads; ours with
numba's and BLAS's defaults (2 on this machine). ``ratio`` is ours / torch (< 1: faster).
"""

import argparse
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PAUSE = 0.005  # let the other process's idle threads go back to sleep between timings

# name -> (kind, x shape, w shape, padding); all float32, stride 1.
CASES = {
    "conv2d fwd+bwd (64,1,28,28)x(6,1,5,5) pad 2": ("conv", (64, 1, 28, 28), (6, 1, 5, 5), 2),
    "conv2d fwd+bwd (64,6,14,14)x(16,6,5,5)": ("conv", (64, 6, 14, 14), (16, 6, 5, 5), 0),
    "conv2d fwd+bwd (32,64,56,56)x(64,64,3,3) pad 1": ("conv", (32, 64, 56, 56), (64, 64, 3, 3),
                                                       1),
    "max_pool2d 2x2 fwd+bwd (64,6,28,28)": ("max_pool", (64, 6, 28, 28), None, 0),
    "matmul 512^3 fwd+bwd (3 GEMMs)": ("matmul", (512, 512), (512, 512), 0),
}


def timed(fn) -> float:
    time.sleep(PAUSE)
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def build_ours(name: str):
    """One fwd+bwd step of the case with kernels (this process never imports torch)."""
    import kernels

    kind, x_shape, w_shape, padding = CASES[name]
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape, dtype=np.float32)
    if kind == "conv":
        w = rng.standard_normal(w_shape, dtype=np.float32)
        b = rng.standard_normal(w_shape[0], dtype=np.float32)
        args = ((1, 1), (padding, padding), (1, 1), 1)
        gy = np.ones(kernels.conv2d_forward(x, w, b, *args).shape, dtype=np.float32)

        def step():
            kernels.conv2d_forward(x, w, b, *args)
            kernels.conv2d_input_grad(gy, w, x.shape, *args)
            kernels.conv2d_weight_grad(gy, x, w.shape, *args)
    elif kind == "max_pool":
        gy = np.ones(x_shape[:2] + (x_shape[2] // 2, x_shape[3] // 2), dtype=np.float32)

        def step():
            _, idx = kernels.max_pool2d_forward(x, (2, 2), (2, 2), (0, 0), (1, 1), False)
            kernels.max_pool2d_backward(gy, idx, x.shape)
    else:
        b, gy = (rng.standard_normal(w_shape, dtype=np.float32) for _ in range(2))

        def step():
            kernels.matmul(x, b)
            kernels.matmul_backward(gy, x, b)
    return step


def build_torch(name: str):
    """The same step with torch autograd."""
    import torch
    import torch.nn.functional as F

    kind, x_shape, w_shape, padding = CASES[name]
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal(x_shape, dtype=np.float32), requires_grad=True)
    if kind == "conv":
        w = torch.tensor(rng.standard_normal(w_shape, dtype=np.float32), requires_grad=True)
        b = torch.tensor(rng.standard_normal(w_shape[0], dtype=np.float32), requires_grad=True)
        gy = torch.ones_like(F.conv2d(x, w, b, 1, padding))
        return lambda: F.conv2d(x, w, b, 1, padding).backward(gy)
    if kind == "max_pool":
        gy = torch.ones_like(F.max_pool2d(x, 2))
        return lambda: F.max_pool2d(x, 2).backward(gy)
    b = torch.tensor(rng.standard_normal(w_shape, dtype=np.float32), requires_grad=True)
    gy = torch.tensor(rng.standard_normal(w_shape, dtype=np.float32))
    return lambda: torch.matmul(x, b).backward(gy)


def worker(library: str, conn) -> None:
    """Serve timings: receive (case, torch threads), run the step once untimed (the thread pools
    wake up, the caches refill after the other library ran), then a few times back to back as a
    training loop does; send the seconds per step back."""
    if library == "ours":
        from minitorch.backends import cpu  # noqa: F401  the allocator settings minitorch runs the kernels with
    steps = {}
    while (request := conn.recv()) is not None:
        name, threads = request
        if name not in steps:
            steps[name] = (build_torch if library == "torch" else build_ours)(name)
            steps[name]()  # warm-up: numba compile or cache load, torch's first-call setup
        if library == "torch":
            import torch

            torch.set_num_threads(threads)
        step, repeat = steps[name], 2 if "(32,64,56,56)" in name else 5
        step()
        conn.send(timed(lambda: [step() for _ in range(repeat)]) / repeat)


def report_ratios(quick: bool) -> None:
    # Idle threads must sleep, not spin, or each process's idle pool steals the two cores from
    # the other's busy one (torch at 2 threads measured 10x slower, our GEMMs 8x, without these).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # torch's OpenMP pool
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")  # numpy's OpenBLAS pool: 2^4 cycles
    ctx = mp.get_context("spawn")
    pipes = {}
    for library in ["ours", "torch"]:
        here, there = ctx.Pipe()
        ctx.Process(target=worker, args=(library, there), daemon=True).start()
        pipes[library] = here

    def ask(library, name, threads=0):
        pipes[library].send((name, threads))
        return pipes[library].recv()

    print("| case (float32) | ours ms | torch 1T ms | torch 2T ms | ratio vs 1T | ratio vs 2T |")
    print("|---|---:|---:|---:|---:|---:|")
    results = {}
    for name in CASES:
        reps = (3 if quick else 5) if "(32,64,56,56)" in name else (7 if quick else 21)
        times: dict[str, list[float]] = {"ours": [], "torch1": [], "torch2": []}
        for _ in range(reps):
            times["ours"].append(ask("ours", name))
            times["torch1"].append(ask("torch", name, 1))
            times["torch2"].append(ask("torch", name, 2))
        t = results[name] = {k: statistics.median(v) for k, v in times.items()}
        print(f"| {name} | {t['ours'] * 1e3:.2f} | {t['torch1'] * 1e3:.2f} | "
              f"{t['torch2'] * 1e3:.2f} | {t['ours'] / t['torch1']:.2f} | "
              f"{t['ours'] / t['torch2']:.2f} |", flush=True)
    for pipe in pipes.values():
        pipe.send(None)
    t = results["matmul 512^3 fwd+bwd (3 GEMMs)"]
    gflop = 3 * 2 * 512**3 / 1e9
    print(f"\nmatmul 512^3 x3: ours {gflop / t['ours']:.1f} GFLOP/s, torch 1T "
          f"{gflop / t['torch1']:.1f}, torch 2T {gflop / t['torch2']:.1f} GFLOP/s\n")


def report_conv_algorithms(quick: bool) -> None:
    """The numbers behind conv2d_forward's dispatch: direct loops vs im2col + GEMM."""
    reps = 3 if quick else 7
    shapes = [
        ("LeNet conv1 (64,1,28,28)x(6,1,5,5) p2", (64, 1, 28, 28), (6, 1, 5, 5), 2, 1),
        ("LeNet conv2 (64,6,14,14)x(16,6,5,5)", (64, 6, 14, 14), (16, 6, 5, 5), 0, 1),
        ("ResNet (32,64,56,56)x(64,64,3,3) p1", (32, 64, 56, 56), (64, 64, 3, 3), 1, 1),
        ("depthwise (32,64,56,56)x(64,1,3,3) p1", (32, 64, 56, 56), (64, 1, 3, 3), 1, 64),
        ("grouped (32,64,28,28)x(64,16,3,3) g4 p1", (32, 64, 28, 28), (64, 16, 3, 3), 1, 4),
        ("depthwise stride 2 (32,64,56,56)x(64,1,3,3) p1", (32, 64, 56, 56), (64, 1, 3, 3), 1, 64),
    ]
    print("| conv2d forward (float32) | direct ms | im2col+GEMM ms "
          "| full-width im2col+GEMM ms | dispatch picks |")
    print("|---|---:|---:|---:|---|")
    from kernels.conv import (
        as_padding4,
        conv2d_forward_direct,
        conv2d_forward_full_width,
        conv2d_forward_gemm,
    )

    for name, x_shape, w_shape, p, g in shapes:
        rng = np.random.default_rng(0)
        x = rng.standard_normal(x_shape, dtype=np.float32)
        w = rng.standard_normal(w_shape, dtype=np.float32)
        stride = (2, 2) if "stride 2" in name else (1, 1)
        args = (stride, as_padding4((p, p)), (1, 1), g)
        conv2d_forward_direct(x, w, *args), conv2d_forward_gemm(x, w, *args)
        direct = statistics.median(timed(lambda x=x, w=w, args=args: conv2d_forward_direct(x, w, *args))
                                   for _ in range(reps if "ResNet" not in name else 1))
        gemm = statistics.median(timed(lambda x=x, w=w, args=args: conv2d_forward_gemm(x, w, *args))
                                 for _ in range(reps))
        if stride == (1, 1):
            wide = statistics.median(
                timed(lambda x=x, w=w, a=args[1:]: conv2d_forward_full_width(x, w, *a))
                for _ in range(reps))
            picks, wide_ms = "full-width im2col+GEMM", f"{wide * 1e3:.2f}"
        else:
            picks = "direct" if (w_shape[1] == 1 and g > 1) else "im2col+GEMM"
            wide_ms = "(stride 1 only)"
        print(f"| {name} | {direct * 1e3:.2f} | {gemm * 1e3:.2f} | {wide_ms} | {picks} |")
    print()


def report_blocking(quick: bool) -> None:
    """conv2d fwd+bwd against the size of a block of columns (kernels.conv.COLUMN_BLOCK_BYTES).

    The smallest budget gives one sample per block, the largest the whole batch at once (what
    the kernels did before batch blocking, less its extra copies).
    """
    import kernels
    import kernels.conv
    from minitorch.backends import cpu  # noqa: F401  minitorch's allocator settings

    reps = 3 if quick else 7
    budgets = [("1 sample", 1), ("1 MB", 1 << 20), ("4 MB", 4 << 20), ("8 MB", 8 << 20), ("16 MB", 16 << 20),
               ("64 MB", 64 << 20), ("whole batch", 1 << 40)]
    print("| conv2d fwd+bwd (float32) ms | " + " | ".join(b for b, _ in budgets) + " |")
    print("|---|" + "---:|" * len(budgets))
    for name, (kind, x_shape, w_shape, padding) in CASES.items():
        if kind != "conv":
            continue
        rng = np.random.default_rng(0)
        x = rng.standard_normal(x_shape, dtype=np.float32)
        w = rng.standard_normal(w_shape, dtype=np.float32)
        args = ((1, 1), (padding, padding), (1, 1), 1)
        gy = np.ones(kernels.conv2d_forward(x, w, None, *args).shape, dtype=np.float32)

        def step(x=x, w=w, gy=gy, args=args):
            kernels.conv2d_forward(x, w, None, *args)
            kernels.conv2d_input_grad(gy, w, x.shape, *args)
            kernels.conv2d_weight_grad(gy, x, w.shape, *args)

        times: dict[str, list[float]] = {b: [] for b, _ in budgets}
        saved = kernels.conv.COLUMN_BLOCK_BYTES
        for _ in range(reps if "(32,64,56,56)" in name else 5 * reps):
            for label, nbytes in budgets:  # alternate, so load from elsewhere hits all alike
                kernels.conv.COLUMN_BLOCK_BYTES = nbytes
                times[label].append(timed(step))
        kernels.conv.COLUMN_BLOCK_BYTES = saved
        cells = " | ".join(f"{statistics.median(times[b]) * 1e3:.2f}" for b, _ in budgets)
        print(f"| {name.replace('conv2d fwd+bwd ', '')} | {cells} |", flush=True)
    print()


GEMM_AFTER_KERNEL = textwrap.dedent("""
    import statistics, time, numpy as np, kernels, numba
    from kernels.im2col import im2col
    x = np.random.default_rng(0).standard_normal((64, 6, 14, 14), dtype=np.float32)
    a = np.random.default_rng(1).standard_normal((512, 512), dtype=np.float32)
    im2col(x, (5, 5), (1, 1), ((0, 0), (0, 0)), (1, 1)); a @ a
    alone, after = [], []
    for _ in range(20):
        time.sleep(0.01)
        t = time.perf_counter(); a @ a; alone.append(time.perf_counter() - t)
        im2col(x, (5, 5), (1, 1), ((0, 0), (0, 0)), (1, 1))
        t = time.perf_counter(); a @ a; after.append(time.perf_counter() - t)
    print(numba.threading_layer(), statistics.median(alone), statistics.median(after))
""")


def report_threading() -> None:
    """A 512^3 GEMM alone and right after a parallel numba kernel, per threading layer."""
    print("| numba threading layer | GEMM alone ms | GEMM right after a prange kernel ms |")
    print("|---|---:|---:|")
    root = ROOT
    for layer in ["omp", "workqueue"]:
        env = {k: v for k, v in os.environ.items()
               if k not in ("OMP_WAIT_POLICY", "OPENBLAS_THREAD_TIMEOUT")}  # the defaults
        env["NUMBA_THREADING_LAYER"] = layer
        out = subprocess.run([sys.executable, "-c", GEMM_AFTER_KERNEL], env=env, cwd=root,
                             capture_output=True, text=True, check=False)
        if out.returncode != 0:
            print(f"| {layer} | unavailable | |")
            continue
        used, alone, after = out.stdout.split()
        print(f"| {used} | {float(alone) * 1e3:.2f} | {float(after) * 1e3:.2f} |")
    print()


COMPILE = textwrap.dedent("""
    import time
    t0 = time.perf_counter()
    import numpy as np, kernels
    t1 = time.perf_counter()
    x = np.random.default_rng(0).standard_normal((64, 1, 28, 28), dtype=np.float32)
    w = np.random.default_rng(1).standard_normal((6, 1, 5, 5), dtype=np.float32)
    args = ((1, 1), (2, 2), (1, 1), 1)
    def lenet_step():
        y = kernels.conv2d_forward(x, w, None, *args)
        kernels.conv2d_input_grad(y, w, x.shape, *args)
        kernels.conv2d_weight_grad(y, x, w.shape, *args)
        p, idx = kernels.max_pool2d_forward(y, (2, 2), (2, 2), (0, 0), (1, 1), False)
        kernels.max_pool2d_backward(p, idx, y.shape)
    lenet_step()
    t2 = time.perf_counter()
    lenet_step()
    t3 = time.perf_counter()
    print(t1 - t0, t2 - t1, t3 - t2)
""")


def report_compile() -> None:
    """Import time, first LeNet conv1+pool step (compile, or cache load) and a warm step."""
    root = ROOT
    print("| run | import s | first conv1+pool fwd+bwd s | warm step s |")
    print("|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for label in ["cold (empty NUMBA_CACHE_DIR)", "warm (on-disk cache filled)"]:
            out = subprocess.run([sys.executable, "-c", COMPILE], env=env, cwd=root,
                                 capture_output=True, text=True, check=True)
            imp, first, warm = (float(v) for v in out.stdout.split())
            print(f"| {label} | {imp:.2f} | {first:.2f} | {warm:.4f} |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--only", choices=["ratios", "conv", "blocking", "threading", "compile"])
    args = parser.parse_args()
    sections = {"ratios": report_ratios, "conv": report_conv_algorithms,
                "blocking": report_blocking}
    for name, fn in sections.items():
        if args.only in (None, name):
            fn(args.quick)
    if args.only in (None, "threading"):
        report_threading()
    if args.only in (None, "compile"):
        report_compile()


if __name__ == "__main__":
    main()
