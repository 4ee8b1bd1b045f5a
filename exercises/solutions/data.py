"""Solutions to exercises/data.py (docs/data.md)."""

from __future__ import annotations

import minitorch as torch


# --8<-- [start:pad_collate]
def pad_collate(batch: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    lengths = torch.tensor([len(sample) for sample in batch])
    padded = torch.zeros(len(batch), int(lengths.max()), dtype=batch[0].dtype)
    for row, sample in enumerate(batch):
        padded[row, :len(sample)] = sample
    return padded, lengths
# --8<-- [end:pad_collate]


# --8<-- [start:sharded_range]
def sharded_range(lib, n: int):
    class ShardedRange(lib.utils.data.IterableDataset):
        def __iter__(self):
            info = lib.utils.data.get_worker_info()  # None in the main process
            worker, workers = (0, 1) if info is None else (info.id, info.num_workers)
            return iter(range(worker, n, workers))  # every worker runs this: split, don't repeat

    return ShardedRange()
# --8<-- [end:sharded_range]


# --8<-- [start:two_epochs]
def two_epochs(lib, seed: int) -> tuple[list[int], list[int]]:
    lib.manual_seed(seed)
    loader = lib.utils.data.DataLoader(range(8), shuffle=True, batch_size=None)
    # each epoch draws a fresh seed from the default generator, so the orders differ
    return [int(i) for i in loader], [int(i) for i in loader]
# --8<-- [end:two_epochs]
