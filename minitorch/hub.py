"""``minitorch.hub``: download checkpoints into a cache folder and load them (``torch.hub``'s file half).

The cache is torch's own, so a file torch or torchvision already downloaded is reused:
``get_dir()`` is ``$TORCH_HOME/hub``, where ``TORCH_HOME`` defaults to ``$XDG_CACHE_HOME/torch``
and ``XDG_CACHE_HOME`` to ``~/.cache``; ``set_dir`` overrides it. Weights land in
``<hub_dir>/checkpoints/<file name>``. With ``check_hash=True`` the file name's ``-<hex>.``
part (``resnet18-f37072fd.pth``) must be a prefix of the download's SHA-256. A download is
written to a ``.partial`` file and renamed when complete (and verified), so an interrupted or
corrupt download never poses as a cached checkpoint. Loading goes through ``minitorch.load``,
which reads ``torch.save`` files without torch and without running code from them.
GitHub entry points (``hub.load("owner/repo", ...)``) are not provided: they run the repository's code.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import sys
import tempfile
import uuid
import warnings
import zipfile
from typing import Any
from urllib.parse import urlparse
from urllib.request import Request, urlopen

__all__ = ["download_url_to_file", "get_dir", "load_state_dict_from_url", "set_dir"]

HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
READ_DATA_CHUNK = 128 * 1024
ENV_TORCH_HOME = "TORCH_HOME"
ENV_XDG_CACHE_HOME = "XDG_CACHE_HOME"
DEFAULT_CACHE_DIR = "~/.cache"

_hub_dir: str | None = None


def _get_torch_home() -> str:
    return os.path.expanduser(
        os.getenv(ENV_TORCH_HOME, os.path.join(os.getenv(ENV_XDG_CACHE_HOME, DEFAULT_CACHE_DIR), "torch")))


def get_dir() -> str:
    """The hub cache folder: ``set_dir``'s, else ``$TORCH_HOME/hub`` (``TORCH_HOME`` defaults to
    ``$XDG_CACHE_HOME/torch``, ``XDG_CACHE_HOME`` to ``~/.cache``)."""
    if os.getenv("TORCH_HUB"):
        warnings.warn("TORCH_HUB is deprecated, please use env TORCH_HOME instead", stacklevel=2)
    if _hub_dir is not None:
        return _hub_dir
    return os.path.join(_get_torch_home(), "hub")


def set_dir(d: str | os.PathLike) -> None:
    """Use ``d`` as the hub cache folder from now on."""
    global _hub_dir
    _hub_dir = os.path.expanduser(d)


def _report(done: int, total: int | None) -> None:
    shown = f"{done / total:6.1%}" if total else f"{done / 2**20:.1f} MiB"
    sys.stderr.write(f"\r{shown}")
    sys.stderr.flush()


def download_url_to_file(url: str, dst: str, hash_prefix: str | None = None, progress: bool = True) -> None:
    """Download ``url`` to the path ``dst``; with ``hash_prefix``, the file's SHA-256 hex digest must start
    with it (RuntimeError otherwise, and nothing is left at ``dst``)."""
    dst = os.path.expanduser(dst)
    for _ in range(tempfile.TMP_MAX):
        tmp_dst = dst + "." + uuid.uuid4().hex + ".partial"
        try:
            f = open(tmp_dst, "x+b")  # noqa: SIM115 - closed in finally, moved when complete
        except FileExistsError:
            continue
        break
    else:
        raise FileExistsError(f"No usable temporary file name found for {dst}")
    try:
        with urlopen(Request(url, headers={"User-Agent": "torch.hub"})) as u:
            length = u.info().get_all("Content-Length")
            total = int(length[0]) if length else None
            sha256 = hashlib.sha256() if hash_prefix is not None else None
            done = 0
            while True:
                buffer = u.read(READ_DATA_CHUNK)
                if len(buffer) == 0:
                    break
                f.write(buffer)
                if sha256 is not None:
                    sha256.update(buffer)
                done += len(buffer)
                if progress:
                    _report(done, total)
            if progress:
                sys.stderr.write("\n")
            f.close()
            if sha256 is not None and hash_prefix is not None:
                digest = sha256.hexdigest()
                if digest[: len(hash_prefix)] != hash_prefix:
                    raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{digest}")')
        shutil.move(f.name, dst)
    finally:
        f.close()
        if os.path.exists(f.name):
            os.remove(f.name)


def load_state_dict_from_url(url: str, model_dir: str | None = None, map_location=None, progress: bool = True,
                             check_hash: bool = False, file_name: str | None = None,
                             weights_only: bool = False) -> dict[str, Any]:
    """Load the checkpoint at ``url``, downloading it into ``model_dir`` (default ``<get_dir()>/checkpoints``)
    unless it is already there. ``check_hash`` checks the download against the ``-<sha256 prefix>.`` in its
    file name; ``file_name`` overrides the name taken from the URL."""
    if os.getenv("TORCH_MODEL_ZOO"):
        warnings.warn("TORCH_MODEL_ZOO is deprecated, please use env TORCH_HOME instead", stacklevel=2)
    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name if file_name is not None else os.path.basename(urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        sys.stdout.write(f'Downloading: "{url}" to {cached_file}\n')
        hash_prefix = None
        if check_hash:
            r = HASH_REGEX.search(filename)
            hash_prefix = r.group(1) if r else None
        download_url_to_file(url, cached_file, hash_prefix, progress=progress)
    from .serialization import load

    if _is_legacy_zip_format(cached_file):  # a zip holding one legacy-format file (hub files before torch 1.6)
        with zipfile.ZipFile(cached_file) as zf:
            return load(io.BytesIO(zf.read(zf.infolist()[0])), map_location=map_location, weights_only=weights_only)
    return load(cached_file, map_location=map_location, weights_only=weights_only)


def _is_legacy_zip_format(filename: str) -> bool:
    if zipfile.is_zipfile(filename):
        with zipfile.ZipFile(filename) as zf:
            infolist = zf.infolist()
        return len(infolist) == 1 and not infolist[0].is_dir()
    return False
