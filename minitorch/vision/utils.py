"""``make_grid`` and ``save_image`` (``torchvision.utils``): a batch of images as one picture."""

from __future__ import annotations

import math
import os
from typing import Any, BinaryIO

from .._core import dtype as _dtype
from .._ops.shape.joins import cat, stack
from .._tensor.methods import Tensor
from ..autograd.grad_mode import no_grad
from ._pil import require_pil

__all__ = ["make_grid", "save_image"]


def make_grid(tensor: Tensor | list[Tensor], nrow: int = 8, padding: int = 2, normalize: bool = False,
              value_range: tuple[float, float] | None = None, scale_each: bool = False,
              pad_value: float = 0.0) -> Tensor:
    """Tile a (B, C, H, W) batch (or a list of (C, H, W) images) into one (C, H', W') image:
    ``nrow`` images a row, ``padding`` pixels of ``pad_value`` around each. One-channel images
    become three-channel. ``normalize`` maps ``value_range`` (default: the min and max, of each
    image when ``scale_each``) to [0, 1]: ``(clamp(x, lo, hi) - lo) / max(hi - lo, 1e-5)``."""
    if not isinstance(tensor, Tensor):
        if isinstance(tensor, list):
            for t in tensor:
                if not isinstance(t, Tensor):
                    raise TypeError(f"tensor or list of tensors expected, got a list containing {type(t)}")
        else:
            raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if isinstance(tensor, list):
        tensor = stack(tensor, dim=0)
    if tensor.dim() == 2:
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 3:
        if tensor.size(0) == 1:
            tensor = cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 4 and tensor.size(1) == 1:
        tensor = cat((tensor, tensor, tensor), 1)

    if normalize is True:
        tensor = tensor.clone()
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")

        def norm_range(t: Tensor) -> None:
            low, high = value_range if value_range is not None else (float(t.min()), float(t.max()))
            t.clamp_(min=low, max=high)
            t.sub_(low).div_(max(high - low, 1e-5))

        for t in (tensor if scale_each is True else [tensor]):
            norm_range(t)

    if tensor.size(0) == 1:
        return tensor.squeeze(0)
    nmaps = tensor.size(0)
    xmaps = min(nrow, nmaps)
    ymaps = math.ceil(float(nmaps) / xmaps)
    height, width = int(tensor.size(2) + padding), int(tensor.size(3) + padding)
    grid = tensor.new_full((tensor.size(1), height * ymaps + padding, width * xmaps + padding), pad_value)
    for k in range(nmaps):
        y, x = divmod(k, xmaps)
        grid[:, y * height + padding:(y + 1) * height, x * width + padding:(x + 1) * width] = tensor[k]
    return grid


@no_grad()
def save_image(tensor: Tensor | list[Tensor], fp: str | os.PathLike | BinaryIO, format: str | None = None,
               **kwargs: Any) -> None:
    """Write ``make_grid(tensor, **kwargs)`` as an image file (through Pillow), the values in [0, 1]
    mapped to bytes by ``clamp(x * 255 + 0.5, 0, 255)`` truncated to uint8."""
    image_module = require_pil("minitorch.vision.utils.save_image")
    grid = make_grid(tensor, **kwargs)
    ndarr = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to("cpu", _dtype.uint8).numpy()
    image_module.fromarray(ndarr).save(fp, format=format)
