"""One analysis in a child process (`model-gate analyze`), bounded in time: killed when it
outlasts the service's --timeout, so a slow analysis cannot hold the service; a crash or a
runaway memory use stays in the child."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gate.serve.config import ServeConfig

DECIDED = (0, 1, 4)  # analyze's exit codes that come with analysis.json


@dataclass(frozen=True)
class Outcome:
    """What the service answers: an HTTP status and a JSON body."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] | None = None


async def analyze(config: ServeConfig, arguments: list[str], env_drop: str | None) -> Outcome:
    """Run `model-gate analyze` with the service's flags, then the request's; 200 with
    analysis.json, 400 for the caller's error, 503 past the timeout, 500 otherwise."""
    with tempfile.TemporaryDirectory(prefix="model-gate-serve-") as tmp:
        out = Path(tmp) / "out"
        command = [sys.executable, "-m", "gate", "analyze", f"--policy={config.policy}"]
        command += [*config.analyze_flags, *arguments, f"--output-dir={out}"]
        env = {k: v for k, v in os.environ.items() if k != env_drop}
        proc = await asyncio.create_subprocess_exec(
            *command,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
        try:
            _, stderr = await asyncio.wait_for(proc.communicate(), config.timeout)
        except TimeoutError:
            os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
            return Outcome(
                503,
                {
                    "error": f"the analysis took longer than the service's --timeout "
                    f"{config.timeout:g} s and was stopped"
                },
                {"Retry-After": "60"},
            )
        # the caller named files relative to the root: its messages do so too
        told = stderr.decode("utf-8", "replace").replace(f"{config.root}{os.sep}", "")
        return _answer(proc.returncode, told, out, config.root)


def _answer(code: int | None, stderr: str, out: Path, root: Path) -> Outcome:
    if code in DECIDED:
        body = json.loads((out / "analysis.json").read_text(encoding="utf-8"))
        return Outcome(200, _unplaced(body, root))
    if code == 2:
        lines = [line.removeprefix("model-gate: ") for line in stderr.strip().splitlines()]
        return Outcome(400, {"error": "\n".join(lines)})
    print(f"model-gate serve: analysis exit {code}:\n{stderr}", file=sys.stderr)
    return Outcome(500, {"error": "internal error in the analysis (see the service's log)"})


def _unplaced(body: dict[str, Any], root: Path) -> dict[str, Any]:
    """analysis.json without the server's paths: files as the caller named them (below the
    data root), the policy by its file name."""
    body["policy"] = Path(body["policy"]).name
    for setting in body.get("settings", {}).values():  # "policy /srv/p.yaml:6:16" -> p.yaml:6:16
        if setting.get("from", "").startswith("policy "):
            setting["from"] = "policy " + Path(setting["from"].removeprefix("policy ")).name
    inputs = body.get("inputs", {})
    for described in [*inputs.get("predictions", []), inputs.get("labels") or {}]:
        if "path" in described:
            described["path"] = os.path.relpath(described["path"], root)
    return body
