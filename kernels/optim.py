"""Fused optimizer updates: Adam's whole rule in one pass over a parameter, and SGD's ``p += alpha * g``.

Written as Tensor ops (minitorch/optim/adam.py's docstring), one Adam step of one parameter
is eight whole-array operations (lerp, mul, addcmul, sqrt, div, add, div, add) and as many
trips through minitorch's dispatch: for LeNet's ten small parameters that Python overhead,
not the arithmetic, was ~10% of a training step. Here the rule is one loop: every element
is read once and written once, with no temporaries (torch's ``fused=True`` Adam does the same
on its side). benchmarks/bench_lenet_epoch.py and docs/optim.md have the measurement.

The arithmetic is torch's single-tensor Adam (``torch/optim/adam.py``, ``_single_tensor_adam``)
operation for operation, in the parameter's dtype (the scalars are cast to it, as torch casts
a Python scalar to a float32 tensor's dtype), so float64 trajectories agree with torch.optim to
rounding (~1e-13 over 100 steps in parity_tests/test_optim.py).
"""

import numpy as np
from numba import njit, prange

from .checks import check_dtype, check_same_shape
from .threading import in_parallel


@njit(cache=True)
def _adam(p, g, m, v, v_max, lerp_weight, one_minus_lerp_weight, beta2, one_minus_beta2, step_size,
          bias_correction2_sqrt, eps, amsgrad):
    small = lerp_weight < 0.5
    for i in range(p.size):
        gi = g[i]
        # m.lerp_(g, 1 - beta1), with torch's two formulas (exact at both ends of the weight)
        if small:
            m[i] = m[i] + lerp_weight * (gi - m[i])
        else:
            m[i] = gi - (gi - m[i]) * one_minus_lerp_weight
        # v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
        v[i] = v[i] * beta2 + one_minus_beta2 * gi * gi
        second = v[i]
        if amsgrad:  # torch.maximum(v_max, v, out=v_max), which propagates NaN
            if second > v_max[i] or np.isnan(second):
                v_max[i] = second
            second = v_max[i]
        # p.addcdiv_(m, v.sqrt() / sqrt(1 - beta2^t) + eps, value=-step_size)
        p[i] = p[i] + (-step_size) * (m[i] / (np.sqrt(second) / bias_correction2_sqrt + eps))


def adam_step(param: np.ndarray, grad: np.ndarray, exp_avg: np.ndarray, exp_avg_sq: np.ndarray,
              max_exp_avg_sq: np.ndarray | None, beta1: float, beta2: float, step_size: float,
              bias_correction2_sqrt: float, eps: float) -> None:
    """One Adam update of ``param``, ``exp_avg``, ``exp_avg_sq`` (and ``max_exp_avg_sq``) in place.

    Math (per element, t the step, lr / (1 - beta1^t) = step_size):
        m = m + (1 - beta1) * (g - m)
        v = beta2 * v + (1 - beta2) * g * g
        v_max = max(v_max, v)                        (amsgrad; v_max replaces v below)
        p = p - step_size * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    Loop nest: one serial loop over the elements (no prange: the parameters of the models we
    train are small, and a parallel region costs more than it saves below ~1M elements).
    Cost: ~12 flops and 5 (amsgrad: 6) arrays read or written per element, once.
    Arrays that are not C-contiguous are processed through contiguous copies written back.
    """
    # The loop indexes every array with the parameter's flat index: a state of another size
    # (loaded from another model, or kept after ``p.data`` was replaced) would be read past its end.
    names = ("param", "grad", "exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    given = [(n, a) for n, a in zip(names, (param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq)) if a is not None]
    check_same_shape("adam_step", [n for n, _ in given], [a for _, a in given])
    for name, a in given:
        if name != "grad":  # written in place, in the parameter's dtype
            check_dtype("adam_step", name, a, "f", "floating")
    dtype = param.dtype.type
    arrays = [param, exp_avg, exp_avg_sq] + ([max_exp_avg_sq] if max_exp_avg_sq is not None else [])
    flat = [a.reshape(-1) if a.flags.c_contiguous else np.ascontiguousarray(a).reshape(-1) for a in arrays]
    g = np.ascontiguousarray(grad, dtype=param.dtype).reshape(-1)
    v_max = flat[3] if max_exp_avg_sq is not None else flat[2]
    weight = dtype(1 - beta1)
    _adam(flat[0], g, flat[1], flat[2], v_max, weight, dtype(1) - weight, dtype(beta2), dtype(1 - beta2),
          dtype(step_size), dtype(bias_correction2_sqrt), dtype(eps), max_exp_avg_sq is not None)
    for a, f in zip(arrays, flat):
        if not a.flags.c_contiguous:  # the loop ran on a copy: write it back
            a[...] = f.reshape(a.shape)


ADD_SCALED_BLOCK = 4096  # elements per parallel iteration


@njit(cache=True)
def _add_scaled_block(p, g, alpha, b):
    lo, hi = b * ADD_SCALED_BLOCK, min((b + 1) * ADD_SCALED_BLOCK, p.size)
    pb, gb = p[lo:hi], g[lo:hi]  # views indexed from 0: the loop vectorises
    for i in range(hi - lo):
        pb[i] = pb[i] + gb[i] * alpha


@njit(cache=True, parallel=True)
def _add_scaled(p, g, alpha, parallel):
    blocks = -(-p.size // ADD_SCALED_BLOCK)
    if parallel:
        for b in prange(blocks):
            _add_scaled_block(p, g, alpha, b)
    else:
        for b in range(blocks):
            _add_scaled_block(p, g, alpha, b)


ADD_SCALED_MIN = 8192  # elements; below, NumPy's two calls cost as much or less (64x64: 1.9-2.6 us either way)


def add_scaled(param: np.ndarray, grad: np.ndarray, alpha: float) -> None:
    """``param += alpha * grad`` in place (``Tensor.add_(grad, alpha=alpha)``; SGD's update).

    Math: p = p + (g * alpha), the product rounded to the dtype first, as NumPy's
    ``np.add(p, np.multiply(g, alpha), out=p)`` (no fused multiply-add: numba does not contract
    without fastmath), so both give the same bits (parity_tests/test_compile.py checks it).
    Loop nest: one loop over the elements of two C-contiguous arrays of one dtype, in blocks of
    ``ADD_SCALED_BLOCK``, the blocks a ``prange`` from ``in_parallel(3 * size)`` on (each element
    is computed alike whichever thread runs its block, so the bits never depend on the split).
    Cost: 2 flops and 3 array passes (read p, g, write p) per element, no temporary: NumPy's two
    calls make 5 passes and a temporary (256x784 float32: 29 us here against 65 us). Serial, it
    was 10.6 ms of AlexNet's 2-thread step (its 4096x4096 Linear layers) as of its 1-thread one.
    Other layouts, dtypes and arrays under ``ADD_SCALED_MIN`` elements take NumPy's two calls.
    """
    check_same_shape("add_scaled", ["param", "grad"], [param, grad])
    check_dtype("add_scaled", "param", param, "f", "floating")
    if (param.size < ADD_SCALED_MIN or grad.dtype != param.dtype or not param.flags.c_contiguous
            or not grad.flags.c_contiguous or not param.flags.writeable):
        np.add(param, np.multiply(grad, alpha), out=param)
        return
    _add_scaled(param.reshape(-1), grad.reshape(-1), param.dtype.type(alpha), in_parallel(param.size * 3))


@njit(cache=True)
def _add_scaled_each(ps, gs, alpha):
    for k in range(len(ps)):
        p, g = ps[k], gs[k]
        for i in range(p.size):
            p[i] = p[i] + g[i] * alpha


def add_scaled_all(params: tuple, grads: tuple, alpha: float) -> None:
    """``p += alpha * g`` for every pair of ``params`` and ``grads`` (SGD's update of a whole
    parameter group; minitorch.compile's ``descend_all``), in at most one call per big array and
    one call for all the small ones.

    Math: p = p + (g * alpha) per element, the product rounded to the dtype first: the bits of
    ``add_scaled`` and of NumPy's two calls, for every size. Loop nest: each array of
    ``ADD_SCALED_MIN`` elements or more is ``add_scaled``'s loop (its blocks a ``prange`` from
    ``in_parallel``); the smaller ones are one serial loop over the arrays x their elements, one
    call where each cost NumPy's two calls and a temporary. Cost: 2 flops and 3 array passes
    per element. (One loop over the blocks of all the arrays, a ``prange`` over them all, was
    ~15% slower on the MLP's 256x784 weight at one thread: the arrays picked from a tuple by a
    run-time index did not vectorise as well.) Pairs of other layouts or dtypes are updated one
    by one as ``add_scaled`` does.
    """
    if len(params) != len(grads):
        raise RuntimeError(f"add_scaled_all: {len(params)} params but {len(grads)} grads")
    for p, g in zip(params, grads):
        check_same_shape("add_scaled_all", ["param", "grad"], [p, g])
        check_dtype("add_scaled_all", "param", p, "f", "floating")
    small_p, small_g = [], []
    dtype = params[0].dtype if params else None
    for p, g in zip(params, grads):
        if (p.size < ADD_SCALED_MIN and p.dtype == dtype and g.dtype == dtype and p.flags.c_contiguous
                and g.flags.c_contiguous and p.flags.writeable):
            small_p.append(p.reshape(-1))
            small_g.append(g.reshape(-1))
        else:
            add_scaled(p, g, alpha)
    if small_p:
        _add_scaled_each(tuple(small_p), tuple(small_g), dtype.type(alpha))


@njit(cache=True)
def add_scaled_each_into(ps, gs, alpha) -> bool:
    """``p += alpha * g`` for each pair of the tuples ``ps``, ``gs`` of 1-d arrays of one dtype, with
    ``add_scaled``'s rounding (the bits of NumPy's two calls), for a caller that made its flat
    views once (minitorch.compile's SGD step: the parameters are the same arrays every replay).
    The sizes are checked here first: False, nothing written, if a pair differs, else True.
    Loop nest: pairs x elements, serial. Cost: 2 flops and 3 array passes per element."""
    for k in range(len(ps)):
        if ps[k].size != gs[k].size:
            return False
    for k in range(len(ps)):
        p, g = ps[k], gs[k]
        for i in range(p.size):
            p[i] = p[i] + g[i] * alpha
    return True


def add_scaled_into(p: np.ndarray, g: np.ndarray, alpha) -> bool:
    """``add_scaled``'s loop on 1-d arrays ``p`` (C-contiguous, writable) and ``g`` of one float
    dtype, ``alpha`` a scalar of that dtype, without its checks of layout and dtype (the caller's,
    made once: minitorch.compile's SGD step); the sizes are checked here: False, nothing written,
    if they differ, else True. Loop nest and threads: ``add_scaled``'s (blocks of
    ``ADD_SCALED_BLOCK``, a ``prange`` from ``in_parallel(3 * size)`` on)."""
    if p.size != g.size or p.ndim != 1 or g.ndim != 1:
        return False
    _add_scaled(p, g, alpha, in_parallel(p.size * 3))
    return True
