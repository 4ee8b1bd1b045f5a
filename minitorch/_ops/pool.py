"""Pooling primitives: max pooling through its indices, average pooling as a linear map.

    MaxPool2DWithIndices  y, idx = max over each window, idx = where it was (ih*W + iw)
                          dx = MaxPoolBackward(g, idx):   gx[n, c].flat[idx] += g
    MaxPoolBackward       its own gradient is the gather  dg = gg[n, c].flat[idx]
    AvgPool2D             y = A x (each window's mean);   dx = AvgPoolBackward(g) = A^T g
    AvgPoolBackward       A^T is linear too;              dg = A gg = AvgPool2D(gg)

(and the same for the adaptive forms), so second derivatives are exact. The arrays are 4-d
(N, C, H, W); the functional layer adds the batch dim and H = 1 for the 1-d forms.
"""

from __future__ import annotations

from ..autograd.function import Primitive
from ..backends import backend_of


def check_adaptive_grad_output(name: str, g) -> None:
    """PyTorch's adaptive pooling backward refuses an output gradient empty in a non-batch dim (an
    output_size of 0, or no channels), though its forward returns one."""
    for d in range(1, g.ndim):
        if g.shape[d] == 0:
            raise RuntimeError(f"{name}_backward(): Expected grad_output to have non-zero size for non-batch "
                               f"dimensions, but grad_output has sizes {list(g.shape)} with dimension {d} being empty")


class MaxPool2DWithIndices(Primitive):
    """y, indices = max_pool2d(x);  dx = scatter of g to the winners (MaxPoolBackward)."""

    node_name = "MaxPool2DWithIndicesBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, kernel_size, stride, padding, dilation, ceil_mode):
        y, indices = backend_of(x).max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode)
        ctx.save_for_backward(indices)
        ctx.x_shape = x.shape
        return y, indices

    @staticmethod
    def backward(ctx, g, _g_indices):
        (indices,) = ctx.saved_tensors
        return MaxPoolBackward.apply(g, indices, tuple(ctx.x_shape)), None, None, None, None, None


class AdaptiveMaxPool2D(Primitive):
    """y, indices = adaptive_max_pool2d(x);  dx = scatter of g to the winners (MaxPoolBackward)."""

    node_name = "AdaptiveMaxPool2DBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, output_size):
        y, indices = backend_of(x).adaptive_max_pool2d(x, output_size)
        ctx.save_for_backward(indices)
        ctx.x_shape = x.shape
        return y, indices

    @staticmethod
    def backward(ctx, g, _g_indices):
        check_adaptive_grad_output("adaptive_max_pool2d", g)
        (indices,) = ctx.saved_tensors
        return MaxPoolBackward.apply(g, indices, tuple(ctx.x_shape)), None


class MaxPoolBackward(Primitive):
    """gx = zeros(x_shape); gx[n, c].flat[indices] += g;  dg = gg[n, c].flat[indices] (a gather)."""

    node_name = "MaxPool2DWithIndicesBackwardBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, g, indices, x_shape):
        ctx.save_for_backward(indices)
        return backend_of(g).max_pool2d_backward(g, indices, x_shape)

    @staticmethod
    def backward(ctx, gg):
        (indices,) = ctx.saved_tensors
        plane = gg.flatten(2)
        flat = indices.flatten(2)
        # A window wholly in the padding has an index past the plane and sent no gradient.
        outside = flat >= plane.shape[2]
        dg = plane.gather(2, flat.clamp(max=plane.shape[2] - 1)).masked_fill(outside, 0.0)
        return dg.view(indices.shape), None, None


class AvgPool2D(Primitive):
    """y = window means of x (a linear map A);  dx = A^T g (AvgPoolBackward)."""

    node_name = "AvgPool2DBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
        ctx.params = (kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
        ctx.x_shape = x.shape
        return backend_of(x).avg_pool2d(x, *ctx.params)

    @staticmethod
    def backward(ctx, g):
        return (AvgPoolBackward.apply(g, tuple(ctx.x_shape), *ctx.params),) + (None,) * 6


class AvgPoolBackward(Primitive):
    """gx = A^T g;  dg = A gg (avg_pool2d again)."""

    node_name = "AvgPool2DBackwardBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, g, x_shape, *params):
        ctx.params = params
        return backend_of(g).avg_pool2d_backward(g, x_shape, *params)

    @staticmethod
    def backward(ctx, gg):
        return (AvgPool2D.apply(gg, *ctx.params),) + (None,) * 7


class AdaptiveAvgPool2D(Primitive):
    """y = means over adaptive windows (a linear map A);  dx = A^T g."""

    node_name = "AdaptiveAvgPool2DBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, output_size):
        ctx.x_shape, ctx.output_size = x.shape, output_size
        return backend_of(x).adaptive_avg_pool2d(x, output_size)

    @staticmethod
    def backward(ctx, g):
        check_adaptive_grad_output("adaptive_avg_pool2d", g)
        return AdaptiveAvgPoolBackward.apply(g, tuple(ctx.x_shape), ctx.output_size), None


class AdaptiveAvgPoolBackward(Primitive):
    """gx = A^T g;  dg = A gg (adaptive_avg_pool2d again)."""

    node_name = "AdaptiveAvgPool2DBackwardBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, g, x_shape, output_size):
        ctx.output_size = output_size
        return backend_of(g).adaptive_avg_pool2d_backward(g, x_shape)

    @staticmethod
    def backward(ctx, gg):
        return AdaptiveAvgPool2D.apply(gg, ctx.output_size), None, None
