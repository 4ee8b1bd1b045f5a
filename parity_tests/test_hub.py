"""minitorch.hub against torch.hub: the cache folder rules, downloads (from file:// URLs - never the
network), the SHA-256 prefix check, and loading torch.save checkpoints without torch."""

from __future__ import annotations

import hashlib
import os
import zipfile

import numpy as np
import pytest
import torch
import torch.hub

import minitorch as mt
import minitorch.hub


@pytest.fixture(autouse=True)
def _isolated_hub(monkeypatch, tmp_path):
    """Each test gets its own TORCH_HOME, no set_dir override and no deprecated variables."""
    for var in ("TORCH_HOME", "XDG_CACHE_HOME", "TORCH_HUB", "TORCH_MODEL_ZOO"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(minitorch.hub, "_hub_dir", None)
    monkeypatch.setattr(torch.hub, "_hub_dir", None)


@pytest.mark.parametrize("env", [{}, {"XDG_CACHE_HOME": "xdg"}, {"TORCH_HOME": "th"},
                                 {"TORCH_HOME": "th", "XDG_CACHE_HOME": "xdg"}, {"TORCH_HOME": "~/t"}])
def test_get_dir_follows_torch_env(monkeypatch, tmp_path, env):
    for k, v in env.items():
        monkeypatch.setenv(k, v if v.startswith("~") else str(tmp_path / v))
    assert minitorch.hub.get_dir() == torch.hub.get_dir()


def test_set_dir(tmp_path):
    minitorch.hub.set_dir(str(tmp_path / "mine"))
    torch.hub.set_dir(str(tmp_path / "mine"))
    assert minitorch.hub.get_dir() == torch.hub.get_dir() == str(tmp_path / "mine")
    minitorch.hub.set_dir("~/x")
    torch.hub.set_dir("~/x")
    assert minitorch.hub.get_dir() == torch.hub.get_dir()


def _published(tmp_path, name_pattern="weights-{}.pth", legacy=False):
    """A torch.save state_dict under a name carrying its SHA-256 prefix, as download.pytorch.org names them."""
    torch.manual_seed(0)
    sd = torch.nn.Linear(4, 3).state_dict()
    src = tmp_path / "server"
    src.mkdir(exist_ok=True)
    tmp = src / "tmp.pth"
    torch.save(sd, tmp, _use_new_zipfile_serialization=not legacy)
    digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
    path = src / name_pattern.format(digest[:8])
    tmp.rename(path)
    return sd, path


def _assert_same_state(got, ref):
    assert list(got) == list(ref)
    for k in ref:
        np.testing.assert_array_equal(got[k].numpy(), ref[k].numpy())


def test_download_checks_hash_caches_and_loads(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "home"))
    sd, path = _published(tmp_path)
    got = minitorch.hub.load_state_dict_from_url(path.as_uri(), check_hash=True, progress=False)
    _assert_same_state(got, sd)
    cached = tmp_path / "home" / "hub" / "checkpoints" / path.name
    assert cached.read_bytes() == path.read_bytes()
    assert f'Downloading: "{path.as_uri()}" to {cached}' in capsys.readouterr().out
    assert os.listdir(cached.parent) == [path.name]  # no .partial left behind
    path.unlink()  # the second call must not download
    _assert_same_state(minitorch.hub.load_state_dict_from_url(path.as_uri(), check_hash=True), sd)
    # torch.hub reads the same cache.
    _assert_same_state(torch.hub.load_state_dict_from_url(path.as_uri(), weights_only=True), sd)


def test_hash_mismatch_raises_and_leaves_nothing(tmp_path):
    _, path = _published(tmp_path)
    wrong = path.with_name("weights-deadbeef.pth")  # not the file's digest
    path.rename(wrong)
    for lib, folder in ((minitorch.hub, "mt"), (torch.hub, "torch")):
        model_dir = tmp_path / folder
        with pytest.raises(RuntimeError, match='invalid hash value \\(expected "deadbeef"'):
            lib.load_state_dict_from_url(wrong.as_uri(), model_dir=str(model_dir), check_hash=True, progress=False)
        assert os.listdir(model_dir) == []
    # Without check_hash the same file is accepted.
    assert set(minitorch.hub.load_state_dict_from_url(wrong.as_uri(), model_dir=str(tmp_path / "mt"),
                                                      progress=False)) == {"weight", "bias"}


def test_model_dir_file_name_and_legacy_format(tmp_path):
    sd, path = _published(tmp_path, legacy=True)
    got = minitorch.hub.load_state_dict_from_url(path.as_uri(), model_dir=str(tmp_path / "d"), file_name="x.pt",
                                                 progress=False)
    _assert_same_state(got, sd)
    assert os.listdir(tmp_path / "d") == ["x.pt"]


def test_zip_holding_one_legacy_file(tmp_path):
    # The hub format before torch 1.6: a zip archive around one legacy-format checkpoint.
    sd, legacy = _published(tmp_path, legacy=True)
    wrapped = tmp_path / "server" / "old-format.zip"
    with zipfile.ZipFile(wrapped, "w") as zf:
        zf.write(legacy, arcname="old-format.pth")
    got = minitorch.hub.load_state_dict_from_url(wrapped.as_uri(), model_dir=str(tmp_path / "d"), progress=False)
    _assert_same_state(got, sd)


def test_download_url_to_file_with_progress(tmp_path, capsys):
    src = tmp_path / "blob.bin"
    src.write_bytes(os.urandom(300_000))
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    dst = tmp_path / "out" / "blob.bin"
    dst.parent.mkdir()
    minitorch.hub.download_url_to_file(src.as_uri(), str(dst), hash_prefix=digest[:10], progress=True)
    assert dst.read_bytes() == src.read_bytes()
    assert "100.0%" in capsys.readouterr().err
    with pytest.raises(RuntimeError, match="invalid hash value"):
        minitorch.hub.download_url_to_file(src.as_uri(), str(tmp_path / "out" / "again.bin"), hash_prefix="0" * 10,
                                           progress=False)
    assert os.listdir(tmp_path / "out") == ["blob.bin"]


def test_hub_is_reachable_as_attribute():
    assert mt.hub.load_state_dict_from_url is minitorch.hub.load_state_dict_from_url
