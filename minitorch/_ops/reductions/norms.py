"""The vector p-norm: ``norm`` (``torch.norm``, ``Tensor.norm``).

``Norm`` computes sum(|x|^p)^(1/p) over the dims, with p = inf, -inf and 0 as their own cases, and
owns the backward (PyTorch's ``LinalgVectorNormBackward0``). A matrix norm is checked as
``linalg.matrix_norm`` checks it; only the Frobenius norm (the 2-norm of all the elements) is computed.
"""

from __future__ import annotations

import math

from ..._core import dtype as _dtype
from ..._core.args import bool_argument, normalize_dims, wrap_dim
from ..._tensor.tensor import Tensor
from ...autograd.function import Primitive
from ...backends import backend_of
from .._out import finish
from ..pointwise.selection import where
from .extremum import restore_dims
from .sums import _name


# ----------------------------------------------------------------------------- the primitive
class Norm(Primitive):
    """y = (sum |x|^p)^(1/p) over ``dims`` (p = inf: max |x|, p = 0: count of non-zeros);
    dx = g * sign(x) |x|^(p-1) / y^(p-1), 0 where y = 0; for p = +-inf g is split among the ties."""

    node_name = "LinalgVectorNormBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        xp = backend_of(x)
        a = xp.abs(x)
        if p == math.inf:
            y = xp.amax(a, axis=dims, keepdims=keepdim)
        elif p == -math.inf:
            y = xp.amin(a, axis=dims, keepdims=keepdim)
        elif p == 0:
            y = xp.astype(xp.sum(a != 0, axis=dims, keepdims=keepdim), x.dtype)
        elif p == 2:
            y = xp.sqrt(xp.sum(x * x, axis=dims, keepdims=keepdim))
        else:
            y = xp.power(xp.sum(xp.power(a, p), axis=dims, keepdims=keepdim), 1.0 / p)
        y = xp.asarray(y)
        ctx.save_for_backward(x, y)
        ctx.p, ctx.dims, ctx.keepdim = p, dims, keepdim
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        p, dims = ctx.p, ctx.dims
        g, y = restore_dims(g, dims, ctx.keepdim), restore_dims(y, dims, ctx.keepdim)
        if p == 0:
            return g.expand(x.shape) * 0, None, None, None
        if p == 1:
            return g * x.sign(), None, None, None
        if math.isinf(p):
            chosen = x.abs() == y
            return g * x.sign() * chosen / chosen.sum(dims, keepdim=True), None, None, None
        safe = where(y == 0, 1.0, y)  # y = 0 only when all x = 0, where x |x|^(p-2) is 0 too (p > 1)
        if p == 2:
            return g * x / safe, None, None, None
        return g * x * x.abs() ** (p - 2) / safe ** (p - 1), None, None, None


# ----------------------------------------------------------------------------- norm
def _check_matrix_norm(input: Tensor, p: str, dim) -> None:
    """The checks of ``linalg.matrix_norm``, in PyTorch's order: the order, a matrix, floats, two dims."""
    if p not in ("fro", "nuc"):
        raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
    if input.dim() < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"linalg.matrix_norm: Expected a floating point or complex tensor as input. "
                           f"Got {_name(input.dtype)}")
    dims = list(range(input.dim())) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    if len(dims) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dims))}")
    if wrap_dim(dims[0], input.dim()) == wrap_dim(dims[1], input.dim()):
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dims[0]}, {dims[1]})")


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, out=None, dtype=None) -> Tensor:
    """The vector p-norm over ``dim`` (all elements by default); ``'fro'`` is the 2-norm.

    As in PyTorch, a string ``p`` asks for a matrix norm (``linalg.matrix_norm``, checked as one)
    unless it is ``'fro'`` over at most two dims; the nuclear norm (``'nuc'``) is not implemented.
    """
    bool_argument("norm", "keepdim", keepdim)
    if dtype is not None:
        input = input.to(_dtype.to_dtype(dtype, "norm"))
    if isinstance(p, str) and not (p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2)):
        _check_matrix_norm(input, p, dim)
        raise NotImplementedError("norm(p='nuc') (the nuclear norm) is not implemented in minitorch")
    p = 2.0 if p in ("fro", None) else float(p)
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {_name(input.dtype)}")
    dims = normalize_dims(dim, input.dim())
    if p < 0 or math.isinf(p):
        if input.numel() == 0 and dim is None:
            raise RuntimeError("linalg.vector_norm cannot compute the inf norm on an empty tensor because "
                               "the operation does not have an identity")
        for d in dims:
            if input.shape[d] == 0:
                raise RuntimeError(f"linalg.vector_norm cannot compute the inf norm on the dimension {d}"
                                   "because this dimension is empty and the operation does not have an identity")
    return finish(Norm.apply(input, p, dims, keepdim), out, same_dtype=True)
