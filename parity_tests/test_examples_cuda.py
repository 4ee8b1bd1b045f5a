"""The examples and the CUDA benchmark on ``--device cuda``, tested without a GPU on *fake CUDA*.

``MINITORCH_FAKE_CUDA=1`` (``backends/torch_backend/``) must be set before minitorch makes its first
CUDA tensor, so each run is a subprocess with that environment. ``examples/train_lenet.py`` trains
on a small slice of MNIST's fixed 8,000 / 2,000 split (as in ``test_examples.py``): 20 steps an epoch.
From the same seed, ``--device cuda`` must give the losses of ``--device cpu`` to float32 rounding,
its checkpoint must hold CUDA tensors, and ``--resume`` must go on from it as on the CPU.

Rounding differences (about 1e-7 at the first step: torch's and NumPy's kernels sum in different
orders) grow as training goes on, to about 1e-4 relative after 40 Adam steps. So the tolerance is
1e-4 for the first epoch and for the first steps after a resume (which would be far off if the
weights or Adam's moments were not restored), and only 1e-2 for the rest of the resumed epoch.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))
from _common import find_mnist

DATA = find_mnist(None)
HAVE_TEST_FILES = DATA is not None

# Runs train_lenet.main() on 320 / 50 images and prints every loss it computes (training steps and
# evaluation batches) and the devices of the checkpoint's tensors.
DRIVER = """
import json, sys
from pathlib import Path
sys.path.insert(0, "examples")
import train_lenet
from _common import find_mnist
import minitorch
from minitorch import nn
from minitorch.utils.data import Subset
from minitorch.vision import datasets

def small_slice(data, download, transform):
    train_set, test_set = datasets.mnist_test_split(find_mnist(data), transform=transform)
    return Subset(train_set, range(320)), Subset(test_set, range(50))

losses = []
cross_entropy = nn.CrossEntropyLoss.forward
def recording(self, *args):
    loss = cross_entropy(self, *args)
    losses.append(loss.item())
    return loss

train_lenet.mnist_datasets = small_slice
nn.CrossEntropyLoss.forward = recording
sys.argv = ["train_lenet.py", *sys.argv[1:]]
train_lenet.main()
checkpoint = minitorch.load(Path(sys.argv[sys.argv.index("--out") + 1]) / "lenet.pt")
devices = {str(t.device) for t in checkpoint["model"].values()}
devices |= {str(s["exp_avg"].device) for s in checkpoint["optimizer"]["state"].values()}
print("LOSSES", json.dumps(losses))
print("DEVICES", json.dumps(sorted(devices)))
"""


def start(args, fake=True):
    """Start ``python *args`` in the repository root; with ``fake``, on fake CUDA."""
    # One OpenMP thread each: the runs go side by side, and spinning thread pools would fight.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    env.pop("MINITORCH_FAKE_CUDA", None)
    if fake:
        env["MINITORCH_FAKE_CUDA"] = "1"
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def output(process, timeout=600):
    """The stdout of a started run, which must succeed (the timeout only bounds a hang: a loaded
    machine stretches the wall time)."""
    stdout, stderr = process.communicate(timeout=timeout)
    assert process.returncode == 0, stdout + stderr
    return stdout


def train_lenet_on_both(out, *extra):
    """{device: (losses, checkpoint devices, stdout)} of train_lenet on cpu and (fake) cuda, run side by side."""
    runs = {device: start(["-c", DRIVER, "--device", device, "--batch-size", "16", "--out", str(out / device),
                           *extra], fake=device == "cuda")
            for device in ("cpu", "cuda")}
    results = {}
    for device, process in runs.items():
        stdout = output(process)
        losses = json.loads(re.search(r"^LOSSES (.*)$", stdout, re.MULTILINE).group(1))
        devices = json.loads(re.search(r"^DEVICES (.*)$", stdout, re.MULTILINE).group(1))
        results[device] = (np.array(losses), devices, stdout)
    return results


@pytest.mark.skipif(not HAVE_TEST_FILES, reason="MNIST's test files are not in ./data nor in ../shared")
def test_lenet_on_cuda_matches_cpu_and_resumes(tmp_path):
    runs = train_lenet_on_both(tmp_path, "--epochs", "1")
    (cpu, cpu_devices, _), (cuda, cuda_devices, _) = runs["cpu"], runs["cuda"]
    assert len(cpu) == 20 + 1  # 20 training steps, one evaluation batch
    np.testing.assert_allclose(cuda, cpu, rtol=1e-4, atol=1e-5)
    assert cuda[-2] < cuda[0]  # and it learns
    assert cpu_devices == ["cpu"] and cuda_devices == ["cuda:0"]

    runs = train_lenet_on_both(tmp_path, "--epochs", "2", "--resume")
    (cpu, _, _), (cuda, cuda_devices, stdout) = runs["cpu"], runs["cuda"]
    assert "resumed from" in stdout and "after epoch 1" in stdout
    assert re.search(r"^epoch 2: train loss", stdout, re.MULTILINE)
    np.testing.assert_allclose(cuda[:5], cpu[:5], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(cuda, cpu, rtol=1e-2)
    assert cuda_devices == ["cuda:0"]


def test_bench_cuda_fake_quick_prints_its_table():
    stdout = output(start(["benchmarks/bench_cuda.py", "--fake", "--quick"]))
    assert "CPU timings (1 thread), not GPU timings" in stdout
    rows = re.findall(r"^\| (LeNet-5|ResNet-18)[^|]* \| \d+ \| (minitorch|PyTorch) \|(.*)\|$", stdout, re.MULTILINE)
    assert [(model, lib) for model, lib, _ in rows] == [
        ("LeNet-5", "minitorch"), ("LeNet-5", "PyTorch"), ("ResNet-18", "minitorch"), ("ResNet-18", "PyTorch")]
    wall = [float(cells.split("|")[0]) for _, _, cells in rows]
    assert all(w > 0 for w in wall)


def test_bench_cuda_without_a_gpu_says_so():
    pytest.importorskip("torch")
    import torch

    if torch.cuda.is_available():
        pytest.skip("there is a GPU")
    stdout = output(start(["benchmarks/bench_cuda.py"], fake=False))
    assert "no CUDA device: run on a machine with an NVIDIA GPU" in stdout
