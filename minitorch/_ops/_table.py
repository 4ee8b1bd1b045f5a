"""The public functional namespace: every op, gathered from the ``_ops`` modules.

Each ops module lists its public functions in ``__all__``, the names that are
also ``Tensor`` methods in ``METHODS`` (a method need not be a top-level
function: ``Tensor.repeat`` has no ``torch.repeat``), and those with an
in-place ``op_`` variant in ``INPLACE``; ``FUNCTION_OVERRIDES`` gives the top-level function
where it takes its arguments more strictly than the method. ``minitorch/__init__.py`` re-exports
the functions and ``_tensor/methods.py`` binds the methods.
"""

from __future__ import annotations

import importlib

from .._core.args import checks_tensor_input

MODULES = [
    "pointwise.unary", "pointwise.binary", "pointwise.compare", "shape.views", "reductions.reduce",
    "reductions.sort", "linalg.matmul", "linalg.products", "shape.joins", "shape.copies",
    "indexing.advanced", "random.sampling", "reductions.softmax", "reductions.scan",
]

METHOD_FUNCTIONS: dict = {}  # method name -> the function bound as that method
INPLACE: list[str] = []
_namespace: dict = {}

for _name in MODULES:
    _mod = importlib.import_module(f".{_name}", __package__)
    for _fn in getattr(_mod, "__all__", ()):
        # ``torch.sum([1, 2])`` raises PyTorch's TypeError; methods need no check (self is a Tensor)
        # FUNCTION_OVERRIDES: where ``torch.f`` is stricter than ``Tensor.f`` (``torch.reshape(x, 6)``
        # raises, ``x.reshape(6)`` does not)
        _f = getattr(_mod, "FUNCTION_OVERRIDES", {}).get(_fn) or getattr(_mod, _fn)
        _namespace[_fn] = checks_tensor_input(_f, _fn)
    for _m in getattr(_mod, "METHODS", ()):
        METHOD_FUNCTIONS.setdefault(_m, getattr(_mod, "METHOD_OVERRIDES", {}).get(_m) or getattr(_mod, _m))
    INPLACE += [m for m in getattr(_mod, "INPLACE", ()) if m not in INPLACE]

METHODS = list(METHOD_FUNCTIONS)
# PyTorch has these only as Tensor methods (``x.view(2, 3)``, never ``torch.view``).
METHOD_ONLY = {"repeat", "view", "view_as", "reshape_as", "expand", "expand_as", "unfold", "sum_to_size"}
for _n in METHOD_ONLY:
    _namespace.pop(_n, None)

globals().update(_namespace)
__all__ = sorted(_namespace)
