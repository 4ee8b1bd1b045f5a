"""One constructor for the ImageNet-1K weights records the models list (torchvision writes each out)."""

from __future__ import annotations

from functools import partial
from typing import Any

from ._api import Weights
from ._meta import _IMAGENET_CATEGORIES
from ._presets import ImageClassification

RECIPES = "https://github.com/pytorch/vision/tree/main/references/classification"


def imagenet1k(url: str, num_params: int, min_size: tuple[int, int], acc1: float, acc5: float, recipe: str,
               categories: list[str] | None = _IMAGENET_CATEGORIES, **transform_kwargs: Any) -> Weights:
    """Weights trained on ImageNet-1K, evaluated on 224x224 crops: ``transforms`` is
    ``ImageClassification(crop_size=224, **transform_kwargs)`` (e.g. ``resize_size=232``)."""
    return Weights(
        url=url,
        transforms=partial(ImageClassification, crop_size=224, **transform_kwargs),
        meta={"num_params": num_params, "min_size": min_size, "categories": categories, "recipe": recipe,
              "_metrics": {"ImageNet-1K": {"acc@1": acc1, "acc@5": acc5}}},
    )
