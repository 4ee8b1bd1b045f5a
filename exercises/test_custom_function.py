"""Checks for exercises/custom_function.py, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch as pytorch

import minitorch as torch

DATA = np.array([-3.0, -0.5, 0.0, 0.7, 4.0, 30.0])


@pytest.mark.custom_function_1
def test_softplus_values_and_gradient(ex):
    Softplus = ex("custom_function").Softplus
    x = torch.tensor(DATA, requires_grad=True)
    y = Softplus.apply(x)
    tx = pytorch.tensor(DATA, requires_grad=True)
    ty = pytorch.nn.functional.softplus(tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


@pytest.mark.custom_function_1
def test_softplus_is_finite_where_exp_overflows(ex):
    y = ex("custom_function").Softplus.apply(torch.tensor([800.0, -800.0]))
    want = pytorch.nn.functional.softplus(pytorch.tensor([800.0, -800.0]))
    np.testing.assert_allclose(y.numpy(), want.numpy())


@pytest.mark.custom_function_1
def test_softplus_gradcheck_and_gradgradcheck(ex):
    x = torch.tensor(DATA[:5], requires_grad=True)
    Softplus = ex("custom_function").Softplus
    assert torch.autograd.gradcheck(Softplus.apply, (x,))
    assert torch.autograd.gradgradcheck(Softplus.apply, (x,))


@pytest.mark.custom_function_2
def test_saved_tensor_error(ex):
    got = ex("custom_function").saved_tensor_error(torch)
    want = ex("custom_function").saved_tensor_error(pytorch)
    assert type(want) is RuntimeError and "modified by an inplace operation" in str(want)
    assert type(got) is type(want)
    assert str(got).split(";")[0] == str(want).split(";")[0]


@pytest.mark.custom_function_3
@pytest.mark.parametrize("data", [[1.0, 5.0, 2.0], [7.0, -1.0, 7.0], [-2.0]])
def test_max_with_index(ex, data):
    x = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    value, index = ex("custom_function").MaxWithIndex.apply(x)
    tx = pytorch.tensor(data, dtype=pytorch.float64, requires_grad=True)
    tvalue, tindex = tx.max(dim=0)
    assert value.item() == tvalue.item() and index.item() == tindex.item()
    assert not index.requires_grad and value.requires_grad
    (value * 3).backward()
    (tvalue * 3).backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
