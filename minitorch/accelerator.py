"""``minitorch.accelerator``: the device-agnostic way tutorials pick a GPU (``torch.accelerator``).

PyTorch's current tutorials write ``device = torch.accelerator.current_accelerator().type if
torch.accelerator.is_available() else "cpu"``. minitorch's only accelerator is CUDA
(``minitorch.cuda``; fake CUDA with ``MINITORCH_FAKE_CUDA=1``), and only ``cuda:0``, so every
function here answers for it. Without a GPU the answers are PyTorch's on a CPU-only machine:
``is_available()`` is False, ``current_accelerator()`` None, ``device_count()`` 0, and the
functions that need a device raise ``RuntimeError``. Nothing here imports torch unless a GPU can
exist (``cuda.is_available``).
"""

from __future__ import annotations

import warnings
from collections import OrderedDict

from . import cuda
from ._core.device import device
from ._core.device import require_accelerator as _require


def _index_of(device_arg, *, allow_none: bool) -> int | None:
    """The device index of a ``device | str | int | None`` argument, checked as PyTorch does."""
    if device_arg is None and allow_none:
        _require()
        return None
    if isinstance(device_arg, bool) or not isinstance(device_arg, (int, str, device)):
        raise ValueError(  # noqa: TRY004  (PyTorch's type)
            f"Expected a torch.device with a specified index or an integer, but got:{device_arg}")
    if isinstance(device_arg, int):
        index = device_arg
    else:
        d = device(device_arg)
        if d.type != "cuda":
            _require()
            raise RuntimeError("Accelerator expected")
        index = d.index
    _require()
    if index is not None and index not in (0, -1):
        raise RuntimeError("CUDA error: invalid device ordinal")
    return index


def is_available() -> bool:
    """Whether an accelerator (here: a CUDA device, real or fake) can be used."""
    return cuda.is_available()


def current_accelerator(check_available: bool = False) -> device | None:
    """The accelerator's device type as a ``device`` with no index (``device(type='cuda')``), or None."""
    return device("cuda") if cuda.is_available() else None


def device_count() -> int:
    """How many accelerator devices minitorch can use (0 or 1)."""
    return cuda.device_count()


def current_device_index() -> int:
    """The index of the current accelerator device (always 0)."""
    _require()
    return 0


def current_device_idx() -> int:
    """Deprecated name of ``current_device_index``."""
    warnings.warn("Use `current_device_index` instead.", FutureWarning, stacklevel=2)
    return current_device_index()


def set_device_index(device, /) -> None:
    """Select the current accelerator device; only index 0 exists."""
    _index_of(device, allow_none=False)


def set_device_idx(device, /) -> None:
    """Deprecated name of ``set_device_index``."""
    warnings.warn("Use `set_device_index` instead.", FutureWarning, stacklevel=2)
    set_device_index(device)


class device_index:
    """``with device_index(i):`` makes device ``i`` current inside the block (``None``: no change)."""

    def __init__(self, device: int | None, /) -> None:
        self.idx = device

    def __enter__(self) -> None:
        if self.idx is not None:
            set_device_index(self.idx)

    def __exit__(self, *exc_info: object) -> None:
        pass


def synchronize(device=None, /) -> None:
    """Wait for the accelerator's queued work to finish."""
    _index_of(device, allow_none=True)
    cuda.synchronize()


# ---- memory: asked of torch.cuda on a real GPU; fake CUDA's tensors live in host memory (0 bytes)
def _memory(name: str, device_index, fake_value):
    _index_of(device_index, allow_none=True)
    if cuda._fake():
        return fake_value
    return getattr(cuda._torch_cuda(), name)()


def empty_cache() -> None:
    """Release cached, unused accelerator memory."""
    _memory("empty_cache", None, None)


def memory_allocated(device_index=None, /) -> int:
    """Bytes of accelerator memory held by tensors."""
    return _memory("memory_allocated", device_index, 0)


def max_memory_allocated(device_index=None, /) -> int:
    """The peak of ``memory_allocated`` since the start (or the last reset)."""
    return _memory("max_memory_allocated", device_index, 0)


def memory_reserved(device_index=None, /) -> int:
    """Bytes of accelerator memory held by the caching allocator."""
    return _memory("memory_reserved", device_index, 0)


def max_memory_reserved(device_index=None, /) -> int:
    """The peak of ``memory_reserved`` since the start (or the last reset)."""
    return _memory("max_memory_reserved", device_index, 0)


def memory_stats(device_index=None, /) -> OrderedDict:
    """The caching allocator's statistics."""
    return _memory("memory_stats", device_index, OrderedDict())


def reset_peak_memory_stats(device_index=None, /) -> None:
    """Restart the peaks of ``max_memory_allocated`` / ``max_memory_reserved``."""
    _memory("reset_peak_memory_stats", device_index, None)


def reset_accumulated_memory_stats(device_index=None, /) -> None:
    """Restart the allocator's accumulated counters."""
    _memory("reset_accumulated_memory_stats", device_index, None)


def get_memory_info(device_index=None, /) -> tuple[int, int]:
    """``(free, total)`` bytes of the device's memory."""
    _index_of(device_index, allow_none=True)
    if cuda._fake():
        return (0, 0)
    return cuda._torch_cuda().mem_get_info()
