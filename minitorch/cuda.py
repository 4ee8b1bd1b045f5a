"""``minitorch.cuda``: is there a GPU, and which (``torch.cuda``).

minitorch's CUDA tensors are torch CUDA tensors (``backends/torch_backend/``), so these
functions ask torch. Importing torch costs about a second and 200 MB, and ``cuda.is_available()``
is the first line of most tutorials, so the system is asked first (``_gpu_can_exist``): without an
NVIDIA (or ROCm, or WSL) driver there is no GPU, and torch is not imported. With
``MINITORCH_FAKE_CUDA=1`` one fake device is always available (its tensors live in host memory),
so everything CUDA-specific runs in CI without a GPU. Only one device (``cuda:0``) is used.

The question itself (``is_available`` and what it asks) is answered in ``_core/device.py``, below the
backends that need it too; this module re-exports it.
"""

from __future__ import annotations

from ._core.device import _fake, _gpu_can_exist, _torch_cuda  # noqa: F401  (cuda._gpu_can_exist, as before)
from ._core.device import check_cuda_available as _check_available
from ._core.device import cuda_is_available as is_available


def device_count() -> int:
    """How many CUDA devices minitorch can use (0 or 1: it uses only ``cuda:0``)."""
    return 1 if is_available() else 0


def current_device() -> int:
    _check_available()
    return 0


def set_device(device) -> None:
    """Only device 0 exists for minitorch; selecting it is a no-op."""
    from ._core.device import device as device_type

    if isinstance(device, bool) or not isinstance(device, (int, str, device_type)):
        raise ValueError(f"Expected a torch.device with a specified index or an integer, but got:{device}")  # noqa: TRY004  (PyTorch's type)
    index = device if isinstance(device, int) else device_type(device).index
    if index not in (0, None, -1):
        raise RuntimeError("CUDA error: invalid device ordinal")


def get_device_name(device=None) -> str:
    _check_available()
    if _fake():
        return "minitorch fake CUDA (host memory)"
    return _torch_cuda().get_device_name(0)


def synchronize(device=None) -> None:
    """Wait for queued GPU work to finish (nothing to wait for under fake CUDA); without a GPU, raises."""
    _check_available()
    if not _fake():
        _torch_cuda().synchronize()


def manual_seed(seed: int) -> None:
    """minitorch draws random numbers on the host for every device, so this seeds nothing more.

    Sampling happens on the CPU generator and is then copied over (``_ops/random/sampling.py``);
    ``minitorch.manual_seed`` already makes CUDA samples reproducible. The seed is still
    checked as PyTorch does (``int(seed)``).
    """
    int(seed)


manual_seed_all = manual_seed


def is_initialized() -> bool:
    return is_available()
