"""Threads: one pool, numba's, for the kernels' loops and the GEMMs alike.

The problem: two pools on two cores. numba runs prange loops on its own threads, and OpenBLAS
runs each GEMM on its own; in this package a prange kernel (im2col, col2im, pooling) is followed
by a GEMM almost every time. numba's OpenMP layer (GNU libgomp) and OpenBLAS both keep their idle
threads spinning for a while after a parallel region, so with both pools up the spinning
threads fight: a 512^3 GEMM right after a prange kernel took 28 ms instead of 1.3
(docs/performance-notes.md, "Threading"). The earlier answer was numba's 'workqueue' layer, whose workers
sleep at once, but then every prange loop pays two thread wake-ups, ~70-95 µs here.

The choice: one pool, as PyTorch runs MKL and oneDNN inside its one OpenMP pool. numba's OpenMP
layer runs every kernel loop; OpenBLAS is set to one thread, and a GEMM big enough to share is cut
into one single-threaded OpenBLAS call per numba thread (kernels/blas.py). Starting a parallel
loop then costs ~2-5 µs while the pool is hot. It needs an OpenMP runtime for numba (libgomp on
Linux) and the cblas_?gemm of numpy's OpenBLAS; where either is missing, the layer is 'workqueue'
and OpenBLAS keeps its own threads (the old setup). The layer is fixed at the first parallel call,
so it is set here, when ``kernels`` is imported, unless the user chose one with the
``NUMBA_THREADING_LAYER`` environment variable. Since OpenBLAS is process-wide, a user's own
``np.matmul`` then runs on one thread too.

What spinning still costs: libgomp's workers spin ~300,000 pause instructions (4-10 ms here)
after a loop, then sleep. A training step starts a loop every few hundred µs, so the pool stays
hot; after a longer idle spell the second parallel loop waits for the wake-up (up to 4 ms on this
VM). Two OpenMP pools in one process (torch's and ours, as in the parity tests) both spin: correct,
only slower. GNU OpenMP is not fork-safe: a process forked after the kernels used their threads
must not start them again (numba aborts it), so DataLoader's workers set one thread first, as
PyTorch's do (utils/data/_worker.py).

When to use the threads at all (``in_parallel``): a loop touching fewer than ``PARALLEL_GRAIN``
elements runs in the calling thread (the kernels' docstrings write "prange if big"), as PyTorch's
``at::parallel_for`` runs a loop below its grain size inline. Every kernel's loop over image
planes exists twice in its compiled function, ``prange`` and ``range``, and the caller picks.
Each kernel spells out its own four-line ``if parallel: prange ... else: range ...`` around a
per-plane function. A generic ``for_each_plane(body, ...)`` taking the plane function as an
argument would be shorter, but numba does not cache functions that take other functions as
arguments (we tried: it was compiled again in every new process).

On a busy machine. A parallel region is a fork/join: it ends when its last thread ends. When
another process keeps a core busy, the pool's thread on that core is runnable but not running,
and the region waits for the scheduler to give it a turn: a time slice, milliseconds, for a loop
worth a few hundred µs. Idle spinning makes it worse (a spinning thread uses up its share of the
core), so a two-thread training step collapsed: beside one busy-loop process (issue 19) the
MLP-64 step took 12-16 ms against ~1 ms quiet, and PyTorch's two-thread step 38-112 ms.
``benchmarks/bench_busy.py`` measures it. The policy, decided with it:

* The rule: how the work is split depends on the shapes and the configured thread count
  (``set_num_threads``, else numba's default) only; the adaptation below only decides which
  threads run that split. So results never depend on the load, as PyTorch's may depend on the
  thread count but never on timing. A split is a loop's ``prange`` or ``range`` variant (batch
  norm's per-channel sums, picked by ``in_parallel``), a GEMM's pieces (kernels/blas.py, one
  BLAS call per piece: a piece's sums are not NumPy's single call's), the batch slices of
  conv2d's direct weight gradient (kernels/conv_weight_grad.py, added at the end). All are sized by
  ``split_threads()``, the configured count, never by numba's current count. (Until 2026-12-07 a spell also changed
  the split, to NumPy's single GEMM call, one weight-gradient slice, the serial variants: a
  matmul's and every convolution's weight gradient's last bits then depended on the load, and
  minitorch.compile's bit-identical replay test failed on a busy machine.)
* What is split for the threads is unchanged: a loop or GEMM from the grain size on (above). The
  grain is not the lever here: a stall costs a time slice whatever the region's size, and below
  ~a millisecond of work every shared region risks one.
* Adapting at run time. Every shared GEMM (kernels/blas.py, convolutions' included) is timed
  (two ``perf_counter`` calls) and compared with its serial estimate, ``threads`` times the
  fastest it ever ran (``region_timed``). A GEMM slower than that (by ``SLACK`` = 1 ms: a
  quiet machine's hiccups stay under it) would have been faster in the calling thread alone:
  the threads stalled. A spell begins at the ``STRIKES`` = 3rd stall of a row, each within
  ``WINDOW`` = 16 shared GEMMs of the one before. (On a quiet machine, 2026-12-07, the first
  shared GEMM after a pause, evaluation, data loading, an epoch's end, ran 2-3 ms over its
  0.1-0.8 ms best, the pool waking, and twice two GEMMs in a row ran 5-7 ms over, a moment's
  disturbance: with a spell at every stall, a gallery run at 256 images began 0-2 spells, and a
  256-loop spell is a whole AlexNet epoch on one thread, 0.79 -> 0.92-0.97 s. Beside a busy core
  nearly every shared GEMM stalls, so the row is full at once; and when the threads are probed
  again after a spell, one stall soon after it starts the next.) Then the next ``HOLD_FIRST`` = 256 loops that are
  split for the threads run on the calling thread alone (a serial spell; ``in_parallel`` counts them down; LeNet's
  step asks 15 times). The spell sets numba's count to 1 (``_pool_off``), and numba runs a
  ``prange`` loop on one thread as one chunk, in order, in the calling thread, with the same
  arithmetic per iteration, without waking the pool: the same split, the same bits, no stall.
  A GEMM run alone is not timed.
  Then the threads are tried again; a stall soon after a spell makes the next one ``GROWTH`` =
  4 times longer, up to ``HOLD_MAX`` = 4096 loops (~270 LeNet steps, ~2.5 s on a quiet
  machine); after ``CALM`` = 100 shared GEMMs without a stall the next spell is short again, so
  a quiet machine's rare hiccup costs 256 serial loops (~17 LeNet steps, which on one thread
  take ~1.2x as long). Why start long and grow fast: a probe is not cheap where every region
  stalls (load average 9: a stalled region took ~25 ms, and a convolution's im2col loop stalls
  before its GEMM can tell), and with spells of 64 doubling, LeNet's step stayed at 1.7x its
  one-thread time. Spells are counted in loops, not seconds, so idle time (evaluation, data
  loading) neither ends a spell nor counts as calm. The SLACK also covers the wake-up a region
  pays when the pool's threads have stopped spinning (after a pause, after a spell): on this
  VM, LeNet's and the MLP's GEMMs after 50 ms asleep started no spell. The prange loops
  (im2col, pooling) are not timed themselves: they follow the GEMMs' verdict, which a
  convolution reaches within the same call.
* The OpenMP wait policy stays libgomp's default (spin ~4-10 ms, then sleep). On a quiet machine
  the pool stays hot between a step's loops, which is where the kernels issue's ratios come
  from; forcing PyTorch to OMP_WAIT_POLICY=PASSIVE cost its LeNet conv2 step 1.35 ms against
  0.82 (benchmarks/bench_kernels.py, ``settle_idle_threads``). On the busy machine, with the
  adaptation on, PASSIVE measured the same as the default within the noise, and under ``chrt``
  (nearly quiet) it cost LeNet's step 13-18% (below). So nothing is set; a user's
  OMP_WAIT_POLICY / GOMP_SPINCOUNT are libgomp's to read as usual.

Measured with ``bench_busy.py`` on the shared 2-core VM, 2026-12-07, ms per step, medians;
"adaptive" is the default, "no adapt." is MINITORCH_ADAPTIVE_THREADS=0 (the earlier behaviour).
Other users kept the load average at 8-11 throughout, so two runs: under ``chrt -f 1`` (the
benchmark's processes preempt everyone else's: a stand-in for a quiet machine; no busy loop, as
a real-time busy loop would not share its core) and as is (``quiet``: the other users' load
alone; ``busy``: plus one busy loop of ours):

| step | run | 1 thread | 2, adaptive | 2, no adapt. | 2, PASSIVE | 2, SPINCOUNT=10000 | torch 1t | torch 2t |
|---|---|---:|---:|---:|---:|---:|---:|---:|
| MLP-64 | chrt, 00:38 | 2.27 | 2.19 | 2.14 | 2.29 | 2.19 | 1.19 | 0.91 |
| LeNet-64 | chrt, 00:38 | 10.99 | 9.08 | 8.68 | 10.27 | 9.56 | 7.89 | 6.75 |
| MLP-64 | load 9.7-10.2, 00:41 | 29.28 | 26.76 | 89.96 | 25.18 | | 13.52 | 252.30 |
| MLP-64 | + busy loop | 18.74 | 23.88 | 66.01 | 22.57 | | 9.33 | 134.51 |
| LeNet-64 | load 9.7-10.2, 00:41 | 135.25 | 160.20 | 633.24 | 135.26 | | 110.61 | 1109.64 |
| LeNet-64 | + busy loop | 112.31 | 160.23 | 624.28 | 125.10 | | 95.19 | 1378.33 |

Under load the two-thread step without adaptation took 3.1-5.6x its one-thread time (torch's
two-thread step 10-19x its own); adaptive, 0.91-1.43x (an earlier run, at load 8.4-10.7 with
HOLD_MAX 16384: 0.96-1.42x; a later one at load 6.9-7.2, 00:50: 0.94-1.26x, without 3.7-5.2x). Figures at this load swing by 1.5x from run to run (the MLP's one-
thread step read 29 ms in one phase and 19 in the other): read the ratios, not the times. Under chrt no spell began and adaptive matched "no adapt."
within the noise (a rerun with the default given twice read 9.63 / 9.58 / 9.77 ms for
default / default / no adapt.), while PASSIVE cost LeNet 13-18% and SPINCOUNT=10000 5-10%.
A benchmark that alternates two processes must pause between them (bench_busy.py sleeps 20
ms): the idle threads of the one that just ran spin on the cores, the next one's first GEMMs
stall on them, and a serial spell begins (bench_commits.py, which does not pause, read LeNet
1.2x slower under chrt; 1.01x with a 20 ms pause added).

Since a spell keeps the split (above), a spell's GEMM is the pieces one after the other, not
NumPy's single call: for the MLP's 64x784 @ 784x256 on one thread 257-300 µs against 211-223
(kernels/gemm.py's pieces against OpenBLAS's one call, under ``chrt``), LeNet's conv1 weight
gradient 471-513 µs against 445-473 (two slices added). The adaptation's benefit stays:
``bench_busy.py --rounds 5 --variant MINITORCH_ADAPTIVE_THREADS=0``, 01:17-01:31 (load 1.6-4.0,
other users' jobs running, so "quiet" was not), busy/1t 0.79-1.10 for both steps in four runs
(the code before this change, in the same minutes: 1.03-1.62), without the adaptation 3.7-16x
the one-thread step; under ``chrt -f 1 ... --phases quiet`` no spell began and the default
matched "no adapt." (MLP 2.03 / 1.95 ms, LeNet 8.65 / 8.64 ms).

``MINITORCH_ADAPTIVE_THREADS=0`` (read at import) switches the adaptation off, for measuring it.
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
    for path in sorted((p for p in paths if ".so" in p), key=lambda p: ("numpy" not in p, p)):  # numpy's first
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
# 64K elements is 6-60 µs of work and 4M is 0.4-4 ms. Measured in docs/performance-notes.md ("Threading").
PARALLEL_GRAIN = 1 << 16 if _ONE_POOL else 1 << 22

# How many vectorised element copies one step of a scalar loop (a pooling comparison with its
# branch, a scatter-add through an index) is worth: kernels made of such steps count each as
# SCALAR_WORK elements when they ask ``in_parallel``.
SCALAR_WORK = 8


def in_parallel(elements: int) -> bool:
    """Whether a kernel loop touching ``elements`` array elements is split for the threads (its
    ``prange`` variant, a GEMM cut into ``split_threads()`` pieces): from ``PARALLEL_GRAIN`` on,
    with a configured count of two or more. It depends on the size and that count only, never on
    a serial spell, so the kernels' results never depend on the machine's load. During a spell
    (below) it still says yes, counts the loop down and turns the pool off: numba then runs the
    same split's chunks one after the other in the calling thread, with the same arithmetic."""
    global _serial_left
    if elements < PARALLEL_GRAIN or split_threads() < 2:
        return False
    if _serial_left:
        _serial_left -= 1
        if not _alone:
            _pool_off(True)
    elif _alone:
        _pool_off(False)
    return True


def split_threads() -> int:
    """The thread count a split is sized by (the GEMM pieces of kernels/blas.py, the batch slices
    of conv2d's direct weight gradient): the configured one, ``set_num_threads``'s (at most
    NUMBA_NUM_THREADS), else NUMBA_NUM_THREADS, numba's default. Never numba's current count,
    which a serial spell sets to 1, and which is numba's per Python thread: the split is the
    same in every thread and spell. (So ``numba.set_num_threads`` alone changes which threads
    run a split, not the split: ``minitorch.set_num_threads`` sets both.)"""
    return _configured


def pool_off() -> bool:
    """Whether a serial spell has the pool off: the loops split for the threads run in the calling thread."""
    return _alone


def _pool_off(off: bool) -> None:
    """Begin (``off``) or end running the split loops on the calling thread alone: numba's count
    goes to 1, and back to the configured count. numba's count belongs to the Python thread that
    sets it: a kernel called from another Python thread during a spell may still run on the pool
    (or one thread's spell may end in another), with the same split, so the same bits."""
    global _alone
    _alone = off
    numba.set_num_threads(1 if off else _configured)


_alone = False  # a serial spell has set numba's count to 1 (``_pool_off``)
# The configured count (``split_threads``): numba's default until set_num_threads. Not asked of
# numba.get_num_threads(), which would start the pool at import (and a forked DataLoader worker
# must not start it again).
_configured = numba.config.NUMBA_NUM_THREADS


# Run-time adaptation (the module docstring's "On a busy machine"). Every shared GEMM
# (kernels/blas.py) reports its wall time to ``region_timed``; one slower than its serial estimate
# starts a serial spell: the next ``_hold`` loops split for the threads run on the calling thread.
# The spell grows GROWTH-fold, from HOLD_FIRST up to HOLD_MAX, each time the threads stall again soon
# after one (before CALM shared GEMMs ran well); after a longer calm it starts again from HOLD_FIRST.
# Both are counted in kernel calls, not seconds, so that the time a program spends elsewhere
# (evaluating, loading data, waiting) neither ends a spell nor counts as calm.
ADAPTIVE = os.environ.get("MINITORCH_ADAPTIVE_THREADS", "1") != "0"
HOLD_FIRST, GROWTH, HOLD_MAX, CALM = 256, 4, 4096, 100  # loops, -, loops, shared GEMMs
SLACK = 0.001  # s a GEMM may run over its serial estimate before it counts as a stall
_serial_left = 0  # loops still to run serially in this spell
_hold = HOLD_FIRST  # the next spell's length
_calm = 0  # shared GEMMs that ran well since the last stall
_best: dict = {}  # shared GEMM key -> its fastest wall time so far, s
_spells = 0  # serial spells begun in this process
# A stall starts a spell only as the STRIKES-th in a row of stalls each within WINDOW timed
# regions of the one before: lone stalls and pairs are wake-ups (the first shared GEMM after
# evaluation, data loading, an epoch's end) or a moment's disturbance (2-8 ms over on a quiet
# machine), while beside a busy core nearly every region stalls. After a spell one stall suffices.
STRIKES, WINDOW = 3, 16  # stalls, shared GEMMs
_strikes = 0  # stalls in the current row
_since_stall = WINDOW  # shared GEMMs that ran well since the last stall


def region_timed(key, seconds: float, threads: int) -> bool:
    """Report that the parallel region ``key`` (a GEMM's shapes and layouts) took ``seconds`` on
    ``threads`` threads; returns whether it stalled (and a serial spell began).

    The serial estimate is ``threads`` times the region's fastest time so far: what one thread
    would need at a perfect speed-up, so a region slower than that would have been faster in the
    calling thread alone. That happens when a thread of the pool cannot run (another process has
    its core): the others wait for it at the region's end, up to a time slice of the scheduler,
    milliseconds. A stall is a region ``SLACK`` = 1 ms slower than the estimate: on this VM with
    nothing else running (benchmark under ``chrt -f 1``) the LeNet and MLP GEMMs ran up to 2.9x
    their best, but at most 0.4 ms over twice it (an interrupt, the hypervisor, a wake-up), while
    beside busy processes (load average 9) their median was 22-27 ms.
    """
    global _serial_left, _hold, _calm, _spells, _since_stall, _strikes
    best = _best.get(key)
    if best is None and len(_best) >= 4096:  # a program of ever new shapes: start learning again
        _best.clear()
    if best is None or seconds < best:
        _best[key] = seconds
    if best is None or not ADAPTIVE:
        return False
    if seconds <= threads * best + SLACK:
        _calm += 1
        _since_stall += 1
        return False
    _strikes = _strikes + 1 if _since_stall < WINDOW else 1
    _since_stall = 0
    if _strikes < STRIKES:  # a wake-up after a pause, a moment's disturbance: not a busy core
        return False
    if _calm >= CALM:  # many regions ran well since the last spell: a hiccup, not a busy core
        _hold = HOLD_FIRST
    _calm = 0
    _serial_left = _hold
    _strikes = STRIKES - 1  # the spell's GEMMs are not timed: the next stall after it, if soon, starts one
    _hold = min(GROWTH * _hold, HOLD_MAX)
    _spells += 1
    return True


def serial_spell_left() -> int:
    """Kernel loops still to run serially in the current spell (0 when the threads are in use)."""
    return _serial_left


def serial_spells() -> int:
    """How many serial spells have begun in this process (benchmarks/bench_busy.py prints it)."""
    return _spells


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
    global _requested, _configured
    _requested = n
    n = min(n, numba.config.NUMBA_NUM_THREADS)  # numba never starts more (torch would oversubscribe)
    _configured = n  # the splits' count (split_threads)
    if not _alone:  # a serial spell keeps numba on one thread until it ends
        numba.set_num_threads(n)
    if not _ONE_POOL:
        _blas_threads(n)


_requested: int | None = None  # what set_num_threads was given, as torch.get_num_threads reports it


def get_num_threads() -> int:
    """The count ``set_num_threads`` was given (else NUMBA_NUM_THREADS, ``split_threads``); the
    kernels use at most NUMBA_NUM_THREADS of them (one per core by default)."""
    return _requested if _requested is not None else split_threads()


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
