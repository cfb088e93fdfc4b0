"""All benchmarks in one command -> benchmarks/RESULTS.md (also `make bench [ROWS=1000000]`).

For each size N (default 1M and 10M rows x 22 columns, generated and cached by datagen.py),
each case runs in its own fresh process (imports counted; peak RSS is that process's own):
  (a) the floor: pyarrow reads the file, the model's predict_proba scores it (whole table, and
      streamed by record batches);
  (b) the gate: `python -m gate check` on benchmarks/policy.yaml (1,000 resamples);
  (c) the same evaluation written by hand (handwritten.py).
Then the ratios b/a and c/b from this same run, and the issue's targets marked pass / miss.
Also runs startup.py, whose output stays in the same RESULTS.md.

    python benchmarks/run_all.py [--rows 1000000,10000000] [--repeat N] [--timeout S]
        [--mem-cap-gb 6] [--hand-resamples 1000 | ROWS:N,ROWS:N] [--output FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import datagen
import measure

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
POLICY = HERE / "policy.yaml"
DEFAULT_ROWS = (1_000_000, 10_000_000)
RESAMPLES = 1000
# At and above this size the streaming floor is the floor (the whole table may not fit);
# below it, the faster of the two.
STREAMING_FLOOR_FROM = 10_000_000
TARGET_RATIO_ROWS, TARGET_RATIO = 1_000_000, 1.5
TARGET_RSS_ROWS, TARGET_RSS_MB = 10_000_000, 1024
TARGET_SPEEDUP = 30
VERSIONS = ("numpy", "pandas", "pyarrow", "sklearn", "fairlearn", "skops")


@dataclass
class Case:
    """The runs of one case at one size."""

    rows: int
    key: str  # floor-table | floor-stream | gate | hand
    label: str
    runs: list[measure.Run] = field(default_factory=list)
    note: str = ""

    @property
    def finished(self) -> bool:
        return bool(self.runs) and all(r.outcome == "ok" for r in self.runs)

    @property
    def wall(self) -> float | None:
        return statistics.median(r.wall for r in self.runs) if self.finished else None

    @property
    def peak_mb(self) -> float:
        return max(r.peak_rss_mb for r in self.runs)

    @property
    def status(self) -> str:
        if self.finished:
            return "ok"
        last = self.runs[-1]
        return f"did not finish ({last.outcome}) after {last.wall:.0f} s"


def parse_rows(text: str) -> list[int]:
    """'1000000,10M,20k' -> [1000000, 10000000, 20000]."""
    scale = {"k": 1_000, "m": 1_000_000}
    out = []
    for part in text.split(","):
        part = part.strip().lower().replace("_", "")
        factor = scale.get(part[-1:], 1)
        number = part[:-1] if factor > 1 else part
        try:
            rows = int(float(number) * factor)
        except ValueError:
            raise argparse.ArgumentTypeError(f"--rows: '{part}' is not a row count") from None
        if rows < 1000:
            raise argparse.ArgumentTypeError(f"--rows: {rows} is under 1000 rows")
        out.append(rows)
    return out


def parse_resamples(text: str) -> dict[int | None, int]:
    """'1000' (every size) or '1M:20,10M:2' (per size; sizes not named get 1000)."""
    out: dict[int | None, int] = {}
    for part in text.split(","):
        size, _, count = part.rpartition(":")
        try:
            value = int(count)
        except ValueError:
            raise argparse.ArgumentTypeError(f"--hand-resamples: bad count in '{part}'") from None
        if value < 1:
            raise argparse.ArgumentTypeError("--hand-resamples: counts are at least 1")
        out[parse_rows(size)[0] if size else None] = value
    return out


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=parse_rows, default=list(DEFAULT_ROWS))
    parser.add_argument(
        "--repeat",
        type=int,
        help="runs per floor/gate case (default 3 up to "
        "1M rows, else 1); the hand-written case runs once",
    )
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per process")
    parser.add_argument(
        "--mem-cap-gb", type=float, default=6.0, help="resident memory per process (default 6)"
    )
    parser.add_argument(
        "--address-space-gb",
        type=float,
        default=16.0,
        help="RLIMIT_AS backstop per process (default 16)",
    )
    parser.add_argument("--hand-resamples", type=parse_resamples, default={None: RESAMPLES})
    parser.add_argument("--data-dir", type=Path, default=HERE / "data")
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--skip-startup", action="store_true", help="do not run startup.py")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    opts = arguments(argv)
    command = "python benchmarks/run_all.py " + shlex.join(argv)
    load_before = os.getloadavg()[0]
    startup = "(skipped: --skip-startup)" if opts.skip_startup else run_startup()
    model = datagen.ensure_model(opts.data_dir)
    trust = [a for t in datagen.untrusted_types(model) for a in ("--trust-type", t)]
    cases: list[Case] = []
    for rows in opts.rows:
        log(f"{rows:,} rows: data")
        data = datagen.ensure_data(opts.data_dir, rows)
        repeat = opts.repeat or (3 if rows <= 1_000_000 else 1)
        resamples = opts.hand_resamples.get(rows, opts.hand_resamples.get(None, RESAMPLES))
        for case, cmd, times in plan(rows, model, data, trust, repeat, resamples):
            cases.append(case)
            failed = run_case(case, cmd, times, opts)
            if failed:
                sys.stderr.write(failed)
                return 1
    load = (
        f"load average (1 min) {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    )
    text = render(cases, startup, command, opts, load)
    partial = opts.output.with_name(opts.output.name + ".tmp")
    partial.write_text(text)
    partial.replace(opts.output)
    print(text)
    return 0


def plan(rows: int, model: Path, data: Path, trust: list[str], repeat: int, resamples: int):
    """(case, command, runs) for every case at one size, in the order they run."""
    py = sys.executable
    floor = str(HERE / "floor.py")
    gate = [
        py,
        "-m",
        "gate",
        "check",
        "--policy",
        str(POLICY),
        "--model",
        str(model),
        "--data",
        str(data),
        *trust,
    ]
    hand_label = f"(c) hand-written, {resamples} resamples"
    return [
        (
            Case(rows, "floor-table", "(a) floor, whole table"),
            [py, floor, "table", str(model), str(data)],
            repeat,
        ),
        (
            Case(rows, "floor-stream", "(a) floor, record batches"),
            [py, floor, "stream", str(model), str(data)],
            repeat,
        ),
        (Case(rows, "gate", f"(b) gate, {RESAMPLES} resamples"), gate, repeat),
        (
            Case(rows, "hand", hand_label),
            [py, str(HERE / "handwritten.py"), str(model), str(data), str(resamples)],
            1,
        ),
    ]


def run_case(case: Case, cmd: list[str], times: int, opts: argparse.Namespace) -> str | None:
    """Run a case `times` times (stopping at a limit); an unexpected failure is returned."""
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    for _ in range(times):
        with tempfile.TemporaryDirectory() as out:
            full = [*cmd, "--output-dir", out] if case.key == "gate" else cmd
            run = measure.run(
                full,
                timeout=opts.timeout,
                env=env,
                cwd=ROOT,
                mem_cap_bytes=int(opts.mem_cap_gb * 2**30),
                address_space_bytes=int(opts.address_space_gb * 2**30),
            )
            if case.key == "gate" and run.outcome == "ok":
                report = json.loads((Path(out) / "report.json").read_text())
                case.note = f"exit {run.returncode} ({report['decision']})"
        case.runs.append(run)
        log(f"  {case.label}: {run.outcome}, {run.wall:.1f} s, {run.peak_rss_mb:.0f} MB")
        if run.outcome == "error":
            return (
                f"benchmark failed: {shlex.join(full)} exited {run.returncode}\n"
                f"{run.stderr[-5000:]}\n"
            )
        if run.outcome != "ok":
            return None
    if case.key == "hand":
        case.note = hand_note(case.runs[0])
    return None


def hand_note(run: measure.Run) -> str:
    done = json.loads(run.stdout.strip().splitlines()[-1])
    return f"bootstrap loop {done['bootstrap_seconds']:.1f} s"


def extrapolated_hand(case: Case) -> float | None:
    """The hand-written wall time at RESAMPLES resamples, from a run with fewer (linear in the
    bootstrap loop); None when the run already had RESAMPLES or did not finish."""
    if not case.finished:
        return None
    done = json.loads(case.runs[0].stdout.strip().splitlines()[-1])
    if done["resamples"] == RESAMPLES:
        return None
    per = done["bootstrap_seconds"] / done["resamples"]
    return case.wall - done["bootstrap_seconds"] + per * RESAMPLES


def run_startup() -> str:
    log("startup.py")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, str(HERE / "startup.py")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"benchmarks/startup.py failed:\n{done.stdout}{done.stderr}")
    return done.stdout.rstrip()


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ---- RESULTS.md


def render(
    cases: list[Case], startup: str, command: str, opts: argparse.Namespace, load: str
) -> str:
    by = {(c.rows, c.key): c for c in cases}
    lines = [
        "# Benchmark results",
        "",
        f"`{command}` on {dt.date.today().isoformat()}; {machine()}; {load}.",
        "",
        "## Start-up and the credit example (benchmarks/startup.py)",
        "",
        "```",
        startup,
        "```",
        "",
        "## Floor, gate and hand-written evaluation (benchmarks/run_all.py)",
        "",
        "Each case is a fresh process (imports included); wall time is the median of the runs "
        "shown, peak RSS the largest of them (`ru_maxrss` of that process, from `wait4`). "
        f"Limits per process: {opts.timeout:.0f} s and {opts.mem_cap_gb:g} GB resident "
        f"(watchdog), {opts.address_space_gb:g} GB address space (RLIMIT_AS backstop).",
        "Data: N rows x 22 columns (17 numeric and 1 categorical model inputs, `sex` and `race` "
        "with a few missing values, `label`, `income_reported` with 5 % missing), generated by "
        f"benchmarks/datagen.py (version {datagen.GENERATOR_VERSION}); model: scikit-learn "
        "LogisticRegression (scaler + one-hot in a Pipeline) trained on 50,000 rows, saved with "
        "skops. Gate: `python -m gate check --policy benchmarks/policy.yaml` (roc_auc, "
        "brier_score, accuracy, selection-rate ratio and equalized-odds difference over sex "
        "and race, each on a 95 % interval; every column profiled).",
        "",
        "| rows | case | runs | wall s | peak RSS MB | ratio | note |",
        "|---:|---|---:|---:|---:|---|---|",
    ]
    for case in cases:
        lines += table_rows(case, by)
    lines += ["", "### Targets of issue 9", "", "| target | measured | |", "|---|---|---|"]
    lines += targets(by)
    lines.append("")
    return "\n".join(lines)


def floor_of(rows: int, by: dict) -> Case | None:
    """The floor the ratio uses: the streaming one from STREAMING_FLOOR_FROM rows, else the
    faster of the two (None when the one needed did not finish)."""
    table, stream = by.get((rows, "floor-table")), by.get((rows, "floor-stream"))
    if rows >= STREAMING_FLOOR_FROM:
        return stream if stream and stream.finished else None
    done = [c for c in (table, stream) if c and c.finished]
    return min(done, key=lambda c: c.wall) if done else None


def table_rows(case: Case, by: dict) -> list[str]:
    wall = f"{case.wall:.2f}" if case.finished else case.status
    ratio = ""
    floor, gate = floor_of(case.rows, by), by.get((case.rows, "gate"))
    if case.key.startswith("floor") and floor is case:
        ratio = "the floor (a)"
    elif case.key == "gate" and floor and case.finished:
        ratio = f"b/a = {case.wall / floor.wall:.1f}"
    elif case.key == "hand" and gate and gate.finished and case.finished:
        ratio = f"c/b = {case.wall / gate.wall:.1f}"
    out = [
        f"| {case.rows:,} | {case.label} | {len(case.runs)} | {wall} | {case.peak_mb:,.0f} "
        f"| {ratio} | {case.note} |"
    ]
    guess = extrapolated_hand(case) if case.key == "hand" else None
    if guess is not None:
        ratio = f"c/b = {guess / gate.wall:.0f} (extrapolated)" if gate and gate.finished else ""
        out.append(
            f"| {case.rows:,} | (c) hand-written, {RESAMPLES} resamples: **extrapolated**"
            f" from the run above, not measured | 0 | {guess:,.0f} (extrapolated) | "
            f"| {ratio} | linear in resamples |"
        )
    return out


def targets(by: dict) -> list[str]:
    out = []
    gate, floor = by.get((TARGET_RATIO_ROWS, "gate")), floor_of(TARGET_RATIO_ROWS, by)
    label = f"gate at {TARGET_RATIO_ROWS:,} rows ≤ {TARGET_RATIO}x the floor (b/a)"
    if gate is None:
        out.append(f"| {label} | not run (size not chosen) | |")
    elif gate.finished and floor:
        ratio = gate.wall / floor.wall
        out.append(f"| {label} | {ratio:.1f}x | {verdict(ratio <= TARGET_RATIO)} |")
    else:
        out.append(f"| {label} | {gate.status} | miss |")
    gate = by.get((TARGET_RSS_ROWS, "gate"))
    label = f"gate at {TARGET_RSS_ROWS:,} rows under {TARGET_RSS_MB:,} MB peak RSS"
    if gate is None:
        out.append(f"| {label} | not run (size not chosen) | |")
    elif gate.finished:
        out.append(
            f"| {label} | {gate.peak_mb:,.0f} MB | {verdict(gate.peak_mb < TARGET_RSS_MB)} |"
        )
    else:
        out.append(f"| {label} | {gate.status} (peak {gate.peak_mb:,.0f} MB) | miss |")
    for rows in sorted({r for r, _ in by}):
        out.append(speedup_row(rows, by, judged=rows >= TARGET_RATIO_ROWS))
    return out


def speedup_row(rows: int, by: dict, judged: bool) -> str:
    """c/b at one size; judged pass / miss from TARGET_RATIO_ROWS rows, else information."""

    def verdict_of(ok: bool) -> str:
        return verdict(ok) if judged else f"(info: judged from {TARGET_RATIO_ROWS:,} rows)"

    gate, hand = by.get((rows, "gate")), by.get((rows, "hand"))
    label = f"at least {TARGET_SPEEDUP}x faster than by hand (c/b), {rows:,} rows"
    if not (gate and gate.finished and hand and hand.finished):
        return f"| {label} | not measured (a case did not finish) | |"
    guess = extrapolated_hand(hand)
    if guess is None:
        ratio = hand.wall / gate.wall
        return f"| {label} | {ratio:.1f}x | {verdict_of(ratio >= TARGET_SPEEDUP)} |"
    ratio = guess / gate.wall
    return (
        f"| {label} | {ratio:.0f}x **extrapolated** to {RESAMPLES} resamples (measured "
        f"{hand.wall / gate.wall:.1f}x with the hand-written run at fewer) | "
        f"{verdict_of(ratio >= TARGET_SPEEDUP)} (on the extrapolation) |"
    )


def verdict(ok: bool) -> str:
    return "pass" if ok else "miss"


def machine() -> str:
    import importlib.metadata as md

    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    names = {"sklearn": "scikit-learn"}
    versions = ", ".join(f"{n} {md.version(names.get(n, n))}" for n in VERSIONS)
    return (
        f"{os.cpu_count()} cores, {ram:.0f} GB RAM, {platform.system()} "
        f"{platform.machine()}, Python {platform.python_version()}, {versions}"
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
