"""minitorch.vision.datasets.ImageFolder / DatasetFolder against torchvision's on the same folders.

Each test writes a small class-folder tree with Pillow under ``tmp_path`` and compares classes,
class_to_idx, samples, targets, the loaded images and the errors with torchvision 0.28's.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch
from harness.torchvision_ref import import_torchvision
from PIL import Image

import minitorch as mt
from minitorch.utils.data import DataLoader
from minitorch.vision import datasets
from minitorch.vision import transforms as T

tv = import_torchvision()


def write_image(path, size=(6, 5), mode="RGB", seed=0):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    channels = {"RGB": 3, "L": 1, "RGBA": 4}[mode]
    pixels = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], channels), dtype=np.uint8)
    Image.fromarray(pixels.squeeze(-1) if channels == 1 else pixels).save(path)


@pytest.fixture
def tree(tmp_path):
    """cat/ (2 images, one in a sub-folder, one grey), dog/ (3, mixed case extensions), a text file."""
    root = tmp_path / "pets"
    write_image(str(root / "dog" / "b.png"), seed=1)
    write_image(str(root / "dog" / "a.JPG"), seed=2)
    write_image(str(root / "dog" / "c.bmp"), size=(9, 4), seed=3)
    write_image(str(root / "cat" / "x.png"), mode="L", seed=4)
    write_image(str(root / "cat" / "inner" / "y.png"), mode="RGBA", seed=5)
    (root / "cat" / "notes.txt").write_text("not an image")
    (root / "README").write_text("a file at the top is not a class")
    return root


def same_samples(ours, theirs):
    assert ours.classes == theirs.classes and ours.class_to_idx == theirs.class_to_idx
    assert ours.samples == theirs.samples and ours.targets == theirs.targets and len(ours) == len(theirs)


def test_image_folder_matches_torchvision(tree):
    ours, theirs = datasets.ImageFolder(str(tree)), tv.datasets.ImageFolder(str(tree))
    same_samples(ours, theirs)
    assert ours.imgs == theirs.imgs and ours.extensions == theirs.extensions
    for i in range(len(ours)):
        (img, label), (ref_img, ref_label) = ours[i], theirs[i]
        assert isinstance(img, Image.Image) and img.mode == ref_img.mode == "RGB"
        assert np.array_equal(np.asarray(img), np.asarray(ref_img)) and label == ref_label
    assert repr(ours) == repr(theirs)


def test_image_folder_with_transforms_and_loader(tree):
    ours = datasets.ImageFolder(tree, transform=T.Compose([T.Resize((4, 4)), T.ToTensor()]),
                                target_transform=lambda y: y * 10)
    theirs = tv.datasets.ImageFolder(tree, transform=tv.transforms.Compose([tv.transforms.Resize((4, 4)),
                                                                             tv.transforms.ToTensor()]),
                                     target_transform=lambda y: y * 10)
    for i in range(len(ours)):
        np.testing.assert_array_equal(ours[i][0].numpy(), theirs[i][0].numpy())
        assert ours[i][1] == theirs[i][1]
    x, y = next(iter(DataLoader(ours, batch_size=5)))
    assert x.shape == (5, 3, 4, 4) and y.tolist() == [0, 0, 10, 10, 10]
    assert repr(ours).splitlines()[:3] == repr(theirs).splitlines()[:3]


def test_dataset_folder_options(tree):
    def loader(path):
        return os.path.basename(path)

    for kwargs in ({"extensions": (".png",)}, {"extensions": ".bmp", "allow_empty": True},
                   {"is_valid_file": lambda p: p.endswith(".txt") or "dog" in p}):
        ours = datasets.DatasetFolder(str(tree), loader, **kwargs)
        theirs = tv.datasets.DatasetFolder(str(tree), loader, **kwargs)
        same_samples(ours, theirs)
        assert [ours[i] for i in range(len(ours))] == [theirs[i] for i in range(len(theirs))]
        assert ours.loader is loader and ours.extensions == theirs.extensions
    ours = datasets.ImageFolder(str(tree), is_valid_file=lambda p: p.endswith(("b.png", "x.png")))
    theirs = tv.datasets.ImageFolder(str(tree), is_valid_file=lambda p: p.endswith(("b.png", "x.png")))
    same_samples(ours, theirs)
    assert ours.extensions is None
    assert datasets.folder.find_classes(str(tree)) == tv.datasets.folder.find_classes(str(tree))
    assert datasets.folder.make_dataset(str(tree), extensions=".png") == \
        tv.datasets.folder.make_dataset(str(tree), extensions=".png")
    for name in ("photo.JPEG", "a.tif", "b.txt", "c.png.gz"):
        assert datasets.folder.is_image_file(name) == tv.datasets.folder.is_image_file(name)
    assert datasets.folder.IMG_EXTENSIONS == tv.datasets.folder.IMG_EXTENSIONS


def test_subclass_can_override_find_classes(tree):
    def only_dogs(cls_base):
        class OnlyDogs(cls_base):
            def find_classes(self, directory):
                return ["dog"], {"dog": 5}
        return OnlyDogs

    ours, theirs = only_dogs(datasets.ImageFolder)(str(tree)), only_dogs(tv.datasets.ImageFolder)(str(tree))
    same_samples(ours, theirs)
    assert set(ours.targets) == {5}


def failure(cls, *args, **kwargs):
    try:
        cls(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - the type and message are compared
        return type(e), str(e)
    return None


def test_errors_are_torchvision_s(tree, tmp_path):
    (tree / "empty_class").mkdir()
    (tmp_path / "no_classes").mkdir()
    (tmp_path / "no_classes" / "a.png").write_bytes(b"")
    cases = [
        (str(tree),),  # a class folder without images: FileNotFoundError naming it
        (str(tmp_path / "no_classes"),),  # no class folder at all
        (str(tmp_path / "missing"),),  # no such directory
    ]
    for args in cases:
        ours, theirs = failure(datasets.ImageFolder, *args), failure(tv.datasets.ImageFolder, *args)
        assert theirs is not None and ours == theirs, (args, ours, theirs)
    ours = datasets.ImageFolder(str(tree), allow_empty=True)
    assert "empty_class" in ours.classes and len(ours) == 5
    for kwargs in ({}, {"extensions": ".png", "is_valid_file": bool}):
        ours = failure(datasets.DatasetFolder, str(tree), str, allow_empty=True, **kwargs)
        theirs = failure(tv.datasets.DatasetFolder, str(tree), str, allow_empty=True, **kwargs)
        assert theirs is not None and ours == theirs
    ours = failure(datasets.folder.make_dataset, str(tree), {}, ".png")
    assert ours == failure(tv.datasets.folder.make_dataset, str(tree), {}, ".png")
    assert ours is not None and ours[0] is ValueError


def test_unreadable_image_raises_pillow_s_error_when_loaded(tree):
    (tree / "cat" / "broken.png").write_bytes(b"not a png")
    ours, theirs = datasets.ImageFolder(str(tree)), tv.datasets.ImageFolder(str(tree))
    index = [p for p, _ in ours.samples].index(str(tree / "cat" / "broken.png"))
    with pytest.raises(Exception) as ours_error:
        ours[index]
    with pytest.raises(Exception) as theirs_error:
        theirs[index]
    assert ours_error.type is theirs_error.type


def test_to_tensor_of_folder_images_is_torch_s(tree):
    ours, theirs = datasets.ImageFolder(str(tree), transform=T.PILToTensor()), tv.datasets.ImageFolder(
        str(tree), transform=tv.transforms.PILToTensor())
    for i in range(len(ours)):
        a, b = ours[i][0], theirs[i][0]
        assert a.dtype is mt.uint8 and b.dtype is torch.uint8 and np.array_equal(a.numpy(), b.numpy())
