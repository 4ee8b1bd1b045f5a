"""The docs are executable: every example on every page runs and prints what the page shows.

One test per page of ``docs/``: its ```` ```python ```` blocks that contain ``>>>`` lines run in
order as doctests in one namespace (a later block sees an earlier block's names), with
``NORMALIZE_WHITESPACE | ELLIPSIS``. A block fenced as ```` ```python {skip} ```` is not run, and
doctest's own ``# doctest: +SKIP`` skips one example; both should be rare and say why next to them.

Also: ``docs/parity.md`` is what ``tools/gen_parity_table.py`` generates from the op table today,
and, where MkDocs is installed (``pip install -e ".[docs]"``), ``mkdocs build --strict`` passes.
"""

from __future__ import annotations

import doctest
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import minitorch

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
FENCE = re.compile(r"^(?P<indent>[ \t]*)```python(?P<info>[^\n]*)\n(?P<body>.*?)^(?P=indent)```",
                   re.MULTILINE | re.DOTALL)
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def doc_blocks(text: str) -> list[tuple[int, str]]:
    """``(line number, code)`` of each ```python block with ``>>>`` lines, not marked {skip}."""
    blocks = []
    for m in FENCE.finditer(text):
        if "{skip}" in m.group("info") or ">>>" not in m.group("body"):
            continue
        indent = len(m.group("indent"))
        body = "".join(line[indent:] for line in m.group("body").splitlines(keepends=True))
        blocks.append((text.count("\n", 0, m.start("body")) + 1, body))
    return blocks


def pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if doc_blocks(p.read_text()))


def run_page(path: Path) -> list[str]:
    """Run a page's examples; return one report per failing example."""
    parser = doctest.DocTestParser()
    globs: dict = {"__name__": f"docs.{path.stem}"}
    failures: list[str] = []

    class Runner(doctest.DocTestRunner):
        def report_failure(self, out, test, example, got):
            failures.append(self._where(test, example) + f"expected:\n{example.want}got:\n{got}")

        def report_unexpected_exception(self, out, test, example, exc_info):
            err = "".join(doctest.traceback.format_exception_only(*exc_info[:2]))
            failures.append(self._where(test, example) + f"raised:\n{err}")

        def _where(self, test, example) -> str:
            where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            return f"{where}:{test.lineno + example.lineno + 1}:\n    {example.source}"

    runner = Runner(optionflags=FLAGS)
    for lineno, code in doc_blocks(path.read_text()):
        test = parser.get_doctest(code, globs, f"{path.name}:{lineno}", str(path), lineno - 1)
        runner.run(test, clear_globs=False)
        globs.update(test.globs)  # DocTest runs on a copy; the next block must see these names
    return failures


@pytest.fixture
def clean_state(tmp_path, monkeypatch):
    """Pages run in a scratch directory and may change global settings; put them back."""
    monkeypatch.chdir(tmp_path)
    dtype, grad = minitorch.get_default_dtype(), minitorch.is_grad_enabled()
    yield
    minitorch.set_default_dtype(dtype)
    minitorch.set_grad_enabled(grad)


@pytest.mark.parametrize("path", pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_page_examples(path: Path, clean_state) -> None:
    failures = run_page(path)
    assert not failures, f"{len(failures)} example(s) fail:\n\n" + "\n".join(failures)


def load_generator():
    spec = importlib.util.spec_from_file_location("gen_parity_table",
                                                  ROOT / "tools" / "gen_parity_table.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


def test_parity_page_is_up_to_date() -> None:
    expected = load_generator().render()
    actual = (DOCS / "parity.md").read_text()
    assert actual == expected, "docs/parity.md is stale: run `python tools/gen_parity_table.py`"


def test_doc_blocks_parsing() -> None:
    text = ("```python\n>>> 1 + 1\n2\n\n```\n"
            "```python {skip}\n>>> download()\n```\n"
            "```python\nplain = 'code without prompts is shown, not run'\n```\n"
            "1. a list item\n\n    ```python\n    >>> 2 * 3\n    6\n    ```\n")
    assert doc_blocks(text) == [(2, ">>> 1 + 1\n2\n\n"), (15, ">>> 2 * 3\n6\n")]


def test_failures_are_reported_with_their_line(tmp_path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# A page\n\n```python\n>>> x = 2\n\n```\n\ntext\n\n```python\n"
                    ">>> x + 1\n4\n>>> y\n```\n")
    failures = run_page(page)
    assert len(failures) == 2
    assert failures[0].startswith(f"{page}:11:") and "expected:\n4\ngot:\n3" in failures[0]
    assert failures[1].startswith(f"{page}:13:") and "NameError" in failures[1]


def test_mkdocs_build_strict(tmp_path) -> None:
    pytest.importorskip("mkdocs", reason="the docs extra is not installed: pip install -e '.[docs]'")
    pytest.importorskip("mkdocstrings")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                           str(tmp_path / "site")], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-5000:]
    # the pictures drawn at build time (tools/docs_figures.py) are in the built pages, as inline SVG
    drawn = {"autograd-graph.html": 1, "tensors-and-autograd.html": 1, "broadcasting.html": 1, "start.html": 1,
             "training-step.html": 2, "kernels.html": 2, "custom-function.html": 1, "higher-order.html": 1,
             "modules.html": 1, "optim.html": 1, "data.html": 1, "backends.html": 1, "parity-tests.html": 1,
             "profiler.html": 1, "gallery.html": 1, "compile.html": 1}
    for page, count in drawn.items():
        built = (tmp_path / "site" / page).read_text()
        figures = re.findall(r'<figure class="mt-figure"[^>]*>\s*<svg', built)
        assert len(figures) == count, f"{page}: {len(figures)} drawn figure(s), expected {count}"
    assert "<!-- figure:" not in (tmp_path / "site" / "autograd-graph.html").read_text()


def load_figures():
    """The package ``tools/figures`` (one module a page: ``load_figures().kernels.im2col_gemm``), as
    the hook ``tools/docs_figures.py``, loaded by its path as MkDocs loads it, imports it."""
    spec = importlib.util.spec_from_file_location("docs_figures", ROOT / "tools" / "docs_figures.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    assert hook.FIGURES is sys.modules["figures"].FIGURES
    return sys.modules["figures"]


def test_each_figure_is_drawn_by_its_pages_module() -> None:
    """``tools/figures/<page>.py`` draws the figures that ``docs/<page>.md`` asks for, and only those."""
    package = load_figures()
    for page in package.PAGES:
        markdown = (DOCS / f"{page.__name__.rsplit('.', 1)[1].replace('_', '-')}.md").read_text()
        asked = set(re.findall(r"^<!-- figure: ([\w-]+) -->$", markdown, flags=re.MULTILINE))
        assert asked == set(page.FIGURES), page.__name__


HAND_DRAWN = {"view-strides", "broadcast-stride0", "im2col-gemm", "thread-pool", "optimizer-paths", "profiler-timeline",
              "gallery-ratios", "compiled-step"}


@pytest.mark.parametrize("name", ["im2col-gemm", "ready-queue", "thread-pool", "start-graph", "training-step-graph",
                                  "custom-function-node", "higher-order-graph", "module-tree", "optimizer-paths",
                                  "data-pipeline", "backend-dispatch", "parity-test-flow", "profiler-timeline",
                                  "gallery-ratios", "compiled-step"])
def test_figure_is_svg(name) -> None:
    """The lessons' figures draw without MkDocs (the graph ones need Graphviz's ``dot``)."""
    figures = load_figures()
    if name not in HAND_DRAWN and shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    svg = figures.FIGURES[name]()
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")


def test_ready_queue_replay_is_the_engines_order() -> None:
    """The ready-queue figure replays run_backward's loop; on another graph (a diamond and a leaf
    used three times) the replay must still agree with a real backward()."""
    figures = load_figures()
    a = minitorch.tensor([1.0, -2.0], requires_grad=True)
    b = minitorch.tensor([0.5, 3.0], requires_grad=True)
    h = a * b
    loss = ((h.exp() + h.sin()) * a + a).sum()
    nodes, deps, steps = figures.training_step._engine_trace(loss)  # asserts the order against backward()'s hooks
    assert steps[0][0] is loss.grad_fn and len(steps) == len(nodes)
    (leaf_a,) = [n for n in nodes if getattr(n, "variable", None) is a]
    assert deps[leaf_a] == 3  # a * b, (...) * a and + a
    assert steps[-1][2] == []  # the queue ends empty


def test_learning_path_figures_show_the_run() -> None:
    """The new pages' pictures carry the numbers the code produces, not typed-in ones."""
    figures = load_figures()
    optim = figures.optim.optimizer_paths()
    assert optim.count("<polyline") == 3 and "after 30 steps" in optim
    timeline = figures.profiler.profiler_timeline()
    assert "aten::mm" in timeline and "kernel: aten::mm" in timeline  # the kernel ranges' tooltips
    calls, plans, writes, marks, _ = figures.compile._compiled_step_run()  # warm-up, capture, replay; a new batch size: its own
    assert [c[2:4] for c in calls] == [("eager", None), ("capture", 0), ("replay", 0), ("replay", 0), ("eager", None),
                                       ("capture", 1), ("replay", 1), ("replay", 0), ("replay", 1), ("replay", 0)]
    sgd = [n for n, w in writes[0].items() if any(plans[0].kinds[i] == "s" for i in w)]
    assert sgd == list(range(len(plans[0].steps) - 4, len(plans[0].steps)))  # SGD's in-place updates, last
    assert marks[0][0] == 0 and marks[0][-1] == sgd[0]  # zero_grad records nothing; opt.step() is just those
    drawn = figures.compile.compiled_step()
    where = [drawn.find(f">{n:2d} {s.name[:17]}") for n, s in enumerate(plans[0].steps)]
    assert -1 not in where and where == sorted(where)  # every kernel of print(plan), in its order
    assert f"{len(plans[0].steps)} kernels" in drawn and "0.weight" in drawn and "written in place" in drawn
    table = (DOCS / "gallery.md").read_text().split("### The table")[1].split("\n\n")[1]
    chapters = [line.split("|")[1].strip() for line in table.splitlines()[2:]]
    ratios = figures.gallery.gallery_ratios()
    assert len(chapters) > 10 and all(f">{name}<" in ratios for name in chapters)
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    node = figures.custom_function.custom_function_node()
    assert "MulScaleBackward" in node and "(True, True, False)" in node
    tree = figures.modules.module_tree()
    assert "bn1.running_mean" in tree and "11 state_dict keys" in tree
    order = list(minitorch.utils.data.RandomSampler(range(10), generator=minitorch.Generator().manual_seed(0)))
    assert str(order) in figures.data.data_pipeline()
