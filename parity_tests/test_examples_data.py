"""Where the examples find MNIST, and what they do when it is nowhere (issue 15, section 1).

The order is ``--data``, ``./data``, ``../shared/datasets/mnist`` (``examples/_common.py:
find_mnist``); where one holds MNIST, it is used and nothing is downloaded; where none does, MNIST is
downloaded into ``./data`` (``minitorch.vision.datasets.MNIST.download``), and where that fails the
example says so in two lines and exits with status 1.

No test touches the network: the MNIST files are small fakes written here, "the network" is an HTTP
server on 127.0.0.1 that serves them, and "no network" is a local port where nothing listens (for the
command-line runs, ``http(s)_proxy`` pointing there), which refuses a connection at once.
"""

import argparse
import functools
import gzip
import hashlib
import http.server
import importlib
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from minitorch.vision import datasets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))
common = importlib.import_module("_common")
EXAMPLES = ["train_lenet", "train_mlp", "side_by_side"]
PROXY_VARIABLES = ["http_proxy", "https_proxy", "all_proxy", "no_proxy",
                   "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"]


def write_idx(path, array):
    """``array`` (uint8) as a gzipped IDX file: magic 0, 0, 0x08, ndim; big-endian dims; the bytes."""
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(header + array.tobytes())


def write_mnist(folder, n_test=10_000, n_train=None):
    """Fake MNIST .gz files in ``folder``: ``n_test`` test images, and ``n_train`` training ones if given."""
    folder.mkdir(parents=True, exist_ok=True)
    labels = np.random.default_rng(0).integers(0, 10, max(n_test, n_train or 0), dtype=np.uint8)
    for prefix, n in [("t10k", n_test)] + ([("train", n_train)] if n_train else []):
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", np.zeros((n, 28, 28), np.uint8))
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels[:n])
    return folder


def md5(path):
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def closed_port():
    """A local port where nothing listens: a connection to it is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def fresh_place(tmp_path, monkeypatch):
    """A working directory without ./data and no shared datasets folder: a fresh clone's situation."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr(common, "SHARED_MNIST", tmp_path / "shared" / "datasets" / "mnist")
    for name in PROXY_VARIABLES:  # 127.0.0.1 is reached directly
        monkeypatch.delenv(name, raising=False)
    return work


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """An HTTP server on 127.0.0.1 serving the folder it returns, set as MNIST's second mirror (the
    first refuses connections): MNIST's ``resources`` become the files put there, with their MD5s."""
    served = tmp_path / "mirror"
    served.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=served))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(datasets.MNIST, "mirrors", [f"http://127.0.0.1:{closed_port()}/",
                                                    f"http://127.0.0.1:{server.server_port}/"])

    def serve(resources):
        monkeypatch.setattr(datasets.MNIST, "resources", resources)

    yield served, serve
    server.shutdown()
    server.server_close()


def no_download(*args, **kwargs):
    raise AssertionError("MNIST.download was called although MNIST was found")


# --- where the examples look -------------------------------------------------------------------------

@pytest.mark.parametrize("layout", ["MNIST/raw", "MNIST", "."])
def test_holds_mnist_follows_datasets_mnist_layouts(tmp_path, layout):
    assert not common.holds_mnist(tmp_path)
    write_mnist(tmp_path / layout, n_test=5)
    assert common.holds_mnist(tmp_path)
    assert len(datasets.MNIST(tmp_path, train=False)) == 5  # where holds_mnist sees it, MNIST finds it
    (tmp_path / layout / "t10k-labels-idx1-ubyte.gz").unlink()  # both test files are needed
    assert not common.holds_mnist(tmp_path)


def test_search_order_is_data_flag_then_dot_data_then_shared(fresh_place, tmp_path):
    given, shared = tmp_path / "given", common.SHARED_MNIST
    given.mkdir()
    assert common.find_mnist(None) is None and common.find_mnist(given) is None
    write_mnist(shared, n_test=5)
    assert common.find_mnist(None) == shared and common.find_mnist(given) == shared
    write_mnist(fresh_place / "data" / "MNIST" / "raw", n_test=5)
    assert common.find_mnist(None) == Path("data") and common.find_mnist(given) == Path("data")
    write_mnist(given, n_test=5)
    assert common.find_mnist(given) == given


def test_found_mnist_is_used_without_download(fresh_place, monkeypatch, capsys):
    monkeypatch.setattr(datasets.MNIST, "download", no_download)
    write_mnist(common.SHARED_MNIST)  # the test set only: the fixed 8,000 / 2,000 split
    train_set, test_set = common.mnist_datasets(None, True, None)
    assert (len(train_set), len(test_set)) == (8000, 2000)
    out = capsys.readouterr().out
    assert f"MNIST from {common.SHARED_MNIST}: its 10,000 test images only" in out
    assert "8,000 to train on and 2,000 to evaluate on" in out

    write_mnist(fresh_place / "data", n_test=50, n_train=100)  # a full set in ./data comes first
    train_set, test_set = common.mnist_datasets(None, True, None)
    assert (len(train_set), len(test_set)) == (100, 50)
    assert "MNIST from data: 100 training and 50 test images" in capsys.readouterr().out


# --- downloading where nothing is found --------------------------------------------------------------

def test_downloads_into_dot_data_with_md5_and_progress_when_nothing_is_found(fresh_place, mirror, capsys):
    served, serve = mirror
    write_mnist(served, n_test=50, n_train=100)
    serve([(path.name, md5(path)) for path in sorted(served.iterdir())])
    train_set, test_set = common.mnist_datasets(None, True, None)
    assert (len(train_set), len(test_set)) == (100, 50)
    raw = fresh_place / "data" / "MNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(p.name for p in served.iterdir())  # no .part left
    assert all(md5(raw / p.name) == md5(p) for p in served.iterdir())
    captured = capsys.readouterr()
    assert "MNIST from data: 100 training and 50 test images" in captured.out
    assert re.search(r"Downloading http://127\.0\.0\.1:\d+/t10k-images-idx3-ubyte\.gz to data", captured.out)
    assert "t10k-images-idx3-ubyte.gz: 100%" in captured.err  # tqdm's bar, one per file
    # Found now: a second run downloads nothing.
    common.mnist_datasets(None, True, None)
    assert "Downloading" not in capsys.readouterr().out


def test_download_goes_into_the_data_flag_folder(fresh_place, mirror, tmp_path):
    served, serve = mirror
    write_mnist(served, n_test=50, n_train=100)
    serve([(path.name, md5(path)) for path in sorted(served.iterdir())])
    common.mnist_datasets(tmp_path / "given", True, None)
    assert common.holds_mnist(tmp_path / "given") and not (fresh_place / "data").exists()


def test_a_file_with_the_wrong_md5_is_not_kept(fresh_place, mirror):
    served, serve = mirror
    write_mnist(served, n_test=5)
    serve([(path.name, "0" * 32) for path in sorted(served.iterdir())])
    with pytest.raises(RuntimeError, match="MD5 mismatch"):
        datasets.MNIST("data", train=False, download=True)
    assert list((fresh_place / "data" / "MNIST" / "raw").iterdir()) == []


def test_offline_says_what_is_missing_where_it_looked_and_exits_1(fresh_place, monkeypatch):
    monkeypatch.setattr(datasets.MNIST, "mirrors", [f"http://127.0.0.1:{closed_port()}/"])
    with pytest.raises(SystemExit) as exit_info:
        common.mnist_datasets(None, True, None)
    message = exit_info.value.code  # sys.exit(message): printed on stderr, exit status 1
    assert isinstance(message, str) and len(message.splitlines()) == 2
    assert f"MNIST not found in data, {common.SHARED_MNIST}, and downloading it failed" in message
    assert "Connection refused" in message
    assert "Rerun with network access, or point --data at a folder that has MNIST's .gz files." in message
    assert list((fresh_place / "data" / "MNIST" / "raw").iterdir()) == []  # no partial file left


def test_a_data_flag_that_is_a_file_exits_1_with_the_reason(fresh_place, tmp_path):
    (tmp_path / "not-a-folder").write_text("")
    with pytest.raises(SystemExit) as exit_info:
        common.mnist_datasets(tmp_path / "not-a-folder", True, None)
    assert "and downloading it failed: [Errno 20] Not a directory" in exit_info.value.code


def test_no_download_flag_never_downloads(fresh_place, monkeypatch):
    monkeypatch.setattr(datasets.MNIST, "download", no_download)
    with pytest.raises(SystemExit) as exit_info:
        common.mnist_datasets(None, False, None)
    assert f"MNIST not found in data, {common.SHARED_MNIST}, and --no-download was given" in exit_info.value.code


def fresh_clone(tmp_path):
    """The examples copied into ``tmp_path/clone``, whose parent has no ``shared/`` folder."""
    clone = tmp_path / "clone"
    shutil.copytree(ROOT / "examples", clone / "examples", ignore=shutil.ignore_patterns("__pycache__"))
    return clone


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example_on_a_fresh_clone_offline_exits_1_without_traceback(tmp_path, example):
    clone = fresh_clone(tmp_path)
    proxy = f"http://127.0.0.1:{closed_port()}"  # every download goes there and is refused
    env = {key: value for key, value in os.environ.items() if key not in PROXY_VARIABLES}
    env |= {"PYTHONPATH": str(ROOT), "http_proxy": proxy, "https_proxy": proxy}
    for flags in ([], ["--no-download"]):
        run = subprocess.run([sys.executable, f"examples/{example}.py", *flags], cwd=clone, env=env, check=False,
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 1, run.stdout + run.stderr
        assert "Traceback" not in run.stderr
        assert "MNIST not found in data, " in run.stderr
        assert ("Downloading" in run.stdout) == (flags == [])


class Parsed(Exception):
    """Raised in place of parsing the command line: carries the example's parser."""


@pytest.mark.parametrize("example", EXAMPLES)
def test_help_gives_help_and_default_for_every_flag(example, monkeypatch):
    def capture(parser, *args):
        raise Parsed(parser)

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", capture)
    with pytest.raises(Parsed) as parsed:
        importlib.import_module(example).main()
    parser = parsed.value.args[0]
    assert parser.formatter_class is argparse.ArgumentDefaultsHelpFormatter
    flags = [action for action in parser._actions if action.dest != "help"]
    assert len(flags) >= 8
    assert [action.option_strings for action in flags if not action.help] == []
    text = " ".join(parser.format_help().split())  # unwrapped
    for action in flags:
        assert f"{action.help} (default: {action.default})" in text, action.option_strings
