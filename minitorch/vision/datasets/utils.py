"""Downloading and checking dataset files (``torchvision.datasets.utils``): MD5, fetch, unpack, unpickle."""

from __future__ import annotations

import hashlib
import os
import pickle
import tarfile
import urllib.error
import urllib.request
from typing import Any, ClassVar

__all__ = ["check_integrity", "check_md5", "download_and_extract_archive", "download_url", "extract_archive",
           "load_pickled_arrays"]


def check_md5(path: str | os.PathLike, md5: str, chunk_size: int = 1024 * 1024) -> bool:
    """Whether the file at ``path`` has the MD5 digest ``md5`` (hex)."""
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            h.update(chunk)
    return h.hexdigest() == md5


def check_integrity(path: str | os.PathLike, md5: str | None = None) -> bool:
    """Whether ``path`` is a file and (when ``md5`` is given) has that digest."""
    if not os.path.isfile(path):
        return False
    return md5 is None or check_md5(path, md5)


def download_url(url: str, root: str | os.PathLike, filename: str | None = None, md5: str | None = None) -> str:
    """Fetch ``url`` to ``root/filename`` unless a file with the right MD5 is already there; the
    path. The download goes to a ``.part`` file, renamed once its MD5 checks out."""
    os.makedirs(root, exist_ok=True)
    path = os.path.join(root, filename or os.path.basename(url))
    if check_integrity(path, md5):
        return path
    try:
        urllib.request.urlretrieve(url, path + ".part")
    except (urllib.error.URLError, OSError) as e:
        raise RuntimeError(f"Error downloading {url}: {e}. Put the file at {path} by hand"
                           + (f" (md5 {md5})." if md5 else ".")) from None
    if md5 is not None and not check_md5(path + ".part", md5):
        os.remove(path + ".part")
        raise RuntimeError(f"File not found or corrupted: {url} does not have the MD5 {md5}.")
    os.replace(path + ".part", path)
    return path


def extract_archive(from_path: str | os.PathLike, to_path: str | os.PathLike | None = None) -> str:
    """Unpack a (compressed) tar archive into ``to_path`` (default: its folder), refusing members
    that would land outside it or are links to outside (``tarfile``'s "data" filter)."""
    to_path = os.path.dirname(from_path) if to_path is None else to_path
    with tarfile.open(from_path) as archive:
        archive.extractall(to_path, filter="data")
    return os.fspath(to_path)


def download_and_extract_archive(url: str, download_root: str | os.PathLike, extract_root: str | None = None,
                                 filename: str | None = None, md5: str | None = None) -> None:
    """``download_url`` then ``extract_archive`` (into ``download_root`` by default)."""
    archive = download_url(url, download_root, filename, md5)
    extract_archive(archive, extract_root or download_root)


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles dicts, lists, strings, numbers and NumPy arrays, and nothing that runs other code."""

    _ALLOWED: ClassVar[set[tuple[str, str]]] = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
                ("numpy._core.multiarray", "scalar"), ("_codecs", "encode")}  # protocol-2 bytes

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a dataset file")


def load_pickled_arrays(path: str | os.PathLike) -> Any:
    """The object in a Python-pickle dataset file (CIFAR's batches), read with ``encoding="latin1"``
    as torchvision does, allowing only plain containers and NumPy arrays."""
    with open(path, "rb") as f:
        return _ArrayUnpickler(f, encoding="latin1").load()
