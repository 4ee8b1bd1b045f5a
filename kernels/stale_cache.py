"""numba's on-disk cache, kept true to the kernels' sources.

A kernel compiled with ``cache=True`` is saved next to its file (``kernels/__pycache__``, or
numba's user-wide cache where that folder cannot be written) under an index that records its own
file's modification time and size, and nothing else. A kernel that calls a kernel of another file
has the callee's code compiled into it: ``conv_borders.py``'s loops call ``gemm_indexed.py``'s
GEMMs, which inline ``gemm_tile.py``'s micro-kernel and ``gemm.py``'s block sizes. When only the callee's file changes (a ``git pull``, an
edit), numba still loads the caller's old machine code: wrong results, or a crash where a block
size changed under a workspace sized by the new one.

So, on every import of ``minitorch.kernels``, ``drop_stale`` compares each kernel file's (size,
mtime) with the stamps it wrote last time. Where one changed, it reads the package's relative
imports (``from .gemm import ...``, ``from . import gemm``), and deletes the cached code of every
module that imports a changed one, directly or through others; numba compiles those afresh on
their first call. The common case is one ``stat`` per file and one small read (about 0.5 ms, numba's cache locators included). Left
out: a process that was already running when a file changed may still save code built from the
old one (numba's own rule for its own file has the same gap).
"""

import ast
import json
import os

STAMPS = "minitorch-kernels-stamps.json"
"""The file, in the cache folder, holding each module's (size, mtime_ns) at the last check."""


def _stamps(folder: str) -> dict[str, list[int]]:
    """module name -> [size, mtime_ns] of each ``.py`` file in ``folder``."""
    out = {}
    for entry in os.scandir(folder):
        if entry.name.endswith(".py"):
            st = entry.stat()
            out[entry.name[:-3]] = [st.st_size, st.st_mtime_ns]
    return out


def imports(folder: str, names) -> dict[str, set[str]]:
    """module -> the modules of this package it imports (relative imports, at any depth in it)."""
    graph = {}
    for name in names:
        with open(os.path.join(folder, name + ".py"), encoding="utf-8") as f:
            tree = ast.parse(f.read())
        found = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module:
                    found.add(node.module.split(".")[0])
                else:
                    found.update(alias.name for alias in node.names)
        graph[name] = found & set(names)
    return graph


def dependents(graph: dict[str, set[str]], changed: set[str]) -> set[str]:
    """``changed`` and every module that imports one of them, directly or through others."""
    stale = set(changed)
    grew = True
    while grew:
        grew = False
        for module, uses in graph.items():
            if module not in stale and uses & stale:
                stale.add(module)
                grew = True
    return stale


def cache_folder(folder: str) -> str | None:
    """Where numba saves the cache of a function defined in ``folder`` (its locators, in its order:
    ``NUMBA_CACHE_DIR``, the ``__pycache__`` beside the file, the user-wide cache)."""
    from numba.core.caching import CacheImpl

    for locator in CacheImpl._locator_classes:
        found = locator.from_function(cache_folder, os.path.join(folder, "__init__.py"))
        if found is not None:
            return found.get_cache_path()
    return None


def drop_stale(folder: str) -> set[str]:
    """Delete the cached kernels of the modules in ``folder`` that may hold code of a changed file
    (module docstring); return their names (empty when nothing changed). Never raises for the
    file system: a cache it cannot clean is numba's as before."""
    try:
        cache = cache_folder(folder)
        if cache is None:
            return set()
        path = os.path.join(cache, STAMPS)
        now = _stamps(folder)
        try:
            with open(path, encoding="utf-8") as f:
                before = json.load(f)
        except (OSError, ValueError):
            before = {}
        if before == now:
            return set()
        changed = {m for m in now if before.get(m) != now[m]}
        stale = dependents(imports(folder, now), changed)
        for entry in os.scandir(cache):
            if entry.name.endswith((".nbi", ".nbc")) and entry.name.split(".", 1)[0] in stale:
                try:
                    os.remove(entry.path)
                except FileNotFoundError:  # another process cleaned it first
                    pass
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(now, f)
        os.replace(tmp, path)  # whole or not at all
        return stale
    except (OSError, SyntaxError):
        return set()
