"""The reductions, one module an idea; this module gathers them (``minitorch/__init__.py`` and
``Tensor``'s method list, ``_tensor/methods.py``, take them from here):

- ``sums.py``: ``sum``, ``mean``, ``prod``, ``sum_to_size`` (primitives ``Sum``, ``Mean``, ``Prod``);
- ``minmax.py``: ``amax``/``amin``, ``max``/``min``, ``aminmax``, ``argmax``/``argmin`` (their
  gradient, ``EvenlyDistributed``, is in ``extremum.py``; ``max``/``min`` with a ``dim`` gather
  with ``sort.py``);
- ``moments.py``: ``var``, ``std`` (``Var``, ``SafeSqrt``);
- ``norms.py``: ``norm`` (``Norm``);
- ``counts.py``: ``all``, ``any``, ``count_nonzero``, ``bincount`` (no gradient);
- ``softmax.py``: ``logsumexp``, with ``softmax`` and ``log_softmax``.

The scans (``cumsum``, ``cumprod``) are in ``scan.py``, sorting and selection in ``sort.py``.
Backward of a reduction over ``dims`` broadcasts the gradient back: put the reduced dims back as
size 1 (``restore_dims``), then ``expand`` to the input's shape.
"""

from __future__ import annotations

from .counts import all, any, bincount, count_nonzero
from .minmax import amax, amin, aminmax, argmax, argmin, max, min
from .moments import std, var
from .norms import norm
from .softmax import logsumexp
from .sums import (  # noqa: F401  (_sum_function, _prod_function: torch.sum, torch.prod in minitorch/__init__.py)
    _prod_function,
    _sum_function,
    mean,
    prod,
    sum,
    sum_to_size,
)

__all__ = [
    "all",
    "amax",
    "amin",
    "aminmax",
    "any",
    "argmax",
    "argmin",
    "bincount",
    "count_nonzero",
    "logsumexp",
    "max",
    "mean",
    "min",
    "norm",
    "prod",
    "std",
    "sum",
    "sum_to_size",
    "var",
]
