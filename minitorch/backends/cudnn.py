"""``torch.backends.cudnn``: the flags tutorials set (``torch.backends.cudnn.benchmark = True``).

minitorch's CUDA convolutions run in torch (``torch_backend/nn.py``), which uses cuDNN on a real GPU;
these module attributes are accepted and readable with PyTorch's defaults, but minitorch does not
pass them on to torch (set ``torch.backends.cudnn.*`` itself for that). Fake CUDA has no cuDNN.
"""

from __future__ import annotations

from .._core import device as _device

enabled = True  # use cuDNN where it can
benchmark = False  # time several algorithms per input shape and keep the fastest
deterministic = False  # only deterministic algorithms
allow_tf32 = True  # TF32 tensor cores in convolutions (Ampere and later)


def is_available() -> bool:
    """Whether cuDNN can be used: only with a real GPU, and torch's answer there."""
    if _device._fake() or not _device.cuda_is_available():
        return False
    import torch  # a real GPU: torch is already imported by cuda.is_available

    return torch.backends.cudnn.is_available()


def version() -> int | None:
    """cuDNN's version number, or None without cuDNN."""
    if not is_available():
        return None
    import torch

    return torch.backends.cudnn.version()
