"""``minitorch.utils.data``: datasets, samplers, collation and the ``DataLoader`` (``torch.utils.data``).

Reading order: ``dataset.py`` (what a sample is), ``sampler.py`` (in which order),
``_collate.py`` (how samples become a batch), ``dataloader.py`` (the loop, with or without
worker processes), ``_worker.py`` (the worker side).
"""

from ._collate import collate, default_collate, default_convert
from ._worker import WorkerInfo, get_worker_info
from .dataloader import DataLoader
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
