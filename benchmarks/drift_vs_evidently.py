"""Drift at scale: the gate's data-quality + drift check vs Evidently's DataDriftPreset.

Data (generated once, cached under benchmarks/data/): a reference and a current file of N rows
x 22 columns, each as Parquet and as CSV. Both draw from benchmarks/datagen.py's distribution
(17 numeric, `segment` with 20 categories, `sex` and `race` with a few missing, `label`,
`income_reported` with 5 % missing), from different seeded streams; the current file then has
known shifts: f01 + 0.3 (a normal, sd 1), f16 x 1.25 (a log-normal), 15 % of `segment` moved
to seg_00, and `income_reported` missing in 20 % of the rows instead of 5 %.

Each case runs in its own fresh process (measure.py: wall time with imports, the child's own
peak RSS from wait4):
  (a) Evidently: pandas reads both files (timed apart), then Report([DataDriftPreset()]).run;
  (b) the gate: `python -m gate check --policy P --data CUR --reference REF --output-dir D`
      with P = one data_quality check and one drift check over all columns.
The ratio is a/b per file format; the issue's target is at least 20x.

    python benchmarks/drift_vs_evidently.py [--rows 1M] [--repeat N] [--formats parquet,csv]
        [--timeout S] [--mem-cap-gb G] [--data-dir DIR] [--output FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import datagen
import measure
import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GENERATOR_VERSION = 1
REFERENCE_STREAM, CURRENT_STREAM = 1_000, 2_000  # apart from datagen's streams (0 and 1..)
TARGET_RATIO = 20
FORMATS = ("parquet", "csv")
POLICY = """\
version: 1
name: drift-benchmark
checks:
  - id: quality
    type: data_quality
    max_missing_share: 0.05
    constant: false
    max_unseen_share: 0.01
    max_duplicate_share: 0.01
  - id: drift
    type: drift
    columns: all
    method: auto
    max: 0.1
"""


# --- data -------------------------------------------------------------------------------


def data_paths(data_dir: Path, rows: int) -> dict[tuple[str, str], Path]:
    """(side, format) -> path, side in reference | current."""
    stem = f"drift-v{GENERATOR_VERSION}-{datagen.GENERATOR_VERSION}-{rows}"
    return {
        (side, fmt): data_dir / f"{stem}-{side}.{fmt}"
        for side in ("reference", "current")
        for fmt in FORMATS
    }


def ensure_data(data_dir: Path, rows: int) -> dict[tuple[str, str], Path]:
    """The cached files of `rows` rows, each written first if absent (temp file + rename)."""
    paths = data_paths(data_dir, rows)
    data_dir.mkdir(parents=True, exist_ok=True)
    for side, stream in (("reference", REFERENCE_STREAM), ("current", CURRENT_STREAM)):
        if not (paths[side, "parquet"].exists() and paths[side, "csv"].exists()):
            write_side(paths[side, "parquet"], paths[side, "csv"], rows, stream, side)
    return paths


def write_side(parquet: Path, csv: Path, rows: int, stream: int, side: str) -> None:
    partial = {p: p.with_name(p.name + f".{os.getpid()}.partial") for p in (parquet, csv)}
    pwriter = cwriter = None
    try:
        for i, start in enumerate(range(0, rows, datagen.CHUNK_ROWS)):
            table = datagen.chunk(min(datagen.CHUNK_ROWS, rows - start), stream + i)
            if side == "current":
                table = shift(table, stream + i)
            if pwriter is None:
                pwriter = pq.ParquetWriter(partial[parquet], table.schema)
                cwriter = pcsv.CSVWriter(partial[csv], table.schema)
            pwriter.write_table(table, row_group_size=datagen.CHUNK_ROWS)
            cwriter.write_table(table)
    finally:
        for writer in (pwriter, cwriter):
            if writer is not None:
                writer.close()
    for final, temp in partial.items():
        temp.replace(final)


def shift(table: pa.Table, stream: int) -> pa.Table:
    """The current data's known shifts (module docstring)."""
    rng = np.random.default_rng([datagen.SEED, stream, 7])
    rows = table.num_rows
    f01 = table["f01"].to_numpy() + 0.3
    f16 = table["f16"].to_numpy() * 1.25
    segment = np.asarray(table["segment"].to_pylist(), dtype=object)
    segment[rng.uniform(size=rows) < 0.15] = "seg_00"
    income = table[datagen.EXTRA].to_numpy(zero_copy_only=False)
    missing = np.isnan(income) | (rng.uniform(size=rows) < 0.158)  # 5 % -> 20 %
    replaced = {
        "f01": pa.array(f01),
        "f16": pa.array(f16),
        "segment": pa.array(segment, type=pa.string()),
        datagen.EXTRA: pa.array(np.where(missing, 0.0, income), mask=missing),
    }
    return pa.table({name: replaced.get(name, table[name]) for name in table.column_names})


# --- cases ------------------------------------------------------------------------------


@dataclass
class Case(measure.Runs):
    """The runs of one side (evidently | gate) on one file format."""

    rows: int
    key: str  # evidently | gate
    fmt: str
    runs: list[measure.Run] = field(default_factory=list)
    details: list[dict] = field(default_factory=list)
    note: str = ""

    def median(self, name: str) -> float | None:
        values = [d[name] for d in self.details if name in d]
        return statistics.median(values) if values else None


def measure_drift(
    rows: int,
    data_dir: Path,
    *,
    repeat: int = 1,
    formats: tuple[str, ...] = FORMATS,
    timeout: float = 3600.0,
    mem_cap_gb: float = 12.0,
    address_space_gb: float = 32.0,
) -> list[Case]:
    """Both sides on every format, each run in a fresh process."""
    log(f"drift benchmark, {rows:,} rows: data")
    paths = ensure_data(data_dir, rows)
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        DO_NOT_TRACK="1",  # Evidently's telemetry (none is sent by a Report, but be sure)
    )
    limits = {
        "timeout": timeout,
        "mem_cap_bytes": int(mem_cap_gb * 2**30),
        "address_space_bytes": int(address_space_gb * 2**30),
    }
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        policy = Path(tmp) / "drift-policy.yaml"
        policy.write_text(POLICY)
        for fmt in formats:
            ref, cur = paths["reference", fmt], paths["current", fmt]
            evidently = [
                sys.executable,
                str(Path(__file__)),
                "--evidently-child",
                str(ref),
                str(cur),
            ]
            gate = [sys.executable, "-m", "gate", "check", "--policy", str(policy)]
            gate += ["--data", str(cur), "--reference", str(ref)]
            for key, cmd in (("evidently", evidently), ("gate", gate)):
                case = Case(rows, key, fmt)
                cases.append(case)
                run_case(case, cmd, repeat, env, limits)
    return cases


def run_case(case: Case, cmd: list[str], repeat: int, env: dict, limits: dict) -> None:
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as out:
            full = [*cmd, "--output-dir", out] if case.key == "gate" else cmd
            run = measure.run(full, env=env, cwd=ROOT, **limits)
            case.runs.append(run)
            if run.outcome == "ok" and case.key == "gate":
                case.details.append(gate_details(Path(out) / "report.json"))
            elif run.outcome == "ok":
                case.details.append(json.loads(run.stdout.strip().splitlines()[-1]))
        log(f"  {case.key} ({case.fmt}): {run.outcome}, {run.wall:.1f} s, {run.peak_rss_mb:.0f} MB")
        if run.outcome != "ok":
            case.note = failure_note(case, run)
            return
    case.note = success_note(case)


def gate_details(report_path: Path) -> dict:
    report = json.loads(report_path.read_text())
    checks = {c["id"]: c for c in report["checks"]}
    drift = checks.get("drift", {})
    drifted = [c["column"] for c in drift.get("columns", []) if c.get("drifted")]
    return {
        "decision": report["decision"],
        "statuses": {k: c["status"] for k, c in checks.items()},
        "drifted": drifted,
        "columns": len(drift.get("columns", [])),
    }


def failure_note(case: Case, run: measure.Run) -> str:
    """Why a run did not finish; a policy the CLI refuses is said plainly."""
    if run.outcome in ("timeout", "memory"):
        return f"did not finish ({run.outcome}) after {run.wall:.0f} s"
    lines = [line for line in run.stderr.strip().splitlines() if line.strip()]
    if case.key == "gate" and run.returncode == 2:
        first = lines[0] if lines else ""
        return (
            f"**the CLI refused the benchmark policy** (exit 2, {len(lines)} error line(s)): "
            f"`{first[:300]}`"
        )
    return f"failed (exit {run.returncode}): `{(lines[-1] if lines else '')[:300]}`"


def success_note(case: Case) -> str:
    last = case.details[-1]
    if case.key == "evidently":
        return (
            f"read {case.median('read_seconds'):.1f} s + DataDriftPreset "
            f"{case.median('drift_seconds'):.1f} s; {last['drifted']} of {last['columns']} "
            f"columns drifted"
        )
    drifted = ", ".join(last["drifted"]) or "none"
    statuses = ", ".join(f"{k} {v}" for k, v in last["statuses"].items())
    return f"{last['decision']} ({statuses}); drifted of {last['columns']}: {drifted}"


# --- the Evidently child ----------------------------------------------------------------


def evidently_child(reference: str, current: str) -> None:
    """One Evidently run in this process; prints its timings as JSON on the last line."""
    import pandas as pd
    from evidently import Report
    from evidently.presets import DataDriftPreset

    read = pd.read_parquet if reference.endswith(".parquet") else pd.read_csv
    start = time.perf_counter()
    ref, cur = read(reference), read(current)
    read_seconds = time.perf_counter() - start
    start = time.perf_counter()
    snapshot = Report([DataDriftPreset()]).run(cur, ref)
    drift_seconds = time.perf_counter() - start
    metrics = snapshot.dict()["metrics"]
    count = metrics[0]["value"]  # DriftedColumnsCount: {"count": ..., "share": ...}
    done = {
        "read_seconds": read_seconds,
        "drift_seconds": drift_seconds,
        "drifted": int(count["count"]),
        "columns": len(metrics) - 1,  # one ValueDrift per column
        "rows": len(cur),
    }
    print(json.dumps(done))


# --- the table --------------------------------------------------------------------------


def render(cases: list[Case], command: str) -> str:
    """The Markdown section: one row per case, then the ratio per format."""
    lines = [
        "## Drift: the gate vs Evidently's DataDriftPreset (benchmarks/drift_vs_evidently.py)",
        "",
        f"`{command}`. Each case is a fresh process (imports included); wall is the median of "
        "the runs, peak RSS the largest (`ru_maxrss` of that process). Data: reference and "
        "current, N rows x 22 columns each (benchmarks/datagen.py's columns, the current with "
        "f01 + 0.3 sd, f16 x 1.25, 15 % of `segment` moved to seg_00 and `income_reported` "
        "missing 5 % -> 20 %). Evidently: pandas reads both files, then "
        "`Report([DataDriftPreset()]).run(current, reference)` with its defaults. Gate: "
        "`model-gate check` with one data_quality check (missing share, constant columns, unseen "
        "categories, duplicate rows) and one drift check (columns: all, method: auto, max: 0.1, "
        "1,000 resamples per column interval). Target: the gate at least "
        f"{TARGET_RATIO}x faster.",
        "",
        "| rows | columns | format | case | runs | wall s | peak RSS MB | note |",
        "|---:|---:|---|---|---:|---:|---:|---|",
    ]
    for case in cases:
        wall = f"{case.wall:.2f}" if case.finished else "—"
        label = "(a) Evidently DataDriftPreset" if case.key == "evidently" else "(b) gate check"
        lines.append(
            f"| {case.rows:,} | 22 | {case.fmt} | {label} | {len(case.runs)} | {wall} "
            f"| {case.peak_mb:,.0f} | {case.note} |"
        )
    lines += [
        "",
        "| rows | format | a/b (wall) | peak RSS a/b | target |",
        "|---:|---|---|---|---|",
    ]
    by = {(c.rows, c.fmt, c.key): c for c in cases}
    for rows, fmt in sorted({(c.rows, c.fmt) for c in cases}):
        lines.append(
            ratio_row(rows, fmt, by.get((rows, fmt, "evidently")), by.get((rows, fmt, "gate")))
        )
    lines.append("")
    return "\n".join(lines)


def ratio_row(rows: int, fmt: str, evidently: Case | None, gate: Case | None) -> str:
    if not (evidently and evidently.finished and gate and gate.finished):
        missing = [c.key for c in (evidently, gate) if c is None or not c.finished]
        return f"| {rows:,} | {fmt} | not measured ({', '.join(missing)} did not finish) | | |"
    ratio = evidently.wall / gate.wall
    memory = evidently.peak_mb / gate.peak_mb
    verdict = "pass" if ratio >= TARGET_RATIO else "miss"
    return f"| {rows:,} | {fmt} | {ratio:.1f}x | {memory:.1f}x | {verdict} (>= {TARGET_RATIO}x) |"


# --- command line -----------------------------------------------------------------------


def parse_rows(text: str) -> int:
    scale = {"k": 1_000, "m": 1_000_000}
    text = text.strip().lower().replace("_", "").replace(",", "")
    factor = scale.get(text[-1:], 1)
    try:
        rows = int(float(text[:-1] if factor > 1 else text) * factor)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--rows: '{text}' is not a row count") from None
    if rows < 1000:
        raise argparse.ArgumentTypeError(f"--rows: {rows} is under 1000 rows")
    return rows


def parse_formats(text: str) -> tuple[str, ...]:
    formats = tuple(f.strip() for f in text.split(","))
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise argparse.ArgumentTypeError(f"--formats: {bad} not among {FORMATS}")
    return formats


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=parse_rows, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs per case (default 1)")
    parser.add_argument("--formats", type=parse_formats, default=FORMATS)
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per process")
    parser.add_argument("--mem-cap-gb", type=float, default=12.0, help="resident, per process")
    parser.add_argument("--data-dir", type=Path, default=HERE / "data")
    parser.add_argument(
        "--output", type=Path, default=HERE / "data" / "drift_vs_evidently.md", help="table file"
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--evidently-child"]:
        evidently_child(*argv[1:3])
        return 0
    opts = arguments(argv)
    if opts.repeat < 1:
        sys.exit("--repeat: at least 1")
    cases = measure_drift(
        opts.rows,
        opts.data_dir,
        repeat=opts.repeat,
        formats=opts.formats,
        timeout=opts.timeout,
        mem_cap_gb=opts.mem_cap_gb,
    )
    text = render(cases, "python benchmarks/drift_vs_evidently.py " + shlex.join(argv))
    opts.output.parent.mkdir(parents=True, exist_ok=True)
    opts.output.write_text(text)
    print(text)
    return 0


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
