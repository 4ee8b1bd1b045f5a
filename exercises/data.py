"""Exercises for docs/data.md. Check one with ``pytest exercises -m data_<n>``.

Where a function takes ``lib``, build from it (``minitorch`` or ``torch``): the check runs your
code with both libraries and compares.
"""

from __future__ import annotations

import minitorch as torch


def pad_collate(batch: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Exercise 1: a ``collate_fn`` for 1-d tensors of different lengths: ``(padded, lengths)``,
    ``padded`` of shape ``(len(batch), longest)`` with zeros after each sample's end (as
    ``torch.nn.utils.rnn.pad_sequence(batch, batch_first=True)``), ``lengths`` an int64 tensor."""
    raise NotImplementedError("exercise data_1")


def sharded_range(lib, n: int):
    """Exercise 2: an ``IterableDataset`` (of ``lib.utils.data``) that yields ``0 .. n - 1``,
    each number once in all even when loaded with ``num_workers=2`` or more: worker ``w`` of
    ``k`` (``get_worker_info()``) yields ``w, w + k, w + 2k, ...``."""
    raise NotImplementedError("exercise data_2")


def two_epochs(lib, seed: int) -> tuple[list[int], list[int]]:
    """Exercise 3: after ``lib.manual_seed(seed)``, the orders in which a
    ``DataLoader(range(8), shuffle=True, batch_size=None)`` hands out its samples in two epochs
    in a row, as two lists of ints."""
    raise NotImplementedError("exercise data_3")
