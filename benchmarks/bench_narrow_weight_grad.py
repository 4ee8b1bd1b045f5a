"""DenseNet's narrow weight gradients, the unsplit GEMM against the tap rectangles, in one process.

Run: ``python benchmarks/bench_narrow_weight_grad.py [--rounds 15] [--threads 1] [--step]`` from the
repository root.

Per layer (the default): the 3x3 growth layers of d2l's DenseNet at 32 px (32 output channels, batch
64), the weight gradient from the forward's x_pad, old and new called in turn each round, CPU time
(wall time at more than one thread), medians in ms. Old is the unsplit narrow indexed GEMM as
kernels/conv_weight_grad.py's ``_conv2d_weight_grad_nhwc`` ran it before 2026-12-07 (s14): gy as
(C_out, N*L), ``gemm_narrow.matmul_indexed_b`` on x_pad, one transpose of gw; new is
kernels/conv_small_classes.py's ``conv2d_weight_grad``.

``--step``: the chapter's training step instead (d2l's DenseNet, 32 px, batch 64, SGD), with
``conv_small_classes.weight_grad_pays`` forced False (the old path) and as it is, in turn.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

LAYERS = [(64, c, 8, 8) for c in (64, 96, 128, 160)] + [(64, c, 4, 4) for c in (96, 128, 160, 192)]
PAD = ((1, 1), (1, 1))


def layers(rounds: int, clock) -> None:
    from minitorch.kernels import conv, gemm_narrow
    from minitorch.kernels import conv_small_classes as small_classes
    from minitorch.kernels.layout import swap_leading_axes

    def old(gy, x_pad, w_shape):
        _N, C_out, oH, oW = gy.shape
        rows, kcols = conv._offsets(x_pad.shape, (3, 3), (oH, oW), (1, 1), (1, 1))
        gw = gemm_narrow.matmul_indexed_b(swap_leading_axes(gy).reshape(C_out, -1), x_pad.reshape(-1), rows, kcols)
        return np.ascontiguousarray(gw.reshape(C_out, 3, 3, w_shape[1]).transpose(0, 3, 1, 2))

    def new(gy, x_pad, w_shape):
        return small_classes.conv2d_weight_grad(gy, x_pad, w_shape, PAD, (1, 1), (1, 1))

    print("| layer | unsplit ms | rectangles ms | new / old |\n|---|---:|---:|---:|")
    for shape in LAYERS:
        rng = np.random.default_rng(0)
        x_pad = conv._nhwc_padded(rng.standard_normal(shape, dtype=np.float32), PAD)
        gy = rng.standard_normal((shape[0], 32) + shape[2:], dtype=np.float32)
        w_shape = (32, shape[1], 3, 3)
        a, b = old(gy, x_pad, w_shape), new(gy, x_pad, w_shape)
        assert np.abs(a - b).max() <= 1e-4 * np.abs(a).max()
        times: dict = {old: [], new: []}
        for r in range(rounds):
            for f in (old, new) if r % 2 == 0 else (new, old):
                t0 = clock()
                f(gy, x_pad, w_shape)
                times[f].append(clock() - t0)
        t_old, t_new = (float(np.median(times[f])) * 1e3 for f in (old, new))
        print(f"| densenet 3x3 {shape}->32 | {t_old:.2f} | {t_new:.2f} | {t_new / t_old:.2f} |")


def step(rounds: int, clock) -> None:
    from minitorch.kernels import conv_small_classes as small_classes

    import minitorch as torch

    nn = torch.nn

    def conv_block(c_in):
        return nn.Sequential(nn.BatchNorm2d(c_in), nn.ReLU(), nn.Conv2d(c_in, 32, kernel_size=3, padding=1))

    class DenseBlock(nn.Module):
        def __init__(self, c_in):
            super().__init__()
            self.net = nn.Sequential(*[conv_block(c_in + 32 * k) for k in range(4)])

        def forward(self, x):
            for blk in self.net:
                x = torch.cat((x, blk(x)), dim=1)
            return x

    torch.manual_seed(0)
    parts, c = [nn.Conv2d(1, 64, 7, 2, 3), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)], 64
    for k in range(4):
        parts.append(DenseBlock(c))
        c += 128
        if k != 3:
            parts += [nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, c // 2, kernel_size=1), nn.AvgPool2d(2, 2)]
            c //= 2
    net = nn.Sequential(*parts, nn.BatchNorm2d(c), nn.ReLU(), nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
                        nn.Linear(c, 10))
    opt, loss = torch.optim.SGD(net.parameters(), lr=0.01), nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((64, 1, 32, 32)).astype(np.float32))
    y = torch.tensor(rng.integers(0, 10, 64))
    pays = small_classes.weight_grad_pays

    def timed(new: bool) -> float:
        small_classes.weight_grad_pays = pays if new else (lambda *args: False)
        t0 = clock()
        opt.zero_grad()
        loss(net(x), y).backward()
        opt.step()
        return clock() - t0

    for _ in range(2):  # compile and warm both paths
        timed(False), timed(True)
    times: dict = {False: [], True: []}
    for r in range(rounds):
        for new in (False, True) if r % 2 == 0 else (True, False):
            times[new].append(timed(new))
    small_classes.weight_grad_pays = pays
    t_old, t_new = (float(np.median(times[k])) * 1e3 for k in (False, True))
    print(f"densenet step, ms, medians of {rounds} (min): unsplit {t_old:.1f} ({min(times[False]) * 1e3:.1f}), "
          f"rectangles {t_new:.1f} ({min(times[True]) * 1e3:.1f}), new / old {t_new / t_old:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--step", action="store_true", help="the chapter's training step instead of the layers")
    args = parser.parse_args()
    import numba

    numba.set_num_threads(args.threads)
    clock = time.thread_time if args.threads == 1 else time.perf_counter
    print(f"{args.threads} thread(s), {clock.__name__}, load {os.getloadavg()[0]:.1f}")
    (step if args.step else layers)(args.rounds, clock)
    print(f"load after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
