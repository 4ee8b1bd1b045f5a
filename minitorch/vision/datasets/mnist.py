"""``MNIST`` and ``FashionMNIST``: 28 x 28 grey images of digits / clothes, in the IDX format.

An IDX file is a big-endian header - two zero bytes, a type code (0x08 = uint8), the number of
dimensions - then one uint32 per dimension, then the values in C order. Files are looked up
gzipped or not in ``root/<Class>/raw/`` (torchvision's layout), ``root/<Class>/`` and ``root/``.

``dataset[i]`` returns ``(image, label)`` with the image as a 28 x 28 PIL Image of mode L, as in
torchvision; ``transforms.ToTensor()`` turns it into a float (1, 28, 28) tensor in [0, 1]. Without
Pillow (it is optional) the image is a uint8 tensor of shape (28, 28), which the transforms accept too.
"""

from __future__ import annotations

import gzip
import http.client
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from ..._ops.creation.factories import from_numpy
from ...utils.data.dataset import Dataset
from .._pil import dataset_image
from .utils import check_md5

__all__ = ["MNIST", "FashionMNIST", "check_md5", "mnist_test_split"]

_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def _fetch(url: str, path: str, timeout: float = 30.0) -> None:
    """Stream ``url`` into the file ``path``, with a progress bar where tqdm is installed (as torchvision).

    ``timeout`` (seconds) bounds each wait on the network, so a dead mirror fails instead of hanging.
    """
    try:
        from tqdm import tqdm  # type: ignore[import-untyped]
    except ImportError:  # tqdm is optional: minitorch itself needs only NumPy
        tqdm = None
    request = urllib.request.Request(url, headers={"User-Agent": "minitorch"})
    with urllib.request.urlopen(request, timeout=timeout) as response, open(path, "wb") as f:
        size = int(response.headers.get("Content-Length") or 0) or None
        bar = tqdm(total=size, unit="B", unit_scale=True, desc=os.path.basename(url)) if tqdm else None
        for chunk in iter(lambda: response.read(1 << 16), b""):
            f.write(chunk)
            if bar is not None:
                bar.update(len(chunk))
        if bar is not None:
            bar.close()


def read_idx(path: str) -> np.ndarray:
    """The array stored in an IDX file (gzipped when the name ends in .gz)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        raise RuntimeError(f"{path} is not an IDX file (bad magic number)")
    ndim = data[3]
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    values = np.frombuffer(data, dtype=_IDX_TYPES[data[2]], offset=4 + 4 * ndim)
    if values.size != int(np.prod(shape)):
        raise RuntimeError(f"{path} is truncated: expected {int(np.prod(shape))} values, found {values.size}")
    return values.reshape(shape).astype(values.dtype.newbyteorder("="))


class MNIST(Dataset):
    """The MNIST digits: ``data`` uint8 (N, 28, 28), ``targets`` int64 (N,); 60,000 train / 10,000 test.

    ``download=True`` fetches the missing files from the mirrors into ``root/MNIST/raw`` and checks
    their MD5; without them a RuntimeError names the files and where to put them.
    """

    mirrors: ClassVar[list[str]] = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources: ClassVar[list[tuple[str, str]]] = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    classes: ClassVar[list[str]] = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root: str, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, download: bool = False) -> None:
        self.root = os.path.expanduser(os.fspath(root))
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        prefix = "train" if train else "t10k"
        files = [(name, md5) for name, md5 in self.resources if name.startswith(prefix)]
        paths = [self._find(name) for name, _ in files]
        if None in paths and download:
            self.download()
            paths = [self._find(name) for name, _ in files]
        if None in paths:
            missing = [name for (name, _), p in zip(files, paths) if p is None]
            raise RuntimeError(
                f"{type(self).__name__} {'train' if train else 'test'} split not found: missing "
                f"{', '.join(missing)} (gzipped or not). Put them in {self.raw_folder} (or directly in "
                f"{self.root}), or pass download=True to fetch them from {self.mirrors[0]}.")
        images, labels = read_idx(paths[0]), read_idx(paths[1])  # type: ignore[arg-type]
        self.data = from_numpy(np.ascontiguousarray(images, dtype=np.uint8))
        self.targets = from_numpy(labels.astype(np.int64))

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    def _find(self, name: str) -> str | None:
        """The first of ``name`` / ``name`` without .gz in raw_folder, root/<Class>, root."""
        for folder in (self.raw_folder, os.path.dirname(self.raw_folder), self.root):
            for candidate in (name, name[:-3]):
                path = os.path.join(folder, candidate)
                if os.path.isfile(path):
                    return path
        return None

    def download(self) -> None:
        """Fetch every missing file from the first mirror that serves it, verifying its MD5.

        Each file streams into ``<name>.part`` behind a progress bar (``_fetch``) and takes its name
        only once its MD5 matches, so an interrupted download never passes for a complete one.
        """
        os.makedirs(self.raw_folder, exist_ok=True)
        for name, md5 in self.resources:
            if self._find(name) is not None:
                continue
            path = os.path.join(self.raw_folder, name)
            errors = []
            for mirror in self.mirrors:
                print(f"Downloading {mirror + name} to {path}")
                try:
                    _fetch(mirror + name, path + ".part")
                except (urllib.error.URLError, http.client.HTTPException, OSError) as e:
                    errors.append(f"{mirror}: {getattr(e, 'reason', None) or e}")
                    if os.path.exists(path + ".part"):
                        os.remove(path + ".part")
                    continue
                if check_md5(path + ".part", md5):
                    os.replace(path + ".part", path)
                    break
                errors.append(f"{mirror}: MD5 mismatch")
                os.remove(path + ".part")
            else:
                raise RuntimeError(f"Error downloading {name} ({'; '.join(errors)}). Put the file in "
                                   f"{self.raw_folder} by hand (md5 {md5}).")

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img, target = dataset_image(self.data[index].numpy()), int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __repr__(self) -> str:
        lines = [f"Dataset {type(self).__name__}", f"    Number of datapoints: {len(self)}",
                 f"    Root location: {self.root}", f"    Split: {'Train' if self.train else 'Test'}"]
        if self.transform is not None:
            lines.append("    StandardTransform")
            lines.append(f"Transform: {self.transform!r}")
        return "\n".join(lines)


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: the same format and sizes as MNIST, ten kinds of clothing."""

    mirrors: ClassVar[list[str]] = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources: ClassVar[list[tuple[str, str]]] = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes: ClassVar[list[str]] = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


def mnist_test_split(root: str, n_train: int = 8000, transform: Callable | None = None,
                     target_transform: Callable | None = None, cls: type = MNIST) -> tuple[MNIST, MNIST]:
    """A fixed (train, test) split of the 10,000-image MNIST *test* set: its first ``n_train``
    images and the rest. For machines without the training files (examples, tests, benchmarks)."""
    full = cls(root, train=False, transform=transform, target_transform=target_transform)
    if not 0 < n_train < len(full):
        raise ValueError(f"n_train should be in (0, {len(full)}), got {n_train}")
    parts = []
    for sl in (slice(0, n_train), slice(n_train, None)):
        part = object.__new__(cls)
        part.__dict__.update(full.__dict__)
        part.data, part.targets = full.data[sl], full.targets[sl]
        part.train = sl.start == 0
        parts.append(part)
    return parts[0], parts[1]
