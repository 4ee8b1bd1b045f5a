"""The 1x1 weight gradient as per-sample GEMMs in blocks of samples (kernels/conv_pointwise_grad.py)
against torch: called directly and through kernels.conv2d_weight_grad (which takes it at stride
1 on batches of 16+ samples of 48+ positions), float32 and float64, contiguous or not, batches
that do not fill their last block; the same bits at any thread count (the blocks do not depend
on it); its checks before any loop; and where it does not apply.

Its order of summation is not the one GEMM's over the batch (blocks of samples, then the blocks'
sums): float32 is compared with torch at the helpers' tolerance, as every other kernel.
The conftest forces the loops of its list of kernel modules, this one's included, serial and to
threads.
"""

import numpy as np
import pytest
import torch.nn.functional as F
from kernel_parity_helpers import assert_close, random_array, torch_forward_and_grads
from minitorch.kernels import conv2d_weight_grad, conv_small
from minitorch.kernels import conv_pointwise_grad as pointwise_grad

DTYPES = [np.float64, np.float32]


# (x shape, C_out): NiN's 1x1 layers made smaller, a last block of 3 samples, C not a tile's multiple
CASES = [
    ((16, 24, 15, 15), 24),
    ((19, 40, 7, 7), 72),
    ((32, 8, 8, 8), 33),
    ((17, 5, 7, 9), 3),
]


@pytest.mark.parametrize("contiguous", [True, False])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CASES)
def test_weight_grad_against_torch(case, dtype, contiguous):
    x_shape, c_out = case
    rng = np.random.default_rng(11)
    x = random_array(rng, x_shape, dtype, contiguous)
    w = random_array(rng, (c_out, x_shape[1], 1, 1), dtype)
    _, gy, (_, gw_t) = torch_forward_and_grads(lambda x, w: F.conv2d(x, w), [x, w])
    assert pointwise_grad.pays(x.shape, w.shape, dtype)
    assert_close(pointwise_grad.conv2d_weight_grad(gy, x, w.shape), gw_t, dtype)
    assert_close(conv2d_weight_grad(gy, x, w.shape, (1, 1), (0, 0), (1, 1), 1), gw_t, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_same_bits_at_any_thread_count(dtype, monkeypatch):
    """The blocks of samples are fixed by POINTWISE_GRAD_BLOCK, not by the threads: the same
    gw from the serial loop and the threaded one (the conftest forces each; here both at once)."""
    rng = np.random.default_rng(2)
    x = random_array(rng, (37, 16, 7, 7), dtype)
    gy = random_array(rng, (37, 40, 7, 7), dtype)
    results = []
    for threads in (False, True):
        monkeypatch.setattr(pointwise_grad, "in_parallel", lambda elements, t=threads: t)
        results.append(pointwise_grad.conv2d_weight_grad(gy, x, (40, 16, 1, 1)))
    np.testing.assert_array_equal(results[0], results[1])


def test_where_it_applies():
    """Not on short samples (NiN's 3x3 maps), small batches, float16 / integers; strided 1x1
    convolutions keep conv_small's path (x subsampled first)."""
    assert not pointwise_grad.pays((64, 384, 3, 3), (384, 384, 1, 1), np.float32)
    assert not pointwise_grad.pays((8, 96, 15, 15), (96, 96, 1, 1), np.float32)
    assert not pointwise_grad.pays((64, 96, 15, 15), (96, 96, 1, 1), np.float16)
    assert pointwise_grad.pays((64, 96, 15, 15), (96, 96, 1, 1), np.float32)
    rng = np.random.default_rng(4)
    x = random_array(rng, (16, 8, 14, 14), np.float32)
    w = random_array(rng, (12, 8, 1, 1), np.float32)
    _, gy, (_, gw_t) = torch_forward_and_grads(lambda x, w: F.conv2d(x, w, stride=2), [x, w])
    assert_close(conv_small._conv2d_weight_grad_pointwise(gy, x, w.shape, (2, 2)), gw_t, np.float32)


def test_checks_before_any_loop():
    """A wrong shape or dtype raises RuntimeError before the numba loop runs."""
    x = np.zeros((16, 8, 7, 7), np.float32)
    gy = np.zeros((16, 12, 7, 7), np.float32)
    with pytest.raises(RuntimeError):
        pointwise_grad.conv2d_weight_grad(gy[:, :, :6], x, (12, 8, 1, 1))  # gy's map is not x's
    with pytest.raises(RuntimeError):
        pointwise_grad.conv2d_weight_grad(gy[:15], x, (12, 8, 1, 1))  # batch sizes differ
    with pytest.raises(RuntimeError):
        pointwise_grad.conv2d_weight_grad(gy, x, (12, 9, 1, 1))  # weight's C_in is not x's
    with pytest.raises(RuntimeError):
        pointwise_grad.conv2d_weight_grad(gy, x, (12, 8, 3, 3))  # not a 1x1 kernel
    with pytest.raises(RuntimeError):
        pointwise_grad.conv2d_weight_grad(gy.astype(np.int32), x.astype(np.int32), (12, 8, 1, 1))
