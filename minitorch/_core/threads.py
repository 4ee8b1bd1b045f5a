"""``set_num_threads`` / ``get_num_threads``: how many threads the CPU kernels use.

The kernels run on one thread pool (``kernels/threading.py``): numba's OpenMP threads run the
prange loops (im2col, col2im, pooling) and share out the GEMMs of convolution and matmul, one
single-threaded OpenBLAS call per thread (``kernels/blas.py``); OpenBLAS itself is set to one
thread. ``set_num_threads(n)`` sets numba's count. Where numba's OpenMP layer or numpy's OpenBLAS
is missing, numba runs on its 'workqueue' layer and OpenBLAS keeps threads of its own, and
``set_num_threads(n)`` sets both counts (another BLAS keeps the count it started with:
``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS``).

Two threads help only while both can run. When another process keeps a core busy, a parallel
loop waits for the thread that cannot run, so the kernels time their shared GEMMs and, when one
is slower than running it in one thread would have been, run on the calling thread alone for a
while and then try the threads again (``kernels/threading.py``, "On a busy machine"). The work is
split for the count that was set all the same, so results never depend on the load;
``get_num_threads`` still reports the count that was set, as ``torch.get_num_threads`` does.

``import minitorch`` does not import numba (it must stay fast and compile nothing), so a count
set before the first kernel call is remembered here and applied when the CPU backend first
imports ``minitorch.kernels`` (``kernels/__init__.py`` calls ``apply_pending``, however it is imported).
"""

from __future__ import annotations

import os
import sys

_pending: int | None = None


def set_num_threads(n: int) -> None:
    """Use ``n`` threads in the CPU kernels (``torch.set_num_threads``)."""
    global _pending
    if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    kernels = sys.modules.get("minitorch.kernels")
    if kernels is not None and hasattr(kernels, "set_num_threads"):
        kernels.set_num_threads(n)
    _pending = n


def get_num_threads() -> int:
    """The number of threads the CPU kernels use (``torch.get_num_threads``)."""
    kernels = sys.modules.get("minitorch.kernels")
    if kernels is not None and hasattr(kernels, "get_num_threads"):
        return kernels.get_num_threads()
    if _pending is not None:
        return _pending
    return int(os.environ.get("NUMBA_NUM_THREADS", os.cpu_count() or 1))


def apply_pending(kernels) -> None:
    """Called once, right after ``minitorch.kernels`` is imported: apply a count set before that."""
    if _pending is not None:
        kernels.set_num_threads(_pending)
