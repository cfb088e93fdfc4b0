"""A small JSON-over-HTTP client with retries; it never prints or logs the token."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import requests

RETRY_STATUSES = {500, 502, 503, 504, 429}
MAX_PAGES = 50
PER_PAGE = 100


class PublishError(Exception):
    """Posting could not be done; publishing turns it into a warning, never an exit code."""


class HttpError(PublishError):
    """A request that failed for good; the message names method, path and status only."""

    def __init__(self, method: str, path: str, status: int | None, detail: str) -> None:
        self.status = status
        super().__init__(
            f"{method} {path} failed" + (f" with HTTP {status}" if status else "") + f": {detail}"
        )


def _is_rate_limited(resp: requests.Response) -> bool:
    """GitHub's secondary rate limits answer 403 with a Retry-After or a rate-limit message."""
    if resp.status_code != 403:
        return False
    if "retry-after" in resp.headers or resp.headers.get("x-ratelimit-remaining") == "0":
        return True
    return "rate limit" in resp.text.lower()


def _detail(resp: requests.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:200]
    return str(body.get("message", body))[:200] if isinstance(body, dict) else str(body)[:200]


@dataclass
class Client:
    """Requests against one API base URL with fixed headers."""

    base_url: str
    headers: dict[str, str]
    retries: int = 4
    backoff: float = 1.0
    max_wait: float = 60.0
    timeout: float = 20.0
    sleep: Callable[[float], None] = time.sleep
    session: requests.Session = field(default_factory=requests.Session)

    def _wait(self, attempt: int, resp: requests.Response | None) -> None:
        delay = self.backoff * 2**attempt
        if resp is not None and resp.headers.get("retry-after", "").isdigit():
            delay = float(resp.headers["retry-after"])
        self.sleep(min(delay, self.max_wait))

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """The response (2xx or a final 4xx); retries 5xx, 429, secondary rate limits and
        timeouts with exponential backoff; HttpError when retries run out."""
        url = self.base_url.rstrip("/") + path
        last = "no attempt"
        for attempt in range(self.retries + 1):
            try:
                resp = self.session.request(
                    method, url, headers=self.headers, timeout=self.timeout, **kwargs
                )
            except (requests.Timeout, requests.ConnectionError) as exc:
                last = type(exc).__name__
                resp = None
            except requests.RequestException as exc:  # a bad URL: retrying cannot help
                raise HttpError(method, path, None, f"{type(exc).__name__}: {exc}") from None
            else:
                if resp.status_code not in RETRY_STATUSES and not _is_rate_limited(resp):
                    return resp
                last = f"HTTP {resp.status_code} {_detail(resp)}"
            if attempt < self.retries:
                self._wait(attempt, resp)
        raise HttpError(method, path, None, f"gave up after {self.retries + 1} attempts ({last})")

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """The decoded JSON body of a 2xx response; HttpError otherwise."""
        return _decode(self._ok(method, path, **kwargs), method, path)

    def _ok(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        resp = self.request(method, path, **kwargs)
        if not resp.ok:
            raise HttpError(method, path, resp.status_code, _detail(resp))
        return resp

    def pages(self, path: str, max_pages: int = MAX_PAGES) -> Iterator[list[Any]]:
        """Every page of a listing: follows `Link: rel="next"` (GitHub, GitLab), else GitLab's
        X-Next-Page, else page numbers while pages come back full. PublishError past
        `max_pages`, so a caller never acts on a listing it has not seen to the end."""
        params: dict[str, Any] | None = {"per_page": PER_PAGE, "page": 1}
        for _ in range(max_pages):
            resp = self._ok("GET", path, params=params)
            batch = _decode(resp, "GET", path)
            if not isinstance(batch, list):
                raise PublishError(f"GET {path} did not answer with a JSON list")
            yield batch
            params, path = self._next(resp, path, params, len(batch))
            if params is None:
                return
        raise PublishError(
            f"GET {path}: more than {max_pages} pages; stopped listing, so nothing was posted"
        )

    def _next(
        self, resp: requests.Response, path: str, params: dict[str, Any], count: int
    ) -> tuple[dict[str, Any] | None, str]:
        """(query, path) of the next page, or (None, path) after the last one."""
        if "link" in resp.headers:
            url = resp.links.get("next", {}).get("url")
            if not url:
                return None, path
            base = self.base_url.rstrip("/")
            if not url.startswith(base + "/"):
                raise PublishError(f"GET {path}: the next page is on another server; not followed")
            return {}, url[len(base) :]
        if "x-next-page" in resp.headers:
            page = resp.headers["x-next-page"].strip()
            if not page.isdigit():
                return None, path
            return {**params, "page": int(page)}, path
        page = params.get("page")
        if page is None or count < PER_PAGE:
            return None, path
        return {**params, "page": page + 1}, path


def _decode(resp: requests.Response, method: str, path: str) -> Any:
    if not resp.content:
        return None
    try:
        return resp.json()
    except ValueError:
        raise HttpError(method, path, resp.status_code, "the answer is not JSON") from None
