"""Pooling, functional form (``torch.nn.functional.max_pool2d`` ...).

The 2-d ops call the primitives of ``_ops/pool.py`` on a 4-d (N, C, H, W) tensor; an
unbatched (C, H, W) input gets a batch dim first. The 1-d ops are the 2-d ones over an image
of height 1 (``unsqueeze(-2)`` ... ``squeeze(-2)``), which is also how PyTorch builds them
(their grad_fn is ``SqueezeBackward1``). Arguments and errors are PyTorch's; float16 is pooled
in float32 and rounded once (``_compute_dtype.py``).
"""

from __future__ import annotations

from ..._core.args import ntuple
from ..._ops._tensor_args import tensor_args
from ..._ops.pool import AdaptiveAvgPool2D, AdaptiveMaxPool2D, AvgPool2D, MaxPool2DWithIndices
from ..._tensor.methods import Tensor
from ._checked import checked, plain
from ._compute_dtype import widened


def _pool_output_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's ``pooling_output_shape`` (a ``ceil_mode`` window that starts in the right padding is dropped)."""
    span = size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = span // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _as_batched(input: Tensor, name: str) -> tuple[Tensor, bool]:
    if input.dim() < 3 and name == "avg_pool2d":  # PyTorch's avg_pool2d reads input.size(-3) first
        n = max(input.dim(), 1)
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got -3)")
    if input.dim() not in (3, 4) or 0 in input._data.shape[-3:]:
        raise RuntimeError(f"{name}: non-empty 3D or 4D (batch mode) tensor expected for input")
    return (input, True) if input.dim() == 4 else (input.unsqueeze(0), False)


def _window_args(name: str, x: Tensor, kernel_size, stride, padding, dilation, ceil_mode: bool):
    """Normalise kernel/stride/padding/dilation to pairs, check them against ``x``'s (C, H, W), return them."""
    key = None
    if type(ceil_mode) is bool and plain(kernel_size, stride, padding, dilation):  # else checked every call
        key = (name, x._data.shape[1:], kernel_size, stride, padding, dilation, ceil_mode)
    return checked(_CHECKED, key, lambda: (_checked_window_args(name, x, kernel_size, stride, padding, dilation,
                                                                ceil_mode), True))


_CHECKED: dict = {}  # _checked_window_args's results by what it reads (_checked.py)


def _checked_window_args(name: str, x: Tensor, kernel_size, stride, padding, dilation, ceil_mode: bool):
    """PyTorch's checks of a pooling window; kernel_size, stride, padding and dilation as pairs."""
    if not isinstance(ceil_mode, bool):  # PyTorch's parser takes no int for a bool
        raise TypeError(f"{name}() received an invalid combination of arguments - got ceil_mode={type(ceil_mode).__name__}")
    k = ntuple(kernel_size, 2, "kernel_size")
    s = k if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) else ntuple(stride, 2, "stride")
    p, d = ntuple(padding, 2, "padding"), ntuple(dilation, 2, "dilation")
    if any(v == 0 for v in s):
        raise RuntimeError("stride should not be zero")
    if any(v <= 0 for v in k):
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {k[0]} kW: {k[1]}")
    if any(v <= 0 for v in s):
        raise RuntimeError(f"stride should be greater than zero, but got dH: {s[0]} dW: {s[1]}")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {d[0]} dilationW: {d[1]}")
    for pi, ki, di in zip(p, k, d):
        if pi < 0 or pi > ((ki - 1) * di + 1) // 2:
            raise RuntimeError("pad should be at most half of effective kernel size, but got "
                               f"pad={pi}, kernel_size={ki} and dilation={di}")
    if any(pi > ki // 2 for pi, ki in zip(p, k)):  # PyTorch checks both; with dilation this one binds
        raise RuntimeError("pad should be smaller than or equal to half of kernel size, but got "
                           f"padW = {p[1]}, padH = {p[0]}, kW = {k[1]}, kH = {k[0]}")
    H, W = x.shape[2:]
    out = [_pool_output_size(n, ki, si, pi, di, ceil_mode) for n, ki, si, pi, di in zip((H, W), k, s, p, d)]
    if any(o < 1 for o in out):
        raise RuntimeError(f"Given input size: ({x.shape[1]}x{H}x{W}). Calculated output size: "
                           f"({x.shape[1]}x{out[0]}x{out[1]}). Output size is too small")
    return k, s, p, d


def _max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                             ceil_mode: bool = False) -> tuple[Tensor, Tensor]:
    x, batched = _as_batched(input, "max_pool2d")
    k, s, p, d = _window_args("max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode)
    y, indices = widened(lambda x: MaxPool2DWithIndices.apply(x, k, s, p, d, bool(ceil_mode)), x)
    return (y, indices) if batched else (y.squeeze(0), indices.squeeze(0))


@tensor_args("input")
def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """``y[n, c, oh, ow]`` = max over the window ``x[n, c, oh*sH - pH + i*dH, ow*sW - pW + j*dW]``
    (padding never wins).

    ``dx``: each ``g`` goes to its window's winner (``indices``, flat ``ih*W + iw``); ``stride``
    defaults to ``kernel_size``.
    """
    y, indices = _max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (y, indices) if return_indices else y


def _as_image(input: Tensor, name: str) -> Tensor:
    """``(N, C, L)`` or ``(C, L)`` -> ``(N, C, 1, L)`` or ``(C, 1, L)``: a 1-d signal as an image of height 1."""
    if input.dim() not in (2, 3) or any(s == 0 for s in input.shape[-2:]):
        raise RuntimeError(f"{name}: Expected 2D or 3D (batch mode) tensor with non-zero size for input, "
                           f"but got: {list(input.shape)}")
    return input.unsqueeze(-2)


def _single(v, name: str) -> tuple:
    return (1,) + ntuple(v, 1, name)


@tensor_args("input")
def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """``max_pool2d`` over a height-1 image: ``y[n, c, o] = max_k x[n, c, o*s - p + k*d]``; indices
    index into L."""
    x = _as_image(input, "max_pool1d")
    s = None if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) else _single(stride, "stride")
    y, indices = _max_pool2d_with_indices(x, _single(kernel_size, "kernel_size"), s,
                                          (0,) + ntuple(padding, 1, "padding"), _single(dilation, "dilation"),
                                          ceil_mode)
    y, indices = y.squeeze(-2), indices.squeeze(-2)
    return (y, indices) if return_indices else y


@tensor_args("input")
def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """``y = (sum of the in-bounds window) / divisor``; ``divisor = divisor_override``, or the window
    size clipped to the padded input (``count_include_pad``) or to the input.  ``dx = g / divisor``
    spread back."""
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    x, batched = _as_batched(input, "avg_pool2d")
    k, s, p, _ = _window_args("avg_pool2d", x, kernel_size, stride, padding, 1, ceil_mode)
    y = widened(lambda x: AvgPool2D.apply(x, k, s, p, bool(ceil_mode), bool(count_include_pad), divisor_override), x)
    return y if batched else y.squeeze(0)


@tensor_args("input")
def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """``avg_pool2d`` over a height-1 image."""
    x = _as_image(input, "avg_pool1d")
    s = None if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) else _single(stride, "stride")
    y = avg_pool2d(x, _single(kernel_size, "kernel_size"), s, (0,) + ntuple(padding, 1, "padding"), ceil_mode,
                   count_include_pad)
    return y.squeeze(-2)


def _adaptive_args(name: str, input: Tensor, output_size, n: int) -> tuple[Tensor, bool, tuple]:
    if input.dim() not in (n + 1, n + 2):
        raise RuntimeError(f"{name}(): Expected {n + 1}D or {n + 2}D tensor, but got {list(input.shape)}")
    # PyTorch's adaptive_avg_pool2d accepts no channels in a batch (its backward does not)
    first = 2 if name == "adaptive_avg_pool2d" and input.dim() == 4 else 1
    for d in range(first, input.dim()):
        if input.shape[d] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch dimensions, "
                               f"but input has sizes {list(input.shape)} with dimension {d} being empty")
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * n
    if len(sizes) == 1:
        sizes = tuple(sizes) * n
    if len(sizes) != n:
        raise RuntimeError(f"{name}: output_size must be {n}")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"{name}\" not implemented for '{input.dtype.name.capitalize()}'")
    sizes = tuple(input.shape[-n + i] if v is None else int(v) for i, v in enumerate(sizes))
    if any(v < 0 for v in sizes):
        raise RuntimeError(f"{name}(): elements of output_size must be greater than or equal to 0 "
                           f"but received {list(sizes)}")
    batched = input.dim() == n + 2
    return (input if batched else input.unsqueeze(0)), batched, sizes


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """``y[.., i, j]`` = mean of ``x`` over rows ``[floor(i*H/oH), ceil((i+1)*H/oH))`` and the same for columns."""
    x, batched, size = _adaptive_args("adaptive_avg_pool2d", input, output_size, 2)
    y = widened(lambda x: AdaptiveAvgPool2D.apply(x, size), x)
    return y if batched else y.squeeze(0)


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """The max over each adaptive window (windows as ``adaptive_avg_pool2d``); ``dx`` goes to the winners."""
    x, batched, size = _adaptive_args("adaptive_max_pool2d", input, output_size, 2)
    y, indices = widened(lambda x: AdaptiveMaxPool2D.apply(x, size), x)
    if not batched:
        y, indices = y.squeeze(0), indices.squeeze(0)
    return (y, indices) if return_indices else y


@tensor_args("input")
def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """``adaptive_avg_pool2d`` over a height-1 image."""
    _, _, (size,) = _adaptive_args("adaptive_avg_pool1d", input, ntuple(output_size, 1, "output_size"), 1)
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, size)).squeeze(-2)


@tensor_args("input")
def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """``adaptive_max_pool2d`` over a height-1 image (indices index into L)."""
    _, _, (size,) = _adaptive_args("adaptive_max_pool1d", input, ntuple(output_size, 1, "output_size"), 1)
    y, indices = adaptive_max_pool2d(input.unsqueeze(-2), (1, size), return_indices=True)
    y, indices = y.squeeze(-2), indices.squeeze(-2)
    return (y, indices) if return_indices else y


__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "max_pool1d",
    "max_pool2d",
]
