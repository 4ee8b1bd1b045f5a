"""Variance and standard deviation: ``var``, ``std``.

``Var`` owns the backward (PyTorch's ``VarBackward0``): 2 (x - mean) / (n - correction), NaN with
no degrees of freedom, as in PyTorch. ``std`` is ``SafeSqrt`` of ``var`` (``StdBackward0``), whose
gradient is 0, not inf, where the input is constant.
"""

from __future__ import annotations

import builtins
import math

from ..._core.args import bool_arguments, normalize_dims
from ..._tensor.tensor import Tensor
from ...autograd.function import Primitive
from ...backends import backend_of
from .._out import finish
from ..pointwise.selection import where
from .extremum import restore_dims
from .sums import _numel, mean


# ----------------------------------------------------------------------------- the primitives
class SafeSqrt(Primitive):
    """y = sqrt(v);  dv = g / (2 y), and 0 where y = 0 (PyTorch's ``std`` gradient at a constant input)."""

    node_name = "StdBackward0"
    reason = "node: and numerics, 0 where y = 0 (sqrt's own gradient is inf there)"

    @staticmethod
    def forward(ctx, v):
        y = backend_of(v).sqrt(v)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        zero = y == 0
        return where(zero, 0.0, g / (2 * where(zero, 1.0, y)))


class Var(Primitive):
    """y = sum((x - mean(x))^2) / (n - c) over ``dims``;  dx = g * 2 (x - mean(x)) / (n - c).

    With no degrees of freedom (n <= c) y is NaN and so is the gradient (a constant, as in PyTorch).
    """

    node_name = "VarBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim, whole=False):
        xp = backend_of(x)
        n = _numel(x.shape, dims)
        ctx.save_for_backward(x)
        ctx.dims, ctx.correction, ctx.keepdim, ctx.n = dims, correction, keepdim, n
        ctx.whole = whole  # var(x) with no dim
        dev = x - xp.sum(x, axis=dims, keepdims=True) / builtins.max(n, 1)
        return xp.asarray(xp.sum(dev * dev, axis=dims, keepdims=keepdim) / float(builtins.max(0, n - correction)))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        dof = ctx.n - ctx.correction
        g = restore_dims(g, ctx.dims, ctx.keepdim)
        if dof <= 0 and (x.dim() == 0 or ctx.whole):
            # PyTorch's var(x) (and 0-d) case: g * (NaN where x == mean(x), else inf), a function
            # of g alone, so the second derivative is 0, not NaN (found by the thorough profile)
            x = x.detach()
            flat = where(x == mean(x, ctx.dims, keepdim=True), math.nan, math.inf).to(x.dtype)
            return g * flat, None, None, None, None
        scale = 2.0 / dof if dof > 0 else math.inf  # no degrees of freedom: inf * 0 = NaN
        return scale * g * (x - mean(x, ctx.dims, keepdim=True)), None, None, None, None


# ----------------------------------------------------------------------------- var, std
def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, out=None) -> Tensor:
    """Variance over ``dim``: ``correction`` defaults to 1 (Bessel), ``unbiased=False`` means 0."""
    if isinstance(dim, bool):  # var(x, False): the legacy positional ``unbiased``
        dim, unbiased = None, dim
    bool_arguments("var", keepdim=keepdim) if unbiased is None else bool_arguments("var", unbiased=unbiased, keepdim=keepdim)
    if unbiased is not None and correction is not None:
        raise TypeError("var() received an invalid combination of arguments - got both unbiased and correction")
    if not input.dtype.is_floating_point:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    dims = normalize_dims(dim, input.dim())
    c = correction if correction is not None else (0 if unbiased is False else 1)
    if _numel(input.shape, dims) - c <= 0:
        import warnings

        warnings.warn("var(): degrees of freedom is <= 0. Correction should be strictly less than the "
                      "reduction factor (input numel divided by output numel).", UserWarning, stacklevel=2)
    return finish(Var.apply(input, dims, c, keepdim, dim is None), out)


def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, out=None) -> Tensor:
    """y = sqrt(var(x)); the gradient is 0 where y = 0, as in PyTorch."""
    return finish(SafeSqrt.apply(var(input, dim, unbiased, keepdim, correction=correction)), out)
