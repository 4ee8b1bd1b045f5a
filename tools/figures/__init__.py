"""The docs' pictures, one module a page: ``figures/<page>.py`` draws the figures of
``docs/<page>.md`` (``_`` for ``-``) and lists them in its ``FIGURES``, marker name -> function
returning the SVG; ``draw.py`` holds what the drawings share. ``FIGURES`` here is all of them,
for ``tools/docs_figures.py`` (the MkDocs hook that puts them in the pages).
"""

from __future__ import annotations

from collections.abc import Callable

from . import (
    autograd_graph,
    backends,
    broadcasting,
    compile,
    custom_function,
    data,
    gallery,
    higher_order,
    kernels,
    modules,
    optim,
    parity_tests,
    profiler,
    start,
    tensors_and_autograd,
    training_step,
)

PAGES = [start, tensors_and_autograd, broadcasting, autograd_graph, training_step, custom_function, higher_order,
         modules, optim, data, backends, kernels, parity_tests, profiler, compile, gallery]
FIGURES: dict[str, Callable[[], str]] = {name: draw for page in PAGES for name, draw in page.FIGURES.items()}
assert len(FIGURES) == sum(len(page.FIGURES) for page in PAGES), "two pages' figures share a name"
