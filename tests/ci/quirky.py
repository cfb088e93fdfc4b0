"""The fake API of tests/fakes.py with real servers' quirks: pages of a fixed size with `Link`
or `X-Next-Page` headers, endless listings, answers that are not JSON."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from fakes import GITHUB_THREAD, GITLAB_THREAD, FakeApi, FakeServer, make_handler


@dataclass
class Quirks:
    page_size: int | None = None  # the server's own page size; per_page is ignored
    headers: str = "link"  # "link", "x-next-page" or "none"
    endless: bool = False  # every page is full and has a next one
    next_host: str | None = None  # a Link to another server
    # (method, regex, body[, status]): answer with this raw body (HTTP 200 unless given)
    garbage: list[tuple] = field(default_factory=list)


def quirky_handler(api: FakeApi, quirks: Quirks) -> type:
    base = make_handler(api)

    class Handler(base):
        def _route(self, url: Any, body: Any) -> None:
            for method, pattern, text, *status in quirks.garbage:
                if method == self.command and re.search(pattern, url.path):
                    return self._raw(status[0] if status else 200, text.encode())
            thread = GITHUB_THREAD.match(url.path) or GITLAB_THREAD.match(url.path)
            if self.command == "GET" and thread and quirks.page_size:
                return self._page(url, f"{thread.group(1)}#{thread.group(2)}")
            return super()._route(url, body)

        def _raw(self, status: int, data: bytes, headers: dict | None = None) -> None:
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _page(self, url: Any, key: str) -> None:
            size, page = quirks.page_size, int(parse_qs(url.query).get("page", ["1"])[0])
            items = api.comments.get(key, [])
            if quirks.endless:
                batch = [
                    {"id": page * 1000 + i, "body": "spam", "user": {"login": "bot"}}
                    for i in range(size)
                ]
                more = True
            else:
                batch = items[(page - 1) * size : page * size]
                more = page * size < len(items)
            host = quirks.next_host or f"http://{self.headers['Host']}"
            headers = {}
            if quirks.headers == "link" and more:
                headers["Link"] = f'<{host}{url.path}?page={page + 1}>; rel="next"'
            elif quirks.headers == "link":
                headers["Link"] = f'<{host}{url.path}?page=1>; rel="first"'
            elif quirks.headers == "x-next-page":
                headers["X-Next-Page"] = str(page + 1) if more else ""
            self._raw(200, json.dumps(batch).encode(), headers)

    return Handler


class QuirkyServer(FakeServer):
    def __init__(self, api: FakeApi, quirks: Quirks) -> None:
        super().__init__(api)
        self.httpd.server_close()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), quirky_handler(api, quirks))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
