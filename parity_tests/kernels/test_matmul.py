"""matmul and its gradients against torch.matmul and torch.autograd, broadcasting included."""

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from kernel_parity_helpers import assert_close, random_array, torch_forward_and_grads

from kernels import matmul, matmul_backward, sum_to_shape

DTYPES = [np.float64, np.float32]


@st.composite
def matmul_shapes(draw):
    """Shapes torch.matmul accepts: 1-D operands, and batch dimensions that broadcast."""
    m, k, n = draw(st.integers(1, 6)), draw(st.integers(1, 6)), draw(st.integers(1, 6))
    batch = draw(st.lists(st.integers(1, 3), max_size=2))
    a_batch = [draw(st.sampled_from([b, 1])) for b in batch][draw(st.integers(0, len(batch))):]
    b_batch = [draw(st.sampled_from([b, 1])) for b in batch][draw(st.integers(0, len(batch))):]
    a_shape = (k,) if draw(st.booleans()) else tuple(a_batch) + (m, k)
    b_shape = (k,) if draw(st.booleans()) else tuple(b_batch) + (k, n)
    return a_shape, b_shape


@settings(max_examples=100, deadline=None)
@given(shapes=matmul_shapes(), dtype=st.sampled_from(DTYPES), contiguous=st.booleans(),
       seed=st.integers(0, 2**16))
def test_matmul_and_grads_match_torch(shapes, dtype, contiguous, seed):
    rng = np.random.default_rng(seed)
    a = random_array(rng, shapes[0], dtype, contiguous)
    b = random_array(rng, shapes[1], dtype, contiguous)
    y_t, gy, (ga_t, gb_t) = torch_forward_and_grads(torch.matmul, [a, b], seed)
    assert_close(np.asarray(matmul(a, b)), y_t, dtype)
    ga, gb = matmul_backward(gy, a, b)
    assert_close(ga, ga_t, dtype)
    assert_close(gb, gb_t, dtype)


def test_sum_to_shape_is_torch_sum_to_size():
    g = np.arange(24.0).reshape(2, 3, 4)
    for shape in [(3, 4), (1, 4), (3, 1), (2, 1, 4), (1, 1, 1), (4,)]:
        expected = torch.tensor(g).sum_to_size(shape).numpy()
        np.testing.assert_array_equal(sum_to_shape(g, shape), expected)


def test_large_matmul_float32_tolerance():
    """A 512-long reduction in float32 stays within 1e-3 relative of torch (different blocking)."""
    rng = np.random.default_rng(0)
    a, b = random_array(rng, (64, 512), np.float32), random_array(rng, (512, 32), np.float32)
    np.testing.assert_allclose(matmul(a, b), torch.tensor(a) @ torch.tensor(b), rtol=1e-3,
                               atol=1e-3)
