"""Image transforms in the style of ``torchvision.transforms``, on tensors.

Images are tensors of shape (..., C, H, W) (after ``ToTensor``) or, before it, uint8 tensors or
NumPy arrays of shape (H, W) or (H, W, C) - what minitorch's datasets return instead of PIL
Images (a deliberate difference: torchvision's ``ToTensor`` rejects tensors). Random transforms
draw from minitorch's default generator, so ``minitorch.manual_seed`` makes them reproducible.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any

import numpy as np

from .. import _dtype
from .._creation import as_tensor, from_numpy, full
from .._ops.random import rand, randint
from .._tensor import Tensor

__all__ = [
    "CenterCrop",
    "Compose",
    "InterpolationMode",
    "Lambda",
    "Normalize",
    "Pad",
    "RandomCrop",
    "RandomHorizontalFlip",
    "RandomVerticalFlip",
    "Resize",
    "ToTensor",
]


class InterpolationMode(Enum):
    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"


class Compose:
    """Apply ``transforms`` one after the other: ``t_n(...t_2(t_1(img)))``."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class ToTensor:
    """uint8 (H, W) / (H, W, C) tensor or array -> float32 (C, H, W) in [0, 1]: ``x / 255``.

    Other NumPy dtypes are moved to (C, H, W) unscaled (as torchvision); non-uint8 tensors are
    returned unchanged (assumed to be images already).
    """

    def __call__(self, pic):
        if isinstance(pic, Tensor):
            if pic.dtype is not _dtype.uint8:
                return pic
            pic = pic.numpy(force=True)
        if not isinstance(pic, np.ndarray):
            raise TypeError(f"pic should be a uint8 tensor or ndarray. Got {type(pic)}")
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        if pic.ndim == 2:
            pic = pic[:, :, None]
        img = from_numpy(np.ascontiguousarray(pic.transpose((2, 0, 1))))
        if img.dtype is _dtype.uint8:
            return img.to(_dtype.get_default_dtype()).div(255)
        return img

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Normalize:
    """Per channel: ``out[c] = (x[c] - mean[c]) / std[c]`` on a float (..., C, H, W) tensor."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, tensor: Tensor) -> Tensor:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"Input tensor should be a torch tensor. Got {type(tensor)}.")
        if not tensor.is_floating_point():
            raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
        if tensor.dim() < 3:
            raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got "
                             f"tensor.size() = {tensor.size()}")
        mean = as_tensor(self.mean, dtype=tensor.dtype, device=tensor.device)
        std = as_tensor(self.std, dtype=tensor.dtype, device=tensor.device)
        if (std == 0).any():
            raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
        if mean.dim() == 1:
            mean = mean.view(-1, 1, 1)
        if std.dim() == 1:
            std = std.view(-1, 1, 1)
        if self.inplace:
            return tensor.sub_(mean).div_(std)
        return (tensor - mean) / std

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


class RandomHorizontalFlip:
    """With probability ``p`` (one draw ``rand(1) < p``), mirror the last (width) dimension."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def __call__(self, img: Tensor) -> Tensor:
        return img.flip(-1) if rand(1).item() < self.p else img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class RandomVerticalFlip(RandomHorizontalFlip):
    """With probability ``p``, flip the height dimension."""

    def __call__(self, img: Tensor) -> Tensor:
        return img.flip(-2) if rand(1).item() < self.p else img


def _image_hw(img: Tensor) -> tuple[int, int]:
    return int(img.shape[-2]), int(img.shape[-1])


def _parse_padding(padding) -> tuple[int, int, int, int]:
    """torchvision's padding -> (left, top, right, bottom): int, (lr, tb) or (l, t, r, b)."""
    if isinstance(padding, numbers.Number):
        p = int(padding)
        return p, p, p, p
    padding = tuple(int(p) for p in padding)
    if len(padding) == 1:
        return padding * 4  # type: ignore[return-value]
    if len(padding) == 2:
        return padding[0], padding[1], padding[0], padding[1]
    if len(padding) == 4:
        return padding  # type: ignore[return-value]
    raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")


def pad(img: Tensor, padding, fill: float = 0, padding_mode: str = "constant") -> Tensor:
    """Pad the last two dims. Modes: constant (``fill``), edge, reflect (mirror without the edge),
    symmetric (mirror with the edge) - index bookkeeping by ``np.pad`` of ``arange``, values by gather."""
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    left, top, right, bottom = _parse_padding(padding)
    h, w = _image_hw(img)
    if padding_mode == "constant":
        out = full((*img.shape[:-2], h + top + bottom, w + left + right), fill, dtype=img.dtype, device=img.device)
        out[..., top:top + h, left:left + w] = img
        return out
    rows = np.pad(np.arange(h), (top, bottom), mode=padding_mode)
    cols = np.pad(np.arange(w), (left, right), mode=padding_mode)
    return img[..., as_tensor(rows), :][..., as_tensor(cols)]


def crop(img: Tensor, top: int, left: int, height: int, width: int) -> Tensor:
    """``img[..., top:top+height, left:left+width]`` (zero-padded where it leaves the image)."""
    h, w = _image_hw(img)
    if top < 0 or left < 0 or top + height > h or left + width > w:
        img = pad(img, (max(-left, 0), max(-top, 0), max(left + width - w, 0), max(top + height - h, 0)))
        top, left = max(top, 0), max(left, 0)
    return img[..., top:top + height, left:left + width]


def _size_pair(size) -> tuple[int, int]:
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if len(size) == 1:
        return int(size[0]), int(size[0])
    return int(size[0]), int(size[1])


class RandomCrop:
    """Pad (optionally), then cut a ``size`` window at a uniformly random position."""

    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill: float = 0,
                 padding_mode: str = "constant") -> None:
        self.size = _size_pair(size)
        self.padding, self.pad_if_needed, self.fill, self.padding_mode = padding, pad_if_needed, fill, padding_mode

    @staticmethod
    def get_params(img: Tensor, output_size: tuple[int, int]) -> tuple[int, int, int, int]:
        """A random (top, left, height, width) for the crop."""
        h, w = _image_hw(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(h, w)}")
        if w == tw and h == th:
            return 0, 0, h, w
        i = int(randint(0, h - th + 1, size=(1,)).item())
        j = int(randint(0, w - tw + 1, size=(1,)).item())
        return i, j, th, tw

    def __call__(self, img: Tensor) -> Tensor:
        if self.padding is not None:
            img = pad(img, self.padding, self.fill, self.padding_mode)
        h, w = _image_hw(img)
        if self.pad_if_needed and w < self.size[1]:
            img = pad(img, (self.size[1] - w, 0), self.fill, self.padding_mode)
        if self.pad_if_needed and h < self.size[0]:
            img = pad(img, (0, self.size[0] - h), self.fill, self.padding_mode)
        i, j, th, tw = self.get_params(img, self.size)
        return crop(img, i, j, th, tw)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


class CenterCrop:
    """The central ``size`` window: top = round((H - h) / 2), left = round((W - w) / 2)."""

    def __init__(self, size) -> None:
        self.size = _size_pair(size)

    def __call__(self, img: Tensor) -> Tensor:
        h, w = _image_hw(img)
        th, tw = self.size
        return crop(img, int(round((h - th) / 2.0)), int(round((w - tw) / 2.0)), th, tw)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size})"


class Pad:
    """Pad the image borders (``padding`` as in ``pad``)."""

    def __init__(self, padding, fill: float = 0, padding_mode: str = "constant") -> None:
        _parse_padding(padding)
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def __call__(self, img: Tensor) -> Tensor:
        return pad(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


class Resize:
    """Resize to ``size`` (h, w), or scale the shorter side to ``size`` keeping the aspect ratio.

    Uses ``nn.functional.interpolate`` (``align_corners=False``); integer images are resized in float
    and rounded back. Difference: ``antialias`` is not implemented, so downscaling matches
    torchvision's ``antialias=False``.
    """

    def __init__(self, size, interpolation: InterpolationMode | str = InterpolationMode.BILINEAR,
                 max_size: int | None = None, antialias: bool | None = True) -> None:
        self.size, self.max_size, self.antialias = size, max_size, antialias
        self.interpolation = InterpolationMode(interpolation) if isinstance(interpolation, str) else interpolation

    def _output_size(self, h: int, w: int) -> tuple[int, int]:
        if not isinstance(self.size, numbers.Number) and len(self.size) == 2:
            return int(self.size[0]), int(self.size[1])
        requested = int(self.size if isinstance(self.size, numbers.Number) else self.size[0])
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = requested, int(requested * long / short)
        if self.max_size is not None and new_long > self.max_size:
            new_short, new_long = int(self.max_size * new_short / new_long), self.max_size
        return (new_long, new_short) if w <= h else (new_short, new_long)

    def __call__(self, img: Tensor) -> Tensor:
        from ..nn.functional import interpolate

        out_hw = self._output_size(*_image_hw(img))
        lead = img.shape[:-2]
        x = img.reshape(-1, 1, *img.shape[-2:])
        if not x.is_floating_point():
            x = x.to(_dtype.float32)
        mode = self.interpolation.value
        y = interpolate(x, size=out_hw, mode=mode, align_corners=None if mode.startswith("nearest") else False)
        if not img.is_floating_point():
            info = np.iinfo(img.dtype.np) if img.dtype is not _dtype.bool_ else None
            y = y.round()
            if info is not None:
                y = y.clamp(int(info.min), int(info.max))
            y = y.to(img.dtype)
        return y.reshape(*lead, *out_hw)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, interpolation={self.interpolation.value})"


class Lambda:
    """Apply a user function: ``lambd(img)``."""

    def __init__(self, lambd: Callable[[Any], Any]) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
