"""glibc's malloc, tuned at import to keep freed arrays in the process (``backends/cpu.py`` imports this).

A training step allocates and frees the same arrays over and over (activations, columns,
gradients). glibc's malloc serves a block above its mmap threshold (adaptive, at most 32 MB by
default) from a fresh ``mmap()`` and gives it back with ``munmap()`` on free, so such an array is
new memory at every step: its first write faults in every page and the kernel zeroes each one, in
the writing thread, before our kernel's own stores. Two measured cases:

* LeNet's step, whose few-MB arrays sit near the adaptive threshold: in the unlucky runs it took
  ~2,100 page faults and 13.7 ms instead of ~10 ms (benchmarks/bench_lenet_epoch.py, "page
  faults" and the "glibc malloc" row).
* VGG's and AlexNet's 4096 x 4096 Linear layer, whose weight gradient (64 MB, allocated by the
  backward, freed by ``zero_grad``) was fresh memory at every step: its GEMM (4096 x 64 x 4096)
  took 25 ms into a fresh result against 14 into a reused one at 1 thread, 19-21 against 11 at 2
  (the zeroing is a memory-bound pass the second core barely speeds up), and ``AddmmBackward0``
  gained 1.36x from the second core instead of ~2x (benchmarks/bench_malloc_ab.py).

So malloc is told never to ``mmap`` a chunk of its own (``M_MMAP_MAX`` = 0) and to give the top
of its heap back to the kernel only past ``TRIM_THRESHOLD`` free: a freed array's memory serves
the next step's, already faulted in. Results do not change, only where the memory comes from. The
cost: freed memory up to ``TRIM_THRESHOLD`` stays with the process (the heap holds its peak), as
PyTorch's caching allocators keep theirs; PyTorch's CPU tuning guide gets the same effect by
preloading jemalloc or tcmalloc. The setting is process-wide: a torch or NumPy allocation in the
same process is served so too.

Left alone: with ``MINITORCH_MALLOC_TUNING=0``; where the user tuned malloc through its own
environment (``MALLOC_MMAP_MAX_``, ``MALLOC_TRIM_THRESHOLD_``, ..., or a ``glibc.malloc`` tunable
in ``GLIBC_TUNABLES``); and off Linux/glibc.
"""

from __future__ import annotations

TRIM_THRESHOLD = 1 << 30
# glibc's own environment variables for the same settings: a user who set one chose for themselves
USER_SETTINGS = ("MALLOC_MMAP_MAX_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_")


def tune_malloc() -> bool:
    """Set glibc's M_MMAP_MAX to 0 and M_TRIM_THRESHOLD to ``TRIM_THRESHOLD`` (Linux/glibc only,
    and not where the user said otherwise: module docstring); True if done."""
    import ctypes
    import os
    import sys

    env = os.environ
    if (env.get("MINITORCH_MALLOC_TUNING") == "0" or not sys.platform.startswith("linux")
            or "glibc.malloc" in env.get("GLIBC_TUNABLES", "") or any(name in env for name in USER_SETTINGS)):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # pragma: no cover - not glibc (musl, ...)
        return False
    mallopt.restype, mallopt.argtypes = ctypes.c_int, [ctypes.c_int, ctypes.c_int]
    M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4  # glibc's malloc.h
    return bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)) and bool(mallopt(M_MMAP_MAX, 0))


tuned = tune_malloc()  # whether this process runs with the settings above
