"""Random number generators: ``Generator``, the default generator and the global seeding functions.

A ``Generator`` wraps a NumPy ``np.random.Generator`` over the PCG64 bit
generator; every random op takes its numbers from one (``generator=``, or the
default generator). Samples are drawn on the host and then moved to the
tensor's device.

Deliberate difference from PyTorch: the same seed gives the same numbers in
minitorch run after run, but NOT the numbers PyTorch gives (PyTorch uses a
Mersenne Twister and its own sampling algorithms; matching them bit for bit is
not a goal). ``get_state()`` is a uint8 tensor too, but of another length and
layout, so states do not travel between the two libraries.
"""

from __future__ import annotations

import json
import random as _pyrandom

import numpy as np

from ..._core import capture as _capture
from ..._core import dtype as _dtype
from ..._core.device import to_device
from ..._tensor.tensor import Tensor
from ..creation.factories import tensor

_DEFAULT_SEED = 67280421310721  # PyTorch's default CPU seed


def _check_seed(seed) -> int:
    """PyTorch's seed rules: any int in [-2**63, 2**64); negatives wrap modulo 2**64."""
    seed = int(seed)
    if not -(2**63) <= seed < 2**64:
        raise ValueError("Overflow when unpacking long long")
    return seed % 2**64


class Generator:
    """A source of random numbers with its own seed and state (``torch.Generator``)."""

    def __init__(self, device="cpu") -> None:
        self.device = to_device(device)
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed) -> Generator:
        """Restart the stream from ``seed`` (a Python int, as in ``torch.Generator``); returns ``self``.

        As in PyTorch, a NumPy integer is a TypeError ("an integer is required") and anything else
        that is not a Python int (a float, a bool, a tensor) a RuntimeError."""
        if isinstance(seed, np.integer):
            raise TypeError("an integer is required")
        if not isinstance(seed, int) or isinstance(seed, bool):
            kind = type(seed)
            name = f"numpy.{kind.__name__}" if kind.__module__ == "numpy" else kind.__name__
            raise RuntimeError(f"manual_seed expected a long, but got {name}")  # noqa: TRY004  (torch raises RuntimeError)
        self._seed = _check_seed(seed)
        self._np = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self) -> int:
        """Re-seed from a non-deterministic source and return the new seed."""
        s = _pyrandom.SystemRandom().getrandbits(63)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed the current stream started from."""
        return self._seed

    def get_state(self):
        """The generator's state as a 1-d uint8 tensor (a copy: restore it with ``set_state``).

        Its bytes are the JSON of the seed and NumPy's PCG64 state, so its length is not
        PyTorch's 5056 (a documented difference: states do not travel between the libraries).
        """
        payload = json.dumps({"seed": self._seed, "pcg64": self._np.bit_generator.state}).encode()
        return tensor(list(payload), dtype=_dtype.uint8)

    def set_state(self, new_state) -> Generator:
        """Restore a state returned by ``get_state``: the draws that followed it follow again.

        As in PyTorch: a TypeError unless ``new_state`` is a ByteTensor, a RuntimeError when it is
        not contiguous or is not a state; the generator is unchanged after an error.
        """
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        if new_state.dtype is not _dtype.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        if not new_state.is_contiguous():
            raise RuntimeError("RNG state must be contiguous")
        try:
            state = json.loads(bytes(new_state.reshape(-1).tolist()).decode())
            seed = _check_seed(state["seed"])
            bit_generator = np.random.PCG64()
            bit_generator.state = state["pcg64"]
        except (ValueError, TypeError, KeyError, IndexError):  # not JSON, or not a state's fields
            raise RuntimeError("Invalid RNG state: expected a tensor returned by get_rng_state() or "
                               "Generator.get_state()") from None
        self._seed, self._np = seed, np.random.Generator(bit_generator)
        return self

    def clone_state(self) -> Generator:
        g = Generator(self.device)
        g.set_state(self.get_state())
        return g

    def __repr__(self) -> str:
        return f"<minitorch.Generator object at {hex(id(self))}>"


default_generator = Generator()


def _check_generator(generator) -> None:
    """A ``generator=`` that is neither None nor a Generator raises TypeError."""
    if generator is not None and not isinstance(generator, Generator):
        raise TypeError(f"generator must be a Generator, not {type(generator).__name__}")


def _numpy_generator(generator: Generator | None) -> np.random.Generator:
    """The NumPy generator behind ``generator`` (the default one when None).

    A draw outside a recordable step (``_capture.call``) cannot be replayed by ``minitorch.compile``."""
    _capture.graph_break("a random draw that minitorch.compile cannot replay (only bernoulli_ with a float p can)")
    if generator is None:
        return default_generator._np
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a Generator, not {type(generator).__name__}")
    return generator._np


def manual_seed(seed) -> Generator:
    """Seed the default generator with ``int(seed)`` (so a float or a one-element tensor will do, as in
    PyTorch); returns it."""
    return default_generator.manual_seed(int(seed))


def seed() -> int:
    """Seed the default generator non-deterministically; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The default generator's seed."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state (a 1-d uint8 tensor, ``torch.get_rng_state``)."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    """Restore the default generator's state from ``get_rng_state()``'s tensor."""
    default_generator.set_state(new_state)
