"""``transforms.v2.functional``: the image ops of ``transforms.functional`` under v2's names,
taking PIL Images, plain tensors and ``tv_tensors.Image`` (an ``Image`` in gives an ``Image`` out)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..._pil import is_pil_image
from ...tv_tensors import Image
from .. import functional as F
from ..functional import InterpolationMode
from ._transforms import ToImage, _interpolation
from ._transforms import to_dtype as _to_dtype_tensor

__all__ = [
    "InterpolationMode",
    "adjust_brightness",
    "adjust_contrast",
    "adjust_hue",
    "adjust_saturation",
    "center_crop",
    "crop",
    "get_dimensions",
    "get_size",
    "hflip",
    "horizontal_flip",
    "normalize",
    "pad",
    "pil_to_tensor",
    "resize",
    "resized_crop",
    "rgb_to_grayscale",
    "rotate",
    "to_dtype",
    "to_grayscale",
    "to_image",
    "to_pil_image",
    "vertical_flip",
    "vflip",
]

pil_to_tensor = F.pil_to_tensor
to_pil_image = F.to_pil_image


def _keeps_type(op: Callable) -> Callable:
    """``op`` on the plain tensor inside an ``Image``, the result wrapped as an ``Image`` again."""
    def kernel(inpt: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(inpt, Image):
            return Image.wrap(op(inpt.as_plain_tensor(), *args, **kwargs))
        return op(inpt, *args, **kwargs)

    kernel.__name__, kernel.__doc__ = op.__name__, op.__doc__
    return kernel


def to_image(inpt: Any) -> Image:
    """PIL Image, ndarray or plain tensor -> ``tv_tensors.Image`` (values unchanged)."""
    return ToImage().transform(inpt, {})


def to_dtype(inpt: Any, dtype: Any = None, scale: bool = False) -> Any:
    """``inpt.to(dtype)``, rescaling full intensity to full intensity when ``scale``."""
    from ...._core import dtype as _dtype

    return _keeps_type(_to_dtype_tensor)(inpt, dtype or _dtype.float32, scale)


def get_dimensions(inpt: Any) -> list[int]:
    """[channels, height, width]."""
    return F.get_dimensions(inpt)


def get_size(inpt: Any) -> list[int]:
    """[height, width] (v1's ``get_image_size`` is [width, height])."""
    return F.get_dimensions(inpt)[1:]


def resize(inpt: Any, size: Any, interpolation: Any = InterpolationMode.BILINEAR, max_size: int | None = None,
           antialias: bool | None = True) -> Any:
    """As ``transforms.functional.resize``; ``interpolation`` may also be a string (``"bicubic"``)."""
    return _keeps_type(F.resize)(inpt, size, _interpolation(interpolation), max_size, antialias)


def resized_crop(inpt: Any, top: int, left: int, height: int, width: int, size: Any,
                 interpolation: Any = InterpolationMode.BILINEAR, antialias: bool | None = True) -> Any:
    return _keeps_type(F.resized_crop)(inpt, top, left, height, width, size, _interpolation(interpolation), antialias)


def rotate(inpt: Any, angle: float, interpolation: Any = InterpolationMode.NEAREST, expand: bool = False,
           center: Any = None, fill: Any = None) -> Any:
    return _keeps_type(F.rotate)(inpt, angle, _interpolation(interpolation), expand, center, fill)


def normalize(inpt: Any, mean: Any, std: Any, inplace: bool = False) -> Any:
    if is_pil_image(inpt):
        raise TypeError("normalize() does not support PIL images.")
    return _keeps_type(F.normalize)(inpt, mean, std, inplace)


horizontal_flip = hflip = _keeps_type(F.hflip)
vertical_flip = vflip = _keeps_type(F.vflip)
crop = _keeps_type(F.crop)
center_crop = _keeps_type(F.center_crop)
pad = _keeps_type(F.pad)
adjust_brightness = _keeps_type(F.adjust_brightness)
adjust_contrast = _keeps_type(F.adjust_contrast)
adjust_saturation = _keeps_type(F.adjust_saturation)
adjust_hue = _keeps_type(F.adjust_hue)
rgb_to_grayscale = to_grayscale = _keeps_type(F.rgb_to_grayscale)
