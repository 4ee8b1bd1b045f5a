"""Checks for exercises/data.py: minitorch's loaders beside PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest
import torch as pytorch

import minitorch as torch


@pytest.mark.data_1
def test_pad_collate(ex):
    lengths = [3, 1, 4, 0, 2]
    samples = [np.arange(1.0, n + 1) for n in lengths]
    loader = torch.utils.data.DataLoader([torch.tensor(s) for s in samples], batch_size=5,
                                         collate_fn=ex("data").pad_collate)
    padded, got_lengths = next(iter(loader))
    want = pytorch.nn.utils.rnn.pad_sequence([pytorch.tensor(s) for s in samples], batch_first=True)
    np.testing.assert_array_equal(padded.numpy(), want.numpy())
    assert got_lengths.tolist() == lengths and got_lengths.dtype == torch.int64


@pytest.mark.data_2
@pytest.mark.parametrize("workers", [0, 2])
def test_sharded_range(ex, workers):
    orders = {}
    for lib in (torch, pytorch):
        dataset = ex("data").sharded_range(lib, 10)
        loader = lib.utils.data.DataLoader(dataset, batch_size=None, num_workers=workers)
        orders[lib.__name__] = [int(i) for i in loader]
    assert sorted(orders["torch"]) == list(range(10)), orders["torch"]
    assert orders["minitorch"] == orders["torch"]


@pytest.mark.data_3
def test_two_epochs(ex):
    for lib in (torch, pytorch):
        first, second = ex("data").two_epochs(lib, 0)
        assert sorted(first) == sorted(second) == list(range(8))
        assert first != second, f"{lib.__name__}: the second epoch repeats the first"
        assert ex("data").two_epochs(lib, 0) == (first, second), "manual_seed must make it repeat"
        assert ex("data").two_epochs(lib, 1) != (first, second)
