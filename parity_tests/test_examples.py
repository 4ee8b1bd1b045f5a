"""Smoke tests of the example programs: they train, save a checkpoint, resume from it, and fall back
to the 8,000 / 2,000 split of MNIST's test set when the training images are missing.

Each script's ``main()`` runs in-process on a small slice of that split (a few dozen steps), so the
whole file takes seconds. The scripts need MNIST's test files where the examples look for them
(``./data``, then ``../shared/datasets/mnist``); without them these tests are skipped. Where the
examples look, and what they do when MNIST is nowhere, is ``test_examples_data.py``.
"""

import importlib
import re
import sys
from pathlib import Path

import pytest

import minitorch
from minitorch.utils.data import Subset
from minitorch.vision import datasets

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
sys.path.insert(0, str(EXAMPLES))
common = importlib.import_module("_common")
DATA = common.find_mnist(None)
pytestmark = pytest.mark.skipif(DATA is None, reason="MNIST's test files are not in ./data nor in ../shared")


def small_slice(data, download, transform, n_train=640, n_test=200):
    """Stands in for _common.mnist_datasets: the first images of each half of the fixed split."""
    train_set, test_set = datasets.mnist_test_split(common.find_mnist(data), transform=transform)
    return Subset(train_set, range(n_train)), Subset(test_set, range(n_test))


def run_main(module_name, monkeypatch, *args):
    """Run ``examples/<module_name>.py``'s main() with ``args`` on the small slice."""
    module = importlib.import_module(module_name)
    monkeypatch.setattr(module, "mnist_datasets", small_slice)
    monkeypatch.setattr(sys, "argv", [f"{module_name}.py", *args])
    module.main()


def epoch_lines(text):
    return re.findall(r"^epoch (\d+): train loss ([\d.]+), test loss ([\d.]+), test accuracy ([\d.]+)%",
                      text, flags=re.MULTILINE)


def test_fallback_says_so_and_splits_8000_2000(capsys, tmp_path):
    train_set, test_set = common.mnist_datasets(DATA, download=False, transform=None)
    message = capsys.readouterr().out
    if "test images only" not in message:
        pytest.skip("the full MNIST is at hand: no fallback")
    assert "8,000 to train on and 2,000 to evaluate on" in message
    assert "for the 60,000 training images, put MNIST's .gz files in ./data/MNIST/raw" in message
    assert (len(train_set), len(test_set)) == (8000, 2000)
    reference_train, reference_test = datasets.mnist_test_split(DATA)
    assert minitorch.equal(train_set.targets, reference_train.targets)
    assert minitorch.equal(test_set.targets, reference_test.targets)


def test_lenet_trains_saves_and_resumes(monkeypatch, capsys, tmp_path):
    run_main("train_lenet", monkeypatch, "--epochs", "2", "--batch-size", "32", "--out", str(tmp_path))
    first = epoch_lines(capsys.readouterr().out)
    assert [e[0] for e in first] == ["1", "2"]
    assert float(first[1][1]) < float(first[0][1]) < 2.3  # the training loss goes down from log(10)
    assert float(first[1][3]) > 50  # 40 steps on 640 images: well above chance (10%)
    assert (tmp_path / "lenet.pt").exists() and (tmp_path / "lenet.png").exists()

    checkpoint = minitorch.load(tmp_path / "lenet.pt")
    assert set(checkpoint) == {"model", "optimizer", "history", "rng_state"}
    assert len(checkpoint["history"]["test_acc"]) == 2

    run_main("train_lenet", monkeypatch, "--epochs", "3", "--batch-size", "32", "--out", str(tmp_path),
             "--resume")
    out = capsys.readouterr().out
    assert "resumed from" in out and "after epoch 2" in out
    assert [e[0] for e in epoch_lines(out)] == ["3"]
    assert len(minitorch.load(tmp_path / "lenet.pt")["history"]["test_acc"]) == 3


def test_mlp_trains(monkeypatch, capsys, tmp_path):
    run_main("train_mlp", monkeypatch, "--epochs", "1", "--out", str(tmp_path))
    (epoch,) = epoch_lines(capsys.readouterr().out)
    assert float(epoch[3]) > 50
    assert (tmp_path / "mlp.pt").exists() and (tmp_path / "mlp.png").exists()


def test_side_by_side_losses_agree(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sys, "argv", ["side_by_side.py", "--steps", "20", "--out", str(tmp_path)])
    importlib.import_module("side_by_side").main()
    out = capsys.readouterr().out
    difference = float(re.search(r"max relative difference of the losses: (\S+)", out).group(1))
    assert difference <= 1e-4
    assert (tmp_path / "side_by_side.png").exists()


def test_compile_flag_compiles_the_step_once_for_all_epochs(monkeypatch, capsys, tmp_path):
    """``--compile`` wraps the step once, before the first epoch (not once an epoch), so its plans
    are captured once and replayed in every later epoch."""
    calls = []
    compile = minitorch.compile
    monkeypatch.setattr(minitorch, "compile", lambda fn: calls.append(fn) or compile(fn))
    run_main("train_mlp", monkeypatch, "--epochs", "3", "--batch-size", "64", "--out", str(tmp_path), "--compile")
    assert [e[0] for e in epoch_lines(capsys.readouterr().out)] == ["1", "2", "3"]
    assert len(calls) == 1


def test_fit_trains_a_pytorch_model_when_handed_torch(capsys, tmp_path):
    """``_common.fit`` calls nothing but the library it is handed, so the examples' loop (with its
    checkpoint and ``--resume``) runs on PyTorch as the scripts' docstrings say."""
    import argparse

    import torch

    torch.manual_seed(0)
    images, labels = torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels), batch_size=16)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    args = argparse.Namespace(epochs=2, device="cpu", out=tmp_path, resume=False, compile=False)
    common.fit(model, torch.nn.CrossEntropyLoss(), optimizer, loader, loader, args, torch, name="t", title="t")
    args.epochs, args.resume = 3, True
    common.fit(model, torch.nn.CrossEntropyLoss(), optimizer, loader, loader, args, torch, name="t", title="t")
    out = capsys.readouterr().out
    assert [e[0] for e in epoch_lines(out)] == ["1", "2", "3"] and "after epoch 2" in out
    losses = torch.load(tmp_path / "t.pt")["history"]["train_loss"]
    assert losses[2] < losses[0]  # it learns the 64 random labels
