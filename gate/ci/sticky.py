"""One comment per pull / merge request, found by a hidden marker and author, kept current."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

MODES = ("update", "new", "delete-and-new", "off")


@dataclass(frozen=True)
class Comment:
    id: int
    body: str
    author: str


class Thread(Protocol):
    """The comments of one pull / merge request."""

    def list(self) -> list[Comment]: ...

    def create(self, body: str) -> None: ...

    def update(self, comment_id: int, body: str) -> None: ...

    def delete(self, comment_id: int) -> None: ...


def marker(key: str) -> str:
    """The hidden line that identifies the gate's comment for `key` (e.g. the policy name)."""
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in key)
    return f"<!-- model-gate-comment: {safe} -->"


def compose(report: str, key: str, limit: int, full_report_url: str | None) -> str:
    """The comment body: marker first, cut below `limit` characters with a pointer."""
    body = f"{marker(key)}\n{report}"
    if len(body) < limit:
        return body
    pointer = "\n\n---\n*The report was cut to fit a comment; the full report is "
    pointer += f"[here]({full_report_url}).*" if full_report_url else "in the CI job's summary.*"
    return body[: limit - len(pointer) - 1] + pointer


def upsert(thread: Thread, body: str, key: str, mode: str, author: str | None) -> str:
    """Apply `mode`; returns what was done: created, updated, unchanged, replaced or off."""
    if mode == "off":
        return "off"
    if mode == "new":
        thread.create(body)
        return "created"
    mine = [
        c for c in thread.list() if marker(key) in c.body and (author is None or c.author == author)
    ]
    if mode == "delete-and-new":
        for c in mine:
            thread.delete(c.id)
        thread.create(body)
        return "replaced" if mine else "created"
    if not mine:
        thread.create(body)
        return "created"
    if mine[0].body == body:
        return "unchanged"
    thread.update(mine[0].id, body)
    return "updated"
