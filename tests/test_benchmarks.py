"""Smoke test of benchmarks/run_all.py at a tiny size: it runs every case and writes the table.

No timing is asserted (speed is measured by the benchmark itself, not by tests).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = (
    "(a) floor, whole table",
    "(a) floor, record batches",
    "(b) gate, 1000 resamples",
    "(c) hand-written, 5 resamples",
)
NUMBER = r"[\d,]+(?:\.\d+)?"


def test_run_all_writes_every_case_with_numbers(tmp_path: Path) -> None:
    output = tmp_path / "RESULTS.md"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run_all.py"),
            "--rows",
            "10k",
            "--hand-resamples",
            "5",
            "--repeat",
            "1",
            "--skip-startup",
            "--skip-behaviour",
            "--data-dir",
            str(tmp_path / "data"),
            "--output",
            str(output),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    text = output.read_text()
    for case in CASES:
        row = re.search(
            rf"^\| 10,000 \| {re.escape(case)} \| 1 \| ({NUMBER}) \| ({NUMBER}) \|(.*)$",
            text,
            re.MULTILINE,
        )
        assert row, f"no measured row for {case!r} in:\n{text}"
        assert float(row[1].replace(",", "")) > 0 and float(row[2].replace(",", "")) > 0
    assert re.search(rf"\| b/a = {NUMBER} \|", text)
    assert re.search(rf"\| c/b = {NUMBER} \|", text)
    # A run with fewer resamples than 1000 is extrapolated, and says so beside the number.
    assert re.search(r"1000 resamples: \*\*extrapolated\*\*.*\(extrapolated\)", text)
    assert "(skipped: --skip-startup)" in text
    assert "(behaviour_all.py skipped: --skip-behaviour)" in text
    assert (tmp_path / "data" / "bench-v1-10000.parquet").exists()


def test_run_all_refuses_a_bad_row_count(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run_all.py"), "--rows", "ten"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 2
    assert "--rows: 'ten' is not a row count" in done.stderr
