"""Print the error-parity figures (the README's table): run every case of
``parity_tests/error_parity/`` in torch and minitorch and count the verdicts.

    python tools/error_parity_report.py            # the table
    python tools/error_parity_report.py --list     # and every case that is not "same"
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "parity_tests"))

from error_parity.runner import (
    judge,
    load_all_cases,
    load_known_differences,
    run_cases,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="list every case that is not 'same'")
    args = parser.parse_args()
    cases = load_all_cases()
    KNOWN_DIFFERENCES = load_known_differences()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        ref, ours = pool.map(lambda lib: run_cases(lib, cases), ["torch", "minitorch"])
    verdicts = {case.id: judge(ref[case.id], ours[case.id]) for case in cases}
    counts = collections.Counter(verdicts.values())
    raising = sum(n for v, n in counts.items() if v not in ("not-invalid", "setup-error"))
    print("| cases | callables | same type as torch | different type | silent | crashes | hangs |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(f"| {len(cases)} | {len({c.callable for c in cases})} | {counts['same']} "
          f"({100 * counts['same'] / max(raising, 1):.1f}%) | {counts['different']} | {counts['silent']} "
          f"| {counts['crash']} | {counts['hang']} |")
    documented = sum(1 for i in KNOWN_DIFFERENCES if verdicts.get(i) in ("different", "silent"))
    print(f"\ndocumented differences among them: {documented}; "
          f"not invalid in torch: {counts['not-invalid']}; setup errors: {counts['setup-error']}")
    if args.list:
        for case in cases:
            if verdicts[case.id] != "same":
                r, o = ref[case.id], ours[case.id]
                print(f"{verdicts[case.id]:>11}  {case.id}\n             torch: {r.get('exc', r['outcome'])}: "
                      f"{r.get('msg', '')[:120]}\n             ours:  {o.get('exc', o['outcome'])}: "
                      f"{o.get('msg', '')[:120]}")


if __name__ == "__main__":
    main()
