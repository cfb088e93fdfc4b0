"""Run action.yml's `run:` steps the way the GitHub runner does for a composite action:
each step's script with `bash --noprofile --norc -eo pipefail`, `${{ }}` expressions filled in
from inputs and earlier steps' outputs, GITHUB_ENV / GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files,
and `if:` conditions (the subset action.yml uses)."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass
class ActionRun:
    outputs: dict[str, str]
    steps: dict[str, dict[str, str]]
    ran: list[str]
    codes: dict[str, int]
    failed: bool
    summary: str
    logs: dict[str, str] = field(default_factory=dict)


def _value(expr: str, ctx: dict[str, Any]) -> str:
    parts = expr.split(".")
    if parts[0] == "inputs":
        return str(ctx["inputs"][parts[1]])
    if parts[0] == "steps" and parts[2] == "outputs":
        return ctx["steps"].get(parts[1], {}).get(parts[3], "")
    if expr == "github.token":
        return ctx["github_token"]
    raise AssertionError(f"expression not supported by the test runner: {expr}")


def fill(text: str, ctx: dict[str, Any]) -> str:
    return EXPR.sub(lambda m: _value(m.group(1), ctx), str(text))


def _term(term: str, ctx: dict[str, Any], failed: bool) -> bool:
    term = term.strip()
    if term == "always()":
        return True
    if term == "success()":
        return not failed
    m = re.fullmatch(r"(\S+)\s*(==|!=)\s*'([^']*)'", term)
    assert m, f"condition not supported by the test runner: {term}"
    equal = _value(m.group(1), ctx) == m.group(3)
    return equal if m.group(2) == "==" else not equal


def condition(text: str | None, ctx: dict[str, Any], failed: bool) -> bool:
    if not text:
        return not failed
    text = EXPR.sub(lambda m: m.group(1), text)
    terms = text.split("&&")
    if not any(t.strip() in ("always()", "failure()") for t in terms):
        terms.append("success()")
    return all(_term(t, ctx, failed) for t in terms)


def run_action(
    root: Path,
    work: Path,
    inputs: dict[str, str],
    env: dict[str, str],
    skip: tuple[str, ...] = (),
    step_outputs: dict[str, dict[str, str]] | None = None,
    github_token: str = "",
) -> ActionRun:
    """Run the composite action in `root` with `inputs`; `skip` names steps (by name prefix)
    not to run, `step_outputs` gives the outputs of `uses:` / skipped steps."""
    action = yaml.safe_load((root / "action.yml").read_text())
    defaults = {k: v.get("default", "") for k, v in action["inputs"].items()}
    ctx = {
        "inputs": {**defaults, **inputs},
        "steps": dict(step_outputs or {}),
        "github_token": github_token,
    }
    ctx["inputs"] = {k: fill(v, ctx) for k, v in ctx["inputs"].items()}
    summary, genv = work / "summary.md", work / "github_env"
    summary.touch()
    genv.touch()
    run = ActionRun({}, ctx["steps"], [], {}, False, "")
    for i, step in enumerate(action["runs"]["steps"]):
        name = step.get("name", f"step {i}")
        if "run" not in step or name.startswith(skip):
            continue
        if not condition(step.get("if"), ctx, run.failed):
            continue
        out = work / f"output-{i}"
        out.touch()
        exported = dict(line.split("=", 1) for line in genv.read_text().splitlines() if "=" in line)
        step_env = {
            **os.environ,
            **env,
            **exported,
            "GITHUB_ACTIONS": "true",
            "GITHUB_ACTION_PATH": str(root),
            "GITHUB_ENV": str(genv),
            "GITHUB_OUTPUT": str(out),
            "GITHUB_STEP_SUMMARY": str(summary),
            "RUNNER_TEMP": str(work),
            **{k: fill(v, ctx) for k, v in step.get("env", {}).items()},
        }
        script = work / f"step-{i}.sh"
        script.write_text(step["run"])
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            env=step_env,
            cwd=work,
            capture_output=True,
            text=True,
            timeout=300,
        )
        run.ran.append(name)
        run.codes[name] = proc.returncode
        run.logs[name] = proc.stdout + proc.stderr
        run.failed = run.failed or proc.returncode != 0
        if "id" in step:
            ctx["steps"][step["id"]] = dict(
                line.split("=", 1) for line in out.read_text().splitlines() if "=" in line
            )
    run.outputs = {k: fill(v["value"], ctx) for k, v in action["outputs"].items()}
    run.summary = summary.read_text()
    return run
