"""examples/monitoring/: the scheduled GitHub workflow and GitLab pipeline are valid against
the public schemas, and their monitoring command, run as written through bash on generated
production logs, writes metrics.prom and pushes to a recording Pushgateway on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
import yaml
from conformance import conformance_file
from helpers import ROOT, run_cli
from prometheus_client.parser import text_string_to_metric_families
from recording_server import recording_server

from gate.report.prometheus_families import DECISIONS

HERE = ROOT / "examples/monitoring"
NODE24_MAJORS = {"actions/checkout": 5, "actions/setup-python": 6, "actions/upload-artifact": 5}

#: the decision stateset of a run that ended in an error: error 1, every other state 0
ERROR_SET = {d: int(d == "error") for d in DECISIONS}


def validate(document: object, schema_name: str) -> None:
    schema = json.loads(conformance_file(schema_name).read_text())
    cls = jsonschema.validators.validator_for(schema)
    errors = sorted(cls(schema).iter_errors(document), key=str)
    assert not errors, [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]]


def github() -> dict:
    workflow = yaml.safe_load((HERE / "github-monitor.yml").read_text())
    workflow["on"] = workflow.pop(True)  # YAML 1.1 reads the key `on` as true; GitHub does not
    return workflow


def gitlab() -> dict:
    return yaml.safe_load((HERE / "gitlab-monitor.yml").read_text())


def test_the_github_workflow_is_valid_and_scheduled():
    workflow = github()
    validate(workflow, "github-workflow.schema.json")
    [schedule] = workflow["on"]["schedule"]
    assert len(schedule["cron"].split()) == 5
    steps = workflow["jobs"]["monitor"]["steps"]
    for step in steps:
        assert "${{" not in step.get("run", ""), step.get("name")  # inputs only via env
        name, _, version = step.get("uses", "@").partition("@")
        if name:
            assert int(version.lstrip("v")) >= NODE24_MAJORS[name], step["uses"]
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["if"] == "always()" and upload["with"]["path"] == "model-gate-report/"


def test_the_gitlab_pipeline_is_valid_and_runs_on_schedules_only():
    pipeline = gitlab()
    validate(pipeline, "gitlab-ci.schema.json")
    job = pipeline["model-gate-monitor"]
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}]
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"] == {"junit": "model-gate-report/junit.xml"}


def logs(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    income, age = rng.normal(50 + shift, 10, n), rng.integers(18, 80, n).astype(float)
    logit = (income - 50) / 8 - (age - 45) / 30
    default = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    score = 1 / (1 + np.exp(-(logit + rng.normal(0, 0.7, n))))
    sex = rng.choice(["F", "M"], n)
    return pd.DataFrame(dict(income=income, age=age, sex=sex, default=default, score=score))


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A repository as the examples expect it: the monitoring policy, a day of production
    logs, the reference profile, and `model-gate` on PATH."""
    root = tmp_path_factory.mktemp("monitor")
    (root / "policies").mkdir()
    (root / "data").mkdir()
    shutil.copy(HERE / "policy.yaml", root / "policies/monitor.yaml")
    logs(1200, 0, shift=5.0).to_parquet(root / "data/production.parquet")
    logs(1200, 1).to_parquet(root / "reference.parquet")
    made = run_cli(
        "profile", "--policy", "policies/monitor.yaml", "--data", "reference.parquet",
        "-o", "data/reference.profile", cwd=root,
    )  # fmt: skip
    assert made.code == 0, made.stderr
    (root / "bin").mkdir()
    script = root / "bin/model-gate"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m gate "$@"\n')
    script.chmod(0o755)
    return root


def run_as_written(project: Path, script: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    shutil.rmtree(project / "model-gate-report", ignore_errors=True)
    full = {
        **os.environ,
        "PATH": f"{project / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
        **env,
    }
    return subprocess.run(
        ["bash", "-e", "-c", script], cwd=project, env=full, capture_output=True, text=True
    )


def pushed_policy_checks(body: bytes) -> set[str]:
    return {
        s.labels["check"]
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
        if s.name == "model_gate_check_status"
    }


def monitor_step() -> str:
    return next(s for s in github()["jobs"]["monitor"]["steps"] if s.get("name") == "Monitor")[
        "run"
    ]


@pytest.mark.parametrize(
    ("secrets", "auth"),
    [({"MODEL_GATE_PUSHGATEWAY_USERNAME": "", "MODEL_GATE_PUSHGATEWAY_PASSWORD": ""}, False),
     ({"MODEL_GATE_PUSHGATEWAY_USERNAME": "m", "MODEL_GATE_PUSHGATEWAY_PASSWORD": "p"}, True)],
    ids=["no-secrets", "basic-auth"],
)  # fmt: skip
def test_the_github_monitor_step_runs_as_written(project: Path, secrets: dict, auth: bool):
    with recording_server() as gateway:
        proc = run_as_written(project, monitor_step(), {"PUSHGATEWAY_URL": gateway.url, **secrets})
    assert proc.returncode in (0, 1), proc.stderr
    [request] = gateway.requests
    assert (request.method, request.path) == (
        "PUT",
        "/metrics/job/model-gate/model/production.parquet/policy/credit-monitor",
    )
    assert ("Authorization" in request.headers) is auth
    checks = {"auc-floor", "recall-gap", "input-drift", "log-quality"}
    assert pushed_policy_checks(request.body) == checks
    for name in ("metrics.prom", "junit.xml", "report.md", "report.json"):
        assert (project / "model-gate-report" / name).is_file(), name


def test_the_gitlab_monitor_script_runs_as_written(project: Path):
    script = gitlab()["model-gate-monitor"]["script"]
    [command] = [line for line in script if line.startswith("model-gate check")]
    with recording_server() as gateway:
        proc = run_as_written(project, command, {"PUSHGATEWAY_URL": gateway.url})
    assert proc.returncode in (0, 1), proc.stderr
    assert [r.path for r in gateway.requests] == [
        "/metrics/job/model-gate/model/production.parquet/policy/credit-monitor"
    ]
    report = json.loads((project / "model-gate-report/report.json").read_text())
    drift = next(c for c in report["checks"] if c["id"] == "input-drift")
    assert any(col["drifted"] for col in drift["columns"])  # the planted income shift is seen
    assert (project / "model-gate-report/junit.xml").is_file()


def published(textfile: Path) -> dict[str, float]:
    """The decision series of the published file, read as the textfile collector reads it."""
    return {
        s.labels["decision"]: s.value
        for family in text_string_to_metric_families(textfile.read_text())
        for s in family.samples
        if s.name == "model_gate_decision"
    }


def test_the_textfile_collector_script_publishes_every_outcome(project: Path, tmp_path: Path):
    """Finding 14: under `bash -e` a BLOCK still publishes its metrics, and an input error
    publishes decision="error" (exit 2) instead of re-copying the previous run's approve."""
    textfile = tmp_path / "textfile/model-gate-credit.prom"
    textfile.parent.mkdir()
    env = {"OUT": str(tmp_path / "out"), "TEXTFILE": str(textfile)}
    script = f"bash -e {HERE / 'textfile-collector.sh'}"
    data = project / "data/production.parquet"
    good = pd.read_parquet(data)
    try:
        logs(1200, 3).to_parquet(data)
        ran = run_as_written(project, script, env)
        assert ran.returncode == 0, ran.stderr
        assert published(textfile)["approve"] == 1
        blocked = logs(1200, 3)
        blocked["score"] = 1 - blocked["score"]  # the model turned upside down: AUC fails
        blocked.to_parquet(data)
        ran = run_as_written(project, script, env)
        assert ran.returncode == 1, ran.stderr
        assert published(textfile)["block"] == 1
        blocked.drop(columns="default").to_parquet(data)  # the export lost its label column
        ran = run_as_written(project, script, env)
        assert ran.returncode == 2 and "no label column 'default'" in ran.stderr, ran.stderr
        assert published(textfile) == ERROR_SET
        assert sorted(p.name for p in textfile.parent.iterdir()) == [textfile.name]
    finally:
        good.to_parquet(data)


GROUP = "/metrics/job/model-gate/model/production.parquet/policy/credit-monitor"


def pushed_decision(body: bytes) -> str:
    [decision] = [
        s.labels["decision"]
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
        if s.name == "model_gate_decision" and s.value == 1
    ]
    return decision


def failed_export(project: Path, tmp_path: Path) -> Path:
    """A copy of the project whose export script fails (the warehouse is down)."""
    copy = tmp_path / "project"
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns("model-gate-report"))
    (copy / "scripts").mkdir()
    export = copy / "scripts/export-predictions.sh"
    export.write_text("#!/bin/sh\necho 'warehouse unreachable' >&2\nexit 1\n")
    export.chmod(0o755)
    return copy


def test_a_failed_github_export_still_pushes_the_error_to_the_monitors_group(
    project: Path, tmp_path: Path
):
    """Review12d 10h: the export step failed, model-gate never ran, nothing was pushed and the
    group kept the last good approve. The failure step runs after a failed export only (not
    after a BLOCK, which fails the Monitor step) and pushes decision="error" to the group the
    Monitor step pushes to."""
    steps = github()["jobs"]["monitor"]["steps"]
    export = next(s for s in steps if s.get("id") == "export")
    told = next(s for s in steps if s.get("name") == "Tell the monitoring the export failed")
    assert told["if"] == f"failure() && steps.{export['id']}.outcome == 'failure'"
    assert steps.index(export) < steps.index(told)
    copy = failed_export(project, tmp_path)
    assert run_as_written(copy, export["run"], {}).returncode != 0
    with recording_server() as gateway:
        proc = run_as_written(copy, told["run"], {"PUSHGATEWAY_URL": gateway.url})
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    [request] = gateway.requests
    assert request.path == GROUP and pushed_decision(request.body) == "error"


def test_a_failed_gitlab_export_still_pushes_the_error_to_the_monitors_group(
    project: Path, tmp_path: Path
):
    script = gitlab()["model-gate-monitor"]["script"]
    assert script[0].startswith("./scripts/export-predictions.sh")
    copy = failed_export(project, tmp_path)
    with recording_server() as gateway:
        proc = run_as_written(copy, "\n".join(script), {"PUSHGATEWAY_URL": gateway.url})
    assert proc.returncode == 2 and "warehouse unreachable" in proc.stderr, proc.stderr
    [request] = gateway.requests
    assert request.path == GROUP and pushed_decision(request.body) == "error"


@pytest.mark.parametrize("name", ["github-monitor.yml", "gitlab-monitor.yml"])
def test_the_suggested_alerts_cover_errors_inconclusives_and_silence(name: str):
    text = (HERE / name).read_text()
    assert 'model_gate_check_status{status=~"fail|error|inconclusive"' in text
    assert 'model_gate_decision{decision="error"} == 1' in text
    assert "time() - model_gate_run_timestamp_seconds" in text
