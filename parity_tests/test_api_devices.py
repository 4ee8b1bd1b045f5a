"""Device selection as current tutorials write it, against the installed torch (a CPU-only build).

Without a GPU, minitorch must answer ``torch.accelerator``, ``torch.backends.*``, ``torch.cuda``
and the default-device and default-dtype functions exactly as this torch does. With a CUDA device
(fake CUDA: ``MINITORCH_FAKE_CUDA=1``, set per test with ``monkeypatch``) the same calls select it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import pytest
import torch
from harness.fake_cuda import fake_cuda_on

import minitorch as M

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def no_gpu(monkeypatch):
    """This machine as PyTorch's CPU build sees it: no fake CUDA, and no GPU found by the system."""
    if torch.cuda.is_available():
        pytest.fail("these tests compare with a CPU-only torch; this torch sees a GPU")
    monkeypatch.delenv("MINITORCH_FAKE_CUDA", raising=False)
    monkeypatch.setattr(M._core.device, "_gpu_can_exist", lambda: False)  # what M.cuda asks


@pytest.fixture
def fake_cuda(monkeypatch):
    fake_cuda_on(monkeypatch)


@pytest.fixture(autouse=True)
def restore_defaults():
    """Each test starts and ends with the CPU and float32 defaults, in both libraries."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for lib in (M, torch):
            lib.set_default_device(None)
            lib.set_default_dtype(lib.float32)


def _outcome(call):
    """What a call returns (as a string) or which exception type it raises."""
    try:
        return ("ok", repr(call()))
    except Exception as error:  # noqa: BLE001
        return ("raises", type(error).__name__)


# ----------------------------------------------------------------------------- no GPU: torch's answers
ANSWERS = [
    "accelerator.is_available()", "accelerator.current_accelerator()",
    "accelerator.current_accelerator(check_available=True)", "accelerator.device_count()",
    "accelerator.current_device_index()", "accelerator.current_device_idx()", "accelerator.set_device_index(0)",
    "accelerator.set_device_idx(0)", "accelerator.synchronize()", "accelerator.empty_cache()",
    "accelerator.memory_allocated()", "accelerator.max_memory_allocated()", "accelerator.memory_reserved()",
    "accelerator.max_memory_reserved()", "accelerator.memory_stats()", "accelerator.reset_peak_memory_stats()",
    "accelerator.reset_accumulated_memory_stats()", "accelerator.get_memory_info()",
    "backends.mps.is_available()", "backends.mps.is_built()", "backends.cudnn.is_available()",
    "backends.cudnn.version()", "backends.cudnn.enabled", "backends.cudnn.benchmark",
    "backends.cudnn.deterministic", "backends.cudnn.allow_tf32", "backends.cuda.is_built()",
    "backends.cuda.matmul.allow_tf32", "backends.cuda.matmul.allow_fp16_reduced_precision_reduction",
    "backends.mkldnn.enabled",
    "cuda.is_available()", "cuda.device_count()", "cuda.is_initialized()",
    "get_default_device()", "get_default_dtype()",
]


@pytest.mark.parametrize("expression", ANSWERS)
@pytest.mark.filterwarnings("ignore:Use `:FutureWarning")
def test_cpu_only_answers_match_torch(no_gpu, expression):
    assert _outcome(lambda: eval(expression, {}, vars(M))) == _outcome(lambda: eval(expression, {}, vars(torch)))


def test_the_tutorial_device_line_picks_cpu(no_gpu):
    for lib in (M, torch):
        device = lib.accelerator.current_accelerator().type if lib.accelerator.is_available() else "cpu"
        assert device == "cpu"
        device = "mps" if lib.backends.mps.is_available() else ("cuda" if lib.cuda.is_available() else "cpu")
        assert device == "cpu"


def test_cudnn_flags_are_settable():
    M.backends.cudnn.benchmark = True
    M.backends.cudnn.deterministic = True
    M.backends.cuda.matmul.allow_tf32 = True
    try:
        assert M.backends.cudnn.benchmark and M.backends.cudnn.deterministic and M.backends.cuda.matmul.allow_tf32
    finally:
        M.backends.cudnn.benchmark = torch.backends.cudnn.benchmark
        M.backends.cudnn.deterministic = torch.backends.cudnn.deterministic
        M.backends.cuda.matmul.allow_tf32 = torch.backends.cuda.matmul.allow_tf32


@pytest.mark.parametrize("precision", ["high", "medium", "highest", "foo", 1])
def test_float32_matmul_precision_as_torch(precision):
    """Each library in a fresh process (torch's answer depends on what was set before)."""
    code = (
        "import warnings, {lib} as lib\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    try:\n"
        "        lib.set_float32_matmul_precision({precision!r}); result = 'ok'\n"
        "    except Exception as error:\n"
        "        result = type(error).__name__\n"
        "print(result, lib.get_float32_matmul_precision(), lib.backends.cuda.matmul.allow_tf32,\n"
        "      [str(w.message).split(' (Triggered')[0] for w in caught])\n"
    )
    outs = [subprocess.run([sys.executable, "-c", code.format(lib=lib, precision=precision)], cwd=ROOT,
                           capture_output=True, text=True, timeout=600, check=True).stdout for lib in ("minitorch", "torch")]
    assert outs[0] == outs[1]


def test_mkldnn_is_not_used():
    """A deliberate difference (docs/differences.md): PyTorch's CPU builds use oneDNN, minitorch never does."""
    assert torch.backends.mkldnn.is_available() and not M.backends.mkldnn.is_available()
    assert M.backends.mkldnn.enabled == torch.backends.mkldnn.enabled


def test_array_backends_are_undisturbed():
    """``minitorch.backends`` is still the package of array backends next to torch.backends' flags."""
    import numpy as np

    assert M.backends.backend_of(np.zeros(1)) is M.backends.cpu
    assert M.backends.get_backend("cpu") is M.backends.cpu


# ----------------------------------------------------------------------------- cuda.is_available without torch
def test_cuda_is_available_does_not_import_torch_without_a_gpu():
    """The first line of most tutorials must not load torch (about a second and 200 MB) on a machine
    with no GPU driver; on one with a driver, minitorch must agree with torch."""
    code = (
        "import sys, minitorch\n"
        "print(minitorch.cuda._gpu_can_exist(), minitorch.cuda.is_available(), minitorch.cuda.device_count(),"
        " minitorch.accelerator.is_available(), 'torch' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "MINITORCH_FAKE_CUDA"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=600, check=True).stdout.split()
    can_exist, available, count, accelerator, torch_loaded = out
    if can_exist == "False":
        assert (available, count, accelerator, torch_loaded) == ("False", "0", "False", "False")
    else:
        assert available == str(torch.cuda.is_available()) and count == str(torch.cuda.device_count())


def test_fake_cuda_still_works_without_importing_torch_for_the_question():
    code = "import sys, minitorch\nprint(minitorch.cuda.is_available(), minitorch.cuda.device_count())\n"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "MINITORCH_FAKE_CUDA": "1"},
                         capture_output=True, text=True, timeout=600, check=True).stdout.split()
    assert out == ["True", "1"]


# ----------------------------------------------------------------------------- a CUDA device: selected
def test_accelerator_selects_cuda(fake_cuda):
    assert M.accelerator.is_available()
    assert M.accelerator.current_accelerator() == M.device("cuda")
    assert M.accelerator.current_accelerator(check_available=True).type == "cuda"
    assert M.accelerator.device_count() == 1 and M.accelerator.current_device_index() == 0
    M.accelerator.set_device_index(0)
    M.accelerator.synchronize()
    with M.accelerator.device_index(0):
        assert M.accelerator.current_device_index() == 0
    with pytest.raises(RuntimeError):
        M.accelerator.set_device_index(1)
    device = M.accelerator.current_accelerator().type if M.accelerator.is_available() else "cpu"
    model = M.nn.Linear(3, 2).to(device)
    assert model.weight.device == M.device("cuda", 0)


def test_default_device_cuda(fake_cuda):
    M.set_default_device("cuda")
    assert M.get_default_device() == M.device("cuda", 0)
    made = [M.zeros(2), M.ones(2, 3), M.empty(1), M.full((2,), 1.0), M.eye(2), M.randn(2), M.rand(2),
            M.randint(3, (2,)), M.arange(3), M.linspace(0, 1, 3), M.tensor([1.0]), M.nn.Linear(2, 2).weight]
    assert all(t.device == M.device("cuda", 0) for t in made)
    assert M.zeros(2, device="cpu").device == M.device("cpu")
    import numpy as np

    assert M.as_tensor(np.ones(2)).device.type == "cuda" and M.as_tensor(M.ones(2, device="cpu")).device.type == "cuda"
    # As in PyTorch: from_numpy, the legacy CPU types and *_like of a CPU tensor stay on the CPU.
    assert M.from_numpy(np.ones(2)).device.type == "cpu"
    assert M.Tensor(2).device.type == "cpu" and M.FloatTensor(2).device.type == "cpu"
    assert M.zeros_like(M.zeros(2, device="cpu")).device.type == "cpu"
    M.set_default_device(None)
    assert M.zeros(2).device == M.device("cpu") and M.get_default_device() == M.device("cpu")


def test_default_device_cuda_without_a_gpu_raises_when_used(no_gpu):
    """As in PyTorch: setting it is accepted, the first tensor made on it raises."""
    M.set_default_device("cuda")
    with pytest.raises(RuntimeError):
        M.zeros(2)
    with pytest.raises(RuntimeError):
        M.get_default_device()


def test_which_factories_follow_the_default_device_as_torch():
    """torch's 'meta' device shows which constructors follow the default device; minitorch's CUDA
    (fake) must be chosen by the same ones."""
    import numpy as np

    calls = ["as_tensor(np.ones(2))", "as_tensor([1.0])", "from_numpy(np.ones(2))", "asarray(np.ones(2))",
             "Tensor(2)", "FloatTensor(2)", "zeros_like(lib.zeros(2, device='cpu'))", "arange(3)", "eye(2)",
             "full((2,), 1.0)", "linspace(0, 1, 3)", "randperm(3)", "randint(3, (2,))", "tensor([1.0])"]
    torch.set_default_device("meta")
    try:
        theirs = [eval(f"torch.{c}", {"torch": torch, "lib": torch, "np": np}).device.type != "cpu" for c in calls]
    finally:
        torch.set_default_device(None)
    with pytest.MonkeyPatch.context() as patch:
        fake_cuda_on(patch)
        M.set_default_device("cuda")
        try:
            ours = [eval(f"M.{c}", {"M": M, "lib": M, "np": np}).device.type != "cpu" for c in calls]
        finally:
            M.set_default_device(None)
    assert dict(zip(calls, ours)) == dict(zip(calls, theirs))


@pytest.mark.parametrize("device", ["cpu", "cpu:0", None])
def test_default_device_cpu_forms_match_torch(device):
    M.set_default_device(device)
    torch.set_default_device(device)
    assert repr(M.get_default_device()) == repr(torch.get_default_device())
    assert str(M.zeros(1).device) == str(torch.zeros(1).device)


# ----------------------------------------------------------------------------- legacy default tensor type
@pytest.mark.parametrize("name", ["torch.DoubleTensor", "torch.FloatTensor", "torch.HalfTensor", "DoubleTensor",
                                  "FloatTensor"])
def test_set_default_tensor_type_sets_the_default_dtype(name):
    results = []
    for lib in (M, torch):
        t = getattr(lib, name) if "." not in name else name
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lib.set_default_tensor_type(t)
        results.append((str(lib.get_default_dtype()), str(lib.zeros(1).dtype), str(lib.tensor([1.5]).dtype),
                        str(lib.Tensor(2).dtype)))
    assert results[0] == results[1]


@pytest.mark.parametrize("library", ["minitorch", "torch"])
def test_set_default_tensor_type_warns_once_per_process(library):
    """PyTorch's deprecation warning, once per process (each library in a fresh one)."""
    code = (
        f"import warnings, {library} as lib\n"
        "warnings.simplefilter('always')\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    lib.set_default_tensor_type('torch.DoubleTensor'); lib.set_default_tensor_type(lib.FloatTensor)\n"
        "print(len(caught), caught[0].category.__name__, str(caught[0].message).split(' (Triggered')[0])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600,
                         check=True).stdout.strip()
    assert out == ("1 UserWarning torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                   "torch.set_default_dtype() and torch.set_default_device() as alternatives.")


def test_set_default_tensor_type_cuda_string(fake_cuda):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        M.set_default_tensor_type("torch.cuda.DoubleTensor")
        assert M.ones(1).device == M.device("cuda", 0) and M.ones(1).dtype is M.float64
        M.set_default_tensor_type("torch.FloatTensor")
    assert M.ones(1).device == M.device("cpu") and M.ones(1).dtype is M.float32


# ----------------------------------------------------------------------------- .grad of a non-leaf
def _grad_warnings(lib, retain: bool):
    x = lib.ones(2, requires_grad=True)
    y = x * 2
    if retain:
        y.retain_grad()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _ = y.grad, x.grad, (x * 3).detach().grad
    return [(w.category, str(w.message).split(" (Triggered")[0]) for w in caught]


@pytest.mark.parametrize("retain", [False, True])
def test_non_leaf_grad_warns_as_torch(retain):
    assert _grad_warnings(M, retain) == _grad_warnings(torch, retain)
    assert len(_grad_warnings(M, retain)) == (0 if retain else 1)


# ----------------------------------------------------------------------------- asarray's copy and requires_grad
ASARRAY_CALLS = [
    "asarray([1, 2], copy=False)", "asarray(a, copy=False)", "asarray(a, dtype=lib.float64, copy=False)",
    "asarray(a, copy=True)", "asarray(a)", "asarray(a, requires_grad=True)", "asarray([1.0, 2], requires_grad=True)",
    "asarray(lib.ones(2), requires_grad=True)", "asarray(lib.ones(2, requires_grad=True), requires_grad=False)",
    "asarray(lib.ones(2, requires_grad=True), copy=True, requires_grad=True)",
]


@pytest.mark.parametrize("call", ASARRAY_CALLS)
def test_asarray_copies_and_aliases_as_torch(call):
    import numpy as np

    def describe(lib):
        a = np.ones(3, dtype=np.float32)
        try:
            t = eval(f"lib.{call}", {"lib": lib, "a": a})
        except Exception as error:  # noqa: BLE001
            return type(error).__name__, str(error)
        shares = t.device.type == "cpu" and t.data_ptr() == a.ctypes.data
        return str(t.dtype), t.tolist(), t.requires_grad, t.is_leaf, shares

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert describe(M) == describe(torch)


def test_device_index_of_the_wrong_type():
    """``device('cuda', 1.5)``: PyTorch's TypeError naming the index's type (the parameter ``type``
    shadows the builtin inside ``device.__init__``)."""
    for lib in (torch, M):
        with pytest.raises(TypeError, match="argument 'index' \\(position 2\\) must be int, not float"):
            lib.device("cuda", 1.5)
