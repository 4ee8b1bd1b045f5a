"""numba's cache and a changed callee (kernels/stale_cache.py).

A tiny package like ``kernels/``: ``a.py``'s cached kernel calls ``b.py``'s, whose constant is
compiled into it. After ``b.py`` changes, numba alone loads ``a``'s old code; with
``stale_cache.drop_stale`` run at the package's import (as ``kernels/__init__.py`` does) the
caller is compiled afresh and sees the new constant.
"""

import os
import shutil
import subprocess
import sys
import textwrap

import pytest
from minitorch.kernels import stale_cache

A = """
from numba import njit
from .b import g

@njit(cache=True)
def f(x):
    return g(x) + 1
"""

B = """
from numba import njit
K = {k}

@njit(cache=True)
def g(x):
    return x * K
"""


def _package(root, clean: bool):
    pkg = root / "pkg"
    pkg.mkdir()
    init = "import os\n"
    if clean:
        init += "import importlib.util\n"  # the module by its path: kernels/ on sys.path would shadow the stdlib
        init += f"spec = importlib.util.spec_from_file_location('stale_cache', {stale_cache.__file__!r})\n"
        init += "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        init += "module.drop_stale(__path__[0])\n"
    (pkg / "__init__.py").write_text(init)
    (pkg / "a.py").write_text(textwrap.dedent(A))
    (pkg / "b.py").write_text(textwrap.dedent(B.format(k=3)))
    return pkg


def _run(root) -> int:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("NUMBA_CACHE_DIR", None)
    done = subprocess.run([sys.executable, "-c", "from pkg.a import f; print(f(10))"], cwd=root, env=env,
                          capture_output=True, text=True, check=True)
    return int(done.stdout.split()[-1])


@pytest.mark.parametrize("clean", [False, True], ids=["numba alone", "with drop_stale"])
def test_a_changed_callee_reaches_its_cached_caller(tmp_path, clean):
    pkg = _package(tmp_path, clean)
    assert _run(tmp_path) == 31
    stat = os.stat(pkg / "b.py")
    (pkg / "b.py").write_text(textwrap.dedent(B.format(k=5)))  # same size, a later mtime
    os.utime(pkg / "b.py", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    # numba keys a.f's cache by a.py alone: without the package's check the old 3 is still in it
    assert _run(tmp_path) == (51 if clean else 31)


def test_only_importers_of_a_changed_file_are_dropped():
    graph = {"checks": set(), "gemm": {"checks"}, "conv_borders": {"gemm", "checks"}, "conv": {"conv_borders"},
             "pool": {"checks"}}
    assert stale_cache.dependents(graph, {"gemm"}) == {"gemm", "conv_borders", "conv"}
    assert stale_cache.dependents(graph, {"pool"}) == {"pool"}


def test_the_kernels_import_graph_is_read_from_their_sources():
    folder = os.path.dirname(stale_cache.__file__)
    names = [n[:-3] for n in os.listdir(folder) if n.endswith(".py")]
    graph = stale_cache.imports(folder, names)
    assert "gemm" in graph["conv_borders"] and "checks" in graph["gemm"]
    assert stale_cache.dependents(graph, {"gemm"}) >= {"conv_borders", "conv", "blas"}


def test_a_cache_folder_it_cannot_write_is_left_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(stale_cache, "cache_folder", lambda folder: str(tmp_path / "missing"))
    shutil.rmtree(tmp_path / "missing", ignore_errors=True)
    assert stale_cache.drop_stale(os.path.dirname(stale_cache.__file__)) == set()
