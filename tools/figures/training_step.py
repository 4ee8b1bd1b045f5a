"""The figures of docs/training-step.md."""

from __future__ import annotations

import minitorch
from minitorch.viz import draw_graph

from .draw import dot_svg


def training_step_graph() -> str:
    """examples/train_mlp.py's model and loss on a batch of 4: the graph loss.backward() walks."""
    from minitorch import nn

    minitorch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                          nn.Linear(128, 10))
    images, labels = minitorch.randn(4, 1, 28, 28), minitorch.tensor([3, 1, 4, 1])
    loss = nn.CrossEntropyLoss()(model(images), labels)
    return dot_svg(draw_graph(loss, dict(model.named_parameters())).to_dot())


def _engine_trace(loss: minitorch.Tensor) -> tuple[list, dict, list[tuple]]:
    """The nodes of ``loss``'s graph, their dependency counts and the ready queue step by step.

    The steps are the engine's loop (``run_backward``: pop the ready node created last, count its
    successors down, push those at zero) replayed on the real graph; the order is then checked
    against the order in which a real ``backward()`` runs the nodes (node and leaf hooks).
    """
    from minitorch.autograd.engine import _collect_dependencies, _pop, _push

    root = loss.grad_fn
    deps = _collect_dependencies([root])
    nodes = [root] + sorted(deps, key=lambda n: -n._seq if n._seq != float("inf") else 0)
    counts = dict(deps)
    ready: list = []
    steps = []
    _push(ready, root)
    while ready:
        # the engine's own queue: the most recently created node first (a leaf's AccumulateGrad has
        # _seq = inf), leaves that tie in PyTorch's order
        node = _pop(ready)
        changes = []
        for edge in node._edges:
            if edge is None:
                continue
            nxt = edge[0]
            counts[nxt] -= 1
            changes.append((nxt, counts[nxt] + 1, counts[nxt]))
            if counts[nxt] == 0:
                _push(ready, nxt)
        steps.append((node, changes, _in_pop_order(ready)))
    ran: list = []
    hooks = [n.register_hook(lambda gi, go, n=n: ran.append(n)) for n in nodes if not hasattr(n, "variable")]
    for n in nodes:
        if hasattr(n, "variable"):
            n.variable.register_hook(lambda g, n=n: ran.append(n))
    loss.backward(retain_graph=True)
    for h in hooks:
        h.remove()
    assert ran == [s[0] for s in steps], "the drawing's order is not the engine's"
    return nodes, deps, steps


def _in_pop_order(heap: list) -> list:
    """The nodes of the engine's ready queue in the order it will run them."""
    from minitorch.autograd.engine import _pop

    heap, order = list(heap), []
    while heap:
        order.append(_pop(heap))
    return order


def ready_queue() -> str:
    """loss = (a * b + a).relu().sum(): the graph with each node's count, and the queue step by step."""
    a = minitorch.tensor([1.0, -2.0], requires_grad=True)
    b = minitorch.tensor([3.0, 4.0], requires_grad=True)
    loss = (a * b + a).relu().sum()
    nodes, deps, steps = _engine_trace(loss)
    leaf_names = {id(a): "a", id(b): "b"}

    def name(n) -> str:
        v = getattr(n, "variable", None)
        return f"AccumulateGrad ({leaf_names[id(v)]})" if v is not None else n.name()

    order = {id(s[0]): k + 1 for k, s in enumerate(steps)}
    lines = ["digraph ready_queue {", ('rankdir="TB"; node [shape=box, style="rounded,filled", fontname="monospace", '
             'fontsize=11]; edge [fontname="monospace", fontsize=10];')]
    for n in nodes:
        fill = "#c7e9c0" if hasattr(n, "variable") else "#d9d9d9"
        lines.append(f'"{id(n)}" [label="#{order[id(n)]}  {name(n)}\\nwaits for {deps.get(n, 0)} gradient(s)", '
                     f'fillcolor="{fill}"];')
        lines += [f'"{id(n)}" -> "{id(e[0])}";' for e in n._edges if e is not None]
    rows = [('<tr><td><b>step</b></td><td><b>runs</b></td><td><b>counts down</b></td>'
            '<td><b>ready queue after</b></td></tr>')]
    for k, (node, changes, ready) in enumerate(steps, 1):
        counted = "<br/>".join(f"{name(n)} {old}&#8594;{new}" for n, old, new in changes) or "-"
        queue = "<br/>".join(name(n) for n in ready) or "(empty)"  # in the order they will run
        rows.append(f"<tr><td>{k}</td><td>{name(node)}</td><td>{counted}</td><td>{queue}</td></tr>")
    lines.append('steps [shape=plain, style="", label=<<table border="0" cellborder="1" cellspacing="0" '
                 f'cellpadding="4">{"".join(rows)}</table>>];')
    lines.append('{rank=sink; steps}')  # the table under the graph, not beside it
    lines.append("}")
    return dot_svg("\n".join(lines))


FIGURES = {"training-step-graph": training_step_graph, "ready-queue": ready_queue}
