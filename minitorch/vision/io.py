"""Reading images into tensors (``torchvision.io``), decoded by Pillow.

``read_image(path)`` / ``decode_image(data)`` give a uint8 tensor of shape (C, H, W): C = 1
(grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA) for ``ImageReadMode.UNCHANGED``, or the channels
the mode asks for. Palette images are expanded to RGB (RGBA when they have transparency), as
libpng does for torchvision. Differences: any format Pillow reads is accepted (torchvision's
decoders take JPEG, PNG, WebP and GIF), colour-to-grey conversion is Pillow's (ITU-R 601-2
luma, which libjpeg/libpng may round differently by one level), and images deeper than 8 bits
are converted to 8 bits.
"""

from __future__ import annotations

import io
import os
from enum import Enum

import numpy as np

from .._core import dtype as _dtype
from .._ops.creation.factories import from_numpy
from .._tensor.methods import Tensor
from ._pil import require_pil

__all__ = ["ImageReadMode", "decode_image", "read_file", "read_image"]


class ImageReadMode(Enum):
    """The channels to decode to: as stored (UNCHANGED), GRAY, GRAY_ALPHA, RGB, RGB_ALPHA (alias RGBA)."""

    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = RGB_ALPHA


_PIL_MODE = {ImageReadMode.GRAY: "L", ImageReadMode.GRAY_ALPHA: "LA", ImageReadMode.RGB: "RGB",
             ImageReadMode.RGB_ALPHA: "RGBA"}


def read_file(path: str | os.PathLike) -> Tensor:
    """The bytes of the file at ``path`` as a 1-d uint8 tensor."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise RuntimeError(f"[Errno {e.errno}] {e.strerror}: '{path}'") from None
    return from_numpy(np.frombuffer(data, dtype=np.uint8).copy())


def _unchanged_mode(image) -> str:
    """The 8-bit mode that keeps the stored channels: L, LA, RGB or RGBA."""
    if image.mode == "P":
        return "RGBA" if "transparency" in image.info else "RGB"
    if image.mode in ("L", "LA", "RGB", "RGBA"):
        return image.mode
    bands = image.getbands()
    if "A" in bands:
        return "LA" if len(bands) == 2 else "RGBA"
    return "L" if len(bands) == 1 else "RGB"


def decode_image(input: Tensor | str | os.PathLike, mode: ImageReadMode | str = ImageReadMode.UNCHANGED,
                 apply_exif_orientation: bool = False) -> Tensor:
    """Decode the encoded bytes ``input`` (a 1-d uint8 tensor, or a path to read) into a uint8
    (C, H, W) tensor with the channels ``mode`` asks for (a name such as ``"RGB"`` works too)."""
    if not isinstance(input, Tensor):
        input = read_file(str(input))
    if isinstance(mode, str):
        mode = ImageReadMode[mode.upper()]
    if input.dtype is not _dtype.uint8:
        raise RuntimeError("Expected a torch.uint8 tensor")
    if input.dim() != 1 or input.numel() == 0:
        raise RuntimeError("Expected a non empty 1-dimensional tensor")
    image_module = require_pil("minitorch.vision.io.decode_image")
    try:
        image = image_module.open(io.BytesIO(input.numpy(force=True).tobytes()))
        image.load()
    except (OSError, ValueError, SyntaxError) as e:  # Pillow's UnidentifiedImageError is an OSError
        raise RuntimeError(f"Unsupported image file: {e}") from None
    if apply_exif_orientation:
        from PIL import ImageOps

        image = ImageOps.exif_transpose(image)
    target = _unchanged_mode(image) if mode is ImageReadMode.UNCHANGED else _PIL_MODE[mode]
    if image.mode == "P":  # expand the palette first, keeping its transparency
        image = image.convert(_unchanged_mode(image))
    if image.mode != target:
        image = image.convert(target)
    array = np.asarray(image, dtype=np.uint8)
    if array.ndim == 2:
        array = array[:, :, None]
    return from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))


def read_image(path: str | os.PathLike, mode: ImageReadMode | str = ImageReadMode.UNCHANGED,
               apply_exif_orientation: bool = False) -> Tensor:
    """The image file at ``path`` as a uint8 (C, H, W) tensor: ``decode_image(read_file(path), mode)``."""
    return decode_image(read_file(path), mode, apply_exif_orientation=apply_exif_orientation)
