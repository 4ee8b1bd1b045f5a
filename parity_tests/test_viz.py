"""``minitorch.viz.draw_graph``: the drawn graph is the graph ``backward()`` walks.

The DOT text is checked structurally (which boxes, which edges), the text tree exactly, and the
same drawing of the same program under torch must have the same structure.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
import torch

import minitorch
from minitorch.viz import Graph, draw_graph


def program(lib):
    w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = lib.tensor(0.5, requires_grad=True)
    loss = (w.exp() * w).sum() + b
    return loss, {"w": w, "b": b}


def parse_dot(dot: str) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """node id -> label, and the edges as (label, label) pairs."""
    labels = dict(re.findall(r'^\s*(n\d+) \[label="([^"]*)"', dot, re.MULTILINE))
    edges = {(labels[a], labels[b]) for a, b in re.findall(r"^\s*(n\d+) -> (n\d+);", dot, re.MULTILINE)}
    return labels, edges


def test_dot_structure():
    loss, params = program(minitorch)
    dot = draw_graph(loss, params).to_dot()
    assert dot.startswith("digraph backward {") and dot.rstrip().endswith("}")
    labels, edges = parse_dot(dot)
    assert sorted(labels.values()) == sorted([
        "output\\n() float32", "AddBackward0", "SumBackward0", "MulBackward0", "ExpBackward0",
        "w\\n(3,) float32", "b\\n() float32"])
    assert edges == {
        ("output\\n() float32", "AddBackward0"),
        ("AddBackward0", "SumBackward0"), ("AddBackward0", "b\\n() float32"),
        ("SumBackward0", "MulBackward0"),
        ("MulBackward0", "ExpBackward0"), ("MulBackward0", "w\\n(3,) float32"),
        ("ExpBackward0", "w\\n(3,) float32"),
    }


def test_shared_leaf_is_one_node():
    loss, params = program(minitorch)
    graph = draw_graph(loss, params)
    assert [n.label for n in graph.nodes].count("w") == 1
    w_id = next(n.id for n in graph.nodes if n.label == "w")
    assert sum(dst == w_id for _, dst in graph.edges) == 2  # from MulBackward0 and ExpBackward0


def test_text_tree():
    loss, params = program(minitorch)
    assert draw_graph(loss, params).to_text() == "\n".join([  # noqa: FLY002  (one line per row)
        "output () float32",
        "└─ AddBackward0",
        "   ├─ SumBackward0",
        "   │  └─ MulBackward0",
        "   │     ├─ ExpBackward0",
        "   │     │  └─ w (3,) float32",
        "   │     └─ w (3,) float32 (shared, see above)",
        "   └─ b () float32",
    ])


def test_show_grads_after_backward():
    loss, params = program(minitorch)
    assert "grad" not in draw_graph(loss, params, show_grads=True).to_text()  # no .grad yet
    loss.backward()
    text = draw_graph(loss, params, show_grads=True).to_text()
    assert "b () float32 grad () norm=1" in text
    w = params["w"]
    norm = float((w.grad.double() ** 2).sum()) ** 0.5
    assert f"w (3,) float32 grad (3,) norm={norm:.4g}" in text
    assert "grad" not in draw_graph(loss, params).to_text()  # show_grads defaults to False


def test_same_structure_as_torch():
    ours, theirs = (draw_graph(*program(lib)) for lib in (minitorch, torch))
    assert ours.to_text() == theirs.to_text()
    assert parse_dot(ours.to_dot())[1] == parse_dot(theirs.to_dot())[1]


def test_unnamed_leaves_and_no_graph():
    x = minitorch.ones(2, 3, dtype=minitorch.float64, requires_grad=True)
    assert draw_graph(x * 2).to_text() == "output (2, 3) float64\n└─ MulBackward0\n   └─ leaf (2, 3) float64"
    assert draw_graph(x).to_text() == "output (2, 3) float64"
    assert draw_graph(x).nodes[0].kind == "leaf"
    assert draw_graph(minitorch.ones(2)).edges == []


def test_deep_graph_does_not_recurse():
    x = minitorch.ones(2, requires_grad=True)
    y = x
    for _ in range(3 * sys.getrecursionlimit()):
        y = y * 1.0
    graph = draw_graph(y)
    assert len(graph.nodes) == 3 * sys.getrecursionlimit() + 2
    assert graph.to_text().count("MulBackward0") == 3 * sys.getrecursionlimit()


def test_to_svg_without_graphviz(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    graph = draw_graph(program(minitorch)[0])
    with pytest.raises(RuntimeError, match="to_text"):
        graph.to_svg(str(tmp_path / "g.svg"))
    assert graph._repr_svg_() is None


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_to_svg_with_graphviz(tmp_path):
    path = draw_graph(*program(minitorch)).to_svg(str(tmp_path / "g.svg"))
    with open(path) as f:
        assert "<svg" in f.read()


def test_viz_is_imported_lazily():
    code = ("import sys, minitorch; assert 'minitorch.viz' not in sys.modules; "
            "assert isinstance(minitorch.viz.draw_graph(minitorch.ones(1)), minitorch.viz.Graph)")
    subprocess.run([sys.executable, "-c", code], check=True)
    assert minitorch.viz.Graph is Graph
