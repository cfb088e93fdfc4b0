"""What the gate writes to (and reads from) a real MLflow server, when the server misbehaves:
an upload that fails part-way leaves a run promote refuses, never tags vouching for files they
do not describe; sizes are checked from the listing before anything is downloaded; a server
that accepts but never answers fails within the request timeout; log-to-mlflow logs only
model-gate's own regular files. The server (MLflow's own application, SQLite store, proxied
artifacts on 127.0.0.1) is the fixture of tests/inputs/test_registry.py."""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
from pathlib import Path

import pytest

pytest.importorskip("mlflow", reason="needs model-gate[mlflow]")

from gate.cli import main
from gate.commands import approval
from gate.errors import InputError
from gate.inputs import models, registry
from tests.helpers import run_cli, write_policy
from tests.inputs import test_registry as base

store, tracking = base.store, base.tracking  # its server, shared by this module's tests

AUC_ONLY = base.POLICY.split("  - {id: no-regression")[0]
FAST = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"}  # the user's setting wins over the gate's


def _gate(tracking: dict, policy: Path, out: Path, *extra: str) -> object:
    return run_cli(
        "check", "--policy", policy, "--data", tracking["root"] / "eval.csv",
        "--model", "models:/credit/2", "--output-dir", out, *extra,
        env={"MLFLOW_TRACKING_URI": tracking["uri"], **FAST},
    )  # fmt: skip


def _stored(tracking: dict, run_id: str) -> Path:
    """Where the server keeps the run's model-gate/report.json."""
    return next((tracking["root"] / "artifacts").rglob(f"{run_id}/artifacts")) / "model-gate"


def _promote(report: Path, alias: str, capsys) -> tuple[int, str]:
    capsys.readouterr()
    before = base._registry_state()
    code = main(["promote", "--report", str(report), "--alias", alias])
    err = capsys.readouterr().err
    if code:
        assert base._registry_state() == before  # a refusal writes nothing
    return code, err


def test_a_logging_that_fails_part_way_leaves_a_run_promote_refuses(tracking, tmp_path, capsys):
    import mlflow

    client = mlflow.MlflowClient()
    run_id = client.get_model_version("credit", "2").run_id
    approving = tmp_path / "approve"
    auc = write_policy(tmp_path / "auc.yaml", AUC_ONLY)
    assert _gate(tracking, auc, approving, "--log-to-mlflow").code == 0
    tags = client.get_run(run_id).data.tags
    report = (approving / "report.json").read_bytes()
    assert tags["model_gate.report_sha256"] == hashlib.sha256(report).hexdigest()
    assert (_stored(tracking, run_id) / "report.json").read_bytes() == report

    # the server cannot store the next report.json (a directory is in its place): 500
    stored = _stored(tracking, run_id) / "report.json"
    stored.unlink()
    (stored / "blocker").mkdir(parents=True)
    strict = write_policy(tmp_path / "strict.yaml", AUC_ONLY.replace("min: 0.6", "min: 0.99"))
    blocked = _gate(tracking, strict, tmp_path / "block", "--log-to-mlflow")
    assert blocked.code == 1 and "logging to MLflow failed" in blocked.stderr
    assert client.get_run(run_id).data.tags["model_gate.report_sha256"] == "pending"
    shutil.rmtree(stored)
    stored.write_bytes(report)  # even with the approving report back in place
    code, err = _promote(approving / "report.json", "staging", capsys)
    assert code == 1 and "did not complete" in err

    # logged again, whole: the tags vouch for the file once more
    assert main(["log-to-mlflow", "--report", str(approving / "report.json")]) == 0
    assert _promote(approving / "report.json", "staging", capsys)[0] == 0
    assert client.get_model_version_by_alias("credit", "staging").version in ("2", 2)


def test_promote_believes_the_logged_report_only_when_the_tags_vouch_for_it(
    tracking, tmp_path, capsys
):
    """Files and tags written by separate calls: every mismatch between them is refused."""
    import mlflow

    client = mlflow.MlflowClient()
    run_id = client.get_model_version("credit", "2").run_id
    out = tmp_path / "out"
    assert _gate(tracking, write_policy(tmp_path / "a.yaml", AUC_ONLY), out).code == 0
    assert main(["log-to-mlflow", "--report", str(out / "report.json")]) == 0
    digest = hashlib.sha256((out / "report.json").read_bytes()).hexdigest()
    cases = {  # what an interrupted or older logging leaves: the refusal names the tag at fault
        ("model_gate.report_sha256", "pending"): "did not complete",
        ("model_gate.report_sha256", "0" * 64): "no model_gate.report_sha256 tag",
        ("model_gate.decision", "block"): "no model_gate.decision tag approve",
    }
    for (tag, value), why in cases.items():
        client.set_tag(run_id, tag, value)
        code, err = _promote(out / "report.json", "canary", capsys)
        assert code == 1 and why in err and "0" * 64 not in err
        client.set_tag(run_id, "model_gate.report_sha256", digest)
        client.set_tag(run_id, "model_gate.decision", "approve")
    client.delete_tag(run_id, "model_gate.report_sha256")  # logged by an older model-gate
    assert "no model_gate.report_sha256 tag" in _promote(out / "report.json", "canary", capsys)[1]
    client.set_tag(run_id, "model_gate.report_sha256", digest)
    with pytest.MonkeyPatch.context() as mp:  # a logged report too large is never downloaded
        mp.setattr(approval, "MAX_REPORT_BYTES", 100)
        code, err = _promote(out / "report.json", "canary", capsys)
        assert code == 2 and "too large for a report" in err
    assert _promote(out / "report.json", "canary", capsys)[0] == 0


@pytest.fixture(scope="module")
def files_run(store) -> str:
    """A run with the artifacts big/a.bin (1 KiB), big/b.bin (1 KiB), big/sub/c.bin (64 KiB)."""
    import mlflow

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_TRACKING_URI", store["uri"])
        client = mlflow.MlflowClient()
        run = client.create_run(client.create_experiment("files"))
        root = store["root"] / "local-files"
        (root / "big" / "sub").mkdir(parents=True)
        (root / "big" / "a.bin").write_bytes(b"a" * 1024)
        (root / "big" / "b.bin").write_bytes(b"b" * 1024)
        (root / "big" / "sub" / "c.bin").write_bytes(b"c" * 65536)
        client.log_artifacts(run.info.run_id, str(root))
    return run.info.run_id


@pytest.mark.parametrize(
    ("limit", "value", "path", "message"),
    [
        ("MAX_MODEL_FILES", 2, "big", "holds more than 2 files"),
        ("MAX_MODEL_FILE_BYTES", 4096, "big", "big/sub/c.bin is 0.1 MiB, over the"),
        ("MAX_MODEL_FILE_BYTES", 4096, "big/sub/c.bin", ": c.bin is 0.1 MiB, over the"),
        ("MAX_MODEL_TOTAL_BYTES", 32768, "big", "in all"),
    ],
)
def test_sizes_are_checked_from_the_listing_before_anything_is_downloaded(
    tracking, files_run, tmp_path, monkeypatch, limit, value, path, message
):
    uri = f"runs:/{files_run}/{path}"
    resolved = registry.resolve(registry.parse(uri))
    assert registry.download(resolved, tmp_path / "whole").exists()  # within the real limits
    monkeypatch.setattr(models, limit, value)
    with pytest.raises(InputError, match=message) as refused:
        registry.download(resolved, tmp_path / "into")
    assert str(refused.value).startswith(f"model {uri}")
    assert not (tmp_path / "into").exists()  # refused before a byte was downloaded


@pytest.mark.parametrize(("timeout", "waited"), [(None, "timeout=10)"), ("1", "timeout=1)")])
def test_a_server_that_never_answers_fails_within_the_request_timeout(store, timeout, waited):
    """The kernel completes the connection (backlog); nothing ever answers. The gate's default
    timeout (10 s, not MLflow's 120 s) applies, or the user's MLFLOW_HTTP_REQUEST_TIMEOUT."""
    env = {"MLFLOW_HTTP_REQUEST_TIMEOUT": timeout} if timeout else {}
    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(16)
        uri = f"http://127.0.0.1:{hole.getsockname()[1]}"
        run = run_cli(
            "check", "--policy", store["root"] / "policy.yaml", "--data",
            store["root"] / "eval.csv", "--model", "models:/credit/1",
            env={"MLFLOW_TRACKING_URI": uri, **FAST, **env},
        )  # fmt: skip
    assert run.code == 2 and waited in run.stderr, run.stderr
    assert "Traceback" not in run.stderr


def test_log_to_mlflow_logs_only_model_gates_own_regular_files(tracking, tmp_path, capsys):
    """A listed file that is a symbolic link (to anything), or not one of model-gate's file
    names, is refused (exit 2) and nothing is logged."""
    import mlflow

    client = mlflow.MlflowClient()
    out = tmp_path / "out"
    assert _gate(tracking, write_policy(tmp_path / "a.yaml", AUC_ONLY), out).code == 0
    secret = tmp_path / "secret.txt"
    secret.write_text("the runner's secret\n")
    run_id = client.get_model_version("credit", "2").run_id
    before = client.get_run(run_id).data.tags.get("model_gate.report_sha256")
    evidence = json.loads((out / "evidence.json").read_text())
    listed = evidence["predicate"]["outputs"]
    digest = hashlib.sha256(secret.read_bytes()).hexdigest()
    for name, make in (
        ("notes.txt", lambda p: shutil.copy(secret, p)),
        ("report.md", lambda p: p.symlink_to(secret)),
    ):
        case = tmp_path / name
        shutil.copytree(out, case)
        make(case / name)
        entry = {"name": name, "digest": {"sha256": digest}}
        data = {**evidence, "predicate": {**evidence["predicate"], "outputs": [*listed, entry]}}
        (case / "evidence.json").write_text(json.dumps(data))
        capsys.readouterr()
        assert main(["log-to-mlflow", "--report", str(case / "report.json")]) == 2
        assert name in capsys.readouterr().err
    assert client.get_run(run_id).data.tags.get("model_gate.report_sha256") == before
    logged = {a.path for a in client.list_artifacts(run_id, "model-gate")}
    assert "model-gate/notes.txt" not in logged
