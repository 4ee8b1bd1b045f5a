"""The figures of docs/custom-function.md."""

from __future__ import annotations

import minitorch

from .draw import GRAPH_HEAD, _label, _node, _node_name, _table, dot_svg


def custom_function_node() -> str:
    """The node ``MulScale.apply(a, b, 3.0)`` records: the ctx, its saved tensors and its edges."""

    class MulScale(minitorch.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, k):
            ctx.save_for_backward(a, b)
            ctx.k = k
            return a * b * k

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g * b * ctx.k, g * a * ctx.k, None

    a = minitorch.tensor([1.0, 2.0], requires_grad=True)
    c = minitorch.tensor([0.0, 1.0], requires_grad=True)
    b = c.exp()
    y = MulScale.apply(a, b, 3.0)
    ctx = y.grad_fn
    saved = ctx.saved_tensors
    names = {id(a): "a", id(b): "b"}
    rows = [("type(ctx).__mro__", " > ".join(k.__name__ for k in type(ctx).__mro__[:3])),
            *[(f"saved_tensors[{i}]", f"{names[id(t)]}  {list(t.shape)}  version {t._version}")
              for i, t in enumerate(saved)],
            ("k (attribute)", repr(ctx.k)),
            ("needs_input_grad", repr(ctx.needs_input_grad)),
            *[(f"next_functions[{i}]", f"({_node_name(fn)}, {nr})") for i, (fn, nr) in enumerate(ctx.next_functions)]]
    first_edge = len(rows) - len(ctx.next_functions)
    ports = {first_edge + i: f"e{i}" for i in range(len(ctx.next_functions))}
    lines = ["digraph custom {", 'rankdir="TB";', GRAPH_HEAD,
             _node("y", _label("y = MulScale.apply(a, b, 3.0)", "forward: save_for_backward(a, b); ctx.k = k",
                               f"y = {[round(v, 4) for v in y.tolist()]},  y.grad_fn is ctx: {y.grad_fn is ctx}"),
                   "#c6dbef", "filled"),
             f'ctx [shape=plain, style="", label={_table(f"ctx = y.grad_fn: {type(ctx).__name__}", rows, ports)}];',
             'y -> ctx [label=" grad_fn"];']
    for i, (fn, _) in enumerate(ctx.next_functions):
        if hasattr(fn, "variable"):
            label, fill = _label("AccumulateGrad", f"variable: {names[id(fn.variable)]} (leaf)"), "#c7e9c0"
        else:
            label, fill = _label(type(fn).__name__, "b = c.exp(): b's grad_fn"), "#f0f0f0"
        lines.append(f'f{i} [label={label}, fillcolor="{fill}"];')
        lines.append(f'ctx:e{i} -> f{i};')
    (leaf_c,) = [fn for fn, _ in ctx.next_functions[1][0].next_functions]
    lines.append(f'c [label={_label("AccumulateGrad", "variable: c (leaf)")}, fillcolor="#c7e9c0"];')
    assert leaf_c.variable is c
    lines.append('f1 -> c [label=" next_functions[0]"];')
    lines.append("}")
    return dot_svg("\n".join(lines))


FIGURES = {"custom-function-node": custom_function_node}
