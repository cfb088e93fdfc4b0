"""The HTTP routes (Starlette): Argo Rollouts' web metric (GET / POST /analyze, always 200
with analysis.json, three-way `decision`), Flagger's webhooks (POST /flagger: 200 approve,
412 block, 425 inconclusive), and /healthz. Every route but /healthz needs the Bearer token
(401); bodies are bounded (413); one analysis at a time per --max-running (503 when busy)."""

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

#: Flagger: 200 promotes; any other status halts (and the webhook is asked again)
FLAGGER_STATUS = {"approve": 200, "block": 412, "inconclusive": 425}


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

    async def flagger(request: Request) -> Response:
        guard(request, config)
        body = await json_body(request, config)
        metadata = body.get("metadata") or {}
        if not isinstance(metadata, dict):
            return answer(worker.Outcome(400, {"error": "metadata: expected an object"}))
        outcome = await run(metadata)
        if outcome.status == 200:
            decision = outcome.body["decision"]
            outcome = worker.Outcome(FLAGGER_STATUS[decision], outcome.body)
        return answer(outcome)

    async def health(_: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/analyze", web_metric, methods=["GET", "POST"]),
            Route("/flagger", flagger, methods=["POST"]),
            Route("/healthz", health, methods=["GET"]),
        ],
        exception_handlers={HTTPException: _http_error},  # type: ignore[dict-item]
    )


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
