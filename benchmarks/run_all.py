"""All benchmarks in one command -> benchmarks/RESULTS.md (also `make bench [ROWS=1000000]`).

For each size N (default 1M and 10M rows x 22 columns, generated and cached by datagen.py),
each case runs in its own fresh process (imports counted; peak RSS is that process's own):
  (a) the floor: pyarrow reads the file, the model's predict_proba scores it (whole table, and
      streamed by record batches);
  (b) the gate: `python -m gate check` on benchmarks/policy.yaml (1,000 resamples);
  (c) the same evaluation written by hand (handwritten.py).
Then the ratios b/a and c/b from this same run, and the issue's targets marked pass / miss.
Also runs startup.py, whose output stays in the same RESULTS.md, and drift_vs_evidently.py
(the gate's data-quality + drift check vs Evidently's DataDriftPreset) at the smallest size
(or --drift-rows), and behaviour_all.py (the behaviour checks and multiclass, each added to a
run at the smallest size, or --behaviour-rows), whose tables end RESULTS.md.

    python benchmarks/run_all.py [--rows 1000000,10000000] [--repeat N] [--timeout S]
        [--mem-cap-gb 6] [--hand-resamples 1000 | ROWS:N,ROWS:N] [--output FILE]
        [--drift-rows N | --skip-drift] [--behaviour-rows N | --skip-behaviour]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import behaviour_all
import datagen
import drift_vs_evidently
import measure
from results import RESAMPLES, Case, render

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
POLICY = HERE / "policy.yaml"
DEFAULT_ROWS = (1_000_000, 10_000_000)


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
    parser.add_argument(
        "--drift-rows",
        type=lambda t: parse_rows(t)[0],
        help="rows of the drift-vs-Evidently benchmark (default: the smallest --rows; "
        "Evidently holds both frames in pandas, so 10M takes very long)",
    )
    parser.add_argument(
        "--skip-drift", action="store_true", help="do not run drift_vs_evidently.py"
    )
    parser.add_argument(
        "--behaviour-rows",
        type=lambda t: parse_rows(t)[0],
        help="rows of the behaviour and multiclass benchmarks (default: the smallest --rows)",
    )
    parser.add_argument("--skip-behaviour", action="store_true", help="do not run behaviour_all.py")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    opts = arguments(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the running case is killed too
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
            running = f"**Partial: the run is in progress ({len(cases)} cases done so far).**"
            write(opts.output, render(cases, startup, command, opts, running))
    if not opts.skip_drift:
        running = "**Partial: the drift benchmark is running.**"
        write(opts.output, render(cases, startup, command, opts, running))
    drift = run_drift(opts, command)
    if not opts.skip_behaviour:
        running = "**Partial: the behaviour benchmarks are running.**"
        write(opts.output, render(cases, startup, command, opts, running) + drift)
    behaviour = run_behaviour(opts)
    load = (
        f"load average (1 min) {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    )
    text = render(cases, startup, command, opts, load) + drift + behaviour
    write(opts.output, text)
    print(text)
    return 0


def run_drift(opts: argparse.Namespace, command: str) -> str:
    """The drift-vs-Evidently section of RESULTS.md (a line saying so with --skip-drift)."""
    if opts.skip_drift:
        return "\n(drift_vs_evidently.py skipped: --skip-drift)\n"
    cases = drift_vs_evidently.measure_drift(
        opts.drift_rows or min(opts.rows),
        opts.data_dir,
        timeout=opts.timeout,
        mem_cap_gb=opts.mem_cap_gb,  # Evidently peaked at 2.5 GB at 1M rows x 22
        address_space_gb=opts.address_space_gb,
    )
    return "\n" + drift_vs_evidently.render(cases, command)


def run_behaviour(opts: argparse.Namespace) -> str:
    """The behaviour-and-multiclass section of RESULTS.md (a line saying so when skipped)."""
    if opts.skip_behaviour:
        return "\n(behaviour_all.py skipped: --skip-behaviour)\n"
    rows = opts.behaviour_rows or min(opts.rows)
    text, _ = behaviour_all.section(rows, opts.data_dir, opts.timeout)
    return "\n" + text


def write(path: Path, text: str) -> None:
    """Replace `path` whole (a reader never sees half a file)."""
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(text)
    partial.replace(path)


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
                case.note = gate_note(run, report)
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


def gate_note(run: measure.Run, report: dict) -> str:
    """The exit code and decision, and the checks that did not pass."""
    other = [f"{c['id']} {c['status']}" for c in report["checks"] if c["status"] != "pass"]
    return f"exit {run.returncode} ({report['decision']}{': ' if other else ''}{', '.join(other)})"


def hand_note(run: measure.Run) -> str:
    done = json.loads(run.stdout.strip().splitlines()[-1])
    return f"bootstrap loop {done['bootstrap_seconds']:.1f} s"


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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
