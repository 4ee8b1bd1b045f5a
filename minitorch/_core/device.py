"""``device``: where a tensor's memory lives (``torch.device``)."""

from __future__ import annotations

import builtins
import ctypes.util
import functools
import glob
import os

_TYPES = ("cpu", "cuda")


class device:
    """``device('cpu')``, ``device('cuda')``, ``device('cuda:1')`` or ``device('cuda', 1)``."""

    __slots__ = ("index", "type")
    type: str
    index: int | None

    def __init__(self, type, index: int | None = None):
        if isinstance(type, device):
            type, index = type.type, type.index
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got ({type!r})")
        if ":" in type:
            type, _, idx = type.partition(":")
            if index is not None:
                raise ValueError("type (string) must not include an index because index was passed explicitly")
            try:
                index = int(idx)
            except ValueError:
                raise RuntimeError(f"Invalid device string: '{type}:{idx}'") from None
        if type not in _TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(_TYPES)} device type at start of device string: {type}"
            )
        if index is not None and (isinstance(index, bool) or not isinstance(index, int)):
            raise TypeError(f"device(): argument 'index' (position 2) must be int, not {builtins.type(index).__name__}")
        if index is not None and index < 0:
            raise RuntimeError("Device index must not be negative")
        self.type, self.index = type, index

    def __eq__(self, other) -> bool:
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"


cpu_device = device("cpu")


cuda0_device = device("cuda", 0)


def to_device(d) -> device:
    """Normalise a ``device=`` argument (None means the default device, CPU unless
    ``set_default_device`` changed it; 'cuda' means the current device, cuda:0).

    The two common devices come back as shared objects, so that ``Function.apply`` can check
    that an op's tensors are on one device with an identity test.
    """
    if d is None:
        return _default_device
    if d is cpu_device or d == "cpu":
        return cpu_device
    if not isinstance(d, device):
        if not isinstance(d, (str, int)) and type(d).__module__ != "torch":  # a torch.device is read by name
            raise TypeError(f"argument 'device' must be torch.device, not {type(d).__name__}")
        d = device("cuda", d) if isinstance(d, int) else device(d if isinstance(d, str) else str(d))
    if d.type == "cpu":
        return cpu_device
    if d.type == "cuda" and d.index in (None, 0):
        return cuda0_device
    return d


# ----------------------------------------------------------------------------- the default device
_device_type = device  # ``device`` is also the parameter name PyTorch gives set_default_device
_default_device: device = cpu_device
_default_device_requested: device | None = None  # what the user passed, as get_default_device reports it


def set_default_device(device) -> None:
    """Make factory functions (``zeros``, ``randn``, ``tensor`` ...) create tensors on ``device``
    when they are given no ``device=`` (``torch.set_default_device``; ``None`` means CPU again).

    As in PyTorch, a CUDA default without a GPU raises only when a tensor is made.
    """
    global _default_device, _default_device_requested
    if device is None:
        _default_device, _default_device_requested = cpu_device, None
        return
    if isinstance(device, bool) or not isinstance(device, (str, int, _device_type)):
        raise TypeError(
            f"device() received an invalid combination of arguments - got ({type(device).__name__}), but expected "
            "one of:\n * (torch.device device)\n * (str type, int index = -1)"
        )
    if isinstance(device, int):  # an index of the current accelerator
        if device < 0:
            raise RuntimeError("Device index must not be negative")
        requested = _device_type(require_accelerator().type, device)
    else:
        requested = _device_type(device)
    _default_device, _default_device_requested = to_device(requested), requested


def get_default_device() -> device:
    """The device factory functions use when given none (``torch.get_default_device``).

    A bare ``'cuda'`` is reported with the current device's index, as PyTorch does.
    """
    requested = _default_device_requested
    if requested is None:
        return device("cpu")
    if requested.type == "cuda" and requested.index is None:
        check_cuda_available()
        return device("cuda", 0)
    return requested


# ----------------------------------------------------------------------------- is there a CUDA device
# ``minitorch.cuda`` and ``minitorch.accelerator`` answer with these; they live here, below every
# layer that asks (``backends`` picks the CUDA backend, ``_core/args.py`` checks ``pin_memory``).
# minitorch's CUDA tensors are torch CUDA tensors (``backends/torch_backend/``), so torch is asked,
# but only after the system (``_gpu_can_exist``): importing torch costs about a second and 200 MB.
# ``MINITORCH_FAKE_CUDA=1`` makes one fake device (host memory) always available.
def _fake() -> bool:
    return os.environ.get("MINITORCH_FAKE_CUDA") == "1"


@functools.cache
def _gpu_can_exist() -> bool:
    """Whether this machine has a GPU driver torch could use, asked of the system (no torch import).

    The cheap checks (files the kernel driver creates) come first; ``find_library`` runs
    ``ldconfig`` and is the last resort, for a user-space driver without device files in sight.
    """
    if os.path.exists("/proc/driver/nvidia") or glob.glob("/dev/nvidia[0-9]*"):
        return True
    if os.path.exists("/dev/dxg") or os.path.exists("/dev/kfd"):  # WSL's GPU, AMD's ROCm
        return True
    return ctypes.util.find_library("cuda") is not None


def _torch_cuda():
    """``torch.cuda``, or None where torch is not installed (imports torch: ask ``_gpu_can_exist`` first)."""
    try:
        import torch
    except ImportError:
        return None
    return torch.cuda


def cuda_is_available() -> bool:
    """Whether CUDA tensors can be made: a GPU and a CUDA build of torch, or fake CUDA
    (``minitorch.cuda.is_available``)."""
    if _fake():
        return True
    if not _gpu_can_exist():
        return False
    tc = _torch_cuda()
    return tc is not None and tc.is_available()


def check_cuda_available() -> None:
    """PyTorch's error for a CUDA tensor without a GPU (``minitorch.cuda._check_available``)."""
    if not cuda_is_available():
        raise RuntimeError(
            "Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU and installed a "
            "driver from http://www.nvidia.com/Download/index.aspx"
            if not _gpu_can_exist() or _torch_cuda() is not None else "Torch not compiled with CUDA enabled"
        )


_NO_ACCELERATOR = "Cannot access accelerator device when none is available."


def require_accelerator() -> device:
    """The accelerator's device (``cuda:0``: minitorch's only accelerator), or PyTorch's error
    when there is none (``minitorch.accelerator``'s functions that need a device)."""
    if not cuda_is_available():
        raise RuntimeError(_NO_ACCELERATOR)
    return cuda0_device
