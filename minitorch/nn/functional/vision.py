"""Vision ops, functional form: ``pad``, ``unfold``/``fold`` and ``interpolate``.

* ``pad``: constant padding is a primitive (``ConstantPadNd``: its gradient is the crop that
  padding by the negated amounts does); reflect / replicate / circular padding is an
  ``index_select`` along each padded dim with the index rule of the mode, so its gradient is
  the ``index_add`` that folds the copies back.
* ``unfold``/``fold``: im2col and its adjoint col2im (``_ops/conv.py``), each the other's gradient.
* ``interpolate``: separable along each spatial dim; 'nearest' is an ``index_select`` with
  PyTorch's source index ``floor(dst * scale)``, 'linear'/'bilinear' blend two
  ``index_select``s with PyTorch's area-pixel rule, 'area' is adaptive average pooling.
"""

from __future__ import annotations

import math
import operator
import warnings

import numpy as np

from ..._core.args import check_storage_size, ntuple
from ..._ops._out import _legacy
from ..._ops._tensor_args import tensor_args
from ..._ops.conv import Col2Im, ConstantPadNd, Im2Col
from ..._ops.creation.factories import tensor
from ..._tensor.methods import Tensor
from ._compute_dtype import widened
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d

# ---- pad


def _pad_index(mode: str, n: int, before: int, after: int) -> np.ndarray:
    """Source position of each output position ``-before .. n + after - 1`` along one dim."""
    i = np.arange(-before, n + after)
    if mode == "reflect":
        return (n - 1) - np.abs((n - 1) - np.abs(i))
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    return i % n  # circular


@tensor_args("input")
def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last ``len(pad)//2`` dims: ``pad = (left, right, top, bottom, ...)`` from the last dim backwards.

    constant: fill with ``value`` (negative amounts crop); reflect: mirror without repeating the
    edge; replicate: repeat the edge; circular: wrap around.
    """
    if not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, not {type(pad).__name__}")
    for i, p in enumerate(pad):
        if not hasattr(p, "__index__"):
            raise TypeError("pad(): argument 'pad' (position 2) must be tuple of ints, but found element of type "
                            f"{type(p).__name__} at pos {i}")
    pads = tuple(operator.index(p) for p in pad)
    if len(pads) % 2 != 0:
        raise RuntimeError("Padding length must be divisible by 2")
    n = len(pads) // 2
    if n > input.dim():
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension "
                           f"but got padding length {len(pads)} and input of dimension {input.dim()}")
    padded = list(input.shape)
    for i in range(n):
        padded[-1 - i] += pads[2 * i] + pads[2 * i + 1]
    check_storage_size([max(s, 0) for s in padded], input.dtype.itemsize)
    if mode == "constant":
        for i in range(n):
            d = input.dim() - 1 - i
            if input.shape[d] + pads[2 * i] + pads[2 * i + 1] < 0:
                raise RuntimeError(f"The input size {input.shape[d]}, plus negative padding {pads[2 * i]} and "
                                   f"{pads[2 * i + 1]} resulted in a negative output size, which is invalid. "
                                   f"Check dimension {d} of your input.")
        return ConstantPadNd.apply(input, pads, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    if not (n in (1, 2, 3) and input.dim() in (n + 1, n + 2)):
        raise NotImplementedError(
            f"Padding size {len(pads)} is not supported for {input.dim()}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    y = input
    for i in range(n):
        d = input.dim() - 1 - i
        size, before, after = input.shape[d], pads[2 * i], pads[2 * i + 1]
        if mode == "reflect" and (before >= size or after >= size):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({before}, {after}) at dimension {d} of input {list(input.shape)}")
        if mode == "circular" and (before > size or after > size):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "replicate" and size == 0:
            raise RuntimeError(f"Expected a non-empty dimension {d} to pad, but got input {list(input.shape)}")
        y = y.index_select(d, tensor(_pad_index(mode, size, before, after)))
    return y


# ---- unfold / fold (im2col / col2im)


def _block_args(name: str, kernel_size, dilation, padding, stride) -> tuple:
    k, d = ntuple(kernel_size, 2, "kernel_size"), ntuple(dilation, 2, "dilation")
    p, s = ntuple(padding, 2, "padding"), ntuple(stride, 2, "stride")
    if any(v <= 0 for v in k):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {k[0]} "
                           f"kernel_width: {k[1]}")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: {d[0]} "
                           f"dilation_width: {d[1]}")
    if any(v < 0 for v in p):
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {p[0]} pad_width: {p[1]}")
    if any(v <= 0 for v in s):
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {s[0]} "
                           f"stride_width: {s[1]}")
    return k, d, p, s


def _blocks(size, k, d, p, s) -> list[int]:
    return [(n + 2 * pi - di * (ki - 1) - 1) // si + 1 for n, ki, di, pi, si in zip(size, k, d, p, s)]


@tensor_args("input")
def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """im2col: ``(N, C, H, W) -> (N, C*kH*kW, L)``, column ``l`` = the ``l``-th sliding window,
    flattened ``(c, i, j)``."""
    if input.dim() not in (3, 4):
        # PyTorch's im2col indexes a dim that is not there: an IndexError, which we keep (with a clearer message).
        raise IndexError(f"unfold: expected a 3D (unbatched) or 4D (batched) input, but got {input.dim()}D")
    k, d, p, s = _block_args("unfold", kernel_size, dilation, padding, stride)
    batched = input.dim() == 4
    x = input if batched else input.unsqueeze(0)
    blocks = _blocks(x.shape[2:], k, d, p, s)
    if any(b < 1 for b in blocks):
        raise RuntimeError(f"Given input with spatial size ({x.shape[2]}, {x.shape[3]}), kernel_size=({k[0]}, {k[1]}), "
                           f"dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), calculated shape of the array of "
                           f"sliding blocks as ({blocks[0]}, {blocks[1]}), but its components must be at least one.")
    y = widened(lambda x: Im2Col.apply(x, k, d, p, s), x)  # float16 through float32 (exact: a copy)
    return y if batched else y.squeeze(0)


@tensor_args("input")
def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """col2im, the adjoint of unfold: ``(N, C*kH*kW, L) -> (N, C, H, W)``, overlapping windows add up."""
    if input.dim() not in (2, 3):
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    out = ntuple(output_size, 2, "output_size")
    k, d, p, s = _block_args("fold", kernel_size, dilation, padding, stride)
    batched = input.dim() == 3
    cols = input if batched else input.unsqueeze(0)
    if cols.shape[1] % (k[0] * k[1]) != 0:
        raise RuntimeError("Expected size of input's dimension 1 to be divisible by the product of kernel_size, "
                           f"but got input.size(1)={cols.shape[1]} and kernel_size=({k[0]}, {k[1]}).")
    blocks = _blocks(out, k, d, p, s)
    if any(b < 1 for b in blocks):
        raise RuntimeError(f"Given output_size=({out[0]}, {out[1]}), kernel_size=({k[0]}, {k[1]}), "
                           f"dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), "
                           f"calculated shape of the array of sliding blocks as ({blocks[0]}, {blocks[1]}), "
                           "but its components must be at least one.")
    if cols.shape[2] != blocks[0] * blocks[1]:
        raise RuntimeError(f"Given output_size=({out[0]}, {out[1]}), kernel_size=({k[0]}, {k[1]}), "
                           f"dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), "
                           f"expected size of input's dimension 2 to match the calculated number of sliding "
                           f"blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got "
                           f"input.size(2)={cols.shape[2]}.")
    y = widened(lambda c: Col2Im.apply(c, out, k, d, p, s), cols)  # float16: summed in float32, rounded once
    return y if batched else y.squeeze(0)


# ---- interpolate


def _nearest_index(n_in: int, n_out: int, scale: float | None, exact: bool) -> np.ndarray:
    """PyTorch's ``nearest_idx``: ``src = min(floor(dst * s), in - 1)`` in float32, ``s = 1/scale_factor``
    or ``in/out``.

    'nearest-exact' uses ``floor((dst + 0.5) * s)``, the pixel centres.
    """
    dst = np.arange(n_out, dtype=np.float32)
    s = np.float32(1.0 / scale) if scale is not None and scale > 0 else np.float32(n_in) / np.float32(n_out)
    if exact:
        return np.minimum(np.floor((dst + np.float32(0.5)) * s), n_in - 1).astype(np.int64)
    if n_out == n_in:
        return np.arange(n_out)
    if n_out == 2 * n_in:
        return np.arange(n_out) >> 1
    return np.minimum(np.floor(dst * s), n_in - 1).astype(np.int64)


def _linear_weights(n_in: int, n_out: int, scale: float | None, align_corners: bool, np_dtype):
    """PyTorch's area-pixel rule: the two source indices and weights of each output position.

    ``align_corners``: ``src = dst * (in-1)/(out-1)``; else ``src = max((dst + 0.5) * s - 0.5, 0)`` with
    ``s = 1/scale_factor`` or ``in/out``. ``i0 = floor(src)``, ``i1 = min(i0 + 1, in - 1)``, ``w1 = src - i0``.
    Computed in the input's float type, as PyTorch's kernel does.
    """
    t = np_dtype.type
    if align_corners:
        s = t(n_in - 1) / t(n_out - 1) if n_out > 1 else t(0)
    else:
        s = t(1.0 / scale) if scale is not None and scale > 0 else t(n_in) / t(n_out)
    dst = np.arange(n_out, dtype=np_dtype)
    src = dst * s if align_corners else np.maximum(s * (dst + t(0.5)) - t(0.5), t(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = i0 + (i0 < n_in - 1)
    w1 = np.clip(src - i0, 0, 1).astype(np_dtype)
    return i0, i1, t(1) - w1, w1


def _along(x: Tensor, d: int, weights) -> Tensor:
    shape = [1] * x.dim()
    shape[d] = -1
    return tensor(weights, dtype=x.dtype, device=x.device).reshape(shape)


_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                recompute_scale_factor=None, antialias: bool = False) -> Tensor:
    """Resize the spatial dims (all dims after N, C) to ``size`` or ``in * scale_factor``.

    nearest: ``y[dst] = x[min(floor(dst * in/out), in - 1)]``; linear/bilinear:
    ``y[dst] = (1 - w) x[i0] + w x[i1]``
    at PyTorch's source position (see ``_linear_weights``), one spatial dim after the other.
    """
    dim = input.dim() - 2
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if antialias:
        raise NotImplementedError("minitorch: interpolate(antialias=True) is not supported")
    if mode in ("linear", "bilinear", "bicubic", "trilinear") and not input.dtype.is_floating_point:
        kernel = {"linear": "upsample_linear1d", "bilinear": "upsample_bilinear2d_channels_last"}.get(mode, mode)
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_legacy(input.dtype)}'")
    if dim < 1:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) "
                                  f"for the modes: {' | '.join(_MODES)} (got {mode})")
    scales: list = [None] * dim
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        out = list(size) if isinstance(size, (tuple, list)) else [size] * dim
        if len(out) != dim:
            raise ValueError("Input and output must have the same number of spatial dimensions, but got input with "
                             f"spatial dimensions of {list(input.shape[2:])} and output size of {out}. Please provide "
                             "input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.")
        out = [int(o) for o in out]
    else:
        factors = list(scale_factor) if isinstance(scale_factor, (tuple, list)) else [scale_factor] * dim
        if len(factors) != dim:
            raise ValueError("Input and scale_factor must have the same number of spatial dimensions, but got input "
                             f"with spatial dimensions of {list(input.shape[2:])} and scale_factor of shape {factors}. "
                             "Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in "
                             "(s1, s2, ...,sK) format.")
        out = [math.floor(float(n) * float(f)) for n, f in zip(input.shape[2:], factors)]
        if not recompute_scale_factor:
            scales = [float(f) for f in factors]
    wanted = {"linear": 1, "bilinear": 2, "trilinear": 3}.get(mode)
    if wanted is not None and dim != wanted:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {wanted + 2}D input")
    if mode not in ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "area"):
        if mode in _MODES:
            raise NotImplementedError(f"minitorch: interpolate mode '{mode}' is not supported")
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) "
                                  f"for the modes: {' | '.join(_MODES)} (got {mode})")
    if any(o <= 0 for o in out):
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input ({', '.join(map(str, input.shape[2:]))}) "
                           f"and output ({', '.join(map(str, out))})")
    if mode == "area":
        if dim == 1:
            return adaptive_avg_pool1d(input, out)
        if dim == 2:
            return adaptive_avg_pool2d(input, out)
        raise NotImplementedError("minitorch: 3-d adaptive average pooling (mode='area' on 5D input) is not supported")
    y = input
    np_dtype = np.dtype(str(input.dtype).replace("torch.", ""))
    for i, (n_in, n_out, sc) in enumerate(zip(input.shape[2:], out, scales)):
        d = 2 + i
        if mode in ("nearest", "nearest-exact"):
            y = y.index_select(d, tensor(_nearest_index(n_in, n_out, sc, mode == "nearest-exact")))
        else:
            i0, i1, w0, w1 = _linear_weights(n_in, n_out, sc, align_corners, np_dtype)
            y = y.index_select(d, tensor(i0)) * _along(y, d, w0) + y.index_select(d, tensor(i1)) * _along(y, d, w1)
    return y


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners=None) -> Tensor:
    """Deprecated alias of ``interpolate``."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(mode='nearest')``."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(mode='bilinear', align_corners=True)``."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


__all__ = ["fold", "interpolate", "pad", "unfold", "upsample", "upsample_bilinear", "upsample_nearest"]
