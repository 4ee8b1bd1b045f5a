"""Solutions to exercises/compile.py (docs/compile.md)."""

from __future__ import annotations

import warnings
from typing import Any

import minitorch


# --8<-- [start:life_cycle]
def life_cycle(calls: list[tuple[int, float]]) -> list[str]:
    entries: dict[int, dict] = {}  # the cache: one entry per input signature (here: the batch size)
    out = []
    for batch, wd in calls:
        e = entries.setdefault(batch, {"warm": False, "plans": [], "captures": 0, "eager": False})
        if e["eager"]:  # the recompile limit was reached: eager for good
            out.append("eager")
        elif not e["warm"]:  # a new signature: the warm-up call
            e["warm"] = True
            out.append("eager")
        elif wd in e["plans"]:  # a plan whose guards hold (its optimizer options are these)
            out.append("replay")
        elif e["captures"] >= 8:  # recompile_limit
            e["eager"] = True
            out.append("eager")
        else:  # every plan's guard failed (or there is none yet): capture again, keep the last four
            e["captures"] += 1
            e["plans"] = (e["plans"] + [wd])[-4:]
            out.append("capture")
    return out
# --8<-- [end:life_cycle]


# --8<-- [start:graph_break]
def graph_break(fn: Any, *args: Any) -> str | None:
    compiled = minitorch.compile(fn)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            compiled(*args)
    texts = [str(w.message) for w in caught if "graph break" in str(w.message)]
    return texts[0] if texts else None
# --8<-- [end:graph_break]


# --8<-- [start:primitive_kernels]
def primitive_kernels(plan: Any) -> list[str]:
    names = []
    for line in str(plan).splitlines()[1:]:  # after the header
        fields = line.split()
        if fields[0] == "effect:":
            continue
        name = fields[1]  # fields[0] is the kernel's number
        if name[0].isupper():
            names.append(name)
    return names
# --8<-- [end:primitive_kernels]
