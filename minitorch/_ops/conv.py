"""Convolution primitives: conv, transposed conv, and the weight gradient, each the others' gradient.

Three linear maps close under differentiation (x input, w weight, gy output gradient):

    Convolution(x, w)          y  = conv(x, w)                          (F.conv1d/conv2d)
    ConvTranspose(x, w)        y  = conv(., w)^T applied to x           (F.conv_transpose1d/2d)
    ConvWeightGrad(gy, x)      gw = the correlation of x with gy         (dL/dw of a conv)

    d Convolution    : dx = ConvTranspose(g, w),     dw = ConvWeightGrad(g, x)
    d ConvTranspose  : dx = Convolution(g, w),       dw = ConvWeightGrad(x, g)
    d ConvWeightGrad : dgy = Convolution(x, gg),     dx = ConvTranspose(gy, gg)

so every gradient is itself differentiable and ``create_graph=True`` works to any order.
The arrays are 3-d (conv1d: N, C, L) or 4-d (conv2d: N, C, H, W); a 3-d one runs as an
image of height 1. Parameters are always pairs and the padding is explicit,
``((top, bottom), (left, right))``, so padding='same' with an even kernel needs no special case.
The numbers come from the backend (``conv2d``, ``conv2d_input_grad``, ``conv2d_weight_grad``).
"""

from __future__ import annotations

from .._core import capture as _capture
from ..autograd import grad_mode
from ..autograd.function import Primitive
from ..backends import backend_of


def as_image(a):
    """A 3-d (N, C, L) array as a 4-d (N, C, 1, L) view; 4-d arrays pass through."""
    return a[:, :, None, :] if a.ndim == 3 else a


def from_image(a, ndim: int):
    """Undo ``as_image``."""
    return a[:, :, 0, :] if ndim == 3 else a


def image_shape(shape) -> tuple:
    return (shape[0], shape[1], 1, shape[2]) if len(shape) == 3 else tuple(shape)


def crop_to(t, shape):
    """``t[..., :H, :W]`` (or ``[..., :L]``): drop trailing positions beyond ``shape``."""
    for d in range(2, t.dim()):
        if t.shape[d] != shape[d]:
            t = t.narrow(d, 0, shape[d])
    return t


def bias_grad(g):
    """db = g summed over every dim but the channels: first over the batch (whole samples added
    as contiguous vectors), then over the positions of each channel (contiguous runs). NumPy's
    one-call sum over dims (0, 2, 3) of an NCHW array is 1.5-14x slower on the gallery's shapes
    (1 thread, minimum of 15: (64,384,3,3) 0.35 -> 0.025 ms, (64,256,7,7) 0.33 -> 0.11,
    (64,96,15,15) 0.29 -> 0.20).

    In an ordinary backward (grad mode off: nothing to record) the two sums run on the arrays,
    the same backend sums as ``Tensor.sum``'s, without its two op dispatches (2 x 4 x 4 x 4:
    48 -> 16 us, (64, 64, 8, 8): 171 -> 134 us, load 15); under ``create_graph`` they are Tensor
    ops, differentiable again."""
    if grad_mode.is_grad_enabled():
        return g.sum(0).sum(list(range(1, g.dim() - 1)))
    return g._wrap_result(_capture.call(_per_channel_sum, g._data))


def _per_channel_sum(a):
    xp = backend_of(a)
    return xp.sum(xp.sum(a, axis=0), axis=tuple(range(1, a.ndim - 1)))


class Convolution(Primitive):
    """y = conv(x, w) + b;  dx = conv_transpose(g, w), dw = weight_grad(g, x), db = sum(g).

    When w needs a gradient the backend may hand over the im2col columns of x it built for the
    forward (kernels/conv.py, "Columns kept for the weight gradient"). They are saved with x
    (freed with it after backward) and given back to the weight gradient; x's version check
    guards them too: x modified in place makes backward raise before the columns are used.
    """

    node_name = "ConvolutionBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, w, b, stride, padding, dilation, groups):
        need_x, need_w = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        ctx.params = (stride, padding, dilation, groups)
        ctx.x_shape, ctx.w_shape = x.shape, w.shape
        y = backend_of(x).conv2d(as_image(x), as_image(w), b, stride, padding, dilation, groups,
                                 keep_columns=need_w)
        y, columns = y if need_w else (y, None)
        ctx.save_for_backward(x if need_w else None, w if need_x else None, columns)
        return from_image(y, x.ndim)

    @staticmethod
    def backward(ctx, g):
        x, w, columns = ctx.saved_tensors
        need = ctx.needs_input_grad
        dx = ConvTranspose.apply(g, w, None, *ctx.params, tuple(ctx.x_shape)) if need[0] else None
        dw = ConvWeightGrad.apply(g, x, tuple(ctx.w_shape), *ctx.params, columns) if need[1] else None
        db = bias_grad(g) if need[2] else None
        return dx, dw, db, None, None, None, None


class ConvTranspose(Primitive):
    """y = conv_transpose(x, w) + b at ``output_shape``;  dx = conv(g, w), dw = weight_grad(x, g).

    w has conv's layout for the map being transposed: (C_x, C_y / groups, kH, kW).
    """

    node_name = "ConvolutionBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, w, b, stride, padding, dilation, groups, output_shape):
        need_x, need_w = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        ctx.save_for_backward(x if need_w else None, w if need_x else None)
        ctx.params = (stride, padding, dilation, groups)
        ctx.x_shape, ctx.w_shape = x.shape, w.shape
        xp = backend_of(x)
        y = xp.conv2d_input_grad(as_image(x), as_image(w), image_shape(output_shape), stride, padding, dilation,
                                 groups)
        if b is not None:
            y += b.reshape((1, -1, 1, 1))
        return from_image(y, x.ndim)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        # With output_padding >= stride the conv of g has positions that no input produced: cut them.
        dx = crop_to(Convolution.apply(g, w, None, *ctx.params), ctx.x_shape) if need[0] else None
        dw = ConvWeightGrad.apply(x, g, tuple(ctx.w_shape), *ctx.params) if need[1] else None
        db = bias_grad(g) if need[2] else None
        return dx, dw, db, None, None, None, None, None


class ConvWeightGrad(Primitive):
    """gw = sum_n corr(x[n], gy[n]) (the dL/dw of conv);  dgy = conv(x, gg), dx = conv_transpose(gy, gg).

    ``gy`` may have fewer positions than conv(x) would give (conv_transpose's output_padding);
    only its windows of x count.
    """

    node_name = "ConvolutionBackwardBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, gy, x, weight_shape, stride, padding, dilation, groups, columns=None):
        need_gy, need_x = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        ctx.save_for_backward(gy if need_x else None, x if need_gy else None)
        ctx.params = (stride, padding, dilation, groups)
        ctx.gy_shape, ctx.x_shape = gy.shape, x.shape
        gw = backend_of(x).conv2d_weight_grad(as_image(gy), as_image(x), image_shape(weight_shape), stride,
                                              padding, dilation, groups, columns)
        return from_image(gw, len(weight_shape))

    @staticmethod
    def backward(ctx, gg):
        gy, x = ctx.saved_tensors
        need = ctx.needs_input_grad
        dgy = crop_to(Convolution.apply(x, gg, None, *ctx.params), ctx.gy_shape) if need[0] else None
        dx = ConvTranspose.apply(gy, gg, None, *ctx.params, tuple(ctx.x_shape)) if need[1] else None
        return (dgy, dx) + (None,) * (len(need) - 2)  # columns is optional


# ---- The geometry of convolution windows: im2col / col2im (F.unfold / F.fold) and constant padding.


class Im2Col(Primitive):
    """cols[n, (c, i, j), (oh, ow)] = x_pad[n, c, oh*sH + i*dH, ow*sW + j*dW] (F.unfold);  dx = Col2Im(g)."""

    node_name = "Im2ColBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, kernel, dilation, padding, stride):
        ctx.params = (kernel, dilation, padding, stride)
        ctx.size = x.shape[2:]
        pad = ((padding[0], padding[0]), (padding[1], padding[1]))
        return backend_of(x).im2col(x, kernel, stride, pad, dilation)

    @staticmethod
    def backward(ctx, g):
        return (Col2Im.apply(g, tuple(ctx.size), *ctx.params),) + (None,) * 4


class Col2Im(Primitive):
    """y = each column of cols added back into its window (F.fold, Im2Col's adjoint);  dcols = Im2Col(g)."""

    node_name = "Col2ImBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, cols, output_size, kernel, dilation, padding, stride):
        ctx.params = (kernel, dilation, padding, stride)
        N, CKK, _ = cols.shape
        C = CKK // (kernel[0] * kernel[1])
        blocks = [(o + 2 * p - d * (k - 1) - 1) // s + 1
                  for o, k, d, p, s in zip(output_size, kernel, dilation, padding, stride)]
        pad = ((padding[0], padding[0]), (padding[1], padding[1]))
        return backend_of(cols).col2im(cols, (N, C, *output_size), kernel, tuple(blocks), stride, pad, dilation)

    @staticmethod
    def backward(ctx, g):
        return (Im2Col.apply(g, *ctx.params),) + (None,) * 5


class ConstantPadNd(Primitive):
    """y = x surrounded by ``value`` (negative pads crop);  dx = ConstantPadNd(g, -pads), a crop.

    ``pads`` is PyTorch's: (before, after) pairs starting from the LAST dim.
    """

    node_name = "ConstantPadNdBackward0"
    reason = "node"

    @staticmethod
    def forward(ctx, x, pads, value):
        ctx.pads = pads
        n = len(pads) // 2
        shape, src, dst = list(x.shape), [slice(None)] * x.ndim, [slice(None)] * x.ndim
        for i in range(n):
            d = x.ndim - 1 - i
            before, after = pads[2 * i], pads[2 * i + 1]
            size = shape[d]
            shape[d] = size + before + after
            src[d] = slice(max(-before, 0), size - max(-after, 0))
            dst[d] = slice(max(before, 0), shape[d] - max(after, 0))
        y = backend_of(x).full(tuple(shape), value, dtype=x.dtype)
        if all(s.start < s.stop for s in src[x.ndim - n:]):
            y[tuple(dst)] = x[tuple(src)]
        return y

    @staticmethod
    def backward(ctx, g):
        return ConstantPadNd.apply(g, tuple(-p for p in ctx.pads), 0), None, None
