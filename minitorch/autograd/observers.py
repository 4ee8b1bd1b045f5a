"""Who watches ``Function.apply``: one protocol for the profiler and ``minitorch.compile``.

``Function.apply`` reads one module global, ``function._observer``: None while nobody watches (an
op then pays that one ``is None`` test), otherwise the watcher, or ``_Observers`` when several
watch at once. ``watch`` and ``unwatch`` set it; ``Observer`` says what a watcher is told.
"""

from __future__ import annotations

from typing import Any

from . import function


class Observer:
    """What ``Function.apply`` tells whoever watches it, one protocol for all watchers:
    minitorch.profiler's recorder (it times each op and its kernel) and minitorch.compile's
    capture (it records each Primitive's forward as a step of a plan). Every method has a
    do-nothing default, so a watcher defines only what it needs.

    - ``begin_op(cls, args)``: the op ``cls`` starts, before its arguments are checked; returns a
      token that ``end_op`` gets back;
    - ``kernel(cls)``: a Primitive's forward, its computation on the arrays, is about to run;
    - ``primitive(cls, ctx, fwd_args, kwargs, res)``: it returned ``res``; returns what ``apply``
      goes on with (``res`` itself, or an equivalent);
    - ``end_op(token)``: the op is done (also when it raised).
    """

    def begin_op(self, cls, args) -> Any:
        return None

    def kernel(self, cls) -> None:
        pass

    def primitive(self, cls, ctx, fwd_args, kwargs, res):
        return res

    def end_op(self, token) -> None:
        pass


class _Observers(Observer):
    """Several watchers at once (a profile around a ``minitorch.compile`` capture), in the order
    they started watching: told in that order, and ``end_op`` in the reverse one."""

    def __init__(self, observers: tuple) -> None:
        self.observers = observers

    def begin_op(self, cls, args):
        return [o.begin_op(cls, args) for o in self.observers]

    def kernel(self, cls) -> None:
        for o in self.observers:
            o.kernel(cls)

    def primitive(self, cls, ctx, fwd_args, kwargs, res):
        for o in self.observers:
            res = o.primitive(cls, ctx, fwd_args, kwargs, res)
        return res

    def end_op(self, tokens) -> None:
        for o, token in reversed(list(zip(self.observers, tokens))):
            o.end_op(token)


_watching: list[Observer] = []


def watch(observer: Observer) -> None:
    """``observer`` is told about every ``Function.apply`` from now on (until ``unwatch``)."""
    _watching.append(observer)
    _set_observer()


def unwatch(observer: Observer) -> None:
    """Stop telling ``observer``; with nobody left, ``apply`` is back to its one ``is None`` test."""
    if observer in _watching:
        _watching.remove(observer)
    _set_observer()


def _set_observer() -> None:
    """What ``Function.apply`` reads (``function._observer``): None, the one watcher, or all of them."""
    function._observer = (None if not _watching else _watching[0] if len(_watching) == 1
                          else _Observers(tuple(_watching)))
