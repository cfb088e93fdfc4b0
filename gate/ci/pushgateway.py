"""--push-gateway URL: push the run's metrics (gate/report/prometheus.py) to a Prometheus
Pushgateway with prometheus_client's own push_to_gateway, under job `model-gate` and the
grouping key {policy, model, --push-label...}: a PUT, so each run replaces the previous run's
metrics of that group whole (a check or group that is gone does not linger). One group is one
monitored thing: the model's identity is in the key by default, so two models monitored with
one policy never overwrite each other. A run that ends in exit 2 or 3 pushes the error set.

Basic auth: MODEL_GATE_PUSHGATEWAY_USERNAME and MODEL_GATE_PUSHGATEWAY_PASSWORD (both or
neither); credentials in the URL are refused, so they never reach a log line; over plain
http they are sent anyway (an in-cluster gateway) with a warning on stderr.
"""

from __future__ import annotations

import http.client
import os
import re
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from gate.errors import UsageError
from gate.report import prometheus
from gate.report.escape import term
from gate.report.prometheus_families import RESERVED
from gate.results import Evaluation

JOB = "model-gate"
USERNAME = "MODEL_GATE_PUSHGATEWAY_USERNAME"
PASSWORD = "MODEL_GATE_PUSHGATEWAY_PASSWORD"
TIMEOUT = 30.0  # seconds; prometheus_client's own default


class PushError(Exception):
    """The Pushgateway could not be reached or refused the metrics."""


NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
#: label names Prometheus gives a meaning of its own (besides every `__` name)
PROMETHEUS_OWN = {
    "le": "a histogram bucket's upper bound",
    "quantile": "a summary's quantile",
}


def check_url(url: str) -> str:
    """The URL if it can be pushed to; UsageError (before any work is done) otherwise."""
    if any(c.isspace() or not c.isprintable() for c in url):
        raise UsageError(f"--push-gateway {term(url)}: no blanks or control characters in a URL")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is no number or > 65535)
    except ValueError as exc:
        raise UsageError(f"--push-gateway {term(url)}: not a valid URL ({exc})") from None
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


def labels(items: list[str] | None) -> dict[str, str]:
    """--push-label KEY=VALUE (repeatable) as a dict; UsageError for a name Prometheus
    refuses or reserves (`__*`, le, quantile), one model-gate sets itself (`model` excepted:
    it replaces the default identity), an empty value, or a name given twice."""
    out: dict[str, str] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        shown = f"--push-label {term(item)}"
        if not sep or not NAME.fullmatch(key) or key.startswith("__"):
            raise UsageError(f"{shown}: give KEY=VALUE, KEY a Prometheus label name ([a-zA-Z_]...)")
        if key in PROMETHEUS_OWN:
            raise UsageError(
                f"{shown}: Prometheus reserves {key} ({PROMETHEUS_OWN[key]}); choose another name"
            )
        if key in RESERVED:
            raise UsageError(f"{shown}: {key} is a label model-gate sets itself; choose another")
        if not value:
            raise UsageError(f"{shown}: give a value (an empty label is no label)")
        if key in out:
            raise UsageError(f"{shown}: {key} is given twice")
        out[key] = prometheus.label(value)
    return out


def prepare(url: str, env: Mapping[str, str] | None = None) -> list[str]:
    """Everything about a push that can be wrong before the evaluation: UsageError if so; the
    warnings to print (basic auth over plain http)."""
    prometheus.require()
    check_url(url)
    auth = credentials(os.environ if env is None else env)
    if auth is not None and urlsplit(url).scheme == "http":
        return [
            f"warning: --push-gateway {term(url)} is plain http: the basic-auth password "
            "travels readable by anyone on the network; use https://"
        ]
    return []


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


def _put(url: str, registry: Any, key: dict[str, str], env: Mapping[str, str] | None) -> None:
    from prometheus_client import push_to_gateway

    auth = credentials(os.environ if env is None else env)
    try:
        push_to_gateway(
            check_url(url),
            job=JOB,
            registry=registry,
            grouping_key=key,
            timeout=TIMEOUT,
            handler=_handler(auth),
        )
    except (OSError, ValueError, http.client.HTTPException) as exc:  # urllib's are OSErrors
        raise PushError(
            f"could not push the metrics to {term(url)}: {term(_reason(exc))}"
        ) from None


def _said(url: str, key: dict[str, str]) -> str:
    group = ", ".join(f"{k} {term(v)}" for k, v in key.items())
    return f"metrics pushed to {term(url)} (job {JOB}, {group})"


def push(
    evaluation: Evaluation,
    url: str,
    env: Mapping[str, str] | None = None,
    extra: dict[str, str] | None = None,
) -> str:
    """PUT the metrics to /metrics/job/model-gate/policy/<name>/model/<identity>[/<label>...];
    a line saying so, or PushError naming the URL and the reason. `extra`: --push-label's."""
    registry = prometheus.registry(evaluation, labels=extra)
    report = {"inputs": evaluation.inputs}
    key = {"policy": prometheus.label(evaluation.policy_name)}
    key.update(prometheus.run_labels(report, extra))
    _put(url, registry, key, env)
    return _said(url, key)


def push_error(
    policy: str,
    exit_code: int,
    url: str,
    run: dict[str, str],
    env: Mapping[str, str] | None = None,
) -> str:
    """PUT the error set (decision `error`, the exit code, the time) to the group the run
    would have pushed to; `run`: the model's identity and --push-label's."""
    registry = prometheus.error_registry(policy, exit_code, run, time.time())
    key = {"policy": prometheus.label(policy), **run}
    _put(url, registry, key, env)
    return _said(url, key)
