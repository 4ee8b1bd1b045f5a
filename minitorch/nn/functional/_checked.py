"""Argument checks done once per distinct call: a network's layers call with the same arguments
and shapes every step.

``F.conv2d`` and the pooling functions keep a dict from everything their checks read (input and
weight shapes and dtypes, stride, padding, ...) to the canonical arguments the checks return; a
call whose key is stored skips the checks (which were most of their Python:
``benchmarks/bench_layers.py``). That is safe because the checks are a function of the key
alone, and a key is made only of values that are equal to nothing but themselves: exact ints,
strings, bools, None and tuples of ints. A float ``1.0``, a ``True`` where an int is expected
or a list compare equal to an int or a tuple in Python, while PyTorch's argument parser rejects
or reads them otherwise: such a call gets no key and meets the checks every time.
"""

from __future__ import annotations

from collections.abc import Callable

LIMIT = 1024  # keys kept per function; more (a stream of new shapes) starts the dict afresh


def plain(*values) -> bool:
    """Whether every value is an exact int, str or None, or a tuple of exact ints."""
    for v in values:
        t = type(v)
        if t is tuple:
            for i in v:  # a loop, not all(generator): this runs on every conv and pooling call
                if type(i) is not int:
                    return False
        elif not (t is int or t is str or v is None):
            return False
    return True


def checked(store: dict, key, check: Callable[[], tuple[object, bool]]):
    """``store[key]``, or ``check()``'s result (stored under ``key`` when it says it may be, and
    ``key`` is not None). ``check`` raises PyTorch's error for arguments that fail."""
    if key is not None:
        found = store.get(key)
        if found is not None:
            return found
    result, storable = check()
    if key is not None and storable:
        if len(store) >= LIMIT:
            store.clear()
        store[key] = result
    return result
