"""The docs' pictures, drawn at build time (an MkDocs hook: ``hooks:`` in mkdocs.yml).

A page asks for a picture with a line ``<!-- figure: NAME -->``; ``on_page_markdown`` replaces it
with ``<figure class="mt-figure">`` holding the SVG that ``FIGURES[NAME]()`` returns, inline, so
the built pages need no image files and nothing generated is checked in. The figures are drawn in
``tools/figures/``, one module a page (``figures/kernels.py`` for ``docs/kernels.md``). Graph
figures come from ``minitorch.viz`` through Graphviz's ``dot``; the memory-layout figures are small
hand-written SVG computed from real minitorch tensors (their strides and offsets are read, not typed).
``parity_tests/test_docs.py`` checks that the built pages contain them.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

TOOLS = str(Path(__file__).resolve().parent)
if TOOLS not in sys.path:  # MkDocs loads a hook by its path: ``figures`` is found next to it
    sys.path.insert(0, TOOLS)
# `mkdocs serve` loads the hook again for every rebuild: forget the figures imported last time,
# so that an edited figure is drawn anew, as it was when all of them lived in this file.
for module in [m for m in sys.modules if m == "figures" or m.startswith("figures.")]:
    del sys.modules[module]
from figures import FIGURES

MARKER = re.compile(r"^<!-- figure: (?P<name>[\w-]+) -->$", re.MULTILINE)


def render(markdown: str) -> str:
    """Replace each ``<!-- figure: NAME -->`` line by its inline SVG (a KeyError names a typo)."""
    return MARKER.sub(lambda m: f'<figure class="mt-figure" markdown="0">\n{FIGURES[m["name"]]()}\n</figure>',
                      markdown)


def on_page_markdown(markdown: str, **kwargs: object) -> str:
    return render(markdown)
