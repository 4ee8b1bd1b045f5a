"""``device``: where a tensor's memory lives (``torch.device``)."""

from __future__ import annotations

_TYPES = ("cpu", "cuda")


class device:
    """``device('cpu')``, ``device('cuda')``, ``device('cuda:1')`` or ``device('cuda', 1)``."""

    __slots__ = ("index", "type")

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
            raise TypeError(f"device(): argument 'index' (position 2) must be int, not {type(index).__name__}")
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
        from .. import accelerator

        if device < 0:
            raise RuntimeError("Device index must not be negative")
        requested = _device_type(accelerator._require().type, device)
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
        from .. import cuda

        cuda._check_available()
        return device("cuda", 0)
    return requested
