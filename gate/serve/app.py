"""The HTTP routes (Starlette): Argo Rollouts' web metric (GET / POST /analyze, always 200
with analysis.json, three-way `decision`), Flagger's webhooks (POST /flagger for a
confirm-promotion hook: 200 only on approve; POST /flagger/rollback for a rollback hook: 200
only on block), and /healthz. Every route but /healthz needs the Bearer token (401); bodies are
bounded (413); one analysis at a time per --max-running (503 when busy)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from gate.serve import worker
from gate.serve.calls import BadCall, arguments
from gate.serve.config import ServeConfig

#: Flagger's webhooks, by route: the hook types it may serve and the status per decision.
#: Flagger takes a 2xx as "yes" and anything else as "no". confirm-promotion: yes promotes, no
#: waits and asks again. rollback (asked at every interval of the analysis): yes stops the
#: analysis and rolls the canary back, no carries on. So a block rolls back, an inconclusive
#: waits, and an error (400, 503...) neither promotes nor rolls back. A candidate whose own
#: logged output is unusable (NaN scores, a shadow log that stops...) is not an error but a
#: block (gate/inputs/log_unusable.py): rolled back (review12e #4).
FLAGGER_HOOKS: dict[str, tuple[frozenset[str], dict[str, int]]] = {
    "/flagger": (
        frozenset({"confirm-promotion", "confirm-traffic-increase", "confirm-rollout"}),
        {"approve": 200, "block": 412, "inconclusive": 425},
    ),
    "/flagger/rollback": (
        frozenset({"rollback"}),
        {"approve": 409, "block": 200, "inconclusive": 425},
    ),
}


def create_app(config: ServeConfig, token_env: str | None = None) -> Starlette:
    """The service's application."""
    running = asyncio.Semaphore(config.max_running)

    async def run(fields: Mapping[str, Any]) -> worker.Outcome:
        try:
            args = arguments(fields, config.root, config.label_delay)
        except BadCall as exc:
            return worker.Outcome(400, {"error": str(exc)})
        if running.locked():
            busy = f"busy: {config.max_running} analysis(es) running; try again later"
            return worker.Outcome(503, {"error": busy}, {"Retry-After": "30"})
        async with running:
            return await worker.analyze(config, args, token_env)

    async def web_metric(request: Request) -> Response:
        guard(request, config)
        if request.method == "GET":
            query = request.query_params
            fields: dict[str, Any] = {k: query.get(k) for k in query if k != "predictions"}
            if "predictions" in query:
                fields["predictions"] = query.getlist("predictions")
        else:
            fields = await json_body(request, config)
        return answer(await run(fields))

    def flagger(path: str) -> Route:
        types, statuses = FLAGGER_HOOKS[path]

        async def hook(request: Request) -> Response:
            guard(request, config)
            body = await json_body(request, config)
            wrong = _wrong_hook(body, path, types)
            if wrong:
                return answer(worker.Outcome(400, {"error": wrong}))
            outcome = await run(body.get("metadata") or {})
            if outcome.status == 200:
                outcome = worker.Outcome(statuses[outcome.body["decision"]], outcome.body)
            return answer(outcome)

        return Route(path, hook, methods=["POST"])

    async def health(_: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/analyze", web_metric, methods=["GET", "POST"]),
            *(flagger(path) for path in FLAGGER_HOOKS),
            Route("/healthz", health, methods=["GET"]),
        ],
        exception_handlers={HTTPException: _http_error},  # type: ignore[dict-item]
    )


def _wrong_hook(body: dict[str, Any], path: str, types: frozenset[str]) -> str | None:
    """Why this Flagger call cannot be answered on `path`: metadata that is no object, or a
    hook `type` (when Flagger sends one) the route does not serve — a rollback route wired as a
    confirm-promotion hook would promote exactly the blocked canaries."""
    if not isinstance(body.get("metadata") or {}, dict):
        return "metadata: expected an object"
    kind = body.get("type")
    if kind is not None and (not isinstance(kind, str) or kind not in types):
        other = [p for p, (t, _) in FLAGGER_HOOKS.items() if isinstance(kind, str) and kind in t]
        where = f"; a {kind} hook calls {other[0]}" if other else ""
        return f"{path} answers Flagger's {' / '.join(sorted(types))} hooks, not {kind!r}{where}"
    return None


def guard(request: Request, config: ServeConfig) -> None:
    """401 unless the request carries the token."""
    if not config.authorized(request.headers.get("authorization")):
        raise HTTPException(401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"})


async def json_body(request: Request, config: ServeConfig) -> dict[str, Any]:
    """The body as a JSON object, read no further than --max-body bytes (413 past it)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > config.max_body:
        raise HTTPException(413, f"the body is over {config.max_body} bytes")
    try:
        body = await asyncio.wait_for(_read(request, config.max_body), config.read_timeout)
    except TimeoutError:
        raise HTTPException(
            408, f"the body did not arrive within {config.read_timeout:g} s (--read-timeout)"
        ) from None
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise HTTPException(400, "the body is not JSON") from None
    if not isinstance(parsed, dict):
        raise HTTPException(400, "the body must be a JSON object")
    return parsed


async def _read(request: Request, limit: int) -> bytes:
    """The body, read no further than `limit` bytes (413 past it)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, f"the body is over {limit} bytes")
    return bytes(body)


def answer(outcome: worker.Outcome) -> Response:
    return JSONResponse(outcome.body, outcome.status, headers=outcome.headers)


async def _http_error(_: Request, exc: HTTPException) -> Response:
    return JSONResponse({"error": exc.detail}, exc.status_code, headers=exc.headers)
