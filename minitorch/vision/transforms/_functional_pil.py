"""The PIL side of ``transforms.functional``: each op is the Pillow call torchvision makes."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .._pil import is_pil_image


def _check(img: Any) -> None:
    if not is_pil_image(img):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")


def get_dimensions(img: Any) -> list[int]:
    """[channels, height, width]."""
    _check(img)
    return [len(img.getbands()), img.height, img.width]


def hflip(img: Any) -> Any:
    _check(img)
    from PIL import Image

    return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)


def vflip(img: Any) -> Any:
    _check(img)
    from PIL import Image

    return img.transpose(Image.Transpose.FLIP_TOP_BOTTOM)


def _enhance(img: Any, enhancer: str, factor: float) -> Any:
    _check(img)
    from PIL import ImageEnhance

    return getattr(ImageEnhance, enhancer)(img).enhance(factor)


def adjust_brightness(img: Any, brightness_factor: float) -> Any:
    return _enhance(img, "Brightness", brightness_factor)


def adjust_contrast(img: Any, contrast_factor: float) -> Any:
    return _enhance(img, "Contrast", contrast_factor)


def adjust_saturation(img: Any, saturation_factor: float) -> Any:
    return _enhance(img, "Color", saturation_factor)


def adjust_hue(img: Any, hue_factor: float) -> Any:
    """Shift the H channel of the HSV image by ``hue_factor * 255`` levels, wrapping around."""
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    _check(img)
    from PIL import Image

    if img.mode in {"L", "1", "I", "F"}:
        return img
    h, s, v = img.convert("HSV").split()
    np_h = np.array(h, dtype=np.uint8)
    np_h += np.int32(hue_factor * 255).astype(np.uint8)  # overflows on purpose: hue is circular
    return Image.merge("HSV", (Image.fromarray(np_h), s, v)).convert(img.mode)


def _parse_fill(fill: Any, img: Any, name: str = "fillcolor") -> dict[str, Any]:
    """Pillow's fill argument: one value per band (ints unless the image is float)."""
    num_channels = len(img.getbands())
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and num_channels > 1:
        fill = tuple([fill] * num_channels)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = fill * num_channels
        elif len(fill) != num_channels:
            raise ValueError("The number of elements in 'fill' does not match the number of channels of the image "
                             f"({len(fill)} != {num_channels})")
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, tuple) else int(fill)
    return {name: fill}


def pad(img: Any, padding: Any, fill: Any = 0, padding_mode: str = "constant") -> Any:
    """Constant padding by ``ImageOps.expand``; the other modes by ``np.pad`` of the pixels."""
    _check(img)
    from PIL import Image, ImageOps

    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if fill is not None and not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, list):
        padding = tuple(padding)
    if isinstance(padding, tuple) and len(padding) not in [1, 2, 4]:
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")
    if isinstance(padding, tuple) and len(padding) == 1:
        padding = padding[0]
    if padding_mode not in ["constant", "edge", "reflect", "symmetric"]:
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    if padding_mode == "constant":
        opts = _parse_fill(fill, img, name="fill")
        if img.mode == "P":
            palette = img.getpalette()
            image = ImageOps.expand(img, border=padding, **opts)
            image.putpalette(palette)
            return image
        return ImageOps.expand(img, border=padding, **opts)
    if isinstance(padding, int):
        p = [padding] * 4
    elif len(padding) == 2:
        p = [padding[0], padding[1], padding[0], padding[1]]
    else:
        p = list(padding)
    crop_left, crop_top, crop_right, crop_bottom = (-np.minimum(p, 0)).tolist()
    if crop_left or crop_top or crop_right or crop_bottom:
        img = img.crop((crop_left, crop_top, img.width - crop_right, img.height - crop_bottom))
    left, top, right, bottom = np.maximum(p, 0).tolist()
    palette = img.getpalette() if img.mode == "P" else None
    array = np.asarray(img)
    widths = ((top, bottom), (left, right)) + (((0, 0),) if array.ndim == 3 else ())
    out = Image.fromarray(np.pad(array, widths, mode=padding_mode))
    if palette is not None:
        out.putpalette(palette)
    return out


def crop(img: Any, top: int, left: int, height: int, width: int) -> Any:
    _check(img)
    return img.crop((left, top, left + width, top + height))


def resize(img: Any, size: list[int], interpolation: int) -> Any:
    _check(img)
    if not (isinstance(size, list) and len(size) == 2):
        raise TypeError(f"Got inappropriate size arg: {size}")
    return img.resize(tuple(size[::-1]), interpolation)


def rotate(img: Any, angle: float, interpolation: int, expand: bool = False, center: Any = None,
           fill: Any = None) -> Any:
    _check(img)
    return img.rotate(angle, interpolation, expand, center, **_parse_fill(fill, img))


def to_grayscale(img: Any, num_output_channels: int) -> Any:
    """``img.convert("L")`` (ITU-R 601-2 luma), repeated into RGB for 3 output channels."""
    _check(img)
    from PIL import Image

    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    img = img.convert("L")
    if num_output_channels == 3:
        grey = np.array(img, dtype=np.uint8)
        img = Image.fromarray(np.dstack([grey, grey, grey]))
    return img
