"""`model-gate serve`: the canary analysis as an authenticated HTTP service (gate/serve/)."""

from __future__ import annotations

import argparse
import datetime as dt
import socket
import sys
from pathlib import Path

from gate.errors import UsageError
from gate.inputs.policy_dict import load_any
from gate.inputs.prediction_logs import parse_duration
from gate.policy.model import Policy

EXTRA = "pip install 'model-gate[serve]'"


def least_delay(args: argparse.Namespace, policy: Policy) -> tuple[dt.timedelta, str | None]:
    """The shortest label delay any request gets: the longer of --label-delay and the
    policy's rollout.label_delay (neither: 0); and the --label-delay to pass on (None: the
    policy's applies, and analysis.json names it as the source)."""
    flag = None if args.label_delay is None else parse_duration(args.label_delay)
    written = policy.label_delay
    if flag is None or (written is not None and written >= flag):
        return written or dt.timedelta(0), None
    return flag, args.label_delay


def analyze_flags(args: argparse.Namespace, delay_flag: str | None = None) -> tuple[str, ...]:
    """The analysis flags every request inherits, as `--flag=value`."""
    given = {
        "--label-delay": delay_flag,
        "--min-samples": args.min_samples,
        "--min-group-samples": args.min_group_samples,
        "--id-column": args.id_column,
        "--timestamp-column": args.timestamp_column,
        "--version-column": args.version_column,
        "--label-column": args.label_column,
        "--label-timestamp-column": args.label_timestamp_column,
        "--score": args.score,
        "--prediction": args.prediction,
        "--seed": args.seed,
        "--resamples": args.resamples,
    }
    return tuple(f"{flag}={value}" for flag, value in given.items() if value is not None)


def listen(bind: str) -> socket.socket:
    """The listening socket (port 0: a free one); UsageError when it cannot be had."""
    from gate.serve.config import parse_bind

    host, port = parse_bind(bind)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except OSError as exc:
        raise UsageError(f"--bind {bind}: {exc.strerror or exc}") from None


#: open connections and requests at once (uvicorn's limit_concurrency), far above what the
#: callers need: it is counted on sockets before any token is seen, so it only bounds file
#: descriptors; the bound that matters, --max-running analyses, is counted on authenticated
#: requests only (gate/serve/app.py). A client reopening silent sockets (each closed after
#: --header-timeout) must hold this many to fill it, not 64 (review12e #2).
MAX_CONNECTIONS = 1024


def descriptors(needed: int) -> None:
    """Raise the soft open-files limit to `needed` (within the hard limit) so that the
    connection limit, not the process's file limit, is what refuses a connection."""
    try:
        import resource
    except ImportError:  # not on this platform
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def _absolute(policy: str) -> str:
    """The policy for every analysis: a path made absolute (the child runs elsewhere), or a
    built-in pack's name as given."""
    return policy if policy.startswith("builtin:") else str(Path(policy).resolve())


def serve(args: argparse.Namespace) -> int:
    """Check the settings, bind, print the address, and serve until stopped."""
    try:
        import uvicorn

        from gate.serve.app import create_app
    except ImportError as exc:
        raise UsageError(f"model-gate serve needs {exc.name}: {EXTRA}") from None
    from gate.serve.config import ServeConfig, data_root, read_token

    token = read_token(args.token_file, args.token_env)
    from gate.commands.analysis_limits import refuse_unfit

    # a policy error (or one no analysis can decide with) is exit 2 now, not a 400 per request
    policy = load_any(args.policy)
    refuse_unfit(policy, args.policy)
    floor, delay_flag = least_delay(args, policy)  # a bad --label-delay is refused at start
    config = ServeConfig(
        policy=_absolute(args.policy),
        root=data_root(args.root),
        token=token,
        max_body=args.max_body,
        timeout=args.timeout,
        read_timeout=args.read_timeout,
        max_running=args.max_running,
        analyze_flags=analyze_flags(args, delay_flag),
        label_delay=floor,
    )
    sock = listen(args.bind)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"model-gate serve: listening on http://{shown}:{port}", flush=True)
    app = create_app(config, args.token_env)
    from gate.serve.deadline import protocol

    # connections are bounded (503 past MAX_CONNECTIONS), and each in time: the request line
    # and headers within --header-timeout (else closed), the body within --read-timeout (408)
    descriptors(MAX_CONNECTIONS + 64)  # + the analyses' pipes, the policy and log files
    settings = uvicorn.Config(
        app,
        http=protocol(args.header_timeout),
        log_level="warning",
        timeout_keep_alive=5,
        limit_concurrency=MAX_CONNECTIONS,
    )
    server = uvicorn.Server(settings)
    server.run(sockets=[sock])
    print("model-gate serve: stopped", file=sys.stderr)
    return 0
