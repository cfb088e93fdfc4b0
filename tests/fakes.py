"""A fake GitHub / GitLab REST API on 127.0.0.1, recording every request it gets."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeApi:
    """State of the fake: comments / notes per thread, scripted failures, the request log."""

    user: str = "github-actions[bot]"
    comments: dict[str, list[dict]] = field(default_factory=dict)
    failures: list[tuple[str, str, int, dict[str, str]]] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    statuses: list[dict] = field(default_factory=list)
    next_id: int = 1000

    def fail_next(self, method: str, pattern: str, status: int, **headers: str) -> None:
        self.failures.append((method, pattern, status, headers))

    def seed(self, thread: str, body: str, author: str, **extra: Any) -> None:
        self.next_id += 1
        self.comments.setdefault(thread, []).append(
            {
                "id": self.next_id,
                "body": body,
                "user": {"login": author},
                "author": {"username": author},
                **extra,
            }
        )


GITHUB_THREAD = re.compile(r"^/repos/([^/]+/[^/]+)/issues/(\d+)/comments$")
GITHUB_COMMENT = re.compile(r"^/repos/([^/]+/[^/]+)/issues/comments/(\d+)$")
GITHUB_STATUS = re.compile(r"^/repos/([^/]+/[^/]+)/statuses/(\w+)$")
GITLAB_THREAD = re.compile(r"^/api/v4/projects/([^/]+)/merge_requests/(\d+)/notes$")
GITLAB_NOTE = re.compile(r"^/api/v4/projects/([^/]+)/merge_requests/(\d+)/notes/(\d+)$")


def make_handler(api: FakeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, payload: Any = None, headers: dict | None = None) -> None:
            data = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _handle(self) -> None:
            url = urlparse(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            api.requests.append(
                Recorded(self.command, url.path, parse_qs(url.query), dict(self.headers), body)
            )
            for i, (method, pattern, status, headers) in enumerate(api.failures):
                if method == self.command and re.search(pattern, url.path):
                    del api.failures[i]
                    message = (
                        "You have exceeded a secondary rate limit"
                        if status == 403 and (headers)
                        else "Resource not accessible by integration"
                    )
                    return self._send(status, {"message": message}, headers)
            self._route(url, body)

        def _route(self, url: Any, body: Any) -> None:
            path, query = url.path, parse_qs(url.query)
            if path == "/api/v4/user":
                return self._send(200, {"id": 7, "username": api.user})
            if m := (GITHUB_THREAD.match(path) or GITLAB_THREAD.match(path)):
                key = f"{m.group(1)}#{m.group(2)}"
                if self.command == "GET":
                    page, per = (
                        int(query.get("page", ["1"])[0]),
                        int(query.get("per_page", ["30"])[0]),
                    )
                    items = api.comments.get(key, [])
                    return self._send(200, items[(page - 1) * per : page * per])
                api.seed(key, body["body"], api.user)
                return self._send(201, api.comments[key][-1])
            if m := (GITHUB_COMMENT.match(path) or GITLAB_NOTE.match(path)):
                cid = int(m.groups()[-1])
                for items in api.comments.values():
                    for c in items:
                        if c["id"] == cid:
                            if self.command == "DELETE":
                                items.remove(c)
                                return self._send(204)
                            c["body"] = body["body"]
                            return self._send(200, c)
                return self._send(404, {"message": "Not Found"})
            if GITHUB_STATUS.match(path):
                api.statuses.append(body)
                return self._send(201, {"id": 1, **body})
            return self._send(404, {"message": "Not Found"})

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

    return Handler


class FakeServer:
    """Serve a FakeApi on 127.0.0.1 (an ephemeral port) in a background thread."""

    def __init__(self, api: FakeApi) -> None:
        self.api = api
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(api))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def post_comment(
    tmp_path: Path, document: dict | str, *extra: str | Path
) -> tuple[int, str, FakeApi]:
    """`model-gate comment` on `document` (a report.json as a dict, or raw text) against a fresh
    fake GitHub API: the exit code, stderr, and what the API received."""
    from helpers import run_cli

    path = tmp_path / "report.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    with FakeServer(FakeApi()) as srv:
        env = {
            "GITHUB_API_URL": srv.url,
            "GITHUB_REPOSITORY": "acme/models",
            "GITHUB_TOKEN": "ghs_token",
            "GITHUB_SHA": "abc123",
        }
        args = ("comment", path, "--platform", "github", "--pr", "8", "--commit-status")
        run = run_cli(*args, *extra, env=env)
    return run.code, run.stderr, srv.api
