"""One comment per pull / merge request, found by a hidden marker and author, kept current."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from gate.ci.http import PublishError

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


def dig(data: Any, *keys: str) -> Any:
    """data[k1][k2]... or None when a level is missing or not an object (untrusted JSON)."""
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def parse_comments(
    pages: Iterable[list[Any]], author: Callable[[dict[str, Any]], Any]
) -> list[Comment]:
    """Comments from listing pages; PublishError for an item that is not a comment."""
    out = []
    for batch in pages:
        for item in batch:
            if not isinstance(item, dict) or type(item.get("id")) is not int:
                raise PublishError("the comment listing holds an item without a numeric id")
            body, login = item.get("body"), author(item)
            out.append(
                Comment(
                    item["id"],
                    body if isinstance(body, str) else "",
                    login if isinstance(login, str) else "",
                )
            )
    return out


def marker(key: str) -> str:
    """The hidden line that identifies the gate's comment for `key` (e.g. the policy name).
    A key that had to be sanitised carries a hash of the original, so two keys never share
    one marker."""
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in key)
    if safe != key:
        safe += "-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    return f"<!-- model-gate-comment: {safe} -->"


def compose(report: str, key: str, limit: int, full_report_url: str | None) -> str:
    """The comment body: marker first, cut below `limit` characters at a line end, with
    every `<details>` and code fence the cut left open closed before the pointer."""
    body = f"{marker(key)}\n{report}"
    if len(body) < limit:
        return body
    pointer = "\n\n---\n*The report was cut to fit a comment; the full report is "
    pointer += f"[here]({full_report_url}).*" if full_report_url else "in the CI job's summary.*"
    room = limit - len(pointer) - 1
    while True:
        cut = body[:room]
        cut = cut[: cut.rfind("\n")] if "\n" in cut else cut
        text = cut + _closing(cut) + pointer
        if len(text) < limit:
            return text
        room -= len(text) - limit + 1


def _closing(cut: str) -> str:
    """What closes the code fence and `<details>` blocks still open at the end of `cut`."""
    fence = "\n```" if len(re.findall(r"^```", cut, re.MULTILINE)) % 2 else ""
    opened = len(re.findall(r"<details\b", cut, re.IGNORECASE))
    closed = len(re.findall(r"</details\s*>", cut, re.IGNORECASE))
    return fence + "\n</details>" * max(0, opened - closed)


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
