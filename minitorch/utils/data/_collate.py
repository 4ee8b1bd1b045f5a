"""Collation: how a list of samples becomes a batch (``torch.utils.data._utils.collate``).

``default_collate`` recurses on the structure of the first sample:
tensors -> ``stack(batch, 0)``; NumPy arrays -> tensors, then stacked; NumPy scalars -> ``as_tensor``;
``float`` -> float64 tensor; ``int`` -> int64 tensor (``bool`` -> bool); ``str``/``bytes`` -> the batch
unchanged (the list given, or, inside a sequence sample, the tuple of that position's values from ``zip``);
mappings -> the same mapping of collated values; namedtuples -> the namedtuple of collated fields;
other sequences -> transposed and collated per position (tuples come back as lists, as in PyTorch).
``default_convert`` is the same walk without batching (used when ``batch_size=None``).
"""

from __future__ import annotations

import collections.abc
import copy
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from ..._core import dtype as _dtype
from ..._ops.creation.factories import as_tensor, tensor
from ..._ops.shape.joins import stack
from ..._tensor.methods import Tensor

__all__ = ["collate", "default_collate", "default_collate_fn_map", "default_convert"]

np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def default_convert(data: Any) -> Any:
    """NumPy arrays (inside any structure) to tensors; everything else unchanged."""
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_"):
        if elem_type.__name__ == "ndarray" and np_str_obj_array_pattern.search(data.dtype.str) is not None:
            return data
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({key: default_convert(data[key]) for key in data})
                return clone
            return elem_type({key: default_convert(data[key]) for key in data})
        except TypeError:
            return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return elem_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def collate(batch: list, *, collate_fn_map: dict | None = None) -> Any:
    """Collate ``batch`` using ``collate_fn_map`` (type -> function) for the leaves, recursing on containers."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)

    def sub(samples):  # ``samples`` as given: a list for mappings, a tuple from ``zip`` for sequences (as PyTorch)
        return collate(samples, collate_fn_map=collate_fn_map)

    if isinstance(elem, collections.abc.Mapping):
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update({key: sub([d[key] for d in batch]) for key in elem})
                return clone
            return elem_type({key: sub([d[key] for d in batch]) for key in elem})
        except TypeError:
            return {key: sub([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(sub(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        elem_size = len(elem)
        if not all(len(e) == elem_size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [sub(samples) for samples in transposed]  # lists, for backward compatibility (as PyTorch)
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, samples in enumerate(transposed):
                    clone[i] = sub(samples)
                return clone
            return elem_type([sub(samples) for samples in transposed])
        except TypeError:
            return [sub(samples) for samples in transposed]
    raise TypeError(default_collate_err_msg_format.format(elem_type))


def collate_tensor_fn(batch, *, collate_fn_map=None):
    """``stack(batch, 0)``."""
    return stack(batch, 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    # ``as_tensor`` on the sequence itself, as PyTorch: each NumPy scalar keeps its dtype in the promotion, so
    # ``[np.float32(1), 2.5]`` is float32 (``np.asarray`` would make it float64).
    return as_tensor(batch)


def collate_float_fn(batch, *, collate_fn_map=None):
    if all(type(b) is float for b in batch):  # one NumPy conversion, not ``tensor``'s walk per value
        return as_tensor(np.array(batch, dtype=np.float64))
    return tensor(batch, dtype=_dtype.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    # A batch of labels: one NumPy conversion instead of ``tensor``'s range check per value (half
    # of a DataLoader's time over (image, label) samples). Bools (a bool tensor), a mix with
    # floats, or an int beyond int64 (``tensor``'s error) take ``tensor``.
    if all(type(b) is int for b in batch):
        try:
            return as_tensor(np.array(batch, dtype=np.int64))
        except OverflowError:
            pass
    return tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


default_collate_fn_map: dict[type | tuple[type, ...], Callable] = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch: list) -> Any:
    """Stack a list of samples into a batch (see the module docstring for the rules)."""
    return collate(batch, collate_fn_map=default_collate_fn_map)
