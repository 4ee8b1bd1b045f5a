"""Reading files written by ``torch.save`` without torch, and without running code from the file.

A PyTorch checkpoint is a pickle of the object tree whose tensors point at raw *storages* kept
outside the pickle. Two layouts exist:

- **zip** (``torch.save``'s default since 1.6): ``<root>/data.pkl`` (the pickle),
  ``<root>/data/<key>`` (one raw storage per key), ``<root>/byteorder`` (``little``/``big``,
  absent in old files: little), ``<root>/version`` and a few bookkeeping records;
- **legacy** (``_use_new_zipfile_serialization=False``): one stream of pickles - a magic number,
  the protocol version (1001), a ``sys_info`` dict, the object tree, the sorted list of storage
  keys - then, per key in that order, an int64 element count followed by the raw bytes.

In the tree a tensor is ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
requires_grad, backward_hooks)``, a storage a persistent id ``('storage', torch.FloatStorage,
key, location, numel)``. The unpickler here is *restricted*: ``find_class`` resolves only the
globals a ``state_dict`` needs (below) to minitorch stand-ins, and anything else - ``os.system``,
``builtins.eval``, ``subprocess.Popen``, an unlisted ``torch`` name - raises
``pickle.UnpicklingError`` before it is called (as ``torch.load(weights_only=True)`` does).
The allowlist: ``collections.OrderedDict``, ``torch._utils._rebuild_tensor``/``_v2``/``_v3``,
``_rebuild_parameter``, the storage classes (``torch.FloatStorage``..., ``UntypedStorage``),
``torch.Size``, ``torch.device`` and the dtypes (``torch.float32``...). ``BUILD``
(``__setstate__``) is allowed only on dicts, to restore ``state_dict()._metadata``.

Tensors that share a storage come back as views of one minitorch tensor (writes to one are
seen by the others); each view's size/stride/offset is checked against the storage's length
first, so a malformed file raises (RuntimeError, as in torch) instead of reading out of bounds.
"""

from __future__ import annotations

import collections
import io
import pickle
import struct
import zipfile
from collections.abc import Callable
from typing import Any, BinaryIO, ClassVar

import numpy as np

from .._core import dtype as _dtype
from .._core.size import Size
from .._tensor.methods import Tensor

__all__ = ["is_pickle", "is_torch_zip", "load_torch_file"]

_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001

# torch's storage classes, by the name they are pickled under, and the element type each holds.
_STORAGE_DTYPES = {
    "DoubleStorage": _dtype.float64, "FloatStorage": _dtype.float32, "HalfStorage": _dtype.float16,
    "LongStorage": _dtype.int64, "IntStorage": _dtype.int32, "ShortStorage": _dtype.int16,
    "CharStorage": _dtype.int8, "ByteStorage": _dtype.uint8, "BoolStorage": _dtype.bool_,
    "UntypedStorage": _dtype.uint8,
}
_UNSUPPORTED_STORAGES = ("BFloat16Storage", "ComplexFloatStorage", "ComplexDoubleStorage", "QInt8Storage",
                         "QUInt8Storage", "QInt32Storage", "QUInt4x2Storage", "QUInt2x4Storage")
_TORCH_DTYPES = {"float64": _dtype.float64, "double": _dtype.float64, "float32": _dtype.float32,
                 "float": _dtype.float32, "float16": _dtype.float16, "half": _dtype.float16,
                 "int64": _dtype.int64, "long": _dtype.int64, "int32": _dtype.int32, "int": _dtype.int32,
                 "int16": _dtype.int16, "short": _dtype.int16, "int8": _dtype.int8, "uint8": _dtype.uint8,
                 "bool": _dtype.bool_}


class _StorageType:
    """Stands for ``torch.FloatStorage`` & co. in a persistent id: only its element type matters."""

    def __init__(self, name: str, dtype: _dtype.dtype) -> None:
        self.name, self.dtype = name, dtype


def is_torch_zip(names: list[str]) -> bool:
    """Whether a zip archive's member names are those of a ``torch.save`` file."""
    return any(n.count("/") == 1 and n.endswith("/data.pkl") for n in names)


def is_pickle(head: bytes) -> bool:
    """Whether a file that starts with ``head`` is a pickle stream (as a legacy ``torch.save`` file is)."""
    return head[:1] == b"\x80"  # the PROTO opcode


# ----------------------------------------------------------------------------- storages -> tensors
class _StorageBeyondEnd(Exception):
    """A legacy file's storage needs more bytes than the file has left (``args[0]``: how many more)."""


class _Storages:
    """The raw storages of one file, read on first use and wrapped as flat minitorch tensors.

    ``location(tensor, saved_location)`` places each rebuilt tensor (``map_location``)."""

    def __init__(self, read: Callable[[str, _dtype.dtype, int], np.ndarray],
                 location: Callable[[Tensor, str], Tensor] | None = None, dry: bool = False) -> None:
        self.read, self.location, self.dry = read, location, dry  # dry: check the tree, build no tensor
        self.tensors: dict[str, Tensor] = {}

    def get(self, key: str, dtype: _dtype.dtype, numel: int) -> Tensor:
        flat = self.tensors.get(key)
        if flat is None:
            from .._ops.creation.factories import from_numpy

            flat = self.tensors[key] = from_numpy(self.read(key, dtype, numel))
        elif flat.dtype is not dtype:
            raise pickle.UnpicklingError(f"storage {key!r} is used both as {flat.dtype} and as {dtype}")
        return flat


class _StorageRef:
    """What a persistent id unpickles to: one storage of the file, as a flat tensor, and where it was saved."""

    def __init__(self, flat: Tensor, location: str, place: Callable[[Tensor, str], Tensor] | None,
                 dry: bool = False) -> None:
        self.flat, self.location, self.place, self.dry = flat, location, place, dry


def _check_int_tuple(name: str, value: Any) -> tuple[int, ...]:
    if not isinstance(value, (tuple, list)) or not all(type(v) is int for v in value):
        raise pickle.UnpicklingError(f"tensor {name} must be a tuple of ints, got {value!r:.80}")
    return tuple(value)


def _rebuild_tensor(storage: Any, storage_offset: Any, size: Any, stride: Any) -> Tensor:
    """The view ``size``/``stride``/``storage_offset`` of a storage, checked to lie inside it."""
    if not isinstance(storage, _StorageRef):
        raise pickle.UnpicklingError(f"expected a storage, got {type(storage).__name__}")
    if storage.dry:
        return storage.flat
    size, stride = _check_int_tuple("size", size), _check_int_tuple("stride", stride)
    if type(storage_offset) is not int or storage_offset < 0 or len(size) != len(stride):
        raise RuntimeError(f"invalid tensor geometry: offset {storage_offset!r}, size {size}, stride {stride}")
    if any(n < 0 for n in size) or any(s < 0 for s in stride):
        raise RuntimeError(f"negative size or stride in a tensor: size {size}, stride {stride}")
    numel = storage.flat.shape[0]
    if 0 not in size:
        last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= numel:
            raise RuntimeError(f"tensor of size {size}, stride {stride} at offset {storage_offset} "
                               f"reads past the end of its storage of {numel} elements")
    elif storage_offset > numel:
        raise RuntimeError(f"storage offset {storage_offset} is past the storage's {numel} elements")
    from ..autograd import grad_mode

    with grad_mode.no_grad():
        t = storage.flat.as_strided(size, stride, storage_offset)
    return t if storage.place is None else storage.place(t, storage.location)


def _rebuild_tensor_v1(storage, storage_offset, size, stride) -> Tensor:
    """``torch._utils._rebuild_tensor``: the pre-1.0 form (files from 2017-2018 checkpoints)."""
    return _rebuild_tensor(storage, storage_offset, size, stride)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None) -> Tensor:
    """``torch._utils._rebuild_tensor_v2``: a tensor view of a storage (hooks are never saved)."""
    t = _rebuild_tensor(storage, storage_offset, size, stride)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype,
                       metadata=None) -> Tensor:
    """``torch._utils._rebuild_tensor_v3``: as v2, with the dtype given explicitly."""
    t = _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks)
    if t.dtype is not dtype:
        raise pickle.UnpicklingError(f"tensor of dtype {dtype} rebuilt from a {t.dtype} storage")
    return t


def _rebuild_parameter(data, requires_grad, backward_hooks, state=None):
    """``torch._utils._rebuild_parameter``: ``nn.Parameter(data, requires_grad)``."""
    from ..nn.parameter import Parameter

    if not isinstance(data, Tensor):
        raise pickle.UnpicklingError(f"a Parameter must wrap a tensor, got {type(data).__name__}")
    if state:
        raise pickle.UnpicklingError("a Parameter with extra Python state is not supported")
    return Parameter(data, requires_grad=bool(requires_grad))


def _size(dims=()) -> Size:
    return Size(_check_int_tuple("size", tuple(dims)))


def _device(*args) -> Any:
    from .._core.device import device

    if not all(type(a) in (str, int) for a in args):
        raise pickle.UnpicklingError(f"torch.device takes a string and an index, got {args!r:.80}")
    return device(*args)


def _ordered_dict(*args) -> collections.OrderedDict:
    if args and not isinstance(args[0], (list, tuple, dict)):
        raise pickle.UnpicklingError("OrderedDict takes a list of pairs")
    return collections.OrderedDict(*args)


_ALLOWED: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): _ordered_dict,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor_v1,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_tensor_v3"): _rebuild_tensor_v3,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch", "Size"): _size,
    ("torch", "device"): _device,
    **{("torch", name): _StorageType(name, dt) for name, dt in _STORAGE_DTYPES.items()},
    ("torch.storage", "UntypedStorage"): _StorageType("UntypedStorage", _dtype.uint8),
    **{("torch", name): dt for name, dt in _TORCH_DTYPES.items()},
}


# ----------------------------------------------------------------------------- the restricted unpickler
class _RestrictedUnpickler(pickle._Unpickler):  # type: ignore[name-defined]
    """A pickle reader whose only globals are ``_ALLOWED``'s and whose persistent ids are storages.

    The pure-Python unpickler is used (the tree is small: the tensor data lies outside it) so that
    ``BUILD`` can be restricted as well as ``find_class``.
    """

    class _Opcodes(dict):
        def __missing__(self, opcode: int):  # torch's weights-only unpickler's error for an unknown opcode
            raise pickle.UnpicklingError(f"Unsupported operand {opcode}")

    dispatch: ClassVar[dict] = _Opcodes(pickle._Unpickler.dispatch)  # type: ignore[attr-defined]
    stack: list[Any]  # the pure-Python unpickler's value stack

    def __init__(self, file: BinaryIO, storages: _Storages | None) -> None:
        super().__init__(file)
        self.storages = storages

    def find_class(self, module: str, name: str) -> Any:
        obj = _ALLOWED.get((module, name))
        if obj is None:
            if module == "torch" and name in _UNSUPPORTED_STORAGES:
                raise pickle.UnpicklingError(f"minitorch cannot load tensors stored as torch.{name} "
                                             "(no such dtype in minitorch)")
            raise pickle.UnpicklingError(
                f"Weights only load failed: unsupported global {module}.{name}. minitorch reads only the "
                "tensors, dicts, lists and numbers of a state_dict from a torch.save file; a file that "
                "needs other globals could run arbitrary code, and is never unpickled.")
        return obj

    def persistent_load(self, pid: Any) -> _StorageRef:
        if (self.storages is None or not isinstance(pid, tuple) or len(pid) < 5 or pid[0] != "storage"
                or not isinstance(pid[1], _StorageType) or type(pid[4]) is not int or pid[4] < 0):
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r:.100}")
        if len(pid) > 5 and pid[5] is not None:
            raise pickle.UnpicklingError("storage views (a pre-1.0 torch.save layout) are not supported")
        _, storage_type, key, location, numel = pid[:5]
        return _StorageRef(self.storages.get(str(key), storage_type.dtype, numel), str(location),
                           self.storages.location, self.storages.dry)

    def load_build(self) -> None:
        state = self.stack[-1]
        inst = self.stack[-2]
        if not (isinstance(inst, dict) and isinstance(state, dict) and all(type(k) is str for k in state)):
            raise pickle.UnpicklingError(f"Weights only load failed: cannot set the state of a "
                                         f"{type(inst).__name__} object")
        self.stack.pop()
        for k, v in state.items():
            setattr(inst, k, v)  # an OrderedDict's ``_metadata``

    dispatch[pickle.BUILD[0]] = load_build

    # A memo index that was never stored is a KeyError, as in torch's weights-only unpickler.
    def load_binget(self) -> None:
        self.append(self.memo[self.read(1)[0]])

    def load_long_binget(self) -> None:
        self.append(self.memo[struct.unpack("<I", self.read(4))[0]])

    dispatch[pickle.BINGET[0]] = load_binget
    dispatch[pickle.LONG_BINGET[0]] = load_long_binget


def _unpickle(data: bytes | BinaryIO, storages: _Storages | None) -> Any:
    f = io.BytesIO(data) if isinstance(data, bytes) else data
    return _RestrictedUnpickler(f, storages).load()


def _storage_array(raw: bytes, dtype: _dtype.dtype, numel: int, byteorder: str, key: str) -> np.ndarray:
    np_dtype = np.dtype(dtype.np).newbyteorder("<" if byteorder == "little" else ">")
    if len(raw) != numel * np_dtype.itemsize:
        raise RuntimeError(f"storage {key!r} holds {len(raw)} bytes, expected {numel} elements x "
                           f"{np_dtype.itemsize} bytes")
    arr = np.frombuffer(raw, dtype=np_dtype)
    return arr.astype(np.dtype(dtype.np).newbyteorder("="), copy=True)  # native order, writable


# ----------------------------------------------------------------------------- the two layouts
def _load_zip(zf: zipfile.ZipFile, location) -> Any:
    names = zf.namelist()
    pkl = next(n for n in names if n.count("/") == 1 and n.endswith("/data.pkl"))
    root = pkl[: -len("data.pkl")]
    byteorder = zf.read(root + "byteorder").decode() if root + "byteorder" in names else "little"
    if byteorder not in ("little", "big"):
        raise pickle.UnpicklingError(f"unknown byte order {byteorder!r}")

    def read(key: str, dtype: _dtype.dtype, numel: int) -> np.ndarray:
        name = root + "data/" + key
        if name not in names:
            raise pickle.UnpicklingError(f"the checkpoint has no storage {key!r}")
        return _storage_array(zf.read(name), dtype, numel, byteorder, key)

    return _unpickle(zf.read(pkl), _Storages(read, location))


def _load_legacy(f: io.BytesIO, location) -> Any:
    if _unpickle(f, None) != _LEGACY_MAGIC:
        raise RuntimeError("Invalid magic number; corrupt file?")  # torch.load's words for a foreign pickle
    version = _unpickle(f, None)
    if version != _LEGACY_PROTOCOL:
        raise pickle.UnpicklingError(f"invalid protocol version: {version!r}")
    sys_info = _unpickle(f, None)
    little = not isinstance(sys_info, dict) or sys_info.get("little_endian", True)
    byteorder = "little" if little else "big"
    wanted: dict[str, tuple[_dtype.dtype, int]] = {}

    def defer(key: str, dtype: _dtype.dtype, numel: int) -> np.ndarray:
        # The storages follow the tree in the stream: give each a placeholder filled in below.
        if numel * np.dtype(dtype.np).itemsize > len(f.getbuffer()) - f.tell():
            raise _StorageBeyondEnd(numel * np.dtype(dtype.np).itemsize - (len(f.getbuffer()) - f.tell()))
        wanted[key] = (dtype, numel)
        return np.zeros(numel, dtype=dtype.np)

    storages = _Storages(defer, location)
    tree_start = f.tell()
    try:
        result = _unpickle(f, storages)
    except _StorageBeyondEnd as e:
        # torch reads the whole tree before the storages: a tree cut short is the unpickler's error
        # (raised by this second reading, which allocates nothing), a whole tree torch's RuntimeError.
        f.seek(tree_start)
        _unpickle(f, _Storages(lambda key, dtype, numel: np.zeros(0, dtype=dtype.np), dry=True))
        raise RuntimeError(f"unexpected EOF, expected {e.args[0]} more bytes. The file might be corrupted.") from None
    keys = _unpickle(f, None)
    if not isinstance(keys, list) or set(map(str, keys)) != set(wanted):
        raise pickle.UnpicklingError("the storage list does not match the tensors in the file")
    for key in map(str, keys):
        dtype, numel = wanted[key]
        head = f.read(8)
        if len(head) != 8:
            raise RuntimeError("the file ends before its storages")
        count = struct.unpack("<q" if little else ">q", head)[0]
        if count != numel:
            raise RuntimeError(f"storage {key!r} holds {count} elements, expected {numel}")
        size = numel * np.dtype(dtype.np).itemsize
        storages.tensors[key].numpy()[:] = _storage_array(f.read(size), dtype, numel, byteorder, key)
    return result


def load_torch_file(data: bytes, location: Callable[[Tensor, str], Tensor] | None = None) -> Any:
    """The object tree of a ``torch.save`` file (zip or legacy), its tensors as minitorch tensors.

    ``location(tensor, saved_location)`` places each tensor (``torch.load``'s ``map_location``).
    Raises ``pickle.UnpicklingError`` for anything but a state_dict-like tree (see the module doc).
    A stream that ends early or reads a memo slot never written raises what ``torch.load`` raises
    for the same bytes: ``EOFError``, ``IndexError``, ``struct.error``, ``KeyError``.
    """
    try:
        if data[:2] == b"PK":
            return _load_zip(zipfile.ZipFile(io.BytesIO(data)), location)
        return _load_legacy(io.BytesIO(data), location)
    except (pickle.UnpicklingError, EOFError, IndexError, KeyError, struct.error):
        raise
    except (ValueError, TypeError, AttributeError, zipfile.BadZipFile, UnicodeDecodeError, RecursionError,
            MemoryError, OverflowError) as e:
        raise pickle.UnpicklingError(f"malformed PyTorch checkpoint: {type(e).__name__}: {e}") from None
