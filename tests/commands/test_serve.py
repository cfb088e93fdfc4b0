"""`model-gate serve` over real HTTP on 127.0.0.1 (an ephemeral port): the real CLI in a
subprocess, Flagger-shaped webhooks and Argo web-metric calls, the token, the body bound,
the data root, the time bound."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from canary_data import LATE, write_canary
from helpers import ROOT, run_cli

from gate.cli import build_parser
from gate.commands.serve import analyze_flags

TOKEN = "s3cret-token-0123456789abcdef"
EARLY = "2026-01-04T03:00:00Z"  # few labels have matured yet


class Server:
    def __init__(self, proc: subprocess.Popen, url: str) -> None:
        self.proc, self.url = proc, url

    def post(self, path: str, body: object, token: str | None = TOKEN, **kw) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.post(self.url + path, json=body, headers=headers, timeout=120, **kw)


def start(cwd: Path, *args: str) -> Server:
    """`model-gate serve` on a free port; its address from the line it prints."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gate", "serve", "--bind", "127.0.0.1:0", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline() if proc.stdout else ""
    if "listening on" not in line:
        proc.kill()
        raise AssertionError(f"serve did not start: {line}{proc.communicate()[1]}")
    return Server(proc, line.split("listening on ")[1].strip())


def stop(server: Server) -> None:
    server.proc.terminate()
    server.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("serve")
    data = base / "data"
    for name, planted in (("healthy", None), ("regressed", "east")):
        (data / name).mkdir(parents=True)
        write_canary(data / name, regressed=planted)
    (base / "secret.csv").write_text("request_id,label\n")
    (data / "link.csv").symlink_to(base / "secret.csv")
    (base / "token").write_text(TOKEN + "\n")
    return base


@pytest.fixture(scope="module")
def server(root: Path) -> Iterator[Server]:
    args = ("--policy", "data/healthy/canary.yaml", "--root", "data", "--token-file", "token")
    running = start(root, *args, "--label-delay", "1d", "--max-body", "2048")
    yield running
    stop(running)


def call(name: str, as_of: str = LATE, **extra: str) -> dict:
    return {
        "predictions": [f"{name}/live.csv", f"{name}/canary.csv"],
        "labels": f"{name}/labels.csv",
        "candidate_version": "v2",
        "as_of": as_of,
        **extra,
    }


def flagger(metadata: dict, hook: str | None = None) -> dict:
    """The body Flagger POSTs to a webhook (metadata: text values only; `type`: the hook's)."""
    body = {
        "name": "credit-scorer",
        "namespace": "ml",
        "phase": "Progressing",
        "checksum": "85d557f47b",
        "metadata": metadata,
    }
    return body if hook is None else {**body, "type": hook}


def metadata(name: str, as_of: str) -> dict:
    return {
        "predictions": f"{name}/live.csv,{name}/canary.csv",
        "labels": f"{name}/labels.csv",
        "candidate_version": "v2",
        "as_of": as_of,
    }


def test_the_web_metric_answers_three_ways(server):
    answers = {
        "approve": server.post("/analyze", call("healthy")),
        "block": server.post("/analyze", call("regressed")),
        "inconclusive": server.post("/analyze", call("healthy", as_of=EARLY)),
    }
    for decision, response in answers.items():
        assert response.status_code == 200, response.text
        assert response.json()["decision"] == decision


def test_the_web_metric_takes_a_get_with_query_parameters(server):
    query = [("predictions", "healthy/predictions.parquet"), ("labels", "healthy/labels.csv")]
    query += [("candidate_version", "v2"), ("as_of", LATE)]
    headers = {"Authorization": f"Bearer {TOKEN}"}
    response = requests.get(server.url + "/analyze", params=query, headers=headers, timeout=120)
    assert response.status_code == 200 and response.json()["decision"] == "approve"


@pytest.mark.parametrize(
    "name, as_of, status",
    [("healthy", LATE, 200), ("regressed", LATE, 412), ("healthy", EARLY, 425)],
)
def test_a_flagger_webhook_gets_200_only_on_approval(server, name, as_of, status):
    response = server.post("/flagger", flagger(metadata(name, as_of), "confirm-promotion"))
    assert response.status_code == status, response.text
    assert response.json()["candidate_version"] == "v2"


@pytest.mark.parametrize(
    "name, as_of, status",
    [("regressed", LATE, 200), ("healthy", LATE, 409), ("healthy", EARLY, 425)],
)
def test_a_flagger_rollback_hook_gets_200_only_on_block(server, name, as_of, status):
    """Review12d #8: Flagger rolls the canary back when a rollback hook answers 2xx, and
    carries on otherwise; so a decisive block rolls back, an inconclusive (or an approval)
    does not, and an error (below) neither rolls back nor promotes."""
    response = server.post("/flagger/rollback", flagger(metadata(name, as_of), "rollback"))
    assert response.status_code == status, response.text
    assert (
        response.json()["decision"] == {200: "block", 409: "approve", 425: "inconclusive"}[status]
    )
    assert not response.ok or response.json()["decision"] == "block"


@pytest.mark.parametrize(
    "path, body",
    [
        ("/flagger/rollback", flagger(metadata("regressed", LATE), "confirm-promotion")),
        ("/flagger", flagger(metadata("healthy", LATE), "rollback")),
        ("/flagger", flagger(metadata("healthy", LATE), "rollout")),
        ("/flagger", flagger(metadata("healthy", LATE), ["confirm-promotion"])),
        ("/flagger/rollback", flagger({**metadata("regressed", LATE), "policy": "x"})),
        ("/flagger/rollback", {**flagger({}), "metadata": ["predictions"]}),
    ],
)
def test_a_flagger_hook_on_the_wrong_route_or_bad_metadata_is_a_400(server, path, body):
    """A rollback route wired as a confirm-promotion hook would promote exactly the blocked
    canaries: the hook type Flagger sends must be one the route serves (400, a "no" to
    Flagger, otherwise). Bad metadata is a 400 on the rollback route too: no rollback."""
    response = server.post(path, body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]


@pytest.mark.parametrize("token", [None, "wrong-token-0123456789abcdef", TOKEN[:-1]])
def test_a_missing_or_wrong_token_is_401(server, token):
    response = server.post("/flagger", flagger(call("healthy")), token=token)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    headers = {"Authorization": f"Basic {TOKEN}"}
    assert requests.get(server.url + "/analyze", headers=headers, timeout=30).status_code == 401


def test_an_oversized_body_is_413(server):
    big = call("healthy", candidate_version="v" * 4096)
    assert server.post("/analyze", big).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        yield b'{"labels": "'
        for _ in range(64):
            yield b"x" * 64
        yield b'"}'

    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    streamed = requests.post(server.url + "/analyze", data=chunks(), headers=headers, timeout=30)
    assert streamed.status_code == 413


@pytest.mark.parametrize(
    "labels",
    ["../secret.csv", "healthy/../../secret.csv", "link.csv", "/etc/passwd"],
)
def test_files_outside_the_root_are_refused(server, labels):
    response = server.post("/analyze", call("healthy", labels=labels))
    assert response.status_code == 400
    assert "outside the data root" in response.json()["error"]


@pytest.mark.parametrize(
    "body, message",
    [
        ({**call("healthy"), "policy": "/etc/other.yaml"}, "unknown field(s) policy"),
        (call("healthy", candidate_version="v9"), "no rows of model version 'v9'"),
        (call("healthy", labels="healthy/live.csv"), "healthy/live.csv has no label column"),
        (call("healthy", label_delay="soon"), "label_delay: not a duration"),
        (call("healthy", mode="shadw"), "mode: 'shadw' is neither shadow nor canary"),
        (call("healthy", mode="shadow"), "the rollout mode is shadow"),
        ({"labels": "healthy/labels.csv"}, "predictions: required"),
        (call("healthy", as_of="--policy=/etc/passwd"), "--as-of"),
    ],
)
def test_bad_calls_are_400_naming_the_field(server, root, body, message):
    response = server.post("/analyze", body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert str(root) not in response.json()["error"]  # files named as the caller named them


def test_a_call_may_state_how_the_logs_were_made(server):
    answer = server.post("/analyze", call("healthy", mode="canary"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["settings"]["mode"] == {"value": "canary", "from": "--mode"}


def test_a_second_analysis_while_one_runs_is_503(server):
    """--max-running 1 (the default): of two calls at once (an analysis's child process takes
    seconds), one is analyzed and the other told to come back."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: server.post("/analyze", call("healthy")), range(2)))
    assert sorted(a.status_code for a in answers) == [200, 503]
    busy = next(a for a in answers if a.status_code == 503)
    assert "busy" in busy.json()["error"] and busy.headers["Retry-After"]


def test_an_analysis_past_the_timeout_is_stopped_with_503(root):
    args = ("--policy", "data/healthy/canary.yaml", "--root", "data", "--token-file", "token")
    slow = start(root, *args, "--timeout", "0.2")
    try:
        response = slow.post("/analyze", call("healthy"))
        assert response.status_code == 503
        assert "--timeout 0.2 s" in response.json()["error"]
        assert response.headers["Retry-After"]
        assert requests.get(slow.url + "/healthz", timeout=30).text == "ok"
    finally:
        stop(slow)


def test_the_help_example_serves_and_its_curl_gets_a_decision(root):
    """serve's help example as written (port 0 instead of 8080), then its curl."""
    help_text = build_parser()._subparsers._group_actions[0].choices["serve"].format_help()
    block = help_text.split("examples:\n")[1]
    serve_line, then = block.split("\n\nthen, from another shell:\n")
    command = " ".join(serve_line.replace("\\\n", " ").split()).split()
    assert command[:2] == ["model-gate", "serve"]
    project = root / "data/healthy"
    (project / "token.txt").write_text(TOKEN)
    bind = command.index("--bind")
    example = start(
        project, *[a for i, a in enumerate(command[2:], 2) if i not in (bind, bind + 1)]
    )
    try:
        curl = then.split("\n\n")[0].replace("\\\n", " ")
        curl = curl.replace("http://127.0.0.1:8080", example.url)
        done = subprocess.run(
            ["bash", "-c", curl], cwd=project, capture_output=True, text=True, timeout=120
        )
        assert json.loads(done.stdout)["decision"] == "approve", done.stdout + done.stderr
    finally:
        stop(example)


@pytest.mark.parametrize(
    "args, message",
    [
        (("--token-env", "MG_SHORT"), "at least 16 characters"),
        (("--token-file", "missing.txt"), "--token-file missing.txt"),
    ],
)
def test_a_weak_or_missing_token_stops_the_start(root, args, message):
    flags = ("--policy", "data/healthy/canary.yaml", "--root", "data", *args)
    run = run_cli("serve", *flags, cwd=root, env={"MG_SHORT": "short"})
    assert run.code == 2 and message in run.stderr


def test_a_request_may_lengthen_the_label_delay_never_shorten_it(server):
    for shorter in ("0", "12h", "86399s"):
        refused = server.post("/analyze", call("healthy", label_delay=shorter))
        assert refused.status_code == 400, refused.text
        assert "shorter than the service's least label delay" in refused.json()["error"]
    longer = server.post("/analyze", call("healthy", label_delay="2d"))
    assert longer.status_code == 200, longer.text
    assert longer.json()["label_delay_seconds"] == 2 * 86400


#: serve's own settings; every other flag it accepts must reach every analysis
SERVICE_OWN = {
    "bind",
    "policy",
    "root",
    "token_file",
    "token_env",
    "max_body",
    "timeout",
    "max_running",
    "read_timeout",
    "header_timeout",
}


def test_every_flag_serve_accepts_is_used():
    parser = build_parser()._subparsers._group_actions[0].choices["serve"]
    options = [a for a in parser._actions if a.option_strings and a.dest != "help"]
    argv = ["--token-file", "t", "--policy", "p.yaml", "--root", "."]
    for action in options:
        if action.dest not in {"token_file", "token_env", "policy", "root"}:
            argv += [action.option_strings[0], "17" if action.type else "x7"]
    args = parser.parse_args(argv)
    forwarded = {
        f.split("=")[0].removeprefix("--").replace("-", "_")
        for f in analyze_flags(args, args.label_delay)
    }
    accepted = {a.dest for a in options} - SERVICE_OWN
    assert forwarded == accepted


def test_serve_has_no_as_of(root):
    run = run_cli("serve", "--policy", "p.yaml", "--root", ".", "--token-env", "T", "--as-of", "x")
    assert run.code == 2 and "--as-of" in run.stderr


def test_deeply_nested_json_is_a_400_json_error(server):
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    body = "[" * 1000 + "]" * 1000
    response = requests.post(server.url + "/analyze", data=body, headers=headers, timeout=60)
    assert response.status_code == 400 and "error" in response.json()


def test_a_200_body_names_no_server_path(server, root):
    response = server.post("/analyze", call("healthy"))
    assert response.status_code == 200, response.text
    assert str(root) not in response.text
    body = response.json()
    assert body["policy"] == "canary.yaml"
    assert body["inputs"]["labels"]["path"] == "healthy/labels.csv"


def test_silent_or_trickling_connections_are_closed_past_the_header_timeout(root):
    """Review12d #7: 64 connections that send nothing (or trickle a header line) filled the
    connection limit, and every webhook got 503 for as long as they stayed open. Now each
    is closed --header-timeout after it opened, and (review12e #2) the limit is far above
    them: a request is answered while they are open."""
    import socket
    import time

    args = ("--policy", "data/healthy/canary.yaml", "--root", "data", "--token-file", "token")
    server = start(root, *args, "--header-timeout", "1")
    host, port = server.url.removeprefix("http://").split(":")
    idle = [socket.create_connection((host, int(port)), timeout=15) for _ in range(64)]
    try:
        idle[0].sendall(b"POST /analyze HTTP/1.1\r\nHost: x\r\n")  # one has sent part of its head
        assert requests.get(server.url + "/healthz", timeout=30).status_code == 200
        started = time.monotonic()
        for n, conn in enumerate(idle):
            answer = b""
            while more := conn.recv(4096):
                answer += more
            assert answer.startswith(b"HTTP/1.1 408") if n == 0 else answer == b"", answer
        assert time.monotonic() - started < 10
        assert requests.get(server.url + "/healthz", timeout=30).text == "ok"
        genuine = server.post("/flagger", flagger(call("healthy")))
        assert genuine.status_code == 200, genuine.text
    finally:
        for conn in idle:
            conn.close()
        stop(server)


def _flood(host: str, port: int, n: int, stop_at: float) -> int:
    """Review12e #2's flood: `n` silent sockets, each reopened as soon as the server closes
    it, until `stop_at`; how many were reopened."""
    import selectors
    import socket
    import time

    chosen = selectors.DefaultSelector()

    def open_one() -> None:
        conn = socket.create_connection((host, port), timeout=15)
        conn.setblocking(False)
        chosen.register(conn, selectors.EVENT_READ)

    for _ in range(n):
        open_one()
    reopened = 0
    while time.monotonic() < stop_at:
        for key, _ in chosen.select(timeout=0.2):
            conn = key.fileobj
            try:
                data = conn.recv(4096)  # type: ignore[union-attr]
            except OSError:
                data = b""
            if not data:
                chosen.unregister(conn)
                conn.close()  # type: ignore[union-attr]
                open_one()
                reopened += 1
    for key in list(chosen.get_map().values()):
        key.fileobj.close()  # type: ignore[union-attr]
    return reopened


def test_a_flood_of_reopened_silent_connections_leaves_webhooks_answered(root):
    """Review12e #2: 256 unauthenticated sockets that send nothing, reopened as the header
    timeout closes them (64 kept every webhook at 503 before): the connection limit is far
    above them, and the analyses' bound (--max-running) counts authenticated requests only,
    so a token request is answered (and a request without the token gets 401, not 503)."""
    import threading
    import time

    args = ("--policy", "data/healthy/canary.yaml", "--root", "data", "--token-file", "token")
    server = start(root, *args, "--header-timeout", "1")
    host, port = server.url.removeprefix("http://").split(":")
    reopened: list[int] = []
    stop_at = time.monotonic() + 8
    flood = threading.Thread(
        target=lambda: reopened.append(_flood(host, int(port), 256, stop_at)), daemon=True
    )
    try:
        flood.start()
        time.sleep(2.5)  # every socket open, and reopened at least once
        assert server.post("/flagger", flagger(call("healthy")), token=None).status_code == 401
        genuine = server.post("/flagger", flagger(call("healthy")))
        assert time.monotonic() < stop_at, "the analysis outlasted the flood: not shown"
        assert genuine.status_code == 200, genuine.text
        flood.join(timeout=30)
        assert reopened and reopened[0] >= 256  # the server closed them: a real flood
    finally:
        stop(server)


def test_a_slow_request_head_on_a_kept_alive_connection_is_closed_too(root):
    """The deadline is re-armed after each answer: a connection kept alive cannot trickle
    its next request's head for ever."""
    import socket
    import time

    args = ("--policy", "data/healthy/canary.yaml", "--root", "data", "--token-file", "token")
    server = start(root, *args, "--header-timeout", "1")
    host, port = server.url.removeprefix("http://").split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=15) as conn:
            conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert conn.recv(4096).startswith(b"HTTP/1.1 200")
            started = time.monotonic()
            conn.sendall(b"GET /healthz HTTP/1.1\r\n")
            conn.settimeout(0.3)
            closed = False
            while not closed and time.monotonic() - started < 8:
                try:
                    conn.sendall(b"X-Slow: 1\r\n")  # a header line every 0.3 s
                    closed = not conn.recv(4096)
                except TimeoutError:
                    continue
                except OSError:  # reset: closed by the server
                    closed = True
            assert closed and 0.9 <= time.monotonic() - started < 8
    finally:
        stop(server)


def test_a_body_trickling_in_past_the_read_timeout_is_408(root):
    """Third review of issue 12, 10c: a client that sends its body slowly holds a connection
    no longer than --read-timeout."""
    import socket
    import time

    args = ("--policy", "data/healthy/canary.yaml", "--root", "data", "--token-file", "token")
    server = start(root, *args, "--read-timeout", "1")
    try:
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=15) as conn:
            head = (
                f"POST /analyze HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {TOKEN}\r\n"
                'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"labels"'
            )
            started = time.monotonic()
            conn.sendall(head.encode())
            answer = b""
            while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
                more = conn.recv(4096)  # the status line and body may come in two packets
                if not more:
                    break
                answer += more
            waited = time.monotonic() - started
            answer = answer.decode()
        assert answer.startswith("HTTP/1.1 408"), answer
        assert "--read-timeout" in answer and 0.9 <= waited < 10
    finally:
        stop(server)
