"""The named matrix products (``mm``, ``bmm``, ``mv``, ``dot``, ``addmm``...) and ``einsum``.

The fixed-rank products are ``matmul`` (``_ops/linalg/matmul.py``) with PyTorch's stricter
argument checks. The primitives here exist for their PyTorch node names: ``Dot``
(``DotBackward0``), and the fused ``add*`` products, one formula, ``Addmm``, recorded under each op's
name (``Addmm.named("AddmvBackward0")`` ...):
y = beta * input + alpha * (a @ b);  dinput = beta * g,  da = alpha * g @ b^T,  db = alpha * a^T @ g.

``einsum`` is a primitive whose backward is again an ``einsum``: the gradient
of operand i contracts ``g`` with all the other operands into operand i's
subscripts (see ``Einsum``). ``tensordot``, ``inner`` and ``kron`` are built on it or on ``mul``.
"""

from __future__ import annotations

import string

from ..._core.args import _as_int
from ..._core.strides import expand_geometry
from ..._tensor.tensor import Tensor
from ...autograd.function import Primitive
from ...backends import backend_of
from .._out import _legacy, finish
from .._tensor_args import tensor_args
from ..shape.views import expand, reshape
from .matmul import (
    BatchedMatMul,
    MatMul,
    check_not_bool,
    check_same_dtype,
    column_major,
    grad_a,
    grad_b,
    matmul,
)


# ----------------------------------------------------------------------------- mm, bmm, mv, dot
@tensor_args("input", "mat2")
def mm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    """Matrix product of two 2-d tensors (no broadcasting, no promotion)."""
    if input.dim() != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.dim() != 2:
        raise RuntimeError("mat2 must be a matrix")
    _check_mm(input, mat2)
    check_not_bool(input, "addmm_impl_cpu_", out)
    return finish(MatMul.apply(input, mat2), out, same_dtype=True)


def _check_mm(m1: Tensor, m2: Tensor) -> None:
    if m1.shape[-1] != m2.shape[-2]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({m1.shape[-2]}x{m1.shape[-1]} and "
            f"{m2.shape[-2]}x{m2.shape[-1]})"
        )
    check_same_dtype(m1, m2)


def _batch2_size2(b2: Tensor) -> None:
    """baddbmm/addbmm read ``batch2.size(2)`` for the result's shape first: IndexError for fewer dims."""
    if b2.dim() < 3:
        n = max(b2.dim(), 1)
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got 2)")


def _check_bmm(b1: Tensor, b2: Tensor) -> None:
    if b1.dim() != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b2.dim() != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if (b2.shape[0], b2.shape[1]) != (b1.shape[0], b1.shape[2]):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{b1.shape[0]}, {b1.shape[2]}] "
            f"but got: [{b2.shape[0]}, {b2.shape[1]}]."
        )
    _check_scalar_type(b1, b2)


def _check_scalar_type(a: Tensor, b: Tensor) -> None:
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected scalar type {_legacy(a.dtype)} but found {_legacy(b.dtype)}")


@tensor_args("input", "mat2")
def bmm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    """Batched matrix product of 3-d tensors with equal batch sizes (no broadcasting)."""
    _check_bmm(input, mat2)
    check_not_bool(input, "bmm", out)
    return finish(BatchedMatMul.apply(input, mat2), out, same_dtype=True)


def _check_mv(mat: Tensor, vec: Tensor, input_dim: int = 1, input_size: int | None = None) -> None:
    if mat.dim() != 2 or vec.dim() != 1 or input_dim > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input_dim}, {mat.dim()}, {vec.dim()}")
    size = mat.shape[0] if input_size is None else input_size
    if mat.shape[1] != vec.shape[0] or size not in (1, mat.shape[0]):
        raise RuntimeError(
            f"size mismatch, got input ({size}), mat ({mat.shape[0]}x{mat.shape[1]}), vec ({vec.shape[0]})"
        )


@tensor_args("input", "vec")
def mv(input: Tensor, vec: Tensor, *, out=None) -> Tensor:
    """Matrix-vector product: y_i = sum_j A_ij v_j."""
    if input.dim() == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    _check_mv(input, vec)
    if input.dtype is not vec.dtype:
        names = (_legacy(vec.dtype), _legacy(input.dtype), _legacy(vec.dtype))
        raise RuntimeError("addmv input tensors must have the same dtype, but got {}, {}, and {}".format(*names))
    check_not_bool(input, "addmv_impl_cpu", out)
    return finish(matmul(input, vec), out, same_dtype=True)


class Dot(Primitive):
    """y = sum_i a_i b_i;  da = g * b,  db = g * a."""

    node_name = "DotBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(b if ctx.needs_input_grad[0] else None, a if ctx.needs_input_grad[1] else None)
        xp = backend_of(a)
        # integers sum in their own dtype, as PyTorch (NumPy would widen int32 to int64, uint8 to uint64)
        dt = a.dtype  # a NumPy dtype on the CPU backend, a torch dtype on CUDA
        integer = dt.kind in "iu" if hasattr(dt, "kind") else not dt.is_floating_point
        return xp.asarray(xp.sum(a * b, dtype=dt if integer else None))

    @staticmethod
    def backward(ctx, g):
        b, a = ctx.saved_tensors
        return (g * b if b is not None else None), (g * a if a is not None else None)


@tensor_args("input", "tensor")
def dot(input: Tensor, tensor: Tensor, *, out=None) -> Tensor:
    """Inner product of two 1-d tensors of the same size and dtype."""
    if input.dim() != 1 or tensor.dim() != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.dim()}D and {tensor.dim()}D tensors")
    if input.dtype is not tensor.dtype:
        raise RuntimeError(
            "dot : expected both vectors to have same dtype, but found "
            f"{_legacy(input.dtype)} and {_legacy(tensor.dtype)}"
        )
    if input.shape[0] != tensor.shape[0]:
        n, m = input.shape[0], tensor.shape[0]
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same number of elements, "
            f"but got {n} and {m} elements respectively"
        )
    check_not_bool(input, "dot", out)
    return finish(Dot.apply(input, tensor), out, same_dtype=True)


@tensor_args("input", "other")
def vdot(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """``dot`` with the first argument conjugated; the same as ``dot`` for real tensors."""
    return dot(input, other, out=out)


@tensor_args("input", "vec2")
def outer(input: Tensor, vec2: Tensor, *, out=None) -> Tensor:
    """y_ij = a_i b_j (a broadcast ``mul``, so dtypes promote)."""
    for name, v in (("self", input), ("vec2", vec2)):
        if v.dim() != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {v.dim()}-D")
    return finish(reshape(input, (-1, 1)) * vec2, out)


ger = outer


@tensor_args("input", "other")
def inner(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Sum over the last dims: y[i.., j..] = sum_k a[i.., k] b[j.., k]; a 0-d operand multiplies."""
    if input.dim() == 0 or other.dim() == 0:
        return finish(input * other, out)
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(
            "inner() the last dimension must match on both input tensors but got shapes "
            f"{list(input.shape)} and {list(other.shape)}"
        )
    if input.dtype is not other.dtype:
        raise RuntimeError("both inputs should have same dtype")
    return finish(tensordot(input, other, ([-1], [-1])), out, same_dtype=True)


# ----------------------------------------------------------------------------- fused add + product
class Addmm(Primitive):
    """y = beta * input + alpha * (a @ b);  dinput = beta * g,  da = alpha * g @ b^T,  db = alpha * a^T @ g.

    ``input`` broadcasts (the engine sums its gradient back). With ``beta == 0``
    ``input`` is ignored, so NaN/inf in it do not propagate (PyTorch's rule).
    """

    node_name = "AddmmBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, input, a, b, beta, alpha):
        ctx.beta, ctx.alpha = beta, alpha
        needs = ctx.needs_input_grad
        ctx.save_for_backward(a if needs[2] else None, b if needs[1] else None)
        ctx.column_major = (needs[1] and column_major(a), needs[2] and column_major(b))  # see MatMul
        xp = backend_of(a)
        y = xp.matmul(a, b)
        if alpha != 1:
            y = y * alpha
        if beta != 0:
            y = y + (input if beta == 1 else beta * input)
        return xp.astype(y, a.dtype) if y.dtype != a.dtype else y

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        alpha = ctx.alpha
        dinput = _scaled(g, ctx.beta) if ctx.needs_input_grad[0] else None
        da = _scaled(grad_a(g, b, ctx.column_major[0]), alpha) if ctx.needs_input_grad[1] else None
        db = _scaled(grad_b(g, a, ctx.column_major[1]), alpha) if ctx.needs_input_grad[2] else None
        return dinput, da, db, None, None


def _scaled(x: Tensor, alpha) -> Tensor:
    return x if alpha == 1 else x * alpha


# The same formula under PyTorch's node names for the other ``beta * input + alpha * (a @ b)`` ops.
Addmv = Addmm.named("AddmvBackward0")
Baddbmm = Addmm.named("BaddbmmBackward0")
Addbmm = Addmm.named("AddbmmBackward0")
Addr = Addmm.named("AddrBackward0")


def _check_input(input: Tensor, shape: tuple) -> None:
    """Raise PyTorch's broadcast error when ``input`` does not expand to ``shape``: expand's
    geometry check alone (the checks run on every Linear call; an Expand op here cost 30 us)."""
    expand_geometry(tuple(input.shape), (0,) * input.dim(), shape)


@tensor_args("input", "mat1", "mat2")
def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2), for matrices; ``input`` broadcasts to the result."""
    for name, m in (("mat1", mat1), ("mat2", mat2)):
        if m.dim() != 2:
            raise RuntimeError(f"{name} must be a matrix, got {m.dim()}-D tensor")
    _check_mm(mat1, mat2)
    check_not_bool(mat1, "addmm_impl_cpu_", out)
    if input.dtype is not mat2.dtype:
        raise RuntimeError(
            f"self and mat2 must have the same dtype, but got {_legacy(input.dtype)} and {_legacy(mat2.dtype)}"
        )
    _check_input(input, (mat1.shape[0], mat2.shape[1]))
    return finish(Addmm.apply(input, mat1, mat2, beta, alpha), out, same_dtype=True)


@tensor_args("input", "mat", "vec")
def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """beta * input + alpha * (mat @ vec)."""
    _check_mv(mat, vec, input.dim(), input.shape[0] if input.dim() == 1 else 1)
    if not input.dtype is mat.dtype is vec.dtype:
        names = (_legacy(input.dtype), _legacy(mat.dtype), _legacy(vec.dtype))
        raise RuntimeError("addmv input tensors must have the same dtype, but got {}, {}, and {}".format(*names))
    return finish(Addmv.apply(input, mat, vec, beta, alpha), out, same_dtype=True)


@tensor_args("input", "batch1", "batch2")
def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """beta * input + alpha * bmm(batch1, batch2); ``input`` broadcasts to the result."""
    _batch2_size2(batch2)
    _check_bmm(batch1, batch2)
    _check_scalar_type(input, batch1)
    _check_input(input, (batch1.shape[0], batch1.shape[1], batch2.shape[2]))
    return finish(Baddbmm.apply(input, batch1, batch2, beta, alpha), out, same_dtype=True)


@tensor_args("input", "batch1", "batch2")
def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """beta * input + alpha * sum_b batch1[b] @ batch2[b]: one matrix product over (n, B*k) x (B*k, m)."""
    _batch2_size2(batch2)
    if batch1.dim() != 3 or batch2.dim() != 3:
        raise RuntimeError("batch1 and batch2 must be 3D tensors")
    if batch1.shape[0] != batch2.shape[0]:
        raise RuntimeError(
            f"batch1 and batch2 must have same number of batches, got {batch1.shape[0]} and {batch2.shape[0]}"
        )
    _check_bmm(batch1, batch2)
    _check_scalar_type(input, batch1)
    nb, n, k = batch1.shape
    m = batch2.shape[2]
    _check_input(input, (n, m))
    a = reshape(batch1.permute(1, 0, 2), (n, nb * k))
    b = reshape(batch2, (nb * k, m))
    return finish(Addbmm.apply(input, a, b, beta, alpha), out, same_dtype=True)


@tensor_args("input", "vec1", "vec2")
def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """beta * input + alpha * outer(vec1, vec2)."""
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if v.dim() != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {v.dim()}-D")
    _check_scalar_type(input, vec1)
    _check_scalar_type(vec1, vec2)
    _check_input(input, (vec1.shape[0], vec2.shape[0]))
    return finish(Addr.apply(input, vec1.unsqueeze(1), vec2.unsqueeze(0), beta, alpha), out)


# ----------------------------------------------------------------------------- einsum
_LETTERS = string.ascii_uppercase + string.ascii_lowercase


class Einsum(Primitive):
    """y[out] = sum over the other labels of prod_i x_i[subs_i]  (``spec = (subs, out)``, labels only);
    dx_i = einsum(g and every x_j, j != i  ->  subs_i).

    Two cases need help in the backward,
    because an einsum output cannot repeat a label nor name one no input has:
    - a label repeated in subs_i (a diagonal, ``'ii->i'``): its second occurrence gets a fresh
      label k and a constant ``eye`` operand with labels ``ik`` puts the gradient on the diagonal;
    - a label only x_i has (summed away, ``'ij->i'``): a constant ``ones`` operand broadcasts it.
    The backward is itself an ``Einsum``, so higher derivatives work.
    """

    node_name = "EinsumBackward0"  # minitorch's own: PyTorch composes einsum (grad_fn ViewBackward0 ...)
    reason = "speed: one backend einsum, and one per operand in backward, not permute + bmm (not benchmarked)"

    @staticmethod
    def forward(ctx, spec, *xs):
        subs, out = spec
        ctx.spec = spec
        ctx.sizes = {c: n for s, x in zip(subs, xs) for c, n in zip(s, x.shape)}
        ctx.save_for_backward(*xs)
        xp = backend_of(xs[0])
        return xp.asarray(xp.einsum(",".join(subs) + "->" + out, *xs))

    @staticmethod
    def backward(ctx, g):
        from ..creation.factories import eye, ones

        subs, out = ctx.spec
        xs = ctx.saved_tensors
        used = set("".join(subs))
        fresh = iter(c for c in _LETTERS if c not in used)
        grads: list = [None]
        for i, target in enumerate(subs):
            if not ctx.needs_input_grad[i + 1]:
                grads.append(None)
                continue
            gsubs = [out] + [s for j, s in enumerate(subs) if j != i]
            ops = [g] + [x for j, x in enumerate(xs) if j != i]
            labels, seen = [], set()
            for c in target:
                if c in seen:
                    k = next(fresh)
                    gsubs.append(c + k)
                    ops.append(eye(ctx.sizes[c], dtype=g.dtype, device=g.device))
                    c = k
                seen.add(c)
                labels.append(c)
            for c in dict.fromkeys(target):
                if c not in "".join(gsubs):
                    gsubs.append(c)
                    ops.append(ones(ctx.sizes[c], dtype=g.dtype, device=g.device))
            grads.append(Einsum.apply((tuple(gsubs), "".join(labels)), *ops))
        return tuple(grads)


def _parse_equation(equation: str):
    """Split ``'ij,jk->ik'`` into per-operand label lists (``'...'`` as one item) and the output (or None)."""
    terms, current, output, i = [], [], None, 0
    while i < len(equation):
        c = equation[i]
        if c == " ":
            i += 1
        elif c == ".":
            who = "output" if output is not None else f"operand {len(terms)}"
            if "..." in current:
                raise RuntimeError(f"einsum(): found '.' for {who} for which an ellipsis was already found")
            if equation[i : i + 3] != "...":
                suffix = " (...)" if output is not None else ""
                raise RuntimeError(f"einsum(): found '.' for {who} that is not part of any ellipsis{suffix}")
            current.append("...")
            i += 3
        elif c == "," and output is None:
            terms.append(current)
            current = []
            i += 1
        elif equation.startswith("->", i) and output is None:
            terms.append(current)
            current = output = []
            i += 2
        elif c in _LETTERS:
            current.append(c)
            i += 1
        else:
            raise RuntimeError(
                f"einsum(): invalid subscript given at index {i} in the equation string, subscripts must be in [a-zA-Z]"
            )
    if output is None:
        terms.append(current)
    return terms, output


def _sublist_equation(args) -> tuple[str, list]:
    """``einsum(a, [0, 1], b, [1, 2], [0, 2])`` -> ``('ab,bc->ac', [a, b])`` (``Ellipsis`` allowed)."""
    def letters(sub):
        return "".join("..." if s is Ellipsis else _LETTERS[_as_int(s)] for s in sub)

    out = args[-1] if len(args) % 2 else None
    pairs = args[:-1] if len(args) % 2 else args
    ops, subs = list(pairs[0::2]), list(pairs[1::2])
    eq = ",".join(letters(s) for s in subs) + ("" if out is None else "->" + letters(out))
    return eq, ops


def einsum(*args) -> Tensor:
    """Einstein summation: ``einsum('bij,bjk->bik', a, b)``; implicit output, ``...``, sublists.

    Labels of size 1 broadcast (as in PyTorch); operands must share one dtype.
    """
    if len(args) < 2:
        raise ValueError("einsum(): must specify the equation string and at least one operand, "
                         "or at least one operand and its subscripts list")
    if isinstance(args[0], Tensor):
        equation, operands = _sublist_equation(args)
    else:
        equation, operands = args[0], list(args[1:])
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    for k, x in enumerate(operands):
        if not isinstance(x, Tensor):
            raise TypeError(f"expected Tensor as element {k} in argument 1, but got {type(x).__name__}")
    terms, output = _parse_equation(equation)
    if len(operands) > len(terms):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    if len(operands) < len(terms):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    for x in operands[1:]:
        _check_scalar_type(operands[0], x)
    if len(operands) > 1:
        check_not_bool(operands[0], "bmm")

    # Ellipsis dims become fresh labels, aligned on the right across operands.
    used = {c for t in terms for c in t} | set(output or ())
    ell_ndim = 0
    for k, (t, x) in enumerate(zip(terms, operands)):
        named = len(t) - ("..." in t)
        if "..." not in t and named != x.dim():
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({named}) does not match the number of "
                f"dimensions ({x.dim()}) for operand {k} and no ellipsis was given"
            )
        if named > x.dim():
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({named}) is more than the number of "
                f"dimensions ({x.dim()}) for operand {k}"
            )
        if "..." in t:
            ell_ndim = max(ell_ndim, x.dim() - named)
    ell = "".join([c for c in _LETTERS if c not in used][:ell_ndim])

    def expand_ellipsis(t, n):
        return "".join(ell[ell_ndim - n :] if c == "..." else c for c in t)

    subs = [expand_ellipsis(t, x.dim() - len(t) + 1) for t, x in zip(terms, operands)]
    if output is None:
        labels = [c for t in terms for c in t if c != "..."]
        out = ell + "".join(sorted(c for c in set(labels) if labels.count(c) == 1))
    else:
        for c in output:
            if c != "..." and c not in "".join(subs):
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any input operand")
            if c != "..." and output.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
        out = expand_ellipsis(output, ell_ndim)

    # Sizes: repeated labels within an operand must agree; across operands size 1 broadcasts.
    sizes: dict = {}
    for k, (s, x) in enumerate(zip(subs, operands)):
        mine: dict = {}
        for c, n in zip(s, x.shape):
            if c in mine and mine[c] != n:
                raise RuntimeError(
                    f"einsum(): subscript {c} is repeated for operand {k} but the sizes don't match, {n} != {mine[c]}"
                )
            mine[c] = n
        for c, n in mine.items():
            if c in sizes and n != sizes[c] and 1 not in (n, sizes[c]):
                raise RuntimeError(
                    f"einsum(): subscript {c} has size {n} for operand {k} which does not broadcast with "
                    f"previously seen size {sizes[c]}"
                )
            sizes[c] = n if c not in sizes or sizes[c] == 1 else sizes[c]
    operands = [
        x if all(n == sizes[c] for c, n in zip(s, x.shape)) else expand(x, tuple(sizes[c] for c in s))
        for s, x in zip(subs, operands)
    ]
    return Einsum.apply((tuple(subs), out), *operands)


@tensor_args("a", "b")
def tensordot(a: Tensor, b: Tensor, dims=2, out=None) -> Tensor:
    """Contract the last ``dims`` dims of ``a`` with the first of ``b`` (or the listed dim pairs)."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (list, tuple)):
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    else:
        n = _as_int(dims)
        if n < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={n}")
        if n > a.dim() or n > b.dim():
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={n}")
        da, db = list(range(-n, 0)), list(range(n))
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    la = list(_LETTERS[: a.dim()])
    lb = list(_LETTERS[a.dim() : a.dim() + b.dim()])
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            # PyTorch reports the dims as given (``dims=1`` contracts a's dim -1).
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size {a.shape[i]} in dim {i} and second has "
                f"size {b.shape[j]} in dim {j}"
            )
        lb[j] = la[i]
    out_labels = [c for c in la if c not in lb] + [c for c in lb if c not in la]
    return finish(einsum(f"{''.join(la)},{''.join(lb)}->{''.join(out_labels)}", a, b), out)


@tensor_args("input", "other")
def kron(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Kronecker product: y[i*p + k, j*q + l] = a[i, j] b[k, l] (and likewise in any rank)."""
    n = max(input.dim(), other.dim())
    sa = (1,) * (n - input.dim()) + tuple(input.shape)
    sb = (1,) * (n - other.dim()) + tuple(other.shape)
    a = reshape(input, [v for s in sa for v in (s, 1)])
    b = reshape(other, [v for s in sb for v in (1, s)])
    return finish(reshape(a * b, [x * y for x, y in zip(sa, sb)]), out)


__all__ = [
    "addbmm",
    "addmm",
    "addmv",
    "addr",
    "baddbmm",
    "bmm",
    "dot",
    "einsum",
    "ger",
    "inner",
    "kron",
    "mm",
    "mv",
    "outer",
    "tensordot",
    "vdot",
]
