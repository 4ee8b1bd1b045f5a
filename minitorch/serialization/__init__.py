"""``save`` / ``load``: checkpoints that can be loaded without running code from the file.

Format (a zip archive; PyTorch's is a zip of a pickle plus raw storages)::

    <name>/version          "minitorch-checkpoint 1"
    <name>/data.json        the object tree, every node a small dict tagged by "type"
    <name>/tensors/<k>.npy  one NumPy array per distinct tensor (read with allow_pickle=False)

Tree nodes: ``none``, ``bool``, ``int``, ``float`` (``float.hex``: exact, also inf/nan), ``str``,
``bytes`` (hex), ``list``, ``tuple``, ``dict``/``OrderedDict`` (lists of [key, value] nodes, so keys
may be ints, as in an optimizer's state), ``Size``, ``dtype``, ``device``, and
``tensor`` (``{"type": "tensor", "key": k, "dtype", "requires_grad", "parameter", "device"}``).
A tensor is saved with its own values (a view is saved as a compact copy, not with its base);
the same tensor object twice in the tree is stored once and loads as one tensor.

Anything else (a whole Module, a lambda) is pickled into ``<name>/pickles/<k>.pkl``, and
``load`` refuses it unless ``weights_only=False`` - the same policy as PyTorch 2.6+, where
unpickling can run arbitrary code.

``load`` also reads files written by ``torch.save`` (zip and legacy layouts, e.g. torchvision's
pretrained weights), without torch, through the restricted unpickler of ``serialization/torch_format.py``:
only the tensors, dicts, lists and numbers of a ``state_dict`` are accepted, whatever
``weights_only`` says.
"""

from __future__ import annotations

import collections
import contextlib
import io
import json
import os
import pickle
import secrets
import stat
import zipfile
from collections.abc import Callable
from typing import Any, BinaryIO

import numpy as np

from .._core import dtype as _dtype
from .._core.device import device as _device_cls
from .._core.device import to_device
from .._core.size import Size
from .._tensor.methods import Tensor

__all__ = ["load", "save"]

_VERSION = "minitorch-checkpoint 1"
_ROOT = "archive"


# ----------------------------------------------------------------------------- save
class _Encoder:
    """Walks an object tree, collecting tensors (by identity) and pickled leftovers."""

    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self.tensor_keys: dict[int, int] = {}
        self.keep_alive: list[Tensor] = []
        self.pickles: list[bytes] = []

    def encode(self, obj: Any) -> dict:
        if obj is None:
            return {"type": "none"}
        if isinstance(obj, bool):
            return {"type": "bool", "value": obj}
        if isinstance(obj, int) and type(obj) is int:
            return {"type": "int", "value": str(obj)}
        if isinstance(obj, float) and type(obj) is float:
            return {"type": "float", "value": obj.hex()}
        if type(obj) is str:
            return {"type": "str", "value": obj}
        if type(obj) is bytes:
            return {"type": "bytes", "value": obj.hex()}
        if isinstance(obj, Tensor):
            return self.encode_tensor(obj)
        if isinstance(obj, _dtype.dtype):
            return {"type": "dtype", "value": obj.name}
        if isinstance(obj, _device_cls):
            return {"type": "device", "value": str(obj)}
        if type(obj) is Size:
            return {"type": "Size", "value": list(obj)}
        if type(obj) in (list, tuple):
            return {"type": type(obj).__name__, "items": [self.encode(v) for v in obj]}
        if type(obj) in (dict, collections.OrderedDict):
            node = {"type": type(obj).__name__, "items": [[self.encode(k), self.encode(v)] for k, v in obj.items()]}
            metadata = getattr(obj, "_metadata", None)  # Module.state_dict() keeps per-module versions here
            if metadata is not None:
                node["metadata"] = self.encode(metadata)
            return node
        self.pickles.append(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
        return {"type": "pickle", "key": len(self.pickles) - 1, "class": f"{type(obj).__module__}.{type(obj).__qualname__}"}

    def encode_tensor(self, t: Tensor) -> dict:
        key = self.tensor_keys.get(id(t))
        if key is None:
            key = self.tensor_keys[id(t)] = len(self.arrays)
            self.keep_alive.append(t)  # ids stay unique while we hold the tensors
            arr = t.detach().numpy(force=True)
            self.arrays.append(arr if arr.flags.c_contiguous else arr.copy(order="C"))
        from ..nn.parameter import Parameter

        return {"type": "tensor", "key": key, "dtype": t.dtype.name, "shape": list(t.shape),
                "requires_grad": t.requires_grad, "parameter": isinstance(t, Parameter), "device": str(t.device)}


def _archive_name(f) -> str:
    name = os.path.basename(os.fspath(f)) if isinstance(f, (str, os.PathLike)) else "archive"
    name = os.path.splitext(name)[0] or "archive"
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in name)


def save(obj: Any, f: str | os.PathLike | BinaryIO, pickle_module=None, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True) -> None:
    """Write ``obj`` (tensors, numbers, strings, None, and lists/tuples/dicts of them) to ``f``,
    a path or a binary file object.

    A path is written atomically: the archive goes to a temporary file next to it, which replaces
    ``f`` only once it is complete and on disk, so a crash (or a full disk) part-way through a save
    leaves the previous checkpoint as it was. A file object is written in place.
    """
    enc = _Encoder()
    tree = enc.encode(obj)
    root = _archive_name(f)

    def write(fh: BinaryIO) -> None:
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr(f"{root}/version", _VERSION)
            zf.writestr(f"{root}/data.json", json.dumps(tree))
            for k, arr in enumerate(enc.arrays):
                buf = io.BytesIO()
                np.save(buf, arr, allow_pickle=False)
                zf.writestr(f"{root}/tensors/{k}.npy", buf.getvalue())
            for k, blob in enumerate(enc.pickles):
                zf.writestr(f"{root}/pickles/{k}.pkl", blob)

    if isinstance(f, (str, os.PathLike)):
        _write_path(os.fspath(f), write)
    elif callable(getattr(f, "write", None)):
        write(f)
    else:
        raise AttributeError(  # noqa: TRY004 - torch.save's type
            "expected 'f' to be string, path, or a file-like object with a 'write' attribute")


def _write_path(path: str | bytes, write: Callable[[BinaryIO], None]) -> None:
    """Run ``write`` on a temporary file in ``path``'s directory, then move it onto ``path``.

    The steps that make this safe: the temporary file is flushed and fsync'ed before
    ``os.replace`` (an atomic rename on POSIX and Windows), so ``path`` is at every moment either
    the old file or the complete new one; on any error the temporary file is removed. A target
    that exists but is not a regular file (``/dev/null``, a FIFO) cannot be replaced and is
    written directly. Errors are RuntimeErrors, as PyTorch's file writer raises them.
    """
    path = os.fsdecode(path)
    if not path:
        raise RuntimeError("invalid file name: ")
    if os.path.islink(path):  # replace what the link points to, not the link
        path = os.path.realpath(path)
    parent = os.path.dirname(path) or "."
    if not os.path.isdir(parent):
        raise RuntimeError(f"Parent directory {parent} does not exist.")
    if os.path.isdir(path):
        raise RuntimeError(f"{path}: open file failed with strerror: Is a directory")
    if os.path.exists(path) and not stat.S_ISREG(os.stat(path).st_mode):
        buf = io.BytesIO()  # built in memory: zipfile needs to seek, a device or a FIFO cannot
        write(buf)
        try:
            with open(path, "wb") as fh:
                fh.write(buf.getbuffer())
        except OSError as e:
            raise RuntimeError(f"{path}: file write failed with strerror: {e.strerror}") from e
        return
    # 0o666 as open() uses, so the umask applies; an existing file's mode is kept below
    tmp = os.path.join(parent, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as e:
        raise RuntimeError(f"{path}: open file failed with strerror: {e.strerror}") from e
    try:
        with open(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        if os.path.exists(path):
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        os.replace(tmp, path)
    except OSError as e:
        _remove(tmp)
        raise RuntimeError(f"{path}: file write failed with strerror: {e.strerror}; "
                           "any previous file is left as it was") from e
    except BaseException:  # an error while encoding, KeyboardInterrupt: the same clean-up
        _remove(tmp)
        raise
    _fsync_directory(parent)


def _remove(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX; a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ----------------------------------------------------------------------------- load
class _InvalidCheckpoint(Exception):
    pass


def _location_fn(map_location) -> Callable[[Tensor, str], Tensor]:
    """``map_location`` (None, str, device, {saved: new} or callable(tensor, location)) as one function."""
    if map_location is None:  # back where it was saved (a CUDA tensor needs a GPU, or fake CUDA)
        return lambda t, loc: t if loc == "cpu" else t.to(to_device(loc))
    if callable(map_location) and not isinstance(map_location, _device_cls):
        def call(t: Tensor, loc: str) -> Tensor:
            moved = map_location(t, loc)
            return t if moved is None else moved
        return call
    if isinstance(map_location, dict):
        return lambda t, loc: t.to(to_device(map_location[loc])) if loc in map_location else t
    target = to_device(map_location)
    return lambda t, loc: t if t.device == target else t.to(target)


class _Decoder:
    def __init__(self, zf: zipfile.ZipFile, root: str, weights_only: bool, location: Callable) -> None:
        self.zf, self.root, self.weights_only, self.location = zf, root, weights_only, location
        self.tensors: dict[int, Tensor] = {}

    def decode(self, node: Any) -> Any:
        if not isinstance(node, dict) or "type" not in node:
            raise _InvalidCheckpoint(f"malformed node {str(node)[:80]!r}")
        kind = node["type"]
        if kind == "none":
            return None
        if kind == "bool":
            return bool(node["value"])
        if kind == "int":
            return int(node["value"])
        if kind == "float":
            return float.fromhex(node["value"])
        if kind == "str":
            return str(node["value"])
        if kind == "bytes":
            return bytes.fromhex(node["value"])
        if kind == "list":
            return [self.decode(v) for v in node["items"]]
        if kind == "tuple":
            return tuple(self.decode(v) for v in node["items"])
        if kind in ("dict", "OrderedDict"):
            out = (dict if kind == "dict" else collections.OrderedDict)(
                (self.decode(k), self.decode(v)) for k, v in node["items"])
            if "metadata" in node:
                out._metadata = self.decode(node["metadata"])  # type: ignore[union-attr]
            return out
        if kind == "Size":
            return Size(int(v) for v in node["value"])
        if kind == "dtype":
            return _dtype.from_name(node["value"])
        if kind == "device":
            return _device_cls(node["value"])
        if kind == "tensor":
            return self.decode_tensor(node)
        if kind == "pickle":
            if self.weights_only:
                raise pickle.UnpicklingError(
                    f"Weights only load failed: the checkpoint holds a pickled {node.get('class')} object, "
                    "and unpickling can run arbitrary code. Re-run minitorch.load with weights_only=False "
                    "only if you trust the source of the file.")
            return pickle.loads(self.zf.read(f"{self.root}/pickles/{int(node['key'])}.pkl"))
        raise _InvalidCheckpoint(f"unknown node type {kind!r}")

    def decode_tensor(self, node: dict) -> Tensor:
        key = int(node["key"])
        if key not in self.tensors:
            from .._ops.creation.factories import from_numpy

            dt = _dtype.from_name(node["dtype"])
            arr = np.load(io.BytesIO(self.zf.read(f"{self.root}/tensors/{key}.npy")), allow_pickle=False)
            if arr.dtype != dt.np or list(arr.shape) != list(node["shape"]):
                raise _InvalidCheckpoint(f"tensor {key} is {arr.dtype}{list(arr.shape)}, "
                                         f"the index says {dt.name}{node['shape']}")
            t = self.location(from_numpy(arr), node.get("device", "cpu"))
            if node.get("parameter"):
                from ..nn.parameter import Parameter

                t = Parameter(t, requires_grad=bool(node["requires_grad"]))
            elif node["requires_grad"]:
                t.requires_grad_(True)
            self.tensors[key] = t
        return self.tensors[key]


def _describe(f) -> str:
    return repr(os.fspath(f)) if isinstance(f, (str, os.PathLike)) else "the file object"


def _read_all(f) -> bytes:
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return fh.read()
    return f.read()


def load(f: str | os.PathLike | BinaryIO, map_location=None, pickle_module=None, *, weights_only: bool | None = True,
         mmap: bool | None = None, **pickle_load_args) -> Any:
    """Read an object written by ``save`` (or a state_dict written by ``torch.save``). ``map_location`` moves
    tensors (a device, a string, a dict from saved to new locations, or ``fn(tensor, location)``); pickled
    objects need ``weights_only=False``."""
    from . import torch_format as _torch_format

    data = _read_all(f)
    where = _describe(f)
    if not data.startswith(b"PK\x03\x04"):  # as torch.load: what is not a zip is a legacy torch.save pickle
        return _torch_format.load_torch_file(data, _location_fn(map_location))
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = zf.namelist()
        if _torch_format.is_torch_zip(names):
            return _torch_format.load_torch_file(data, _location_fn(map_location))
        roots = [n[: -len("/version")] for n in names if n.endswith("/version") and n.count("/") == 1]
        if len(roots) != 1 or zf.read(f"{roots[0]}/version").decode() != _VERSION:
            raise _InvalidCheckpoint("no minitorch version record")
        tree = json.loads(zf.read(f"{roots[0]}/data.json"))
        return _Decoder(zf, roots[0], weights_only is not False, _location_fn(map_location)).decode(tree)
    except (RuntimeError, pickle.UnpicklingError):
        raise
    except (zipfile.BadZipFile, _InvalidCheckpoint, KeyError, ValueError, TypeError, EOFError, OSError,
            UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RuntimeError(f"{where} is not a valid minitorch checkpoint: {e}") from None
