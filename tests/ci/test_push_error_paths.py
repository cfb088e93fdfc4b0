"""Every way `check` ends once its inputs are known leaves the monitor told: a failed PR
comment is a warning (the decision stands, and is what is pushed and written), and a run that
ends in exit 2 or 3 after the evaluation (here: interrupted while the comment's retries wait)
still pushes the error set. Real CLI, real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import ROOT, run_cli, write_policy
from prometheus_client.parser import text_string_to_metric_families
from recording_server import recording_server

POLICY = """
    version: 1
    name: monitor
    data: {label: y, score: score, sensitive: [sex]}
    checks:
      - {id: auc, type: performance, metric: roc_auc, min: 0.6}
"""


def series(text: str) -> dict[tuple, float]:
    """Every sample but the run's time: {(name, sorted labels): value}."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name != "model_gate_run_timestamp_seconds"
    }


def decision(text: str) -> tuple[str, float]:
    found = series(text)
    [chosen] = [
        dict(k)["decision"] for (n, k), v in found.items() if n == "model_gate_decision" and v
    ]
    [code] = [v for (n, _), v in found.items() if n == "model_gate_exit_code"]
    return chosen, code


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    import numpy as np
    import pandas as pd

    root = tmp_path_factory.mktemp("paths")
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    score = np.clip(y * 0.5 + rng.random(300) * 0.6, 0, 1)
    frame = pd.DataFrame({"y": y, "score": score, "sex": rng.choice(["F", "M"], 300)})
    frame.to_csv(root / "d.csv", index=False)
    (root / "event.json").write_text(json.dumps({"pull_request": {"number": 5}}))
    return {"policy": write_policy(root / "p.yaml", POLICY), "data": root / "d.csv", "root": root}


def github(files: dict[str, Path], api_url: str) -> dict[str, str]:
    return {
        "GITHUB_API_URL": api_url,
        "GITHUB_REPOSITORY": "acme/models",
        "GITHUB_EVENT_PATH": str(files["root"] / "event.json"),
        "GITHUB_TOKEN": "ghs_token",
    }


def arguments(files: dict[str, Path], out: Path, gateway: str) -> list[str]:
    return [
        *("--policy", str(files["policy"]), "--data", str(files["data"])),
        *("--output-dir", str(out), "--format", "prometheus", "--resamples", "50"),
        *("--push-gateway", gateway, "--comment", "github"),
    ]


@pytest.mark.parametrize("status", [403, 404, 422])
def test_a_failed_comment_is_a_warning_and_the_decision_is_pushed_and_written(
    files, tmp_path: Path, status: int
):
    with recording_server(status, b'{"message": "nope"}') as api, recording_server() as gw:
        result = run_cli("check", *arguments(files, tmp_path, gw.url), env=github(files, api.url))
    assert result.code == 0, result.stderr
    assert "warning: could not post the comment" in result.stderr, result.stderr
    assert api.requests, "the comment was attempted"
    [push] = gw.requests
    written = (tmp_path / "metrics.prom").read_text()
    assert decision(push.body.decode()) == decision(written) == ("approve", 0)
    assert series(push.body.decode()) == series(written)


def test_an_interrupt_after_the_evaluation_pushes_the_error_set(files, tmp_path: Path):
    """Cancelled while the comment's retries wait (the API answers 500): exit 3, and the
    group the run would have pushed to says error / exit 3 rather than keeping the last good
    run; metrics.prom stays the evaluation's own, as report.json and evidence.json are."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **{"MODEL_GATE_PROGRESS_INTERVAL": "86400"}}
    with recording_server(500, b"down") as api, recording_server() as gw:
        args = arguments(files, tmp_path, gw.url)
        proc = subprocess.Popen(
            [sys.executable, "-m", "gate", "check", *args],
            env={**env, **github(files, api.url)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 120
        while not api.requests and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert api.requests, proc.communicate()[1]
        proc.send_signal(signal.SIGINT)  # first 500 answered: the client sleeps before a retry
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 3, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    [push] = gw.requests
    assert (
        push.method == "PUT" and push.path == "/metrics/job/model-gate/model/d.csv/policy/monitor"
    )
    assert decision(push.body.decode()) == ("error", 3)
    assert decision((tmp_path / "metrics.prom").read_text()) == ("approve", 0)
    assert json.loads((tmp_path / "report.json").read_text())["decision"] == "approve"
