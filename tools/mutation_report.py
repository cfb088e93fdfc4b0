"""Kill rate per module from `mutmut results --all true` (run after `mutmut run`).

A mutant counts as killed when a test failed on it (or it timed out, or a type check caught
it); survivors and mutants no test reaches count against the rate. Timeouts are listed apart:
on a loaded machine a surviving mutant can time out, so check them by hand before trusting
a rate that rests on them. Exit 1 when a module given
with --min is below that rate.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter, defaultdict

KILLED = {"killed", "timeout", "caught by type check"}
NOT_RUN = {"skipped", "not checked"}
LINE = re.compile(r"^\s*(?P<module>[\w.]+?)\.x[_ǁ]\S*__mutmut_\d+: (?P<status>.+)$")


def tally(lines: list[str]) -> dict[str, Counter[str]]:
    """Counts of each status per module."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for line in lines:
        match = LINE.match(line)
        if match:
            out[match["module"]][match["status"].strip()] += 1
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--min", type=float, default=None, help="required kill rate, percent")
    args = parser.parse_args(argv)
    proc = subprocess.run(
        ["mutmut", "results", "--all", "true"], capture_output=True, text=True, check=True
    )
    failing = []
    print(f"{'module':36} {'killed':>7} {'timeout':>8} {'survived':>9} {'untested':>9} {'rate':>7}")
    for module, counts in sorted(tally(proc.stdout.splitlines()).items()):
        run = sum(n for s, n in counts.items() if s not in NOT_RUN)
        if not run:
            print(f"{module:36} {'(not run)':>44}")
            continue
        killed = sum(counts[s] for s in KILLED)
        rate = 100.0 * killed / run
        untested = counts["no tests"]
        timeouts = counts["timeout"]
        print(
            f"{module:36} {killed:7} {timeouts:8} {run - killed - untested:9} {untested:9}"
            f" {rate:6.1f}%"
        )
        if args.min is not None and rate < args.min:
            failing.append(module)
    if failing:
        print(f"below {args.min}%: {', '.join(failing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
