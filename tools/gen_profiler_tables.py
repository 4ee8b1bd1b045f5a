"""Rerun ``examples/profile_step.py`` and put its tables into docs/profiler.md.

    python tools/gen_profiler_tables.py [--repeat 20]

The tables sit in docs/profiler.md's ```` ```text ```` block after the marker line
``<!-- profile_step tables -->``; the line after the block says when they were taken, with the
machine's ``uptime`` load (a busy machine shows up as time in random rows: another process held
the core). One thread, so that a second core's business does not enter the kernels' times.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "examples"))
PAGE = ROOT / "docs" / "profiler.md"
MARKER = "<!-- profile_step tables -->"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="profiles per model; the fastest is shown")
    args = parser.parse_args()
    import profile_step

    out = io.StringIO()
    load_before = os.getloadavg()
    with contextlib.redirect_stdout(out):
        sys.argv = ["profile_step.py", "--threads", "1", "--repeat", str(args.repeat), "--rows", "12"]
        profile_step.main()
    load_after = os.getloadavg()
    tables = "\n".join(line.rstrip() for line in out.getvalue().strip().splitlines())
    stamp = (f"(Taken {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on one thread, "
             f"`python tools/gen_profiler_tables.py --repeat {args.repeat}`; load average "
             f"{load_before[0]:.1f} before, {load_after[0]:.1f} after, on a 2-core machine.)")
    text = PAGE.read_text()
    pattern = re.compile(re.escape(MARKER) + r"\n```text\n.*?\n```\n\(Taken[^\n]*(?:\n[^\n]+)*?\)\n", re.DOTALL)
    new = f"{MARKER}\n```text\n{tables}\n```\n{stamp}\n"
    if not pattern.search(text):
        raise SystemExit(f"{PAGE}: no tables block after {MARKER!r}")
    PAGE.write_text(pattern.sub(lambda _: new, text, count=1))
    print(new)


if __name__ == "__main__":
    main()
