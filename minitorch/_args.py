"""Argument normalisation shared by every op: sizes, dims and ``int | tuple`` parameters.

PyTorch accepts ``zeros(2, 3)`` and ``zeros((2, 3))``, ``sum(dim=-1)`` and
``sum(dim=(0, 2))``, ``conv2d(stride=2)`` and ``conv2d(stride=(2, 1))``. These
helpers turn each form into one canonical tuple, and raise PyTorch's errors.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence


def _as_int(x, what: str = "size") -> int:
    try:
        return operator.index(x)
    except TypeError:
        if hasattr(x, "item") and hasattr(x, "numel") and x.numel() == 1 and not x.dtype.is_floating_point:
            return int(x.item())
        raise TypeError(f"{what} must be int, not {type(x).__name__}") from None


def sizes_argument(op: str, positional: tuple, keyword, name: str = "size") -> tuple:
    """The size of ``x.view(2, 3)``, ``x.view((2, 3))`` and ``x.view(size=(2, 3))`` as one
    ``positional`` tuple (then normalised by the op), with PyTorch's TypeErrors for both or neither."""
    if keyword is None:
        if not positional:
            raise TypeError(f'{op}() missing 1 required positional arguments: "{name}"')
        return positional
    if positional:
        raise TypeError(f"{op}() got multiple values for argument '{name}'")
    if not isinstance(keyword, (tuple, list)):
        raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, not {type(keyword).__name__}")
    return (keyword,)


def int_sizes(op: str, size: tuple, name: str = "size") -> tuple[int, ...]:
    """The ints of a size given as varargs ``(2, 3)`` or as one sequence ``((2, 3),)`` (a list
    or a ``Size``; not a tensor, as in PyTorch), negative entries kept for the caller to judge.

    Anything that is not an int raises PyTorch's argument-parser TypeError, naming ``op`` and
    the argument: ``zeros(2.0)`` -> "zeros(): argument 'size' (position 1) must be tuple of
    ints, not float"; ``zeros(2, 3.0)`` -> "... but found element of type float at pos 1".
    """
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        seq, single = tuple(size[0]), False
    else:
        seq, single = size, len(size) == 1
    out = []
    for i, s in enumerate(seq):
        try:
            out.append(_as_int(s))
        except TypeError:
            kind = type(s).__name__
            if single:
                raise TypeError(f"{op}(): argument '{name}' (position 1) must be tuple of ints, not {kind}") from None
            raise TypeError(f"{op}(): argument '{name}' (position 1) must be tuple of ints, but found element of "
                            f"type {kind} at pos {i}") from None
    return tuple(out)


def normalize_shape(size: tuple, op: str, name: str = "size") -> tuple[int, ...]:
    """A factory's size, ``(2, 3)`` / ``((2, 3),)`` / ``([2, 3],)`` / ``(Size([2, 3]),)`` -> ``(2, 3)``:
    ``int_sizes`` and no negative dims."""
    return nonnegative_shape(int_sizes(op, size, name))


def nonnegative_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` itself, or PyTorch's error for its first negative dim."""
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")
    return shape


def wrap_dim(dim, ndim: int) -> int:
    """Map a possibly negative dim into ``[0, ndim)``. A 0-d tensor accepts dims -1 and 0."""
    dim = _as_int(dim, "dim")
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim % n if ndim > 0 else 0


def normalize_dims(dim, ndim: int) -> tuple[int, ...]:
    """``None`` -> all dims; an int or a sequence -> sorted, wrapped, unique dims."""
    if dim is None:
        return tuple(range(ndim))
    dims = [dim] if not isinstance(dim, (tuple, list)) else list(dim)
    if len(dims) == 0:
        return tuple(range(ndim))
    wrapped = [wrap_dim(d, ndim) for d in dims]
    seen = set()
    for w in wrapped:
        if w in seen:
            raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
        seen.add(w)
    return tuple(sorted(w for w in wrapped if ndim > 0))


def ntuple(x, n: int, name: str = "argument") -> tuple[int, ...]:
    """``2`` -> ``(2, 2)``; ``(2, 1)`` stays; a wrong length raises like PyTorch."""
    if isinstance(x, Iterable) and not isinstance(x, str):
        out = tuple(_as_int(v, name) for v in x)
        if len(out) == 1:
            return out * n
        if len(out) != n:
            raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values")
        return out
    return (_as_int(x, name),) * n


def check_same_length(a: Sequence, b: Sequence, what: str) -> None:
    if len(a) != len(b):
        raise RuntimeError(f"{what}: number of dims don't match")
