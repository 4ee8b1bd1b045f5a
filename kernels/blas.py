"""GEMM on numba's threads: one single-threaded GEMM call (ours or OpenBLAS's) per thread from a prange loop.

Why not ``np.matmul`` with OpenBLAS's own threads: OpenBLAS keeps a thread pool of its own,
whose idle threads spin for a while after every GEMM, and numba keeps another for the prange
loops. Two pools on the same cores either fight (both spinning) or pay a wake-up at every
switch (kernels/threading.py has the numbers). So, as PyTorch does with MKL and oneDNN inside
its one OpenMP pool, minitorch uses one pool: numba's. OpenBLAS is set to one thread, and a GEMM
big enough to share is cut into one piece per thread, each piece an ordinary single-threaded
``cblas_?gemm`` call on a block of C:

    C (M x N) = A (M x K) @ B (K x N), cut along the longer of M and N (on kernels/gemm.py,
    by rows where the caller asks, ``rows=True``: ``ROWS_C_BYTES``):
      by columns:  C[:, lo:hi] = A @ B[:, lo:hi]      (each thread its own block of columns)
      by rows:     C[lo:hi, :] = A[lo:hi, :] @ B

Each output element is still one dot product over all of K inside one BLAS call, so the pieces
need no reduction. A piece is a pointer and a leading dimension into the same arrays, so nothing
is copied; an operand stored column-major (a transposed view, ``weight.t()``) is passed to BLAS
as the transpose of a row-major one, as NumPy does.

Loop nest: ``for (matrix in the batch) x (piece) (prange) / one cblas_?gemm call``; a GEMM
too small to share (or any GEMM at one configured thread) is NumPy's single call, unless it has
``SERIAL_OWN_MIN`` multiply-adds or more and kernels/gemm.py pays for its shape: then it is the
same loop over ours, run serially on the calling thread (10-30% less time than OpenBLAS on the
gallery's convolutions at one thread: DenseNet's 3x3 forward 7.7 -> 6.2 ms).
Cost: 2*batch*M*N*K flops, at OpenBLAS's single-thread speed on each core (512^3: 1.10 ms on two
threads this way against 1.10 ms for OpenBLAS's own two threads and 2.14 ms on one).

Which kernel computes a piece: on a CPU with AVX-512, a float GEMM whose C is at least one
register tile wide and two rows tall (two tiles wide when A is column-major, a weight
gradient's ``x.t() @ g``), or a narrower one with a long K and both operands contiguous along
k, runs on kernels/gemm.py (``gemm.pays``; 1.4-2.2x OpenBLAS's AVX2 kernel
on this machine); every other one on OpenBLAS.

The function is found in the OpenBLAS that numpy loaded (``threading.openblas_symbol``) and handed
to the compiled kernel as a function pointer argument, so the kernel is cached like the others.
Ours (``gemm.kernel``, a compiled C function) is handed over as its address, an integer
(``gemm.kernel_address``, called by ``gemm.call_kernel``), so that numba does not compile the
GEMM into the prange loop a second time, nor type a ctypes function object at every call.
Where it is not found (numpy built on another BLAS), ``matmul`` is ``np.matmul``.

Every shared GEMM is timed and reported to ``threading.region_timed``: one that stalls (slower
than running it in one thread would have been) starts a serial spell (kernels/threading.py, "On
a busy machine"), during which the same pieces run one after the other in the calling thread
(numba on one thread) and are not timed. The pieces depend on the shapes and the configured
thread count (``split_threads``) only, so a GEMM's bits never depend on the spell, on the load.

Fresh pages. A GEMM's result array is new memory when malloc hands out a fresh ``mmap``: its
first write faults in every page, and the kernel zeroes each one before the GEMM's own stores
(a Linear layer's 64 MB weight gradient at every step). ``import minitorch`` tells glibc's malloc
to keep freed memory instead (minitorch/backends/_malloc.py, with the measurements).
"""

import ctypes
import time

import numba
import numpy as np
from numba import njit, prange

from . import gemm
from .checks import check_matmul, check_shape
from .gemm import call_kernel
from .threading import (
    PARALLEL_GRAIN,
    in_parallel,
    one_pool,
    openblas_symbol,
    pool_off,
    region_timed,
    split_threads,
)

ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112

# A multiply-add inside a GEMM is worth this fraction of an element copy when asking
# in_parallel: a GEMM of M*N*K multiply-adds is shared from M*N*K/16 >= PARALLEL_GRAIN on
# (LeNet's 64x400x120 Linear is, its 64x84x10 is not).
GEMM_WORK_DIVISOR = 16

# A GEMM not shared out (one thread configured, or too small to share) of at least this many
# multiply-adds still runs on kernels/gemm.py where ``gemm.pays``, one piece after the other on
# the calling thread; smaller ones are NumPy's (OpenBLAS), whose call costs less. Minimum of 15
# alternating runs, 1 thread, ours / OpenBLAS (load average 4.7-5, 2026-12-07): 4096x1440x32
# (DenseNet's 3x3 forward) 0.87-0.93, 4096x32x1440 (its input gradient) 0.76-0.84, 4096x576x64
# 0.92, 3136x2400x256 (NiN's 5x5) 0.91, 64x784x256 0.86-0.91, 64x6400x4096 (AlexNet's first
# Linear) 0.95; but 256x256x64 1.02-1.12, 128x128x64 1.63, 64x64x64 3.4 (the call's overhead).
SERIAL_OWN_MIN = 1 << 22

# ``matmul(..., rows=True)``: a GEMM shared out on kernels/gemm.py is cut by rows, not along the
# longer of M and N, where B is row-major (so no transposition of B is repeated in every thread:
# it is copied, ~0.2 ns a number), each thread gets at least one MC block of rows, and C is at
# most this many bytes a thread: then each thread's block of C is one contiguous span that stays
# in its cache, and a flat element-wise loop that reads C next (SGD's ``add_scaled``, split into
# the same two halves) finds it there. The caller asks, because it knows what reads C next
# (minitorch.compile's plan: a weight gradient that SGD's update reads); alone, the cut by rows
# is no faster (2 threads, isolated GEMMs, a loaded machine: 0.98-1.06x the cut by columns).
# The MLP's weight gradient 256x64 @ 64x784 at 2 threads (the compiled plan, alternating, 12
# profiles of 100 replays each, chrt -f 1, load 9.9): GEMM 126.4 -> 118.2 us, the SGD update
# after it 48.3 -> 38.8, the step 452.4 -> 435.5. The cut changes no bits: every element of C
# is one dot product over K in one call either way.
ROWS_C_BYTES = 1 << 20


def _cblas_gemm(prefix: str, c_float):
    """numpy's OpenBLAS ``cblas_?gemm`` with its argument types set, or None."""
    found = openblas_symbol(f"cblas_{prefix}gemm")
    if found is None:
        return None
    fn, int64 = found
    integer = ctypes.c_int64 if int64 else ctypes.c_int32
    fn.restype = None
    fn.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, integer, integer, integer, c_float,
                   ctypes.c_void_p, integer, ctypes.c_void_p, integer, c_float, ctypes.c_void_p, integer]
    return fn


_GEMM = {np.dtype(np.float32): _cblas_gemm("s", ctypes.c_float),
         np.dtype(np.float64): _cblas_gemm("d", ctypes.c_double)}


@njit(cache=True)
def _piece(p, parts, extent, unit):
    """Rows or columns ``lo..hi`` of piece ``p`` of ``parts``, cut on multiples of ``unit`` (1 for
    OpenBLAS; a register tile for kernels/gemm.py) where the extent allows."""
    tiles = (extent + unit - 1) // unit
    return min(extent, p * tiles // parts * unit), min(extent, (p + 1) * tiles // parts * unit)


@njit(cache=True)
def _gemm_piece(fn, t, parts, by_columns, pa, pb, pc, M, N, K, ta, tb, lda, ldb, ldc, sa, sb, sc,
                item, one, zero):
    """Piece t % parts of matrix t // parts: one BLAS call on its block of C."""
    m = t // parts
    a = pa + m * sa * item
    b = pb + m * sb * item
    c = pc + m * sc * item
    lo, hi = _piece(t % parts, parts, N if by_columns else M, 1)
    if by_columns:
        b += (lo if tb == NO_TRANS else lo * ldb) * item  # columns lo..hi of B (rows of B^T)
        c += lo * item
        fn(ROW_MAJOR, ta, tb, M, hi - lo, K, one, a, lda, b, ldb, zero, c, ldc)
    else:
        a += (lo * lda if ta == NO_TRANS else lo) * item  # rows lo..hi of A (columns of A^T)
        c += lo * ldc * item
        fn(ROW_MAJOR, ta, tb, hi - lo, N, K, one, a, lda, b, ldb, zero, c, ldc)


@njit(cache=True, parallel=True)
def _gemm(fn, batch, parts, by_columns, pa, pb, pc, M, N, K, ta, tb, lda, ldb, ldc, sa, sb, sc,
          item, one, zero):
    for t in prange(batch * parts):
        _gemm_piece(fn, t, parts, by_columns, pa, pb, pc, M, N, K, ta, tb, lda, ldb, ldc,
                    sa, sb, sc, item, one, zero)


@njit(cache=True, inline="always")
def _own_gemm_piece(fn, t, batch, parts, by_columns, unit, pa, na, sa, rsa, csa, pb, nb, sb, rsb, csb,
                    pc, M, N, K, pw, nw, w_row):
    """Piece t % parts of matrix t // parts: one call of kernels/gemm.py's GEMM (at address ``fn``)
    on its block of C."""
    m = t // parts
    work = pw + numba.get_thread_id() * w_row
    lo, hi = _piece(t % parts, parts, N if by_columns else M, unit)
    if hi <= lo:
        return
    if by_columns:
        call_kernel(fn, M, hi - lo, K, pa, na, m * sa, rsa, csa, pb, nb, m * sb + lo * csb, rsb, csb,
                    pc, batch * M * N, m * M * N + lo, N, work, nw)
    else:
        call_kernel(fn, hi - lo, N, K, pa, na, m * sa + lo * rsa, rsa, csa, pb, nb, m * sb, rsb, csb,
                    pc, batch * M * N, m * M * N + lo * N, N, work, nw)


@njit(cache=True, parallel=True)
def _own_gemm(fn, batch, parts, by_columns, unit, pa, na, sa, rsa, csa, pb, nb, sb, rsb, csb,
              pc, M, N, K, pw, nw, w_row, parallel):
    """The same pieces as ``_gemm``, each one call of kernels/gemm.py's GEMM (``fn``, the address
    of its C function: ``gemm.kernel_address``) with this thread's workspace row (``w_row`` bytes
    apart); a piece's edges fall on whole register tiles (multiples of ``unit``) where the size
    allows.
    ``parallel`` False: the pieces one after the other on the calling thread (a GEMM too small
    to share, or one thread configured: ``SERIAL_OWN_MIN``)."""
    if parallel:
        for t in prange(batch * parts):
            _own_gemm_piece(fn, t, batch, parts, by_columns, unit, pa, na, sa, rsa, csa, pb, nb, sb,
                            rsb, csb, pc, M, N, K, pw, nw, w_row)
    else:
        for t in range(batch * parts):
            _own_gemm_piece(fn, t, batch, parts, by_columns, unit, pa, na, sa, rsa, csa, pb, nb, sb,
                            rsb, csb, pc, M, N, K, pw, nw, w_row)


def _layout(a: np.ndarray):
    """How BLAS can read the matrices of a 3-d ``a`` (batch, R, C) in place: (trans, ld, batch
    stride) in elements, or None when neither dim is contiguous (then it is copied)."""
    _, R, C = a.shape
    item = a.itemsize
    s0, sr, sc = (s // item for s in a.strides)
    if any(s % item for s in a.strides) or min(a.strides) < 0:
        return None
    if sc == 1 or C == 1:
        ld = sr if R > 1 else C
        if ld >= max(C, 1):
            return NO_TRANS, ld, s0
    if sr == 1 or R == 1:
        ld = sc if C > 1 else R
        if ld >= max(R, 1):
            return TRANS, ld, s0
    return None


@njit(cache=True)
def _addresses(a, b, c):
    """The three arrays' data pointers: one compiled call, where ``x.ctypes.data`` is ~1.5 µs each."""
    return a.ctypes.data, b.ctypes.data, c.ctypes.data


NUMPY, STACK_AS_ROWS, OWN, OPENBLAS = range(4)  # what a plan does (``_Plan.how``)


class _Plan:
    """How ``matmul`` runs a GEMM of one geometry: everything that depends only on the operands'
    dtypes, shapes and strides, ``out``'s, ``rows`` and the configured thread count, worked out
    at the first call of that geometry (the shape checks included) and looked up at the next."""

    __slots__ = ("a3", "a_args", "b3", "b_args", "c3", "copy_a", "copy_b", "dtype", "elements", "fn", "head",
                 "how", "out_shape", "region", "rows_shape", "shared", "tail", "view_a", "view_b")


_PLANS: dict = {}  # (dtypes, shapes, strides, out's, rows, threads) -> _Plan
PLANS_MAX = 4096  # a program of ever new shapes: start again (as threading.region_timed's table)


def _plan(a: np.ndarray, b: np.ndarray, out: np.ndarray | None, rows: bool) -> _Plan:
    """``matmul``'s decisions for this geometry (module docstring): NumPy's call, a row-major stack
    times a matrix as one tall GEMM, or the pieces on kernels/gemm.py or OpenBLAS, with their
    arguments but the three data pointers. Raises RuntimeError where the shapes do not multiply."""
    shape = check_matmul("matmul", a, b)
    if out is not None:
        check_shape("matmul", "out", out.shape, shape)
    plan = _Plan()
    plan.how, plan.shared, plan.elements = NUMPY, False, 0
    fn = _GEMM.get(a.dtype) if a.dtype == b.dtype and one_pool() else None
    if a.dtype != b.dtype or a.ndim < 2 or b.ndim < 2 or 0 in a.shape or 0 in b.shape:
        return plan
    plan.elements = a.size * b.shape[-1] // GEMM_WORK_DIVISOR
    plan.shared = shared = in_parallel(plan.elements)
    if not shared and not (gemm.available(a.dtype) and a.shape[-2] * a.shape[-1] * b.shape[-1] >= SERIAL_OWN_MIN):
        return plan
    if b.ndim == 2 and a.ndim > 2 and a.flags.c_contiguous:
        plan.how, plan.a3, plan.rows_shape = STACK_AS_ROWS, (-1, a.shape[-1]), (-1, b.shape[1])
        plan.out_shape = a.shape[:-1] + b.shape[-1:]
        return plan
    if a.shape[:-2] != b.shape[:-2]:
        return plan
    batch_shape = a.shape[:-2]
    M, K, N = a.shape[-2], a.shape[-1], b.shape[-1]
    if out is not None and (out.shape != batch_shape + (M, N) or out.dtype != a.dtype or not out.flags.c_contiguous):
        return plan
    plan.a3, plan.b3, plan.c3 = (-1, M, K), (-1, K, N), (-1, M, N)
    plan.out_shape, plan.dtype = batch_shape + (M, N), a.dtype
    a3, b3 = a.reshape(plan.a3), b.reshape(plan.b3)
    la, lb = _layout(a3), _layout(b3)
    plan.copy_a, plan.copy_b = la is None, lb is None
    # the reshape is a view, which starts where the operand does: ``matmul`` takes the operand's
    # own data pointer (a reshape that cannot be a view copies, at every call)
    plan.view_a = la is not None and a3.ctypes.data == a.ctypes.data
    plan.view_b = lb is not None and b3.ctypes.data == b.ctypes.data
    if la is None:
        a3 = np.ascontiguousarray(a3)
        la = _layout(a3)
    if lb is None:
        b3 = np.ascontiguousarray(b3)
        lb = _layout(b3)
    along_k = la[0] == NO_TRANS and lb[0] == TRANS  # A row-major, B column-major
    own = gemm.available(a.dtype) and gemm.pays(M, N, K, along_k, a.dtype, la[0] == NO_TRANS)  # else OpenBLAS's
    if not own and (fn is None or not shared):
        return plan
    batch = a3.shape[0]
    threads = split_threads()  # the configured count, also during a spell (numba's is 1 then)
    parts = (min(threads, max(M, N)) if batch < threads else 1) if shared else 1  # else one matrix per thread
    plan.region = (batch, M, N, K, la[0], lb[0], a.dtype.char, own)
    if own:
        mr, nr = gemm.TILE[a.dtype]
        (ta, lda, sa), (tb, ldb, sb) = la, lb
        rsa, csa = (lda, 1) if ta == NO_TRANS else (1, lda)
        rsb, csb = (ldb, 1) if tb == NO_TRANS else (1, ldb)
        work = gemm.workspace(a.dtype)  # allocated once per dtype and kept: its address is fixed
        by_columns = N >= M and not (rows and lb[0] == NO_TRANS and M >= parts * gemm.MC
                                     and M * N * a.itemsize <= parts * ROWS_C_BYTES)
        plan.how, plan.fn = OWN, gemm.kernel_address(a.dtype)
        plan.head = (batch, parts, by_columns, nr if by_columns else mr)
        plan.a_args, plan.b_args = (gemm.extent(a3), sa, rsa, csa), (gemm.extent(b3), sb, rsb, csb)
        plan.tail = (M, N, K, work.ctypes.data, work.shape[1], work.strides[0], shared)
    else:
        plan.how, plan.fn = OPENBLAS, fn
        plan.head = (batch, parts, N >= M)
        plan.tail = (M, N, K, la[0], lb[0], la[1], lb[1], N, la[2], lb[2], M * N, a.itemsize,
                     a.dtype.type(1), a.dtype.type(0))
    return plan


def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None, *, rows: bool = False) -> np.ndarray:
    """``np.matmul(a, b, out=out)``, with float32/float64 GEMMs run on numba's threads.

    Shared out here: matrices (2-d), stacks of matrices with the same batch shape, and a stack
    times one matrix (a stack stored row-major is one tall GEMM). Anything else (broadcast
    batch dims, vectors, integers, empty operands, or no OpenBLAS found) is NumPy's, on one
    thread when the pool is ours; so is a GEMM too small to share (``in_parallel``). A GEMM
    shared out is cut into the same pieces during a serial spell, which only runs them on the
    calling thread alone: the result never depends on the spell. ``rows``: cut it by rows where
    that keeps each thread's block of C in its cache (``ROWS_C_BYTES``; the same bits).

    The decisions and the kernel's arguments are a ``_Plan`` made at the first call of a
    geometry (``_plan``: the shape checks, ``_layout``, ``gemm.pays``, the pieces); a later call
    of it looks the plan up (one dict lookup on a tuple of shapes and strides), asks
    ``in_parallel`` again where it was shared (a serial spell counts its loops), copies an
    operand the plan says BLAS cannot read in place, and takes the three data pointers
    (``_addresses``). 3 µs of Python a call where it was 15 (benchmarks/bench_layers.py's notes).
    """
    key = (a.dtype, a.shape, a.strides, b.dtype, b.shape, b.strides,
           None if out is None else (out.dtype, out.shape, out.strides), rows, split_threads())
    plan = _PLANS.get(key)
    if plan is None:
        plan = _plan(a, b, out, rows)
        if len(_PLANS) >= PLANS_MAX:
            _PLANS.clear()
        _PLANS[key] = plan
    elif plan.shared:
        in_parallel(plan.elements)  # True again; called for its count of a serial spell's loops
    how = plan.how
    if how == NUMPY:
        return np.matmul(a, b, out=out)
    if how == STACK_AS_ROWS:
        y = matmul(a.reshape(plan.a3), b, None if out is None else out.reshape(plan.rows_shape))
        return y.reshape(plan.out_shape) if out is None else out
    a3 = a if plan.view_a else np.ascontiguousarray(a.reshape(plan.a3))
    b3 = b if plan.view_b else np.ascontiguousarray(b.reshape(plan.b3))
    if out is None:
        out = np.empty(plan.out_shape, dtype=plan.dtype)
    pa, pb, pc = _addresses(a3, b3, out)  # C-contiguous out: its 3-d view starts where it does
    shared = plan.shared
    start = time.perf_counter()
    if how == OWN:
        _own_gemm(plan.fn, *plan.head, pa, *plan.a_args, pb, *plan.b_args, pc, *plan.tail)
    else:
        _gemm(plan.fn, *plan.head, pa, pb, pc, *plan.tail)
    if shared and not pool_off():
        region_timed(plan.region, time.perf_counter() - start, split_threads())
    return out


def numpys_at_every_thread_count(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether ``matmul(a, b)`` is ``np.matmul(a, b)`` whatever the configured thread count and
    the load: a GEMM below the grain (never shared) and below ``SERIAL_OWN_MIN`` (never ours),
    or one ``matmul`` always hands to NumPy. minitorch.compile asks it once at capture, and a
    replay then calls ``np.matmul`` itself (the same call, the same bits; ~1.5 µs of this
    function's routing less on each of the MLP's three small GEMMs)."""
    if a.dtype != b.dtype or a.ndim < 2 or b.ndim < 2 or 0 in a.shape or 0 in b.shape:
        return True
    if a.size * b.shape[-1] // GEMM_WORK_DIVISOR >= PARALLEL_GRAIN:
        return False
    return not (gemm.available(a.dtype) and a.shape[-2] * a.shape[-1] * b.shape[-1] >= SERIAL_OWN_MIN)


@njit(cache=True)
def _bias_relu_rows(y, bias, lo, hi):
    zero = y.dtype.type(0)
    for i in range(lo, hi):
        row = y[i]  # a row indexed from 0: the loop vectorises
        for j in range(bias.size):
            v = row[j] + bias[j]
            row[j] = zero if v < 0 else v


BIAS_RELU_ROWS = 16  # rows per parallel iteration


@njit(cache=True, parallel=True)
def _bias_relu(y, bias, parallel):
    blocks = -(-y.shape[0] // BIAS_RELU_ROWS)
    if parallel:
        for b in prange(blocks):
            _bias_relu_rows(y, bias, b * BIAS_RELU_ROWS, min((b + 1) * BIAS_RELU_ROWS, y.shape[0]))
    else:
        _bias_relu_rows(y, bias, 0, y.shape[0])


def bias_relu_(y: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """``y = relu(y + bias)`` in place and returned: a Linear layer's epilogue, ``bias`` (N,) added
    to every row of ``y`` (M, N), then ``0 if v < 0 else v`` (kernels/activation.py's relu: -0.0
    and NaN pass). Each sum is rounded to the dtype before the comparison, as NumPy's ``y + bias``
    followed by that relu, so the bits are theirs (minitorch.compile's ``LinearRelu`` fusion
    replays Addmm + Relu with it). Loop nest: rows (a ``prange`` over blocks of
    ``BIAS_RELU_ROWS`` from ``in_parallel(2 * size)`` on) x columns. Cost: 2 passes over ``y``
    where NumPy's add and the relu make 4 and a temporary. Other layouts and dtypes: NumPy's
    add, then kernels/activation.py's relu written back into ``y``."""
    check_shape("bias_relu_", "bias", bias.shape, y.shape[-1:])
    if (y.ndim != 2 or y.dtype != bias.dtype or y.dtype.kind != "f" or y.dtype.itemsize < 4
            or not y.flags.c_contiguous or not bias.flags.c_contiguous or not y.flags.writeable):
        from .activation import relu

        y[...] = relu(y + bias)
        return y
    _bias_relu(y, bias, in_parallel(y.size * 2))
    return y


@njit(cache=True)
def _relu_backward_bias_grad_columns(g, y, gx, gb, lo, hi):
    zero = gx.dtype.type(0)
    for i in range(g.shape[0]):
        gr, yr, xr = g[i], y[i], gx[i]
        for j in range(lo, hi):
            v = zero if yr[j] <= 0 else gr[j]
            xr[j] = v
            gb[j] += v


BIAS_GRAD_COLUMNS = 256  # columns per parallel iteration


@njit(cache=True, parallel=True)
def _relu_backward_bias_grad(g, y, gx, gb, parallel):
    n = g.shape[1]
    if parallel:
        for b in prange(-(-n // BIAS_GRAD_COLUMNS)):
            _relu_backward_bias_grad_columns(g, y, gx, gb, b * BIAS_GRAD_COLUMNS, min((b + 1) * BIAS_GRAD_COLUMNS, n))
    else:
        _relu_backward_bias_grad_columns(g, y, gx, gb, 0, n)


def relu_backward_bias_grad(g: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(gx, gb)``: relu's gradient ``gx = 0 if y <= 0 else g`` (kernels/activation.py's
    ``threshold_backward``) and its sum over the rows, ``gb[j] = sum_i gx[i, j]``, the gradient
    of the bias of the Linear layer before the relu, for (M, N) ``g`` and ``y``. The sum adds the
    rows one after the other from 0, as NumPy's ``add.reduce(gx, axis=0)`` of a row-major array
    does, so both results have the bits of those two ops (minitorch.compile's
    ``ReluBackwardBiasGrad`` fusion replays them with it). Loop nest: column blocks of
    ``BIAS_GRAD_COLUMNS`` (a ``prange`` from ``in_parallel(3 * size)`` on; each column is summed
    by one thread, in row order) x rows x columns. Cost: one pass reading g, y and writing gx,
    where the two ops read gx again. Other layouts and dtypes: those two ops."""
    check_shape("relu_backward_bias_grad", "y", y.shape, g.shape)
    if (g.ndim != 2 or g.dtype != y.dtype or g.dtype.kind != "f" or g.dtype.itemsize < 4
            or not g.flags.c_contiguous or not y.flags.c_contiguous):
        from .activation import threshold_backward

        gx = threshold_backward(g, y)
        return gx, np.add.reduce(gx, axis=0)
    gx = np.empty(g.shape, dtype=g.dtype)
    gb = np.zeros(g.shape[1], dtype=g.dtype)
    _relu_backward_bias_grad(g, y, gx, gb, in_parallel(g.size * 3))
    return gx, gb
