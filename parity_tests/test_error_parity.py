"""Error parity in subprocesses: every invalid call of ``error_parity/cases_*.py`` raises in
torch (else it does not belong in the table), and minitorch raises the same built-in exception
type (or a subclass), without crashing or hanging. Documented differences are the tables'
``KNOWN_DIFFERENCES``; the figures are printed by ``tools/error_parity_report.py``."""

from __future__ import annotations

import concurrent.futures

import pytest
from error_parity.runner import judge, load_all_cases, load_known_differences, run_cases, tables

KNOWN_DIFFERENCES = load_known_differences()

CASES = load_all_cases()


@pytest.fixture(scope="module")
def outcomes() -> dict[str, tuple[dict, dict]]:
    """Both libraries' outcome for every case, the two children running side by side."""
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        ref, ours = pool.map(lambda lib: run_cases(lib, CASES), ["torch", "minitorch"])
    return {case.id: (ref[case.id], ours[case.id]) for case in CASES}


@pytest.mark.parametrize("table", sorted(tables()))
def test_case_ids_are_unique_within_a_table(table):
    ids = [case.id for case in tables()[table]]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_known_differences_are_cases():
    assert set(KNOWN_DIFFERENCES) <= {case.id for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_error_parity(case, outcomes):
    reference, ours = outcomes[case.id]
    verdict = judge(reference, ours)
    detail = (f"torch: {reference.get('exc', reference['outcome'])}: {reference.get('msg', '')}\n"
              f"minitorch: {ours.get('exc', ours['outcome'])}: {ours.get('msg', '')}")
    if case.id in KNOWN_DIFFERENCES:
        assert verdict in ("different", "silent"), f"now {verdict}: remove it from known.py\n{detail}"
        return
    assert verdict == "same", f"{verdict}\n{detail}"
