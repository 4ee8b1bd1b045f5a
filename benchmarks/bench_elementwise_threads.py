"""The element-wise kernels split into parallel blocks (kernels/optim.py's add_scaled, SGD's
update; kernels/activation.py's relu and threshold_backward): the serial loop against the
parallel blocks at 2 threads, alternating in one process, medians of 41.

Run: ``python benchmarks/bench_elementwise_threads.py`` (from the checkout's root).
"""

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minitorch.kernels import activation as act
from minitorch.kernels import optim as opt

import minitorch

minitorch.set_num_threads(2)
rng = np.random.default_rng(0)
p = rng.standard_normal((4096, 4096), dtype=np.float32).reshape(-1); g = rng.standard_normal(p.size, dtype=np.float32)
x = rng.standard_normal((64, 96, 15, 15), dtype=np.float32).reshape(-1); o = np.empty_like(x); gy = rng.standard_normal(x.size, dtype=np.float32)
cases = {"add_scaled 4096x4096": lambda par: opt._add_scaled(p, g, np.float32(-1e-9), par),
         "relu 64x96x15x15": lambda par: act._relu(x, o, par),
         "threshold_backward 64x96x15x15": lambda par: act._threshold_backward(gy, x, o, par)}
for name, f in cases.items():
    f(True); f(False)
    t = {True: [], False: []}
    for r in range(41):
        for par in ((True, False) if r % 2 else (False, True)):
            s = time.perf_counter(); f(par); t[par].append(time.perf_counter() - s)
    a, b = statistics.median(t[False]) * 1e6, statistics.median(t[True]) * 1e6
    print(f"{name}: serial {a:.0f} us, 2 threads {b:.0f} us, {a / b:.2f}x")
