"""The fast paths of issue 17's hot spots (benchmarks/bench_hotspots.py) keep PyTorch's results.

``x ** k`` for the exponents PyTorch special-cases (bit for bit), ``batch_norm`` as one fused
primitive (values, gradients, running statistics, node names, double backward), ``X[i]`` built
directly as a view, and a DataLoader over a ``TensorDataset`` gathering each batch at once.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minitorch as mt
from minitorch.utils import data as mdata


def _np(t):
    return t.detach().cpu().numpy()


# ----------------------------------------------------------------------------- x ** k
SPECIAL = [2, 3, -1, -2, -0.5, 2.0, 3.0]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("exponent", SPECIAL)
def test_pow_special_exponents_bit_for_bit(device, dtype, exponent):
    rng = np.random.default_rng(0)
    a = (rng.standard_normal(4000) * 10).astype(dtype)
    a[:8] = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30, -1e30, 1.0]
    if exponent == -0.5:
        a = np.abs(a)
    got = mt.tensor(a, device=device) ** exponent
    want = torch.tensor(a) ** exponent
    assert str(got.dtype) == str(want.dtype)
    np.testing.assert_array_equal(_np(got), want.numpy())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("exponent", [2, 3, -1])
def test_pow_special_exponents_gradient_bit_for_bit(device, dtype, exponent):
    a = np.random.default_rng(1).standard_normal(1000).astype(dtype)
    a[0] = 0.0 if exponent > 0 else 0.5  # grad at 0: 0 for x**2, x**3
    xm = mt.tensor(a, device=device, requires_grad=True)
    xt = torch.tensor(a, requires_grad=True)
    ym, yt = xm ** exponent, xt ** exponent
    assert ym.grad_fn.name() == yt.grad_fn.name() == "PowBackward0"
    ym.sum().backward()
    yt.sum().backward()
    np.testing.assert_array_equal(_np(xm.grad), xt.grad.numpy())


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int32", "int64"])
@pytest.mark.parametrize("exponent", [0, 1, 2, 3, 5])
def test_pow_integer_dtypes_wrap_as_torch(device, dtype, exponent):
    a = np.arange(-60, 60).astype(dtype)  # negative bases; int8 ** 3 wraps
    got = mt.tensor(a, device=device) ** exponent
    want = torch.tensor(a) ** exponent
    assert str(got.dtype) == str(want.dtype)
    np.testing.assert_array_equal(_np(got), want.numpy())


def test_pow_zero_to_zero_and_half(device):
    for lib, dev in ((mt, device), (torch, "cpu")):
        x = lib.tensor([0.0, -0.0, 4.0, 2.0], device=dev, requires_grad=True)
        y = x ** 0
        assert _np(y).tolist() == [1.0, 1.0, 1.0, 1.0]
        y.sum().backward()
        assert _np(x.grad).tolist() == [0.0, 0.0, 0.0, 0.0]
    zm = mt.tensor([0, 3], device=device) ** 0
    assert _np(zm).tolist() == [1, 1] and str(zm.dtype) == "torch.int64"
    a = np.abs(np.random.default_rng(2).standard_normal(100)).astype(np.float32)
    np.testing.assert_allclose(_np(mt.tensor(a, device=device) ** 0.5), (torch.tensor(a) ** 0.5).numpy(),
                               rtol=2e-7)


# ----------------------------------------------------------------------------- batch_norm
@pytest.mark.parametrize("shape", [(8, 4, 6, 6), (5, 3), (4, 2, 7), (2, 3, 1, 1)])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_float32_against_torch(device, shape, training, affine):
    rng = np.random.default_rng(3)
    x = (rng.standard_normal(shape) * 3 + 2).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    running_mean = rng.standard_normal(shape[1]).astype(np.float32)
    out = {}
    for lib, dev in ((mt, device), (torch, "cpu")):
        bn = lib.nn.BatchNorm1d(shape[1], affine=affine) if len(shape) < 4 else \
            lib.nn.BatchNorm2d(shape[1], affine=affine)
        bn.to(dev)
        if not training:
            bn.running_mean.copy_(lib.tensor(running_mean, device=dev))
            bn.eval()
        xt = lib.tensor(x, device=dev, requires_grad=True)
        y = bn(xt)
        assert y.grad_fn.name() == "NativeBatchNormBackward0"
        y.backward(lib.tensor(g, device=dev))
        params = [_np(bn.weight.grad), _np(bn.bias.grad)] if affine else []
        out[lib] = [_np(y), _np(xt.grad), _np(bn.running_mean), _np(bn.running_var), *params]
        assert str(xt.grad.dtype) == "torch.float32"
    for a, b in zip(out[mt], out[torch]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=2e-5)


def test_batch_norm_running_stats_version_and_double_backward(device):
    x = np.random.default_rng(4).standard_normal((6, 3, 4)).astype(np.float64)
    res = {}
    for lib, dev in ((mt, device), (torch, "cpu")):
        bn = lib.nn.BatchNorm1d(3).double().to(dev)
        xt = lib.tensor(x, device=dev, requires_grad=True)
        y = bn(xt)
        assert bn.running_mean._version == bn.running_var._version == 0  # PyTorch's kernel writes them
        (gx,) = lib.autograd.grad((y * y * y).sum(), xt, create_graph=True)
        gx.sum().backward()
        res[lib] = (_np(gx), _np(xt.grad), _np(bn.weight.grad))
    for a, b in zip(res[mt], res[torch]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)


def test_batch_norm_saved_input_modified_in_place_raises(device):
    x = mt.randn(4, 3, device=device, requires_grad=True)
    h = x * 1
    y = mt.nn.functional.batch_norm(h, None, None, training=True)
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


# ----------------------------------------------------------------------------- X[i]
def test_int_index_is_a_view(device):
    base = np.arange(60.0).reshape(5, 3, 4)
    for lib, dev in ((mt, device), (torch, "cpu")):
        X = lib.tensor(base, device=dev)
        for x in (X, X.transpose(0, 2), X[1:]):
            for i in (0, 1, -1):
                v = x[i]
                assert tuple(v.shape) == tuple(x.shape[1:])
                assert v.stride() == x.stride()[1:]
                assert v.storage_offset() == x.storage_offset() + (i % x.shape[0]) * x.stride(0)
                np.testing.assert_array_equal(_np(v), _np(x)[i])
        v = X[2]
        v[0, 0] = -1.0  # the write reaches the base, the version counter is shared
        assert _np(X)[2, 0, 0] == -1.0 and X._version == v._version == 1
        assert lib.tensor([1.0, 2.0], device=dev)[1].shape == ()
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 5"):
        mt.zeros(5, 2, device=device)[5]
    with pytest.raises(IndexError, match="index -6 is out of bounds for dimension 0 with size 5"):
        mt.zeros(5, 2, device=device)[-6]


def test_int_index_records_select_when_grad_is_needed(device):
    x = mt.ones(3, 2, device=device, requires_grad=True)
    y = x[1]
    assert y.grad_fn.name() == "SelectBackward0"
    (y * 3).sum().backward()
    assert _np(x.grad).tolist() == [[0, 0], [3, 3], [0, 0]]
    tx = torch.ones(3, 2, requires_grad=True)
    with mt.no_grad(), torch.no_grad():  # a view made under no_grad: no node, requires grad through its base
        v, tv = x[1], tx[1]
        assert (v.grad_fn, v.requires_grad, v.is_leaf) == (tv.grad_fn, tv.requires_grad, tv.is_leaf) == (None, True, True)


# ----------------------------------------------------------------------------- DataLoader
@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (7, False), (7, True), (64, False)])
def test_tensor_dataset_loader_batches_match_torch(device, batch_size, drop_last):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((50, 1, 3, 3)).astype(np.float32)
    Y = rng.integers(0, 10, 50)
    M = rng.integers(0, 2, 50).astype(bool)
    order = [int(i) for i in rng.permutation(50)]
    batches = {}
    for lib, data, dev in ((mt, mdata, device), (torch, torch.utils.data, "cpu")):
        ds = data.TensorDataset(lib.tensor(X, device=dev), lib.tensor(Y, device=dev), lib.tensor(M, device=dev))
        loader = data.DataLoader(ds, batch_size=batch_size, sampler=order, drop_last=drop_last)
        batches[lib] = list(loader)
    assert len(batches[mt]) == len(batches[torch])
    for bm, bt in zip(batches[mt], batches[torch]):
        assert type(bm) is type(bt) is list
        for a, b in zip(bm, bt):
            assert str(a.dtype) == str(b.dtype) and a.is_contiguous()
            np.testing.assert_array_equal(_np(a), b.numpy())


def test_tensor_dataset_loader_keeps_the_generic_path_where_it_differs(device):
    X = mt.arange(12.0, device=device).reshape(6, 2).requires_grad_()
    (b,) = list(mdata.DataLoader(mdata.TensorDataset(X), batch_size=6))
    assert b[0].grad_fn.name() == "StackBackward0"  # stacked samples, as in PyTorch

    class Doubled(mdata.TensorDataset):
        def __getitem__(self, i):
            return tuple(t[i] * 2 for t in self.tensors)

    (b,) = list(mdata.DataLoader(Doubled(mt.arange(4.0, device=device)), batch_size=4))
    assert _np(b[0]).tolist() == [0.0, 2.0, 4.0, 6.0]
    (b,) = list(mdata.DataLoader(mdata.TensorDataset(mt.arange(4.0, device=device)), batch_size=4,
                                 collate_fn=lambda s: s))
    assert isinstance(b, list) and len(b) == 4 and isinstance(b[0], tuple)


# ----------------------------------------------------------------------------- relu
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int32", "int64"])
def test_relu_is_clamp_min_bit_for_bit(device, dtype):
    a = np.array([-0.0, 0.0, np.nan, -1.5, 2.5, -np.inf, np.inf, 3.0] if dtype.startswith("float")
                 else [-3, 0, 4, -1, 7, 2, -8, 5], dtype=dtype)
    xm, xt = mt.tensor(a, device=device), torch.tensor(a)
    for m_in, t_in in ((xm, xt), (xm.reshape(2, 4).t(), xt.reshape(2, 4).t())):  # contiguous, transposed
        got, want = mt.relu(m_in), torch.relu(t_in)
        assert str(got.dtype) == str(want.dtype)
        np.testing.assert_array_equal(_np(got), want.numpy())
        np.testing.assert_array_equal(np.signbit(_np(got)), np.signbit(want.numpy()))  # relu(-0.0) = -0.0


def test_batch_norm_mixed_dtype_raises_as_torch(device):
    for lib, dev in ((mt, device), (torch, "cpu")):
        x = lib.randn(4, 3, 2, device=dev)
        with pytest.raises(RuntimeError, match=r"mixed dtype \(CPU\): expect parameter to have scalar type of Float"):
            lib.nn.functional.batch_norm(x, None, None, lib.ones(3, dtype=lib.float64, device=dev), training=True)
        with pytest.raises(RuntimeError, match="mixed dtype"):
            lib.nn.functional.batch_norm(x, lib.zeros(3, dtype=lib.float64, device=dev),
                                         lib.ones(3, dtype=lib.float64, device=dev), training=True)


@pytest.mark.parametrize("batch", [[1, 2, 3], [-(2**63), 2**63 - 1], [True, False], [1.5, -2.0], [1, 2.5],
                                   [2.5, 1], [3, True], [float("nan"), float("inf")]])
def test_collate_numbers_as_torch(batch):
    got, want = mdata.default_collate(batch), torch.utils.data.default_collate(batch)
    assert str(got.dtype) == str(want.dtype)
    np.testing.assert_array_equal(_np(got), want.numpy())


def test_collate_int_overflow_raises_as_torch():
    with pytest.raises(ValueError, match="Overflow when unpacking long"):
        torch.utils.data.default_collate([2**70, 1])
    with pytest.raises(ValueError, match="Overflow when unpacking long"):
        mdata.default_collate([2**70, 1])


def test_stack_of_mixed_dtypes_still_promotes(device):
    got = mt.stack([mt.ones(2, dtype=mt.int32, device=device), mt.ones(2, dtype=mt.float32, device=device)])
    assert str(got.dtype) == str(torch.stack([torch.ones(2, dtype=torch.int32), torch.ones(2)]).dtype)
