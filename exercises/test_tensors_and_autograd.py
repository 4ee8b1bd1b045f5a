"""Checks for exercises/tensors_and_autograd.py, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch as pytorch

import minitorch as torch
from exercises.conftest import graph_nodes

VIEWS = {
    "slice": lambda b: b[1:, 1::2],
    "transpose": lambda b: b.t(),
    "row": lambda b: b[2],
    "expand": lambda b: b[:, :1].expand(3, 5),
    "as_strided": lambda b: b.as_strided((2, 2), (5, 2), 3),
    "diagonal": lambda b: b.diagonal(),
}


@pytest.mark.tensors_and_autograd_1
@pytest.mark.parametrize("view", VIEWS)
def test_storage_index(ex, view):
    base = pytorch.arange(12.0).reshape(3, 4)
    v = VIEWS[view](base)
    flat = base.flatten()
    for index in np.ndindex(*v.shape):
        pos = ex("tensors_and_autograd").storage_index(tuple(index), v.stride(), v.storage_offset())
        assert flat[pos] == v[index], f"{view}{list(index)}: storage[{pos}] is not the element"


@pytest.mark.tensors_and_autograd_2
@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4), (5,), (), (4, 1, 2), (2, 0, 3), (1, 1)])
def test_contiguous_strides(ex, shape):
    assert ex("tensors_and_autograd").contiguous_strides(shape) == pytorch.empty(shape).stride()
    assert ex("tensors_and_autograd").contiguous_strides(shape) == torch.empty(shape).stride()


def reference_names(y) -> list[str]:
    return sorted(type(n).__name__ for n in graph_nodes(y))


GRAPHS = {
    "mlp": lambda lib, x, w: (x @ w).relu().mean(),
    "reused": lambda lib, x, w: (x * x).sum() + (x * 2).sum() + w.sum(),
    "no_grad_input": lambda lib, x, w: (x.detach() @ w).exp().sum(),
    # not w[:, 0]: PyTorch records no node for the full slice `:`, minitorch a SliceBackward0
    "views": lambda lib, x, w: (x.t()[1] * w.t()[0]).sum(),
}


@pytest.mark.tensors_and_autograd_3
@pytest.mark.parametrize("graph", GRAPHS)
def test_node_names(ex, graph):
    results = {}
    for lib in (torch, pytorch):
        x = lib.ones(3, 3, requires_grad=True)
        w = lib.ones(3, 2, requires_grad=True)
        results[lib.__name__] = ex("tensors_and_autograd").node_names(GRAPHS[graph](lib, x, w))
        if lib is pytorch:
            want = reference_names(GRAPHS[graph](lib, x, w))
    assert results["torch"] == want
    assert results["minitorch"] == want


@pytest.mark.tensors_and_autograd_4
def test_clamp_gradient(ex):
    data = np.array([-3.0, -0.5, 0.25, 2.0])
    grads = {}
    for lib in (torch, pytorch):
        x = lib.tensor(data, requires_grad=True)
        h = x * 4
        handle = ex("tensors_and_autograd").clamp_gradient(h, 1.5)
        assert hasattr(handle, "remove"), "return the handle register_hook gives"
        (h * lib.tensor(data)).sum().backward()
        grads[lib.__name__] = x.grad.numpy().copy()
    np.testing.assert_allclose(grads["minitorch"], grads["torch"])
    assert not np.allclose(grads["torch"], 4 * data)  # the clamp changed something
