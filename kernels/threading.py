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

The counts: numba and OpenBLAS both default to one thread per core and run one after the
other (a prange kernel, then a GEMM), never at once, so the two pools do not oversubscribe
the cores. ``set_num_threads`` sets both (OpenBLAS through its own C function, found with
ctypes; threadpoolctl is not needed). What it cannot change once numpy has loaded OpenBLAS is
how long OpenBLAS's idle threads spin before sleeping (OPENBLAS_THREAD_TIMEOUT, read at load
time): on a machine whose cores other processes also want, a spinning or descheduled BLAS
thread stalls every GEMM; docs/kernels.md ("Threading") has the numbers.

When to use the threads at all (``in_parallel``): starting a prange loop costs two thread
wake-ups, the workers' and then the caller's (the workqueue layer hands the chunks to
sleeping workers and the caller sleeps until they are done). On our 2-core test machine that
is ~95 µs per loop, even for an empty loop and with a single thread, which is as long as
LeNet's whole im2col takes on one core. So every kernel's loop over image planes exists
twice in its compiled function, ``prange`` and ``range``, and the caller picks with
``in_parallel(elements)``: threads only for loops that touch at least ``PARALLEL_GRAIN``
elements (the kernels' docstrings write "prange if big"). PyTorch's ``at::parallel_for``
makes the same call with its grain size (a loop with fewer than 32768 iterations runs inline
in the calling thread).

Each kernel spells out its own four-line ``if parallel: prange ... else: range ...`` around a
per-plane function. A generic ``for_each_plane(body, ...)`` taking the plane function as an
argument would be shorter, but numba does not cache functions that take other functions as
arguments (we tried: it was compiled again in every new process).
"""

import ctypes
import os

import numba
import numpy  # noqa: F401  (loads OpenBLAS, which set_num_threads looks up)


def openblas_symbol(name: str):
    """``(function, int64)``: numpy's OpenBLAS C function ``name`` ('openblas_set_num_threads',
    'cblas_sgemm', ...) and whether its integers are 64-bit; None where not found.

    What threadpoolctl does, in the few lines we need: find the OpenBLAS that numpy loaded
    among this process's mapped libraries (Linux's /proc/self/maps) and look the symbol up
    under the names its builds export (numpy 2's wheels ship scipy-openblas, which prefixes
    ``scipy_``; builds with 64-bit integers add the suffix ``64_``).
    """
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:  # pragma: no cover - not Linux
        return None
    for path in sorted(p for p in paths if ".so" in p):
        try:
            lib = ctypes.CDLL(path)
        except OSError:  # pragma: no cover
            continue
        for symbol, int64 in ((f"scipy_{name}64_", True), (f"scipy_{name}", False),
                              (f"{name}64_", True), (name, False)):
            if hasattr(lib, symbol):
                return getattr(lib, symbol), int64
    return None


def _openblas_function(name: str):
    """numpy's OpenBLAS function ``openblas_<name>``, or None where not found."""
    found = openblas_symbol(f"openblas_{name}")
    return found[0] if found is not None else None


def _omp_available() -> bool:
    """Whether numba's OpenMP layer can load (it needs an OpenMP runtime, libgomp on Linux)."""
    try:
        import numba.np.ufunc.omppool  # noqa: F401
    except ImportError:
        return False
    return True


# The pool: numba's OpenMP layer, with OpenBLAS on one thread and GEMMs shared out by
# kernels/blas.py, when both are there; else the 'workqueue' layer next to OpenBLAS's own threads.
# A NUMBA_THREADING_LAYER set by the user is respected (then the pool is ours only if it is omp).
_ONE_POOL_POSSIBLE = openblas_symbol("cblas_sgemm") is not None and _omp_available()
if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "omp" if _ONE_POOL_POSSIBLE else "workqueue"
_ONE_POOL = _ONE_POOL_POSSIBLE and numba.config.THREADING_LAYER == "omp"


def one_pool() -> bool:
    """True when every kernel, GEMMs included, runs on numba's OpenMP threads (OpenBLAS on one)."""
    return _ONE_POOL


# Elements (read or written) below which a kernel's loop runs serially in the calling thread.
# Starting a parallel loop costs ~2-3 µs on the OpenMP layer and ~70-95 µs on workqueue (two
# thread wake-ups); at ~10 elements/ns for the vectorised copies and ~1 for the pooling scans,
# 64K elements is 6-60 µs of work and 4M is 0.4-4 ms. Measured in docs/kernels.md ("Threading").
PARALLEL_GRAIN = 1 << 16 if _ONE_POOL else 1 << 22

# How many vectorised element copies one step of a scalar loop (a pooling comparison with its
# branch, a scatter-add through an index) is worth: kernels made of such steps count each as
# SCALAR_WORK elements when they ask ``in_parallel``.
SCALAR_WORK = 8


def in_parallel(elements: int) -> bool:
    """Whether a kernel loop touching ``elements`` array elements should run on the threads."""
    return elements >= PARALLEL_GRAIN and numba.get_num_threads() > 1


def _blas_threads(n: int) -> None:
    setter = _openblas_function("set_num_threads")
    if setter is not None:
        setter.argtypes = [ctypes.c_int]
        setter(n)


if _ONE_POOL:
    _blas_threads(1)


def set_num_threads(n: int) -> None:
    """Use ``n`` threads in the kernels.

    With one pool (OpenMP), numba's count is the count: OpenBLAS stays on one thread and each
    GEMM is shared out over numba's. Otherwise both pools get ``n``, so a prange kernel and the
    GEMM after it each use the cores once; where numpy's BLAS is not an OpenBLAS we can find, its
    count is left alone (set OPENBLAS_NUM_THREADS or OMP_NUM_THREADS before starting Python).
    """
    numba.set_num_threads(n)
    if not _ONE_POOL:
        _blas_threads(n)


def get_num_threads() -> int:
    """Number of threads numba's prange loops use (BLAS is set to the same by set_num_threads)."""
    return numba.get_num_threads()


def blas_core() -> str | None:
    """The CPU kernels OpenBLAS runs (its ``get_corename``: 'Haswell' for AVX2, 'SkylakeX' for
    AVX-512, ...), or None where numpy's BLAS is not an OpenBLAS we can find.

    OpenBLAS picks them when numpy loads it, from the CPU or from ``OPENBLAS_CORETYPE`` if that
    is set; the benchmarks print it, because it decides the speed of every GEMM (2x on our
    test machine, whose environment sets OPENBLAS_CORETYPE=Haswell on an AVX-512 CPU).
    """
    getter = _openblas_function("get_corename")
    if getter is None:
        return None
    getter.restype = ctypes.c_char_p
    return getter().decode()


def get_blas_num_threads() -> int | None:
    """Number of threads OpenBLAS's GEMMs use, or None where it cannot be asked."""
    getter = _openblas_function("get_num_threads")
    if getter is None:
        return None
    getter.restype = ctypes.c_int
    return int(getter())
