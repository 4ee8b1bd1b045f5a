"""The neural-network ops torch runs whole: convolution, pooling, batch normalisation, relu, sigmoid.

``torch.nn.functional``, ``torch.nn.grad`` and torch's own backward kernels (``torch.ops.aten``) on
plain tensors, under the names and contracts of the kernel entries of ``backends/cpu.py``
(``kernels/``): convolution padding given as ``(ph, pw)`` or ``((top, bottom), (left, right))``;
pooling returns the flat ``ih*W + iw`` index of each winner; batch norm returns ``(y, mean, invstd)``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


# ---- convolution and pooling (_ops/conv.py, _ops/pool.py)
def _pad4(padding):
    """((top, bottom), (left, right)) from (ph, pw) or the explicit form."""
    ph, pw = padding
    return (ph, ph) if isinstance(ph, int) else tuple(ph), (pw, pw) if isinstance(pw, int) else tuple(pw)


def _pad_input(x, padding):
    (t, b), (left, r) = _pad4(padding)
    return F.pad(x, (left, r, t, b)) if t or b or left or r else x


def conv2d(x, w, bias, stride, padding, dilation, groups, keep_columns=False):
    """y = conv2d(x, w) + b: x (N, C_in, H, W), w (C_out, C_in/groups, kH, kW), bias (C_out,) or None.
    torch's convolutions keep no columns: with ``keep_columns``, ``(y, None)``."""
    y = F.conv2d(_pad_input(x, padding), w, bias, tuple(stride), 0, tuple(dilation), groups)
    return (y, None) if keep_columns else y


def conv2d_input_grad(gy, w, input_shape, stride, padding, dilation, groups):
    """dx of conv2d: the gradient for the padded input, cropped to ``input_shape``."""
    (t, b), (left, r) = _pad4(padding)
    N, C, H, W = input_shape
    padded = (N, C, H + t + b, W + left + r)
    gx = torch.nn.grad.conv2d_input(padded, w, gy, tuple(stride), 0, tuple(dilation), groups)
    return gx[:, :, t:t + H, left:left + W].contiguous()


def conv2d_weight_grad(gy, x, weight_shape, stride, padding, dilation, groups, columns=None):
    """dw of conv2d: the correlation of the padded x with gy (``columns`` is always None here)."""
    return torch.nn.grad.conv2d_weight(_pad_input(x, padding), tuple(weight_shape), gy, tuple(stride), 0,
                                       tuple(dilation), groups)


def im2col(x, kernel, stride, padding, dilation):
    """(N, C, H, W) -> (N, C*kH*kW, oH*oW): every kernel window as a column (F.unfold)."""
    return F.unfold(_pad_input(x, padding), tuple(kernel), tuple(dilation), 0, tuple(stride))


def col2im(cols, input_shape, kernel, output_size, stride, padding, dilation):
    """The adjoint of im2col (F.fold); windows beyond ``output_size`` are zero."""
    (t, b), (left, r) = _pad4(padding)
    N, _C, H, W = input_shape
    Hp, Wp = H + t + b, W + left + r
    kh, kw = kernel
    full_h = (Hp - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    full_w = (Wp - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    oh, ow = output_size
    if (oh, ow) != (full_h, full_w):
        c = cols.reshape(N, -1, oh, ow)
        c = F.pad(c, (0, full_w - ow, 0, full_h - oh))
        cols = c.reshape(N, c.shape[1], full_h * full_w)
    x = F.fold(cols, (Hp, Wp), tuple(kernel), tuple(dilation), 0, tuple(stride))
    return x[:, :, t:t + H, left:left + W].contiguous()


def max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode):
    """(y, indices): window maxima and the flat position ih*W + iw of each winner (int64)."""
    return F.max_pool2d(x, tuple(kernel_size), tuple(stride), tuple(padding), tuple(dilation), ceil_mode,
                        return_indices=True)


def adaptive_max_pool2d(x, output_size):
    return F.adaptive_max_pool2d(x, tuple(output_size), return_indices=True)


def max_pool2d_backward(gy, indices, input_shape):
    """gx[n, c].flat[indices] += gy."""
    N, C, H, W = input_shape
    gx = torch.zeros((N, C, H * W), dtype=gy.dtype, device=gy.device)
    gx.scatter_add_(2, indices.reshape(N, C, -1), gy.reshape(N, C, -1))
    return gx.reshape(input_shape)


def avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    return F.avg_pool2d(x, tuple(kernel_size), tuple(stride), tuple(padding), ceil_mode, count_include_pad,
                        divisor_override)


def avg_pool2d_backward(gy, input_shape, kernel_size, stride, padding, ceil_mode, count_include_pad,
                        divisor_override):
    like = torch.empty(tuple(input_shape), dtype=gy.dtype, device=gy.device)
    return torch.ops.aten.avg_pool2d_backward(gy, like, list(kernel_size), list(stride), list(padding), ceil_mode,
                                              count_include_pad, divisor_override)


def adaptive_avg_pool2d(x, output_size):
    return F.adaptive_avg_pool2d(x, tuple(output_size))


def adaptive_avg_pool2d_backward(gy, input_shape):
    like = torch.empty(tuple(input_shape), dtype=gy.dtype, device=gy.device)
    return torch.ops.aten._adaptive_avg_pool2d_backward(gy, like)


# ---- batch normalisation (nn/functional/normalization.py: NativeBatchNorm)
def batch_norm(x, weight, bias, running_mean, running_var, training, momentum, eps):
    """``(y, mean, invstd)``: torch's own ``native_batch_norm`` (running statistics updated in place)."""
    y, mean, invstd = torch.ops.aten.native_batch_norm(x, weight, bias, running_mean, running_var, training,
                                                       momentum, eps)
    if not training:  # torch returns empty statistics in evaluation
        mean, invstd = running_mean.to(x.dtype), torch.rsqrt(running_var + eps).to(x.dtype)
    return y, mean, invstd


def batch_norm_backward(g, x, weight, mean, invstd, training, output_mask):
    """``(gx, gw, gb)`` from the statistics that ``batch_norm`` returned (None where not asked)."""
    shape = [1, x.shape[1]] + [1] * (x.dim() - 2)
    dims = [0, *range(2, x.dim())]
    xhat = (x - mean.reshape(shape)) * invstd.reshape(shape)
    gxhat = g if weight is None else g * weight.reshape(shape)
    gx = gw = gb = None
    if output_mask[0]:
        if training:
            gx = (gxhat - gxhat.mean(dims, keepdim=True) - xhat * (gxhat * xhat).mean(dims, keepdim=True))
            gx = gx * invstd.reshape(shape)
        else:
            gx = gxhat * invstd.reshape(shape)
    if output_mask[1]:
        gw = (g * xhat).sum(dims)
    if output_mask[2]:
        gb = g.sum(dims)
    return gx, gw, gb


# ---- activations and their gradients
def relu(x):
    """torch's own relu."""
    return torch.relu(x)


def sigmoid(x):
    """torch's own sigmoid."""
    return torch.sigmoid(x)


def log_softmax(x, dim):
    """log_softmax along ``dim`` as NumPy's expression in torch ops (the CPU backend's row kernel
    is libm's exp in a loop; here the same math in torch's kernels)."""
    z = x - torch.amax(x, dim=dim, keepdim=True)
    return z - torch.log(torch.sum(torch.exp(z), dim=dim, keepdim=True))


def log_softmax_backward(g, y, dim):
    """log_softmax's gradient from its result, ``g - exp(y) * sum(g, dim)``."""
    return g - torch.exp(y) * torch.sum(g, dim=dim, keepdim=True)


def sigmoid_backward(g, y):
    """sigmoid's gradient from its result, ``g * (1 - y) * y`` (PyTorch's sigmoid_backward order;
    as an expression, so mixed dtypes and broadcasting promote as the op's callers expect)."""
    return g * (1 - y) * y


def threshold_backward(g, y):
    """relu's gradient: ``g`` where ``y > 0``, else 0 (torch's own threshold_backward)."""
    return torch.ops.aten.threshold_backward(g, y, 0)
