"""GitLab: a sticky merge-request note through the Notes API (needs an access token)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from gate.ci.http import Client, PublishError
from gate.ci.outcome import Outcome
from gate.ci.sticky import Comment, compose, dig, parse_comments, upsert

NOTE_LIMIT = 1_000_000
JOB_TOKEN_ONLY = (
    "only CI_JOB_TOKEN is available, and a job token may read merge-request "
    "notes but not create or edit them: store a project access token (scope "
    "api, role Reporter or above) as a masked CI/CD variable named "
    "MODEL_GATE_GITLAB_TOKEN"
)
FORBIDDEN = (
    "the token was refused (401/403): it needs the api scope and at least the "
    "Reporter role on the project"
)


@dataclass(frozen=True)
class GitLabEnv:
    api_url: str
    project: str
    mr_iid: int | None
    token: str | None
    job_token: bool
    pipeline_url: str | None
    problems: tuple[str, ...] = ()


def detect(env: Mapping[str, str]) -> GitLabEnv:
    """Read the CI_* variables of a GitLab pipeline; never raises (see `problems`)."""
    iid = (env.get("CI_MERGE_REQUEST_IID") or "").strip()
    bad = iid and not (iid.isdigit() and int(iid) > 0)
    return GitLabEnv(
        api_url=env.get("CI_API_V4_URL", "https://gitlab.com/api/v4"),
        project=env.get("CI_PROJECT_ID", ""),
        mr_iid=int(iid) if iid and not bad else None,
        token=env.get("MODEL_GATE_GITLAB_TOKEN") or env.get("GITLAB_TOKEN"),
        job_token=bool(env.get("CI_JOB_TOKEN")),
        pipeline_url=env.get("CI_PIPELINE_URL"),
        problems=(f"CI_MERGE_REQUEST_IID is not a number: {iid[:40]!r}",) if bad else (),
    )


class MergeRequestThread:
    """The notes of one merge request."""

    def __init__(self, client: Client, project: str, iid: int) -> None:
        self.client = client
        self.base = f"/projects/{quote(project, safe='')}/merge_requests/{iid}/notes"

    def list(self) -> list[Comment]:
        pages = (
            [n for n in batch if not (isinstance(n, dict) and n.get("system"))]
            for batch in self.client.pages(self.base)
        )
        return parse_comments(pages, lambda n: dig(n, "author", "username"))

    def create(self, body: str) -> None:
        self.client.json("POST", self.base, json={"body": body})

    def update(self, comment_id: int, body: str) -> None:
        self.client.json("PUT", f"{self.base}/{comment_id}", json={"body": body})

    def delete(self, comment_id: int) -> None:
        self.client.json("DELETE", f"{self.base}/{comment_id}")


def token_user(client: Client) -> str | None:
    """The username the token acts as (None when GitLab will not say)."""
    try:
        user = client.json("GET", "/user")
    except PublishError:
        return None
    name = user.get("username") if isinstance(user, dict) else None
    return name if isinstance(name, str) else None


def publish(
    report_md: str,
    *,
    mode: str,
    key: str,
    author: str | None,
    env: Mapping[str, str] | None = None,
    client: Client | None = None,
) -> Outcome:
    """Create or update the gate's note on the merge request of this pipeline."""
    gl = detect(os.environ if env is None else env)
    out = Outcome(warnings=list(gl.problems))
    if mode == "off":
        return out
    if gl.mr_iid is None or not gl.project:
        if not gl.problems:
            out.warnings.append(
                "not a merge-request pipeline (no CI_MERGE_REQUEST_IID): no note posted"
            )
        return out
    if not gl.token:
        out.warnings.append(
            f"could not post the note: {JOB_TOKEN_ONLY}"
            if gl.job_token
            else "could not post the note: set MODEL_GATE_GITLAB_TOKEN"
        )
        return out
    client = client or Client(gl.api_url, {"PRIVATE-TOKEN": gl.token, "User-Agent": "model-gate"})
    body = compose(report_md, key, NOTE_LIMIT, gl.pipeline_url)
    thread = MergeRequestThread(client, gl.project, gl.mr_iid)
    out.attempt(
        "note", lambda: upsert(thread, body, key, mode, author or token_user(client)), FORBIDDEN
    )
    return out
