"""Issue 14, hardening: no input crashes the process, and no crash loses the last checkpoint.

- ``Tensor.grad`` refuses what PyTorch's grad setter refuses (another size, dtype, device, a
  non-tensor), with PyTorch's messages;
- what a tensor hook, a node's post hook or a module's backward hook returns is checked against
  the gradient it replaces (size and type), as in PyTorch, while hooks that change only values
  keep working (also under ``autograd.grad``, where a leaf's hooks now run as in PyTorch);
- optimizer state of another shape (loaded, or left after ``p.data`` was replaced) is a
  RuntimeError at ``step()``, where PyTorch raises, not a segfault in the fused Adam loop;
- ``save`` to a path is atomic: a SIGKILL or a full disk during the write leaves the old file.

The cases that used to crash run in child processes, so that a regression fails a test instead
of killing pytest. parity_tests/test_kernel_guards.py checks the kernel entries themselves, and
error_parity/cases_hardening.py the exception types of ~100 invalid calls against torch.
"""

from __future__ import annotations

import errno
import io
import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch

import minitorch as mt
from minitorch import serialization

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _outcome(fn):
    """(exception type name, message) of ``fn()``, or ("no error", "")."""
    try:
        fn()
    except Exception as error:  # noqa: BLE001 - the type is what is compared
        return type(error).__name__, str(error)
    return "no error", ""


def _both(code: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """What ``code`` raises with ``lib`` bound to torch, then to minitorch."""
    return tuple(_outcome(lambda lib=lib: exec(code, {"lib": lib})) for lib in (torch, mt))  # type: ignore[return-value]  # noqa: S102 - test code


# ----------------------------------------------------------------------------- Tensor.grad
@pytest.mark.parametrize("code", [
    "p = lib.zeros(3, requires_grad=True); p.grad = lib.zeros(4)",
    "p = lib.zeros(2, 3); p.grad = lib.zeros(3, 2)",
    "p = lib.zeros(3, requires_grad=True); p.grad = lib.zeros(())",
    "p = lib.zeros(3, requires_grad=True); y = p * 2; y.grad = lib.zeros(4)",
    "p = lib.zeros(3, requires_grad=True); p.grad = [0.0, 0.0, 0.0]",
    "p = lib.zeros(3, requires_grad=True); p.grad = 1.5",
    "import numpy as np; p = lib.zeros(3, requires_grad=True); p.grad = np.zeros(3, np.float32)",
    "p = lib.zeros(3, requires_grad=True); p.grad = p",
])
def test_grad_assignment_refused_like_torch(code):
    theirs, ours = _both(code)
    assert theirs[0] != "no error"
    assert ours == theirs


@pytest.mark.parametrize("ours, theirs", [("float64", "float32"), ("int64", "float32"), ("float32", "float64"),
                                          ("bool", "float32")])
def test_grad_of_another_dtype_refused(ours, theirs):
    code = f"p = lib.zeros(3, dtype=lib.{theirs}); p.grad = lib.zeros(3, dtype=lib.{ours})"
    (t_kind, _), (m_kind, m_msg) = _both(code)
    assert t_kind == m_kind == "RuntimeError"
    assert f"torch.{ours}" in m_msg and f"torch.{theirs}" in m_msg


def test_valid_grad_assignments_as_torch():
    for lib in (torch, mt):
        p = lib.zeros(2, 3, requires_grad=True)
        g = lib.ones(3, 2).t()  # another layout of the same size is a valid gradient
        p.grad = g
        assert p.grad is g
        p.grad = None
        assert p.grad is None
        p.grad = lib.ones(2, 3, requires_grad=True)
        assert p.grad.requires_grad
        del p.grad
        assert p.grad is None
        p.data = lib.zeros(5)  # .data may change size (the optimizer then refuses stale state)
        p.grad = lib.ones(5)
        assert p.grad.shape == (5,)


def test_accumulated_grad_still_set_by_backward():
    pm, pt = mt.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)
    for p in (pm, pt):
        (p * p).sum().backward()
        (p * 3).sum().backward()
    np.testing.assert_array_equal(pm.grad.numpy(), pt.grad.numpy())


FAKE_CUDA_DEVICE_CHECKS = """
import minitorch as mt
p = mt.zeros(3, requires_grad=True)
try:
    p.grad = mt.zeros(3, device="cuda")
except RuntimeError as error:
    print(error)
p.register_hook(lambda g: g.cuda())
try:
    (p * 2).sum().backward()
except RuntimeError as error:
    print(error)
q = mt.zeros(3, device="cuda", requires_grad=True)
q.grad = mt.ones(3, device="cuda")  # the same device is fine
"""


def test_grad_and_hooks_on_another_device_refused():
    """PyTorch: "attempting to assign a gradient with device type 'cuda' to a tensor with device
    type 'cpu'..." and "hook 'f' has changed the type of value (was torch.FloatTensor got
    torch.cuda.FloatTensor)"; minitorch's fake CUDA (docs/backends.md) has the two devices."""
    env = dict(os.environ, PYTHONPATH=ROOT, MINITORCH_FAKE_CUDA="1")
    proc = subprocess.run([sys.executable, "-c", FAKE_CUDA_DEVICE_CHECKS], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.splitlines() == [
        ("attempting to assign a gradient with device 'cuda:0' to a tensor with device 'cpu'. "
         "Please ensure that the gradient and the tensor are on the same device"),
        "hook '<lambda>' has changed the type of value (was torch.FloatTensor got torch.cuda.FloatTensor)",
    ]


# ----------------------------------------------------------------------------- hooks
HOOK = "def hook(g):\n    return {}\n"


@pytest.mark.parametrize("result, where", [
    ("g[:2]", "leaf"), ("g.double()", "leaf"), ("g.reshape(3, 1)", "output"), ("g.long()", "output"),
    ("1.0", "output"), ("[1.0, 2.0, 3.0]", "output"), ("g.to(lib.float16)", "output"), ("g[:1]", "grad"),
    ("g.double()", "grad"),
])
def test_hook_may_not_change_size_or_type(result, where):
    setup = HOOK.format(result) + "p = lib.zeros(3, requires_grad=True)\n"
    code = {
        "leaf": "p.register_hook(hook); (p * 2).sum().backward()",
        "output": "y = p * 2; y.register_hook(hook); y.sum().backward()",
        "grad": "p.register_hook(hook); lib.autograd.grad((p * 2).sum(), p)",
    }[where]
    theirs, ours = _both(setup + code)
    assert theirs[0] != "no error"
    assert ours == theirs  # "hook 'hook' has changed the size of value", "expected Variable, but ..."


def test_hooks_that_change_values_still_apply():
    results = []
    for lib in (torch, mt):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * x
        y.register_hook(lambda g: g * 10)
        x.register_hook(lambda g: g + 1)
        y.sum().backward()
        (gx,) = lib.autograd.grad((x * 2).sum(), x)  # a leaf's hooks run under autograd.grad too
        results.append((x.grad.tolist(), gx.tolist()))
    assert results[1] == results[0] == ([21.0, 41.0, 61.0], [3.0, 3.0, 3.0])


def test_leaf_hooks_run_only_for_the_leaves_asked_for():
    runs = []
    for lib in (torch, mt):
        a, b = lib.ones(2, requires_grad=True), lib.ones(2, requires_grad=True)
        seen: list[str] = []
        a.register_hook(lambda g, seen=seen: seen.append("a"))
        b.register_hook(lambda g, seen=seen: seen.append("b"))
        (a * b).sum().backward(inputs=[b])
        lib.autograd.grad((a * b).sum(), a)
        runs.append(seen)
    assert runs[1] == runs[0] == ["b", "a"]


@pytest.mark.parametrize("returned", ["(gi[0][:2], None)", "(gi[0],)", "[gi[0], None]", "(gi[0].double(), None)"])
def test_node_post_hook_results_checked(returned):
    code = ("p = lib.zeros(3, requires_grad=True); y = p * 2\n"
            f"y.grad_fn.register_hook(lambda gi, go: {returned})\n"
            "y.sum().backward()")
    theirs, ours = _both(code)
    assert theirs[0] != "no error"
    assert ours[0] == theirs[0] and ours[1].replace("<lambda>", "") == theirs[1].replace("<lambda>", "")


@pytest.mark.parametrize("returned", ["(gi[0][:, :2],)", "(gi[0].double(),)", "(gi[0][:1],)"])
def test_module_backward_hook_results_checked(returned):
    code = ("lin = lib.nn.Linear(3, 2)\n"
            f"lin.register_full_backward_hook(lambda mod, gi, go: {returned})\n"
            "lin(lib.ones(4, 3, requires_grad=True)).sum().backward()")
    theirs, ours = _both(code)
    assert theirs[0] != "no error"
    assert ours == theirs


# ----------------------------------------------------------------------------- crashes, in a child
CRASHES = {
    "Adam state of a smaller parameter": (
        "a = lib.zeros(3, requires_grad=True); b = lib.zeros(100000, requires_grad=True)\n"
        "oa = lib.optim.Adam([a]); a.grad = lib.ones(3); oa.step()\n"
        "ob = lib.optim.Adam([b]); ob.load_state_dict(oa.state_dict()); b.grad = lib.ones(100000); ob.step()"),
    "AdamW after p.data grew": (
        "p = lib.zeros(3, requires_grad=True); o = lib.optim.AdamW([p]); p.grad = lib.ones(3); o.step()\n"
        "p.data = lib.zeros(100000); p.grad = None; p.grad = lib.ones(100000); o.step()"),
    "Adam with amsgrad, state of a larger parameter": (
        "a = lib.zeros(100000, requires_grad=True); b = lib.zeros(7, requires_grad=True)\n"
        "oa = lib.optim.Adam([a], amsgrad=True); a.grad = lib.ones(100000); oa.step()\n"
        "ob = lib.optim.Adam([b], amsgrad=True); ob.load_state_dict(oa.state_dict()); b.grad = lib.ones(7); ob.step()"),
    "a smaller .grad assigned, then Adam": (
        "p = lib.zeros(100000, requires_grad=True); o = lib.optim.Adam([p]); p.grad = lib.ones(3); o.step()"),
    "hook growing max_pool2d's gradient": (
        "x = lib.randn(1, 1, 8, 8, requires_grad=True); y = lib.nn.functional.max_pool2d(x, 2)\n"
        "y.register_hook(lambda g: lib.ones(1, 1, 64, 64)); y.sum().backward()"),
    "hook growing adaptive_max_pool2d's gradient": (
        "x = lib.randn(1, 1, 8, 8, requires_grad=True); y = lib.nn.functional.adaptive_max_pool2d(x, 2)\n"
        "y.register_hook(lambda g: lib.ones(1, 1, 64, 64)); y.sum().backward()"),
    "hook shrinking conv2d's gradient": (
        "x = lib.randn(1, 3, 8, 8, requires_grad=True); w = lib.randn(4, 3, 3, 3, requires_grad=True)\n"
        "y = lib.nn.functional.conv2d(x, w); y.register_hook(lambda g: g[:, :, :2, :2]); y.sum().backward()"),
    "hook changing avg_pool2d's gradient": (
        "x = lib.randn(1, 1, 8, 8, requires_grad=True); y = lib.nn.functional.avg_pool2d(x, 2)\n"
        "y.register_hook(lambda g: lib.ones(1, 1, 5, 5)); y.sum().backward()"),
}

CHILD = """
import json, sys
import torch
import minitorch
out = {}
for name, code in json.loads(sys.argv[1]).items():
    for lib in (torch, minitorch):
        try:
            exec(code, {"lib": lib})
            out[name + "/" + lib.__name__] = "no error"
        except Exception as error:
            out[name + "/" + lib.__name__] = type(error).__name__
        print(json.dumps([name, lib.__name__]), flush=True)  # progress: the case a crash was in
print(json.dumps(out))
"""


def test_former_crashes_raise_like_torch_in_a_child():
    env = dict(os.environ, PYTHONPATH=ROOT, NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(CRASHES)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    lines = proc.stdout.splitlines()
    assert proc.returncode == 0, f"the child died ({proc.returncode}) after {lines[-1:]}\n{proc.stderr[-2000:]}"
    outcomes = json.loads(lines[-1])
    for name in CRASHES:
        assert outcomes[f"{name}/torch"] == "RuntimeError", name
        assert outcomes[f"{name}/minitorch"] == "RuntimeError", name


# ----------------------------------------------------------------------------- atomic save
def _checkpoint(value: float, n: int = 1000) -> dict:
    return {"w": mt.full((n,), value), "step": int(value)}


def _assert_is_checkpoint(path, value: float, n: int = 1000) -> None:
    loaded = mt.load(path)
    assert loaded["step"] == int(value) and loaded["w"].shape == (n,)
    assert bool((loaded["w"] == value).all())


def _temporaries(directory) -> list[str]:
    return [name for name in os.listdir(directory) if name.endswith(".tmp")]


def test_save_replaces_the_file_and_leaves_nothing_behind(tmp_path):
    path = tmp_path / "ckpt.pt"
    mt.save(_checkpoint(1.0), path)
    mt.save(_checkpoint(2.0), str(path))
    _assert_is_checkpoint(path, 2.0)
    assert sorted(os.listdir(tmp_path)) == ["ckpt.pt"]


def test_save_keeps_the_mode_and_writes_through_a_symlink(tmp_path):
    real, link = tmp_path / "real.pt", tmp_path / "link.pt"
    mt.save(_checkpoint(1.0), real)
    os.chmod(real, 0o640)
    os.symlink(real, link)
    mt.save(_checkpoint(3.0), link)
    assert os.path.islink(link) and oct(os.stat(real).st_mode & 0o777) == oct(0o640)
    _assert_is_checkpoint(real, 3.0)


def test_save_to_a_file_object_writes_in_place():
    buf = io.BytesIO()
    mt.save(_checkpoint(4.0), buf)
    buf.seek(0)
    _assert_is_checkpoint(buf, 4.0)


def test_save_to_a_device_writes_it_directly():
    torch.save(torch.ones(2), os.devnull)
    mt.save(mt.ones(2), os.devnull)  # not replaced by a regular file; zipfile cannot seek in it
    assert not os.path.isfile(os.devnull)


class _FullDisk(io.FileIO):
    """A file that accepts ``limit`` bytes, then fails as a full disk does."""

    limit = 64 * 1024

    def write(self, data) -> int:
        if self.tell() + len(data) > self.limit:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return super().write(data)


def test_full_disk_during_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    mt.save(_checkpoint(1.0), path)
    monkeypatch.setattr(serialization, "open", lambda fd, mode: _FullDisk(fd, "wb"), raising=False)
    with pytest.raises(RuntimeError, match="No space left on device") as info:
        mt.save(_checkpoint(2.0, n=100_000), path)  # 400 KB: fails after the first 64 KB
    assert isinstance(info.value.__cause__, OSError) and info.value.__cause__.errno == errno.ENOSPC
    monkeypatch.undo()
    _assert_is_checkpoint(path, 1.0)
    assert _temporaries(tmp_path) == []


def test_error_while_writing_removes_the_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    mt.save(_checkpoint(1.0), path)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "save", interrupted)  # the archive is half written when this runs
    with pytest.raises(KeyboardInterrupt):
        mt.save(_checkpoint(2.0), path)
    monkeypatch.undo()
    _assert_is_checkpoint(path, 1.0)
    assert _temporaries(tmp_path) == []


KILLED_SAVER = """
import sys, time, zipfile
import minitorch
calls = 0
original = zipfile.ZipFile.writestr
def slow_writestr(self, name, data, *args, **kwargs):
    global calls
    original(self, name, data, *args, **kwargs)
    calls += 1
    if calls == 4:  # version, data.json and two of the tensors are in the file
        print("writing", flush=True)
        time.sleep(600)
zipfile.ZipFile.writestr = slow_writestr
minitorch.save({"w": [minitorch.full((1_000_000,), 2.0) for _ in range(8)], "step": 2}, sys.argv[1])
"""


def test_sigkill_during_save_keeps_the_old_file(tmp_path):
    path = tmp_path / "ckpt.pt"
    mt.save(_checkpoint(1.0), path)
    env = dict(os.environ, PYTHONPATH=ROOT)
    child = subprocess.Popen([sys.executable, "-c", KILLED_SAVER, str(path)], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "writing"
        temporaries = _temporaries(tmp_path)
        assert len(temporaries) == 1 and os.path.getsize(tmp_path / temporaries[0]) > 8_000_000
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=60) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    _assert_is_checkpoint(path, 1.0)  # the 16 MB that were written went to the temporary file


def _torch_save_error(target) -> tuple[str, str]:
    kind, message = _outcome(lambda: torch.save(torch.ones(2), target))
    return kind, message.split("] . ")[-1]  # without torch's "[enforce fail at inline_container.cc:N] . "


@pytest.mark.parametrize("target", ["missing/x.pt", "a_file/x.pt", ".", ""])
def test_save_to_a_bad_path_raises_like_torch(tmp_path, target):
    (tmp_path / "a_file").write_text("")
    path = str(tmp_path / target) if target else ""
    theirs = _torch_save_error(path)
    ours = _outcome(lambda: mt.save(mt.ones(2), path))
    assert theirs[0] != "no error" and ours[0] == theirs[0]
    if target == ".":
        assert ours[1].endswith(theirs[1])  # "...: open file failed with strerror: Is a directory"
    else:
        assert ours[1] == theirs[1]  # "Parent directory ... does not exist.", "invalid file name: "
    assert sorted(os.listdir(tmp_path)) == ["a_file"]


@pytest.mark.parametrize("target", ["5", "None", "object()"])
def test_save_to_a_non_file_raises_like_torch(target):
    theirs = _outcome(lambda: torch.save(torch.ones(2), eval(target)))
    ours = _outcome(lambda: mt.save(mt.ones(2), eval(target)))
    assert ours == theirs and theirs[0] == "AttributeError"
