"""minitorch.kernels: numba and BLAS loops on NumPy arrays, the bottom layer of minitorch (no autograd).

The folder is ``kernels/`` at the top of the repository; it is installed as ``minitorch.kernels``
(``package_dir`` in setup.py), because the import name ``kernels`` alone belongs to another
project on PyPI. Nothing here imports the rest of minitorch.

What it exports is exactly what the CPU backend (``minitorch/backends/cpu.py``) calls, under the
backend's names: its ``conv2d`` is this ``conv2d``. Each op comes with its gradients, as plain
functions of arrays; minitorch's autograd functions call them through the backend. Importing this
package compiles nothing: every numba kernel is compiled (or loaded from the on-disk cache) the
first time it is called.
"""

from . import (
    stale_cache,  # imports nothing of numba's
    threading,  # before the kernels: fixes numba's threading layer before any parallel call
)
from .activation import relu, sigmoid, sigmoid_backward, threshold_backward
from .blas import matmul
from .conv import conv2d
from .conv_input_grad import conv2d_input_grad
from .conv_weight_grad import conv2d_weight_grad
from .im2col import col2im, im2col
from .log_softmax import log_softmax, log_softmax_backward
from .normalization import batch_norm, batch_norm_backward
from .optim import adam_step, add_scaled, add_scaled_all
from .pool import max_pool2d, max_pool2d_backward
from .pool_adaptive import adaptive_avg_pool2d, adaptive_avg_pool2d_backward, adaptive_max_pool2d
from .pool_avg import avg_pool2d, avg_pool2d_backward
from .reduction import sum_leading
from .threading import get_num_threads, set_num_threads

# numba's cache keys a kernel by its own file only: drop the cached code of every module that
# imports a kernel file changed since the last check (stale_cache.py says why).
stale_cache.drop_stale(__path__[0])

# A count given to minitorch.set_num_threads before this package was imported is remembered by
# minitorch/_core/threads.py and applied here, on every way in (the CPU backend's first kernel, or a
# direct ``import minitorch.kernels``). Looked up, not imported: nothing here imports minitorch.
_sys_threads = __import__("sys").modules.get("minitorch._core.threads")
if _sys_threads is not None:
    _sys_threads.apply_pending(threading)
del _sys_threads

__all__ = [
    "adam_step", "adaptive_avg_pool2d", "adaptive_avg_pool2d_backward", "adaptive_max_pool2d", "add_scaled",
    "add_scaled_all", "avg_pool2d",
    "avg_pool2d_backward", "batch_norm", "batch_norm_backward", "col2im", "conv2d",
    "conv2d_input_grad", "conv2d_weight_grad", "get_num_threads", "im2col", "log_softmax", "log_softmax_backward",
    "matmul", "max_pool2d",
    "max_pool2d_backward", "relu", "set_num_threads", "sigmoid", "sigmoid_backward", "stale_cache", "sum_leading",
    "threading",
    "threshold_backward",
]
