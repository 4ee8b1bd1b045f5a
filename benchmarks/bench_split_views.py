"""unbind/chunk as ONE multi-output view node (``Split``/``Unbind`` in _ops/shape/joins.py) against
the old path, one ``select``/``narrow`` node per output, alternating in one process, medians of 7,
1 thread. The old path is rebuilt here from the view ops it used.

Run: ``python benchmarks/bench_split_views.py`` (from the checkout's root).
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import minitorch as M
from minitorch._ops.shape.selecting_views import narrow, select


def old_unbind(x, d=0):
    return tuple(select(x, d, i) for i in range(x.shape[d]))


def old_chunk(x, n, d):
    s = x.shape[d] // n
    return tuple(narrow(x, d, i * s, s) for i in range(n))


def unbind_step(f, steps):
    """An RNN's loop over time steps: unbind, use every step, backward."""
    x = M.randn(steps, 16, 128, requires_grad=True)

    def run():
        outs = f(x)
        sum(o.sum() for o in outs).backward()

    return run


def chunk_forward(f):
    """An LSTM's gates: chunk(4, -1) of a (16, 512) pre-activation."""
    x = M.randn(16, 512, requires_grad=True)
    return lambda: f(x)


def main() -> None:
    M.set_num_threads(1)
    cases = {
        "unbind T=50 fwd+bwd": (unbind_step(lambda x: x.unbind(0), 50), unbind_step(old_unbind, 50), 20),
        "unbind T=8 fwd+bwd": (unbind_step(lambda x: x.unbind(0), 8), unbind_step(old_unbind, 8), 20),
        "chunk(4,-1) fwd": (chunk_forward(lambda x: x.chunk(4, -1)), chunk_forward(lambda x: old_chunk(x, 4, -1)),
                            2000),
    }
    for name, (new, old, reps) in cases.items():
        times_new, times_old = [], []
        for _ in range(7):
            for fn, acc in ((old, times_old), (new, times_new)):
                t0 = time.perf_counter()
                for _ in range(reps):
                    fn()
                acc.append((time.perf_counter() - t0) / reps * 1e6)
        o, n = statistics.median(times_old), statistics.median(times_new)
        print(f"{name:22s} old {o:9.1f} us  new {n:9.1f} us  new/old {n / o:.2f}")


if __name__ == "__main__":
    main()
