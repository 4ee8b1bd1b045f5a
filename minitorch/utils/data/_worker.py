"""What runs inside a DataLoader worker process (``torch.utils.data._utils.worker``).

Protocol (one index queue per worker, one shared result queue):

    main -> index_queue[w]:  (send_idx, indices)      fetch these samples, collate, reply
                             _ResumeIteration()        restart an IterableDataset's stream (persistent workers)
                             None                      exit
    worker -> result_queue:  (send_idx, dumps(batch))  or  (send_idx, dumps(ExceptionWrapper))
                             (send_idx, dumps(_IterableDatasetStopIteration(w)))   the stream is exhausted

The worker pickles each reply itself (``dumps``): an unpicklable batch then comes back as an
error instead of vanishing in the queue's feeder thread.

Worker ``w`` seeds minitorch's default generator and ``random`` with ``base_seed + w`` and
exposes ``get_worker_info()``; an exception is shipped back with its formatted traceback and
re-raised by the main process.
"""

from __future__ import annotations

import io
import os
import pickle
import queue
import random
import sys
import traceback
from dataclasses import dataclass
from typing import Any

from ..._tensor.methods import Tensor

__all__ = ["WorkerInfo", "get_worker_info"]

MP_STATUS_CHECK_INTERVAL = 1.0  # seconds between liveness checks while waiting on a queue


@dataclass(frozen=True)
class WorkerInfo:
    """Inside a worker: its ``id``, ``num_workers``, ``seed`` and its copy of the ``dataset``."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """The current worker's ``WorkerInfo``; ``None`` in the main process."""
    return _worker_info


class ExceptionWrapper:
    """An exception with its traceback as text, so that it survives pickling to another process."""

    def __init__(self, exc_info=None, where: str = "in background") -> None:
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        """Raise the original exception type with the worker's traceback in the message."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        try:
            exception = self.exc_type(msg)
        except Exception:  # noqa: BLE001  any error is shipped to the main process
            raise RuntimeError(msg) from None
        raise exception


class _KeyErrorMessage(str):
    """KeyError repr()s its message; this keeps the traceback readable."""

    def __repr__(self) -> str:
        return self


def _rebuild_tensor(array, requires_grad: bool):
    from ..._ops.creation.factories import from_numpy

    return from_numpy(array).requires_grad_(requires_grad)


class _TransportPickler(pickle.Pickler):
    """Pickles tensors as (NumPy array, requires_grad), whatever else the Tensor class supports."""

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return _rebuild_tensor, (obj.detach().numpy(force=True).copy(), obj.requires_grad)
        return NotImplemented


def dumps(obj) -> bytes:
    """Serialise a batch for the result queue (done in the worker, so that failures are reported)."""
    buf = io.BytesIO()
    _TransportPickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buf.getvalue()


loads = pickle.loads


class _ResumeIteration:
    """Main -> worker: start the dataset's iterator again (persistent workers, next epoch)."""


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    worker_id: int


def _fetch(dataset, auto_collation: bool, collate_fn, indices, dataset_iter):
    """One batch: ``collate_fn([dataset[i] for i in indices])``, or the next items of a stream."""
    if dataset_iter is not None:  # IterableDataset
        if auto_collation:
            data = []
            for _ in indices:
                try:
                    data.append(next(dataset_iter))
                except StopIteration:
                    break
            if not data:
                raise StopIteration
        else:
            data = next(dataset_iter)
    elif auto_collation:
        batch = _tensor_dataset_batch(dataset, collate_fn, indices)
        if batch is not None:
            return batch
        getitems = getattr(dataset, "__getitems__", None)
        data = getitems(indices) if callable(getitems) else [dataset[i] for i in indices]
    else:
        data = dataset[indices]
    return collate_fn(data)


def _tensor_dataset_batch(dataset, collate_fn, indices):
    """The batch of a ``TensorDataset`` under ``default_collate`` as one gather per tensor,
    ``[t[indices] for t in dataset.tensors]``; None where that shortcut does not apply.

    The same values, dtype, shape and type (a list) as ``default_collate([dataset[i] for i in
    indices])``, which stacks the samples ``t[i]``; but one advanced index instead of a Python
    ``t[i]`` per sample and tensor, then a ``stack`` of 64 views: an 8k-sample MNIST epoch at
    batch 64 went from 218 ms (PyTorch: 28) to 20-27 ms (benchmarks/bench_hotspots.py). Only for
    ``TensorDataset`` itself, the default collate with its default rule for tensors, and
    tensors that do not require grad (a stack and a gather record different nodes).
    """
    from ._collate import collate_tensor_fn, default_collate, default_collate_fn_map
    from .dataset import TensorDataset

    if (type(dataset) is not TensorDataset or collate_fn is not default_collate or not dataset.tensors
            or default_collate_fn_map.get(Tensor) is not collate_tensor_fn):
        return None
    indices = list(indices)
    if not indices or not all(type(i) is int for i in indices) or any(t.requires_grad for t in dataset.tensors):
        return None
    return [t[indices] for t in dataset.tensors]


def _worker_loop(dataset, is_iterable: bool, index_queue, result_queue, auto_collation: bool, collate_fn,
                 seed: int, init_fn, worker_id: int, num_workers: int, parent_pid: int) -> None:
    """The body of a worker process: serve index-queue requests until told to stop or the parent dies."""
    global _worker_info
    from ..._core.threads import set_num_threads
    from ..._ops.random.generator import manual_seed

    try:
        # One thread per worker, as PyTorch's workers do: the workers are the parallelism, and a
        # forked child must not start the OpenMP threads its parent already used (GNU OpenMP is
        # not fork-safe: numba aborts such a child; kernels/threading.py).
        set_num_threads(1)
        random.seed(seed)
        manual_seed(seed)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        init_exception = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            dataset_iter = iter(dataset) if is_iterable else None
        except Exception:  # noqa: BLE001
            init_exception = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
            dataset_iter = None
        exhausted = False
        while True:
            try:
                r = index_queue.get(timeout=MP_STATUS_CHECK_INTERVAL)
            except queue.Empty:
                if os.getppid() != parent_pid:
                    return  # the main process died: nobody is waiting for us
                continue
            if r is None:
                return
            if isinstance(r, _ResumeIteration):
                result_queue.put((r, None))
                exhausted = False
                dataset_iter = iter(dataset) if is_iterable else None
                continue
            idx, indices = r
            data: Any
            if init_exception is not None:
                data, init_exception = init_exception, None
            elif exhausted:
                data = _IterableDatasetStopIteration(worker_id)
            else:
                try:
                    data = _fetch(dataset, auto_collation, collate_fn, indices, dataset_iter)
                except StopIteration:
                    exhausted = True
                    data = _IterableDatasetStopIteration(worker_id)
                except Exception:  # noqa: BLE001
                    data = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
            try:
                payload = dumps(data)
            except Exception:  # noqa: BLE001
                payload = dumps(ExceptionWrapper(where=f"in DataLoader worker process {worker_id} "
                                                       "(sending a batch to the main process)"))
            result_queue.put((idx, payload))
    except KeyboardInterrupt:
        pass
    finally:
        result_queue.cancel_join_thread()
