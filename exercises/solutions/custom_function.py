"""Solutions to exercises/custom_function.py (docs/custom-function.md)."""

from __future__ import annotations

import minitorch as torch


# --8<-- [start:Softplus]
class Softplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        # log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)): no overflow for large |x|
        return x.clamp(min=0) + (-x.abs()).exp().log1p()

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.sigmoid()  # Tensor ops: differentiable, so gradgradcheck passes
# --8<-- [end:Softplus]


# --8<-- [start:saved_tensor_error]
def saved_tensor_error(lib) -> BaseException:
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # ExpBackward0 saves y, and y's version (0)
    with lib.no_grad():
        y.add_(1)  # bumps the version counter the saved tensor remembers
    try:
        y.sum().backward()
    except RuntimeError as error:  # raised when the saved y is unpacked
        return error
    raise AssertionError("backward used a modified saved tensor")
# --8<-- [end:saved_tensor_error]


# --8<-- [start:MaxWithIndex]
class MaxWithIndex(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        index = x.argmax()
        ctx.mark_non_differentiable(index)
        ctx.save_for_backward(index)
        ctx.shape = x.shape
        return x.max(), index

    @staticmethod
    def backward(ctx, g_value, g_index):
        (index,) = ctx.saved_tensors  # g_index: zeros (or None), never used
        grad = torch.zeros(ctx.shape, dtype=g_value.dtype)
        return grad.index_put((index.reshape(1),), g_value.reshape(1))
# --8<-- [end:MaxWithIndex]
