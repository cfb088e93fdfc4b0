"""--format prometheus: OpenMetrics text that the Prometheus client library's own parsers read
back (the oracle), holding every check, group, column and rule of a real evaluation with the
numbers of its report.json, and group names of any text round-tripping through the labels."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import ROOT, run_cli, write_policy
from prometheus_client.openmetrics.parser import text_string_to_metric_families
from prometheus_client.parser import text_string_to_metric_families as classic_families

from gate.api import evaluate
from gate.decision import decide
from gate.report import FORMATS, json_report, prometheus
from gate.report.prometheus_families import FAMILIES
from gate.results import CheckResult, Evaluation, Severity, Status

NOW = 1_790_000_000.25

POLICY = """
    version: 1
    name: monitor
    data: {label: y, score: score, baseline_score: base, sensitive: [sex, race]}
    checks:
      - {id: auc, type: performance, metric: roc_auc, min: 0.6, confidence: 0.9}
      - {id: no-regression, type: performance, metric: roc_auc, baseline: {max_drop: 0.05}}
      - {id: parity, type: fairness, metric: selection_rate, aggregate: ratio, min: 0.8,
         severity: warn}
      - {id: tpr-cross, type: fairness, metric: true_positive_rate, aggregate: difference,
         max: 0.3, intersectional: true, confidence: 0.9, severity: warn}
      - {id: drift, type: drift, columns: [x1, x2, sex], max: 0.1, max_drifted_share: 0.5,
         severity: warn}
      - {id: quality, type: data_quality, max_missing_share: 0.05, severity: info}
"""


def frame(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(shift, 1, n), rng.normal(0, 1, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(1.5 * x1 - x2)))).astype(int)
    score = 1 / (1 + np.exp(-(1.5 * x1 - x2 + rng.normal(0, 0.5, n))))
    base = 1 / (1 + np.exp(-(x1 + rng.normal(0, 1.0, n))))
    sex, race = rng.choice(["F", "M"], n), rng.choice(["A", "B", "C"], n)
    return pd.DataFrame(dict(x1=x1, x2=x2, sex=sex, race=race, y=y, score=score, base=base))


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[Evaluation, dict]:
    root = tmp_path_factory.mktemp("prom")
    frame(1500, 0, shift=0.4).to_parquet(root / "current.parquet")
    frame(1500, 1).to_parquet(root / "reference.parquet")
    policy = write_policy(root / "p.yaml", POLICY)
    ev = evaluate(
        policy, root / "current.parquet", reference=root / "reference.parquet", resamples=100
    ).evaluation
    return ev, json.loads(json_report.render(ev))


def series(text: str, parse=text_string_to_metric_families) -> dict:
    """{(sample name, sorted label items): value}, asserting no series is written twice."""
    out: dict = {}
    for family in parse(text):
        assert family.type == "gauge", family.name
        for s in family.samples:
            key = (s.name, tuple(sorted(s.labels.items())))
            assert key not in out, key
            out[key] = s.value
    return out


def at(name: str, **labels: str) -> tuple:
    return (name, tuple(sorted(labels.items())))


def check_labels(report: dict, c: dict) -> dict[str, str]:
    return {
        "policy": report["policy"],
        "model": "current.parquet",  # no model file: the data file's name is the identity
        "check": c["id"],
        "type": c["type"],
        "metric": c.get("metric", ""),
        "severity": c["severity"],
    }


def test_the_real_run_has_every_kind_of_result(run):
    _, report = run
    kinds = {c["type"] for c in report["checks"]}
    assert kinds == {"performance", "fairness", "drift", "data_quality"}
    cross = next(c for c in report["checks"] if c["id"] == "tpr-cross")
    assert any(len(g["group"]) == 2 and "ci" in g for g in cross["groups"])
    assert any("ci" in col for c in report["checks"] for col in c.get("columns", ()))
    assert any("baseline" in c for c in report["checks"])
    statuses = {col["status"] for c in report["checks"] for col in c.get("columns", ())}
    assert statuses == {"drifted", "stable", "inconclusive"}


def test_every_check_appears_with_its_report_json_numbers(run):
    ev, report = run
    got = series(prometheus.render(ev, now=NOW))
    policy = {"policy": report["policy"], "model": "current.parquet"}
    for verdict in ("approve", "block", "report", "error"):
        value = float(verdict == report["decision"])
        assert got[at("model_gate_decision", **policy, decision=verdict)] == value
    assert got[at("model_gate_exit_code", **policy)] == report["exit_code"]
    assert got[at("model_gate_run_timestamp_seconds", **policy)] == NOW
    assert got[at("model_gate_data_rows", **policy)] == report["inputs"]["data"]["rows"]
    for c in report["checks"]:
        keys = check_labels(report, c)
        for status in ("pass", "fail", "warn", "waived", "inconclusive", "error", "skipped"):
            want = float(status == c["status"])
            assert got[at("model_gate_check_status", **keys, status=status)] == want
        assert got.get(at("model_gate_check_value", **keys)) == c.get("value")
        ci = c.get("ci", [None, None])
        assert got.get(at("model_gate_check_ci_lower", **keys)) == ci[0]
        assert got.get(at("model_gate_check_ci_upper", **keys)) == ci[1]
        for bound, value in c.get("threshold", {}).items():
            assert got[at("model_gate_check_threshold", **keys, bound=bound)] == value
        if "baseline" in c:
            value = c["baseline"]["value"]
            assert got[at("model_gate_check_baseline_value", **keys)] == value
            assert got[at("model_gate_check_baseline_drop", **keys)] == c["baseline"]["drop"]


def test_every_group_and_column_and_rule_appears(run):
    ev, report = run
    got = series(prometheus.render(ev, now=NOW))
    groups = columns = rules = 0
    for c in report["checks"]:
        keys = check_labels(report, c)
        for g in c.get("groups", ()):
            name = " & ".join(f"{k}={v}" for k, v in g["group"].items())
            assert got[at("model_gate_group_size", **keys, group=name)] == g["n"]
            assert got.get(at("model_gate_group_value", **keys, group=name)) == g["value"]
            ci = g.get("ci", [None, None])
            assert got.get(at("model_gate_group_ci_upper", **keys, group=name)) == ci[1]
            groups += 1
        for col in c.get("columns", ()):
            where = dict(keys, column=col["column"], role=col.get("role", ""))
            where["method"] = col["method"]
            assert got.get(at("model_gate_column_value", **where)) == col["value"]
            assert got.get(at("model_gate_column_p_value", **where)) == col.get("p_value")
            state = {True: "drifted", False: "stable", None: "inconclusive"}[col["drifted"]]
            assert got[at("model_gate_column_status", **where, status=state)] == 1
            missing = col["missing"]["current"]
            assert got[at("model_gate_column_missing_share", **where, dataset="current")] == missing
            columns += 1
        for rule in c.get("rules", ()):
            where = dict(keys, rule=rule["rule"])
            assert got[at("model_gate_rule_status", **where, status=rule["status"])] == 1
            assert got.get(at("model_gate_rule_value", **where)) == rule.get("value")
            rules += 1
    assert groups == (2 + 3) + 2 * 3 and columns == 3 + 2 and rules >= 1  # + score, prediction


def test_a_paired_baseline_interval_is_written_as_the_drop_bounds():
    """report.json's paired comparison (`baseline.ci`: the interval of the drop, positive =
    worse) appears as model_gate_check_baseline_drop_ci_lower / _upper."""
    check = {"id": "no-drop", "type": "performance", "status": "pass", "severity": "block"}
    check |= {"metric": "recall", "value": 0.8, "threshold": {}}
    check["baseline"] = {"value": 0.81, "delta": -0.01, "drop": 0.01, "paired": True}
    check["baseline"] |= {"confidence": 0.95, "ci": [-0.02, 0.04]}
    report = {"policy": "p", "decision": "approve", "exit_code": 0, "inputs": {}, "checks": [check]}
    got = {(name, labels): v for name, labels, v in prometheus.samples(report, NOW)}
    keys = ("p", "no-drop", "performance", "recall", "block")
    assert got[("model_gate_check_baseline_drop_ci_lower", keys)] == -0.02
    assert got[("model_gate_check_baseline_drop_ci_upper", keys)] == 0.04
    assert got[("model_gate_check_baseline_drop", keys)] == 0.01


def test_the_classic_text_parser_reads_it_too(run):
    """node_exporter's textfile collector and the Pushgateway read the classic text format,
    which has no stateset or info type: every family is a gauge, so both parsers agree."""
    ev, _ = run
    text = prometheus.render(ev, now=NOW)
    assert text.endswith("# EOF\n")
    assert series(text) == series(text, classic_families)
    names = {name for name, _ in series(text)}
    assert names <= set(FAMILIES) and all(n.startswith("model_gate_") for n in names)


def test_written_by_check_as_metrics_prom(tmp_path: Path):
    policy = write_policy(tmp_path / "p.yaml", POLICY)
    frame(400, 2).to_parquet(tmp_path / "d.parquet")
    frame(400, 3).to_parquet(tmp_path / "r.parquet")
    out = tmp_path / "out"
    args = [
        "--policy",
        policy,
        "--data",
        tmp_path / "d.parquet",
        "--reference",
        tmp_path / "r.parquet",
    ]
    result = run_cli(
        "check", *args, "--output-dir", out, "--format", "prometheus", "--resamples", "50"
    )
    assert result.code in (0, 1), result.stderr
    assert FORMATS["prometheus"].filename == "metrics.prom"
    got = series((out / "metrics.prom").read_text())
    report = json.loads((out / "report.json").read_text())
    ids = {dict(labels)["check"] for name, labels in got if name == "model_gate_check_status"}
    assert ids == {c["id"] for c in report["checks"]}
    evidence = json.loads((out / "evidence.json").read_text())
    assert "metrics.prom" in json.dumps(evidence)


HOSTILE = [
    'say "hi"',
    "two\nlines",
    "back\\slash\\",
    "ünï€ødé 名前 🙂",
    "a & b=c",
    "=",
    "",
    " padded ",
    '\\"',
    'x} y{z="1",',
    "# EOF",
]
#: not kept as they are, but shown as escapes (as in every other output): they could end a
#: line, hide text or start a workflow command
SHOWN = ["cr\r::warning::CR", "esc\x1b[31m", "sep\u2028::error::x", "##[error]legacy", "nul\x00"]


def hostile_evaluation(groups: list[dict[str, str]], policy: str = "p") -> Evaluation:
    result = CheckResult(
        id="parity",
        type="fairness",
        status=Status.PASS,
        severity=Severity.WARN,
        message="m",
        metric="selection_rate",
        value=0.9,
        threshold={"min": 0.8},
        groups=tuple({"group": g, "n": 10 + i, "value": i / 100} for i, g in enumerate(groups)),
    )
    inputs = {"data": {"path": "d.csv", "sha256": "b" * 64, "rows": 10}}
    decision = decide([result], (), dt.date(2026, 1, 1))
    return Evaluation(decision, policy, inputs, 0, "0.1.0")


def parse_group(text: str) -> dict[str, str]:
    """The inverse of the documented group label: `k=v & k=v`, a part that holds `=`, `&`, a
    quote, a backslash or edge blanks (or is empty) written "JSON-style"."""
    part = r'"(?:[^"\\]|\\.)*"|[^=&"\\]*'
    out = {}
    for m in re.finditer(rf"(?:^| & )({part})=({part})(?= & |$)", text):
        k, v = (json.loads(p) if p.startswith('"') else p for p in m.groups())
        out[k] = v
    assert (
        " & ".join(f"{prometheus._part(k)}={prometheus._part(v)}" for k, v in out.items()) == text
    )
    return out


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_group_names_round_trip(name: str):
    groups = [{"race": name}, {name or "f": "x", "sex": name}]
    text = prometheus.render(hostile_evaluation(groups, policy=name or "p"), now=NOW)
    got = series(text)
    labels = [dict(k[1]) for k in got if k[0] == "model_gate_group_size"]
    assert [parse_group(lab["group"]) for lab in labels] == groups
    assert {lab["policy"] for lab in labels} == {name or "p"}
    assert series(text, classic_families) == got


def test_different_groups_never_share_a_label():
    groups = [{"a": "x & b=y"}, {"a": "x", "b": "y"}, {"a": '"x"'}, {"a": "x"}, {"a=x": ""}]
    got = series(prometheus.render(hostile_evaluation(groups), now=NOW))
    assert len([k for k in got if k[0] == "model_gate_group_size"]) == len(groups)


@pytest.mark.parametrize("name", SHOWN)
def test_control_characters_are_shown_not_written(name: str):
    text = prometheus.render(hostile_evaluation([{"g": name}], policy=name), now=NOW)
    for line in text.splitlines():
        assert line.startswith(
            ("# HELP model_gate_", "# TYPE model_gate_", "# UNIT", "model_gate_", "# EOF")
        ), line
    assert "##[" not in text
    got = series(text)
    label = next(dict(k[1])["group"] for k in got if k[0] == "model_gate_group_size")
    assert label == "g=" + prometheus.label(name) and label.isprintable()


def test_without_the_library_it_is_exit_2_with_the_install_command(tmp_path: Path):
    shadow = tmp_path / "shadow/prometheus_client"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('No module named prometheus_client')\n")
    env = {"PYTHONPATH": f"{shadow.parent}:{ROOT}"}
    policy = write_policy(tmp_path / "p.yaml", POLICY)
    frame(50, 0).to_parquet(tmp_path / "d.parquet")
    base = ["check", "--policy", policy, "--data", tmp_path / "d.parquet"]
    for extra in (
        ["--output-dir", tmp_path / "out", "--format", "prometheus"],
        ["--push-gateway", "http://127.0.0.1:9"],
    ):
        result = run_cli(*base, *extra, env=env)
        assert result.code == 2, result.stderr
        assert "pip install 'model-gate[prometheus]'" in result.stderr
        assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def test_the_drop_help_says_positive_is_worse_whatever_the_metric_direction(run):
    ev, _ = run
    families = {f.name: f for f in text_string_to_metric_families(prometheus.render(ev, NOW))}
    for name in ("model_gate_check_baseline_drop", "model_gate_group_baseline_drop"):
        assert FAMILIES[name][0].startswith("how much worse than the baseline")
    assert "minus" not in families["model_gate_check_baseline_drop"].documentation


FAIR_BASELINE = """
    version: 1
    name: fair-vs-base
    data: {label: y, score: score, baseline_score: base, sensitive: [sex]}
    checks:
      - {id: recall-kept, type: fairness, metric: true_positive_rate, aggregate: difference,
         max: 1.0, baseline: {max_drop: 0.05}}
"""


def test_a_fairness_baseline_check_exports_every_groups_drop(tmp_path: Path):
    """`no group may lose more than 2 points` must be graphable: each group's drop (and its
    interval) from report.json, labelled by group and the baseline's metric."""
    frame(1200, 4).to_parquet(tmp_path / "d.parquet")
    policy = write_policy(tmp_path / "p.yaml", FAIR_BASELINE)
    ev = evaluate(policy, tmp_path / "d.parquet", resamples=100).evaluation
    report = json.loads(json_report.render(ev))
    got = series(prometheus.render(ev, now=NOW))
    [c] = report["checks"]
    seen = 0
    for g in c["groups"]:
        name = " & ".join(f"{k}={v}" for k, v in g["group"].items())
        for base in g["baseline"]:
            where = dict(check_labels(report, c), model="d.parquet", group=name)
            where["baseline_metric"] = base["metric"]
            assert got[at("model_gate_group_baseline_drop", **where)] == base["drop"]
            assert got[at("model_gate_group_baseline_value", **where)] == base["value"]
            if "ci" in base:
                lower = got[at("model_gate_group_baseline_drop_ci_lower", **where)]
                assert lower == base["ci"][0]
            seen += 1
    assert seen == 2


@pytest.mark.parametrize(
    ("model", "data", "want"),
    [
        ("models:/credit/4", "eval.csv", "credit/4"),
        ("models:/credit@champion", "eval.csv", "credit@champion"),
        ("/srv/models/v2/model.skops", "eval.csv", "model.skops"),
        (None, "/logs/region-eu/predictions.parquet", "predictions.parquet"),
        ("", Path("logs/model_a.csv"), "model_a.csv"),
    ],
)
def test_the_monitored_things_identity(model, data, want):
    assert prometheus.identity(model, data) == want


def test_two_textfile_files_of_two_monitored_things_share_no_series():
    """Two metrics.prom files of one policy on two models' logs, read by one textfile
    collector: every series differs by its `model` label (no duplicate series)."""
    texts = []
    for data in ("model_a.csv", "model_b.csv"):
        ev = hostile_evaluation([{"g": "x"}])
        ev.inputs["data"]["path"] = data
        texts.append(series(prometheus.render(ev, now=NOW)))
    assert texts[0] and not set(texts[0]) & set(texts[1])
    models = {dict(labels)["model"] for text in texts for _, labels in text}
    assert models == {"model_a.csv", "model_b.csv"}


def test_the_error_set_is_a_decision_error_exit_code_and_time():
    labels = {"model": "credit/4", "region": "eu"}
    text = prometheus.text(prometheus.error_registry("monitor", 3, labels, NOW))
    got = series(text)
    run = {"policy": "monitor", **labels}
    for state in ("approve", "block", "report", "inconclusive", "error"):
        assert got[at("model_gate_decision", **run, decision=state)] == float(state == "error")
    assert got[at("model_gate_exit_code", **run)] == 3
    assert got[at("model_gate_run_timestamp_seconds", **run)] == NOW
    assert len(got) == 7 and series(text, classic_families) == got
