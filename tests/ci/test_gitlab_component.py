"""The GitLab component's job scripts run with bash -eo pipefail (as GitLab's runner does) and
the real gate: the evaluating process never has the token; the comment job posts with it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from fakes import FakeApi, FakeServer
from helpers import ROOT, write_policy

TOKEN = "glpat-component-token"


def job_script(job: dict, inputs: dict[str, str]) -> str:
    def fill(text: str) -> str:
        return re.sub(r"\$\[\[\s*inputs\.([\w-]+)\s*\]\]", lambda m: inputs[m.group(1)], text)

    exports = "".join(f"export {k}={fill(str(v))!r}\n" for k, v in job.get("variables", {}).items())
    return exports + "\n".join(fill(line) for line in job["script"])


def run_job(name: str, inputs: dict[str, str], work: Path, bindir: Path, env: dict) -> int:
    _, body = yaml.safe_load_all((ROOT / "templates/model-gate.yml").read_text())
    script = work / f"{name}.sh"
    script.write_text(job_script(body[name], inputs))
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=work,
        env={**os.environ, **env, "PATH": f"{bindir}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    return proc.returncode


def test_evaluate_without_the_token_then_post_with_it(tmp_path, workspace):
    bindir, log, work = tmp_path / "bin", tmp_path / "log", tmp_path / "work"
    for d in (bindir, log, work):
        d.mkdir()
    gate = bindir / "model-gate"
    gate.write_text(
        f'#!/bin/bash\nenv > "{log}/$1"\nPYTHONPATH="{ROOT}" exec "{sys.executable}" -m gate "$@"\n'
    )
    gate.chmod(0o755)
    write_policy(
        tmp_path / "p.yaml",
        """
        version: 1
        data: {label: y}
        checks:
          - {id: auc-high, type: performance, metric: roc_auc, min: 0.99}
        """,
    )
    inputs = {
        "policy": str(tmp_path / "p.yaml"),
        "data": str(workspace / "eval.csv"),
        "model": str(workspace / "candidate.skops"),
        "baseline-model": "",
        "model-card": "",
        "extra-args": "--seed 1",
        "comment-mode": "update",
    }
    with FakeServer(FakeApi(user="bot")) as srv:
        env = {
            "CI_API_V4_URL": f"{srv.url}/api/v4",
            "CI_PROJECT_ID": "9",
            "CI_MERGE_REQUEST_IID": "3",
            "CI_JOB_TOKEN": "job-token",
            "MODEL_GATE_GITLAB_TOKEN": TOKEN,
        }
        evaluated = run_job("model-gate", inputs, work, bindir, env)
        assert srv.api.requests == []
        posted = run_job("model-gate-comment", inputs, work, bindir, env)
        (note,) = srv.api.comments["9#3"]
    assert evaluated == 1 and posted == 0
    assert "**blocked**" in note["body"]
    assert TOKEN not in (log / "check").read_text()
    assert "job-token" not in (log / "check").read_text()
    assert f"MODEL_GATE_GITLAB_TOKEN={TOKEN}" in (log / "comment").read_text()
    assert (work / "model-gate-report" / "junit.xml").exists()
