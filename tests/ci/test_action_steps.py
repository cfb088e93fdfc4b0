"""action.yml run as GitHub runs it (bash --noprofile --norc -eo pipefail), with the real gate:
outputs and job summary on every exit code, the token only in the posting step."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from action_runner import run_action
from fakes import FakeApi, FakeServer
from helpers import ROOT, write_policy

TOKEN = "ghs_action_token"
BLOCKING = """
    version: 1
    data: {label: y}
    checks:
      - {id: auc-high, type: performance, metric: roc_auc, min: 0.99}
"""


@pytest.fixture
def gate_bin(tmp_path: Path) -> Path:
    """The real gate (this checkout), logging each invocation's environment first."""
    log = tmp_path / "envlog"
    log.mkdir()
    script = tmp_path / "model-gate"
    script.write_text(
        "#!/bin/bash\n"
        f'env > "{log}/$1-$$"\n'
        f'PYTHONPATH="{ROOT}" exec "{sys.executable}" -m gate "$@"\n'
    )
    script.chmod(0o755)
    return script


def invocations(gate_bin: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in sorted((gate_bin.parent / "envlog").iterdir()):
        out.setdefault(f.name.split("-")[0], []).append(f.read_text())
    return out


def act(tmp_path: Path, gate_bin: Path | None, srv_url: str, **inputs: str):
    work = tmp_path / "work"
    work.mkdir(parents=True, exist_ok=True)
    (tmp_path / "event.json").write_text(json.dumps({"pull_request": {"number": 4}}))
    env = {
        "GITHUB_API_URL": srv_url,
        "GITHUB_REPOSITORY": "acme/models",
        "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
        "GITHUB_SHA": "abc1234",
        "GITHUB_TOKEN": TOKEN,  # as if the caller's job exported it to every step
    }
    if gate_bin is not None:
        (work / "github_env").write_text(f"MODEL_GATE_BIN={gate_bin}\n")
    return run_action(
        ROOT,
        work,
        {"output-dir": str(tmp_path / "out"), **inputs},
        env,
        skip=("Install",),
        step_outputs={"python": {"python-path": sys.executable}},
        github_token=TOKEN,
    )


def test_exit_2_still_writes_outputs_and_an_error_summary(tmp_path, gate_bin):
    with FakeServer(FakeApi()) as srv:
        run = act(tmp_path, gate_bin, srv.url, policy="missing <b>.yaml", data="d.csv")
        assert srv.api.requests == []
    assert run.outputs["decision"] == "error" and run.outputs["exit-code"] == "2"
    assert run.outputs["report-json"] == ""
    assert "**error** (exit code 2), nothing approved" in run.summary
    assert "missing &lt;b&gt;.yaml" in run.summary and "<b>" not in run.summary
    assert run.ran == ["Evaluate (no token in this step)", run.ran[-1]]
    assert run.ran[-1].startswith("Verdict") and run.codes[run.ran[-1]] == 2 and run.failed


def test_block_posts_from_the_token_step_only(tmp_path, gate_bin, workspace):
    write_policy(tmp_path / "p.yaml", BLOCKING)
    with FakeServer(FakeApi()) as srv:
        run = act(
            tmp_path,
            gate_bin,
            srv.url,
            policy=str(tmp_path / "p.yaml"),
            data=str(workspace / "eval.csv"),
            model=str(workspace / "candidate.skops"),
            **{"commit-status": "true"},
        )
        (comment,) = srv.api.comments["acme/models#4"]
        statuses = srv.api.statuses
    assert run.outputs["decision"] == "block" and run.outputs["exit-code"] == "1"
    assert run.outputs["report-json"] == str(tmp_path / "out" / "report.json")
    assert run.outputs["report-markdown"] == str(tmp_path / "out" / "report.md")
    assert "**blocked**" in run.summary and "**blocked**" in comment["body"]
    assert run.summary.count("**blocked**") == 1  # the posting step writes no second summary
    assert [s["state"] for s in statuses] == ["failure"]
    calls = invocations(gate_bin)
    assert len(calls["check"]) == 1 and TOKEN not in calls["check"][0]
    assert len(calls["comment"]) == 1 and f"GITHUB_TOKEN={TOKEN}" in calls["comment"][0]
    assert run.codes[run.ran[-1]] == 1


def test_format_words_are_not_globbed(tmp_path, gate_bin, workspace):
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "markdown").write_text("")  # `mark*` would glob to this name
    with FakeServer(FakeApi()) as srv:
        run = act(
            tmp_path,
            gate_bin,
            srv.url,
            policy=str(workspace / "passing.yaml"),
            data=str(workspace / "eval.csv"),
            model=str(workspace / "candidate.skops"),
            format="junit mark*",
        )
    assert run.outputs["exit-code"] == "2" and "unknown --format mark*" in run.summary


def test_approval_passes_and_a_missing_install_fails_closed(tmp_path, gate_bin, workspace):
    with FakeServer(FakeApi()) as srv:
        inputs = {
            "policy": str(workspace / "passing.yaml"),
            "data": str(workspace / "eval.csv"),
            "model": str(workspace / "candidate.skops"),
            "comment-mode": "off",
        }
        ok = act(tmp_path / "a", gate_bin, srv.url, **inputs)
        broken = act(tmp_path / "b", None, srv.url, **inputs)
        assert srv.api.requests == []
    assert (ok.outputs["decision"], ok.outputs["exit-code"], ok.failed) == ("approve", "0", False)
    assert "**approved**" in ok.summary
    assert (broken.outputs["decision"], broken.outputs["exit-code"]) == ("error", "3")
    assert "install step failed" in broken.summary and broken.failed
