"""``torch.backends.mkldnn``: oneDNN, Intel's CPU kernels. minitorch's CPU kernels are its own
(``kernels/``), so oneDNN is never available; the ``enabled`` flag is accepted and does nothing."""

from __future__ import annotations

enabled = True


def is_available() -> bool:
    """Whether oneDNN kernels are used (never, in minitorch; PyTorch's CPU builds say True)."""
    return False
