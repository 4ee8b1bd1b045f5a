"""The tensor side of ``transforms.functional``: images as (..., C, H, W) tensors.

Each function is written with minitorch's tensor ops (so float images keep their autograd
graph); index and filter bookkeeping that depends only on sizes is computed with NumPy.
Integer images are processed in float32 and rounded back, as torchvision does.
"""

from __future__ import annotations

import math

import numpy as np

from ..._core import dtype as _dtype
from ..._ops.creation.factories import as_tensor, from_numpy, full, ones_like, zeros_like
from ..._ops.linalg.products import einsum
from ..._ops.shape.joins import cat, stack
from ..._tensor.methods import Tensor

_INT_MAX = {_dtype.uint8: 255, _dtype.int8: 127, _dtype.int16: 32767, _dtype.int32: 2147483647,
            _dtype.int64: 9223372036854775807}


def max_value(dtype) -> int:
    """The value of full intensity: 255 for uint8, the largest value of other integer types, 1 for floats."""
    return _INT_MAX.get(dtype, 1)


def assert_image_tensor(img: Tensor) -> None:
    if img.dim() < 2:
        raise TypeError("Tensor is not a torch image.")


def get_dimensions(img: Tensor) -> list[int]:
    """[channels, height, width] of a (..., C, H, W) or (H, W) image."""
    assert_image_tensor(img)
    return [1 if img.dim() == 2 else int(img.shape[-3]), int(img.shape[-2]), int(img.shape[-1])]


def _assert_channels(img: Tensor, permitted: list[int]) -> None:
    c = get_dimensions(img)[0]
    if c not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {permitted}, but found {c}")


def convert_image_dtype(image: Tensor, dtype=_dtype.float32) -> Tensor:
    """Change dtype and rescale, full intensity to full intensity: float <-> int by ``* max`` /
    ``/ max`` (float -> int multiplies by ``max + 1 - 1e-3`` and truncates), int -> int by a power of two."""
    if image.dtype is dtype:
        return image
    if image.is_floating_point():
        if dtype.is_floating_point:
            return image.to(dtype)
        if (image.dtype is _dtype.float32 and dtype in (_dtype.int32, _dtype.int64)) or (
                image.dtype is _dtype.float64 and dtype is _dtype.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed safely.")
        return image.mul(float(max_value(dtype)) + 1.0 - 1e-3).to(dtype)
    input_max = float(max_value(image.dtype))
    if dtype.is_floating_point:
        return image.to(dtype) / input_max
    output_max = float(max_value(dtype))
    if input_max > output_max:
        return image.div(int((input_max + 1) // (output_max + 1)), rounding_mode="floor").to(dtype)
    return image.to(dtype) * int((output_max + 1) // (input_max + 1))


def normalize(tensor: Tensor, mean, std, inplace: bool = False) -> Tensor:
    """Per channel: ``out[c] = (x[c] - mean[c]) / std[c]`` on a float (..., C, H, W) tensor."""
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.dim() < 3:
        raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got "
                         f"tensor.size() = {tensor.size()}")
    mean = as_tensor(mean, dtype=tensor.dtype, device=tensor.device)
    std = as_tensor(std, dtype=tensor.dtype, device=tensor.device)
    if (std == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
    if mean.dim() == 1:
        mean = mean.view(-1, 1, 1)
    if std.dim() == 1:
        std = std.view(-1, 1, 1)
    if inplace:
        return tensor.sub_(mean).div_(std)
    return (tensor - mean) / std


def hflip(img: Tensor) -> Tensor:
    assert_image_tensor(img)
    return img.flip(-1)


def vflip(img: Tensor) -> Tensor:
    assert_image_tensor(img)
    return img.flip(-2)


def pad(img: Tensor, padding: tuple[int, int, int, int], fill: float = 0, padding_mode: str = "constant") -> Tensor:
    """Pad the last two dims by (left, top, right, bottom). Modes: constant (``fill``), edge,
    reflect (mirror without the edge), symmetric (mirror with the edge). The index arithmetic of the
    modes is ``np.pad`` of ``arange``; the values are gathered by indexing."""
    left, top, right, bottom = padding
    h, w = int(img.shape[-2]), int(img.shape[-1])
    if padding_mode == "constant":
        out = full((*img.shape[:-2], h + top + bottom, w + left + right), fill, dtype=img.dtype, device=img.device)
        out[..., top:top + h, left:left + w] = img
        return out
    if padding_mode == "reflect" and (max(left, right) >= w or max(top, bottom) >= h):
        raise RuntimeError("Padding size should be less than the corresponding input dimension, but got: "
                           f"padding ({left}, {right}) at dimension -1 and ({top}, {bottom}) at dimension -2 "
                           f"of input {tuple(img.shape)}")
    rows = np.pad(np.arange(h), (top, bottom), mode=padding_mode)
    cols = np.pad(np.arange(w), (left, right), mode=padding_mode)
    return img[..., from_numpy(rows)[:, None], from_numpy(cols)[None, :]]


def crop(img: Tensor, top: int, left: int, height: int, width: int) -> Tensor:
    """``img[..., top:top+height, left:left+width]``, zero-padded where the window leaves the image."""
    assert_image_tensor(img)
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        padding = (max(-left + min(0, right), 0), max(-top + min(0, bottom), 0),
                   max(right - max(w, left), 0), max(bottom - max(h, top), 0))
        return pad(img[..., max(top, 0):bottom, max(left, 0):right], padding, fill=0)
    return img[..., top:bottom, left:right]


# --- resize: one linear map per axis ------------------------------------------------------------

def _triangle(x: np.ndarray) -> np.ndarray:
    return np.maximum(1.0 - np.abs(x), 0.0)


def _cubic(x: np.ndarray, a: float) -> np.ndarray:
    """Keys' cubic convolution kernel with parameter ``a``."""
    x = np.abs(x)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = (((x - 5) * x + 8) * x - 4) * a
    return np.where(x < 1, near, np.where(x < 2, far, 0.0))


def resize_weights(in_size: int, out_size: int, mode: str, antialias: bool, dtype=np.float32) -> np.ndarray:
    """The (out_size, in_size) matrix W of one axis: ``out[i] = sum_j W[i, j] in[j]``.

    Output pixel i is centred on input coordinate ``c = (i + 0.5) * s`` with ``s = in / out``.
    With ``antialias`` (PIL's resampling, as ``interpolate(antialias=True)``) the filter - a
    triangle for bilinear, Keys' cubic with a = -0.5 for bicubic - is stretched by ``s`` when
    downscaling and its weights over the input pixels in reach are normalised to sum to 1.
    Without, bilinear mixes the two pixels around ``c - 0.5`` (clamped at 0) and bicubic the four
    around it (a = -0.75, indices clamped to the image), as ``interpolate(align_corners=False)``.
    Computed in ``dtype``, the image's, as PyTorch does: float64 weights would differ from its
    float32 ones by up to 1e-5.
    """
    one, half_pixel = dtype(1.0), dtype(0.5)
    scale = dtype(in_size) / dtype(out_size)
    weights = np.zeros((out_size, in_size), dtype=dtype)
    rows = np.arange(out_size)
    if antialias:
        half = dtype(1.0 if mode == "bilinear" else 2.0)
        support = half * scale if scale >= one else half
        invscale = one / scale if scale >= one else one
        for i in rows:
            center = scale * (dtype(i) + half_pixel)
            lo, hi = max(int(center - support + half_pixel), 0), min(int(center + support + half_pixel), in_size)
            x = (np.arange(lo, hi, dtype=dtype) - center + half_pixel) * invscale
            w = (_triangle(x) if mode == "bilinear" else _cubic(x, -0.5)).astype(dtype)
            weights[i, lo:hi] = w / w.sum() if w.sum() != 0 else w
        return weights
    src = scale * (rows.astype(dtype) + half_pixel) - half_pixel
    if mode == "bilinear":
        src = np.maximum(src, dtype(0.0))
        i0 = np.floor(src).astype(np.int64)
        frac = src - i0.astype(dtype)
        np.add.at(weights, (rows, i0), one - frac)
        np.add.at(weights, (rows, np.minimum(i0 + 1, in_size - 1)), frac)
        return weights
    i0 = np.floor(src).astype(np.int64)
    t = src - i0.astype(dtype)
    for k in (-1, 0, 1, 2):
        np.add.at(weights, (rows, np.clip(i0 + k, 0, in_size - 1)), _cubic(t - dtype(k), -0.75).astype(dtype))
    return weights


def _nearest_indices(in_size: int, out_size: int, exact: bool) -> np.ndarray:
    """PyTorch's nearest source index: ``floor(i * s)`` (nearest-exact: ``floor((i + 0.5) * s)``), s in float32."""
    scale = np.float32(in_size) / np.float32(out_size)
    offset = np.float32(0.5) if exact else np.float32(0.0)
    src = np.floor((np.arange(out_size, dtype=np.float32) + offset) * scale).astype(np.int64)
    return np.minimum(src, in_size - 1)


def _round_back(img: Tensor, dtype) -> Tensor:
    """A float result as the integer ``dtype``: rounded half to even and clamped to its range."""
    if dtype.is_floating_point:
        return img.to(dtype)
    return img.round().clamp(0 if dtype is _dtype.uint8 else -max_value(dtype) - 1, max_value(dtype)).to(dtype)


def resize(img: Tensor, size: list[int], interpolation: str = "bilinear", antialias: bool | None = True) -> Tensor:
    """Resize the last two dims to ``size`` = [h, w]: nearest / nearest-exact pick source pixels;
    bilinear / bicubic compute ``W_h @ img @ W_w.T`` with the ``resize_weights`` matrices."""
    assert_image_tensor(img)
    out_h, out_w = size
    in_h, in_w = int(img.shape[-2]), int(img.shape[-1])
    if interpolation in ("nearest", "nearest-exact"):
        exact = interpolation == "nearest-exact"
        rows = from_numpy(_nearest_indices(in_h, out_h, exact))[:, None]
        cols = from_numpy(_nearest_indices(in_w, out_w, exact))[None, :]
        return img[..., rows, cols]
    if interpolation not in ("bilinear", "bicubic"):
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor input")
    x = img if img.dtype in (_dtype.float32, _dtype.float64) else img.to(_dtype.float32)
    np_dtype = np.float64 if x.dtype is _dtype.float64 else np.float32
    w_h = from_numpy(resize_weights(in_h, out_h, interpolation, bool(antialias), np_dtype))
    w_w = from_numpy(resize_weights(in_w, out_w, interpolation, bool(antialias), np_dtype))
    out = w_h.matmul(x).matmul(w_w.t())
    return _round_back(out, img.dtype)


# --- colour ---------------------------------------------------------------------------------------

def rgb_to_grayscale(img: Tensor, num_output_channels: int = 1) -> Tensor:
    """ITU-R 601 luma ``L = 0.2989 R + 0.587 G + 0.114 B`` (truncated for integer images)."""
    if img.dim() < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.dim()}")
    _assert_channels(img, [1, 3])
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if img.shape[-3] == 3:
        r, g, b = img.unbind(dim=-3)
        luma = (0.2989 * r + 0.587 * g + 0.114 * b).to(img.dtype).unsqueeze(dim=-3)
    else:
        luma = img.clone()
    return luma.expand(img.shape) if num_output_channels == 3 else luma


def _blend(img1: Tensor, img2: Tensor, ratio: float) -> Tensor:
    """``clamp(ratio * img1 + (1 - ratio) * img2, 0, max)`` in ``img1``'s dtype."""
    ratio = float(ratio)
    return (ratio * img1 + (1.0 - ratio) * img2).clamp(0, max_value(img1.dtype)).to(img1.dtype)


def adjust_brightness(img: Tensor, brightness_factor: float) -> Tensor:
    """``factor * img`` (blend with black), clamped."""
    if brightness_factor < 0:
        raise ValueError(f"brightness_factor ({brightness_factor}) is not non-negative.")
    assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    return _blend(img, zeros_like(img), brightness_factor)


def adjust_contrast(img: Tensor, contrast_factor: float) -> Tensor:
    """Blend with the mean grey level of each image."""
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative.")
    assert_image_tensor(img)
    _assert_channels(img, [3, 1])
    dtype = img.dtype if img.is_floating_point() else _dtype.float32
    grey = rgb_to_grayscale(img) if get_dimensions(img)[0] == 3 else img
    mean = grey.to(dtype).mean(dim=(-3, -2, -1), keepdim=True)
    return _blend(img, mean, contrast_factor)


def adjust_saturation(img: Tensor, saturation_factor: float) -> Tensor:
    """Blend with the greyscale image (grey images are returned unchanged, as PIL does)."""
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative.")
    assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:
        return img
    return _blend(img, rgb_to_grayscale(img), saturation_factor)


def _rgb2hsv(img: Tensor) -> Tensor:
    """RGB in [0, 1] -> HSV in [0, 1] (Pillow's formulas; no division by zero for greys)."""
    r, g, b = img.unbind(dim=-3)
    maxc, minc = img.max(dim=-3).values, img.min(dim=-3).values
    eqc = maxc == minc
    cr = maxc - minc
    ones = ones_like(maxc)
    s = cr / maxc.where(~eqc, ones)
    cr_divisor = cr.where(~eqc, ones)
    rc, gc, bc = (maxc - r) / cr_divisor, (maxc - g) / cr_divisor, (maxc - b) / cr_divisor
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = ((hr + hg + hb) / 6.0 + 1.0).fmod(1.0)
    return stack((h, s, maxc), dim=-3)


def _hsv2rgb(img: Tensor) -> Tensor:
    """HSV -> RGB: sector ``i = floor(6 h)`` picks which of v, p, q, t each channel takes."""
    h, s, v = img.unbind(dim=-3)
    i = (h * 6.0).floor()
    f = h * 6.0 - i
    i = i.to(_dtype.int32) % 6
    p = (v * (1.0 - s)).clamp(0.0, 1.0)
    q = (v * (1.0 - s * f)).clamp(0.0, 1.0)
    t = (v * (1.0 - s * (1.0 - f))).clamp(0.0, 1.0)
    mask = (i.unsqueeze(dim=-3) == as_tensor(np.arange(6)).view(-1, 1, 1)).to(img.dtype)
    a1 = stack((v, q, p, p, t, v), dim=-3)
    a2 = stack((t, v, v, q, p, p), dim=-3)
    a3 = stack((p, p, t, v, v, q), dim=-3)
    return einsum("...ijk, ...xijk -> ...xjk", mask, stack((a1, a2, a3), dim=-4))


def adjust_hue(img: Tensor, hue_factor: float) -> Tensor:
    """Rotate the hue: ``h' = (h + hue_factor) mod 1`` in HSV space."""
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:
        return img
    orig_dtype = img.dtype
    h, s, v = _rgb2hsv(convert_image_dtype(img, _dtype.float32)).unbind(dim=-3)
    rgb = _hsv2rgb(stack(((h + hue_factor) % 1.0, s, v), dim=-3))
    return convert_image_dtype(rgb, orig_dtype)


# --- rotation: sample the image at inverse-mapped coordinates ----------------------------------

def _affine_output_size(matrix: list[float], w: int, h: int) -> tuple[int, int]:
    """(width, height) of the box holding the image's corners after the affine map (``expand=True``)."""
    corners = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0], [0.5 * w, 0.5 * h, 1.0],
                        [0.5 * w, -0.5 * h, 1.0]], dtype=np.float32)
    moved = corners @ np.asarray(matrix, dtype=np.float32).reshape(2, 3).T
    tol = 1e-4  # so that 1e-15 above an integer does not round up a whole pixel
    lo = np.floor(np.trunc((moved.min(axis=0) + [w * 0.5, h * 0.5]) / tol) * tol)
    hi = np.ceil(np.trunc((moved.max(axis=0) + [w * 0.5, h * 0.5]) / tol) * tol)
    size = hi - lo
    return int(size[0]), int(size[1])


def _source_coordinates(matrix: list[float], w: int, h: int, ow: int, oh: int, dtype) -> tuple[np.ndarray, np.ndarray]:
    """For every output pixel, the input (x, y) it samples, in pixel units: the centred output grid
    times the inverse affine ``matrix``, shifted back to the corner (``grid_sample``'s convention
    with ``align_corners=False``, computed in the image's float dtype as torchvision does)."""
    np_dtype = np.float64 if dtype is _dtype.float64 else np.float32
    xs = np.linspace(-ow * 0.5 + 0.5, ow * 0.5 - 0.5, ow, dtype=np.float32).astype(np_dtype)
    ys = np.linspace(-oh * 0.5 + 0.5, oh * 0.5 - 0.5, oh, dtype=np.float32).astype(np_dtype)
    base = np.stack(np.broadcast_arrays(xs[None, :], ys[:, None], np.ones((1, 1), np_dtype)), axis=-1)
    theta = np.asarray(matrix, dtype=np_dtype).reshape(2, 3)
    grid = base.reshape(-1, 3) @ (theta.T / np.array([0.5 * w, 0.5 * h], dtype=np_dtype))
    gx, gy = grid[:, 0].reshape(oh, ow), grid[:, 1].reshape(oh, ow)
    return ((gx + 1) * w - 1) / 2, ((gy + 1) * h - 1) / 2


def _gather(img: Tensor, ix: np.ndarray, iy: np.ndarray) -> Tensor:
    """``img[..., iy, ix]`` with zeros where (ix, iy) is outside the image."""
    h, w = int(img.shape[-2]), int(img.shape[-1])
    inside = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
    values = img[..., from_numpy(np.clip(iy, 0, h - 1)), from_numpy(np.clip(ix, 0, w - 1))]
    return values * from_numpy(inside).to(img.dtype)


def rotate(img: Tensor, matrix: list[float], interpolation: str = "nearest", expand: bool = False,
           fill: list[float] | None = None) -> Tensor:
    """Output pixel p takes the input at ``matrix @ p`` (the inverse of the rotation), by
    nearest neighbour or bilinearly; outside the input it is ``fill`` (zeros when None)."""
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor input")
    num_channels = get_dimensions(img)[0]
    if fill is not None and isinstance(fill, (tuple, list)) and len(fill) > 1 and len(fill) != num_channels:
        raise ValueError("The number of elements in 'fill' cannot broadcast to match the number of channels of the "
                         f"image ({len(fill)} != {num_channels})")
    w, h = int(img.shape[-1]), int(img.shape[-2])
    ow, oh = _affine_output_size(matrix, w, h) if expand else (w, h)
    x = img if img.dtype in (_dtype.float32, _dtype.float64) else img.to(_dtype.float32)
    if img.dim() == 2:
        x = x.unsqueeze(0)
    if fill is not None:  # a channel of ones: where it comes out < 1, the pixel saw the outside
        x = cat((x, ones_like(x[..., :1, :, :])), dim=-3)
    sx, sy = _source_coordinates(matrix, w, h, ow, oh, x.dtype)
    if interpolation == "nearest":
        out = _gather(x, np.rint(sx).astype(np.int64), np.rint(sy).astype(np.int64))
    else:
        x0, y0 = np.floor(sx), np.floor(sy)
        x1, y1 = x0 + 1, y0 + 1
        out = 0  # grid_sample's corner weights and summation order: nw, ne, sw, se
        for cx, cy, weight in ((x0, y0, (x1 - sx) * (y1 - sy)), (x1, y0, (sx - x0) * (y1 - sy)),
                               (x0, y1, (x1 - sx) * (sy - y0)), (x1, y1, (sx - x0) * (sy - y0))):
            out = out + _gather(x, cx.astype(np.int64), cy.astype(np.int64)) * from_numpy(weight).to(x.dtype)
    if fill is not None:
        mask, out = out[..., -1:, :, :].expand_as(out[..., :-1, :, :]), out[..., :-1, :, :]
        fill_list = list(fill) if isinstance(fill, (tuple, list)) else [float(fill)]
        fill_img = as_tensor(fill_list, dtype=out.dtype).view(len(fill_list), 1, 1).expand_as(out)
        if interpolation == "nearest":
            out = fill_img.where(mask < 0.5, out)
        else:
            out = out * mask + (1.0 - mask) * fill_img
    if img.dim() == 2:
        out = out.squeeze(0)
    return _round_back(out, img.dtype)


def inverse_affine_matrix(center: list[float], angle: float, translate: list[float], scale: float,
                          shear: list[float]) -> list[float]:
    """The 2 x 3 matrix taking output to input coordinates for ``T * C * R(angle) S(scale) Sh(shear) * C^-1``
    (T: translate, C: move the centre to the origin), written out row by row."""
    rot, sx, sy = math.radians(angle), math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    matrix = [x / scale for x in (d, -b, 0.0, -c, a, 0.0)]
    matrix[2] += matrix[0] * (-cx - tx) + matrix[1] * (-cy - ty) + cx
    matrix[5] += matrix[3] * (-cx - tx) + matrix[4] * (-cy - ty) + cy
    return matrix
