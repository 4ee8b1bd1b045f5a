"""Who watches ``Function.apply``: one protocol for the profiler and ``minitorch.compile``.

A watcher (minitorch.profiler's recorder, a ``minitorch.compile`` capture) subclasses
``Observer`` and calls ``watch(self)``; ``unwatch`` stops it. While nobody watches, an op pays
one ``is None`` test for all of this.

Imports go one way: ``function.py`` imports this module, never the reverse. ``Function.apply``
reads its own module global ``function._observer`` (a global read is the cheapest test on the
hottest path), and ``function.py`` keeps that global current by ``subscribe``-ing to the changes
made here: None while nobody watches, the watcher, or ``_Observers`` when several watch at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


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
_subscribers: list[Callable[[Observer | None], None]] = []


def watch(observer: Observer) -> None:
    """``observer`` is told about every ``Function.apply`` from now on (until ``unwatch``)."""
    _watching.append(observer)
    _publish()


def unwatch(observer: Observer) -> None:
    """Stop telling ``observer``; with nobody left, ``apply`` is back to its one ``is None`` test."""
    if observer in _watching:
        _watching.remove(observer)
    _publish()


def current() -> Observer | None:
    """Who ``Function.apply`` tells now: None, the one watcher, or all of them as one ``_Observers``."""
    if not _watching:
        return None
    return _watching[0] if len(_watching) == 1 else _Observers(tuple(_watching))


def subscribe(setter: Callable[[Observer | None], None]) -> None:
    """``setter(current())`` now and after every ``watch``/``unwatch`` (``function.py`` sets its
    ``_observer`` this way, so that this module needs no import of it)."""
    _subscribers.append(setter)
    setter(current())


def _publish() -> None:
    observer = current()
    for setter in _subscribers:
        setter(observer)
