"""Kernels against torch on the CPU: time ratios, the conv algorithm choice, loops, threading, compiling.

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

PAUSE = 0.02  # let the other process's idle threads go back to sleep between timings (see below)

# name -> (kind, x shape, w shape, padding); all float32, stride 1.
CASES = {
    "conv2d fwd+bwd (64,1,28,28)x(6,1,5,5) pad 2": ("conv", (64, 1, 28, 28), (6, 1, 5, 5), 2),
    "conv2d fwd+bwd (64,6,14,14)x(16,6,5,5)": ("conv", (64, 6, 14, 14), (16, 6, 5, 5), 0),
    "conv2d fwd+bwd (32,64,56,56)x(64,64,3,3) pad 1": ("conv", (32, 64, 56, 56), (64, 64, 3, 3),
                                                       1),
    "max_pool2d 2x2 fwd+bwd (64,6,28,28)": ("max_pool", (64, 6, 28, 28), None, 0),
    "matmul 512^3 fwd+bwd (3 GEMMs)": ("matmul", (512, 512), (512, 512), 0),
}


def settle_idle_threads() -> None:
    """Thread settings for timing two libraries in two processes, in turn (before they start).

    Each library keeps its own default behaviour while it works, as in a user's training loop,
    but must stop spinning before the other one is timed (``timed`` pauses PAUSE = 20 ms first):
    * both OpenMP pools, torch's and ours (numba's omp layer, kernels/threading.py), keep their
      default: libgomp spins GOMP_SPINCOUNT = 300,000 pause instructions after a parallel region,
      then sleeps. Here that is 4-10 ms of spinning (process CPU time while the main thread
      sleeps), which is why the pause is 20 ms; at the old 5 ms each library's spinning reached
      into the other's timing. An earlier version forced OMP_WAIT_POLICY=PASSIVE on torch, which
      made each of its parallel regions wait for a sleeping thread: torch's LeNet conv2 step took
      1.35 ms instead of 0.82 with 2 threads, and our ratios looked better than they were.
    * OpenBLAS's idle threads spin 2^28 cycles (~0.1 s) by default, through the pause and into
      the other library's timing; OPENBLAS_THREAD_TIMEOUT=22 (2^22 cycles, ~1.5 ms) keeps them
      spinning between the GEMMs of one step but asleep by the time the other library runs.
      (4, sleep at once, made every GEMM of ours wait for a wake-up: conv2 +40%.)
    * (With numba's workqueue layer, the fallback, numba's workers sleep at once.)
    An environment variable set by the caller wins over these.
    """
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "22")


def timed(fn, warm=None) -> float:
    """Seconds ``fn()`` takes after the pause (and after ``warm()``, untimed, when given: the
    thread pools wake up and the caches refill, then ``fn`` runs as a training loop would)."""
    time.sleep(PAUSE)
    if warm is not None:
        warm()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def build_ours(name: str):
    """One fwd+bwd step of the case with kernels (this process never imports torch)."""
    from minitorch import kernels
    from minitorch.backends import cpu

    kind, x_shape, w_shape, padding = CASES[name]
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape, dtype=np.float32)
    if kind == "conv":
        w = rng.standard_normal(w_shape, dtype=np.float32)
        b = rng.standard_normal(w_shape[0], dtype=np.float32)
        args = ((1, 1), (padding, padding), (1, 1), 1)
        gy = np.ones(kernels.conv2d(x, w, b, *args).shape, dtype=np.float32)

        def step():  # what Convolution's forward and backward ask of the backend
            _, columns = kernels.conv2d(x, w, b, *args, keep_columns=True)
            kernels.conv2d_input_grad(gy, w, x.shape, *args)
            kernels.conv2d_weight_grad(gy, x, w.shape, *args, columns)
            cpu.sum(gy, axis=(0, 2, 3))  # the bias gradient, which torch's step computes too
    elif kind == "max_pool":
        gy = np.ones(x_shape[:2] + (x_shape[2] // 2, x_shape[3] // 2), dtype=np.float32)

        def step():
            _, idx = kernels.max_pool2d(x, (2, 2), (2, 2), (0, 0), (1, 1), False)
            kernels.max_pool2d_backward(gy, idx, x.shape)
    else:
        b, gy = (rng.standard_normal(w_shape, dtype=np.float32) for _ in range(2))

        def step():
            kernels.matmul(x, b)  # and the gradients, as autograd takes them: gy @ b.T, x.T @ gy
            kernels.matmul(gy, b.T)
            kernels.matmul(x.T, gy)
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
    if library.startswith("ours"):
        from minitorch.backends import cpu  # noqa: F401  the allocator settings minitorch runs the kernels with
    steps = {}
    while (request := conn.recv()) is not None:
        name, threads = request
        if name == "blas core":
            from minitorch.kernels import gemm
            from minitorch.kernels.threading import blas_core

            conn.send("kernels/gemm.py (float32)" if gemm.available(np.float32) else f"OpenBLAS {blas_core()}")
            continue
        if name not in steps:
            steps[name] = (build_torch if library == "torch" else build_ours)(name)
            steps[name]()  # warm-up: numba compile or cache load, torch's first-call setup
        if library == "torch":
            import torch

            torch.set_num_threads(threads)
        step, repeat = steps[name], 2 if "(32,64,56,56)" in name else 5
        conn.send(timed(lambda step=step, repeat=repeat: [step() for _ in range(repeat)], warm=step) / repeat)


def report_ratios(quick: bool) -> None:
    settle_idle_threads()
    ctx = mp.get_context("spawn")
    pipes = {}
    # "ours" multiplies float32 matrices with kernels/gemm.py where the CPU has AVX-512; a second
    # worker runs with OpenBLAS instead (MINITORCH_GEMM=openblas), on the kernel the environment
    # chose for it; where that is forced (OPENBLAS_CORETYPE, read when numpy loads OpenBLAS), a
    # third runs OpenBLAS on the kernel it picks for this CPU itself.
    forced = os.environ.get("OPENBLAS_CORETYPE")
    variants = {"ours": {}, "ours, OpenBLAS": {"MINITORCH_GEMM": "openblas"}}
    if forced:
        variants["ours, OpenBLAS auto core"] = {"MINITORCH_GEMM": "openblas", "OPENBLAS_CORETYPE": None}
    ours = list(variants)
    for library in [*ours, "torch"]:
        here, there = ctx.Pipe()
        saved = dict(os.environ)
        for key, value in variants.get(library, {}).items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        ctx.Process(target=worker, args=(library, there), daemon=True).start()
        os.environ.clear()
        os.environ.update(saved)
        pipes[library] = here

    def ask(library, name, threads=0):
        pipes[library].send((name, threads))
        return pipes[library].recv()

    cores = {lib: ask(lib, "blas core") for lib in ours}
    print("GEMM: " + ", ".join(f"{lib}: {core}" for lib, core in cores.items())
          + (f" (OPENBLAS_CORETYPE={forced} in the environment)" if forced else "") + "\n")
    others = ours[1:]
    extra_head = "".join(f" | {lib} ms | vs 2T" for lib in others)
    print(f"| case (float32) | ours ms | torch 1T ms | torch 2T ms | ratio vs 1T | ratio vs 2T{extra_head} |")
    print("|---|---:|---:|---:|---:|---:|" + "---:|---:|" * len(others))
    results = {}
    for name in CASES:
        reps = (3 if quick else 5) if "(32,64,56,56)" in name else (7 if quick else 21)
        times: dict[str, list[float]] = {lib: [] for lib in [*ours, "torch1", "torch2"]}
        for _ in range(reps):
            for lib in ours:
                times[lib].append(ask(lib, name))
            times["torch1"].append(ask("torch", name, 1))
            times["torch2"].append(ask("torch", name, 2))
        t = results[name] = {k: statistics.median(v) for k, v in times.items()}
        extra = "".join(f" | {t[lib] * 1e3:.2f} | {t[lib] / t['torch2']:.2f}" for lib in others)
        print(f"| {name} | {t['ours'] * 1e3:.2f} | {t['torch1'] * 1e3:.2f} | "
              f"{t['torch2'] * 1e3:.2f} | {t['ours'] / t['torch1']:.2f} | "
              f"{t['ours'] / t['torch2']:.2f}{extra} |", flush=True)
    for pipe in pipes.values():
        pipe.send(None)
    t = results["matmul 512^3 fwd+bwd (3 GEMMs)"]
    gflop = 3 * 2 * 512**3 / 1e9
    print(f"\nmatmul 512^3 x3: ours {gflop / t['ours']:.1f} GFLOP/s ("
          + ", ".join(f"{lib} {gflop / t[lib]:.1f}" for lib in others) + ")"
          + f", torch 1T {gflop / t['torch1']:.1f}, torch 2T {gflop / t['torch2']:.1f} GFLOP/s\n")


GEMM_SHAPES = [  # (name, M, K, N, A stored transposed, B stored transposed): the GEMMs of a
    # training step, as one thread's piece of them (kernels/blas.py cuts them in two; LeNet's
    # convolutions run on full-width columns, so conv2's N is 64 samples x 10 rows x 14 columns)
    ("ResNet conv forward", 64, 576, 1568, False, False),
    ("ResNet conv input grad", 576, 64, 1624, True, False),
    ("ResNet conv weight grad", 288, 3248, 64, False, True),
    ("LeNet conv2 forward", 16, 150, 4480, False, False),
    ("LeNet conv2 input grad", 150, 16, 4480, True, False),
    ("LeNet conv2 weight grad", 75, 8960, 16, False, True),
    ("LeNet conv1 forward", 6, 25, 28672, False, False),
    ("Linear 400->120, batch 64", 64, 400, 120, False, True),
    ("512^3", 512, 512, 512, False, False),
]


def _best_of_alternating(gemm, a, b, work, repeats):
    """Best seconds of ``a @ b`` by kernels/gemm.py and by np.matmul, timed in turn."""
    M, N = a.shape[0], b.shape[1]
    c = np.empty((M, N), np.float32)
    ours, args = gemm.kernel(np.float32), gemm.arguments(a, b, c, work)
    runs = {"ours": lambda: ours(*args),
            "blas": lambda: np.matmul(a, b, out=c)}
    times = {name: [] for name in runs}
    for _ in range(repeats):
        for name, fn in runs.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return min(times["ours"]), min(times["blas"])


def report_gemm(quick: bool) -> None:
    """kernels/gemm.py against numpy's OpenBLAS, one thread each, in one process (no torch):
    the numbers behind ``gemm.pays``. Alternating, best of the repeats (the GEMM is pure
    compute, so the fastest run is the least disturbed)."""
    from minitorch.kernels import gemm
    from minitorch.kernels.threading import blas_core

    from minitorch.backends import cpu  # noqa: F401

    rng = np.random.default_rng(0)
    work = gemm.aligned_empty((gemm.workspace_size(np.float32),), np.float32)
    print(f"GEMM on one thread, float32: kernels/gemm.py vs OpenBLAS {blas_core()} (GFLOP/s)\n")
    print("| GEMM | M x K x N | ours | OpenBLAS | time ratio | gemm.pays |")
    print("|---|---|---:|---:|---:|---|")
    for name, M, K, N, ta, tb in GEMM_SHAPES:
        a = rng.standard_normal((K, M) if ta else (M, K), dtype=np.float32)
        b = rng.standard_normal((N, K) if tb else (K, N), dtype=np.float32)
        a, b = (a.T if ta else a), (b.T if tb else b)
        t_ours, t_blas = _best_of_alternating(gemm, a, b, work, 5 if quick else 30)
        flop = 2 * M * N * K / 1e9
        print(f"| {name} | {M}x{K}x{N} | {flop / t_ours:.0f} | {flop / t_blas:.0f} | "
              f"{t_ours / t_blas:.2f} | {gemm.pays(M, N, K, not ta and tb)} |")
    print()


def report_conv_algorithms(quick: bool) -> None:
    """The numbers behind the dispatch: conv2d's direct loops vs im2col + GEMM, and
    conv2d_weight_grad's direct dot products vs im2col + GEMM."""
    from minitorch.backends import cpu  # noqa: F401  minitorch's allocator settings

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
    from minitorch.kernels.conv import (
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

    from minitorch.kernels.conv import DIRECT_WEIGHT_GRAD_MAX
    from minitorch.kernels.conv_weight_grad import (
        _conv2d_weight_grad_direct,
        _conv2d_weight_grad_full_width,
    )

    print("| conv2d weight gradient (float32, stride 1) | weight entries | direct ms "
          "| full-width im2col+GEMM ms | dispatch picks |")
    print("|---|---:|---:|---:|---|")
    for name, x_shape, w_shape, p in [
        ("LeNet conv1 (64,1,28,28)x(6,1,5,5) p2", (64, 1, 28, 28), (6, 1, 5, 5), 2),
        ("CIFAR first layer (32,3,32,32)x(16,3,3,3) p1", (32, 3, 32, 32), (16, 3, 3, 3), 1),
        ("LeNet conv2 (64,6,14,14)x(16,6,5,5)", (64, 6, 14, 14), (16, 6, 5, 5), 0),
    ]:
        rng = np.random.default_rng(0)
        x = rng.standard_normal(x_shape, dtype=np.float32)
        w = rng.standard_normal(w_shape, dtype=np.float32)
        pad = as_padding4((p, p))
        gy = rng.standard_normal(conv2d_forward_full_width(x, w, pad, (1, 1), 1).shape,
                                 dtype=np.float32)
        runs = {"direct": lambda gy=gy, x=x, pad=pad, ws=w_shape: _conv2d_weight_grad_direct(
                    gy, x, ws, pad, (1, 1)),
                "gemm": lambda gy=gy, x=x, pad=pad, ws=w_shape: _conv2d_weight_grad_full_width(
                    gy, x, ws, pad, (1, 1), 1)}
        times = {k: [] for k in runs}
        for fn in runs.values():
            fn()
        for _ in range(5 * reps):  # alternate, so load from elsewhere hits both alike
            for k, fn in runs.items():
                times[k].append(timed(lambda fn=fn: [fn() for _ in range(5)]) / 5)
        entries = int(np.prod(w_shape))
        picks = "direct" if entries <= DIRECT_WEIGHT_GRAD_MAX else "full-width im2col+GEMM"
        print(f"| {name} | {entries} | {statistics.median(times['direct']) * 1e3:.2f} | "
              f"{statistics.median(times['gemm']) * 1e3:.2f} | {picks} |", flush=True)
    print()


def report_blocking(quick: bool) -> None:
    """conv2d fwd+bwd against the size of a block of columns (kernels.conv.COLUMN_BLOCK_BYTES).

    The smallest budget gives one sample per block, the largest the whole batch at once (what
    the kernels did before batch blocking, less its extra copies).
    """
    from minitorch import kernels
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
        gy = np.ones(kernels.conv2d(x, w, None, *args).shape, dtype=np.float32)

        def step(x=x, w=w, gy=gy, args=args):
            kernels.conv2d(x, w, None, *args)
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


SLICE_SYNTAX = textwrap.dedent("""
    from numba import njit

    @njit(cache=False)
    def im2col_slices(x_pad, cols, kH, kW, oH):  # kernels.im2col's stride-1 loop, slice syntax
        B, C, Hp, Wp = x_pad.shape
        run = oH * Wp
        for nc in range(B * C):
            n, c = nc // C, nc % C
            plane = x_pad[n, c].reshape(Hp * Wp)
            for i in range(kH):
                for j in range(kW):
                    start = i * Wp + j
                    m = min(run, Hp * Wp - start)
                    col = cols[(c * kH + i) * kW + j, n]
                    col[:m] = plane[start:start + m]
                    col[m:] = 0

    @njit(cache=False)
    def col2im_slices(cols, x_pad, kH, kW, oH):
        B, C, Hp, Wp = x_pad.shape
        run = oH * Wp
        for nc in range(B * C):
            n, c = nc // C, nc % C
            plane = x_pad[n, c].reshape(Hp * Wp)
            plane[:] = 0
            for i in range(kH):
                for j in range(kW):
                    start = i * Wp + j
                    m = min(run, Hp * Wp - start)
                    plane[start:start + m] += cols[(c * kH + i) * kW + j, n, :m]
""")


def report_loops(quick: bool) -> None:
    """How the kernels' loops are written and run: slice syntax against explicit loops, and
    serial against numba's threads (kernels/threading.py's ``in_parallel``), per kernel and size.
    """
    import minitorch.kernels  # noqa: F401
    import numba

    from minitorch.backends import cpu  # noqa: F401  minitorch's allocator settings

    im2col_mod, pool_mod = sys.modules["minitorch.kernels.im2col"], sys.modules["minitorch.kernels.pool"]
    threading_mod = sys.modules["minitorch.kernels.threading"]
    reps = 7 if quick else 21
    rng = np.random.default_rng(0)

    def back_to_back(fn, calls=10):
        """Seconds per call of ``calls`` calls in a row (after one untimed), as in a training step."""
        # Two untimed calls first: after the pause the OpenMP workers sleep, and the second
        # parallel region after a sleep waits for their wake-up (up to 4 ms on this VM).
        return timed(lambda: [fn() for _ in range(calls)], warm=lambda: (fn(), fn())) / calls

    def median_ms(fn):
        return statistics.median(back_to_back(fn) for _ in range(reps)) * 1e3

    namespace: dict = {}
    exec(SLICE_SYNTAX, namespace)  # noqa: S102  (numba compiles these two from source)
    x = rng.standard_normal((64, 6, 14, 14), dtype=np.float32)
    cols = np.empty((150, 64, 140), dtype=np.float32)
    gx = np.empty_like(x)
    print("Stride-1 im2col / col2im of LeNet conv2 (5.4 MB of columns), one thread, ms")
    print()
    print("| loop written as | im2col | col2im |")
    print("|---|---:|---:|")
    print(f"| slice syntax (dst[a:b] = src[c:d], +=) | "
          f"{median_ms(lambda: namespace['im2col_slices'](x, cols, 5, 5, 10)):.3f} | "
          f"{median_ms(lambda: namespace['col2im_slices'](cols, gx, 5, 5, 10)):.3f} |")
    print(f"| explicit loop (kernels/im2col.py) | "
          f"{median_ms(lambda: im2col_mod._im2col_full_width(x, cols, 5, 5, 1, 1, 10, False)):.3f} | "
          f"{median_ms(lambda: im2col_mod._col2im_full_width(cols, gx, 5, 5, 1, 1, 10, False)):.3f} |")
    print()

    cases = []
    for label, shape, k in [("LeNet conv2", (64, 6, 14, 14), 5), ("LeNet conv1", (64, 1, 32, 32), 5),
                            ("ResNet, 1 sample", (1, 64, 58, 58), 3),
                            ("ResNet, 4 samples", (4, 64, 58, 58), 3)]:
        xs = rng.standard_normal(shape, dtype=np.float32)
        o = shape[2] - k + 1
        c = np.empty((shape[1] * k * k, shape[0], o * shape[3]), dtype=np.float32)
        g = np.empty_like(xs)
        cases.append((f"im2col, {label}", c.size,
                      lambda p, xs=xs, c=c, k=k, o=o: im2col_mod._im2col_full_width(xs, c, k, k, 1, 1, o, p)))
        cases.append((f"col2im, {label}", c.size,
                      lambda p, xs=xs, c=c, g=g, k=k, o=o: im2col_mod._col2im_full_width(c, g, k, k, 1, 1, o, p)))
    for shape in [(64, 16, 10, 10), (64, 6, 28, 28), (32, 64, 56, 56)]:
        xs = rng.standard_normal(shape, dtype=np.float32)
        y = np.empty((*shape[:2], shape[2] // 2, shape[3] // 2), dtype=np.float32)
        idx = np.empty(y.shape, dtype=np.int64)
        g = np.zeros((shape[0] * shape[1], shape[2] * shape[3]), dtype=np.float32)
        work = y.size * 4 * threading_mod.SCALAR_WORK
        cases.append((f"max_pool2d 2x2 {shape}", work, lambda p, xs=xs, y=y, idx=idx: pool_mod._max_pool2d(
            xs, y, idx, 2, 2, 2, 2, 0, 0, 1, 1, True, p)))
        cases.append((f"max_pool2d backward {shape}", y.size * threading_mod.SCALAR_WORK,
                      lambda p, y=y, idx=idx, g=g: pool_mod._scatter_add_planes(
                          y.reshape(g.shape[0], -1), idx.reshape(g.shape[0], -1), g, p)))
    tiny = np.zeros((2, 1, 1, 1), dtype=np.float32)
    tiny_y, tiny_i = np.empty_like(tiny), np.empty(tiny.shape, dtype=np.int64)
    cases.insert(0, ("a loop of 2 one-pixel planes (start-up only)", tiny.size,
                     lambda p: pool_mod._max_pool2d(tiny, tiny_y, tiny_i, 1, 1, 1, 1, 0, 0, 1, 1, False, p)))
    print(f"Serial loop against numba's {threading_mod.get_num_threads()} threads "
          f"({numba.config.THREADING_LAYER}), ms; "
          f"in_parallel picks threads from {threading_mod.PARALLEL_GRAIN:,} elements")
    print()
    print("| kernel loop | elements (work) | serial | threads | in_parallel picks |")
    print("|---|---:|---:|---:|---|")
    for label, work, run in cases:
        serial, threads = [], []
        run(False)
        run(True)
        for _ in range(reps):  # alternate, so load from elsewhere hits both alike
            serial.append(back_to_back(lambda run=run: run(False)))
            threads.append(back_to_back(lambda run=run: run(True)))
        pick = "threads" if threading_mod.in_parallel(work) else "serial"
        print(f"| {label} | {work:,} | {statistics.median(serial) * 1e3:.3f} | "
              f"{statistics.median(threads) * 1e3:.3f} | {pick} |", flush=True)
    print()


THREADING_SETUP = textwrap.dedent("""
    import statistics, sys, time, numpy as np, numba, minitorch.kernels as kernels
    sys.path.insert(0, "benchmarks")
    from bench_lenet_epoch import build_step
    from minitorch.kernels.im2col import im2col
    x = np.random.default_rng(0).standard_normal((64, 6, 14, 14), dtype=np.float32)
    a = np.random.default_rng(1).standard_normal((512, 512), dtype=np.float32)
    im2col(x, (5, 5), (1, 1), ((0, 0), (0, 0)), (1, 1)); kernels.matmul(a, a)
    alone, after, steps = [], [], []
    for _ in range(20):
        time.sleep(0.01)
        t = time.perf_counter(); kernels.matmul(a, a); alone.append(time.perf_counter() - t)
        im2col(x, (5, 5), (1, 1), ((0, 0), (0, 0)), (1, 1))
        t = time.perf_counter(); kernels.matmul(a, a); after.append(time.perf_counter() - t)
    step = build_step("minitorch")
    for _ in range(20):
        step()
    for _ in range(21):
        t = time.perf_counter()
        for _ in range(10):
            step()
        steps.append((time.perf_counter() - t) / 10)
    print(numba.threading_layer(), kernels.threading.one_pool(), statistics.median(alone),
          statistics.median(after), statistics.median(steps))
""")


def report_threading() -> None:
    """The pool setups: a 512^3 GEMM (kernels.matmul) alone and right after a parallel numba
    kernel, and the LeNet training step, each setup in a fresh process with the libraries'
    default idle spinning."""
    print("| setup | GEMM alone ms | GEMM right after a prange kernel ms | LeNet step ms |")
    print("|---|---:|---:|---:|")
    setups = {"one pool: numba omp, OpenBLAS on 1 thread, GEMMs shared out": None,
              "numba workqueue + OpenBLAS's own 2 threads": "workqueue"}
    for name, layer in setups.items():
        env = {k: v for k, v in os.environ.items()
               if k not in ("OMP_WAIT_POLICY", "OPENBLAS_THREAD_TIMEOUT", "NUMBA_THREADING_LAYER")}
        if layer is not None:
            env["NUMBA_THREADING_LAYER"] = layer
        out = subprocess.run([sys.executable, "-c", THREADING_SETUP], env=env, cwd=ROOT,
                             capture_output=True, text=True, check=False)
        if out.returncode != 0:
            print(f"| {name} | unavailable | | |")
            continue
        used, _one_pool, alone, after, step = out.stdout.split()
        print(f"| {name} ({used}) | {float(alone) * 1e3:.2f} | {float(after) * 1e3:.2f} | "
              f"{float(step) * 1e3:.2f} |")
    print()


COMPILE = textwrap.dedent("""
    import time
    t0 = time.perf_counter()
    import numpy as np, minitorch.kernels as kernels
    t1 = time.perf_counter()
    x = np.random.default_rng(0).standard_normal((64, 1, 28, 28), dtype=np.float32)
    w = np.random.default_rng(1).standard_normal((6, 1, 5, 5), dtype=np.float32)
    args = ((1, 1), (2, 2), (1, 1), 1)
    def conv1_pool():
        y = kernels.conv2d(x, w, None, *args)
        kernels.conv2d_input_grad(y, w, x.shape, *args)
        kernels.conv2d_weight_grad(y, x, w.shape, *args)
        p, idx = kernels.max_pool2d(y, (2, 2), (2, 2), (0, 0), (1, 1), False)
        kernels.max_pool2d_backward(p, idx, y.shape)
    conv1_pool()
    t2 = time.perf_counter()
    conv1_pool()
    t3 = time.perf_counter()
    print(t1 - t0, t2 - t1, t3 - t2)
""")

# The whole first training step of examples/train_lenet.py's LeNet (batch 64, cross-entropy,
# Adam): every kernel LeNet needs, in both dtypes' worth of dispatch, plus minitorch's own import.
LENET_FIRST_STEP = textwrap.dedent("""
    import sys, time
    t0 = time.perf_counter()
    import minitorch as torch
    import minitorch.nn.functional as F
    from minitorch import nn, optim
    t1 = time.perf_counter()
    sys.path.insert(0, "examples")
    from train_lenet import LeNet
    torch.manual_seed(0)
    model, loss_fn = LeNet(), nn.CrossEntropyLoss()
    opt = optim.Adam(model.parameters(), lr=1e-3)
    x, y = torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))
    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()
    step()
    t2 = time.perf_counter()
    step()
    t3 = time.perf_counter()
    print(t1 - t0, t2 - t1, t3 - t2)
""")


def report_compile() -> None:
    """Cold and warm numba cache: import time, the first LeNet conv1+pool kernel step (compile, or
    cache load) and a warm one; then the same for examples/train_lenet.py's whole training step
    (the issue's targets: the first step under 15 s cold, under 1 s warm)."""
    root = ROOT
    for title, script in [("kernels: LeNet conv1+pool fwd+bwd", COMPILE),
                          ("minitorch: LeNet training step (batch 64, Adam)", LENET_FIRST_STEP)]:
        print(f"| {title} | import s | first step s | second step s |")
        print("|---|---:|---:|---:|")
        with tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ, NUMBA_CACHE_DIR=cache)
            for label in ["cold (empty NUMBA_CACHE_DIR)", "warm (on-disk cache filled)"]:
                out = subprocess.run([sys.executable, "-c", script], env=env, cwd=root,
                                     capture_output=True, text=True, check=True)
                imp, first, warm = (float(v) for v in out.stdout.split()[-3:])
                print(f"| {label} | {imp:.2f} | {first:.2f} | {warm:.4f} |")
        print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--only", choices=["ratios", "gemm", "conv", "blocking", "loops",
                                           "threading", "compile"])
    args = parser.parse_args()
    sections = {"ratios": report_ratios, "gemm": report_gemm, "conv": report_conv_algorithms,
                "blocking": report_blocking, "loops": report_loops}
    for name, fn in sections.items():
        if args.only in (None, name):
            fn(args.quick)
    if args.only in (None, "threading"):
        report_threading()
    if args.only in (None, "compile"):
        report_compile()


if __name__ == "__main__":
    main()
