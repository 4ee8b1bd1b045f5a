"""The preprocessing that pretrained weights expect (``torchvision.transforms._presets``):
``weights.transforms()`` returns one of these."""

from __future__ import annotations

import numpy as np

from ..._core import dtype as _dtype
from ..._ops.creation.factories import from_numpy
from ..._tensor.methods import Tensor
from ...nn.modules.module import Module
from ..transforms import CenterCrop, InterpolationMode, Normalize, Resize


class ImageClassification(Module):
    """ImageNet evaluation preprocessing: resize the shorter side to ``resize_size``, crop the central
    ``crop_size`` square, scale to [0, 1] (``uint8 / 255``), then ``(x - mean) / std`` per channel.

    Takes a (C, H, W) or (B, C, H, W) tensor, or a PIL Image / (H, W, C) uint8 array.
    """

    def __init__(self, *, crop_size: int, resize_size: int = 256, mean: tuple[float, ...] = (0.485, 0.456, 0.406),
                 std: tuple[float, ...] = (0.229, 0.224, 0.225),
                 interpolation: InterpolationMode = InterpolationMode.BILINEAR, antialias: bool | None = True) -> None:
        super().__init__()
        self.crop_size = [crop_size]
        self.resize_size = [resize_size]
        self.mean = list(mean)
        self.std = list(std)
        self.interpolation = interpolation
        self.antialias = antialias

    def forward(self, img) -> Tensor:
        if not isinstance(img, Tensor):  # PIL Image or (H, W[, C]) array -> (C, H, W), as pil_to_tensor
            arr = np.asarray(img)
            arr = arr[:, :, None] if arr.ndim == 2 else arr
            img = from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))
        img = Resize(self.resize_size, interpolation=self.interpolation, antialias=self.antialias)(img)
        img = CenterCrop(self.crop_size)(img)
        if img.dtype is _dtype.bool_ or not img.is_floating_point():  # convert_image_dtype: ints scale by their max
            top = 1.0 if img.dtype is _dtype.bool_ else float(np.iinfo(img.dtype.np).max)
            img = img.to(_dtype.float32) / top
        else:
            img = img.to(_dtype.float32)
        return Normalize(mean=self.mean, std=self.std)(img)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(\n    crop_size={self.crop_size}\n    resize_size={self.resize_size}"
                f"\n    mean={self.mean}\n    std={self.std}\n    interpolation={self.interpolation}\n)")

    def describe(self) -> str:
        return ("Accepts ``PIL.Image``, batched ``(B, C, H, W)`` and single ``(C, H, W)`` image ``torch.Tensor`` "
                f"objects. The images are resized to ``resize_size={self.resize_size}`` using "
                f"``interpolation={self.interpolation}``, followed by a central crop of "
                f"``crop_size={self.crop_size}``. Finally the values are first rescaled to ``[0.0, 1.0]`` and "
                f"then normalized using ``mean={self.mean}`` and ``std={self.std}``.")
