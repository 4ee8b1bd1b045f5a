"""Linear algebra: ``matmul`` and the products built on it.

``MatMul`` is the product's primitive: y = a @ b with NumPy's (and PyTorch's)
broadcasting of batch dims. Its gradients are matmuls too:
da = g @ b^T,  db = a^T @ g (then summed over broadcast batch dims by the engine).
It records ``MmBackward0`` or, as ``MatMul.named("BmmBackward0")``, ``BmmBackward0``. The
other products that own a backward, for their PyTorch node names (``DotBackward0``,
``AddmmBackward0`` ...), are in ``_ops/linalg/products.py``; docs/primitives.md lists them all.
"""

from __future__ import annotations

import math

import numpy as np

from ..._core import dtype as _dtype
from ..._core.strides import broadcast_shapes
from ..._tensor.tensor import Tensor
from ...autograd.function import Primitive, arrays_suffice
from ...backends import backend_of
from ...backends import cpu as _cpu
from .._out import finish
from .._tensor_args import tensor_args
from ..shape.views import Transpose, UnsafeView


class MatMul(Primitive):
    """y = a @ b (both at least 2-d);  da = g @ b^T,  db = a^T @ g.

    A column-major matrix (a transposed row-major one, e.g. the ``weight.t()`` of ``linear``) gets
    a column-major gradient, computed as ``(b @ g^T)^T`` or ``(g^T @ a)^T``: the same products,
    laid out as PyTorch lays them out (``mm_mat1_backward``/``mm_mat2_backward``), so a Linear
    weight's gradient arrives row-major and accumulates into ``.grad`` without a transposing copy.
    """

    node_name = "MmBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, a, b):
        needs = ctx.needs_input_grad
        ctx.save_for_backward(a if needs[1] else None, b if needs[0] else None)
        ctx.column_major = (needs[0] and column_major(a), needs[1] and column_major(b))
        return backend_of(a).matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        da = grad_a(g, b, ctx.column_major[0]) if ctx.needs_input_grad[0] else None
        db = grad_b(g, a, ctx.column_major[1]) if ctx.needs_input_grad[1] else None
        return da, db


def column_major(a) -> bool:
    """``a`` is a matrix stored column by column (element strides (1, rows)), both dims > 1."""
    if a.ndim != 2 or a.shape[0] < 2 or a.shape[1] < 2:
        return False
    if type(a) is _ndarray:  # the element strides (1, rows) in bytes, without making the tuple
        return a.strides == (a.itemsize, a.itemsize * a.shape[0])
    return backend_of(a).element_strides(a) == (1, a.shape[0])


def grad_a(g: Tensor, b: Tensor, column_major: bool = False) -> Tensor:
    """d(a @ b)/da contracted with g: g @ b^T, or the outer product g b^T when b is a vector;
    for a column-major ``a``, the same product computed as (b @ g^T)^T, column-major too."""
    if b.dim() == 1:
        return g.unsqueeze(-1) * b
    if _direct(g, b):
        gd, bd = g._data, b._data
        return _mT(Tensor._make(_cpu.matmul(bd, gd.T), g._device)) if column_major \
            else Tensor._make(_cpu.matmul(gd, bd.T), g._device)
    return _mT(_mm(b, _mT(g))) if column_major else _mm(g, _mT(b))


def grad_b(g: Tensor, a: Tensor, column_major: bool = False) -> Tensor:
    """d(a @ b)/db contracted with g: a^T @ g (a vector when g is); for a column-major ``b``,
    (g^T @ a)^T."""
    if _direct(g, a):
        gd, ad = g._data, a._data
        return _mT(Tensor._make(_cpu.matmul(gd.T, ad), g._device)) if column_major \
            else Tensor._make(_cpu.matmul(ad.T, gd), g._device)
    return _mT(_mm(_mT(g), a)) if column_major else _mm(_mT(a), g)


def _direct(g: Tensor, x: Tensor) -> bool:
    """Whether a gradient product may skip its operand's transpose (a view Tensor) and the
    ``MatMul`` op (three ops of ~2 µs each around the GEMM): both NumPy matrices and
    ``arrays_suffice`` (no node to record, nobody watching). An array's ``.T`` is the geometry the
    ``Transpose`` view gives the kernel (``cpu.matmul``, as ``MatMul.forward``'s), so the product
    is bit for bit the same. A column-major result stays the ``Transpose`` view of the product,
    as on the general path: ``.grad`` takes over its memory the same way (``accumulate._sole_owner``
    follows a view's ``_base``)."""
    return type(g._data) is _ndarray and g._data.ndim == 2 and x._data.ndim == 2 and arrays_suffice()


def _mT(x: Tensor) -> Tensor:
    """``x.mT`` inside a backward formula: for a matrix the ``Transpose`` view itself, without
    ``transpose``'s dim wrapping and permutation lists (the dims are the forward's, checked there);
    the same node (``TransposeBackward0``) and view as ``x.mT``."""
    if x.dim() != 2:
        return x.mT
    s0, s1 = x.stride()
    return Transpose.apply(x, x._get_storage(), _SWAP, (s1, s0), x.storage_offset())


_SWAP = (1, 0)
_ndarray = np.ndarray


def _mm(a: Tensor, b: Tensor) -> Tensor:
    """``a @ b`` inside a backward formula: for operands of at least 2 dims the node itself, without
    ``matmul``'s argument checks (dims, dtypes and shapes are the forward's, checked there)."""
    if a.dim() < 2 or b.dim() < 2:  # a vector: matmul's promotion to a matrix and back
        return a @ b
    return (MatMul if a.dim() == 2 and b.dim() == 2 else BatchedMatMul).apply(a, b)


BatchedMatMul = MatMul.named("BmmBackward0")


# PyTorch names dtypes in matmul's errors by their C types.
_C_TYPE = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int", "int32": "int",
           "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}


def check_not_bool(a: Tensor, kernel: str, out=None) -> None:
    """PyTorch's CPU products have no bool kernels: NotImplementedError, naming the ``kernel``;
    an ``out`` of another dtype than ``a``'s is PyTorch's RuntimeError, checked first."""
    if isinstance(out, Tensor) and out.dtype is not a.dtype:
        raise RuntimeError(f"Expected out tensor to have dtype {_C_TYPE[a.dtype.name]}, "
                           f"but got {_C_TYPE[out.dtype.name]} instead")
    if a.dtype.name == "bool":
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def check_same_dtype(m1: Tensor, m2: Tensor) -> None:
    """Matrix products do not promote: both operands must have one dtype (PyTorch's message)."""
    if m1.dtype is not m2.dtype:
        raise RuntimeError(
            "expected m1 and m2 to have the same dtype, but got: "
            f"{_C_TYPE.get(m1.dtype.name, m1.dtype.name)} != {_C_TYPE.get(m2.dtype.name, m2.dtype.name)}"
        )


# the CPU kernel that PyTorch's error for bool operands names, by the operands' dims
_KERNEL = {(1, 1): "dot", (2, 1): "addmv_impl_cpu", (2, 2): "addmm_impl_cpu_", (1, 2): "addmm_impl_cpu_"}


@tensor_args("input", "other")
def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """PyTorch's ``matmul``: 1-d operands are treated as a row/column vector and squeezed after."""
    n_in, n_other = input._data.ndim, other._data.ndim  # (``dim()``, read once)
    if n_in == 0 or n_other == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {n_in}D and {n_other}D"
        )
    if input._data.dtype is not other._data.dtype:  # (one array dtype: the same dtype, no call)
        check_same_dtype(input, other)
    if _dtype._BY_NP[input._data.dtype] is _dtype.bool_ or out is not None:
        check_not_bool(input, _KERNEL.get((n_in, n_other), "bmm"), out)
    a = input.unsqueeze(0) if n_in == 1 else input
    b = other.unsqueeze(-1) if n_other == 1 else other
    (*_, rows_a, k_a), (*_, k_b, cols_b) = a._data.shape, b._data.shape
    fold = n_in >= 3 and n_other == 2 and _folds(input, other, out)
    if fold:  # the stack's matrices as the rows of one (the product's message names them so)
        *batch, _ = input.shape
        rows_a = math.prod(batch)
    if k_a != k_b:
        raise RuntimeError(_mismatch_message(a._data.shape, b._data.shape, n_in, n_other, fold, rows_a, k_a, cols_b))
    if fold:
        # PyTorch's fold (LinearAlgebra.cpp, ``should_fold``): a stack of matrices times one matrix
        # is one GEMM over the stack's rows (``mm``), not one per matrix (``bmm``); the result is
        # ``_unsafe_view``'s reshape of the product.
        y = UnsafeView.apply(MatMul.apply(input.reshape(rows_a, k_a), other), (*batch, cols_b))
        return y if out is None else finish(y, out, same_dtype=True)
    y = (MatMul if n_in <= 2 and n_other <= 2 else BatchedMatMul).apply(a, b)
    if n_in == 1:
        y = y.squeeze(-2)
    if n_other == 1:
        y = y.squeeze(-1)
    return y if out is None else finish(y, out, same_dtype=True)


def _mismatch_message(a_shape, b_shape, n_in: int, n_other: int, fold: bool, rows_a: int, k_a: int,
                      cols_b: int) -> str:
    """PyTorch's error for inner dims that differ, from the kernel its ``matmul`` calls for these
    dims: ``dot`` (1-d @ 1-d), ``mv`` (a matrix or a stack folded to one, @ 1-d), ``mm`` (matrices,
    a row vector, a folded stack) or ``bmm`` (the rest, over the broadcast batch dims flattened)."""
    k_b = b_shape[-2]
    if n_in == 1 and n_other == 1:
        return (f"inconsistent tensor size, expected tensor [{k_a}] and src [{k_b}] to have the same number of "
                f"elements, but got {k_a} and {k_b} elements respectively")
    if n_other == 1:
        rows = math.prod(a_shape[:-1])
        return f"size mismatch, got input ({rows}), mat ({rows}x{k_a}), vec ({k_b})"
    if fold or (n_in <= 2 and n_other == 2):
        return f"mat1 and mat2 shapes cannot be multiplied ({rows_a}x{k_a} and {k_b}x{cols_b})"
    batch = math.prod(broadcast_shapes(a_shape[:-2], b_shape[:-2]))
    return (f"Expected size for first two dimensions of batch2 tensor to be: [{batch}, {k_a}] but got: "
            f"[{batch}, {k_b}].")


def _folds(a: Tensor, b: Tensor, out) -> bool:
    """PyTorch's ``should_fold`` for a stack ``a`` (3-d or more) times a matrix ``b``: fold when b
    requires grad (b's gradient is then one product, not a stack of them summed), when ``a`` is
    empty, or when a's batch dims are contiguous, so that its reshape to rows is a view."""
    if b.requires_grad and out is None:
        return True
    if a.numel() == 0:
        return True
    shape, stride = a.shape, a.stride()
    return all(stride[i] == stride[i + 1] * shape[i + 1] for i in range(a.dim() - 2))


__all__ = ["matmul"]
