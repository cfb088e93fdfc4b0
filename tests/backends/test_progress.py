"""Progress of the pass over the data: CI log lines on a fake clock, rich's live display on a
fake terminal, and the real CLI with its stderr in CI, on a pipe and on a pseudo-terminal."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest
from helpers import ROOT, classification_frame, run_cli
from rich.console import Console

from gate.backends import local, progress
from gate.backends.profiling import Plan
from gate.engine.metrics import Task
from gate.errors import InputError, UsageError
from gate.inputs.data import DataSource
from gate.policy.model import DataBinding


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def log(total: int | None = None, interval: float = 5.0):
    clock, out = FakeClock(), io.StringIO()
    return progress.LogProgress("data", total, out, interval, clock), clock, out


# --- formatting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("per_second", "text"),
    [
        (0.5, "0.50 rows/s"),
        (950, "950 rows/s"),
        (999.4, "999 rows/s"),
        (999.6, "1.00k rows/s"),
        (12_345, "12.3k rows/s"),
        (999_600, "1.00M rows/s"),
        (1_210_000, "1.21M rows/s"),
        (45_600_000, "45.6M rows/s"),
        (2.5e9, "2.50G rows/s"),
    ],
)
def test_rate_has_three_significant_digits_and_a_unit(per_second: float, text: str):
    assert progress.rate(per_second) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.04, "0.0 s"), (8.25, "8.2 s"), (59.9, "59.9 s"), (125, "2 min 05 s"), (3720, "1 h 02 min")],
)
def test_duration(seconds: float, text: str):
    assert progress.duration(seconds) == text


def test_status_line_with_a_known_total_has_percentage_rate_and_time_left():
    line = progress.status("data", 2_359_296, 10_000_000, 1.95)
    assert line == (
        "model-gate: data: 2,359,296 of 10,000,000 rows (23.6%), 1.21M rows/s, 6.3 s left"
    )


def test_status_line_without_a_total_has_rows_and_rate_only():
    line = progress.status("data", 300_000, None, 2.0)
    assert line == "model-gate: data: 300,000 rows, 150k rows/s"


def test_status_line_never_claims_more_than_the_total():
    # a footer that undercounts: no percentage above 100, no negative time left
    assert progress.status("data", 12, 10, 1.0) == "model-gate: data: 12 rows, 12.0 rows/s"


# --- the CI log, on a fake clock ---------------------------------------------------------------


def test_a_pass_shorter_than_the_interval_prints_nothing():
    shown, clock, out = log(total=1000)
    for _ in range(10):
        clock.now += 0.4
        shown(100)
    shown.close(ok=True)
    assert out.getvalue() == ""


def test_a_line_every_interval_then_a_summary():
    shown, clock, out = log(total=1_000_000)
    for _ in range(12):  # 100k rows a second, a batch every second
        clock.now += 1.0
        shown(100_000)
    clock.now += 0.5
    shown.close(ok=True)
    assert out.getvalue().splitlines() == [
        "model-gate: data: 500,000 of 1,000,000 rows (50.0%), 100k rows/s, 5.0 s left",
        "model-gate: data: 1,000,000 of 1,000,000 rows (100.0%), 100k rows/s",
        "model-gate: data: 1,200,000 rows in 12.5 s, 96.0k rows/s",
    ]


def test_slow_batches_log_at_most_once_per_batch_and_keep_the_interval_from_the_last_line():
    shown, clock, out = log()
    for step in (7.0, 2.0, 4.0):  # lines at 7 s and 13 s, not at 9 s
        clock.now += step
        shown(10)
    assert [line.split(": ")[2] for line in out.getvalue().splitlines()] == [
        "10 rows, 1.43 rows/s",
        "30 rows, 2.31 rows/s",
    ]


def test_an_error_leaves_no_summary():
    shown, clock, out = log(total=100)
    clock.now += 6
    shown(50)
    clock.now += 6
    shown.close(ok=False)
    assert out.getvalue().splitlines() == [
        "model-gate: data: 50 of 100 rows (50.0%), 8.33 rows/s, 6.0 s left"
    ]


def test_interval_zero_logs_every_batch():
    shown, clock, out = log(interval=0)
    for _ in range(3):
        clock.now += 0.001
        shown(1)
    shown.close(ok=True)
    assert len(out.getvalue().splitlines()) == 4


@pytest.mark.parametrize("text", ["-1", "soon", "nan", "inf"])
def test_a_bad_interval_in_the_environment_is_a_usage_error(text: str):
    with pytest.raises(UsageError, match=progress.INTERVAL_ENV):
        progress.interval_from({progress.INTERVAL_ENV: text})


def test_the_interval_defaults_and_reads_the_environment():
    assert progress.interval_from({}) == progress.INTERVAL == 5.0
    assert progress.interval_from({progress.INTERVAL_ENV: "0.5"}) == 0.5


# --- which display -----------------------------------------------------------------------------


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "environ", "live"),
    [
        (Tty(), {}, True),
        (Tty(), {"CI": "false"}, True),
        (Tty(), {"CI": "true"}, False),
        (Tty(), {"CI": "1"}, False),
        (Tty(), {"TERM": "dumb"}, False),
        (io.StringIO(), {}, False),
    ],
)
def test_live_only_on_a_terminal_outside_ci(stream, environ, live: bool):
    assert progress.live_wanted(stream, environ) is live
    shown = progress.display("data", None, stream, environ)
    shown.close(ok=False)
    assert isinstance(shown, progress.LiveProgress if live else progress.LogProgress)


# --- the live display on a fake terminal -------------------------------------------------------


def terminal() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=120, color_system=None), out


def test_the_live_display_shows_rows_rate_bar_and_time_left():
    console, out = terminal()
    clock = FakeClock()
    shown = progress.LiveProgress("data", 4000, console, 5.0, clock, auto_refresh=False)
    for _ in range(3):
        clock.now += 1.0
        shown(1000)
    screen = out.getvalue()
    assert "model-gate: data" in screen
    assert "3,000 of 4,000 rows" in screen and "1.00k rows/s" in screen
    assert "75%" in screen and "━" in screen and "0:00:01" in screen  # bar and time left
    clock.now += 6.0
    shown(1000)
    shown.close(ok=True)
    assert out.getvalue().endswith("model-gate: data: 4,000 rows in 9.0 s, 444 rows/s\n")


def test_the_live_display_without_a_total_shows_rows_and_rate():
    console, out = terminal()
    clock = FakeClock()
    shown = progress.LiveProgress("data", None, console, 5.0, clock, auto_refresh=False)
    clock.now += 2.0
    shown(300_000)
    clock.now += 2.0
    shown(300_000)
    assert "600,000 rows" in out.getvalue() and "150k rows/s" in out.getvalue()
    assert " of " not in out.getvalue()
    shown.close(ok=True)


def test_an_error_clears_the_live_display_and_restores_the_cursor():
    console, out = terminal()
    shown = progress.LiveProgress("data", 10, console, 5.0, FakeClock(), auto_refresh=False)
    shown(5)
    shown.close(ok=False)
    screen = out.getvalue()
    assert screen.startswith("\x1b[?25l")  # the cursor was hidden ...
    tail = screen[screen.rindex("rows") :]
    assert "\x1b[?25h" in tail  # ... and is shown again after the last frame,
    assert tail.endswith("\r\x1b[1A\x1b[2K")  # whose line is erased: the next line starts clean
    assert "rows in" not in screen  # no summary after a failed pass


# --- the streaming pass ------------------------------------------------------------------------


@pytest.fixture
def scored(tmp_path: Path) -> Path:
    frame = classification_frame(600)
    frame["pred"] = (frame["x1"] > 0).astype(int)
    frame.to_parquet(tmp_path / "scored.parquet")
    frame.to_csv(tmp_path / "scored.csv", index=False)
    return tmp_path


def test_total_rows_from_the_parquet_footer_and_none_for_csv_or_a_broken_file(scored: Path):
    assert DataSource(scored / "scored.parquet").total_rows() == 600
    assert DataSource(scored / "scored.csv").total_rows() is None
    (scored / "broken.parquet").write_bytes(b"not parquet")
    assert DataSource(scored / "broken.parquet").total_rows() is None
    assert DataSource(scored / "missing.parquet").total_rows() is None
    os.mkfifo(scored / "fifo.parquet")  # never opened for a blocking read
    assert DataSource(scored / "fifo.parquet").total_rows() is None


def plan() -> Plan:
    binding = DataBinding(label="y", prediction="pred", sensitive=("sex",))
    return Plan(binding, Task.BINARY, None, None, True, ("sex",), ())


def test_the_local_backend_reports_every_batch(scored: Path):
    seen: list[int] = []
    local.run(plan(), DataSource(scored / "scored.parquet"), 250, seen.append)
    assert seen == [250, 250, 100]


def test_track_closes_the_display_when_the_file_fails_mid_pass(scored: Path, monkeypatch, capsys):
    lines = [*(scored / "scored.csv").read_text().splitlines(), "1,2,3,,f,1"]
    (scored / "bad.csv").write_text("\n".join(lines) + "\n")
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv(progress.INTERVAL_ENV, "0")
    source = DataSource(scored / "bad.csv")
    with pytest.raises(InputError, match="row 601"), progress.track(source) as step:
        local.run(plan(), source, 100, step)
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert [line.split(", ")[0] for line in lines] == [
        f"model-gate: data: {n} rows" for n in range(100, 700, 100)
    ]
    assert "rows in" not in captured.err  # no summary of a pass that failed


# --- the real command line ---------------------------------------------------------------------

POLICY = """\
version: 1
name: progress
data: {label: y, prediction: pred, sensitive: [sex]}
checks:
  - {id: accuracy, type: performance, metric: accuracy, min: 0.6}
  - {id: parity, type: fairness, metric: selection_rate, aggregate: ratio, min: 0.5}
"""


def dry_run(ws: Path, *extra: str, env: dict | None = None):
    (ws / "policy.yaml").write_text(POLICY)
    args = ["dry-run", "--policy", ws / "policy.yaml", "--data", ws / "scored.parquet"]
    return run_cli(*args, "--batch-rows", "200", *extra, env=env)


def test_cli_in_ci_logs_to_stderr_and_leaves_stdout_and_exit_code_alone(scored: Path):
    quiet = dry_run(scored, env={"CI": "true"})  # a fast pass: nothing more on stderr
    logged = dry_run(scored, env={"CI": "true", progress.INTERVAL_ENV: "0"})
    assert quiet.code == logged.code == 0, logged.stderr
    assert logged.stdout == quiet.stdout and "progress" in logged.stdout
    assert quiet.stderr == ""
    lines = logged.stderr.splitlines()
    assert [line.split(", ")[0] for line in lines[:3]] == [
        "model-gate: data: 200 of 600 rows (33.3%)",
        "model-gate: data: 400 of 600 rows (66.7%)",
        "model-gate: data: 600 of 600 rows (100.0%)",
    ]
    assert lines[3].startswith("model-gate: data: 600 rows in ") and len(lines) == 4
    assert all(line.split(", ")[1].endswith("rows/s") for line in lines[:3])


def test_cli_no_progress_turns_it_off(scored: Path):
    result = dry_run(scored, "--no-progress", env={"CI": "true", progress.INTERVAL_ENV: "0"})
    assert result.code == 0 and result.stderr == ""


def test_cli_an_input_error_mid_file_prints_its_message_on_its_own_line(scored: Path):
    frame = pd.read_csv(scored / "scored.csv")
    text = frame.to_csv(index=False) + "0.1,0.2,0.3,,f,1\n"
    (scored / "scored.csv").write_text(text)
    (scored / "policy.yaml").write_text(POLICY)
    env = {"CI": "true", progress.INTERVAL_ENV: "0"}
    args = ["check", "--policy", scored / "policy.yaml", "--data", scored / "scored.csv"]
    result = run_cli(*args, "--batch-rows", "200", env=env)
    assert result.code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[-1].startswith("model-gate: error: data file ") and "row 601" in lines[-1]
    assert [line.split(", ")[0] for line in lines[:-1]] == [
        "model-gate: data: 200 rows",
        "model-gate: data: 400 rows",
        "model-gate: data: 600 rows",
    ]


def on_a_terminal(args: list, env: dict) -> tuple[int, str, str]:
    """The CLI with stderr on a pseudo-terminal and stdout on a pipe."""
    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the terminal's other side is closed
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    full_env = {k: v for k, v in os.environ.items() if k not in ("CI", "TERM")}
    full_env.update(PYTHONPATH=str(ROOT), TERM="xterm", COLUMNS="120", **env)
    proc = subprocess.run(
        [sys.executable, "-m", "gate", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=slave,
        env=full_env,
        timeout=300,
    )
    os.close(slave)
    reader.join(timeout=10)
    os.close(master)
    return proc.returncode, proc.stdout.decode(), b"".join(chunks).decode(errors="replace")


def test_cli_on_a_terminal_shows_the_live_display_on_stderr_only(scored: Path):
    (scored / "policy.yaml").write_text(POLICY)
    args = ["dry-run", "--policy", scored / "policy.yaml", "--data", scored / "scored.parquet"]
    plain = run_cli(*args, env={"CI": "true"})
    code, out, screen = on_a_terminal([*args, "--batch-rows", "200"], {"NO_COLOR": "1"})
    assert code == 0 and out == plain.stdout
    assert "model-gate: data" in screen and "of 600 rows" in screen
    tail = screen[screen.rindex("rows") :]  # after the last frame: the cursor is given back
    assert "\x1b[?25h" in tail and tail.endswith("\r\x1b[1A\x1b[2K")  # and the line erased
    code, _, screen = on_a_terminal([*args, "--no-progress"], {})
    assert code == 0 and screen == ""


def test_cli_on_a_terminal_an_error_starts_on_its_own_line(scored: Path):
    with (scored / "scored.csv").open("a") as fh:
        fh.write("0.1,0.2,0.3,,f,1\n")
    (scored / "policy.yaml").write_text(POLICY)
    args = ["check", "--policy", scored / "policy.yaml", "--data", scored / "scored.csv"]
    code, out, screen = on_a_terminal([*args, "--batch-rows", "200"], {"NO_COLOR": "1"})
    assert code == 2 and out == ""
    assert "of 600 rows" not in screen and "600 rows" in screen  # a CSV: no total
    # the display's line is erased and the cursor is at its start when the message prints
    assert "\x1b[?25h\r\x1b[1A\x1b[2Kmodel-gate: error: data file " in screen
    assert screen.endswith("row 601\r\n")
