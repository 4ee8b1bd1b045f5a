"""softmax and log_softmax along a dim (``torch.softmax``, ``torch.log_softmax``, the Tensor methods),
and ``logsumexp``, the log of softmax's denominator.

``log_softmax`` is one fused primitive, ``LogSoftmax`` (PyTorch's ``LogSoftmaxBackward0``), and so is its
gradient, ``LogSoftmaxBackwardData``;
``softmax`` and ``logsumexp`` are composed of the reductions ``amax`` and ``sum`` (minmax.py, sums.py).
``nn.functional.softmax`` and ``log_softmax`` add PyTorch's legacy implicit ``dim`` on top of these.
"""

from __future__ import annotations

from ..._core import dtype as _dtype
from ..._core.args import bool_argument, normalize_dims, wrap_dim
from ..._tensor.tensor import Tensor
from ...autograd.function import Primitive
from ...backends import backend_of
from .._out import _legacy, finish
from ..pointwise.selection import where
from .minmax import amax
from .sums import sum


class LogSoftmax(Primitive):
    """y = x - m - log(sum(exp(x - m))) along ``dim``, m = max(x);  dx = g - exp(y) * sum(g).

    A fused primitive, as PyTorch's ``LogSoftmaxBackward0``: composed of amax, sub, exp, sum,
    log and sub, log_softmax was six forward ops and about ten backward ones, and
    cross-entropy forward + backward on LeNet's (64, 10) logits took ~400 µs; now ~270 (torch:
    ~27; benchmarks/bench_overhead.py). The backward is still written with Tensor ops, so it is
    differentiable again. Subtracting the row's max first keeps exp from overflowing
    (log_softmax of 1e4 logits is finite).
    """

    node_name = "LogSoftmaxBackward0"
    reason = "node: and speed, cross-entropy ~400 -> ~270 µs (benchmarks/bench_overhead.py)"

    @staticmethod
    def forward(ctx, x, dim):
        xp = backend_of(x)
        ctx.dim = dim
        if 0 in x.shape:  # (not x.size: a torch tensor's size is a method)
            y = xp.exp(x)  # an empty result of x's shape and dtype
        else:  # on the CPU, float rows along the last dim: one numba pass a row (kernels/log_softmax.py)
            y = xp.log_softmax(x, dim)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return LogSoftmaxBackwardData.apply(g, y, ctx.dim), None


class LogSoftmaxBackwardData(Primitive):
    """gx = g - exp(y) * sum(g) along ``dim`` (log_softmax's gradient from its result y);
    dg = gg - sum(gg * exp(y)),  dy = -sum(g) * exp(y) * gg.

    PyTorch's ``_log_softmax_backward_data`` as one op, with its derivatives (``derivatives.yaml``):
    in Tensor ops it was four (exp, sum, product, difference) in the backward of every
    cross-entropy loss.
    """

    node_name = "LogSoftmaxBackwardDataBackward0"
    reason = ("speed: one op instead of four in log_softmax's backward, cross-entropy forward + backward "
              "(benchmarks/bench_overhead.py)")

    @staticmethod
    def forward(ctx, g, y, dim):
        xp = backend_of(g)
        ctx.dim = dim
        ctx.save_for_backward(g if ctx.needs_input_grad[1] else None, y)
        return xp.log_softmax_backward(g, y, dim)  # g - exp(y) * sum(g, dim), as the forward's rows

    @staticmethod
    def backward(ctx, gg):
        g, y = ctx.saved_tensors
        dim = ctx.dim
        dg = gg - (gg * y.exp()).sum(dim, keepdim=True) if ctx.needs_input_grad[0] else None
        dy = -g.sum(dim, keepdim=True) * y.exp() * gg if ctx.needs_input_grad[1] else None
        return dg, dy, None


def _softmax_args(name: str, input: Tensor, dim, dtype) -> tuple[Tensor, int]:
    """``input`` cast to ``dtype`` first when given (PyTorch's ``dtype=``: the computation, not only
    the result, is in that dtype), and ``dim`` wrapped. Integer inputs and dtypes raise."""
    if dtype is not None:
        input = input.to(_dtype.to_dtype(dtype, name))
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f'"{name}_lastdim_kernel_impl" not implemented for \'{_legacy(input.dtype)}\'')
    return input, wrap_dim(dim, input.dim())


def log_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """``torch.log_softmax``: log(softmax(x)) along ``dim``, computed stably (see ``LogSoftmax``)."""
    input, dim = _softmax_args("log_softmax", input, dim, dtype)
    return LogSoftmax.apply(input, dim)


def softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """``torch.softmax``: ``e / sum(e)`` with ``e = exp(x - max(x))`` along ``dim``.

    The max is a constant for autograd (softmax does not change when all logits shift
    together), so the gradient is that of ``e / sum(e)``: ``y * (g - sum(g * y))``.
    """
    input, dim = _softmax_args("softmax", input, dim, dtype)
    if input.numel() == 0:
        return input * 1
    e = (input - amax(input.detach(), dim, keepdim=True)).exp()
    return e / sum(e, dim, keepdim=True)



def logsumexp(input: Tensor, dim, keepdim: bool = False, *, out=None) -> Tensor:
    """y = m + log(sum(exp(x - m))) with m = max(x) (detached), so large x don't overflow."""
    bool_argument("logsumexp", "keepdim", keepdim)
    if not input.dtype.is_floating_point:
        input = input.to(_dtype.get_default_dtype())
    dims = normalize_dims(dim, input.dim())
    if input.numel() == 0:
        return finish(sum(input.exp(), dims, keepdim).log(), out)
    m = amax(input.detach(), dims, keepdim=True)
    m = where(m.isinf(), 0.0, m)
    s = sum((input - m).exp(), dims, keepdim).log()
    return finish(s + m.reshape(s.shape), out)


__all__ = ["log_softmax", "logsumexp", "softmax"]
