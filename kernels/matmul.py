"""matmul (torch.matmul) and its two gradients, on kernels/blas.py's GEMMs.

Nothing here computes a product: kernels/blas.py cuts each big GEMM into one single-threaded
piece per numba thread, each piece run by kernels/gemm.py (our blocked GEMM with an AVX-512
register tile, where it is faster) or by OpenBLAS's sgemm/dgemm; everything else has
np.matmul's semantics (1-D operands promoted to a row / a column, batch dimensions broadcast).
A plain numba loop, even tiled, reaches neither: the speed comes from packing and an explicit
vector micro-kernel (kernels/gemm.py). benchmarks/bench_kernels.py shows the GFLOP/s.
"""

import numpy as np

from kernels import blas
from kernels.checks import check_matmul, check_shape


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """c = a @ b with torch.matmul's broadcasting (a BLAS GEMM per matrix in the batch).

    Math: ``c[..., i, j] = sum_k a[..., i, k] * b[..., k, j]``.
    Loop nest: kernels/blas.py: ``for (matrix, piece) (prange if big) / one GEMM call``.
    Cost: 2*batch*M*K*N flops.
    """
    return blas.matmul(a, b)


def sum_to_shape(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Undo broadcasting: sum g over the dimensions that broadcasting added or stretched.

    This is torch's Tensor.sum_to_size: leading extra dimensions are summed away, and
    dimensions where ``shape`` has 1 are summed with keepdims.
    """
    extra = g.ndim - len(shape)
    g = g.sum(axis=tuple(range(extra))) if extra > 0 else g
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axis=stretched, keepdims=True) if stretched else g


def matmul_backward(gy: np.ndarray, a: np.ndarray,
                    b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(dL/da, dL/db) of c = a @ b: ``ga = gy @ b^T``, ``gb = a^T @ gy``, un-broadcast.

    1-D operands are first promoted the way the forward promoted them (a to a row, b to a
    column), so the two grads are plain GEMMs; the result is summed back to each operand's
    shape (sum_to_shape). Cost: two GEMMs, 4*batch*M*K*N flops.
    """
    check_shape("matmul_backward", "grad_output", gy.shape, check_matmul("matmul_backward", a, b))
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    gy2 = np.reshape(gy, batch + (a2.shape[-2], b2.shape[-1]))
    ga = sum_to_shape(blas.matmul(gy2, np.swapaxes(b2, -1, -2)), a2.shape)
    gb = sum_to_shape(blas.matmul(np.swapaxes(a2, -1, -2), gy2), b2.shape)
    return ga.reshape(a.shape), gb.reshape(b.shape)
