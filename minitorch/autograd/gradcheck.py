"""``gradcheck`` / ``gradgradcheck``: compare backward with finite differences.

For every differentiable input ``x_i`` and output ``y_o`` two Jacobians are built:

- numerical, one *column* per input element ``j`` (central differences):
  ``J_num[:, j] = (f(x + eps e_j) - f(x - eps e_j)) / (2 eps)``;
- analytical, one *row* per output element ``k``, by back-propagating the
  one-hot gradient ``e_k``: ``J_an[k, :] = e_k^T J``;

and they must agree: ``|J_an - J_num| <= atol + rtol |J_num|``. The cost is
two forward calls per input element plus one backward per output element, so
use small inputs, in float64 (``eps = 1e-6`` is below float32's resolution).

``fast_mode=True`` compares a single random projection ``u^T J v`` instead
(one directional difference, one backward), and on a mismatch recomputes the
full Jacobians for the message. ``gradgradcheck`` runs ``gradcheck`` on the
function ``(inputs, v) -> v^T J`` built with ``create_graph=True``.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..backends import backend_of
from . import _fill, function

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when the analytical and numerical gradients disagree."""


def _as_tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _is_tensor(x) -> bool:
    return isinstance(x, function._tensor_class)  # (Tensor registers itself there: no import of a higher layer)


def _differentiable_outputs(outputs) -> list:
    return [o for o in outputs if _is_tensor(o) and o.requires_grad]


def _values(outputs) -> list:
    """Each output's values as a flat float64 NumPy array (non-tensors give empty arrays)."""
    return [
        o.detach()._to_numpy().astype(np.float64).reshape(-1) if _is_tensor(o) and o.is_floating_point()
        else np.zeros(0)
        for o in outputs
    ]


def _check_inputs(inputs, diff_idx) -> None:
    for i in diff_idx:
        x = inputs[i]
        if x.dtype.name != "float64":
            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating point or complex. "
                "This check will likely fail if all the inputs are not of double precision floating point or "
                "complex. ",
                UserWarning,
                stacklevel=3,
            )
        if any(st == 0 and n > 1 for n, st in zip(x.shape, x.stride())):
            raise RuntimeError(
                f"The {i}th input has a dimension with stride 0. gradcheck only supports inputs that are "
                "non-overlapping to be able to compute the numerical gradients correctly. You should call "
                ".contiguous on the input before passing it to gradcheck."
            )


def _numerical_jacobians(func, inputs, diff_idx, eps) -> list[list[np.ndarray]]:
    """``J[i][o]``: (numel of output o) x (numel of input i), by central differences.

    Each input element is perturbed in place in the input's own memory (no
    version bump). ``func`` runs in grad mode: for ``gradgradcheck`` it calls
    ``autograd.grad`` itself.
    """
    outputs = _values(_as_tuple(func(*inputs)))
    jac = []
    for i in diff_idx:
        arr = inputs[i]._data
        cols = []
        for idx in np.ndindex(arr.shape):
            orig = arr[idx].item()
            arr[idx] = orig + eps
            plus = _values(_as_tuple(func(*inputs)))
            arr[idx] = orig - eps
            minus = _values(_as_tuple(func(*inputs)))
            arr[idx] = orig
            cols.append([(p - m) / (2 * eps) for p, m in zip(plus, minus)])
        jac.append([
            np.stack([c[o] for c in cols], axis=1) if cols else np.zeros((out.size, 0))
            for o, out in enumerate(outputs)
        ])
    return jac


def _analytical_jacobians(func, inputs, diff_idx) -> list[list[np.ndarray]]:
    """``J[i][o]`` built row by row: back-propagate the one-hot ``e_k`` of each output element."""
    from . import grad as autograd_grad

    outputs = _as_tuple(func(*inputs))
    xs = [inputs[i] for i in diff_idx]
    jac = [[np.zeros((_numel(o), x.numel())) for o in outputs] for x in xs]
    for o, out in enumerate(outputs):
        if not (_is_tensor(out) and out.requires_grad):
            continue
        for k in range(out.numel()):
            onehot = _fill.zeros(out.numel(), dtype=out.dtype, device=out.device).reshape(out.shape)
            onehot._data.reshape(-1)[k] = 1
            grads = autograd_grad(out, xs, grad_outputs=onehot, retain_graph=True, allow_unused=True)
            for i, g in enumerate(grads):
                if g is not None:
                    _check_grad_meta(g, xs[i], i)
                    jac[i][o][k] = g.detach()._to_numpy().astype(np.float64).reshape(-1)
    return jac


def _numel(o) -> int:
    return o.numel() if _is_tensor(o) and o.is_floating_point() else 0


def _check_grad_meta(g, x, i) -> None:
    if tuple(g.shape) != tuple(x.shape):
        raise GradcheckError(f"Gradient has incorrect size: got {list(g.shape)} for input {i} of size {list(x.shape)}")


def _fail(msg: str, raise_exception: bool) -> bool:
    if raise_exception:
        raise GradcheckError(msg)
    return False


def _fmt(a: np.ndarray, dtype) -> str:
    return repr(_fill.tensor(a, dtype=dtype))


def _slow_check(func, inputs, diff_idx, eps, atol, rtol, raise_exception) -> bool:
    numerical = _numerical_jacobians(func, inputs, diff_idx, eps)
    analytical = _analytical_jacobians(func, inputs, diff_idx)
    for ii, i in enumerate(diff_idx):
        for o, (a, n) in enumerate(zip(analytical[ii], numerical[ii])):
            if a.shape != n.shape or not np.allclose(a, n, rtol=rtol, atol=atol):
                dt = inputs[i].dtype
                return _fail(
                    f"Jacobian mismatch for output {o} with respect to input {i},\n"
                    f"numerical:{_fmt(n, dt)}\nanalytical:{_fmt(a, dt)}\n",
                    raise_exception,
                )
    return True


def _fast_check(func, inputs, diff_idx, eps, atol, rtol, raise_exception) -> bool:
    """Compare ``u^T J v`` for random ``u`` (outputs) and ``v`` (inputs)."""
    from . import grad as autograd_grad

    rng = np.random.default_rng(0)
    vs = [rng.standard_normal(inputs[i].shape) for i in diff_idx]
    outputs = _as_tuple(func(*inputs))
    us = [rng.standard_normal(tuple(o.shape)) if _numel(o) else None for o in outputs]
    def shifted(sign):
        saved = [backend_of(inputs[i]._data).copy(inputs[i]._data) for i in diff_idx]
        for i, v in zip(diff_idx, vs):
            inputs[i]._data += sign * eps * backend_of(inputs[i]._data).from_numpy(v.astype(inputs[i].dtype.np))
        vals = _values(_as_tuple(func(*inputs)))
        for i, orig in zip(diff_idx, saved):
            inputs[i]._data[...] = orig
        return vals

    plus, minus = shifted(1), shifted(-1)
    xs = [inputs[i] for i in diff_idx]
    for o, out in enumerate(outputs):
        u = us[o]
        if u is None:
            continue
        numerical = float(((plus[o] - minus[o]) / (2 * eps)) @ u.reshape(-1))
        analytical = 0.0
        if out.requires_grad:
            grads = autograd_grad(out, xs, grad_outputs=_fill.tensor(u, dtype=out.dtype, device=out.device), retain_graph=True,
                                  allow_unused=True)
            analytical = sum(float((g.detach()._to_numpy() * v).sum()) for g, v in zip(grads, vs) if g is not None)
        if not np.isclose(analytical, numerical, rtol=rtol, atol=atol):
            msg = (f"Jacobian mismatch for output {o} with respect to input {diff_idx[0]},\n"
                   f"numerical:{numerical}\nanalytical:{analytical}\n\n"
                   "The above quantities relating the numerical and analytical jacobians are computed \n"
                   "in fast mode. Below, we recompute numerical and analytical jacobians in slow mode:\n\n")
            try:
                _slow_check(func, inputs, diff_idx, eps, atol, rtol, True)
            except GradcheckError as slow:
                msg += str(slow)
            return _fail(msg, raise_exception)
    return True


def _check_reentrant(func, inputs, diff_idx, nondet_tol, raise_exception) -> bool:
    """Backward run twice on the same graph must give the same result (within ``nondet_tol``)."""
    from . import grad as autograd_grad

    outs = _differentiable_outputs(_as_tuple(func(*inputs)))
    xs = [inputs[i] for i in diff_idx]
    for out in outs:
        g1 = autograd_grad(out, xs, _fill.ones_like(out), retain_graph=True, allow_unused=True)
        g2 = autograd_grad(out, xs, _fill.ones_like(out), retain_graph=True, allow_unused=True)
        for a, b in zip(g1, g2):
            if (a is None) != (b is None) or (
                a is not None and np.abs(a._to_numpy() - b._to_numpy()).max(initial=0) > nondet_tol
            ):
                return _fail(
                    "Backward is not reentrant, i.e., running backward with same input and grad_output "
                    "multiple times gives different values, although analytical gradient matches numerical "
                    f"gradient.The tolerance for nondeterminism was {nondet_tol}.",
                    raise_exception,
                )
    return True


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
              check_grad_dtypes: bool = False, check_batched_grad: bool = False,
              check_batched_forward_grad: bool = False, check_forward_ad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False, masked=None) -> bool:
    """True when ``func``'s backward matches central finite differences (``torch.autograd.gradcheck``).

    Raises ``GradcheckError`` naming the first (output, input) pair whose
    Jacobians differ, or returns False with ``raise_exception=False``.
    Forward-mode and batched checks are not implemented (those flags must stay False).
    """
    if check_forward_ad or check_batched_grad or check_batched_forward_grad:
        raise NotImplementedError("minitorch's gradcheck checks backward mode only")
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if _is_tensor(x) and x.requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them have "
                         "requires_grad=True.")
    _check_inputs(inputs, diff_idx)
    if not check_backward_ad:
        return True
    if not _differentiable_outputs(_as_tuple(func(*inputs))):
        return _fail("gradcheck expects at least one output tensor to require gradient", raise_exception) \
            if any(_numel(o) for o in _as_tuple(func(*inputs))) else True
    check = _fast_check if fast_mode else _slow_check
    if not check(func, inputs, diff_idx, eps, atol, rtol, raise_exception):
        return False
    return _check_reentrant(func, inputs, diff_idx, nondet_tol, raise_exception)


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False, raise_exception: bool = True,
                  nondet_tol: float = 0.0, check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False, masked: bool = False) -> bool:
    """Second derivatives: ``gradcheck`` of ``(inputs, v) -> v^T J`` (``torch.autograd.gradgradcheck``).

    ``grad_outputs`` (the ``v``) default to random float64 tensors shaped like
    the outputs; they are inputs of the checked function too, since ``v^T J``
    is linear in ``v``.
    """
    from . import grad as autograd_grad

    inputs = _as_tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if _is_tensor(x) and x.requires_grad]
    outputs = _differentiable_outputs(_as_tuple(func(*inputs)))
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        # an empty output's ``v`` is made with row-major strides, as torch's (NumPy gives an empty array
        # zero strides, which the input check would take for overlapping memory)
        grad_outputs = [_fill.tensor(rng.standard_normal(tuple(o.shape)), dtype=o.dtype, device=o.device, requires_grad=True)
                        if o.numel() else _fill.zeros(tuple(o.shape), dtype=o.dtype, device=o.device).requires_grad_()
                        for o in outputs]
    grad_outputs = list(_as_tuple(grad_outputs))
    n = len(inputs)

    def first_derivatives(*args):
        ins, vs = args[:n], args[n:]
        outs = _differentiable_outputs(_as_tuple(func(*ins)))
        xs = [ins[i] for i in diff_idx]
        grads = autograd_grad(outs, xs, vs, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol, fast_mode=fast_mode)
