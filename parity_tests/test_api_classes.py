"""Parity of the public classes that a user subclasses or receives rather than calls as an op:
``nn.Buffer``, ``nn.RNNBase``/``nn.RNNCellBase``, ``autograd.FunctionCtx``,
``optim.lr_scheduler.LRScheduler``, ``utils.data.Sampler``/``ChainDataset``/``WorkerInfo``, and
the dtype alias ``short``. Each is used as a user of torch would, in both libraries, and the
observable results compared.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minitorch as mt
from minitorch import nn
from minitorch.autograd.function import FunctionCtx
from minitorch.optim.lr_scheduler import LRScheduler
from minitorch.utils.data import (
    ChainDataset,
    DataLoader,
    IterableDataset,
    Sampler,
    WorkerInfo,
    get_worker_info,
)


def test_short_is_int16() -> None:
    assert mt.short is mt.int16 and torch.short is torch.int16
    assert str(mt.short) == str(torch.short)
    t, m = torch.tensor([1, -2], dtype=torch.short), mt.tensor([1, -2], dtype=mt.short)
    assert str(m.dtype) == str(t.dtype) and m.element_size() == t.element_size() == 2
    assert str((m + 1.5).dtype) == str((t + 1.5).dtype)


# ----------------------------------------------------------------------------- nn.Buffer
def _with_buffers(lib):
    class Net(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = lib.nn.Linear(2, 2)
            self.count = lib.nn.Buffer(lib.zeros(3))
            self.scratch = lib.nn.Buffer(lib.ones(2), persistent=False)
    return Net()


def test_buffer_registers_as_register_buffer() -> None:
    """Assigning ``nn.Buffer(t)`` registers a buffer (persistent or not) holding the tensor itself,
    not a Parameter; it follows ``.double()``; only persistent ones reach the state_dict."""
    tn, mn = _with_buffers(torch), _with_buffers(mt)
    assert [n for n, _ in mn.named_buffers()] == [n for n, _ in tn.named_buffers()] == ["count", "scratch"]
    assert list(mn.state_dict()) == list(tn.state_dict())
    assert [n for n, _ in mn.named_parameters()] == [n for n, _ in tn.named_parameters()]
    assert type(mn.count) is mt.Tensor and not isinstance(mn.count, nn.Parameter)
    assert type(tn.count) is torch.Tensor
    assert str(mn.double().scratch.dtype) == str(tn.double().scratch.dtype) == "torch.float64"
    # Buffer(t) is a tensor already: it computes, and isinstance tells it from an unmarked one
    for lib in (torch, mt):
        t = lib.ones(2)
        b = lib.nn.Buffer(t, persistent=False)
        assert isinstance(b, lib.Tensor) and isinstance(b, lib.nn.Buffer) and not isinstance(t, lib.nn.Buffer)
        assert b.persistent is False and (b + 1).tolist() == [2.0, 2.0]
        assert b.data_ptr() == t.data_ptr()
        assert lib.nn.Buffer(lib.ones(1, requires_grad=True)).requires_grad
    with pytest.raises(AttributeError):
        torch.nn.Buffer([1.0])
    with pytest.raises(AttributeError):
        nn.Buffer([1.0])


# ----------------------------------------------------------------------------- RNNBase, RNNCellBase
def test_rnn_base_classes() -> None:
    """The recurrent layers and cells derive from RNNBase / RNNCellBase as in torch, and RNNBase
    itself builds a layer from a mode string with torch's parameter names and shapes."""
    for name in ("RNN", "LSTM", "GRU"):
        assert issubclass(getattr(nn, name), nn.RNNBase) == issubclass(getattr(torch.nn, name), torch.nn.RNNBase)
    for name in ("RNNCell", "LSTMCell", "GRUCell"):
        assert issubclass(getattr(nn, name), nn.RNNCellBase)
        assert issubclass(getattr(torch.nn, name), torch.nn.RNNCellBase)
    for mode, gates in (("LSTM", 4), ("GRU", 3), ("RNN_TANH", 1)):
        t = torch.nn.RNNBase(mode, 3, 5, num_layers=2, bidirectional=True)
        m = nn.RNNBase(mode, 3, 5, num_layers=2, bidirectional=True)
        shapes = [(n, tuple(p.shape)) for n, p in t.named_parameters()]
        assert [(n, tuple(p.shape)) for n, p in m.named_parameters()] == shapes
        assert shapes[0][1] == (gates * 5, 3)
    with pytest.raises(ValueError):
        torch.nn.RNNBase("TANH", 3, 5)
    with pytest.raises(ValueError):
        nn.RNNBase("TANH", 3, 5)


# ----------------------------------------------------------------------------- FunctionCtx
def _scaled_square(lib, ctx_type):
    class ScaledSquare(lib.autograd.Function):
        """y = k x^2, dy/dx = 2 k x; k is not differentiable."""

        @staticmethod
        def forward(ctx, x, k):
            assert isinstance(ctx, ctx_type)
            ctx.save_for_backward(x)
            ctx.k = k
            y = x * x * k
            idx = (x > 0).long()
            ctx.mark_non_differentiable(idx)
            return y, idx

        @staticmethod
        def backward(ctx, gy, gidx):
            (x,) = ctx.saved_tensors
            assert ctx.needs_input_grad == (True, False)
            return 2 * ctx.k * x * gy, None
    return ScaledSquare


def test_function_ctx() -> None:
    """The ``ctx`` a custom Function receives is a FunctionCtx (``torch.autograd.function``):
    save_for_backward/saved_tensors, attributes, mark_non_differentiable, needs_input_grad."""
    a = np.array([-1.0, 0.5, 2.0])
    results = []
    for lib, ctx_type in ((torch, torch.autograd.function.FunctionCtx), (mt, FunctionCtx)):
        x = lib.tensor(a, requires_grad=True)
        y, idx = _scaled_square(lib, ctx_type).apply(x, 3.0)
        assert not idx.requires_grad and y.requires_grad
        y.sum().backward()
        results.append((y.detach().numpy(), idx.numpy(), x.grad.numpy()))
    for m, t in zip(results[1], results[0]):
        np.testing.assert_allclose(m, t)


# ----------------------------------------------------------------------------- LRScheduler
def _warmup_scheduler(lib):
    class Warmup(lib.optim.lr_scheduler.LRScheduler):
        """A user's scheduler: linear warm-up over ``n`` steps, then constant."""

        def __init__(self, optimizer, n, last_epoch=-1):
            self.n = n
            super().__init__(optimizer, last_epoch)

        def get_lr(self):
            return [base * min(1.0, (self.last_epoch + 1) / self.n) for base in self.base_lrs]
    return Warmup


def _schedule(lib, steps=6):
    p = lib.nn.Parameter(lib.ones(2))
    opt = lib.optim.SGD([{"params": [p]}, {"params": [lib.nn.Parameter(lib.ones(1))], "lr": 0.5}], lr=0.1)
    sched = _warmup_scheduler(lib)(opt, 4)
    lrs = [sched.get_last_lr()]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
    return lrs, sched.state_dict(), [g["lr"] for g in opt.param_groups], [g["initial_lr"] for g in opt.param_groups]


def test_lr_scheduler_subclass() -> None:
    """A user's LRScheduler subclass: base_lrs and initial_lr set, get_last_lr, the rates each
    step, state_dict, and torch's error for last_epoch != -1 without initial_lr."""
    assert issubclass(mt.optim.lr_scheduler.StepLR, LRScheduler)
    t_lrs, t_state, t_final, t_initial = _schedule(torch)
    m_lrs, m_state, m_final, m_initial = _schedule(mt)
    np.testing.assert_allclose(np.array(m_lrs), np.array(t_lrs))
    np.testing.assert_allclose(m_final, t_final)
    assert m_initial == t_initial
    assert m_state["last_epoch"] == t_state["last_epoch"] and m_state["base_lrs"] == t_state["base_lrs"]
    for lib in (torch, mt):
        opt = lib.optim.SGD([lib.nn.Parameter(lib.ones(1))], lr=0.1)
        with pytest.raises(KeyError):
            _warmup_scheduler(lib)(opt, 4, last_epoch=3)


# ----------------------------------------------------------------------------- Sampler, ChainDataset, WorkerInfo
def _even_first_sampler(base):
    class EvenFirst(base):
        """A user's Sampler: the even indices, then the odd ones."""

        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter([*range(0, self.n, 2), *range(1, self.n, 2)])

        def __len__(self):
            return self.n
    return EvenFirst


def test_sampler_subclass_in_a_dataloader() -> None:
    data = list(range(10, 17))
    t = [b.tolist() for b in torch.utils.data.DataLoader(
        data, batch_size=3, sampler=_even_first_sampler(torch.utils.data.Sampler)(len(data)))]
    m = [b.tolist() for b in DataLoader(data, batch_size=3, sampler=_even_first_sampler(Sampler)(len(data)))]
    assert m == t == [[10, 12, 14], [16, 11, 13], [15]]
    assert len(_even_first_sampler(Sampler)(7)) == 7


def _counting(base, start, n):
    class Counting(base):
        def __iter__(self):
            return iter(range(start, start + n))
    return Counting()


def test_chain_dataset() -> None:
    """ChainDataset iterates its IterableDatasets one after the other; len adds theirs; a
    map-style dataset in the chain raises torch's AssertionError when iterated."""
    t = torch.utils.data.ChainDataset([_counting(torch.utils.data.IterableDataset, 0, 3),
                                       _counting(torch.utils.data.IterableDataset, 10, 2)])
    m = ChainDataset([_counting(IterableDataset, 0, 3), _counting(IterableDataset, 10, 2)])
    assert list(m) == list(t) == [0, 1, 2, 10, 11]
    assert [b.tolist() for b in DataLoader(m, batch_size=2)] == [
        b.tolist() for b in torch.utils.data.DataLoader(t, batch_size=2)]
    with pytest.raises(AssertionError):
        list(torch.utils.data.ChainDataset([[1, 2]]))
    with pytest.raises(AssertionError):
        list(ChainDataset([[1, 2]]))


def _sharded(base, info, info_type):
    class Sharded(base):
        """Each worker yields the numbers of its own residue class, as torch's docs shard."""

        def __iter__(self):
            w = info()
            assert isinstance(w, info_type) and w.dataset is self  # the worker's own copy
            assert 0 <= w.id < w.num_workers == 2 and isinstance(w.seed, int)
            return iter(range(w.id, 8, w.num_workers))
    return Sharded()


def test_worker_info_shards_an_iterable_dataset() -> None:
    """get_worker_info() is None in the main process; inside each of two workers it gives the
    worker's id and count, so an IterableDataset can shard itself: the same batches as torch."""
    assert get_worker_info() is None and torch.utils.data.get_worker_info() is None
    t = sorted(tuple(b.tolist()) for b in torch.utils.data.DataLoader(
        _sharded(torch.utils.data.IterableDataset, torch.utils.data.get_worker_info,
                 torch.utils.data._utils.worker.WorkerInfo), batch_size=2, num_workers=2))
    m = sorted(tuple(b.tolist()) for b in DataLoader(
        _sharded(IterableDataset, get_worker_info, WorkerInfo), batch_size=2, num_workers=2))
    assert m == t
    assert sorted(x for b in m for x in b) == list(range(8))
