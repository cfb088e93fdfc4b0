"""GitHub: job summary, annotations, outputs, a sticky pull-request comment, a commit status."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gate.ci.http import Client
from gate.ci.outcome import Outcome
from gate.ci.sticky import Comment, compose, dig, parse_comments, upsert
from gate.results import Evaluation, Verdict
from gate.wording import blocks

COMMENT_LIMIT = 65_536
SUMMARY_LIMIT = 1024 * 1024
DEFAULT_AUTHOR = "github-actions[bot]"
FORK_HINT = (
    "the token cannot write to this pull request (a fork's pull_request run gets a "
    "read-only token); the report is in the job summary. To comment on fork pull "
    "requests, use the two-workflow pattern in examples/workflows/"
)


@dataclass(frozen=True)
class GitHubEnv:
    """What a GitHub Actions run tells the step through its environment."""

    api_url: str
    repository: str
    token: str | None
    pr_number: int | None
    sha: str | None
    run_url: str | None
    summary_path: str | None
    output_path: str | None
    problems: tuple[str, ...] = ()


def _event(env: Mapping[str, str], problems: list[str]) -> dict[str, Any]:
    """The event payload (GITHUB_EVENT_PATH) as a dict; {} with a problem when unreadable."""
    path = env.get("GITHUB_EVENT_PATH")
    if not path or not Path(path).is_file():
        return {}
    try:
        event = json.loads(Path(path).read_text("utf-8") or "{}")
    except (OSError, ValueError) as exc:
        problems.append(f"the event file {path} cannot be read as JSON ({exc})")
        return {}
    if not isinstance(event, dict):
        problems.append(f"the event file {path} is not a JSON object")
        return {}
    return event


def pr_number(value: Any, where: str, problems: list[str]) -> int | None:
    """A positive pull-request number, or None with a problem naming `where`."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if type(value) in (int, str) and text.isdigit() and int(text) > 0:
        return int(text)
    problems.append(f"{where} is not a pull-request number: {str(value)[:40]!r}")
    return None


def _sha(value: Any) -> str | None:
    return value if isinstance(value, str) and re.fullmatch(r"[0-9a-fA-F]{4,64}", value) else None


def detect(env: Mapping[str, str], sha: str | None = None) -> GitHubEnv:
    """Read the run's environment and event payload. Never raises: what cannot be read is
    left out and named in `problems`. The commit is `sha`, else the pull request's head, else
    a workflow_run's head, else GITHUB_SHA."""
    problems: list[str] = []
    event = _event(env, problems)
    number = pr_number(dig(event, "pull_request", "number"), "the event's pull_request", problems)
    if number is None:
        number = pr_number(env.get("MODEL_GATE_PR_NUMBER"), "MODEL_GATE_PR_NUMBER", problems)
    server, repo, run = (
        env.get("GITHUB_SERVER_URL", "https://github.com"),
        env.get("GITHUB_REPOSITORY", ""),
        env.get("GITHUB_RUN_ID"),
    )
    head = (
        sha
        or _sha(dig(event, "pull_request", "head", "sha"))
        or _sha(dig(event, "workflow_run", "head_sha"))
        or env.get("GITHUB_SHA")
    )
    return GitHubEnv(
        api_url=env.get("GITHUB_API_URL", "https://api.github.com"),
        repository=repo,
        token=env.get("MODEL_GATE_GITHUB_TOKEN") or env.get("GITHUB_TOKEN"),
        pr_number=number,
        sha=head,
        run_url=f"{server}/{repo}/actions/runs/{run}" if repo and run else None,
        summary_path=env.get("GITHUB_STEP_SUMMARY"),
        output_path=env.get("GITHUB_OUTPUT"),
        problems=tuple(problems),
    )


def write_summary(path: str, markdown: str) -> None:
    """Append the report to the job summary, kept under GitHub's 1 MiB limit."""
    data = markdown.encode("utf-8")
    if len(data) >= SUMMARY_LIMIT:
        note = b"\n\n*Cut to fit the job summary; see report.json.*\n"
        data = data[: SUMMARY_LIMIT - len(note) - 1].decode("utf-8", "ignore").encode() + note
    with open(path, "ab") as fh:
        fh.write(data)


def write_outputs(path: str, outputs: Mapping[str, str]) -> None:
    """Step outputs (`name=value` lines) for later steps."""
    with open(path, "a", encoding="utf-8") as fh:
        for name, value in outputs.items():
            fh.write(f"{name}={value.replace(chr(10), ' ')}\n")


class PullRequestThread:
    """The issue comments of one pull request."""

    def __init__(self, client: Client, repository: str, number: int) -> None:
        self.client, self.base = client, f"/repos/{repository}/issues"
        self.number = number

    def list(self) -> list[Comment]:
        pages = self.client.pages(f"{self.base}/{self.number}/comments")
        return parse_comments(pages, lambda c: dig(c, "user", "login"))

    def create(self, body: str) -> None:
        self.client.json("POST", f"{self.base}/{self.number}/comments", json={"body": body})

    def update(self, comment_id: int, body: str) -> None:
        self.client.json("PATCH", f"{self.base}/comments/{comment_id}", json={"body": body})

    def delete(self, comment_id: int) -> None:
        self.client.json("DELETE", f"{self.base}/comments/{comment_id}")


def client_for(gh: GitHubEnv) -> Client:
    return Client(
        gh.api_url,
        {
            "Authorization": f"Bearer {gh.token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "model-gate",
        },
    )


def set_status(client: Client, gh: GitHubEnv, evaluation: Evaluation) -> None:
    """A commit status named after the policy: success on approval, failure on a block."""
    d = evaluation.decision
    state = "success" if d.verdict is Verdict.APPROVE else "failure"
    blocking = sum(blocks(r, d) for r in d.results)
    text = f"{d.verdict.value}: {blocking} blocking, {len(d.warnings)} warning(s)"
    body = {
        "state": state,
        "context": f"model-gate/{evaluation.policy_name}",
        "description": text[:140],
    }
    if gh.run_url:
        body["target_url"] = gh.run_url
    client.json("POST", f"/repos/{gh.repository}/statuses/{gh.sha}", json=body)


def publish(
    evaluation: Evaluation,
    report_md: str,
    *,
    mode: str,
    key: str,
    author: str | None,
    commit_status: bool,
    summary: bool = True,
    sha: str | None = None,
    env: Mapping[str, str] | None = None,
    client: Client | None = None,
) -> Outcome:
    """Summary, sticky comment and status. Every failure becomes a warning, never an
    exception: the decision and its exit code are already settled."""
    gh = detect(os.environ if env is None else env, sha)
    out = Outcome(warnings=list(gh.problems))
    if summary and gh.summary_path:
        out.write("job summary", lambda: write_summary(gh.summary_path, report_md))
    if mode == "off" and not commit_status:
        return out
    if not gh.token or not gh.repository:
        out.warnings.append("no GITHUB_TOKEN or GITHUB_REPOSITORY: nothing posted")
        return out
    client = client or client_for(gh)
    if mode != "off" and gh.pr_number is None:
        out.warnings.append("not a pull-request run: no comment posted")
    elif mode != "off":
        body = compose(report_md, key, COMMENT_LIMIT, gh.run_url)
        thread = PullRequestThread(client, gh.repository, gh.pr_number)
        out.attempt("comment", lambda: upsert(thread, body, key, mode, author), FORK_HINT)
    if commit_status and evaluation.decision.verdict is Verdict.REPORT:
        out.done.append("commit status: not set (a report-only policy approves nothing)")
    elif commit_status and gh.sha:
        out.attempt("commit status", lambda: set_status(client, gh, evaluation) or "set", FORK_HINT)
    elif commit_status:
        out.warnings.append("no commit to set a status on (GITHUB_SHA is unset)")
    return out
