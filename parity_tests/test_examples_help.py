"""Every example answers ``--help``: it exits 0, and each option has a help text and shows its
default (``argparse.ArgumentDefaultsHelpFormatter``). That covers ``examples/*.py`` and the
gallery's chapters (``examples/gallery/*.py``, whose shared options ``_gallery.setup`` adds);
``test_examples_data.py`` checks the three main examples' texts in more detail.

The examples run in one child process, one after the other (``runpy``, as ``__main__``, with
``sys.argv = [path, "--help"]``), which keeps the imports' cost to one: each records its parser
and its exit status.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p.relative_to(ROOT).as_posix() for p in [*ROOT.glob("examples/*.py"),
                                                              *ROOT.glob("examples/gallery/*.py")]
                  if not p.name.startswith("_"))

DRIVER = r"""
import argparse, contextlib, io, json, runpy, sys
results = {}
original = argparse.ArgumentParser.parse_args
for path in sys.argv[1:]:
    sys.path[:0] = [path.rsplit("/", 1)[0]]
    seen = []
    def parse_args(self, *args, **kwargs):
        seen.append(self)
        return original(self, *args, **kwargs)
    argparse.ArgumentParser.parse_args = parse_args
    sys.argv = [path, "--help"]
    out = io.StringIO()
    code = None
    with contextlib.redirect_stdout(out):
        try:
            runpy.run_path(path, run_name="__main__")
        except SystemExit as exit:
            code = exit.code
    parser = seen[0] if seen else None
    results[path] = {
        "code": code, "help": out.getvalue(),
        "defaults": bool(parser) and issubclass(parser.formatter_class, argparse.ArgumentDefaultsHelpFormatter),
        "options": [] if parser is None else [
            {"flags": a.option_strings, "help": a.help, "default": repr(a.default)}
            for a in parser._actions if a.dest != "help"],
    }
    del sys.path[0]
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def answers() -> dict:
    run = subprocess.run([sys.executable, "-c", DRIVER, *EXAMPLES], cwd=ROOT, capture_output=True,
                         text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_the_examples_are_found():
    assert "examples/side_by_side.py" in EXAMPLES and "examples/gallery/lenet.py" in EXAMPLES
    assert len(EXAMPLES) >= 15


@pytest.mark.parametrize("example", EXAMPLES)
def test_help_runs_and_every_option_has_help_and_a_default(answers, example):
    answer = answers[example]
    assert answer["code"] == 0, f"{example} --help exited with {answer['code']}"
    assert answer["help"].startswith("usage:"), answer["help"][:300]
    assert answer["defaults"], f"{example}: use formatter_class=argparse.ArgumentDefaultsHelpFormatter"
    assert answer["options"], f"{example}: no options"
    missing = [o["flags"] for o in answer["options"] if not o["help"]]
    assert not missing, f"{example}: options without help: {missing}"
    text = " ".join(answer["help"].split())
    for option in answer["options"]:
        if option["default"] not in ("False", "None", "'==SUPPRESS=='"):
            assert f"{' '.join(option['help'].split())} (default:" in text, option
