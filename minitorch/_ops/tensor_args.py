"""Which arguments must be tensors: PyTorch's argument-parser TypeError for the ops that take them.

``torch.matmul(x, None)`` fails in PyTorch's argument parser, before the op runs, with
"matmul(): argument 'other' (position 2) must be Tensor, not NoneType". The ops of the indexing,
linear-algebra, convolution and ``nn.functional`` families declare their tensor parameters once,
with :func:`tensor_args`, instead of each op testing its arguments::

    @tensor_args("input", "other")
    def matmul(input, other, *, out=None): ...

:func:`check_allocation` is the other check made before any work: a result too large to allocate
is PyTorch's RuntimeError, not NumPy's MemoryError (or the kernel's out-of-memory killer).
"""

from __future__ import annotations

import functools
import inspect
import os
import resource
from collections.abc import Callable

from .._tensor import Tensor

_MISSING = object()
_ALWAYS_FITS = 2**28  # bytes: smaller results are not worth the system calls of a memory check


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
                    raise TypeError(f"{name_of_op}(): argument '{name}' (position {pos + 1}) must be Tensor, "
                                    f"not {type(value).__name__}")
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


def _available_memory(page: int) -> int:
    """The kernel's estimate of the memory it can give without swapping (``MemAvailable``, which
    counts reclaimable caches), or the free pages where there is no ``/proc/meminfo``."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return page * os.sysconf("SC_AVPHYS_PAGES")


def _memory_limit() -> int:
    """Bytes this process can still allocate, about: the available physical memory, or less where
    an address-space limit (``ulimit -v``) leaves less room above what the process has mapped."""
    page = os.sysconf("SC_PAGE_SIZE")
    free = _available_memory(page)
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return free
    try:
        with open("/proc/self/statm") as f:
            mapped = int(f.read().split()[0]) * page
    except OSError:  # not Linux: the limit alone
        mapped = 0
    return min(free, soft - mapped)


def check_allocation(shape, itemsize: int, extra_bytes: int = 0) -> None:
    """Raise PyTorch's RuntimeError for a result of ``shape`` (and ``extra_bytes`` of temporaries)
    that cannot fit in memory, before anything is allocated (NumPy would raise MemoryError after
    a long wait, or the process be killed while filling it)."""
    nbytes = itemsize
    for s in shape:
        nbytes *= int(s)
    nbytes += extra_bytes
    if nbytes > _ALWAYS_FITS and nbytes > _memory_limit():
        raise RuntimeError(f"DefaultCPUAllocator: can't allocate memory: you tried to allocate {nbytes} bytes.")
