"""minitorch.vision: MNIST from the real IDX test files, md5 checks, transforms vs torchvision semantics."""

from __future__ import annotations

import gzip
import os
import sys

import numpy as np
import pytest
import torch

import minitorch as mt
from minitorch.vision import datasets
from minitorch.vision import transforms as T

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MNIST_DIR = os.environ.get("MINITORCH_MNIST_DIR", os.path.join(REPO, "..", "shared", "datasets", "mnist"))
needs_mnist = pytest.mark.skipif(not os.path.exists(os.path.join(MNIST_DIR, "t10k-labels-idx1-ubyte.gz")),
                                 reason="MNIST test files not available")


@pytest.fixture(scope="module")
def mnist():
    return datasets.MNIST(MNIST_DIR, train=False)


@needs_mnist
def test_mnist_test_set(mnist):
    assert len(mnist) == 10000
    assert mnist.data.shape == (10000, 28, 28) and mnist.data.dtype is mt.uint8
    assert mnist.targets.dtype is mt.int64
    with gzip.open(os.path.join(MNIST_DIR, "t10k-labels-idx1-ubyte.gz")) as f:
        raw = np.frombuffer(f.read(), np.uint8, offset=8)
    assert mnist.targets[:20].tolist() == raw[:20].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6, 9, 0, 1, 5, 9, 7, 3, 4]


@needs_mnist
def test_mnist_items_are_torchvision_s(mnist, tmp_path):
    """dataset[i] is torchvision's: a 28 x 28 PIL Image of mode L and an int label (torchvision's
    MNIST reads the uncompressed files from root/MNIST/raw)."""
    from harness.torchvision_ref import import_torchvision
    from PIL import Image

    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        with gzip.open(os.path.join(MNIST_DIR, name + ".gz")) as f:
            (raw / name).write_bytes(f.read())
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"):
        (raw / name).write_bytes(b"")  # torchvision checks that every split's files exist
    reference = import_torchvision().datasets.MNIST(str(tmp_path), train=False)
    for i in (0, 1, 9999):
        (img, label), (ref_img, ref_label) = mnist[i], reference[i]
        assert isinstance(img, Image.Image) and img.mode == ref_img.mode == "L" and img.size == (28, 28)
        assert np.array_equal(np.asarray(img), np.asarray(ref_img)) and label == ref_label
        assert type(label) is type(ref_label)
    ours = datasets.MNIST(str(tmp_path), train=False, transform=T.ToTensor())
    ref_tv = import_torchvision().datasets.MNIST(str(tmp_path), train=False,
                                                 transform=import_torchvision().transforms.ToTensor())
    assert repr(ours) == repr(ref_tv)
    np.testing.assert_array_equal(ours[3][0].numpy(), ref_tv[3][0].numpy())


@needs_mnist
def test_mnist_without_pillow_gives_uint8_tensors(monkeypatch):
    import minitorch.vision._pil as pil

    monkeypatch.setattr(pil, "pil_available", lambda: False)
    img, label = datasets.MNIST(MNIST_DIR, train=False)[0]
    assert isinstance(img, mt.Tensor) and img.shape == (28, 28) and img.dtype is mt.uint8 and label == 7
    x = T.ToTensor()(img)
    assert x.shape == (1, 28, 28) and x.dtype is mt.float32 and float(x.max()) <= 1.0


@needs_mnist
def test_md5_of_the_files():
    assert datasets.check_md5(os.path.join(MNIST_DIR, "t10k-images-idx3-ubyte.gz"), "9fb629c4189551a2d022fa330f9573f3")
    assert datasets.check_md5(os.path.join(MNIST_DIR, "t10k-labels-idx1-ubyte.gz"), "ec29112dd5afa0611ce80d1b7f02629c")
    assert not datasets.check_md5(os.path.join(MNIST_DIR, "t10k-labels-idx1-ubyte.gz"), "0" * 32)


@needs_mnist
def test_train_split_missing_raises_clearly():
    with pytest.raises(RuntimeError, match="train-images-idx3-ubyte.gz.*MNIST/raw"):
        datasets.MNIST(MNIST_DIR, train=True)


def test_missing_dir_and_uncompressed_files(tmp_path):
    with pytest.raises(RuntimeError, match="t10k-images-idx3-ubyte"):
        datasets.FashionMNIST(str(tmp_path), train=False)
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    images = np.arange(2 * 28 * 28, dtype=np.uint32).astype(np.uint8).reshape(2, 28, 28)
    (raw / "t10k-images-idx3-ubyte").write_bytes(bytes([0, 0, 8, 3]) + np.array([2, 28, 28], ">u4").tobytes()
                                               + images.tobytes())
    (raw / "t10k-labels-idx1-ubyte").write_bytes(bytes([0, 0, 8, 1]) + np.array([2], ">u4").tobytes() + bytes([3, 9]))
    ds = datasets.FashionMNIST(str(tmp_path), train=False, target_transform=lambda y: y + 1)
    assert np.array_equal(ds.data.numpy(), images) and ds[1][1] == 10


@needs_mnist
def test_mnist_test_split_and_loader():
    train, test = datasets.mnist_test_split(MNIST_DIR, transform=T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))]))
    assert (len(train), len(test)) == (8000, 2000)
    x, y = next(iter(mt.utils.data.DataLoader(train, batch_size=16)))
    assert x.shape == (16, 1, 28, 28) and x.dtype is mt.float32 and y.dtype is mt.int64
    assert int(test.targets[0]) == int(datasets.MNIST(MNIST_DIR, train=False).targets[8000])


def test_to_tensor_and_normalize_vs_torch_ops():
    hwc = np.random.default_rng(0).integers(0, 256, (5, 6, 3), dtype=np.uint8)
    ref = torch.from_numpy(hwc).permute(2, 0, 1).float() / 255
    for pic in (hwc, mt.from_numpy(hwc)):
        out = T.ToTensor()(pic)
        assert out.shape == (3, 5, 6) and out.dtype is mt.float32
        np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-6)
    assert T.ToTensor()(hwc[..., 0]).shape == (1, 5, 6)
    mean, std = (0.5, 0.4, 0.3), (0.2, 0.25, 0.5)
    norm = T.Normalize(mean, std)(T.ToTensor()(hwc))
    ref_norm = (ref - torch.tensor(mean)[:, None, None]) / torch.tensor(std)[:, None, None]
    np.testing.assert_allclose(norm.numpy(), ref_norm.numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(TypeError, match="Input tensor should be a float tensor"):
        T.Normalize(mean, std)(mt.zeros(3, 2, 2, dtype=mt.uint8))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize((0.0,), (0.0,))(mt.zeros(1, 2, 2))


def test_flip_crop_pad_resize():
    x = mt.arange(2 * 4 * 5.0).reshape(2, 4, 5)
    tx = torch.arange(2 * 4 * 5.0).reshape(2, 4, 5)
    assert T.RandomHorizontalFlip(1.0)(x).tolist() == tx.flip(-1).tolist()
    assert T.RandomHorizontalFlip(0.0)(x).tolist() == tx.tolist()
    mt.manual_seed(0)
    crops = [T.RandomCrop(3)(x).tolist() for _ in range(20)]
    windows = [tx[:, i:i + 3, j:j + 3].tolist() for i in range(2) for j in range(3)]
    assert all(c in windows for c in crops) and len({str(c) for c in crops}) > 1
    # padding (left, top, right, bottom) and modes, as torchvision's F.pad / numpy.pad
    for mode, np_mode in [("constant", "constant"), ("edge", "edge"), ("reflect", "reflect"), ("symmetric", "symmetric")]:
        out = T.Pad((1, 2, 3, 1), padding_mode=mode)(x)
        ref = np.pad(tx.numpy(), ((0, 0), (2, 1), (1, 3)), mode=np_mode)
        assert np.array_equal(out.numpy(), ref), mode
    padded = T.RandomCrop(5, padding=2)(x)
    assert padded.shape == (2, 5, 5)
    assert T.RandomCrop((6, 7), pad_if_needed=True)(x).shape == (2, 6, 7)
    with pytest.raises(ValueError, match="Required crop size"):
        T.RandomCrop(9)(x)
    assert T.CenterCrop(2)(x).tolist() == tx[:, 1:3, 2:4].tolist()
    r = T.Resize((8, 10))(x)
    ref = torch.nn.functional.interpolate(tx[None], size=(8, 10), mode="bilinear", align_corners=False)[0]
    np.testing.assert_allclose(r.numpy(), ref.numpy(), rtol=1e-5)
    assert T.Resize(8)(x).shape == (2, 8, 10)
    u8 = T.Resize(6, interpolation=T.InterpolationMode.NEAREST)(mt.arange(16, dtype=mt.uint8).reshape(4, 4))
    assert u8.dtype is mt.uint8 and u8.shape == (6, 6)
    assert T.Lambda(lambda im: im + 1)(x).tolist() == (tx + 1).tolist()
    with pytest.raises(TypeError, match="should be callable"):
        T.Lambda(3)


def test_pillow_is_imported_only_when_an_image_is_touched():
    """``import minitorch`` and ``import minitorch.vision`` import neither Pillow nor torch."""
    import subprocess

    code = ("import sys, minitorch, minitorch.vision; from minitorch.vision.transforms import v2; "
            "print(sorted(m for m in ('PIL', 'torch', 'numba', 'torchvision') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "[]"


def test_missing_dataset_files_raise_torchvision_s_error(tmp_path):
    from harness.torchvision_ref import import_torchvision

    tv = import_torchvision()
    for name in ("MNIST", "FashionMNIST", "CIFAR10", "CIFAR100"):
        with pytest.raises(RuntimeError):
            getattr(tv.datasets, name)(str(tmp_path), train=False)
        with pytest.raises(RuntimeError):
            getattr(datasets, name)(str(tmp_path), train=False)


def test_without_pillow_image_readers_say_so(tmp_path, monkeypatch):
    from minitorch.vision import io as vio
    from minitorch.vision import utils as vutils

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.png").write_bytes(b"\x89PNG")
    monkeypatch.setitem(sys.modules, "PIL", None)  # "import PIL" now fails, as without Pillow
    monkeypatch.setitem(sys.modules, "PIL.Image", None)
    folder = datasets.ImageFolder(str(tmp_path))  # listing the files needs no Pillow
    assert folder.samples == [(str(tmp_path / "a" / "x.png"), 0)]
    for call in (lambda: folder[0], lambda: vio.read_image(tmp_path / "a" / "x.png"),
                 lambda: vutils.save_image(mt.zeros(3, 2, 2), str(tmp_path / "g.png")),
                 lambda: T.ToPILImage()(mt.zeros(3, 2, 2))):
        with pytest.raises(ImportError, match="pip install pillow"):
            call()
