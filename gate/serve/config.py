"""What `model-gate serve` was started with: the policy, the data root, the shared token, the
bounds, and the analysis flags every request inherits."""

from __future__ import annotations

import datetime as dt
import hmac
import os
from dataclasses import dataclass
from pathlib import Path

from gate.errors import UsageError

MIN_TOKEN = 16  # characters: a shorter shared secret is guessable


@dataclass(frozen=True)
class ServeConfig:
    """The service's fixed settings; `analyze_flags` go to every analysis as given."""

    policy: str
    root: Path  # resolved: request files must lie below it
    token: str
    max_body: int = 65_536
    timeout: float = 300.0
    read_timeout: float = 10.0  # seconds a request body may take to arrive (408 past it)
    max_running: int = 1
    analyze_flags: tuple[str, ...] = ()
    label_delay: dt.timedelta = dt.timedelta(0)  # the least a request may ask for

    def authorized(self, header: str | None) -> bool:
        """Whether an Authorization header carries the token (`Bearer <token>`), compared in
        constant time."""
        scheme, _, given = (header or "").partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(given.strip().encode(), self.token.encode())


def read_token(path: str | None, env: str | None) -> str:
    """The shared token from a file (--token-file) or an environment variable (--token-env);
    UsageError when neither, both, or the token is missing or too short."""
    if bool(path) == bool(env):
        raise UsageError("give the shared token by --token-file FILE or --token-env VAR (one)")
    if path:
        try:
            token = Path(path).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"--token-file {path}: cannot read it ({exc})") from None
        where = f"--token-file {path}"
    else:
        token = os.environ.get(env or "", "").strip()
        where = f"--token-env {env}"
    if len(token) < MIN_TOKEN or any(c.isspace() for c in token):
        raise UsageError(
            f"{where}: the token must be at least {MIN_TOKEN} characters without spaces "
            "(e.g. `openssl rand -hex 32`)"
        )
    return token


def data_root(path: str) -> Path:
    """--root, resolved; UsageError unless it is a directory."""
    root = Path(path).resolve()
    if not root.is_dir():
        raise UsageError(f"--root {path}: not a directory")
    return root


def parse_bind(text: str) -> tuple[str, int]:
    """HOST:PORT ([v6]:PORT too); port 0 picks a free one."""
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise UsageError(f"--bind: expected HOST:PORT (e.g. 127.0.0.1:8080), not {text!r}")
    return host, int(port)
