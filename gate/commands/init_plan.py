"""What `model-gate init` writes where: the policy, its schema copy and the CI workflow, each
target checked against the others and against the inputs, and the commands printed with them
(every path quoted for a POSIX shell)."""

from __future__ import annotations

import argparse
import os
import shlex
from pathlib import Path

from gate.commands.init_files import (
    SCHEMA_FILE,
    Starter,
    github_workflow,
    gitlab_include,
    policy_text,
)
from gate.commands.schema import schema_text
from gate.errors import PolicyError, UsageError

GITHUB_WORKFLOW = Path(".github/workflows/model-gate.yml")
GITLAB_CI = Path(".gitlab-ci.yml")


def shown(path: str | Path) -> str:
    """A path as a workflow names it: relative to the working directory when inside it."""
    rel = os.path.relpath(path)
    return str(path) if rel.startswith("..") else rel


def _ci(choice: str) -> str:
    """auto: GitHub when .github/ exists, GitLab when .gitlab-ci.yml does, else none."""
    if choice != "auto":
        return choice
    if Path(".github").is_dir():
        return "github"
    return "gitlab" if GITLAB_CI.exists() else "none"


def loading_flags(args: argparse.Namespace) -> list[str]:
    """The model-loading flags init was given, which check needs too."""
    if not args.model:
        return []
    flags = ["--allow-pickle"] if args.allow_pickle else []
    if args.allow_pickle and args.model_sha256:
        flags += ["--model-sha256", args.model_sha256]
    for name in args.trust_type:
        flags += ["--trust-type", name]
    return flags


def run_command(args: argparse.Namespace) -> str:
    """The check command for the written files, every argument quoted for a POSIX shell."""
    parts = ["model-gate", "check", "--policy", shown(args.output)]
    if args.model:
        parts += ["--model", shown(args.model), *loading_flags(args)]
    parts += ["--data", shown(args.data) if args.data else "EVAL_DATA"]
    return shlex.join(parts)


def plan(args: argparse.Namespace, starter: Starter) -> tuple[dict[Path, str], list[str]]:
    """The files to write (path -> text) and what to tell the user beside them."""
    policy = Path(args.output)
    files = {policy: policy_text(starter, run_command(args))}
    schema, notes = policy.parent / SCHEMA_FILE, []
    if _same(policy, schema):
        raise UsageError(f"--output {policy} is where the policy's schema copy goes: rename it")
    if not (schema.is_file() and schema.read_text("utf-8") == schema_text("policy")):
        files[schema] = schema_text("policy")
    inputs = {"policy": shown(policy)}
    if args.model:
        inputs["model"] = shown(args.model)
    inputs["data"] = shown(args.data) if args.data else "EVAL_DATA"
    if loading_flags(args):  # both CI templates split extra-args on blanks, unquoted
        inputs["extra-args"] = " ".join(loading_flags(args))
    ci = _ci(args.ci)
    workflow = GITHUB_WORKFLOW if ci == "github" else GITLAB_CI if ci == "gitlab" else None
    if workflow is not None and _same(policy, workflow):
        raise UsageError(f"--output {policy} is where the {ci} workflow goes: rename it")
    if ci == "github":
        files[GITHUB_WORKFLOW] = github_workflow(inputs)
    elif ci == "gitlab" and GITLAB_CI.exists():
        notes.append(f"{GITLAB_CI} exists and is left as it is; add these lines to it:\n")
        notes.append(gitlab_include(inputs))
    elif ci == "gitlab":
        files[GITLAB_CI] = gitlab_include(inputs)
    for given, flag in ((args.data, "--data"), (args.model, "--model")):
        if given and any(_same(path, Path(given)) for path in files):
            raise UsageError(f"--output {policy} would overwrite {flag} {given}")
    return files, notes


def _same(a: Path, b: Path) -> bool:
    """Whether two paths name one file (followed through links when they exist)."""
    return os.path.realpath(a) == os.path.realpath(b)


def valid(path: Path, text: str) -> None:
    """The policy must load as `model-gate validate` loads it, before anything is written."""
    from gate.policy.loader import analyse_policy

    try:
        _, problems = analyse_policy(path, text.encode("utf-8"))
    except PolicyError as exc:
        problems = exc.problems
    if problems:
        raise PolicyError(list(problems))
