"""utils.data against torch.utils.data on the same data: batches, dtypes, lengths, errors, workers."""

from __future__ import annotations

import collections

import numpy as np
import pytest
import torch
from torch.utils import data as tdata

import minitorch as mt
from minitorch.utils import data as mdata


def _np(x):
    if isinstance(x, (list, tuple)):
        return [_np(v) for v in x]
    if isinstance(x, dict):
        return {k: _np(v) for k, v in x.items()}
    if isinstance(x, (mt.Tensor, torch.Tensor)):
        return (np.asarray(x.detach().numpy()), str(x.dtype))
    return x


def _same(a, b):
    assert repr(_np(a)) == repr(_np(b))


X = np.arange(70, dtype=np.float32).reshape(35, 2)
Y = np.arange(35) % 3


@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (4, False), (4, True), (35, True), (50, False)])
def test_tensor_dataset_batches_and_len(batch_size, drop_last):
    m = mdata.DataLoader(mdata.TensorDataset(mt.tensor(X), mt.tensor(Y)), batch_size=batch_size, drop_last=drop_last)
    t = tdata.DataLoader(tdata.TensorDataset(torch.tensor(X), torch.tensor(Y)), batch_size=batch_size,
                         drop_last=drop_last)
    assert len(m) == len(t)
    _same(list(m), list(t))


def test_tensor_dataset_size_mismatch():
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        mdata.TensorDataset(mt.zeros(3), mt.zeros(4))


@pytest.mark.parametrize("batch", [
    [(1, 2.5, True, "a"), (3, 4.5, False, "b")],
    [{"x": np.ones((2, 2), np.float32), "y": [1, 2]}, {"x": np.zeros((2, 2), np.float32), "y": [3, 4]}],
    [np.int32(3), np.int32(4)],
    [[1.0, 2.0], [3.0, 4.0]],
    [collections.OrderedDict(a=1, b=(2, 3)), collections.OrderedDict(a=4, b=(5, 6))],
])
def test_default_collate_nested(batch):
    _same(mdata.default_collate(batch), tdata.default_collate(batch))


def test_default_collate_tensors_and_namedtuple():
    P = collections.namedtuple("P", "x y")
    m = mdata.default_collate([P(mt.tensor([1.0]), 1), P(mt.tensor([2.0]), 2)])
    t = tdata.default_collate([P(torch.tensor([1.0]), 1), P(torch.tensor([2.0]), 2)])
    assert type(m) is P
    _same(list(m), list(t))


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        mdata.default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        mdata.default_collate([object(), object()])


def test_default_convert():
    item = {"a": np.array([1, 2]), "b": (np.float64(1.5), "s")}
    _same(mdata.default_convert(item), tdata.default_convert(item))


def _structure(x):
    """``x`` with every container's exact type kept (tuple vs list, namedtuple, dict subclass) and tensors as
    (values, dtype name, shape), so two collate results compare equal only if PyTorch would build the same thing."""
    if isinstance(x, (mt.Tensor, torch.Tensor)):
        return ("tensor", x.detach().numpy().tolist(), str(x.dtype).rsplit(".", 1)[-1], tuple(x.shape))
    if isinstance(x, dict):
        return (type(x).__name__, [(k, _structure(v)) for k, v in x.items()])
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [_structure(v) for v in x])
    return (type(x).__name__, x)


_Point = collections.namedtuple("_Point", "x label")


class _Row(list):
    pass


# each entry builds the batch from a library (``mt`` or ``torch``) so tensors can appear inside samples
_COLLATE_BATCHES = {
    "strs": lambda L: ["a", "b"],
    "bytes": lambda L: [b"a", b"b"],
    "np_str_scalars": lambda L: [np.str_("a"), np.str_("b")],
    "tuple_int_str": lambda L: [(1, "a"), (2, "b")],
    "tuple_bytes": lambda L: [(b"a",), (b"b",)],
    "tuple_np_str": lambda L: [(np.str_("a"),), (np.str_("b"),)],
    "list_str_int": lambda L: [["a", 1], ["b", 2]],
    "list_subclass": lambda L: [_Row([1, "a"]), _Row([2, "b"])],
    "namedtuple_str": lambda L: [_Point(1.5, "a"), _Point(2.5, "b")],
    "namedtuple_tensor": lambda L: [_Point(L.tensor([1.0, 2.0]), "a"), _Point(L.tensor([3.0, 4.0]), "b")],
    "nested_tuples": lambda L: [((1, "a"), [2.0, "c"]), ((3, "b"), [4.0, "d"])],
    "dict_str": lambda L: [{"s": "a", "v": 1.0}, {"s": "b", "v": 2.0}],
    "ordered_dict": lambda L: [collections.OrderedDict(s=("a", 1)), collections.OrderedDict(s=("b", 2))],
    "tensor_and_str": lambda L: [(L.tensor([1, 2]), "x"), (L.tensor([3, 4]), "y")],
    "scalar_tensors": lambda L: [(L.tensor(1.5),), (L.tensor(2.5),)],
    "bools": lambda L: [(True,), (False,)],
    "bool_then_int": lambda L: [(True,), (2,)],
    "int_then_float": lambda L: [(1,), (2.5,)],
    "floats": lambda L: [1.5, 2.5],
    "np_float32": lambda L: [(np.float32(1.5),), (np.float32(2.0),)],
    "np_float64": lambda L: [(np.float64(1.5),), (np.float64(2.0),)],
    "np_float32_then_float": lambda L: [(np.float32(1.0),), (2.5,)],
    "np_int_mixed": lambda L: [(np.int8(1),), (np.int64(2),)],
    "np_uint8_int8": lambda L: [np.uint8(1), np.int8(2)],
    "np_bool": lambda L: [(np.bool_(True),), (np.bool_(False),)],
    "np_arrays": lambda L: [(np.array([1, 2], np.int8), "p"), (np.array([3, 4], np.int8), "q")],
    "np_0d_arrays": lambda L: [np.array(1.0), np.array(2.0)],
}


@pytest.mark.parametrize("name", sorted(_COLLATE_BATCHES))
def test_default_collate_structure_and_types(name):
    build = _COLLATE_BATCHES[name]
    assert _structure(mdata.default_collate(build(mt))) == _structure(tdata.default_collate(build(torch)))


def test_default_collate_leaf_errors_match_torch():
    # None (and any other unsupported leaf), NumPy string/object arrays, and ragged samples
    for batch in ([None, None], [(1, None), (2, None)], [object()], [np.array(["a"]), np.array(["b"])],
                  [(np.array(["a"]),), (np.array(["b"]),)], [np.array([1, "a"], dtype=object)], [[1, 2], [3]], [],
                  [np.bool_(True), 2], [2, np.bool_(True)]):
        with pytest.raises(Exception) as t_err:
            tdata.default_collate(batch)
        with pytest.raises(t_err.type) as m_err:
            mdata.default_collate(batch)
        assert str(m_err.value) == str(t_err.value)


def test_collate_with_custom_map_sees_torch_sample_containers():
    # a user collate function gets the same container PyTorch passes: the list given, or a tuple from ``zip``
    seen = {"mt": [], "torch": []}

    def record(key):
        def fn(batch, *, collate_fn_map=None):
            seen[key].append(type(batch).__name__)
            return batch
        return fn

    batch = [("a", 1), ("b", 2)]
    mdata.collate(batch, collate_fn_map={str: record("mt"), int: record("mt")})
    tdata._utils.collate.collate(batch, collate_fn_map={str: record("torch"), int: record("torch")})
    assert seen["mt"] == seen["torch"] == ["tuple", "tuple"]


def test_batch_size_none_converts():
    ds = [np.array([i, i + 1]) for i in range(3)]
    _same(list(mdata.DataLoader(ds, batch_size=None)), list(tdata.DataLoader(ds, batch_size=None)))


@pytest.mark.parametrize("kwargs,msg", [
    ({"sampler": [0, 1], "shuffle": True}, "sampler option is mutually exclusive with shuffle"),
    ({"batch_sampler": [[0]], "batch_size": 2}, "batch_sampler option is mutually exclusive"),
    ({"batch_size": None, "drop_last": True}, "batch_size=None option disables auto-batching"),
    ({"num_workers": -1}, "num_workers option should be non-negative"),
    ({"prefetch_factor": 2}, "prefetch_factor option could only be specified"),
    ({"persistent_workers": True}, "persistent_workers option needs num_workers > 0"),
])
def test_loader_argument_errors(kwargs, msg):
    ds = list(range(4))
    with pytest.raises(ValueError, match=msg):
        tdata.DataLoader(ds, **kwargs)
    with pytest.raises(ValueError, match=msg):
        mdata.DataLoader(ds, **kwargs)


def test_sampler_errors_match_torch():
    for mod in (mdata, tdata):
        with pytest.raises(TypeError, match="replacement should be a boolean"):
            mod.RandomSampler(range(3), replacement=1)
        with pytest.raises(ValueError, match="num_samples should be a positive integer"):
            mod.RandomSampler(range(3), num_samples=0)
        with pytest.raises(ValueError, match="batch_size should be a positive integer"):
            mod.BatchSampler(range(3), 0, False)
        with pytest.raises(ValueError, match="weights should be a 1d sequence"):
            mod.WeightedRandomSampler([[1.0]], 2)


def test_samplers_semantics():
    assert list(mdata.BatchSampler(mdata.SequentialSampler(range(10)), 3, False)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert len(mdata.BatchSampler(range(10), 3, True)) == 3
    perm = list(mdata.RandomSampler(range(10)))
    assert sorted(perm) == list(range(10))
    drawn = list(mdata.RandomSampler(range(5), replacement=True, num_samples=70))
    assert len(drawn) == 70 and set(drawn) <= set(range(5))
    repeated = list(mdata.RandomSampler(range(4), num_samples=10))  # two permutations, then 2 of a third
    assert sorted(repeated[:4]) == sorted(repeated[4:8]) == [0, 1, 2, 3] and len(repeated) == 10
    assert sorted(mdata.SubsetRandomSampler([5, 7, 9])) == [5, 7, 9]
    w = list(mdata.WeightedRandomSampler([0.0, 1.0, 0.0], 20))
    assert w == [1] * 20
    assert sorted(mdata.WeightedRandomSampler([1.0, 2.0, 3.0], 3, replacement=False)) == [0, 1, 2]


def test_reproducible_shuffling():
    ds = list(range(20))

    def epochs(loader):
        return [[b.tolist() for b in loader] for _ in range(2)]

    g1 = mdata.DataLoader(ds, batch_size=4, shuffle=True, generator=mt.Generator().manual_seed(3))
    g2 = mdata.DataLoader(ds, batch_size=4, shuffle=True, generator=mt.Generator().manual_seed(3))
    e1, e2 = epochs(g1), epochs(g2)
    assert e1 == e2 and e1[0] != e1[1]
    assert sorted(i for batch in e1[0] for i in batch) == ds
    mt.manual_seed(0)
    a = epochs(mdata.DataLoader(ds, batch_size=4, shuffle=True))
    mt.manual_seed(0)
    b = epochs(mdata.DataLoader(ds, batch_size=4, shuffle=True))
    assert a == b


def test_datasets_subset_concat_random_split():
    ds = mdata.TensorDataset(mt.arange(10))
    both = ds + ds
    assert isinstance(both, mdata.ConcatDataset) and len(both) == 20 and int(both[13][0]) == 3 and int(both[-1][0]) == 9
    sub = mdata.Subset(ds, [3, 1])
    assert [int(s[0]) for s in sub] == [3, 1]
    parts = mdata.random_split(range(10), [0.7, 0.3], generator=mt.Generator().manual_seed(1))
    assert [len(p) for p in parts] == [7, 3]
    assert sorted(list(parts[0]) + list(parts[1])) == list(range(10))
    again = mdata.random_split(range(10), [0.7, 0.3], generator=mt.Generator().manual_seed(1))
    assert list(again[0]) == list(parts[0])
    assert [len(p) for p in mdata.random_split(range(10), [0.33, 0.33, 0.34])] == \
        [len(p) for p in tdata.random_split(range(10), [0.33, 0.33, 0.34])]
    with pytest.raises(ValueError, match="Sum of input lengths"):
        mdata.random_split(range(10), [3, 3])


class _Stream(mdata.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = mdata.get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))

    def __len__(self):
        return self.n


class _TStream(tdata.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = tdata.get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))


@pytest.mark.parametrize("workers", [0, 2])
def test_iterable_dataset(workers):
    m = [b.tolist() for b in mdata.DataLoader(_Stream(11), batch_size=3, num_workers=workers)]
    t = [b.tolist() for b in tdata.DataLoader(_TStream(11), batch_size=3, num_workers=workers)]
    assert m == t
    assert len(mdata.DataLoader(_Stream(11), batch_size=3)) == 4
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        mdata.DataLoader(_Stream(3), shuffle=True)


class _Slow(mdata.Dataset):
    """Sample i takes longer for small i, so that workers finish out of order."""

    def __len__(self):
        return 24

    def __getitem__(self, i):
        import time
        time.sleep(0.002 * (i % 5))
        info = mdata.get_worker_info()
        return {"x": np.full(2, i, np.float32), "i": i, "seed": info.seed if info else -1,
                "r": float(mt.rand(1).item())}


def test_workers_match_single_process_in_order():
    single = list(mdata.DataLoader(_Slow(), batch_size=5))
    multi = list(mdata.DataLoader(_Slow(), batch_size=5, num_workers=3))
    assert [b["i"].tolist() for b in multi] == [b["i"].tolist() for b in single]
    assert all((a["x"].numpy() == b["x"].numpy()).all() for a, b in zip(single, multi))


class _Gemm(mdata.Dataset):
    """Each item runs a GEMM big enough to be shared over the kernels' threads (kernels/blas.py)
    and reports the worker's thread count."""

    def __len__(self):
        return 4

    def __getitem__(self, i):
        x = mt.arange(256 * 256, dtype=mt.float32).reshape(256, 256) / 65536 + i
        return (x @ x).sum(), mt.tensor(mt.get_num_threads())


class _TThreads(tdata.Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        return torch.tensor(torch.get_num_threads())


def test_forked_workers_run_kernels_on_one_thread():
    """The parent has run its OpenMP threads; a forked worker must not start them again (GNU
    OpenMP is not fork-safe: the worker would die). Workers use one thread each, as torch's do."""
    a = mt.ones(256, 256)
    (a @ a).sum()  # the parent's GEMM runs on the threads
    inline = list(mdata.DataLoader(_Gemm(), batch_size=2))
    forked = list(mdata.DataLoader(_Gemm(), batch_size=2, num_workers=2))
    for (s0, _), (s1, n1) in zip(inline, forked):
        np.testing.assert_allclose(s1.numpy(), s0.numpy(), rtol=1e-6)  # 1 thread vs a shared GEMM
        assert n1.tolist() == [1, 1]
    t_threads = [b.tolist() for b in tdata.DataLoader(_TThreads(), batch_size=2, num_workers=2)]
    assert t_threads == [[1, 1]]


def test_workers_seeds_and_determinism():
    def run():
        loader = mdata.DataLoader(_Slow(), batch_size=4, num_workers=2, generator=mt.Generator().manual_seed(7))
        return [(b["seed"].tolist(), b["r"].tolist()) for b in loader]

    a, b = run(), run()
    assert a == b
    seeds = sorted({s for batch, _ in a for s in batch})
    assert len(seeds) == 2 and seeds[1] - seeds[0] == 1  # base_seed + worker_id


def test_worker_init_fn_and_persistent_workers():
    loader = mdata.DataLoader(list(range(8)), batch_size=2, num_workers=2, persistent_workers=True)
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4, 5], [6, 7]]
    loader._iterator._shutdown_workers()


class _Failing(mdata.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 5:
            raise KeyError("bad index 5")
        return i


def test_worker_exception_propagates_with_traceback():
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process") as info:
        list(mdata.DataLoader(_Failing(), batch_size=2, num_workers=2))
    assert "bad index 5" in str(info.value) and "__getitem__" in str(info.value)
