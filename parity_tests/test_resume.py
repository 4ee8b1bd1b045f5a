"""Resuming is exact (issue 14, section 3): the RNG state round trip, and the examples' ``--resume``.

``get_rng_state`` / ``set_rng_state`` (and ``Generator.get_state`` / ``set_state``) are checked
against torch's: a 1-d contiguous uint8 tensor, a copy that later draws do not change, and
restoring it replays the same draws. The numbers themselves differ from torch's (PCG64, not
Mersenne Twister: docs/differences.md), so each library is compared with itself, the same way.

Then each training example with ``--resume`` (``train_lenet.py``, ``train_mlp.py``) is run two ways on
a small slice of MNIST: 2 epochs straight, and 1 epoch then ``--resume`` up to 2. Their checkpoints
(weights, the optimizer's state, the RNG state) must be equal bit for bit. The checkpoint holds the
RNG state, so the resumed epoch shuffles as the uninterrupted one did; without restoring it (the
last test) the weights differ.
"""

import importlib
import sys
from pathlib import Path

import pytest
import torch

import minitorch
from minitorch.utils.data import Subset
from minitorch.vision import datasets

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
common = importlib.import_module("_common")
LIBRARIES = [pytest.param(torch, id="torch"), pytest.param(minitorch, id="minitorch")]


def draws(lib, generator=None):
    """A few draws of different kinds, as plain lists."""
    return [lib.rand(3, generator=generator).tolist(), lib.randn(2, 2, generator=generator).tolist(),
            lib.randint(0, 100, (4,), generator=generator).tolist(), lib.randperm(6, generator=generator).tolist()]


@pytest.mark.parametrize("lib", LIBRARIES)
def test_rng_state_is_a_1d_contiguous_byte_tensor(lib):
    state = lib.get_rng_state()
    assert state.dtype == lib.uint8 and state.dim() == 1 and state.is_contiguous()
    assert isinstance(state, lib.Tensor) and not state.requires_grad
    generator_state = lib.Generator().get_state()
    assert generator_state.dtype == lib.uint8 and generator_state.dim() == 1


@pytest.mark.parametrize("lib", LIBRARIES)
def test_set_rng_state_replays_the_same_draws(lib):
    lib.manual_seed(3)
    draws(lib)
    state = lib.get_rng_state()
    first = draws(lib)
    assert draws(lib) != first  # the stream moved on
    assert lib.set_rng_state(state) is None
    assert draws(lib) == first
    lib.set_rng_state(state.reshape(1, -1))  # any shape: only the bytes count
    assert draws(lib) == first


@pytest.mark.parametrize("lib", LIBRARIES)
def test_rng_state_is_a_copy(lib):
    lib.manual_seed(4)
    state = lib.get_rng_state()
    kept = state.clone()
    first = draws(lib)
    assert lib.equal(state, kept)  # drawing does not change a state already taken
    lib.set_rng_state(state)
    state.zero_()  # nor does changing the tensor after set_rng_state change the generator
    assert draws(lib) == first
    assert not lib.equal(lib.get_rng_state(), state)


@pytest.mark.parametrize("lib", LIBRARIES)
def test_set_rng_state_restores_the_initial_seed_too(lib):
    lib.manual_seed(5)
    state = lib.get_rng_state()
    lib.manual_seed(7)
    lib.set_rng_state(state)
    assert lib.initial_seed() == 5


@pytest.mark.parametrize("lib", LIBRARIES)
def test_generator_state_round_trip_leaves_the_default_generator_alone(lib):
    lib.manual_seed(0)
    expected_default = draws(lib)
    lib.manual_seed(0)
    g = lib.Generator().manual_seed(11)
    draws(lib, g)
    state = g.get_state()
    first = draws(lib, g)
    assert g.set_state(state) is g
    assert draws(lib, g) == first
    assert draws(lib) == expected_default
    other = lib.Generator()
    other.set_state(state)  # a state moves between generators of one library
    assert draws(lib, other) == first


@pytest.mark.parametrize("lib", LIBRARIES)
def test_a_failed_set_rng_state_leaves_the_generator_as_it_was(lib):
    lib.manual_seed(6)
    state = lib.get_rng_state()
    first = draws(lib)
    lib.set_rng_state(state)
    bad = lib.full((state.numel(),), 255, dtype=lib.uint8)
    with pytest.raises(RuntimeError):
        lib.set_rng_state(bad)
    assert draws(lib) == first


def test_states_do_not_travel_between_the_libraries():
    """The documented difference (docs/differences.md): PCG64's state, not the Mersenne Twister's."""
    theirs = minitorch.tensor(torch.get_rng_state().tolist(), dtype=minitorch.uint8)
    with pytest.raises(RuntimeError, match="Invalid RNG state"):
        minitorch.set_rng_state(theirs)
    ours = torch.tensor(minitorch.get_rng_state().tolist(), dtype=torch.uint8)
    with pytest.raises(RuntimeError):
        torch.set_rng_state(ours)


# --- the examples' --resume ----------------------------------------------------------------------------

DATA = common.find_mnist(None)
needs_mnist = pytest.mark.skipif(DATA is None, reason="MNIST's test files are not in ./data nor in ../shared")


def small_slice(data, download, transform):
    """Stands in for _common.mnist_datasets: 256 training and 64 test images of the fixed split."""
    train_set, test_set = datasets.mnist_test_split(common.find_mnist(data), transform=transform)
    return Subset(train_set, range(256)), Subset(test_set, range(64))


def train(example, monkeypatch, out, *args):
    """Run ``examples/<example>.py``'s main() on the small slice; returns its checkpoint."""
    module = importlib.import_module(example)
    monkeypatch.setattr(module, "mnist_datasets", small_slice)
    monkeypatch.setattr(sys, "argv", [f"{example}.py", "--batch-size", "32", "--out", str(out), *args])
    module.main()
    return minitorch.load(out / f"{example.removeprefix('train_')}.pt")


def assert_bitwise_equal(a, b, where="checkpoint"):
    """Nested dicts / lists of tensors and numbers, equal bit for bit (tensors: same dtype and bytes)."""
    if isinstance(a, minitorch.Tensor):
        assert isinstance(b, minitorch.Tensor) and a.dtype == b.dtype and a.shape == b.shape, where
        assert a.numpy().tobytes() == b.numpy().tobytes(), where
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            assert_bitwise_equal(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_bitwise_equal(x, y, f"{where}[{i}]")
    else:
        assert a == b, where


@needs_mnist
@pytest.mark.parametrize("example", ["train_lenet", "train_mlp"])
def test_resumed_run_is_the_uninterrupted_run_bit_for_bit(example, monkeypatch, tmp_path, capsys):
    straight = train(example, monkeypatch, tmp_path / "straight", "--epochs", "2")
    train(example, monkeypatch, tmp_path / "resumed", "--epochs", "1")
    resumed = train(example, monkeypatch, tmp_path / "resumed", "--epochs", "2", "--resume")
    assert "resumed from" in capsys.readouterr().out
    assert len(resumed["history"]["train_loss"]) == 2
    assert_bitwise_equal(resumed, straight)


@needs_mnist
def test_without_the_rng_state_the_resumed_run_differs(monkeypatch, tmp_path):
    """What the test above guards against: resuming with another RNG state shuffles differently."""
    straight = train("train_lenet", monkeypatch, tmp_path / "straight", "--epochs", "2")
    after_one = train("train_lenet", monkeypatch, tmp_path / "resumed", "--epochs", "1")
    minitorch.manual_seed(0)
    after_one["rng_state"] = minitorch.get_rng_state()  # as if the state had not been saved
    minitorch.save(after_one, tmp_path / "resumed" / "lenet.pt")
    resumed = train("train_lenet", monkeypatch, tmp_path / "resumed", "--epochs", "2", "--resume")
    difference = max((resumed["model"][k] - straight["model"][k]).abs().max().item() for k in straight["model"])
    assert difference > 1e-4
