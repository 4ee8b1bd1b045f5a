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
    out, w, b = "output\\n() float32 [78.25]", "w\\n(3,) float32 [1, 2, 3]", "b\\n() float32 [0.5]"
    add, total, mul, exp = "AddBackward0\\n()", "SumBackward0\\n()", "MulBackward0\\n(3,)", "ExpBackward0\\n(3,)"
    assert sorted(labels.values()) == sorted([out, add, total, mul, exp, w, b])
    assert edges == {(out, add), (add, total), (add, b), (total, mul), (mul, exp), (mul, w), (exp, w)}


def test_shared_leaf_is_one_node():
    loss, params = program(minitorch)
    graph = draw_graph(loss, params)
    assert [n.label for n in graph.nodes].count("w") == 1
    w_id = next(n.id for n in graph.nodes if n.label == "w")
    assert sum(dst == w_id for _, dst in graph.edges) == 2  # from MulBackward0 and ExpBackward0


def test_text_tree():
    loss, params = program(minitorch)
    assert draw_graph(loss, params).to_text() == "\n".join([  # noqa: FLY002  (one line per row)
        "output () float32 [78.25]",
        "└─ AddBackward0 ()",
        "   ├─ SumBackward0 ()",
        "   │  └─ MulBackward0 (3,)",
        "   │     ├─ ExpBackward0 (3,)",
        "   │     │  └─ w (3,) float32 [1, 2, 3]",
        "   │     └─ w (3,) float32 [1, 2, 3] (shared, see above)",
        "   └─ b () float32 [0.5]",
    ])


@pytest.mark.parametrize("lib", [minitorch, torch], ids=["minitorch", "torch"])
def test_grads_on_every_node(lib):
    """As micrograd's draw_dot: every box has a gradient, d loss / d (its value); .grad untouched."""
    loss, params = program(lib)
    graph = draw_graph(loss, params, show_grads=True)
    assert all(any(d.startswith("grad ") for d in n.details) for n in graph.nodes), graph.to_text()
    w = next(n for n in graph.nodes if n.label == "w")
    expected = (params["w"].detach().exp() * (1 + params["w"].detach())).tolist()
    assert w.details[-1] == "grad [" + ", ".join(f"{v:.4g}" for v in expected) + "]"
    mul = next(n for n in graph.nodes if n.label == "MulBackward0")
    assert mul.details[-1] == "grad [1, 1, 1]"
    assert params["w"].grad is None and params["b"].grad is None


def test_named_intermediate_shows_its_numbers():
    w = minitorch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = w * 2
    text = draw_graph((h * h).sum(), {"w": w, "h": h}).to_text()
    assert "MulBackward0 h = (3,) float32 [2, 4, 6]" in text


def test_show_grads_after_backward():
    loss, params = program(minitorch)
    loss.backward()  # the graph is freed: leaves show .grad, backward nodes none
    text = draw_graph(loss, params, show_grads=True).to_text()
    assert "b () float32 [0.5] grad [1]" in text
    w = params["w"]
    assert "w (3,) float32 [1, 2, 3] grad [" + ", ".join(f"{v:.4g}" for v in w.grad.tolist()) + "]" in text
    assert "grad" not in draw_graph(loss, params).to_text()  # show_grads defaults to False


def test_same_structure_as_torch():
    ours, theirs = (draw_graph(*program(lib)) for lib in (minitorch, torch))
    assert ours.to_text() == theirs.to_text()
    assert parse_dot(ours.to_dot())[1] == parse_dot(theirs.to_dot())[1]


def test_unnamed_leaves_and_no_graph():
    x = minitorch.ones(2, 3, dtype=minitorch.float64, requires_grad=True)
    assert draw_graph(x * 2).to_text() == ("output (2, 3) float64 [2, 2, 2, 2, ...]\n"
                                           "└─ MulBackward0 (2, 3)\n   └─ leaf (2, 3) float64 [1, 1, 1, 1, ...]")
    assert draw_graph(x).to_text() == "output (2, 3) float64 [1, 1, 1, 1, ...]"
    assert draw_graph(x).nodes[0].kind == "leaf"
    assert draw_graph(minitorch.ones(2)).edges == []


def test_deep_graph_does_not_recurse():
    x = minitorch.ones(2, requires_grad=True)
    y = x
    for _ in range(3 * sys.getrecursionlimit()):
        y = y * 1.0
    graph = draw_graph(y)
    assert len(graph.nodes) == 3 * sys.getrecursionlimit() + 2
    assert graph.to_text().count("MulBackward0 (2,)") == 3 * sys.getrecursionlimit()


@pytest.mark.parametrize("n", [10, 100, 1000])
def test_text_grows_linearly(n):
    """A chain of n ops, and a ladder (each op also reads one shared leaf): O(n) characters.

    Before the depth cap the chain of 1000 drew 1.5 MB and the ladder 5.1 MB (indentation grew
    with depth); now each line is at most TEXT_MAX_DEPTH levels deep.
    """
    x, w = minitorch.ones(2, requires_grad=True), minitorch.ones(2, requires_grad=True)
    chain, ladder = x, x
    for _ in range(n):
        chain, ladder = chain * 1.0, ladder + w
    chain_text, ladder_text = draw_graph(chain).to_text(), draw_graph(ladder).to_text()
    assert len(chain_text) < 50 * n + 200 and len(ladder_text) < 130 * n + 300
    assert chain_text.count("AddBackward0") == 0 and chain_text.count("MulBackward0 (2,)") == n
    assert ladder_text.count("AddBackward0 (2,)") == n  # each node in full once...
    assert ladder_text.count("(continued below)") == ladder_text.count("\n[n")  # ...each deferral resumed


def test_to_svg_without_graphviz(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    graph = draw_graph(program(minitorch)[0])
    with pytest.raises(RuntimeError, match="to_text"):
        graph.to_svg(str(tmp_path / "g.svg"))
    assert graph._repr_svg_() is None


def test_to_svg_with_graphviz(tmp_path):
    # Graphviz is a test requirement (README's set-up; the docs' figures need it too): no skip.
    assert shutil.which("dot"), "Graphviz's dot is not installed: apt-get install graphviz (brew install graphviz)"
    path = draw_graph(*program(minitorch)).to_svg(str(tmp_path / "g.svg"))
    with open(path) as f:
        assert "<svg" in f.read()


def test_viz_is_imported_lazily():
    code = ("import sys, minitorch; assert 'minitorch.viz' not in sys.modules; "
            "assert isinstance(minitorch.viz.draw_graph(minitorch.ones(1)), minitorch.viz.Graph)")
    subprocess.run([sys.executable, "-c", code], check=True)
    assert minitorch.viz.Graph is Graph


@pytest.mark.parametrize("case", ["plain", "label_smoothing", "probabilities", "after_linear"])
def test_cross_entropy_same_structure_as_torch(case):
    """docs/autograd-graph.md says PyTorch draws the same tree; cross-entropy is the composite
    most likely to differ (NllLoss + LogSoftmax, label smoothing's extra branch)."""
    def build(lib):
        lib.manual_seed(0)
        x = lib.ones(2, 3, requires_grad=True)
        target = lib.tensor([0, 2])
        ce = lib.nn.functional.cross_entropy
        if case == "label_smoothing":
            return ce(x, target, label_smoothing=0.1), x
        if case == "probabilities":
            return ce(x, lib.ones(2, 3) / 3), x
        if case == "after_linear":
            return ce(lib.nn.Linear(3, 3)(x), target), x
        return ce(x, target), x

    texts = []
    for lib in (minitorch, torch):
        loss, x = build(lib)
        text = draw_graph(loss, {"x": x}).to_text()
        texts.append(re.sub(r"\[[^\]]*\]", "[...]", text))  # structure and shapes, not the numbers
    assert texts[0] == texts[1]
