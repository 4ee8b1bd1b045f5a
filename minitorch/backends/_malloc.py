"""glibc's malloc, tuned at import to keep freed arrays in the process (``backends/cpu.py`` imports this).

A training step allocates and frees the same few-MB arrays over and over (activations, columns,
gradients). glibc's malloc serves blocks above its mmap threshold with fresh mmap()s and gives
them back with munmap() on free; its threshold adapts, so whether a process settles into reusing
the memory is a matter of luck. In the unlucky runs each step faults every page in again: LeNet's
step took ~2,100 page faults and 13.7 ms instead of ~10 ms (benchmarks/bench_lenet_epoch.py,
"page faults" and the "glibc malloc" row). Fixing the mmap threshold (and the trim threshold, so
the heap is not shrunk either) makes malloc reuse that memory in every run, at no cost in peak
memory (LeNet: 161 MiB either way). PyTorch's CPU tuning guide gets the same effect by
preloading jemalloc or tcmalloc. Set MINITORCH_MALLOC_TUNING=0 to keep glibc's defaults.
"""

from __future__ import annotations

MMAP_THRESHOLD, TRIM_THRESHOLD = 64 << 20, 256 << 20


def tune_malloc() -> bool:
    """Set glibc's M_MMAP_THRESHOLD and M_TRIM_THRESHOLD (Linux/glibc only); True if done."""
    import ctypes
    import os
    import sys

    if os.environ.get("MINITORCH_MALLOC_TUNING") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # pragma: no cover - not glibc (musl, ...)
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


tuned = tune_malloc()  # whether this process runs with the thresholds above
