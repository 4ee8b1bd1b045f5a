"""The CUDA device API and the torch backend, against torch's semantics.

Without a GPU these tests run on *fake CUDA* (``MINITORCH_FAKE_CUDA=1``: "cuda" tensors are torch
CPU tensors inside ``backends/torch_backend/``, still reporting ``cuda:0``), so every line of the
delegation backend runs in CI. torch itself has no CUDA here, so where torch would need a GPU the
expected value is PyTorch's documented behaviour (error messages copied from torch 2.13).
"""

from __future__ import annotations

import copy
import io
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from harness.fake_cuda import fake_cuda_on

import minitorch as M

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module", autouse=True)
def cuda_or_fake():
    """Fake CUDA for this module when there is no GPU (restored afterwards; harness/fake_cuda.py)."""
    with pytest.MonkeyPatch.context() as patch:
        if not M.cuda.is_available():
            fake_cuda_on(patch)
        yield


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ----------------------------------------------------------------------------- device API
def test_import_does_not_import_torch():
    code = "import sys, minitorch; minitorch.zeros(2) + 1; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_cuda_module():
    assert M.cuda.is_available() and M.cuda.device_count() == 1
    assert M.cuda.current_device() == 0 and isinstance(M.cuda.get_device_name(), str)
    M.cuda.synchronize()
    M.cuda.manual_seed(0)
    M.cuda.manual_seed_all(0)
    M.cuda.set_device(0)


def test_device_objects_as_torch():
    for spec in ("cuda", "cuda:0", "cpu"):
        assert repr(M.device(spec)) == repr(torch.device(spec)) and str(M.device(spec)) == str(torch.device(spec))


@pytest.mark.parametrize("move", [lambda x: x.cuda(), lambda x: x.to("cuda"), lambda x: x.to(M.device("cuda:0")),
                                  lambda x: x.to(0), lambda x: x.to("cuda", M.float64)])
def test_to_cuda_and_back(move):
    a = rand(3, 4)
    x = M.tensor(a)
    y = move(x)
    assert y.device == M.device("cuda", 0) and str(y.device) == "cuda:0" and y.is_cuda and not x.is_cuda
    back = y.cpu()
    assert back.device == M.device("cpu") and not back.is_cuda
    np.testing.assert_allclose(back.numpy(), a.astype(back.numpy().dtype))
    assert y.cuda() is y and back.cpu() is back and y.to("cuda:0") is y


def test_device_copies_do_not_share_memory():
    x = M.zeros(3)
    y = x.cuda()
    y.add_(1)
    assert x.tolist() == [0.0, 0.0, 0.0] and y.cpu().tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("make", [
    lambda d: M.zeros(2, 3, device=d), lambda d: M.ones(2, device=d), lambda d: M.full((2,), 1.5, device=d),
    lambda d: M.eye(3, device=d), lambda d: M.arange(5, device=d), lambda d: M.linspace(0, 1, 4, device=d),
    lambda d: M.tensor([1, 2], device=d), lambda d: M.empty(2, device=d), lambda d: M.randn(3, device=d),
    lambda d: M.rand(3, device=d), lambda d: M.randint(0, 5, (3,), device=d), lambda d: M.randperm(4, device=d),
    lambda d: M.zeros_like(M.ones(2, device=d)), lambda d: M.randn_like(M.ones(2, device=d)),
    lambda d: M.ones(2, device=d).new_zeros(3),
])
def test_factories_with_device(make):
    x = make("cuda")
    assert x.is_cuda and x.device == M.device("cuda:0")
    ref = make("cpu")
    assert x.dtype == ref.dtype and x.shape == ref.shape


def test_random_factories_match_cpu_under_the_same_seed():
    M.manual_seed(3)
    a = M.randn(5, device="cuda")
    M.manual_seed(3)
    b = M.randn(5)
    assert a.cpu().tolist() == b.tolist()


def test_repr_shows_the_device():
    x = M.tensor([1.0, 2.0], device="cuda")
    assert repr(x) == repr(torch.tensor([1.0, 2.0])).replace(")", ", device='cuda:0')")
    assert repr(M.tensor([1, 2], device="cuda")) == "tensor([1, 2], device='cuda:0')"


def test_numpy_of_cuda_tensor_raises_as_torch():
    x = M.ones(2, device="cuda")
    with pytest.raises(TypeError) as e:
        x.numpy()
    assert str(e.value) == ("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the "
                            "tensor to host memory first.")
    assert x.tolist() == [1.0, 1.0] and x.sum().item() == 2.0


# ----------------------------------------------------------------------------- mixing devices
@pytest.mark.parametrize("op", [lambda a, b: a + b, lambda a, b: b * a, lambda a, b: M.matmul(a, b),
                                lambda a, b: M.cat([a, b]), lambda a, b: M.where(a > 0, a, b)])
def test_mixing_devices_raises(op):
    a, b = M.ones(3, device="cuda"), M.ones(3)
    msg = "Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!"
    with pytest.raises(RuntimeError, match=msg.replace("!", "")):
        op(a, b)


def test_zero_dim_cpu_tensors_mix_with_cuda():
    a = M.ones(3, device="cuda", requires_grad=True)
    s = M.tensor(2.0, requires_grad=True)
    y = a * s
    assert y.is_cuda
    y.sum().backward()
    assert a.grad.is_cuda and not s.grad.is_cuda and s.grad.item() == 3.0


def test_copy_across_devices():
    x = M.zeros(3, device="cuda")
    x.copy_(M.tensor([1.0, 2.0, 3.0]))
    assert x.is_cuda and x.cpu().tolist() == [1.0, 2.0, 3.0]


# ----------------------------------------------------------------------------- autograd across devices
def test_to_is_differentiable():
    a = rand(2, 3)
    x = M.tensor(a, requires_grad=True)
    y = x.cuda()
    assert y.grad_fn.name() == torch.tensor(a, requires_grad=True).to(torch.float32).grad_fn.name()
    assert y.grad_fn.name() == "ToCopyBackward0"
    (y * y).sum().backward()
    assert x.grad.device == M.device("cpu")
    np.testing.assert_allclose(x.grad.numpy(), 2 * a)


def _ops(lib, x, w, k):
    """A handful of ops through every kind of backend entry (elementwise, reduce, index, conv, pool)."""
    h = lib.nn.functional.conv2d(x, k, padding=1).relu()
    h = lib.nn.functional.max_pool2d(h, 2) + lib.nn.functional.avg_pool2d(h, 2)
    h = h.flatten(1) @ w
    h = lib.nn.functional.softmax(h, -1).log() * h.exp().tanh() + lib.erf(h)
    return h[:, [0, 2]].sum() + h.cumsum(1).mean() + h.amax(1).sum() + h.sort(1).values[:, 0].sum()


def test_forward_and_backward_match_torch():
    x, w, k = rand(2, 1, 6, 6), rand(18, 4, seed=1), rand(2, 1, 3, 3, seed=2)
    grads = []
    for lib, dev in ((M, "cuda"), (torch, "cpu")):
        leaves = [lib.tensor(a, dtype=lib.float64, device=dev, requires_grad=True) for a in (x, w, k)]
        out = _ops(lib, *leaves)
        out.backward()
        grads.append([out.item()] + [t.grad.cpu().detach().numpy() for t in leaves])
        if lib is M:
            assert all(t.grad.is_cuda for t in leaves)
    for got, want in zip(*grads):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------- modules, optimizers, pickling
def _train(device, steps=5):
    M.manual_seed(0)
    model = M.nn.Sequential(M.nn.Conv2d(1, 3, 3), M.nn.ReLU(), M.nn.MaxPool2d(2), M.nn.Flatten(),
                            M.nn.Linear(12, 10), M.nn.BatchNorm1d(10), M.nn.Linear(10, 3)).double()
    model.to(device)
    opt = M.optim.Adam(model.parameters(), lr=0.01)
    x = M.tensor(rand(8, 1, 6, 6), dtype=M.float64, device=device)
    y = M.tensor([0, 1, 2, 0, 1, 2, 0, 1], device=device)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = M.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return model, losses


def test_training_on_cuda_gives_the_cpu_losses():
    cpu_model, cpu_losses = _train("cpu")
    cuda_model, cuda_losses = _train("cuda")
    np.testing.assert_allclose(cuda_losses, cpu_losses, rtol=1e-10)
    for p in cuda_model.parameters():
        assert p.is_cuda and p.grad.is_cuda
    assert all(b.is_cuda for b in cuda_model.buffers())
    sd = cuda_model.state_dict()
    assert all(v.is_cuda for v in sd.values())
    cpu_model.load_state_dict(sd)  # copy_ across devices
    assert all(not v.is_cuda for v in cpu_model.state_dict().values())


def test_pickle_keeps_the_device():
    x = M.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    y = pickle.loads(pickle.dumps(x))
    assert y.is_cuda and y.requires_grad and y.cpu().tolist() == [1.0, 2.0]
    z = copy.deepcopy(x)
    assert z.is_cuda and z.requires_grad


def test_save_and_load_with_map_location():
    x = M.tensor([1.0, 2.0], device="cuda")
    buf = io.BytesIO()
    M.save({"x": x}, buf)
    buf.seek(0)
    assert M.load(buf)["x"].is_cuda
    buf.seek(0)
    y = M.load(buf, map_location="cpu")["x"]
    assert not y.is_cuda and y.tolist() == [1.0, 2.0]


# ----------------------------------------------------------------------------- the backend table
def test_torch_backend_provides_every_cpu_entry():
    """A backend is a table: every public name of backends/cpu.py must exist in the package torch_backend."""
    from minitorch.backends import cpu, torch_backend

    public = {n for n in dir(cpu) if not n.startswith("_") and n not in ("np", "annotations")}  # kernels too
    missing = sorted(n for n in public if not hasattr(torch_backend, n))
    assert not missing, f"torch_backend lacks {missing}"


def test_no_backend_array_requires_grad():
    x = M.tensor(rand(3, 3), device="cuda", requires_grad=True)
    y = (x @ x).exp().sum()
    y.backward(create_graph=True)
    for t in (x, y, x.grad):
        assert not t._data.requires_grad
