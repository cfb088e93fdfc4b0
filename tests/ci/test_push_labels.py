"""--push-label names the monitored thing on every series of both outputs a monitor reads:
the pushed group and metrics.prom (node_exporter's textfile collector). Parsed back with
prometheus_client's parser; the push goes to a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import run_cli, write_policy
from prometheus_client.parser import text_string_to_metric_families
from recording_server import recording_server

from gate.errors import UsageError

POLICY = """
    version: 1
    name: monitor
    data: {label: y, score: score, sensitive: [sex]}
    checks:
      - {id: auc, type: performance, metric: roc_auc, min: 0.6}
      - {id: parity, type: fairness, metric: selection_rate, aggregate: ratio, min: 0.5}
"""
LABELS = ["--push-label", "region=eu", "--push-label", "team=credit risk"]


def series(text: str) -> set:
    """Every sample but the run's time: (name, sorted labels, value)."""
    return {
        (s.name, tuple(sorted(s.labels.items())), s.value)
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name != "model_gate_run_timestamp_seconds"
    }


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    import numpy as np
    import pandas as pd

    root = tmp_path_factory.mktemp("labels")
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    score = np.clip(y * 0.5 + rng.random(300) * 0.6, 0, 1)
    frame = pd.DataFrame({"y": y, "score": score, "sex": rng.choice(["F", "M"], 300)})
    frame.to_csv(root / "d.csv", index=False)
    return {"policy": write_policy(root / "p.yaml", POLICY), "data": root / "d.csv"}


def check(files: dict[str, Path], out: Path, *extra: str, command: str = "check"):
    args = ["--policy", files["policy"], "--data", files["data"], "--output-dir", out]
    return run_cli(command, *args, "--resamples", "50", "--format", "prometheus", *extra)


def test_metrics_prom_holds_the_pushed_series_labels_and_all(files, tmp_path: Path):
    with recording_server() as gateway:
        result = check(files, tmp_path, "--push-gateway", gateway.url, *LABELS)
    assert result.code == 0, result.stderr
    written = series((tmp_path / "metrics.prom").read_text())
    [request] = gateway.requests
    assert written and series(request.body.decode()) == written
    for _, labels, _ in written:
        assert dict(labels)["region"] == "eu" and dict(labels)["team"] == "credit risk"
        assert dict(labels)["model"] == "d.csv"


def test_push_labels_label_metrics_prom_without_a_gateway(files, tmp_path: Path):
    result = check(files, tmp_path, *LABELS, "--push-label", "model=credit")
    assert result.code == 0, result.stderr
    written = series((tmp_path / "metrics.prom").read_text())
    assert written and {(dict(k)["region"], dict(k)["model"]) for _, k, _ in written} == {
        ("eu", "credit")
    }


def test_dry_run_labels_metrics_prom_and_says_nothing_about_it(files, tmp_path: Path):
    result = check(files, tmp_path, *LABELS, command="dry-run")
    assert result.code == 0, result.stderr
    assert "--push-label not used" not in result.stderr
    written = series((tmp_path / "metrics.prom").read_text())
    assert written and all(dict(k)["region"] == "eu" for _, k, _ in written)


def test_a_push_label_with_neither_output_is_refused(files, tmp_path: Path):
    args = ["--policy", files["policy"], "--data", files["data"], *LABELS]
    result = run_cli("check", *args)
    assert result.code == 2
    assert "--push-label needs --push-gateway or --format prometheus" in result.stderr


def test_the_python_api_labels_metrics_prom_by_the_same_rules(files, tmp_path: Path):
    from gate import evaluate

    result = evaluate(str(files["policy"]), str(files["data"]), resamples=50)
    result.write(tmp_path / "ok", ["prometheus"], labels={"region": "eu"})
    written = series((tmp_path / "ok/metrics.prom").read_text())
    assert written and all(dict(k)["region"] == "eu" for _, k, _ in written)
    with pytest.raises(UsageError, match="policy is a label model-gate sets itself"):
        result.write(tmp_path / "bad", ["prometheus"], labels={"policy": "x"})
    assert not (tmp_path / "bad").exists()
