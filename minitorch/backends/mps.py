"""``torch.backends.mps``: Apple's Metal GPUs. minitorch has no MPS backend, so both answers are False,
and ``device = "mps" if torch.backends.mps.is_available() else "cpu"`` picks the CPU."""

from __future__ import annotations


def is_available() -> bool:
    """Whether MPS tensors can be made (never, in minitorch)."""
    return False


def is_built() -> bool:
    """Whether this build supports MPS (it does not)."""
    return False
