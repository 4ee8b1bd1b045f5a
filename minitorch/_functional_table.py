"""The public functional namespace: every op, gathered from the ``_ops`` modules.

Each ops module lists its public functions in ``__all__``, the ones that are
also ``Tensor`` methods in ``METHODS``, and those with an in-place ``op_``
variant in ``INPLACE``. ``minitorch/__init__.py`` re-exports the functions and
``_tensor_methods.py`` binds the methods.
"""

from __future__ import annotations

import importlib

MODULES = [
    "elementwise", "movement", "reduce", "linalg",
    # Each module below is optional until it lands; a missing one is skipped.
    "sort", "advanced_indexing", "shape", "linalg_extra", "random",
]

METHODS: list[str] = []
INPLACE: list[str] = []
_namespace: dict = {}

for _name in MODULES:
    try:
        _mod = importlib.import_module(f"._ops.{_name}", __package__)
    except ModuleNotFoundError as _e:
        if _e.name and _e.name.endswith(f"_ops.{_name}"):
            continue
        raise
    for _fn in getattr(_mod, "__all__", ()):
        _namespace[_fn] = getattr(_mod, _fn)
    METHODS += [m for m in getattr(_mod, "METHODS", ()) if m not in METHODS]
    INPLACE += [m for m in getattr(_mod, "INPLACE", ()) if m not in INPLACE]

globals().update(_namespace)
__all__ = sorted(_namespace)


def relu(input):
    """``max(x, 0)``; the gradient at 0 is 0, as in PyTorch."""
    from ._ops.elementwise import unary

    return unary("relu", input)


__all__.append("relu")
if "relu" not in METHODS:
    METHODS.append("relu")
if "relu" not in INPLACE:
    INPLACE.append("relu")
