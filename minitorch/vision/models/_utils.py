"""Builder helpers shared by the models (``torchvision.models._utils``): the deprecated
``pretrained=`` flag, keyword checks, and MobileNet's channel rounding."""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any

from ._api import WeightsEnum


def _make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """``v`` rounded to the nearest multiple of ``divisor`` (at least ``min_value``), never more than 10% down."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def _ovewrite_named_param(kwargs: dict[str, Any], param: str, new_value: Any) -> None:
    """Set ``kwargs[param]``; a different value the user passed is a ValueError (the weights fix it)."""
    if param in kwargs:
        if kwargs[param] != new_value:
            raise ValueError(f"The parameter '{param}' expected value {new_value} but got {kwargs[param]} instead.")
    else:
        kwargs[param] = new_value


def _kwonly_to_pos_or_kw(fn: Callable) -> Callable:
    """Let keyword-only parameters be passed positionally again, with torchvision's deprecation warning."""
    params = tuple(inspect.signature(fn).parameters.values())
    start = next(i for i, p in enumerate(params) if p.kind == p.KEYWORD_ONLY)
    names = tuple(p.name for p in params[start:])

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any):
        args, keyword_only_args = args[:start], args[start:]
        if keyword_only_args:
            moved = dict(zip(names, keyword_only_args))
            listed = [f"'{n}'" for n in moved]
            shown = listed[0] if len(listed) == 1 else (
                ", ".join(listed[:-1]) + ("" if len(listed) == 2 else ",") + " and " + listed[-1])
            warnings.warn(f"Using {shown} as positional parameter(s) is deprecated since 0.13 and may be removed in "
                          "the future. Please use keyword parameter(s) instead.")
            kwargs.update(moved)
        return fn(*args, **kwargs)

    return wrapper


def handle_legacy_interface(**weights: tuple[str, Any]) -> Callable[[Callable], Callable]:
    """Decorate a builder so that ``pretrained=True/False`` still works, meaning ``weights=<default>/None``,
    with torchvision's deprecation warnings. ``weights`` maps the weights parameter to
    ``(legacy name, default weights or fn(kwargs) -> default weights)``."""

    def outer_wrapper(builder: Callable) -> Callable:
        @_kwonly_to_pos_or_kw
        @functools.wraps(builder)
        def inner_wrapper(*args: Any, **kwargs: Any):
            for weights_param, (pretrained_param, default) in weights.items():
                sentinel = object()
                weights_arg = kwargs.get(weights_param, sentinel)
                if ((weights_param not in kwargs and pretrained_param not in kwargs)
                        or isinstance(weights_arg, WeightsEnum)
                        or (isinstance(weights_arg, str) and weights_arg != "legacy")
                        or weights_arg is None):
                    continue
                # ``resnet18(True)``: the positional flag arrived under the new name.
                pretrained_positional = weights_arg is not sentinel
                if pretrained_positional:
                    kwargs[pretrained_param] = pretrained_arg = kwargs.pop(weights_param)
                else:
                    pretrained_arg = kwargs[pretrained_param]
                if pretrained_arg:
                    default_weights_arg = default(kwargs) if callable(default) else default
                    if not isinstance(default_weights_arg, WeightsEnum):
                        raise ValueError(f"No weights available for model {builder.__name__}")
                else:
                    default_weights_arg = None
                if not pretrained_positional:
                    warnings.warn(f"The parameter '{pretrained_param}' is deprecated since 0.13 and may be removed "
                                  f"in the future, please use '{weights_param}' instead.")
                msg = (f"Arguments other than a weight enum or `None` for '{weights_param}' are deprecated since 0.13 "
                       f"and may be removed in the future. The current behavior is equivalent to passing "
                       f"`{weights_param}={default_weights_arg}`.")
                if pretrained_arg:
                    msg = (f"{msg} You can also use `{weights_param}={type(default_weights_arg).__name__}.DEFAULT` "
                           f"to get the most up-to-date weights.")
                warnings.warn(msg)
                del kwargs[pretrained_param]
                kwargs[weights_param] = default_weights_arg
            return builder(*args, **kwargs)

        return inner_wrapper

    return outer_wrapper
