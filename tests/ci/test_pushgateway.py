"""--push-gateway: the run's metrics PUT by prometheus_client's own push to a real HTTP server
on 127.0.0.1 that records the request (path, body, auth); a failed push is exit 2 naming the
URL, after the report files were written."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from helpers import run_cli, sample_evaluation, write_policy
from prometheus_client.parser import text_string_to_metric_families
from recording_server import recording_server

from gate.ci import pushgateway
from gate.errors import UsageError
from gate.report import prometheus

POLICY = """
    version: 1
    name: nightly monitor/credit
    data: {label: y, score: score, sensitive: [sex]}
    checks:
      - {id: auc, type: performance, metric: roc_auc, min: 0.6}
      - {id: parity, type: fairness, metric: selection_rate, aggregate: ratio, min: 0.5}
"""


def series(text: str) -> set:
    """Every sample but the run's time: (name, labels, value)."""
    return {
        (s.name, tuple(sorted(s.labels.items())), s.value)
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name != "model_gate_run_timestamp_seconds"
    }


def test_push_puts_the_metrics_under_job_and_policy():
    ev = sample_evaluation()
    with recording_server() as gateway:
        said = pushgateway.push(ev, gateway.url, env={})
    [request] = gateway.requests
    assert request.method == "PUT"
    assert request.path == "/metrics/job/model-gate/policy/credit"
    assert series(request.body.decode()) == series(prometheus.render(ev))
    assert "Authorization" not in request.headers
    assert gateway.url in said and "policy credit" in said


def test_basic_auth_comes_from_the_environment():
    env = {pushgateway.USERNAME: "monitor", pushgateway.PASSWORD: "s3cr:et"}
    with recording_server() as gateway:
        pushgateway.push(sample_evaluation(), gateway.url, env=env)
    sent = gateway.requests[0].headers["Authorization"]
    assert sent == "Basic " + base64.b64encode(b"monitor:s3cr:et").decode()


@pytest.mark.parametrize("only", [pushgateway.USERNAME, pushgateway.PASSWORD])
def test_half_the_credentials_is_a_usage_error(only: str):
    with pytest.raises(UsageError, match="basic auth needs"):
        pushgateway.prepare("http://127.0.0.1:9091", env={only: "x"})


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("", "http:// or https://"),
        ("pushgateway:9091", "http:// or https://"),
        ("ftp://gw:21", "http:// or https://"),
        ("http://", "http:// or https://"),
        ("http://user:pw@gw:9091", "no credentials in the URL"),
        ("http://gw:9091/?x=1", "no query"),
    ],
)
def test_a_url_that_cannot_be_pushed_to_is_refused_before_the_run(url: str, says: str):
    with pytest.raises(UsageError, match=says):
        pushgateway.prepare(url, env={})


def test_a_policy_name_with_a_slash_travels_base64_in_the_path():
    ev = sample_evaluation()
    ev = type(ev)(ev.decision, "nightly monitor/credit", ev.inputs, 0, "0.1.0")
    with recording_server() as gateway:
        pushgateway.push(ev, gateway.url, env={})
    path = gateway.requests[0].path
    prefix = "/metrics/job/model-gate/policy@base64/"
    assert path.startswith(prefix)
    assert base64.urlsafe_b64decode(path[len(prefix) :]).decode() == "nightly monitor/credit"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    import numpy as np
    import pandas as pd

    root = tmp_path_factory.mktemp("push")
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    score = np.clip(y * 0.5 + rng.random(300) * 0.6, 0, 1)
    frame = pd.DataFrame({"y": y, "score": score, "sex": rng.choice(["F", "M"], 300)})
    frame.to_csv(root / "d.csv", index=False)
    return {"policy": write_policy(root / "p.yaml", POLICY), "data": root / "d.csv"}


def check(files: dict[str, Path], out: Path, *extra: str, env: dict | None = None):
    args = ["--policy", files["policy"], "--data", files["data"], "--output-dir", out]
    return run_cli("check", *args, "--resamples", "50", *extra, env=env)


def test_check_pushes_after_writing_the_report(files, tmp_path: Path):
    with recording_server() as gateway:
        result = check(files, tmp_path / "out", "--push-gateway", gateway.url)
    assert result.code == 0, result.stderr
    [request] = gateway.requests
    assert request.method == "PUT"
    prefix = "/metrics/job/model-gate/policy@base64/"
    assert base64.urlsafe_b64decode(request.path[len(prefix) :]) == b"nightly monitor/credit"
    pushed = series(request.body.decode())
    report = json.loads((tmp_path / "out/report.json").read_text())
    statuses = {
        dict(k)["check"]: dict(k)["status"]
        for n, k, v in pushed
        if v == 1 and n == "model_gate_check_status"
    }
    assert statuses == {c["id"]: c["status"] for c in report["checks"]}
    groups = {dict(k)["group"] for n, k, _ in pushed if n == "model_gate_group_size"}
    assert groups == {"sex=F", "sex=M"}
    assert f"metrics pushed to {gateway.url}" in result.stderr


@pytest.mark.parametrize("status", [400, 500])
def test_a_refused_push_is_exit_2_naming_the_url_after_the_files_are_written(
    files, tmp_path: Path, status: int
):
    answer = b"pushed metrics are invalid or inconsistent with existing metrics"
    with recording_server(status, answer) as gateway:
        result = check(files, tmp_path / "out", "--push-gateway", gateway.url)
    assert result.code == 2
    assert f"could not push the metrics to {gateway.url}: HTTP {status}" in result.stderr
    assert answer.decode() in result.stderr and "Traceback" not in result.stderr
    assert "the decision was approve (exit 0)" in result.stderr
    assert json.loads((tmp_path / "out/report.json").read_text())["decision"] == "approve"


def test_an_unreachable_gateway_is_exit_2(files, tmp_path: Path):
    with recording_server() as gateway:
        url = gateway.url  # the port is closed once the server has stopped
    result = check(files, tmp_path / "out", "--push-gateway", url)
    assert result.code == 2
    assert f"could not push the metrics to {url}" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_url_is_exit_2_before_the_run(files, tmp_path: Path):
    result = check(files, tmp_path / "out", "--push-gateway", "http://u:p@gw:9091")
    assert result.code == 2 and "no credentials in the URL" in result.stderr
    assert "u:p@" not in result.stderr  # the credentials are never echoed
    assert not (tmp_path / "out").exists()


def test_dry_run_pushes_nothing_and_says_so(files, tmp_path: Path):
    with recording_server() as gateway:
        args = ["--policy", files["policy"], "--data", files["data"], "--resamples", "50"]
        result = run_cli("dry-run", *args, "--push-gateway", gateway.url)
    assert result.code == 0, result.stderr
    assert gateway.requests == []
    notice = "model-gate: dry-run: --push-gateway not used: nothing is pushed"
    assert result.stderr.count(notice) == 1, result.stderr


def test_every_posting_flag_has_its_dry_run_notice():
    """A posting flag added later without a notice would be dropped by dry-run unsaid; the
    --comment-* flags only tune --comment."""
    import argparse

    from gate.cli import build_parser
    from gate.commands.check import NOT_POSTED

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    [posting] = [g for g in sub.choices["dry-run"]._action_groups if g.title.startswith("posting")]
    dests = {a.dest for a in posting._group_actions}
    assert dests - {"comment_mode", "comment_key", "comment_author"} == set(NOT_POSTED)


@pytest.mark.parametrize(
    ("flags", "undone"),
    [
        (["--comment", "github"], "nothing is posted"),
        (["--commit-status"], "nothing is posted"),
        (["--log-to-mlflow"], "nothing is logged"),
    ],
)
def test_dry_run_names_every_posting_flag_it_does_not_use(files, flags, undone):
    """Every posting flag check honours gets its notice from dry-run; none is dropped unsaid."""
    args = ["--policy", files["policy"], "--data", files["data"], "--resamples", "50"]
    result = run_cli("dry-run", *args, *flags)
    assert result.code == 0, result.stderr
    notices = [line for line in result.stderr.splitlines() if "dry-run:" in line]
    assert notices == [f"model-gate: dry-run: {flags[0]} not used: {undone}"], result.stderr
    quiet = run_cli("dry-run", *args)
    assert "not used" not in quiet.stderr, quiet.stderr
