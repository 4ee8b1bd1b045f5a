"""minitorch.vision.datasets.CIFAR10 / CIFAR100 against torchvision's, on a tiny fake archive.

The test writes CIFAR's "python version" layout (pickled batches and meta) with a few random
images, packs it as a .tar.gz, and lets minitorch download it from a ``file://`` URL (no network);
subclasses of both libraries' classes carry the fake files' MD5s, as CIFAR100 subclasses CIFAR10.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tarfile

import numpy as np
import pytest
from harness.torchvision_ref import import_torchvision
from PIL import Image

import minitorch as mt
from minitorch.vision import datasets
from minitorch.vision import transforms as T

tv = import_torchvision()


def md5(path) -> str:
    return hashlib.md5(open(path, "rb").read(), usedforsecurity=False).hexdigest()


def fake_archive(tmp_path, cifar100: bool = False):
    """The archive's path and the (train_list, test_list, meta) that describe its files."""
    rng = np.random.default_rng(1)
    folder = tmp_path / "src" / ("cifar-100-python" if cifar100 else "cifar-10-batches-py")
    folder.mkdir(parents=True)
    label_key = "fine_labels" if cifar100 else "labels"
    names = ["train"] if cifar100 else [f"data_batch_{i}" for i in range(1, 6)]
    test_name = "test" if cifar100 else "test_batch"
    for name, n in [(name, 2) for name in names] + [(test_name, 3)]:
        batch = {"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8), label_key: rng.integers(0, 10, n).tolist()}
        with open(folder / name, "wb") as f:
            pickle.dump(batch, f, protocol=2)
    meta_name, meta_key = ("meta", "fine_label_names") if cifar100 else ("batches.meta", "label_names")
    with open(folder / meta_name, "wb") as f:
        pickle.dump({meta_key: [f"class {i}" for i in range(10)]}, f, protocol=2)
    archive = tmp_path / "fake.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname=folder.name)
    lists = ([[name, md5(folder / name)] for name in names], [[test_name, md5(folder / test_name)]],
             {"filename": meta_name, "key": meta_key, "md5": md5(folder / meta_name)})
    return archive, lists


def with_files(base, archive, lists):
    train_list, test_list, meta = lists
    return type("Fake" + base.__name__, (base,), {"url": archive.as_uri(), "filename": "fake.tar.gz",
                                                  "tgz_md5": md5(archive), "train_list": train_list,
                                                  "test_list": test_list, "meta": meta})


@pytest.mark.parametrize("cifar100", [False, True])
def test_cifar_matches_torchvision(tmp_path, cifar100):
    archive, lists = fake_archive(tmp_path, cifar100)
    ours_cls = with_files(datasets.CIFAR100 if cifar100 else datasets.CIFAR10, archive, lists)
    theirs_cls = with_files(tv.datasets.CIFAR100 if cifar100 else tv.datasets.CIFAR10, archive, lists)
    root = str(tmp_path / "data")
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted"):
        ours_cls(root)
    for train in (True, False):
        ours = ours_cls(root, train=train, download=True)  # fetched from the file:// URL and unpacked
        theirs = theirs_cls(root, train=train)
        assert np.array_equal(ours.data, theirs.data) and ours.data.dtype == theirs.data.dtype
        assert ours.targets == theirs.targets and ours.classes == theirs.classes
        assert ours.class_to_idx == theirs.class_to_idx and len(ours) == len(theirs)
        for i in range(len(ours)):
            (img, label), (ref_img, ref_label) = ours[i], theirs[i]
            assert isinstance(img, Image.Image) and img.mode == ref_img.mode == "RGB"
            assert np.array_equal(np.asarray(img), np.asarray(ref_img)) and label == ref_label
        assert repr(ours) == repr(theirs)
    ours = ours_cls(root, transform=T.ToTensor())
    theirs = theirs_cls(root, transform=tv.transforms.ToTensor())
    np.testing.assert_array_equal(ours[1][0].numpy(), theirs[1][0].numpy())


def test_corrupted_or_unsafe_files_are_refused(tmp_path):
    archive, lists = fake_archive(tmp_path)
    root = tmp_path / "data"
    ours_cls = with_files(datasets.CIFAR10, archive, lists)
    ours_cls(str(root), download=True)
    batch = root / "cifar-10-batches-py" / "test_batch"
    batch.write_bytes(batch.read_bytes() + b"x")
    theirs_cls = with_files(tv.datasets.CIFAR10, archive, lists)
    for cls in (ours_cls, theirs_cls):
        with pytest.raises(RuntimeError, match="Dataset not found or corrupted"):
            cls(str(root), train=False)
    # A pickle that would run code is refused even when its MD5 is the expected one.
    with open(batch, "wb") as f:
        pickle.dump({"data": os.system, "labels": []}, f)
    unsafe = type("Unsafe", (ours_cls,), {"test_list": [["test_batch", md5(batch)]]})
    with pytest.raises(pickle.UnpicklingError, match="refusing to load"):
        unsafe(str(root), train=False)


def test_download_with_a_wrong_md5_fails_clearly(tmp_path):
    archive, lists = fake_archive(tmp_path)
    bad = type("Bad", (with_files(datasets.CIFAR10, archive, lists),), {"tgz_md5": "0" * 32})
    with pytest.raises(RuntimeError, match="does not have the MD5"):
        bad(str(tmp_path / "data"), download=True)
    assert not os.path.exists(tmp_path / "data" / "fake.tar.gz")


def test_without_pillow_items_are_uint8_tensors(tmp_path, monkeypatch):
    import minitorch.vision._pil as pil

    archive, lists = fake_archive(tmp_path)
    ours_cls = with_files(datasets.CIFAR10, archive, lists)
    dataset = ours_cls(str(tmp_path / "data"), train=False, download=True, transform=None)
    monkeypatch.setattr(pil, "pil_available", lambda: False)
    img, label = dataset[2]
    assert isinstance(img, mt.Tensor) and img.dtype is mt.uint8 and img.shape == (32, 32, 3)
    np.testing.assert_array_equal(img.numpy(), dataset.data[2])
    x = T.ToTensor()(img)
    np.testing.assert_array_equal(x.numpy(), tv.transforms.ToTensor()(dataset.data[2]).numpy())
    assert label == dataset.targets[2]
