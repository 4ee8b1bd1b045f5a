"""Weights enums and the model registry (``torchvision.models._api``).

Each architecture has an enum of pretrained weights (``ResNet18_Weights.IMAGENET1K_V1``, with
``DEFAULT`` an alias of the recommended entry). An entry knows its ``url`` (torchvision's
checkpoint: a ``torch.save`` file that ``minitorch.load`` reads without torch), its ``meta``
(``categories``: the class names, ``num_params``, ``min_size``...) and ``transforms()``, the
preprocessing the weights were trained with.
"""

from __future__ import annotations

import fnmatch
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from functools import partial
from typing import Any, get_args

__all__ = ["Weights", "WeightsEnum", "get_model", "get_model_builder", "get_model_weights", "get_weight",
           "list_models", "register_model"]


@dataclass
class Weights:
    """One set of pretrained weights: where to download it, how to preprocess inputs, what it predicts."""

    url: str
    transforms: Callable
    meta: dict[str, Any]

    def __eq__(self, other: object) -> bool:
        # ``partial`` objects compare by identity; compare what they call instead (as torchvision does).
        if not isinstance(other, Weights):
            return NotImplemented
        if self.url != other.url or self.meta != other.meta:
            return False
        a, b = self.transforms, other.transforms
        if isinstance(a, partial) and isinstance(b, partial):
            return a.func == b.func and a.args == b.args and a.keywords == b.keywords
        return a == b


class WeightsEnum(Enum):
    """Base of the per-model weights enums; each value is a ``Weights``."""

    @classmethod
    def verify(cls, obj: Any) -> Any:
        """``obj`` as a member of this enum: a member, its name (``"IMAGENET1K_V1"`` or
        ``"ResNet18_Weights.IMAGENET1K_V1"``), or None."""
        if obj is not None:
            if type(obj) is str:
                obj = cls[obj.replace(cls.__name__ + ".", "")]
            elif not isinstance(obj, cls):
                raise TypeError(
                    f"Invalid Weight class provided; expected {cls.__name__} but received {obj.__class__.__name__}.")
        return obj

    def get_state_dict(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Download (once, into ``minitorch.hub.get_dir()``) and load the checkpoint."""
        from ...hub import load_state_dict_from_url

        return load_state_dict_from_url(self.url, *args, **kwargs)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}.{self._name_}"

    @property
    def url(self) -> str:
        return self.value.url

    @property
    def transforms(self) -> Callable:
        return self.value.transforms

    @property
    def meta(self) -> dict[str, Any]:
        return self.value.meta


BUILTIN_MODELS: dict[str, Callable] = {}


def register_model(name: str | None = None) -> Callable[[Callable], Callable]:
    """Decorator: record a model builder under ``name`` (default: the function's name)."""

    def wrapper(fn: Callable) -> Callable:
        key = name if name is not None else fn.__name__
        if key in BUILTIN_MODELS:
            raise ValueError(f"An entry is already registered under the name '{key}'.")
        BUILTIN_MODELS[key] = fn
        return fn

    return wrapper


def list_models(module=None, include: Iterable[str] | str | None = None,
                exclude: Iterable[str] | str | None = None) -> list[str]:
    """The registered model names (optionally only those of ``module``), filtered by ``fnmatch`` patterns."""
    names = {k for k, v in BUILTIN_MODELS.items()
             if module is None or v.__module__.rsplit(".", 1)[0] == module.__name__}
    if include:
        patterns = [include] if isinstance(include, str) else include
        names = {n for p in patterns for n in fnmatch.filter(names, p)}
    for p in [exclude] if isinstance(exclude, str) else (exclude or []):
        names -= set(fnmatch.filter(names, p))
    return sorted(names)


def get_model_builder(name: str) -> Callable:
    """The builder function registered as ``name`` (case-insensitive)."""
    try:
        return BUILTIN_MODELS[name.lower()]
    except KeyError:
        raise ValueError(f"Unknown model {name}") from None


def get_model(name: str, **config: Any):
    """``get_model_builder(name)(**config)``: e.g. ``get_model("resnet18", weights=None)``."""
    return get_model_builder(name)(**config)


def get_model_weights(name: Callable | str) -> type[WeightsEnum]:
    """The weights enum of a model builder (or of the builder registered as ``name``)."""
    fn = get_model_builder(name) if isinstance(name, str) else name
    ann = inspect.signature(fn, eval_str=True).parameters["weights"].annotation
    for t in (ann, *get_args(ann)):
        if isinstance(t, type) and issubclass(t, WeightsEnum):
            return t
    raise ValueError("The WeightsEnum class for the specific method couldn't be retrieved.")


def get_weight(name: str) -> WeightsEnum:
    """The weights entry called ``"<Enum>.<entry>"``, e.g. ``get_weight("ResNet50_Weights.IMAGENET1K_V2")``."""
    try:
        enum_name, value_name = name.split(".")
    except ValueError:
        raise ValueError(f"Invalid weight name provided: '{name}'.") from None
    from .. import models

    enum = getattr(models, enum_name, None)
    if not (isinstance(enum, type) and issubclass(enum, WeightsEnum)):
        raise ValueError(f"The weight enum '{enum_name}' for the specific method couldn't be retrieved.")  # noqa: TRY004
    return enum[value_name]
