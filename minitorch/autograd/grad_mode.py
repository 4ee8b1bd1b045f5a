"""Grad mode: whether ops record the graph (``no_grad``, ``enable_grad``, ``inference_mode``)."""

from __future__ import annotations

import functools
import threading


class _State(threading.local):
    enabled = True
    inference = False


_state = _State()


def is_grad_enabled() -> bool:
    return _state.enabled


def is_inference_mode_enabled() -> bool:
    return _state.inference


class _GradModeContext:
    """Base of the grad-mode switches: usable as a context manager and as a decorator."""

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._args):
                return fn(*args, **kwargs)

        return wrapper

    _args: tuple = ()


class no_grad(_GradModeContext):
    """Ops inside do not record the graph; their results have ``requires_grad=False``."""

    def __enter__(self):
        self._prev = _state.enabled
        _state.enabled = False

    def __exit__(self, *exc):
        _state.enabled = self._prev


class enable_grad(_GradModeContext):
    """Turn graph recording back on inside a ``no_grad`` block."""

    def __enter__(self):
        self._prev = _state.enabled
        _state.enabled = True

    def __exit__(self, *exc):
        _state.enabled = self._prev


class set_grad_enabled(_GradModeContext):
    """Set grad mode to ``mode``; takes effect at once (like PyTorch) and as a context manager."""

    def __init__(self, mode: bool):
        self._prev = _state.enabled
        self._args = (mode,)
        _state.enabled = bool(mode)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _state.enabled = self._prev

    def __call__(self, fn):
        _state.enabled = self._prev  # as a decorator it must not change the mode now
        return super().__call__(fn)


class inference_mode(_GradModeContext):
    """Like ``no_grad``; minitorch has no separate inference tensors, so this is ``no_grad``.

    Difference from PyTorch (documented): tensors made here are ordinary tensors,
    so using them later in autograd does not raise.
    """

    def __init__(self, mode: bool = True):
        self._args = (mode,)
        self._mode = mode

    def __enter__(self):
        self._prev = (_state.enabled, _state.inference)
        if self._mode:
            _state.enabled, _state.inference = False, True

    def __exit__(self, *exc):
        _state.enabled, _state.inference = self._prev
