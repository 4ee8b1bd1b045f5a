"""Thread pools: numba's (for the prange loops) and BLAS's (for the GEMMs), chosen to coexist.

The problem: numba's default threading layer on Linux is OpenMP (GNU libgomp). After a parallel
region its workers spin-wait for the next one, burning the cores that OpenBLAS's own threads
need for the GEMM that follows. In this package a prange kernel (im2col, col2im, pooling) is
followed by a GEMM almost every time, so the spinning makes that GEMM several times slower
(benchmarks/bench_kernels.py, "GEMM after a parallel kernel", and docs/kernels.md).

The choice: numba's 'workqueue' layer, whose workers sleep on a lock when idle. It needs no
extra library, and it is fast enough for our loops, which are coarse (one iteration per image
plane). Its one limit, no nested or concurrent parallel regions, does not bite: our kernels
never call each other inside a prange. The layer is fixed at the first parallel call, so it is
set here, when ``kernels`` is imported, unless the user chose one through the
``NUMBA_THREADING_LAYER`` environment variable (the benchmark uses that to compare layers).
"""

import os

import numba

if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "workqueue"

try:  # optional: without threadpoolctl, BLAS keeps its own thread count (OPENBLAS_NUM_THREADS)
    import threadpoolctl
except ImportError:  # pragma: no cover - depends on the environment
    threadpoolctl = None

_blas_limits = None


def set_num_threads(n: int) -> None:
    """Use ``n`` threads in numba's prange loops and, if threadpoolctl is installed, in BLAS.

    Without threadpoolctl the BLAS thread count is left alone; set OPENBLAS_NUM_THREADS (or
    OMP_NUM_THREADS) before starting Python to change it.
    """
    global _blas_limits
    numba.set_num_threads(n)
    if threadpoolctl is not None:
        _blas_limits = threadpoolctl.threadpool_limits(limits=n, user_api="blas")


def get_num_threads() -> int:
    """Number of threads numba's prange loops use (BLAS is set to the same by set_num_threads)."""
    return numba.get_num_threads()
