"""The optimizers' array-level update rules, shared by ``optim`` and ``minitorch.compile``.

``torch.optim._functional`` plays this part in PyTorch: the update of a parameter written as a
function of arrays and options, which the ``Optimizer`` classes call and other code can call too.
Here two callers depend on these exact functions:

- ``optimizer.py`` records them as steps of a compiled plan (``capture.call(descend_arrays,
  p, g, group)``): a replay calls them again, with the group's ``lr`` read when they run;
- ``_compile/fusions.py`` recognises those steps by identity (``step.fn is descend_arrays``) and
  runs several of them as one call, or one inside the GEMM that made its gradient, with the same
  arithmetic.

Both import them from here, so a rename or a change of signature breaks both at import or in
``parity_tests/test_compile_fusions.py`` (which asserts that the fusions apply), never one side
silently. Each function works on NumPy arrays in place; ``optimizer.py`` decides when an update
may take this path (``_in_place``) and otherwise goes through ``Tensor.add_``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor.methods import Tensor
from ..backends import cpu as _cpu


def scalar(value: Any) -> Any:
    """A one-element tensor hyper-parameter (``lr=torch.tensor(0.1)``) as a Python number."""
    return value.item() if isinstance(value, Tensor) else value


def add_arrays(pd: np.ndarray, gd: np.ndarray, alpha: float) -> None:
    """``pd += alpha * gd`` in place, with the rounding of ``Tensor.add_(g, alpha=alpha)``'s
    ``p + alpha * g`` (the product rounded to the dtype, then the sum): one pass where the
    arrays allow (``kernels/optim.py: add_scaled``), NumPy's add where ``alpha`` is 1."""
    if alpha == 1:
        np.add(pd, gd, out=pd)
    else:
        _cpu.add_scaled(pd, gd, alpha)


def descend_arrays(pd: np.ndarray, gd: np.ndarray, group: dict[str, Any]) -> None:
    """SGD's last line on arrays: ``pd -= lr * gd`` in place, ``lr`` read from ``group`` now
    (``add_arrays(pd, gd, -lr)``), so a recorded call follows a scheduler's learning rate."""
    add_arrays(pd, gd, -scalar(group["lr"]))


def descend_all(group: dict[str, Any], *arrays: np.ndarray) -> None:
    """``descend_arrays`` for several parameters of one group, ``lr`` read once: ``arrays`` is
    ``param, grad, param, grad, ...``; the same updates (each element's bits are
    ``add_arrays``'), in one kernel call (``kernels/optim.py: add_scaled_all``)."""
    alpha = -scalar(group["lr"])
    _cpu.add_scaled_all(arrays[0::2], arrays[1::2], alpha)
