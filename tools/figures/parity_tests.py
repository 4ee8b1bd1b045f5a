"""The figures of docs/parity-tests.md."""

from __future__ import annotations

import numpy as np

import minitorch

from .draw import GRAPH_HEAD, _label, _node, dot_svg


def parity_test_flow() -> str:
    """One generated parity test: a Sample, the same view in both libraries, the checks, shrinking."""
    arr = np.array([[0.5, -1.0, 2.0], [0.0, 1.5, -0.25]])
    leaf = minitorch.tensor(arr.T.copy(), dtype=minitorch.float64, requires_grad=True)  # to_lib: leaf, then view
    view = leaf.permute(1, 0)
    out = view.exp()
    (grad,) = minitorch.autograd.grad(out, leaf, minitorch.ones_like(out))
    lines = ["digraph parity {", 'rankdir="TB"; nodesep=0.3;', GRAPH_HEAD,
             _node("spec", _label("OpSpec (table_*.py)", 'F("exp", unary(), out=True)', "call(lib, x) = lib.exp(x)"),
                   "#dadaeb"),
             _node("sample", _label("hypothesis draws a Sample", f"arrays: {arr.shape} float64",
                                    "Layout(permuted, perm=(1, 0)), seed"), "#fdd0a2"),
             _node("mt", _label("to_lib(minitorch, ...)", f"leaf {tuple(leaf.shape)} -> view {tuple(view.shape)}",
                                f"stride {view.stride()}, contiguous {view.is_contiguous()}"), "#c7e9c0"),
             _node("pt", _label("to_lib(torch, ...)", "the same leaf and view,", "made with torch view ops"), "#c6dbef"),
             _node("run_mt", _label("spec.call(minitorch, view)", f"{tuple(out.shape)} {out.dtype}"), "#c7e9c0"),
             _node("run_pt", _label("spec.call(torch, view)"), "#c6dbef"),
             _node("cmp", _label("compare_outputs", "structure, dtype, shape,", "values within tol, NaN where torch has NaN")),
             _node("grad", _label("check_gradients (float64)", f"autograd.grad on the leaves: {tuple(grad.shape)}",
                                  "then gradgrad: d/dx sum(g * v)")),
             _node("ok", _label("pass: silent"), "#c7e9c0"),
             _node("shrink", _label("fail: hypothesis shrinks", "smaller shapes, simpler values,",
                                    "until the smallest failing Sample;", "prints it with the difference"), "#fcbba1"),
             'spec -> sample [label=" spec.sample"]; sample -> mt; sample -> pt; mt -> run_mt; pt -> run_pt;',
             "run_mt -> cmp; run_pt -> cmp; cmp -> grad; grad -> ok; grad -> shrink; cmp -> shrink;",
             'shrink -> sample [style=dashed, label=" next candidate", constraint=false];',
             "}"]
    return dot_svg("\n".join(lines))


FIGURES = {"parity-test-flow": parity_test_flow}
