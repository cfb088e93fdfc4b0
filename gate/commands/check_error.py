"""A monitor run that ends in exit 2 or 3 still tells the monitoring: it pushes the error set
(decision `error`, the exit code, the time) to the Pushgateway group the run would have pushed
to, and writes it as metrics.prom when --format prometheus and --output-dir were given, so a
broken monitor replaces its last good values instead of leaving them in silence."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from gate.errors import GateError


def _policy_name(policy: object) -> str:
    """The name the run would have used: the policy's `name:` (or file stem) when the file can
    be read, else the file stem."""
    try:
        from gate.policy.loader import analyse_policy

        return analyse_policy(str(policy))[0].name
    except Exception:  # a broken policy is why we are here; its stem names the group
        return Path(str(policy)).stem


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
