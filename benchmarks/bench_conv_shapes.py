"""conv2d of the deep chapters against torch: forward, input gradient, weight gradient, one by one.

Run: ``python benchmarks/bench_conv_shapes.py [--threads 1 2] [--reps 7] [--only NAME ...]
[--baseline DIR] [--step] [--lenet-ops]`` from the repository root (a few minutes); ``--step``
times bench_compile.py's LeNet-64 training step (eager and compiled) instead of the convolutions,
``--lenet-ops`` LeNet's sigmoid, sigmoid_backward, avg_pool2d and avg_pool2d_backward; ``--baseline`` times another checkout
(``git worktree add DIR COMMIT``) as a third library in the same rounds, for before/after tables. The shapes are the convolutions of the gallery's models
(examples/gallery/: ResNet-18, DenseNet, GoogLeNet, NiN, VGG on Fashion-MNIST at 32-96 px), where
convolution is most of a training step: many channels, small images, 3x3 at stride 1 and 2,
1x1, the 7x7 stride-2 stem.

House style (as benchmarks/bench_kernels.py): ours and torch each run in their own worker
process (their thread pools would fight in one) and are asked for one timing in turn, repeat
after repeat; medians reported, of CPU time (``time.thread_time``) at one thread, where this
thread does all the work (a busy shared machine disturbs it less than wall time), of wall time
at more. Both run at the same thread count (numba's threads for ours,
``torch.set_num_threads`` for torch). ``ratio`` is ours / torch (< 1: ours faster). Ours is what
the CPU backend runs for Convolution: ``kernels.conv2d`` (forward with bias, keeping the columns
when they fit), ``kernels.conv2d_input_grad``, ``kernels.conv2d_weight_grad``; torch's are
``F.conv2d`` and ``torch.ops.aten.convolution_backward`` with one output mask at a time.
"""

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PAUSE = 0.02  # the other process's idle threads go back to sleep (bench_kernels.settle_idle_threads)

# name -> (x shape, C_out, kernel, stride, padding)
SHAPES = {
    "resnet 3x3 s1 (64,64,32,32)->64": ((64, 64, 32, 32), 64, 3, 1, 1),
    "resnet 3x3 s1 (64,128,16,16)->128": ((64, 128, 16, 16), 128, 3, 1, 1),
    "resnet 3x3 s2 (64,64,32,32)->128": ((64, 64, 32, 32), 128, 3, 2, 1),
    "resnet 3x3 s1 (64,512,4,4)->512": ((64, 512, 4, 4), 512, 3, 1, 1),
    "resnet 1x1 s2 (64,128,8,8)->256": ((64, 128, 8, 8), 256, 1, 2, 0),
    "nin 1x1 s1 (64,256,8,8)->256": ((64, 256, 8, 8), 256, 1, 1, 0),
    # the gallery's NiN (bench_gallery.py: 67 px inputs, batch 64), its convolutions in order
    "g67 nin 11x11 s4 (64,1,67,67)->96": ((64, 1, 67, 67), 96, 11, 4, 0),
    "g67 nin 1x1 (64,96,15,15)->96": ((64, 96, 15, 15), 96, 1, 1, 0),
    "g67 nin 5x5 p2 (64,96,7,7)->256": ((64, 96, 7, 7), 256, 5, 1, 2),
    "g67 nin 1x1 (64,256,7,7)->256": ((64, 256, 7, 7), 256, 1, 1, 0),
    "g67 nin 3x3 p1 (64,256,3,3)->384": ((64, 256, 3, 3), 384, 3, 1, 1),
    "g67 nin 1x1 (64,384,3,3)->384": ((64, 384, 3, 3), 384, 1, 1, 0),
    "g67 nin 3x3 p1 (64,384,1,1)->10": ((64, 384, 1, 1), 10, 3, 1, 1),
    "g67 nin 1x1 (64,10,1,1)->10": ((64, 10, 1, 1), 10, 1, 1, 0),
    # NiN at the chapter's own 96 px (batch 32): the same layers on larger maps
    "nin96 11x11 s4 (32,1,96,96)->96": ((32, 1, 96, 96), 96, 11, 4, 0),
    "nin96 1x1 (32,96,22,22)->96": ((32, 96, 22, 22), 96, 1, 1, 0),
    "nin96 5x5 p2 (32,96,10,10)->256": ((32, 96, 10, 10), 256, 5, 1, 2),
    "nin96 1x1 (32,256,10,10)->256": ((32, 256, 10, 10), 256, 1, 1, 0),
    "nin96 3x3 p1 (32,256,4,4)->384": ((32, 256, 4, 4), 384, 3, 1, 1),
    "nin96 1x1 (32,384,4,4)->384": ((32, 384, 4, 4), 384, 1, 1, 0),
    "nin96 3x3 p1 (32,384,1,1)->10": ((32, 384, 1, 1), 10, 3, 1, 1),
    "stem 7x7 s2 p3 (16,1,96,96)->64": ((16, 1, 96, 96), 64, 7, 2, 3),
    "googlenet 1x1 (16,192,24,24)->64": ((16, 192, 24, 24), 64, 1, 1, 0),
    "densenet 1x1 (16,128,24,24)->128": ((16, 128, 24, 24), 128, 1, 1, 0),
    "densenet 3x3 (16,128,24,24)->32": ((16, 128, 24, 24), 32, 3, 1, 1),
    # the gallery's own sizes (bench_gallery.py: 32 px inputs, batch 64), where the maps are small
    "g32 stem 7x7 s2 p3 (64,1,32,32)->64": ((64, 1, 32, 32), 64, 7, 2, 3),
    "g32 resnet 3x3 (64,64,8,8)->64": ((64, 64, 8, 8), 64, 3, 1, 1),
    "g32 resnet 3x3 (64,128,4,4)->128": ((64, 128, 4, 4), 128, 3, 1, 1),
    "g32 resnet 3x3 (64,256,2,2)->256": ((64, 256, 2, 2), 256, 3, 1, 1),
    "g32 resnet 3x3 (64,512,1,1)->512": ((64, 512, 1, 1), 512, 3, 1, 1),
    "g32 resnet 3x3 s2 (64,256,2,2)->512": ((64, 256, 2, 2), 512, 3, 2, 1),
    "g32 densenet 3x3 (64,64,8,8)->32": ((64, 64, 8, 8), 32, 3, 1, 1),
    "g32 densenet 3x3 (64,96,8,8)->32": ((64, 96, 8, 8), 32, 3, 1, 1),
    "g32 densenet 3x3 (64,128,8,8)->32": ((64, 128, 8, 8), 32, 3, 1, 1),
    "g32 densenet 3x3 (64,160,8,8)->32": ((64, 160, 8, 8), 32, 3, 1, 1),
    "g32 densenet 3x3 (64,96,4,4)->32": ((64, 96, 4, 4), 32, 3, 1, 1),
    "g32 densenet 3x3 (64,128,4,4)->32": ((64, 128, 4, 4), 32, 3, 1, 1),
    "g32 densenet 3x3 (64,160,4,4)->32": ((64, 160, 4, 4), 32, 3, 1, 1),
    "g32 densenet 3x3 (64,192,4,4)->32": ((64, 192, 4, 4), 32, 3, 1, 1),
    "g32 densenet 3x3 (64,112,2,2)->32": ((64, 112, 2, 2), 32, 3, 1, 1),
    "g32 densenet 3x3 (64,208,2,2)->32": ((64, 208, 2, 2), 32, 3, 1, 1),
    "g32 densenet 3x3 (64,184,1,1)->32": ((64, 184, 1, 1), 32, 3, 1, 1),
    "g32 densenet transition 1x1 (64,192,8,8)->96": ((64, 192, 8, 8), 96, 1, 1, 0),
    "g32 densenet transition 1x1 (64,224,4,4)->112": ((64, 224, 4, 4), 112, 1, 1, 0),
    "g32 densenet transition 1x1 (64,240,2,2)->120": ((64, 240, 2, 2), 120, 1, 1, 0),
    # the chapter's own size (96 px), whose maps are not whole rows of 8
    "densenet 3x3 (16,128,12,12)->32": ((16, 128, 12, 12), 32, 3, 1, 1),
    "densenet 3x3 (16,160,6,6)->32": ((16, 160, 6, 6), 32, 3, 1, 1),
    "g32 googlenet 1x1 (64,480,4,4)->192": ((64, 480, 4, 4), 192, 1, 1, 0),
    # GoogLeNet's 3x3 and 5x5 branches on its 4x4 (b3) and 2x2 (b4) maps (the taps' shapes)
    "g32 googlenet 3x3 p1 (64,96,4,4)->128": ((64, 96, 4, 4), 128, 3, 1, 1),
    "g32 googlenet 3x3 p1 (64,128,4,4)->192": ((64, 128, 4, 4), 192, 3, 1, 1),
    "g32 googlenet 5x5 p2 (64,32,4,4)->96": ((64, 32, 4, 4), 96, 5, 1, 2),
    "g32 googlenet 5x5 p2 (64,16,4,4)->32": ((64, 16, 4, 4), 32, 5, 1, 2),
    "g32 googlenet 3x3 p1 (64,96,2,2)->208": ((64, 96, 2, 2), 208, 3, 1, 1),
    "g32 googlenet 3x3 p1 (64,128,2,2)->256": ((64, 128, 2, 2), 256, 3, 1, 1),
    "g32 googlenet 3x3 p1 (64,160,2,2)->320": ((64, 160, 2, 2), 320, 3, 1, 1),
    "g32 googlenet 1x1 (64,832,1,1)->384": ((64, 832, 1, 1), 384, 1, 1, 0),
    "nin67 1x1 (64,384,3,3)->384": ((64, 384, 3, 3), 384, 1, 1, 0),
    # the gallery's AlexNet at --resize 67: the stem, then the 5x5, then three 3x3 layers on 3x3 maps
    "alexnet67 11x11 s4 p1 (64,1,67,67)->96": ((64, 1, 67, 67), 96, 11, 4, 1),
    "alexnet67 5x5 p2 (64,96,7,7)->256": ((64, 96, 7, 7), 256, 5, 1, 2),
    "alexnet67 3x3 p1 (64,256,3,3)->384": ((64, 256, 3, 3), 384, 3, 1, 1),
    "alexnet67 3x3 p1 (64,384,3,3)->384": ((64, 384, 3, 3), 384, 3, 1, 1),
    "alexnet67 3x3 p1 (64,384,3,3)->256": ((64, 384, 3, 3), 256, 3, 1, 1),
    # d2l's LeNet (the lenet chapter and bench_compile's LeNet step): few channels, 5x5
    "lenet conv1 5x5 p2 (64,1,28,28)->6": ((64, 1, 28, 28), 6, 5, 1, 2),
    "lenet conv2 5x5 (64,6,14,14)->16": ((64, 6, 14, 14), 16, 5, 1, 0),
}
OPS = ("fwd", "dx", "dw")


def build_ours(name):
    from minitorch import kernels
    from minitorch.backends import cpu  # noqa: F401  the settings minitorch runs the kernels with

    x_shape, c_out, k, s, p = SHAPES[name]
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape, dtype=np.float32)
    w = rng.standard_normal((c_out, x_shape[1], k, k), dtype=np.float32)
    b = rng.standard_normal(c_out, dtype=np.float32)
    args = ((s, s), (p, p), (1, 1), 1)
    y, columns = kernels.conv2d(x, w, b, *args, keep_columns=True)
    gy = rng.standard_normal(y.shape, dtype=np.float32)
    return {
        "fwd": lambda: kernels.conv2d(x, w, b, *args, keep_columns=True),
        "dx": lambda: kernels.conv2d_input_grad(gy, w, x.shape, *args),
        "dw": lambda: kernels.conv2d_weight_grad(gy, x, w.shape, *args, columns),
    }


def build_torch(name):
    import torch
    import torch.nn.functional as F

    x_shape, c_out, k, s, p = SHAPES[name]
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal(x_shape, dtype=np.float32))
    w = torch.tensor(rng.standard_normal((c_out, x_shape[1], k, k), dtype=np.float32))
    b = torch.tensor(rng.standard_normal(c_out, dtype=np.float32))
    gy = torch.tensor(rng.standard_normal(F.conv2d(x, w, b, s, p).shape, dtype=np.float32))

    def backward(mask):
        return lambda: torch.ops.aten.convolution_backward(gy, x, w, [c_out], [s, s], [p, p], [1, 1],
                                                           False, [0, 0], 1, mask)
    return {"fwd": lambda: F.conv2d(x, w, b, s, p), "dx": backward([True, False, False]),
            "dw": backward([False, True, False])}


# ``--lenet-ops``: LeNet's other per-layer ops on its conv1 activation (64, 6, 28, 28), float32:
# name -> (minitorch call, torch call), both on the same data (``build_lenet_ops``).
LENET_OPS = ("sigmoid", "sigmoid_backward", "avg_pool2d", "avg_pool2d_backward")


def build_lenet_ops(library):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 6, 28, 28), dtype=np.float32)
    g = rng.standard_normal((64, 6, 28, 28), dtype=np.float32)
    y = 1 / (1 + np.exp(-x))
    gp = rng.standard_normal((64, 6, 14, 14), dtype=np.float32)
    if library == "torch":
        import torch
        xt, gt, yt, gpt = map(torch.tensor, (x, g, y, gp))
        return {"sigmoid": lambda: torch.sigmoid(xt),
                "sigmoid_backward": lambda: torch.ops.aten.sigmoid_backward(gt, yt),
                "avg_pool2d": lambda: torch.nn.functional.avg_pool2d(xt, 2),
                "avg_pool2d_backward": lambda: torch.ops.aten.avg_pool2d_backward(
                    gpt, xt, [2, 2], [2, 2], [0, 0], False, True, None)}
    # what minitorch runs (a baseline without the one-pass kernels: NumPy's expressions)
    from minitorch.backends import cpu
    fused = "sigmoid" in dir(cpu)
    return {"sigmoid": (lambda: cpu.sigmoid(x)) if fused else (lambda: 1 / (1 + np.exp(-x))),
            "sigmoid_backward": (lambda: cpu.sigmoid_backward(g, y)) if fused else (lambda: g * (1 - y) * y),
            "avg_pool2d": lambda: cpu.avg_pool2d(x, (2, 2), (2, 2), (0, 0), False, True, None),
            "avg_pool2d_backward": lambda: cpu.avg_pool2d_backward(gp, x.shape, (2, 2), (2, 2), (0, 0), False,
                                                                   True, None)}


def build_step(library):
    """``--step``: bench_compile.py's LeNet-64 training step (d2l's LeNet, SGD), eager and compiled
    for minitorch, eager for torch; the same workload as ``bench_compile.py --only lenet``."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_compile", os.path.join(ROOT, "benchmarks", "bench_compile.py"))
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    if library == "torch":
        import torch
        step, args = bench.training_step(torch, bench._lenet, 0.9)
        return {"eager": lambda: step(*args), "compiled": lambda: step(*args)}
    import minitorch
    step, args = bench.training_step(minitorch, bench._lenet, 0.9)
    c_step, c_args = bench.training_step(minitorch, bench._lenet, 0.9)
    compiled = minitorch.compile(c_step)
    for _ in range(3):
        compiled(*c_args)
    return {"eager": lambda: step(*args), "compiled": lambda: compiled(*c_args)}


def worker(library, conn, path=None):
    if path:  # the baseline: another checkout's minitorch (with its kernels importable as minitorch.kernels)
        sys.path.insert(0, path)
    import minitorch
    steps = {}
    while (request := conn.recv()) is not None:
        name, op, threads = request
        if library == "torch":
            import torch
            torch.set_num_threads(threads)
        else:
            minitorch.set_num_threads(threads)  # the kernels' splits and numba's count
        if name not in steps:
            steps[name] = (build_step(library) if name == "step" else build_lenet_ops(library)
                           if name == "lenet ops" else (build_torch if library == "torch" else build_ours)(name))
            for f in steps[name].values():
                f()
        fn = steps[name][op]
        time.sleep(PAUSE)
        fn()  # warm: pools awake, caches refilled after the other library ran
        clock = time.thread_time if threads == 1 else time.perf_counter  # CPU time on one thread
        start = clock()
        for _ in range(3):
            fn()
        conn.send((clock() - start) / 3)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--only", nargs="+", default=None, help="substrings of the shape names")
    parser.add_argument("--baseline", default=None,
                        help="a checkout of an earlier minitorch, timed as a third library ('base')")
    parser.add_argument("--step", action="store_true",
                        help="time bench_compile.py's LeNet-64 training step (eager, compiled) instead")
    parser.add_argument("--lenet-ops", action="store_true",
                        help="time LeNet's sigmoid, sigmoid_backward, avg_pool2d and its backward instead")
    a = parser.parse_args()
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "22")
    ctx = mp.get_context("spawn")
    pipes = {}
    for library in ("ours", "torch") + (("base",) if a.baseline else ()):
        here, there = ctx.Pipe()
        path = os.path.abspath(a.baseline) if library == "base" else None
        ctx.Process(target=worker, args=(library, there, path), daemon=True).start()
        pipes[library] = here

    def ask(library, *request):
        pipes[library].send(request)
        return pipes[library].recv()

    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (1 and 5 min)")
    if a.step:
        step_table(a, pipes, ask)
        return
    if a.lenet_ops:
        ops_table(a, pipes, ask)
        return
    base = " / base" if a.baseline else ""
    heads = "".join(f" | {op} ours{base} / torch ms | ratio{base.replace(' / ', ' (')}{')' if base else ''}"
                    for op in OPS)
    for threads in a.threads:
        print(f"\n{threads} thread(s), float32, medians of {a.reps}\n")
        print(f"| shape{heads} |\n|---" + "|---:|---:" * len(OPS) + "|")  # ratio: ours / torch (base / torch)
        for name in SHAPES:
            if a.only and not any(o in name for o in a.only):
                continue
            cells = ""
            for op in OPS:
                t = {lib: [] for lib in pipes}
                for _ in range(a.reps):
                    for lib in pipes:
                        t[lib].append(ask(lib, name, op, threads))
                m = {lib: statistics.median(v) * 1e3 for lib, v in t.items()}
                if a.baseline:
                    cells += (f" | {m['ours']:.2f} / {m['base']:.2f} / {m['torch']:.2f} | "
                              f"{m['ours'] / m['torch']:.2f} ({m['base'] / m['torch']:.2f})")
                else:
                    cells += f" | {m['ours']:.2f} / {m['torch']:.2f} | {m['ours'] / m['torch']:.2f}"
            print(f"| {name}{cells} |", flush=True)
    for pipe in pipes.values():
        pipe.send(None)
    print(f"\nload after: {os.getloadavg()[0]:.2f}")


def ops_table(a, pipes, ask):
    """``--lenet-ops``' table: µs per call, medians, ours (/ base) / torch at each thread count."""
    base = " / base" if a.baseline else ""
    for threads in a.threads:
        print(f"\n{threads} thread(s), LeNet's conv1 activation (64, 6, 28, 28) float32, medians of {a.reps}\n")
        print(f"| op | ours{base} / torch µs | ratio{base.replace(' / ', ' (')}{')' if base else ''} |\n|---|---:|---:|")
        for op in LENET_OPS:
            t = {lib: [] for lib in pipes}
            for _ in range(a.reps):
                for lib in pipes:
                    t[lib].append(ask(lib, "lenet ops", op, threads))
            m = {lib: statistics.median(v) * 1e6 for lib, v in t.items()}
            if a.baseline:
                print(f"| {op} | {m['ours']:.0f} / {m['base']:.0f} / {m['torch']:.0f} | "
                      f"{m['ours'] / m['torch']:.2f} ({m['base'] / m['torch']:.2f}) |", flush=True)
            else:
                print(f"| {op} | {m['ours']:.0f} / {m['torch']:.0f} | {m['ours'] / m['torch']:.2f} |", flush=True)
    for pipe in pipes.values():
        pipe.send(None)
    print(f"\nload after: {os.getloadavg()[0]:.2f}")


def step_table(a, pipes, ask):
    """The LeNet step's table: ms per step, medians, ours (/ base) / torch eager at each thread count."""
    base = " / base" if a.baseline else ""
    for threads in a.threads:
        print(f"\n{threads} thread(s), LeNet-64 training step (bench_compile.py), medians of {a.reps}\n")
        print(f"| variant | ours{base} / torch ms | ratio{base.replace(' / ', ' (')}{')' if base else ''} |\n|---|---:|---:|")
        for op in ("eager", "compiled"):
            t = {lib: [] for lib in pipes}
            for _ in range(a.reps):
                for lib in pipes:
                    t[lib].append(ask(lib, "step", "eager" if lib == "torch" else op, threads))
            m = {lib: statistics.median(v) * 1e3 for lib, v in t.items()}
            if a.baseline:
                print(f"| {op} | {m['ours']:.2f} / {m['base']:.2f} / {m['torch']:.2f} | "
                      f"{m['ours'] / m['torch']:.2f} ({m['base'] / m['torch']:.2f}) |", flush=True)
            else:
                print(f"| {op} | {m['ours']:.2f} / {m['torch']:.2f} | {m['ours'] / m['torch']:.2f} |", flush=True)
    for pipe in pipes.values():
        pipe.send(None)
    print(f"\nload after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
