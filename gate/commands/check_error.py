"""A monitor run that ends in exit 2 or 3 still tells the monitoring: it pushes the error set
(decision `error`, the exit code, the time) to the Pushgateway group the run would have pushed
to, and writes it as metrics.prom when --format prometheus and --output-dir were given, so a
broken monitor replaces its last good values instead of leaving them in silence."""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import yaml

from gate.errors import GateError


def _policy_name(policy: object) -> str:
    """The name the run would have used, so the error lands in the group the last good run
    pushed to: the policy's `name:` (or file stem) when the file parses, else its top-level
    `name:` line read from the text as it is (a syntax error elsewhere does not hide it), else
    the file stem (a file that cannot be read at all)."""
    try:
        from gate.policy.loader import analyse_policy

        return analyse_policy(str(policy))[0].name
    except Exception:  # a broken policy is why we are here: read its name line by line
        return _scanned_name(Path(str(policy)))


#: a top-level `name:` key (column 0), its value to the end of the line
NAME_LINE = re.compile(r"^name[ \t]*:(?P<value>[^\n]*)$", re.MULTILINE)


def _scanned_name(path: Path) -> str:
    """The `name:` of a policy file that does not parse, read from its first top-level
    `name:` line (the value parsed as YAML, so quotes and comments are read as the loader
    reads them); the file stem when there is none, or it is no text."""
    try:
        found = NAME_LINE.search(path.read_text(encoding="utf-8"))
        value = yaml.safe_load("name:" + found["value"])["name"] if found else None
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        value = None
    return value if isinstance(value, str) and value else path.stem


def _say(line: str) -> None:
    print(f"model-gate: {line}", file=sys.stderr)


def publish_error(
    args: argparse.Namespace, formats: list[str], url: str | None, exc: BaseException
) -> None:
    """Push / write the error set for `exc` (exit 2 for a GateError, else 3: an internal
    error or an interrupt); a failure to do so is said on stderr and does not hide `exc`."""
    try:
        _publish(args, formats, url, exc)
    except Exception as own:  # never replace the run's own error with ours
        _say(f"could not publish the error metrics: {own}")


def _publish(
    args: argparse.Namespace, formats: list[str], url: str | None, exc: BaseException
) -> None:
    to_file = "prometheus" in formats and bool(args.output_dir)
    if url is None and not to_file:
        return
    from gate.ci import pushgateway
    from gate.report import prometheus
    from gate.report.prometheus_families import IDENTITY

    code = exc.exit_code if isinstance(exc, GateError) else 3
    policy, now = _policy_name(args.policy), time.time()
    run = {IDENTITY: prometheus.label(prometheus.identity(args.model, args.data))}
    run |= pushgateway.labels(getattr(args, "push_label", None))  # may replace the identity
    if to_file:
        from gate.report.output_dir import write_set

        data = prometheus.text(prometheus.error_registry(policy, code, run, now))
        try:
            write_set({prometheus.FILENAME: data.encode("utf-8")}, args.output_dir)
            _say(f"wrote {prometheus.FILENAME} with decision error (exit {code})")
        except GateError as write_exc:
            _say(f"could not write the error metrics: {write_exc}")
    if url is not None:
        try:
            _say(pushgateway.push_error(policy, code, url, run) + f": decision error (exit {code})")
        except (GateError, pushgateway.PushError) as push_exc:
            _say(f"error: {push_exc}")
