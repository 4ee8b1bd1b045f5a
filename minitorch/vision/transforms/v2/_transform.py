"""``Transform``: the base of the v2 transforms, which take whole samples, not just images.

``t(sample)`` flattens ``sample`` (nested tuples, lists and dicts), decides which leaves to
transform - PIL Images, ``tv_tensors.Image``, and a plain tensor only when it is the first one and
the sample holds no image of the other kinds (torchvision's pass-through rule: the label tensor in
``(image_tensor, label_tensor)`` is left alone) - draws one set of random parameters
(``make_params``) for all of them, applies ``transform(leaf, params)`` to each and rebuilds the
structure.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from ...._ops.random.sampling import rand
from ...._tensor.methods import Tensor
from ....nn.modules.module import Module
from ..._pil import is_pil_image
from ...tv_tensors import Image, TVTensor

Leaves = list[Any]


def tree_flatten(tree: Any) -> tuple[Leaves, Callable[[Leaves], Any]]:
    """The leaves of nested tuples / lists / dicts, and a function that puts new leaves back."""
    if isinstance(tree, (tuple, list)):
        parts = [tree_flatten(item) for item in tree]
        counts = [len(leaves) for leaves, _ in parts]

        def unflatten_seq(leaves: Leaves) -> Any:
            out, start = [], 0
            for (_, rebuild), n in zip(parts, counts):
                out.append(rebuild(leaves[start:start + n]))
                start += n
            return type(tree)(out) if not hasattr(tree, "_fields") else type(tree)(*out)

        return [leaf for leaves, _ in parts for leaf in leaves], unflatten_seq
    if isinstance(tree, dict):
        keys = list(tree)
        flat, rebuild = tree_flatten([tree[k] for k in keys])
        return flat, lambda leaves: type(tree)(zip(keys, rebuild(leaves)))
    return [tree], lambda leaves: leaves[0]


def is_pure_tensor(obj: Any) -> bool:
    """A Tensor that is not one of the typed ``tv_tensors``."""
    return isinstance(obj, Tensor) and not isinstance(obj, TVTensor)


def is_image(obj: Any) -> bool:
    """An image of the kinds that take precedence over plain tensors: PIL or ``tv_tensors.Image``."""
    return isinstance(obj, Image) or is_pil_image(obj)


class Transform(Module):
    """Base of the v2 transforms: override ``make_params(flat_inputs) -> dict`` (the random
    draws, once per call) and ``transform(inpt, params)`` (one leaf)."""

    def transforms_leaf(self, inpt: Any) -> bool:
        """Whether this transform applies to ``inpt`` at all (PIL Images and tensors by default)."""
        return isinstance(inpt, Tensor) or is_pil_image(inpt)

    def check_inputs(self, flat_inputs: Leaves) -> None:
        pass

    def make_params(self, flat_inputs: Leaves) -> dict[str, Any]:
        return {}

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        raise NotImplementedError

    def call_kernel(self, kernel: Callable, inpt: Any, *args: Any, **kwargs: Any) -> Any:
        """``kernel(inpt, ...)`` for a PIL Image or a tensor; an ``Image`` in gives an ``Image`` out."""
        if isinstance(inpt, Image):
            return Image.wrap(kernel(inpt.as_plain_tensor(), *args, **kwargs))
        if is_pure_tensor(inpt) or is_pil_image(inpt):
            return kernel(inpt, *args, **kwargs)
        return inpt

    def needs_transform_list(self, flat_inputs: Leaves) -> list[bool]:
        transform_pure_tensor = not any(is_image(inpt) for inpt in flat_inputs)
        needs = []
        for inpt in flat_inputs:
            need = self.transforms_leaf(inpt)
            if need and is_pure_tensor(inpt):
                need, transform_pure_tensor = transform_pure_tensor, False
            needs.append(need)
        return needs

    def _apply(self, flat_inputs: Leaves) -> Leaves:
        needs = self.needs_transform_list(flat_inputs)
        params = self.make_params([inpt for inpt, need in zip(flat_inputs, needs) if need])
        return [self.transform(inpt, params) if need else inpt for inpt, need in zip(flat_inputs, needs)]

    def forward(self, *inputs: Any) -> Any:
        flat_inputs, rebuild = tree_flatten(inputs if len(inputs) > 1 else inputs[0])
        self.check_inputs(flat_inputs)
        return rebuild(self._apply(flat_inputs))

    def extra_repr(self) -> str:
        return ", ".join(f"{name}={value}" for name, value in self.__dict__.items()
                         if not name.startswith("_") and name != "training"
                         and isinstance(value, (bool, int, float, str, tuple, list, enum.Enum)))


class RandomApplyTransform(Transform):
    """A transform applied as a whole with probability ``p`` (one draw ``rand(1) >= p`` skips it)."""

    def __init__(self, p: float = 0.5) -> None:
        if not (0.0 <= p <= 1.0):
            raise ValueError("`p` should be a floating point value in the interval [0.0, 1.0].")
        super().__init__()
        self.p = p

    def forward(self, *inputs: Any) -> Any:
        inputs = inputs if len(inputs) > 1 else inputs[0]
        flat_inputs, rebuild = tree_flatten(inputs)
        self.check_inputs(flat_inputs)
        if rand(1) >= self.p:
            return inputs
        return rebuild(self._apply(flat_inputs))
