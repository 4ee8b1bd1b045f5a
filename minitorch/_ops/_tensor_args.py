"""Which arguments must be tensors: PyTorch's argument-parser TypeError for the ops that take them.

``torch.matmul(x, None)`` fails in PyTorch's argument parser, before the op runs, with
"matmul(): argument 'other' (position 2) must be Tensor, not NoneType". The ops of the indexing,
linear-algebra, convolution and ``nn.functional`` families declare their tensor parameters once,
with :func:`tensor_args`, instead of each op testing its arguments::

    @tensor_args("input", "other")
    def matmul(input, other, *, out=None): ...

The message is ``_args.tensor_argument``'s, the one the core ops raise too.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

from .._core.args import tensor_argument
from .._tensor.tensor import Tensor

_MISSING = object()


def tensor_args(*names: str, optional: tuple[str, ...] = (), op: str | None = None) -> Callable:
    """Decorator: the parameters ``names`` must be Tensors (``optional`` ones may also be None).

    Anything else raises "op(): argument 'name' (position k) must be Tensor, not T" (k counts
    from 1, as PyTorch's messages do). The positions are read from the signature once, at
    decoration; a call costs one ``isinstance`` per named parameter.
    """

    def decorate(fn: Callable) -> Callable:
        params = list(inspect.signature(fn).parameters)
        spec = [(name, params.index(name), name in optional) for name in (*names, *optional)]
        name_of_op = op or fn.__name__

        @functools.wraps(fn)
        def checked(*args, **kwargs):
            for name, pos, may_be_none in spec:
                value = args[pos] if pos < len(args) else kwargs.get(name, _MISSING)
                if not isinstance(value, Tensor) and value is not _MISSING and not (may_be_none and value is None):
                    tensor_argument(name_of_op, value, name, pos + 1)
            return fn(*args, **kwargs)

        return checked

    return decorate


def check_scalar(op: str, value, signature: str) -> None:
    """A fill value must be a number (or a tensor): anything else is PyTorch's "invalid
    combination of arguments" TypeError, naming the ``signature`` the op expects."""
    if isinstance(value, (Tensor, bool, int, float, complex)) or hasattr(value, "__index__") or hasattr(value, "__float__"):
        return
    raise TypeError(f"{op}() received an invalid combination of arguments - got {type(value).__name__} as the value, "
                    f"but expected ({signature})")
