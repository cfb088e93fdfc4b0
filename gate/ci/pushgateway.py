"""--push-gateway URL: push the run's metrics (gate/report/prometheus.py) to a Prometheus
Pushgateway with prometheus_client's own push_to_gateway, under job `model-gate` and the
grouping key {policy}: a PUT, so each run replaces the previous run's metrics of that policy
whole (a check or group that is gone does not linger).

Basic auth: MODEL_GATE_PUSHGATEWAY_USERNAME and MODEL_GATE_PUSHGATEWAY_PASSWORD (both or
neither); credentials in the URL are refused, so they never reach a log line.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from gate.errors import UsageError
from gate.report import prometheus
from gate.report.escape import term
from gate.results import Evaluation

JOB = "model-gate"
USERNAME = "MODEL_GATE_PUSHGATEWAY_USERNAME"
PASSWORD = "MODEL_GATE_PUSHGATEWAY_PASSWORD"
TIMEOUT = 30.0  # seconds; prometheus_client's own default


class PushError(Exception):
    """The Pushgateway could not be reached or refused the metrics."""


def check_url(url: str) -> str:
    """The URL if it can be pushed to; UsageError (before any work is done) otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"--push-gateway {term(url)}: give the Pushgateway's http:// or https:// URL "
            "(e.g. http://pushgateway:9091)"
        )
    if parts.username is not None or parts.password is not None:
        raise UsageError(
            f"--push-gateway: no credentials in the URL; set {USERNAME} and {PASSWORD} instead"
        )
    if parts.query or parts.fragment:
        raise UsageError(f"--push-gateway {term(url)}: no query or fragment in the URL")
    return url


def credentials(env: Mapping[str, str]) -> tuple[str, str] | None:
    """(username, password) from the environment, None when neither is set."""
    user, password = env.get(USERNAME), env.get(PASSWORD)
    if (user is None) != (password is None):
        missing = PASSWORD if password is None else USERNAME
        raise UsageError(
            f"--push-gateway: basic auth needs {USERNAME} and {PASSWORD}; {missing} is not set"
        )
    return None if user is None or password is None else (user, password)


def prepare(url: str, env: Mapping[str, str] | None = None) -> None:
    """Everything about a push that can be wrong before the evaluation: UsageError if so."""
    prometheus.require()
    check_url(url)
    credentials(os.environ if env is None else env)


def _handler(auth: tuple[str, str] | None) -> Callable[..., Callable[[], None]]:
    from prometheus_client.exposition import basic_auth_handler, default_handler

    if auth is None:
        return default_handler

    def handler(**request: Any) -> Callable[[], None]:
        return basic_auth_handler(**request, username=auth[0], password=auth[1])

    return handler


def _reason(exc: Exception) -> str:
    """What went wrong, with the start of the gateway's answer when it gave one."""
    from urllib.error import HTTPError, URLError

    if isinstance(exc, HTTPError):
        body = exc.read(300).decode("utf-8", "replace").strip()
        return f"HTTP {exc.code} {exc.reason}" + (f": {body}" if body else "")
    if isinstance(exc, URLError):
        return str(exc.reason)
    return str(exc)


def push(evaluation: Evaluation, url: str, env: Mapping[str, str] | None = None) -> str:
    """PUT the metrics to /metrics/job/model-gate/policy/<name>; a line saying so, or
    PushError naming the URL and the reason."""
    from prometheus_client import push_to_gateway

    auth = credentials(os.environ if env is None else env)
    policy = prometheus.label(evaluation.policy_name)
    try:
        push_to_gateway(
            check_url(url),
            job=JOB,
            registry=prometheus.registry(evaluation),
            grouping_key={"policy": policy},
            timeout=TIMEOUT,
            handler=_handler(auth),
        )
    except (OSError, ValueError) as exc:  # urllib's errors are OSErrors
        raise PushError(
            f"could not push the metrics to {term(url)}: {term(_reason(exc))}"
        ) from None
    return f"metrics pushed to {term(url)} (job {JOB}, policy {term(policy)})"
