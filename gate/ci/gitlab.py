"""GitLab: a sticky merge-request note through the Notes API (needs an access token)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from gate.ci.http import Client, HttpError
from gate.ci.outcome import Outcome
from gate.ci.sticky import Comment, compose, upsert

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


def detect(env: Mapping[str, str]) -> GitLabEnv:
    """Read the CI_* variables of a GitLab pipeline."""
    iid = env.get("CI_MERGE_REQUEST_IID")
    return GitLabEnv(
        api_url=env.get("CI_API_V4_URL", "https://gitlab.com/api/v4"),
        project=env.get("CI_PROJECT_ID", ""),
        mr_iid=int(iid) if iid else None,
        token=env.get("MODEL_GATE_GITLAB_TOKEN") or env.get("GITLAB_TOKEN"),
        job_token=bool(env.get("CI_JOB_TOKEN")),
        pipeline_url=env.get("CI_PIPELINE_URL"),
    )


class MergeRequestThread:
    """The notes of one merge request."""

    def __init__(self, client: Client, project: str, iid: int) -> None:
        self.client = client
        self.base = f"/projects/{quote(project, safe='')}/merge_requests/{iid}/notes"

    def list(self) -> list[Comment]:
        out, page = [], 1
        while True:
            batch = self.client.json("GET", self.base, params={"per_page": 100, "page": page})
            out += [
                Comment(n["id"], n.get("body") or "", (n.get("author") or {}).get("username", ""))
                for n in batch
                if not n.get("system")
            ]
            if len(batch) < 100:
                return out
            page += 1

    def create(self, body: str) -> None:
        self.client.json("POST", self.base, json={"body": body})

    def update(self, comment_id: int, body: str) -> None:
        self.client.json("PUT", f"{self.base}/{comment_id}", json={"body": body})

    def delete(self, comment_id: int) -> None:
        self.client.json("DELETE", f"{self.base}/{comment_id}")


def token_user(client: Client) -> str | None:
    """The username the token acts as (None when GitLab will not say)."""
    try:
        return client.json("GET", "/user").get("username")
    except HttpError:
        return None


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
    out = Outcome()
    if mode == "off":
        return out
    if gl.mr_iid is None or not gl.project:
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
