"""kernels: numba and BLAS loops on NumPy arrays, the bottom layer of minitorch (no autograd).

Each op comes with its gradients, as plain functions of arrays; minitorch's autograd
functions call them. Importing this package compiles nothing: every numba kernel is
compiled (or loaded from the on-disk cache) the first time it is called.
"""

from kernels import threading  # first: fixes numba's threading layer before any parallel call
from kernels.activation import relu, threshold_backward
from kernels.conv import (
    conv1d_forward,
    conv1d_input_grad,
    conv1d_weight_grad,
    conv2d_forward,
    conv2d_input_grad,
    conv2d_weight_grad,
    same_padding,
)
from kernels.conv_transpose import (
    conv_transpose2d_forward,
    conv_transpose2d_input_grad,
    conv_transpose2d_weight_grad,
)
from kernels.im2col import col2im, im2col
from kernels.matmul import matmul, matmul_backward, sum_to_shape
from kernels.normalization import batch_norm_affine, batch_norm_backward, batch_norm_stats
from kernels.optim import adam_step
from kernels.pool import (
    adaptive_avg_pool2d_backward,
    adaptive_avg_pool2d_forward,
    adaptive_max_pool2d_backward,
    adaptive_max_pool2d_forward,
    avg_pool1d_backward,
    avg_pool1d_forward,
    avg_pool2d_backward,
    avg_pool2d_forward,
    max_pool1d_backward,
    max_pool1d_forward,
    max_pool2d_backward,
    max_pool2d_forward,
)
from kernels.threading import get_num_threads, set_num_threads

__all__ = [
    "adam_step", "adaptive_avg_pool2d_backward", "adaptive_avg_pool2d_forward", "adaptive_max_pool2d_backward",
    "adaptive_max_pool2d_forward", "avg_pool1d_backward", "avg_pool1d_forward",
    "avg_pool2d_backward", "avg_pool2d_forward", "batch_norm_affine", "batch_norm_backward",
    "batch_norm_stats", "col2im", "conv1d_forward", "conv1d_input_grad",
    "conv1d_weight_grad", "conv2d_forward", "conv2d_input_grad", "conv2d_weight_grad",
    "conv_transpose2d_forward", "conv_transpose2d_input_grad", "conv_transpose2d_weight_grad",
    "get_num_threads", "im2col", "matmul", "matmul_backward", "max_pool1d_backward",
    "max_pool1d_forward", "max_pool2d_backward", "max_pool2d_forward", "relu", "same_padding",
    "set_num_threads", "sum_to_shape", "threading", "threshold_backward",
]
