"""Shared pieces of the kernel parity tests: tolerances, layouts, and torch's gradients.

Kernels work on NumPy arrays, so these tests compare arrays: ours against
torch.nn.functional for the forward, and against torch.autograd for the gradients.
"""

import numpy as np
import torch

# float64 should agree to rounding; float32 sums of up to a few hundred terms of size ~1.
TOLERANCE = {np.float64: {"rtol": 1e-10, "atol": 1e-10}, np.float32: {"rtol": 1e-4, "atol": 1e-4}}


def assert_close(ours: np.ndarray, theirs: torch.Tensor | np.ndarray, dtype) -> None:
    """Same shape, same dtype, equal within the dtype's tolerance (NaN equals NaN)."""
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    assert ours.dtype == np.dtype(dtype), ours.dtype
    np.testing.assert_allclose(ours, theirs, equal_nan=True, **TOLERANCE[dtype])


def random_array(rng: np.random.Generator, shape, dtype, contiguous: bool = True) -> np.ndarray:
    """Standard-normal data; non-contiguous on request (a transposed copy, transposed back)."""
    a = rng.standard_normal(shape).astype(dtype)
    if contiguous or a.ndim < 2:
        return a
    flipped = np.ascontiguousarray(np.swapaxes(a, -1, -2))
    view = np.swapaxes(flipped, -1, -2)
    assert not view.flags.c_contiguous or min(a.shape[-2:]) == 1
    return view


def torch_forward_and_grads(fn, inputs: list[np.ndarray], gy_seed: int = 0):
    """Run torch's fn on copies of inputs, backprop a random gy; return (y, gy, input grads)."""
    leaves = [torch.tensor(np.array(a), requires_grad=True) for a in inputs]
    y = fn(*leaves)
    gy = np.random.default_rng(gy_seed).standard_normal(tuple(y.shape)).astype(inputs[0].dtype)
    y.backward(torch.tensor(gy))
    return y, gy, [leaf.grad for leaf in leaves]
