"""examples/rollouts/: the Argo Rollouts AnalysisTemplates, the Flagger Canary and the serve
Deployment. No CRD schema of Argo Rollouts or Flagger is available offline here
(/work/shared/conformance holds GitHub / GitLab / JUnit / SARIF ones only), so the fields the
CRDs require are checked structurally; what model-gate itself reads is checked for real: the
Job's and the Deployment's command lines parse with model-gate's own parser (and the Job's
runs, on generated logs), the web metric's body and the webhook's metadata name only fields
serve accepts, and the conditions name the decisions analysis.json can hold."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest
import yaml
from canary_data import LATE, write_canary
from helpers import ROOT, run_cli

from gate.cli import build_parser
from gate.inputs.prediction_logs import parse_duration
from gate.serve.app import FLAGGER_HOOKS
from gate.serve.calls import FIELDS

EXAMPLES = ROOT / "examples/rollouts"
DECISIONS = json.loads((ROOT / "gate/schemas/analysis.schema.json").read_text())["properties"][
    "decision"
]["enum"]
SAMPLE_ARGS = {"candidate-version": "v2", "label-delay": "1d", "token": "t" * 32}


def documents(name: str) -> list[dict]:
    return [d for d in yaml.safe_load_all((EXAMPLES / name).read_text()) if d]


def substituted(value: object, declared: set[str]) -> object:
    """`{{args.NAME}}` replaced by a sample value; every NAME must be a declared arg."""
    text = json.dumps(value)
    for name in re.findall(r"\{\{args\.([\w-]+)\}\}", text):
        assert name in declared, f"{{{{args.{name}}}}} is not in spec.args"
        text = text.replace(f"{{{{args.{name}}}}}", SAMPLE_ARGS[name])
    return json.loads(text)


def template(name: str) -> tuple[dict, set[str]]:
    (doc,) = documents(name)
    assert doc["apiVersion"] == "argoproj.io/v1alpha1" and doc["kind"] == "AnalysisTemplate"
    assert doc["metadata"]["name"]
    declared = {a["name"] for a in doc["spec"].get("args", [])}
    for metric in doc["spec"]["metrics"]:
        assert metric["name"] and len(metric["provider"]) == 1
    return doc, declared


def test_the_job_metric_runs_model_gate_analyze(tmp_path: Path):
    doc, declared = template("analysis-template-job.yaml")
    (metric,) = doc["spec"]["metrics"]
    job = substituted(metric["provider"]["job"], declared)
    pod = job["spec"]["template"]["spec"]
    assert pod["restartPolicy"] in ("Never", "OnFailure")
    assert job["spec"]["backoffLimit"] == 0  # a block must not be retried
    (container,) = pod["containers"]
    assert container["name"] and container["image"]
    mounts = {m["name"] for m in container["volumeMounts"]}
    assert mounts == {v["name"] for v in pod["volumes"]}
    args = build_parser().parse_args(container["args"])
    assert args.command == "analyze"
    # the same command line, on generated logs where the volumes would be
    paths = write_canary(tmp_path)
    (tmp_path / "policy").mkdir()
    shutil.copy(paths["policy"], tmp_path / "policy/canary.yaml")
    (tmp_path / "logs").mkdir()
    shutil.copy(paths["predictions"], tmp_path / "logs/predictions.parquet")
    pd.read_csv(paths["labels"]).to_parquet(tmp_path / "logs/labels.parquet")
    local = [a.replace("/policy/", f"{tmp_path}/policy/") for a in container["args"]]
    local = [a.replace("/logs/", f"{tmp_path}/logs/") for a in local]
    run = run_cli(*local, "--as-of", LATE)
    assert run.code == 0, run.stdout + run.stderr


def test_the_web_metric_reads_the_decision_three_ways():
    doc, declared = template("analysis-template-web.yaml")
    (metric,) = doc["spec"]["metrics"]
    web = substituted(metric["provider"]["web"], declared)
    assert web["jsonPath"] == "{$.decision}"
    assert web["url"].endswith("/analyze") and web["method"] == "POST"
    body = json.loads(web["body"])
    assert set(body) <= set(FIELDS) and {"predictions", "labels"} <= set(body)
    headers = {h["key"]: h["value"] for h in web["headers"]}
    assert headers["Authorization"] == f"Bearer {SAMPLE_ARGS['token']}"
    assert metric["successCondition"] == 'result == "approve"'
    assert metric["failureCondition"] == 'result == "block"'
    named = set(re.findall(r'"(\w+)"', metric["successCondition"] + metric["failureCondition"]))
    assert named | {"inconclusive"} == set(DECISIONS)  # the third one satisfies neither
    token = next(a for a in doc["spec"]["args"] if a["name"] == "token")
    assert token["valueFrom"]["secretKeyRef"]["name"]


def test_the_web_metric_waits_out_the_measurements_that_can_only_be_inconclusive():
    """Review12d 10j: initialDelay = the label delay, inconclusiveLimit 0: the first
    measurement sees no matured canary label (label_timestamp <= as_of - delay is before the
    canary started), is inconclusive, and paused every rollout. The measurements before the
    label delay must be skipped and the inconclusive ones after it waited out (all but the
    last), while a single block still aborts."""
    doc, _ = template("analysis-template-web.yaml")
    (metric,) = doc["spec"]["metrics"]
    deployment, _ = documents("model-gate-serve.yaml")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    delay = parse_duration(build_parser().parse_args(container["args"]).label_delay)
    assert parse_duration(metric["initialDelay"]) >= delay
    assert metric["inconclusiveLimit"] == metric["count"] - 1
    assert metric["failureLimit"] == 0


def test_the_flagger_canary_promotes_on_approve_and_rolls_back_on_block():
    """Review12d #8: with a confirm-promotion hook alone a block only holds the promotion and
    the blocked canary keeps maxWeight of the traffic. Flagger reads a hook's 2xx as "yes":
    the Canary must have a rollback hook whose only 2xx is block and a confirm-promotion hook
    whose only 2xx is approve, each on a route serving its type (the answers themselves are
    tested over HTTP in tests/commands/test_serve.py)."""
    (doc,) = documents("flagger-canary.yaml")
    assert doc["apiVersion"] == "flagger.app/v1beta1" and doc["kind"] == "Canary"
    spec = doc["spec"]
    assert {"apiVersion", "kind", "name"} <= set(spec["targetRef"])
    assert isinstance(spec["service"]["port"], int)
    yes = {}
    for hook in spec["analysis"]["webhooks"]:
        assert hook["name"] and hook["type"] not in yes
        types, statuses = FLAGGER_HOOKS[urlsplit(hook["url"]).path]
        assert hook["type"] in types
        yes[hook["type"]] = {d for d, status in statuses.items() if 200 <= status < 300}
        metadata = hook["metadata"]
        assert all(isinstance(v, str) for v in metadata.values())  # Flagger: map of strings
        assert set(metadata) <= set(FIELDS) and {"predictions", "labels"} <= set(metadata)
    assert yes == {"rollback": {"block"}, "confirm-promotion": {"approve"}}
    assert set(FLAGGER_HOOKS["/flagger"][1]) == set(DECISIONS)
    assert set(FLAGGER_HOOKS["/flagger/rollback"][1]) == set(DECISIONS)


#: the most traffic (percent) the example lets a canary take before the gate has decided
MAX_EXPOSURE = 10


def test_the_flagger_canary_bounds_the_exposure_before_the_gate_decides():
    """Review12e #6: Flagger raises the weight every interval on its own metrics and neither
    hook gates an increase, while the gate cannot decide before the label delay: maxWeight
    is the traffic a bad model serves until then. It stays small, is reached in steps, and
    the manifest names the Flagger fix its rollback at maxWeight (WaitingPromotion) needs."""
    (doc,) = documents("flagger-canary.yaml")
    analysis = doc["spec"]["analysis"]
    assert 0 < analysis["stepWeight"] <= analysis["maxWeight"] <= MAX_EXPOSURE
    assert analysis["maxWeight"] % analysis["stepWeight"] == 0  # maxWeight is reached exactly
    text = (EXAMPLES / "flagger-canary.yaml").read_text()
    assert "fluxcd/flagger#1432" in text and "WaitingPromotion" in text
    readme = (EXAMPLES / "README.md").read_text()
    assert f"maxWeight: {analysis['maxWeight']}" in readme


def test_the_serve_deployment_parses_and_matches_its_service():
    deployment, service = documents("model-gate-serve.yaml")
    pod = deployment["spec"]["template"]
    assert (
        deployment["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    )
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    (container,) = pod["spec"]["containers"]
    args = build_parser().parse_args(container["args"])
    assert args.command == "serve" and args.token_file and not args.token_env
    port = int(args.bind.rpartition(":")[2])
    assert service["spec"]["ports"][0]["targetPort"] == port
    secret = next(v for v in pod["spec"]["volumes"] if "secret" in v)
    assert Path(args.token_file).parent.as_posix() in {
        m["mountPath"] for m in container["volumeMounts"] if m["name"] == secret["name"]
    }


@pytest.mark.parametrize("name", ["analysis-template-web.yaml", "flagger-canary.yaml"])
def test_the_service_url_matches_the_deployment(name):
    _, service = documents("model-gate-serve.yaml")
    text = (EXAMPLES / name).read_text()
    host = f"{service['metadata']['name']}.{service['metadata']['namespace']}.svc"
    assert f"http://{host}.cluster.local:{service['spec']['ports'][0]['port']}/" in text
