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
from gate.report.prometheus_families import DECISIONS

POLICY = """
    version: 1
    name: nightly monitor/credit
    data: {label: y, score: score, sensitive: [sex]}
    checks:
      - {id: auc, type: performance, metric: roc_auc, min: 0.6}
      - {id: parity, type: fairness, metric: selection_rate, aggregate: ratio, min: 0.5}
"""

#: the decision stateset of a run that ended in an error: error 1, every other state 0
ERROR_SET = {d: int(d == "error") for d in DECISIONS}


POLICY_B64 = base64.urlsafe_b64encode(b"nightly monitor/credit").decode()


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
    assert request.path == "/metrics/job/model-gate/model/d.csv/policy/credit"
    assert series(request.body.decode()) == series(prometheus.render(ev))
    assert "Authorization" not in request.headers
    assert gateway.url in said and "policy credit, model d.csv" in said


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
        ("http://[::1", "not a valid URL"),
        ("http://127.0.0.1:abc", "not a valid URL"),
        ("http://127.0.0.1:99999", "not a valid URL"),
        ("http://127.0.0.1:9091/a b", "no blanks or control characters"),
        ("http://127.0.0.1 :9091", "no blanks or control characters"),
        ("http://127.0.0.1:9091/\x01", "no blanks or control characters"),
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
    prefix = "/metrics/job/model-gate/model/d.csv/policy@base64/"
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
    prefix = "/metrics/job/model-gate/model/d.csv/policy@base64/"
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


@pytest.mark.parametrize(
    "url", ["http://[::1", "http://127.0.0.1:abc", "http://127.0.0.1:99999", "http://a b:1"]
)
def test_a_malformed_url_is_exit_2_before_the_run_never_3(files, tmp_path: Path, url: str):
    result = check(files, tmp_path / "out", "--push-gateway", url)
    assert result.code == 2, result.stderr
    assert "--push-gateway" in result.stderr and "internal error" not in result.stderr
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


def test_basic_auth_over_plain_http_is_sent_with_a_warning():
    env = {pushgateway.USERNAME: "monitor", pushgateway.PASSWORD: "pw"}
    [warning] = pushgateway.prepare("http://pushgateway:9091", env=env)
    assert "plain http" in warning and "use https://" in warning
    assert pushgateway.prepare("https://pushgateway:9091", env=env) == []
    assert pushgateway.prepare("http://pushgateway:9091", env={}) == []


def test_check_warns_when_the_password_would_travel_in_clear(files, tmp_path: Path):
    env = {pushgateway.USERNAME: "monitor", pushgateway.PASSWORD: "pw"}
    with recording_server() as gateway:
        result = check(files, tmp_path / "out", "--push-gateway", gateway.url, env=env)
    assert result.code == 0, result.stderr
    assert f"--push-gateway {gateway.url} is plain http" in result.stderr


@pytest.mark.parametrize(
    ("item", "says"),
    [
        ("region", "give KEY=VALUE"),
        ("1st=x", "give KEY=VALUE"),
        ("__name__=x", "give KEY=VALUE"),
        ("__tenant=x", "give KEY=VALUE"),
        ("le=x", "Prometheus reserves le"),  # review12d 10f
        ("quantile=0.5", "Prometheus reserves quantile"),
        ("re-gion=x", "give KEY=VALUE"),
        ("job=x", "sets itself"),
        ("policy=x", "sets itself"),
        ("check=x", "sets itself"),
        ("region=", "give a value"),
    ],
)
def test_a_push_label_prometheus_or_model_gate_would_misread_is_refused(item: str, says: str):
    with pytest.raises(UsageError, match=says):
        pushgateway.labels([item])
    with pytest.raises(UsageError, match="given twice"):
        pushgateway.labels(["region=eu", "region=us"])
    assert pushgateway.labels(["model=credit", "region=eu"]) == {"model": "credit", "region": "eu"}


def decisions(body: bytes) -> dict[str, float]:
    return {
        dict(labels)["decision"]: value
        for name, labels, value in series(body.decode())
        if name == "model_gate_decision"
    }


def test_two_models_monitored_with_one_policy_push_to_two_groups(files, tmp_path: Path):
    """The review's finding: model A fails, model B passes, one policy; B's push must not
    replace A's failing group (a Pushgateway PUT replaces one group whole)."""
    import pandas as pd

    frame = pd.read_csv(files["data"])
    frame.assign(score=1 - frame["score"]).to_csv(tmp_path / "model_a.csv", index=False)
    frame.to_csv(tmp_path / "model_b.csv", index=False)
    with recording_server() as gateway:
        for name in ("model_a", "model_b"):
            data = {**files, "data": tmp_path / f"{name}.csv"}
            check(data, tmp_path / name, "--push-gateway", gateway.url)
    a, b = gateway.requests
    assert a.path != b.path
    assert "/model/model_a.csv/" in a.path and "/model/model_b.csv/" in b.path
    assert decisions(a.body)["block"] == 1 and decisions(b.body)["approve"] == 1


def test_push_labels_join_the_group_and_every_series(files, tmp_path: Path):
    with recording_server() as gateway:
        flags = ["--push-label", "region=eu", "--push-label", "model=credit"]
        result = check(files, tmp_path / "out", "--push-gateway", gateway.url, *flags)
    assert result.code == 0, result.stderr
    [request] = gateway.requests
    assert request.path.startswith("/metrics/job/model-gate/model/credit/policy@base64/")
    assert request.path.endswith("/region/eu")
    pushed = series(request.body.decode())
    assert pushed and all(dict(k)["region"] == "eu" for _, k, _ in pushed)
    assert all(dict(k)["model"] == "credit" for _, k, _ in pushed)


def test_a_push_label_without_a_gateway_is_a_usage_error(files, tmp_path: Path):
    result = check(files, tmp_path / "out", "--push-label", "region=eu")
    assert result.code == 2 and "--push-label needs --push-gateway" in result.stderr


def test_an_input_error_replaces_the_last_good_run_with_the_error_set(files, tmp_path: Path):
    """Finding 14: the production extract loses its label column; the group the good run
    pushed to (and metrics.prom) now say decision error, exit 2 — not the stale approve."""
    import pandas as pd

    data = tmp_path / "d.csv"
    pd.read_csv(files["data"]).to_csv(data, index=False)
    run = {**files, "data": data}
    out = tmp_path / "out"
    with recording_server() as gateway:
        flags = ["--push-gateway", gateway.url, "--format", "prometheus", "--push-label", "r=eu"]
        good = check(run, out, *flags)
        pd.read_csv(data).drop(columns="y").to_csv(data, index=False)
        broken = check(run, out, *flags)
    assert good.code == 0 and broken.code == 2, broken.stderr
    assert "no label column 'y'" in broken.stderr and "Traceback" not in broken.stderr
    first, second = gateway.requests
    assert second.method == "PUT" and second.path == first.path
    assert decisions(second.body) == ERROR_SET
    pushed = {name: value for name, _, value in series(second.body.decode())}
    assert pushed["model_gate_exit_code"] == 2
    assert "model_gate_run_timestamp_seconds" in second.body.decode()
    assert sorted(p.name for p in out.iterdir()) == ["metrics.prom"]  # no stale report.json
    written = series((out / "metrics.prom").read_text())
    assert {dict(k)["decision"] for n, k, v in written if n == "model_gate_decision" and v} == {
        "error"
    }
    assert written and all(dict(k)["r"] == "eu" for _, k, _ in written)  # as in the push


def test_an_internal_error_pushes_exit_code_3(files, tmp_path: Path):
    import argparse

    from gate.commands.check_error import publish_error

    args = argparse.Namespace(
        policy=str(files["policy"]),
        model="models:/credit/7",
        data=str(files["data"]),
        output_dir=None,
        push_label=["region=eu"],
    )
    with recording_server() as gateway:
        publish_error(args, [], gateway.url, RuntimeError("boom"))
    [request] = gateway.requests
    model = "/model@base64/" + base64.urlsafe_b64encode(b"credit/7").decode() + "/"
    assert request.path.startswith("/metrics/job/model-gate" + model)
    assert request.path.endswith("/policy@base64/" + POLICY_B64 + "/region/eu")
    assert {n: v for n, _, v in series(request.body.decode())}["model_gate_exit_code"] == 3
    assert decisions(request.body)["error"] == 1


@pytest.mark.parametrize(
    "name_line",
    ['name: "nightly monitor/credit"  # the monitor', "name: credit-monitor", ""],
)
def test_a_policy_that_no_longer_parses_pushes_its_error_to_the_good_runs_group(
    files, tmp_path: Path, name_line: str
):
    """Review12d #9: the YAML breaks (an unclosed brace); the error set must replace the last
    good run's values in the same group (the policy's `name:`, else the file stem), not start
    a group of its own under the file stem."""
    import textwrap

    text = textwrap.dedent(POLICY).replace("name: nightly monitor/credit", name_line)
    policy = tmp_path / "monitor.yaml"
    policy.write_text(text)
    run = {**files, "policy": policy}
    with recording_server() as gateway:
        good = check(run, tmp_path / "out", "--push-gateway", gateway.url)
        policy.write_text(text + "  - {id: broken, type: performance\n")
        broken = check(run, tmp_path / "out", "--push-gateway", gateway.url)
    assert good.code == 0 and broken.code == 2, good.stderr + broken.stderr
    assert "Traceback" not in broken.stderr
    first, second = gateway.requests
    assert second.path == first.path
    assert decisions(second.body) == ERROR_SET


def test_a_policy_that_cannot_be_read_at_all_pushes_to_its_file_stem(files, tmp_path: Path):
    """The documented limit of the above: with no text to read, the group is the stem."""
    with recording_server() as gateway:
        gone = check(
            {**files, "policy": tmp_path / "monitor.yaml"},
            tmp_path / "out",
            "--push-gateway",
            gateway.url,
        )
    assert gone.code == 2
    [request] = gateway.requests
    assert request.path == "/metrics/job/model-gate/model/d.csv/policy/monitor"
