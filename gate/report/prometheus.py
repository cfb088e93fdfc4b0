"""metrics.prom: the report as OpenMetrics text, for node_exporter's textfile collector or a
Pushgateway (gate/ci/pushgateway.py), built with prometheus_client from report.json's data
alone.

Every family is a gauge named `model_gate_*`. A status is one series per possible state, 1 for
the state the run is in and 0 for the others (the kube-state-metrics idiom:
`model_gate_check_status{status="fail"} == 1`): every series exists on every run, so an alert
resolves the moment the state changes, and the classic text format that the textfile collector
and the Pushgateway read (which has no `stateset` type) takes the same families unchanged.
Labels: policy and model (the monitored thing: `identity`) on every series, plus any
`--push-label` (in metrics.prom as in the pushed group); check, type, metric, severity on
every check's series, plus group (fairness:
`sex=F & race=A`), column / role / method (drift) or rule (data quality). Label values are
untrusted text: shown as `gate.report.escape.term` shows them (quotes, newlines, backslashes
and any letter kept; control characters written as escapes), then escaped by the library.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import PurePath
from typing import Any

from gate.errors import UsageError
from gate.report.escape import term
from gate.report.json_report import rounded, to_dict
from gate.report.prometheus_families import (
    COLUMN_STATES,
    DECISIONS,
    FAMILIES,
    IDENTITY,
    RULE_STATES,
)
from gate.results import Evaluation, Status

INSTALL = "pip install 'model-gate[prometheus]'"
FILENAME = "metrics.prom"  # the textfile collector reads *.prom files only

Sample = tuple[str, tuple[str, ...], float]


def require() -> None:
    """UsageError with the install command when prometheus_client is not installed."""
    try:
        import prometheus_client  # noqa: F401
    except ImportError:
        raise UsageError(
            f"--format prometheus and --push-gateway need the optional extra: {INSTALL}"
        ) from None


def label(text: object) -> str:
    """A label value: untrusted text as the terminal shows it, line feeds kept (the library
    writes them as `\\n`); nothing in it can end a line or start a workflow command."""
    return term("" if text is None else text, keep="\n")


def _part(text: str) -> str:
    """A group's feature or value, quoted (JSON-style) when it holds what separates the parts,
    so two different groups never get the same label."""
    plain = text and text == text.strip() and not any(c in text for c in '=&"\\')
    return text if plain else '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def group_label(group: dict[str, Any]) -> str:
    """`sex=F & race=A`: every feature of an (intersectional) group, in the report's order."""
    return label(" & ".join(f"{_part(str(k))}={_part(str(v))}" for k, v in group.items()))


def _number(value: Any) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if ok else None


def _interval(name: str, keys: tuple[str, ...], ci: Any) -> Iterator[Sample]:
    if isinstance(ci, list) and len(ci) == 2:
        yield f"{name}_lower", keys, ci[0]
        yield f"{name}_upper", keys, ci[1]


def _states(name: str, keys: tuple[str, ...], states: Sequence[str], now: str) -> Iterator[Sample]:
    for state in states:
        yield name, (*keys, state), float(state == now)


def _check(c: dict[str, Any], keys: tuple[str, ...]) -> Iterator[Sample]:
    yield from _states("model_gate_check_status", keys, [s.value for s in Status], c["status"])
    yield "model_gate_check_value", keys, c.get("value")
    yield from _interval("model_gate_check_ci", keys, c.get("ci"))
    yield "model_gate_check_confidence", keys, c.get("confidence")
    for bound, value in c.get("threshold", {}).items():
        yield "model_gate_check_threshold", (*keys, label(bound)), value
    base = c.get("baseline") or {}
    yield "model_gate_check_baseline_value", keys, base.get("value")
    yield "model_gate_check_baseline_drop", keys, base.get("drop")
    yield from _interval("model_gate_check_baseline_drop_ci", keys, base.get("ci"))


def _groups(c: dict[str, Any], keys: tuple[str, ...]) -> Iterator[Sample]:
    for g in c.get("groups", ()):
        at = (*keys, group_label(g["group"]))
        yield "model_gate_group_value", at, g.get("value")
        yield "model_gate_group_size", at, g.get("n")
        yield from _interval("model_gate_group_ci", at, g.get("ci"))
        yield "model_gate_group_disparity", at, g.get("disparity")
        yield "model_gate_group_excluded", at, float(bool(g.get("excluded")))
        for base in g.get("baseline") or ():
            to = (*at, label(base.get("metric", "")))
            yield "model_gate_group_baseline_value", to, base.get("value")
            yield "model_gate_group_baseline_drop", to, base.get("drop")
            yield from _interval("model_gate_group_baseline_drop_ci", to, base.get("ci"))


def _column_status(col: dict[str, Any]) -> str:
    drifted = col.get("drifted")
    return col.get("status") or {True: "drifted", False: "stable"}.get(drifted, "inconclusive")


def _columns(c: dict[str, Any], keys: tuple[str, ...]) -> Iterator[Sample]:
    for col in c.get("columns", ()):
        at = (*keys, *map(label, (col["column"], col.get("role", ""), col["method"])))
        yield "model_gate_column_value", at, col.get("value")
        yield from _interval("model_gate_column_ci", at, col.get("ci"))
        yield "model_gate_column_p_value", at, col.get("p_value")
        for bound, value in col.get("threshold", {}).items():
            yield "model_gate_column_threshold", (*at, label(bound)), value
        yield from _states("model_gate_column_status", at, COLUMN_STATES, _column_status(col))
        for dataset in ("reference", "current"):
            missing = col.get("missing", {}).get(dataset)
            yield "model_gate_column_missing_share", (*at, dataset), missing


def _rules(c: dict[str, Any], keys: tuple[str, ...]) -> Iterator[Sample]:
    for rule in c.get("rules", ()):
        at = (*keys, label(rule["rule"]))
        yield "model_gate_rule_value", at, rule.get("value")
        yield from _states("model_gate_rule_status", at, RULE_STATES, rule["status"])


def samples(report: dict[str, Any], now: float) -> Iterator[Sample]:
    """(family, label values, value) of every series of a report.json document; a value that
    is absent (None) yields a sample the caller drops."""
    run = (label(report["policy"]),)
    yield from _states("model_gate_decision", run, DECISIONS, report["decision"])
    yield "model_gate_exit_code", run, report["exit_code"]
    yield "model_gate_run_timestamp_seconds", run, now
    yield "model_gate_data_rows", run, report["inputs"].get("data", {}).get("rows")
    for c in report["checks"]:
        keys = (*run, *map(label, (c["id"], c["type"], c.get("metric", ""), c["severity"])))
        for part in (_check, _groups, _columns, _rules):
            yield from part(c, keys)


def identity(model: object, data: object) -> str:
    """The monitored thing's name, for the `model` label and the Pushgateway group: a registry
    model's `name/version` (or `name@alias`), a model file's name, else the data file's name."""
    if isinstance(model, str | PurePath) and str(model):
        text = str(model)
        return text[len("models:/") :] if text.startswith("models:/") else PurePath(text).name
    return PurePath(str(data)).name if isinstance(data, str | PurePath) else "data"


def run_labels(report: dict[str, Any], extra: dict[str, str] | None = None) -> dict[str, str]:
    """Every series' labels beyond `policy`: the model's identity, then `extra` (which may
    replace it)."""
    inputs = report.get("inputs") or {}
    model = (inputs.get("model") or {}).get("path")
    data = (inputs.get("data") or {}).get("path")
    return {IDENTITY: label(identity(model, data)), **(extra or {})}


def _collect(pairs: Iterator[Sample], extra: dict[str, str]) -> Any:
    """A CollectorRegistry of the samples, every series also labelled `extra`."""
    require()
    from prometheus_client import CollectorRegistry
    from prometheus_client.core import GaugeMetricFamily

    names, values = tuple(extra), tuple(extra.values())
    families = {
        name: GaugeMetricFamily(name, text, labels=(*labels[:1], *names, *labels[1:]), unit=unit)
        for name, (text, labels, unit) in FAMILIES.items()
    }
    for name, labels, value in pairs:
        number = _number(value)
        if number is not None:
            families[name].add_metric((*labels[:1], *values, *labels[1:]), number)

    class Collector:
        def collect(self) -> list[Any]:
            return [f for f in families.values() if f.samples]

    out = CollectorRegistry(auto_describe=False)
    out.register(Collector())
    return out


def registry(
    evaluation: Evaluation, now: float | None = None, labels: dict[str, str] | None = None
) -> Any:
    """A prometheus_client CollectorRegistry holding the run's metrics (its families built from
    report.json's data); `now` (Unix time) defaults to the current time; `labels` are added to
    every series (after the model's identity, which they may replace)."""
    require()
    report = rounded(to_dict(evaluation))
    when = time.time() if now is None else now
    return _collect(samples(report, when), run_labels(report, labels))


def error_registry(policy: str, exit_code: int, labels: dict[str, str], now: float) -> Any:
    """The metrics of a run that ended in exit 2 or 3: the decision `error`, the exit code and
    the time, so a broken monitor replaces its last good values instead of leaving them."""
    run = (label(policy),)
    pairs: list[Sample] = [
        *_states("model_gate_decision", run, DECISIONS, "error"),
        ("model_gate_exit_code", run, exit_code),
        ("model_gate_run_timestamp_seconds", run, now),
    ]
    return _collect(iter(pairs), labels)


def text(registry_: Any) -> str:
    """A registry as OpenMetrics text (ends with `# EOF`)."""
    from prometheus_client.openmetrics.exposition import generate_latest

    return generate_latest(registry_).decode("utf-8")


def render(
    evaluation: Evaluation, now: float | None = None, labels: dict[str, str] | None = None
) -> str:
    """The OpenMetrics text (ends with `# EOF`); `labels` (--push-label's) on every series,
    as the push puts them there, so metrics.prom and the pushed group hold the same series."""
    return text(registry(evaluation, now, labels))
