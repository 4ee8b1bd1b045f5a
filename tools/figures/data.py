"""The figures of docs/data.md."""

from __future__ import annotations

import itertools

import minitorch

from .draw import GRAPH_HEAD, _table, dot_svg


def data_pipeline() -> str:
    """DataLoader(TensorDataset(10 samples), batch_size=4, shuffle=True): each stage's real output."""
    from minitorch.utils.data import DataLoader, TensorDataset

    data = TensorDataset(minitorch.arange(20.0).reshape(10, 2), minitorch.arange(10) % 3)
    loader = DataLoader(data, batch_size=4, shuffle=True, generator=minitorch.Generator().manual_seed(0))
    order = list(loader.sampler)
    loader.sampler.generator.manual_seed(0)  # the same order again for the batches
    batches = list(loader.batch_sampler)
    first = [data[i] for i in batches[0]]
    x, y = loader.collate_fn(first)
    loader.sampler.generator.manual_seed(0)
    real_x, real_y = next(iter(loader))  # the stages above are what iterating the loader does
    assert real_x.tolist() == x.tolist() and real_y.tolist() == y.tolist()

    def sample(s: tuple) -> str:
        return f"(tensor({s[0].tolist()}), tensor({s[1].item()}))"

    stages = [
        ("dataset", _table(f"dataset: {type(data).__name__}", [("len(dataset)", str(len(data))),
                                                               ("dataset[3]", sample(data[3]))])),
        ("sampler", _table(f"sampler: {type(loader.sampler).__name__}", [("list(sampler)", str(order))])),
        ("batches", _table(f"batch_sampler: {type(loader.batch_sampler).__name__} (batch_size=4)",
                           [(f"batch {k}", str(b)) for k, b in enumerate(batches)])),
        ("fetch", _table("fetch: [dataset[i] for i in batch 0]", [(f"dataset[{i}]", sample(s))
                                                                   for i, s in zip(batches[0], first)])),
        ("batch", _table(f"collate_fn: {loader.collate_fn.__name__}", [("x", f"{tuple(x.shape)} {x.tolist()}"),
                                                                      ("y", f"{tuple(y.shape)} {y.tolist()}")])),
    ]
    lines = ["digraph data {", 'rankdir="TB"; nodesep=0.3;', GRAPH_HEAD]
    lines += [f'{name} [shape=plain, style="", label={label}];' for name, label in stages]
    lines += [f"{a[0]} -> {b[0]};" for a, b in itertools.pairwise(stages)]
    workers = "<br/>".join(f"batch {k} -&gt; worker {k % 2}" for k in range(len(batches)))
    lines.append(f'workers [label=<<b>num_workers=2</b><br/>{workers}<br/>each worker fetches and collates;'
                 '<br/>batches come back in sampler order>, fillcolor="#dadaeb", style="rounded,filled,dashed"];')
    lines.append('batches -> workers [style=dashed]; workers -> batch [style=dashed];')
    lines.append("}")
    return dot_svg("\n".join(lines))


FIGURES = {"data-pipeline": data_pipeline}
