"""``transforms.functional``: each image op on PIL Images and on tensors, as in torchvision.

An image is a PIL Image or a tensor of shape (..., C, H, W) (a uint8 tensor holds 0..255, a
float tensor 0..1). Every function checks its arguments, then hands the image to the PIL
implementation (``_functional_pil``: the Pillow call torchvision makes, so the results are
torchvision's exactly) or to the tensor one (``_functional_tensor``: minitorch's ops).
"""

from __future__ import annotations

import numbers
import sys
import warnings
from collections.abc import Sequence
from enum import Enum
from typing import Any

import numpy as np

from ..._core import dtype as _dtype
from ..._ops.creation.factories import from_numpy
from ..._tensor.methods import Tensor
from .._pil import is_pil_image, require_pil
from . import _functional_pil as F_pil
from . import _functional_tensor as F_t

__all__ = ["InterpolationMode", "adjust_brightness", "adjust_contrast", "adjust_hue", "adjust_saturation",
           "center_crop", "convert_image_dtype", "crop", "get_dimensions", "get_image_num_channels",
           "get_image_size", "hflip", "normalize", "pad", "pil_to_tensor", "resize", "resized_crop",
           "rgb_to_grayscale", "rotate", "to_grayscale", "to_pil_image", "to_tensor", "vflip"]


class InterpolationMode(Enum):
    """How pixels between samples are computed; tensors support the first four."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


# Pillow's resampling constants (PIL.Image.Resampling), without importing Pillow.
_PIL_MODES = {InterpolationMode.NEAREST: 0, InterpolationMode.NEAREST_EXACT: 0, InterpolationMode.BILINEAR: 2,
              InterpolationMode.BICUBIC: 3, InterpolationMode.BOX: 4, InterpolationMode.HAMMING: 5,
              InterpolationMode.LANCZOS: 1}
_FROM_PIL = {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR, 3: InterpolationMode.BICUBIC,
             4: InterpolationMode.BOX, 5: InterpolationMode.HAMMING, 1: InterpolationMode.LANCZOS}


def interpolation_mode(interpolation: Any) -> InterpolationMode:
    """An ``InterpolationMode`` from itself or from a Pillow integer constant (``PIL.Image.BILINEAR``)."""
    if isinstance(interpolation, InterpolationMode):
        return interpolation
    if isinstance(interpolation, int) and not isinstance(interpolation, bool):
        if interpolation not in _FROM_PIL:
            raise KeyError(interpolation)
        return _FROM_PIL[interpolation]
    raise TypeError("Argument interpolation should be a InterpolationMode or a corresponding Pillow integer constant")


def get_dimensions(img: Any) -> list[int]:
    """[channels, height, width] of a PIL Image or a (..., C, H, W) tensor."""
    if isinstance(img, Tensor):
        return F_t.get_dimensions(img)
    if not is_pil_image(img):
        raise TypeError(f"Unexpected type {type(img)}")
    return F_pil.get_dimensions(img)


def get_image_size(img: Any) -> list[int]:
    """[width, height] (PIL's order)."""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img: Any) -> int:
    return get_dimensions(img)[0]


# --- conversions ----------------------------------------------------------------------------------

def _uint8_tensor_image(pic: Tensor) -> np.ndarray:
    """The fallback image of datasets without Pillow: a uint8 (H, W) or (H, W, C) tensor, as an array."""
    if pic.dtype is not _dtype.uint8 or pic.dim() not in (2, 3):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    return pic.numpy(force=True)


# the array type of a PIL mode that is not 8-bit (torchvision's ``to_tensor``)
_PIL_NPTYPE = {"I": np.int32, "I;16" if sys.byteorder == "little" else "I;16B": np.int16, "F": np.float32}


def to_tensor(pic: Any) -> Tensor:
    """PIL Image or (H, W[, C]) ndarray -> (C, H, W) tensor; uint8 data becomes float in [0, 1]
    (``x / 255``), other dtypes keep their values. Also takes the uint8 (H, W[, C]) tensor that
    datasets hand out when Pillow is missing (torchvision takes no tensor here)."""
    if isinstance(pic, Tensor):
        pic = _uint8_tensor_image(pic)
    if not (is_pil_image(pic) or isinstance(pic, np.ndarray)):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        if pic.ndim == 2:
            pic = pic[:, :, None]
        img = from_numpy(np.ascontiguousarray(pic.transpose((2, 0, 1))))
    else:
        array = np.array(pic, _PIL_NPTYPE.get(pic.mode, np.uint8), copy=True)
        if pic.mode == "1":
            array = 255 * array
        array = array.reshape(pic.size[1], pic.size[0], len(pic.getbands()))
        default = _dtype.get_default_dtype()
        if array.dtype == np.uint8 and default in (_dtype.float32, _dtype.float64):
            # ``img.to(default).div(255)`` on the array: the same correctly rounded x / 255 in the
            # float type, without two dispatched ops per image (a third of ToTensor's time)
            out = np.empty((array.shape[2], array.shape[0], array.shape[1]), dtype=default.np)
            np.divide(array.transpose((2, 0, 1)), 255, out=out, dtype=default.np)
            return from_numpy(out)
        img = from_numpy(np.ascontiguousarray(array.transpose((2, 0, 1))))
    if img.dtype is _dtype.uint8:
        return img.to(_dtype.get_default_dtype()).div(255)
    return img


def pil_to_tensor(pic: Any) -> Tensor:
    """PIL Image -> (C, H, W) tensor of the same values and dtype (uint8 for 8-bit images)."""
    if not is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    array = np.array(pic, copy=True)
    array = array.reshape(pic.size[1], pic.size[0], len(pic.getbands()))
    return from_numpy(array).permute((2, 0, 1))


def to_pil_image(pic: Any, mode: str | None = None) -> Any:
    """(C, H, W) tensor or (H, W, C) ndarray -> PIL Image. Float data is scaled by 255 and
    truncated to uint8 (unless ``mode="F"``); the mode follows from channels and dtype (L, LA,
    RGB, RGBA, I;16, I, F)."""
    if isinstance(pic, Tensor):
        if pic.dim() == 3:
            pic = pic.permute((1, 2, 0))
        pic = pic.numpy(force=True)
    elif not isinstance(pic, np.ndarray):
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if pic.ndim == 2:
        pic = np.expand_dims(pic, 2)
    if pic.ndim != 3:
        raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    if pic.shape[-1] > 4:
        raise ValueError(f"pic should not have > 4 channels. Got {pic.shape[-1]} channels.")
    npimg = pic
    if np.issubdtype(npimg.dtype, np.floating) and mode != "F":
        npimg = (npimg * 255).astype(np.uint8)
    if npimg.shape[2] == 1:
        npimg = npimg[:, :, 0]
        expected = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16" if sys.byteorder == "little" else "I;16B",
                    np.dtype(np.int32): "I", np.dtype(np.float32): "F"}.get(npimg.dtype)
        if mode is not None and mode != expected:
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type {npimg.dtype}. Should be {expected}")
        mode = expected
    else:
        permitted = {2: ["LA"], 3: ["RGB", "YCbCr", "HSV"], 4: ["RGBA", "CMYK", "RGBX"]}[npimg.shape[2]]
        if mode is not None and mode not in permitted:
            raise ValueError(f"Only modes {permitted} are supported for {npimg.shape[2]}D inputs")
        if mode is None and npimg.dtype == np.uint8:
            mode = permitted[0]
    if mode is None:
        raise TypeError(f"Input type {npimg.dtype} is not supported")
    # frombuffer reads the bytes in ``mode`` (Image.fromarray would infer the mode from the dtype)
    return require_pil("to_pil_image").frombuffer(mode, (npimg.shape[1], npimg.shape[0]),
                                                  np.ascontiguousarray(npimg).tobytes(), "raw", mode, 0, 1)


def convert_image_dtype(image: Tensor, dtype=_dtype.float32) -> Tensor:
    """Change the dtype of a tensor image and rescale its values (see ``_functional_tensor``)."""
    if not isinstance(image, Tensor):
        raise TypeError("Input img should be Tensor Image")
    return F_t.convert_image_dtype(image, dtype)


def normalize(tensor: Tensor, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> Tensor:
    """``(x[c] - mean[c]) / std[c]`` per channel of a float tensor image."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    return F_t.normalize(tensor, mean=mean, std=std, inplace=inplace)


# --- geometry -------------------------------------------------------------------------------------

def resized_output_size(image_size: tuple[int, int], size: list[int], max_size: int | None = None) -> list[int]:
    """[h, w] after ``Resize(size)``: ``size`` itself for (h, w); for one number the shorter side
    becomes it and the longer ``int(size * long / short)``, capped by ``max_size``."""
    h, w = image_size
    if len(size) != 1:
        return [size[0], size[1]]
    short, long = (w, h) if w <= h else (h, w)
    requested = size[0]
    new_short, new_long = requested, int(requested * long / short)
    if max_size is not None:
        if max_size <= requested:
            raise ValueError(f"max_size = {max_size} must be strictly greater than the requested "
                             f"size for the smaller edge size = {size}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    return [new_h, new_w]


def resize(img: Any, size: int | list[int], interpolation: Any = InterpolationMode.BILINEAR,
           max_size: int | None = None, antialias: bool | None = True) -> Any:
    """Resize to ``size`` (h, w), or the shorter side to ``size`` keeping the aspect ratio.

    PIL Images are resized by Pillow (always antialiased); tensors by ``_functional_tensor.resize``
    (``antialias`` applies to bilinear and bicubic)."""
    interpolation = interpolation_mode(interpolation)
    if isinstance(size, (list, tuple)):
        if len(size) not in [1, 2]:
            raise ValueError(f"Size must be an int or a 1 or 2 element tuple/list, not a {len(size)} element "
                             "tuple/list")
        if max_size is not None and len(size) != 1:
            raise ValueError("max_size should only be passed if size specifies the length of the smaller edge, "
                             "i.e. size should be an int or a sequence of length 1 in torchscript mode.")
    _, image_height, image_width = get_dimensions(img)
    output_size = resized_output_size((image_height, image_width), [size] if isinstance(size, int) else list(size),
                                      max_size)
    if [image_height, image_width] == output_size:
        return img
    if not isinstance(img, Tensor):
        if antialias is False:
            warnings.warn("Anti-alias option is always applied for PIL Image input. Argument antialias is ignored.")
        return F_pil.resize(img, size=output_size, interpolation=_PIL_MODES[interpolation])
    return F_t.resize(img, size=output_size, interpolation=interpolation.value, antialias=antialias)


def _padding_ltrb(padding: Any) -> tuple[int, int, int, int]:
    """torchvision's padding -> (left, top, right, bottom): int, [all], [lr, tb] or [l, t, r, b]."""
    if isinstance(padding, int):
        return padding, padding, padding, padding
    if len(padding) == 1:
        return padding[0], padding[0], padding[0], padding[0]
    if len(padding) == 2:
        return padding[0], padding[1], padding[0], padding[1]
    return padding[0], padding[1], padding[2], padding[3]


def pad(img: Any, padding: Any, fill: Any = 0, padding_mode: str = "constant") -> Any:
    """Pad the borders by ``padding`` (int, [lr, tb] or [l, t, r, b]) with ``fill`` (constant) or
    by repeating the edge, reflecting (without the edge) or mirroring (with it)."""
    if not isinstance(img, Tensor):
        return F_pil.pad(img, padding=padding, fill=fill, padding_mode=padding_mode)
    F_t.assert_image_tensor(img)
    if fill is None:
        fill = 0
    if not isinstance(padding, (int, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if not isinstance(fill, (int, float)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, (tuple, list)) and len(padding) not in [1, 2, 4]:
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")
    if padding_mode not in ["constant", "edge", "reflect", "symmetric"]:
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    left, top, right, bottom = _padding_ltrb(padding)
    if min(left, top, right, bottom) < 0:  # negative padding crops
        img = img[..., max(-top, 0):int(img.shape[-2]) - max(-bottom, 0), max(-left, 0):int(img.shape[-1]) - max(-right, 0)]
        left, top, right, bottom = max(left, 0), max(top, 0), max(right, 0), max(bottom, 0)
    return F_t.pad(img, (left, top, right, bottom), fill=fill, padding_mode=padding_mode)


def crop(img: Any, top: int, left: int, height: int, width: int) -> Any:
    """The ``height`` x ``width`` window at (``top``, ``left``); zero-padded outside the image."""
    if not isinstance(img, Tensor):
        return F_pil.crop(img, top, left, height, width)
    return F_t.crop(img, top, left, height, width)


def _size_pair(size: Any) -> tuple[int, int]:
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return int(size[0]), int(size[0])
    return int(size[0]), int(size[1])


def center_crop(img: Any, output_size: Any) -> Any:
    """The central window: top = round((H - h) / 2), left = round((W - w) / 2); a smaller image is
    first padded with zeros (the extra pixel on the bottom / right)."""
    crop_height, crop_width = _size_pair(output_size)
    _, image_height, image_width = get_dimensions(img)
    if crop_width > image_width or crop_height > image_height:
        padding = [(crop_width - image_width) // 2 if crop_width > image_width else 0,
                   (crop_height - image_height) // 2 if crop_height > image_height else 0,
                   (crop_width - image_width + 1) // 2 if crop_width > image_width else 0,
                   (crop_height - image_height + 1) // 2 if crop_height > image_height else 0]
        img = pad(img, padding, fill=0)
        _, image_height, image_width = get_dimensions(img)
        if crop_width == image_width and crop_height == image_height:
            return img
    return crop(img, round((image_height - crop_height) / 2.0), round((image_width - crop_width) / 2.0),
                crop_height, crop_width)


def resized_crop(img: Any, top: int, left: int, height: int, width: int, size: Any,
                 interpolation: Any = InterpolationMode.BILINEAR, antialias: bool | None = True) -> Any:
    """``resize(crop(img, top, left, height, width), size)``."""
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def hflip(img: Any) -> Any:
    """Mirror left to right."""
    return F_t.hflip(img) if isinstance(img, Tensor) else F_pil.hflip(img)


def vflip(img: Any) -> Any:
    """Mirror top to bottom."""
    return F_t.vflip(img) if isinstance(img, Tensor) else F_pil.vflip(img)


def rotate(img: Any, angle: float, interpolation: Any = InterpolationMode.NEAREST, expand: bool = False,
           center: Sequence[int] | None = None, fill: Any = None) -> Any:
    """Rotate by ``angle`` degrees counter-clockwise about ``center`` (default: the image centre);
    ``expand`` grows the output to hold the whole rotated image; uncovered pixels get ``fill``."""
    interpolation = interpolation_mode(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    if not isinstance(img, Tensor):
        return F_pil.rotate(img, angle=angle, interpolation=_PIL_MODES[interpolation], expand=expand, center=center,
                            fill=fill)
    F_t.assert_image_tensor(img)
    center_f = [0.0, 0.0]
    if center is not None:
        _, height, width = get_dimensions(img)
        center_f = [1.0 * (c - s * 0.5) for c, s in zip(center, [width, height])]
    matrix = F_t.inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    return F_t.rotate(img, matrix=matrix, interpolation=interpolation.value, expand=expand, fill=fill)


# --- colour ---------------------------------------------------------------------------------------

def adjust_brightness(img: Any, brightness_factor: float) -> Any:
    """Scale the intensity: 0 gives black, 1 the original."""
    if not isinstance(img, Tensor):
        return F_pil.adjust_brightness(img, brightness_factor)
    return F_t.adjust_brightness(img, brightness_factor)


def adjust_contrast(img: Any, contrast_factor: float) -> Any:
    """Blend with the mean grey: 0 gives a uniform grey image, 1 the original."""
    if not isinstance(img, Tensor):
        return F_pil.adjust_contrast(img, contrast_factor)
    return F_t.adjust_contrast(img, contrast_factor)


def adjust_saturation(img: Any, saturation_factor: float) -> Any:
    """Blend with the greyscale image: 0 gives grey, 1 the original, 2 doubles the saturation."""
    if not isinstance(img, Tensor):
        return F_pil.adjust_saturation(img, saturation_factor)
    return F_t.adjust_saturation(img, saturation_factor)


def adjust_hue(img: Any, hue_factor: float) -> Any:
    """Shift the hue by ``hue_factor`` turns of the colour wheel, in [-0.5, 0.5]."""
    if not isinstance(img, Tensor):
        return F_pil.adjust_hue(img, hue_factor)
    return F_t.adjust_hue(img, hue_factor)


def to_grayscale(img: Any, num_output_channels: int = 1) -> Any:
    """A PIL Image in greyscale (1 channel, or 3 equal ones)."""
    if is_pil_image(img):
        return F_pil.to_grayscale(img, num_output_channels)
    raise TypeError("Input should be PIL Image")


def rgb_to_grayscale(img: Any, num_output_channels: int = 1) -> Any:
    """Greyscale of a PIL Image or an RGB tensor: ``L = 0.2989 R + 0.587 G + 0.114 B``."""
    if not isinstance(img, Tensor):
        return F_pil.to_grayscale(img, num_output_channels)
    return F_t.rgb_to_grayscale(img, num_output_channels)
