"""threshold_backward: ReLU's gradient as one selecting loop.

    gx[k] = 0 if y[k] <= 0 else g[k]

PyTorch's ``threshold_backward`` is a select, not ``g * (y > 0)``: a NaN or inf gradient where
the output is 0 must give 0, not NaN; and where the output is NaN (relu(NaN) is NaN) the test
``y <= 0`` fails, so the gradient passes, as in PyTorch. NumPy has the select (``np.where``, ``np.copyto(...,
where=)``), but on our float32 LeNet activations (64, 6, 28, 28) it took 1.15 ms against 0.07
for the product; this loop is a vectorised select at the product's speed.
"""

import numpy as np
from llvmlite import ir as llvm
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

from .checks import check_broadcast
from .gemm_tile import _address
from .threading import SCALAR_WORK, in_parallel


@njit(cache=True)
def _threshold_backward_block(g, y, out, b):
    zero = out.dtype.type(0)
    lo, hi = b * BLOCK, min((b + 1) * BLOCK, out.size)
    gb, yb, ob = g[lo:hi], y[lo:hi], out[lo:hi]
    for k in range(hi - lo):
        ob[k] = zero if yb[k] <= 0 else gb[k]


@njit(cache=True, parallel=True)
def _threshold_backward(g, y, out, parallel):
    blocks = -(-out.size // BLOCK)
    if parallel:
        for b in prange(blocks):
            _threshold_backward_block(g, y, out, b)
    else:
        for b in range(blocks):
            _threshold_backward_block(g, y, out, b)


def threshold_backward(g: np.ndarray, y: np.ndarray) -> np.ndarray:
    """0 where ``y <= 0``, else ``g`` (so ``g`` where ``y`` is NaN; dtype of ``g``, the two shapes
    broadcast).

    Loop nest: one loop over the elements (flat, both made contiguous) in blocks of ``BLOCK``,
    the blocks a ``prange`` from ``in_parallel(3 * size)`` on (three array passes; each element
    is computed alike whichever thread runs its block). Cost: 3 passes, memory-bound; AlexNet's
    step at 2 threads spent 2.2 ms in it serially, as at 1 thread (cProfile, 2026-12-07).
    """
    if g.shape != y.shape:  # broadcast, as torch's op does (a 0-d y with a (1,) g in double backward)
        shape = check_broadcast("threshold_backward", ("grad_output", "output"), (g, y))
        g, y = np.broadcast_to(g, shape), np.broadcast_to(y, shape)
    g, y = np.ascontiguousarray(g), np.ascontiguousarray(y)
    out = np.empty(g.shape, dtype=g.dtype)
    _threshold_backward(g.reshape(-1), y.reshape(-1), out.reshape(-1), in_parallel(g.size * 3))
    return out


@njit(cache=True)
def _relu_block(x, out, b):
    zero = out.dtype.type(0)
    lo, hi = b * BLOCK, min((b + 1) * BLOCK, out.size)
    xb, ob = x[lo:hi], out[lo:hi]
    for k in range(hi - lo):
        v = xb[k]
        ob[k] = zero if v < 0 else v


@njit(cache=True, parallel=True)
def _relu(x, out, parallel):
    blocks = -(-out.size // BLOCK)
    if parallel:
        for b in prange(blocks):
            _relu_block(x, out, b)
    else:
        for b in range(blocks):
            _relu_block(x, out, b)


def relu(x: np.ndarray) -> np.ndarray:
    """``0 if x < 0 else x``: PyTorch's relu (``clamp_min(x, 0)``), so ``relu(-0.0)`` is ``-0.0`` and
    NaN passes; ``np.maximum(x, 0)`` gives ``+0.0`` and took twice PyTorch's time on float32
    activations (benchmarks/bench_hotspots.py). One loop over a C-contiguous float32/float64
    or integer ``x`` in blocks of ``BLOCK``, the blocks a ``prange`` from ``in_parallel(2 * size)``
    on (two array passes, memory-bound; every element alike on any thread); other layouts and
    dtypes take ``np.where``."""
    if not x.flags.c_contiguous or x.dtype.kind not in "fiu" or x.dtype == np.float16:
        return np.where(x < 0, x.dtype.type(0), x)
    out = np.empty(x.shape, dtype=x.dtype)
    _relu(x.reshape(-1), out.reshape(-1), in_parallel(x.size * 2))
    return out


# ---------------------------------------------------------------------------------------------
# sigmoid and its gradient, one pass each.
#
# NumPy's ``1 / (1 + np.exp(-x))`` is four passes over the array (negate, exp, add, divide) with
# a temporary each; PyTorch's is one vectorised loop. numba compiles ``np.exp`` in a loop to a
# call of the C library's expf per number (no SVML here: 840 µs on LeNet's (64, 6, 28, 28)
# against NumPy's 350), so the float32 forward is an @intrinsic on 16-number vectors with its own
# exp (Cephes' expf, as SLEEF and the vector libraries write it): z = -x clamped to
# [EXP_LO, EXP_HI], n = floor(z*log2(e) + 1/2), r = z - n*ln(2) (in two parts, so r is exact),
# exp(z) = 2^n * p(r) with p the degree-6 polynomial of expf (relative error ~1e-7) and 2^n
# written into the exponent bits; then 1 / (1 + exp(z)). NaN passes through (the clamp's
# comparisons are false for it); x < -EXP_HI gives 0 (PyTorch: 0 from -89 on, a denormal
# just before), x > -EXP_LO gives exactly 1. Against torch.sigmoid on float32 normal data:
# at most 2.7e-7 relative (2 ulp).

EXP_HI = 88.3762626647949  # exp(EXP_HI) < FLT_MAX, and 2^n stays a normal float
EXP_LO = -87.3365478515625  # exp(EXP_LO) is FLT_MIN; below it 1 / (1 + exp) rounds to 1 anyway
_EXP_POLY = (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2,
             1.6666665459e-1, 5.0000001201e-1)  # Cephes expf: p(r) = 1 + r + r^2 (...)
_VW = 16  # float32 numbers per vector (AVX-512; a narrower CPU splits it in LLVM)


@intrinsic
def _sigmoid16(typingctx, src, dst):
    """dst[0:16] = 1 / (1 + exp(-src[0:16])), float32, with the exp described above."""
    def codegen(context, builder, sig, args):
        src, dst = args
        f32 = llvm.FloatType()
        vec = llvm.VectorType(f32, _VW)
        ivec = llvm.VectorType(llvm.IntType(32), _VW)

        def const(v):
            return llvm.Constant(vec, [float(v)] * _VW)

        def call(name, *values):
            fn = cgutils.get_or_insert_function(
                builder.module, llvm.FunctionType(vec, [vec] * len(values)), f"llvm.{name}.v{_VW}f32")
            return builder.call(fn, list(values))

        x = builder.load(builder.bitcast(src, vec.as_pointer()), align=4)
        z = builder.fneg(x)
        tiny = builder.fcmp_ordered(">", z, const(EXP_HI))  # sigmoid(x) below FLT_MIN: 0
        z = builder.select(tiny, const(EXP_HI), z)
        z = builder.select(builder.fcmp_ordered("<", z, const(EXP_LO)), const(EXP_LO), z)
        n = call("floor", call("fma", z, const(1.44269504088896341), const(0.5)))
        r = call("fma", n, const(-0.693359375), z)
        r = call("fma", n, const(2.12194440e-4), r)
        p = const(_EXP_POLY[0])
        for c in _EXP_POLY[1:]:
            p = call("fma", p, r, const(c))
        p = call("fma", p, builder.fmul(r, r), builder.fadd(r, const(1.0)))
        bits = builder.shl(builder.add(builder.fptosi(n, ivec), llvm.Constant(ivec, [127] * _VW)),
                           llvm.Constant(ivec, [23] * _VW))
        e = builder.fmul(p, builder.bitcast(bits, vec))
        y = builder.select(tiny, const(0.0), builder.fdiv(const(1.0), builder.fadd(const(1.0), e)))
        builder.store(y, builder.bitcast(dst, vec.as_pointer()), align=4)
        return context.get_dummy_value()

    return types.void(src, dst), codegen


BLOCK = 4096  # numbers per parallel iteration of the one-pass loops
# Each op writes out its own ``if parallel: prange(blocks) else: range(blocks)`` around a
# per-block function, as kernels/pool.py does around a per-plane one. A shared helper would be
# shorter, but numba does not cache it: a jitted loop that takes the block function as an
# argument, and one made per op by a factory (a closure), are both compiled again in every new
# process (numba 0.68.1, 2026-12-07: on a second run cache_hits 0, cache_misses 1; threading.py
# says the same of the first).


@njit(cache=True)
def _sigmoid_block(x, out, b):
    """out = sigmoid(x) for block b (BLOCK numbers, or the rest); the array's last partial
    vector through one padded vector, with the same arithmetic."""
    lo = b * BLOCK
    hi = min(lo + BLOCK, x.size)
    full = lo + (hi - lo) // _VW * _VW
    for k in range(lo, full, _VW):
        _sigmoid16(_address(x, k), _address(out, k))
    if full < hi:
        buf = np.zeros(_VW, dtype=np.float32)
        for k in range(full, hi):
            buf[k - full] = x[k]
        _sigmoid16(_address(buf, 0), _address(buf, 0))
        for k in range(full, hi):
            out[k] = buf[k - full]


@njit(cache=True, parallel=True)
def _sigmoid_f32(x, out, parallel):
    blocks = -(-x.size // BLOCK)
    if parallel:
        for b in prange(blocks):
            _sigmoid_block(x, out, b)
    else:
        for b in range(blocks):
            _sigmoid_block(x, out, b)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-x))`` (torch.sigmoid). A C-contiguous float32 array: one pass of 16-number
    vectors with the exp above, in blocks of BLOCK numbers (prange if big: every number is
    computed alike whichever thread runs its block). LeNet's conv1 activation (64, 6, 28, 28),
    ``bench_conv_shapes.py --lenet-ops --threads 1``, load 4.4, µs ours / NumPy's expression /
    torch: 130 / 340 / 167. Anything else: NumPy's expression, which for float64
    overflows exp to inf for x < -709 and still gives the right 0."""
    if x.dtype != np.float32 or not x.flags.c_contiguous:
        with np.errstate(over="ignore"):  # exp(-x) = inf is the intended route to 0
            return 1 / (1 + np.exp(-x))
    out = np.empty(x.shape, dtype=np.float32)
    _sigmoid_f32(x.reshape(-1), out.reshape(-1), in_parallel(x.size * SCALAR_WORK))
    return out


@njit(cache=True)
def _sigmoid_backward_block(g, y, out, b):
    one = out.dtype.type(1)
    lo, hi = b * BLOCK, min((b + 1) * BLOCK, out.size)
    gb, yb, ob = g[lo:hi], y[lo:hi], out[lo:hi]  # views indexed from 0: the loop vectorises
    for k in range(hi - lo):
        ob[k] = gb[k] * (one - yb[k]) * yb[k]


@njit(cache=True, parallel=True)
def _sigmoid_backward(g, y, out, parallel):
    blocks = -(-out.size // BLOCK)
    if parallel:
        for b in prange(blocks):
            _sigmoid_backward_block(g, y, out, b)
    else:
        for b in range(blocks):
            _sigmoid_backward_block(g, y, out, b)


def sigmoid_backward(g: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``g * (1 - y) * y``, sigmoid's gradient from its result, in PyTorch's ``sigmoid_backward``
    order. Same shape and float dtype, both made C-contiguous: one vectorised loop in blocks
    (prange if big; three NumPy passes with two temporaries before: LeNet's conv1 activation, 1
    thread, load 4.4, 153 against 233 µs, torch 192). Otherwise (broadcasting, mixed dtypes, as in a
    double backward) NumPy's expression, whose result type rules are the ones the op relies on."""
    if g.shape != y.shape or g.dtype != y.dtype or g.dtype not in (np.float32, np.float64):
        return g * (1 - y) * y
    g, y = np.ascontiguousarray(g), np.ascontiguousarray(y)
    out = np.empty(g.shape, dtype=g.dtype)
    _sigmoid_backward(g.reshape(-1), y.reshape(-1), out.reshape(-1), in_parallel(g.size * 2))
    return out
