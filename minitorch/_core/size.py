"""``Size``: the shape of a tensor, a tuple of ints (``torch.Size``)."""

from __future__ import annotations


class Size(tuple):
    """A tuple subclass; prints as ``torch.Size([2, 3])`` and knows its ``numel``."""

    def __new__(cls, sizes=()):
        import operator

        items = tuple(sizes)
        for i, s in enumerate(items):
            try:
                operator.index(s)
            except TypeError:
                raise TypeError(f"torch.Size() takes an iterable of 'int' (item {i} is '{type(s).__name__}')") from None
        return super().__new__(cls, (int(s) for s in items))

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    def __getitem__(self, item):
        out = super().__getitem__(item)
        return Size(out) if isinstance(item, slice) else out

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))
