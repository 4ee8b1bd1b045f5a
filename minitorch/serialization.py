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
unpickling can run arbitrary code. A file written by ``torch.save`` is never unpickled: load it
with ``torch.load`` and convert with ``minitorch.from_torch``.
"""

from __future__ import annotations

import collections
import io
import json
import os
import pickle
import zipfile
from collections.abc import Callable
from typing import Any, BinaryIO

import numpy as np

from . import _dtype
from ._device import device as _device_cls
from ._device import to_device
from ._size import Size
from ._tensor import Tensor

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
        from .nn.parameter import Parameter

        return {"type": "tensor", "key": key, "dtype": t.dtype.name, "shape": list(t.shape),
                "requires_grad": t.requires_grad, "parameter": isinstance(t, Parameter), "device": str(t.device)}


def _archive_name(f) -> str:
    name = os.path.basename(os.fspath(f)) if isinstance(f, (str, os.PathLike)) else "archive"
    name = os.path.splitext(name)[0] or "archive"
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in name)


def save(obj: Any, f: str | os.PathLike | BinaryIO, pickle_module=None, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True) -> None:
    """Write ``obj`` (tensors, numbers, strings, None, and lists/tuples/dicts of them) to ``f``,
    a path or a binary file object."""
    enc = _Encoder()
    tree = enc.encode(obj)
    root = _archive_name(f)
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(f"{root}/version", _VERSION)
        zf.writestr(f"{root}/data.json", json.dumps(tree))
        for k, arr in enumerate(enc.arrays):
            buf = io.BytesIO()
            np.save(buf, arr, allow_pickle=False)
            zf.writestr(f"{root}/tensors/{k}.npy", buf.getvalue())
        for k, blob in enumerate(enc.pickles):
            zf.writestr(f"{root}/pickles/{k}.pkl", blob)


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
            from ._creation import from_numpy

            dt = _dtype.from_name(node["dtype"])
            arr = np.load(io.BytesIO(self.zf.read(f"{self.root}/tensors/{key}.npy")), allow_pickle=False)
            if arr.dtype != dt.np or list(arr.shape) != list(node["shape"]):
                raise _InvalidCheckpoint(f"tensor {key} is {arr.dtype}{list(arr.shape)}, "
                                         f"the index says {dt.name}{node['shape']}")
            t = self.location(from_numpy(arr), node.get("device", "cpu"))
            if node.get("parameter"):
                from .nn.parameter import Parameter

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
    """Read an object written by ``save``. ``map_location`` moves tensors (a device, a string, a dict
    from saved to new locations, or ``fn(tensor, location)``); pickled objects need ``weights_only=False``."""
    data = _read_all(f)
    where = _describe(f)
    if data[:2] == b"\x80\x02" or data[:1] == b"\x80":
        raise RuntimeError(f"{where} is a pickle file (the legacy torch.save format), not a minitorch checkpoint; "
                           "minitorch never unpickles such files. Load it with torch.load and convert the result "
                           "with minitorch.from_torch.")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = zf.namelist()
        if any(n.endswith("/data.pkl") for n in names):
            raise RuntimeError(f"{where} was written by torch.save, not minitorch.save; minitorch does not unpickle "
                               "it (that could run arbitrary code). Load it with torch.load(..., weights_only=True) "
                               "and convert the result with minitorch.from_torch.")
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
