"""A small JSON-over-HTTP client with retries; it never prints or logs the token."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

RETRY_STATUSES = {500, 502, 503, 504, 429}


class HttpError(Exception):
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
            else:
                if resp.status_code not in RETRY_STATUSES and not _is_rate_limited(resp):
                    return resp
                last = f"HTTP {resp.status_code} {_detail(resp)}"
            if attempt < self.retries:
                self._wait(attempt, resp)
        raise HttpError(method, path, None, f"gave up after {self.retries + 1} attempts ({last})")

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """The decoded JSON body of a 2xx response; HttpError otherwise."""
        resp = self.request(method, path, **kwargs)
        if not resp.ok:
            raise HttpError(method, path, resp.status_code, _detail(resp))
        return resp.json() if resp.content else None
