"""Checks for exercises/backends.py: the same function on both backends, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch as pytorch

import minitorch as torch
from minitorch import backends

DATA = np.array([[-800.0, -3.0, -0.5], [0.0, 2.0, 800.0]])


@pytest.mark.backends_1
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softplus_forward_on_the_cpu_backend(ex, dtype):
    got = ex("backends").softplus_forward(DATA.astype(dtype))
    assert type(got) is np.ndarray and got.dtype == dtype
    want = pytorch.nn.functional.softplus(pytorch.tensor(DATA.astype(dtype)))
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-6)


@pytest.mark.backends_1
def test_softplus_forward_on_the_torch_backend(ex):
    """The CUDA backend's arrays are torch tensors; a torch CPU tensor goes through the same
    functions (this is what fake CUDA runs on)."""
    backends._load_torch_backend()
    x = pytorch.tensor(DATA)
    got = ex("backends").softplus_forward(x)
    assert isinstance(got, pytorch.Tensor), "a NumPy call slipped in: the result left the backend"
    np.testing.assert_allclose(got.numpy(), pytorch.nn.functional.softplus(x).numpy(), rtol=1e-12)


@pytest.mark.backends_2
def test_scale_through_numpy(ex):
    results = {}
    for lib in (torch, pytorch):
        t = lib.arange(6.0).reshape(2, 3)
        view = t[1]
        version = t._version
        assert ex("backends").scale_through_numpy(t, 2.5) is None
        results[lib.__name__] = (t.tolist(), view.tolist(), t._version - version)
    assert results["torch"][0] == (np.arange(6.0) * 2.5).reshape(2, 3).tolist()
    assert results["minitorch"] == results["torch"]
