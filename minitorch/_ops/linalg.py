"""Linear algebra: ``matmul`` and the products built on it.

``matmul`` is the one primitive: y = a @ b with NumPy's (and PyTorch's)
broadcasting of batch dims. Its gradients are matmuls too:
da = g @ b^T,  db = a^T @ g (then summed over broadcast batch dims by the engine).
"""

from __future__ import annotations

from .._tensor import Tensor
from ..autograd.function import Primitive
from ..backends import backend_of
from ._out import finish


class MatMul(Primitive):
    """y = a @ b (both at least 2-d);  da = g @ b^T,  db = a^T @ g."""

    node_name = "MmBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[0] else None)
        return backend_of(a).matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        da = g @ b.mT if ctx.needs_input_grad[0] else None
        db = a.mT @ g if ctx.needs_input_grad[1] else None
        return da, db


class BatchedMatMul(MatMul):
    node_name = "BmmBackward0"


# PyTorch names dtypes in matmul's errors by their C types.
_C_TYPE = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int", "int32": "int",
           "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}


def check_same_dtype(m1: Tensor, m2: Tensor) -> None:
    """Matrix products do not promote: both operands must have one dtype (PyTorch's message)."""
    if m1.dtype is not m2.dtype:
        raise RuntimeError(
            "expected m1 and m2 to have the same dtype, but got: "
            f"{_C_TYPE.get(m1.dtype.name, m1.dtype.name)} != {_C_TYPE.get(m2.dtype.name, m2.dtype.name)}"
        )


def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """PyTorch's ``matmul``: 1-d operands are treated as a row/column vector and squeezed after."""
    if input.dim() == 0 or other.dim() == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {input.dim()}D and {other.dim()}D"
        )
    check_same_dtype(input, other)
    a = input.unsqueeze(0) if input.dim() == 1 else input
    b = other.unsqueeze(-1) if other.dim() == 1 else other
    if a.shape[-1] != b.shape[-2]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({a.shape[-2]}x{a.shape[-1]} and {b.shape[-2]}x{b.shape[-1]})"
        )
    cls = MatMul if a.dim() == 2 and b.dim() == 2 else BatchedMatMul
    y = cls.apply(a, b)
    if input.dim() == 1:
        y = y.squeeze(-2)
    if other.dim() == 1:
        y = y.squeeze(-1)
    return finish(y, out)


__all__ = ["matmul"]
METHODS = list(__all__)
INPLACE: list = []
