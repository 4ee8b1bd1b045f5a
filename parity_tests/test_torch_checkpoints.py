"""minitorch.load on files written by the real ``torch.save`` (zip and legacy layouts), read without torch.

Each file is loaded in a child process where ``import torch`` fails (``sys.modules['torch'] = None``),
which dumps every tensor it got (values, dtype, shape, strides, offset, which ones share memory)
for this process to compare with torch's own ``torch.load``. Malicious files (pickles that call
``os.system``, ``builtins.eval``, ``subprocess.Popen``, or a torch global that is not allowlisted)
must raise ``pickle.UnpicklingError`` - as ``torch.load(weights_only=True)`` does - and run nothing.
"""

from __future__ import annotations

import collections
import io
import json
import os
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import torch

import minitorch as mt

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The child: load with minitorch, torch unimportable; write a JSON description and an .npz of values.
_CHILD = r"""
import json, sys
sys.modules["torch"] = None
import numpy as np
import minitorch as mt
from minitorch.nn import Parameter

obj = mt.load(sys.argv[1])
arrays, bases = {}, {}

def walk(o):
    if isinstance(o, mt.Tensor):
        k = f"t{len(arrays)}"
        arr = o.detach().numpy()
        arrays[k] = arr
        base = arr
        while isinstance(base.base, np.ndarray):
            base = base.base
        return {"tensor": k, "dtype": str(o.dtype), "shape": list(o.shape), "stride": list(o.stride()),
                "offset": o.storage_offset(), "requires_grad": o.requires_grad,
                "parameter": isinstance(o, Parameter), "memory": bases.setdefault(id(base), len(bases))}
    if isinstance(o, (mt.dtype, mt.device)):
        return {"repr": repr(o)}
    if isinstance(o, dict):
        out = {"dict": type(o).__name__, "items": [[k, walk(v)] for k, v in o.items()]}
        if hasattr(o, "_metadata"):
            out["metadata"] = walk(o._metadata)
        return out
    if isinstance(o, (list, tuple)):
        return {type(o).__name__: [walk(v) for v in o]}
    return {"value": o}

tree = walk(obj)
np.savez(sys.argv[2], **arrays)
print(json.dumps({"tree": tree, "torch_loaded": "torch" in sys.modules and sys.modules["torch"] is not None}))
"""


def _load_without_torch(path, tmp_path):
    out = tmp_path / "arrays.npz"
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(out)], capture_output=True, text=True,
                          cwd=ROOT, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["torch_loaded"] is False
    with np.load(out) as npz:
        arrays = dict(npz)
    return report["tree"], arrays


def _compare(ref, node, arrays, memories):
    """Check one node of the child's description against torch's object ``ref``."""
    if isinstance(ref, torch.Tensor):
        assert "tensor" in node, node
        got = arrays[node["tensor"]]
        assert node["dtype"] == str(ref.dtype), (node["dtype"], ref.dtype)
        assert node["shape"] == list(ref.shape)
        assert node["stride"] == list(ref.stride())
        assert node["offset"] == ref.storage_offset()
        assert node["requires_grad"] == ref.requires_grad
        assert node["parameter"] == isinstance(ref, torch.nn.Parameter)
        np.testing.assert_array_equal(got, ref.detach().numpy())  # exact, also for NaN/inf
        assert got.dtype == ref.detach().numpy().dtype
        memories.append((ref.untyped_storage().data_ptr(), node["memory"]))
    elif isinstance(ref, (torch.dtype, torch.device)):
        assert node["repr"] == repr(ref)
    elif isinstance(ref, dict):
        assert node["dict"] == type(ref).__name__
        assert [k for k, _ in node["items"]] == list(ref.keys())
        for (_, sub), value in zip(node["items"], ref.values()):
            _compare(value, sub, arrays, memories)
        if hasattr(ref, "_metadata"):
            _compare(ref._metadata, node["metadata"], arrays, memories)
    elif isinstance(ref, (list, tuple)):
        items = node[type(ref).__name__]
        assert len(items) == len(ref)
        for value, sub in zip(ref, items):
            _compare(value, sub, arrays, memories)
    else:
        assert node["value"] == ref


def _checkpoint():
    """A tree with what state_dicts and training scripts save."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3), torch.nn.Flatten(),
                                torch.nn.Linear(3, 2))
    base = torch.arange(24, dtype=torch.float64).reshape(4, 6)
    special = torch.tensor([float("nan"), float("inf"), -float("inf"), -0.0, 1e-38, 3.5])
    return {
        "state_dict": model.state_dict(),  # an OrderedDict with _metadata; num_batches_tracked is int64
        "float32": torch.randn(3, 4),
        "float64": base,
        "float16": torch.randn(5).half(),
        "int64": torch.arange(-3, 7),
        "int32": torch.arange(4, dtype=torch.int32),
        "int16": torch.tensor([-2, 7], dtype=torch.int16),
        "int8": torch.tensor([-128, 127], dtype=torch.int8),
        "uint8": torch.tensor([0, 255], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "special": special,
        "scalar": torch.tensor(2.5),
        "empty": torch.empty(0, 3),
        "transposed": base.t(),                 # non-contiguous, shares base's storage
        "row": base[1],                         # a view at an offset
        "column": base[:, 2],                   # strided view
        "strided": base[1:4:2, ::3],
        "expanded": torch.ones(3, 1).expand(3, 4),  # stride 0
        "parameter": torch.nn.Parameter(torch.randn(2, 2)),
        "frozen": torch.nn.Parameter(torch.randn(2), requires_grad=False),
        "nested": [base[2:, :2], (1, 2.5, "text", None, True), {"level2": {"level3": torch.zeros(2, dtype=torch.int64)}}],
        "epoch": 7,
        "lr": 0.125,
        "shape": base.shape,  # torch.Size
        "dtypes": [torch.float32, torch.int64, torch.bool],
        "devices": [torch.device("cpu"), torch.device("cuda", 1)],
    }


@pytest.mark.parametrize("zip_format", [True, False], ids=["zip", "legacy"])
def test_torch_save_files_load_without_torch(tmp_path, zip_format):
    path = tmp_path / "checkpoint.pt"
    torch.save(_checkpoint(), path, _use_new_zipfile_serialization=zip_format)
    ref = torch.load(path, weights_only=True)
    tree, arrays = _load_without_torch(path, tmp_path)
    memories: list[tuple[int, int]] = []
    _compare(ref, tree, arrays, memories)
    # Tensors share memory in minitorch exactly when they share a storage in torch.
    torch_groups = collections.defaultdict(set)
    for ptr, mem in memories:
        torch_groups[ptr].add(mem)
    assert all(len(mems) == 1 for mems in torch_groups.values())
    assert len({next(iter(m)) for m in torch_groups.values()}) == len(torch_groups)


@pytest.mark.parametrize("zip_format", [True, False], ids=["zip", "legacy"])
def test_loaded_views_share_memory(tmp_path, zip_format):
    base = torch.arange(12.0).reshape(3, 4)
    torch.save({"base": base, "t": base.t(), "row": base[1]}, tmp_path / "v.pt",
               _use_new_zipfile_serialization=zip_format)
    got = mt.load(tmp_path / "v.pt")
    got["row"][2] = -1.0  # base[1, 2], seen through every view
    assert got["base"][1, 2].item() == -1.0 and got["t"][2, 1].item() == -1.0
    assert got["t"].stride() == (1, 4) and got["row"].storage_offset() == 4


def test_map_location_and_state_dict_round_trip(tmp_path):
    torch.manual_seed(0)
    ref = torch.nn.Linear(3, 2)
    torch.save(ref.state_dict(), tmp_path / "lin.pt")
    seen = []
    sd = mt.load(tmp_path / "lin.pt", map_location=lambda t, loc: seen.append(loc) or t)
    assert seen == ["cpu", "cpu"]
    m = mt.nn.Linear(3, 2)
    m.load_state_dict(sd)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_array_equal(m.weight.detach().numpy(), ref.weight.detach().numpy())
    np.testing.assert_allclose(m(mt.from_numpy(x)).detach().numpy(), ref(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-6, atol=1e-6)  # float32 matmul: summation order may differ


def test_big_endian_zip_file(tmp_path):
    # torch writes native order; a big-endian machine's file says so in <root>/byteorder.
    torch.save({"w": torch.arange(4, dtype=torch.float32), "i": torch.arange(3)}, tmp_path / "le.pt")
    src = zipfile.ZipFile(tmp_path / "le.pt")
    with zipfile.ZipFile(tmp_path / "be.pt", "w") as out:
        for name in src.namelist():
            data = src.read(name)
            if name.endswith("/byteorder"):
                data = b"big"
            elif "/data/" in name and not name.endswith("serialization_id"):
                dtype = ">f4" if len(data) == 16 else ">i8"
                data = np.frombuffer(data, dtype=dtype.replace(">", "<")).astype(dtype).tobytes()
            out.writestr(name, data)
    got = mt.load(tmp_path / "be.pt")
    assert got["w"].tolist() == [0.0, 1.0, 2.0, 3.0] and got["i"].tolist() == [0, 1, 2]


def test_pre_1_0_legacy_file_with_rebuild_tensor_v1(tmp_path):
    # torch < 0.4 wrote tensors as torch._utils._rebuild_tensor(storage, offset, size, stride); torch
    # still reads such files. Assembled by hand: {"a": <2x3 float32 at offset 1 of a 7-element storage>}.
    tree = (b"\x80\x02}q\x00X\x01\x00\x00\x00aq\x01ctorch._utils\n_rebuild_tensor\nq\x02"
            b"((X\x07\x00\x00\x00storageq\x03ctorch\nFloatStorage\nq\x04X\x03\x00\x00\x00123q\x05"
            b"X\x03\x00\x00\x00cpuq\x06K\x07Ntq\x07QK\x01K\x02K\x03\x86K\x03K\x01\x86tq\x08Rq\x09s.")
    path = tmp_path / "old.pt"
    with open(path, "wb") as f:
        for header in (0x1950A86A20F9469CFC6C, 1001,
                       {"protocol_version": 1001, "little_endian": True, "type_sizes": {"int": 4, "long": 8}}):
            pickle.dump(header, f, protocol=2)
        f.write(tree)
        pickle.dump(["123"], f, protocol=2)
        f.write(np.int64(7).tobytes() + np.arange(7, dtype=np.float32).tobytes())
    ref = torch.load(path, weights_only=True)
    got = mt.load(path)
    assert got["a"].tolist() == ref["a"].tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert got["a"].storage_offset() == ref["a"].storage_offset() == 1


# ----------------------------------------------------------------------------- malicious and malformed files
class _Exploit:
    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def _zip_with_pickle(tmp_path, payload: bytes):
    """A real torch.save zip whose data.pkl is replaced by ``payload``."""
    torch.save({"w": torch.ones(2)}, tmp_path / "good.pt")
    src = zipfile.ZipFile(tmp_path / "good.pt")
    path = tmp_path / "evil.pt"
    with zipfile.ZipFile(path, "w") as out:
        for name in src.namelist():
            out.writestr(name, payload if name.endswith("/data.pkl") else src.read(name))
    return path


def _legacy_with_pickle(tmp_path, payload: bytes):
    """A legacy-layout stream whose object tree is ``payload``."""
    path = tmp_path / "evil_legacy.pt"
    with open(path, "wb") as f:
        for header in (0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True}):
            pickle.dump(header, f, protocol=2)
        f.write(payload)
        pickle.dump([], f, protocol=2)
    return path


def _payloads(marker):
    import builtins

    return {
        "os.system": pickle.dumps(_Exploit(os.system, f"touch {marker}"), protocol=2),
        "builtins.eval": pickle.dumps(_Exploit(builtins.eval, f"open({str(marker)!r}, 'w')"), protocol=2),
        "builtins.exec": pickle.dumps(_Exploit(builtins.exec, f"open({str(marker)!r}, 'w')"), protocol=2),
        "subprocess.Popen": pickle.dumps(_Exploit(subprocess.Popen, ["touch", str(marker)]), protocol=2),
        # A torch global that is not a state_dict's (torch.load itself, fed the marker path).
        "torch.load": b"\x80\x02ctorch\nload\nq\x00X" + len(str(marker)).to_bytes(4, "little") + str(marker).encode()
                      + b"\x85R.",
        # BUILD (__setstate__) on an allowlisted object that is not a dict: here the dtype torch.float32.
        "build": b"\x80\x02ctorch\nfloat32\nq\x00}q\x01X\x08\x00\x00\x00itemsizeq\x02K\x63sb.",
        # Hidden inside an allowlisted call: the OrderedDict's items come from os.system.
        "nested": pickle.dumps(collections.OrderedDict(a=_Exploit(os.system, f"touch {marker}")), protocol=2),
    }


@pytest.mark.parametrize("layout", ["zip", "legacy"])
@pytest.mark.parametrize("attack", ["os.system", "builtins.eval", "builtins.exec", "subprocess.Popen", "torch.load",
                                    "build", "nested"])
def test_malicious_pickles_run_nothing(tmp_path, layout, attack):
    marker = tmp_path / "pwned"
    payload = _payloads(marker)[attack]
    path = (_zip_with_pickle if layout == "zip" else _legacy_with_pickle)(tmp_path, payload)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)  # the reference refuses it the same way
    assert not marker.exists()
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        mt.load(path)
    assert mt.float32.itemsize == 4
    with pytest.raises(pickle.UnpicklingError):
        mt.load(path, weights_only=False)  # a torch.save file is never fully unpickled
    assert not marker.exists()


def _rewritten_zip(tmp_path, member: str, rewrite):
    """A real torch.save zip of a 2x3 float tensor with one member rewritten."""
    torch.save({"a": torch.arange(6.0).reshape(2, 3)}, tmp_path / "ok.pt")
    src = zipfile.ZipFile(tmp_path / "ok.pt")
    path = tmp_path / "bad.pt"
    with zipfile.ZipFile(path, "w") as out:
        for name in src.namelist():
            data = src.read(name)
            out.writestr(name, rewrite(data) if name.endswith(member) else data)
    return path


def _replace(old: bytes, new: bytes):
    def rewrite(data: bytes) -> bytes:
        assert old in data
        return data.replace(old, new)
    return rewrite


@pytest.mark.parametrize("member,rewrite", [
    ("/data.pkl", _replace(b"K\x02K\x03\x86", b"K\x20K\x03\x86")),  # size (32, 3): past the storage's end
    ("/data.pkl", _replace(b"K\x03K\x01\x86", b"K\x03K\x09\x86")),  # stride (3, 9)
    ("/data/0", lambda data: data[:8]),                                   # a truncated storage
], ids=["size", "stride", "truncated-storage"])
def test_malformed_files_raise_like_torch(tmp_path, member, rewrite):
    path = _rewritten_zip(tmp_path, member, rewrite)
    with pytest.raises(RuntimeError):
        torch.load(path, weights_only=True)
    with pytest.raises(RuntimeError):
        mt.load(path)


def test_foreign_pickle_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "plain.pkl"
    path.write_bytes(pickle.dumps({"a": 1}, protocol=2))
    with pytest.raises(RuntimeError, match="Invalid magic number"):
        torch.load(path, weights_only=True)
    with pytest.raises(RuntimeError, match="Invalid magic number"):
        mt.load(path)


def test_unsupported_dtype_names_the_storage(tmp_path):
    torch.save({"w": torch.ones(2, dtype=torch.bfloat16)}, tmp_path / "bf16.pt")
    with pytest.raises(pickle.UnpicklingError, match="BFloat16Storage"):
        mt.load(tmp_path / "bf16.pt")


def test_reader_does_not_import_torch_or_numba():
    code = ("import sys; sys.modules['torch'] = None; import minitorch, minitorch.serialization.torch_format, minitorch.hub, "
            "minitorch.vision.models; "
            "assert 'numba' not in sys.modules; print('ok')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=600,
                          check=False)
    assert proc.stdout.strip() == "ok", proc.stderr


def test_bytes_io_and_path_inputs(tmp_path):
    buf = io.BytesIO()
    torch.save({"w": torch.arange(3)}, buf)
    buf.seek(0)
    assert mt.load(buf)["w"].tolist() == [0, 1, 2]
