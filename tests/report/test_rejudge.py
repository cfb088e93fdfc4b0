"""The trusted-report path (comment / promote / log-to-mlflow read report.json through
load_report): genuine reports of every behaviour check are accepted with and without their
trusted policy (review13 #21, #25); a status flipped to pass with its numbers left as they are is
refused for importance, robustness and slices (#20); the pin compares the whole check spec, so
retargeting any key that changes what is measured is refused (#26); a fairness baseline report
must carry the groups and comparisons the policy requires (review12d #3)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import run_cli
from sklearn.linear_model import LogisticRegression

from gate import evaluate
from gate.checks import REGISTRY
from gate.errors import InputError
from gate.inputs.policy_dict import load_any
from gate.report import pinning
from gate.report.consistency import JUDGED
from gate.report.from_json import load_report

INPUTS = ["x1", "x2", "sex"]
BEHAVIOUR = {
    "version": 1,
    "data": {"label": "y", "sensitive": ["sex"]},
    "checks": [
        {"id": "imp", "type": "importance", "max_rank": 1, "max_share": 0.2},
        {"id": "cf", "type": "robustness", "counterfactual": ["sex"], "max_flip_rate": 0.01},
        {
            "id": "cf-region",
            "type": "robustness",
            "counterfactual": ["region"],
            "noise": "none",
            "max_flip_rate": 0.01,
        },
        {"id": "sl", "type": "slices", "metric": "accuracy", "min": 0.97, "features": ["x1"]},
        {
            "id": "noise",
            "type": "robustness",
            "features": {"x1": {"noise": {"absolute": 2.0}}},
            "max_flip_rate": 0.01,
        },
        {"id": "auc", "type": "performance", "metric": "roc_auc", "min": 0.5},
    ],
}


def behaviour_frame(n: int = 1500, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    out["sex"] = rng.integers(0, 2, n)
    out["region"] = rng.choice(["n", "s"], n)
    logit = 4 * out["sex"] - 2 + out["x1"] + 0.3 * out["x2"]
    out["y"] = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    return out


@pytest.fixture(scope="module")
def behaviour(tmp_path_factory) -> dict:
    data = behaviour_frame()
    model = LogisticRegression().fit(data[INPUTS], data["y"])
    report = evaluate(BEHAVIOUR, data, model=model, resamples=200).to_json()
    return report


def write(tmp_path: Path, report: dict, name: str = "report.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(report))
    return path


def forged(report: dict, check_id: str) -> dict:
    """`check_id`'s status set to pass, its numbers untouched, the summary made to match."""
    out = copy.deepcopy(report)
    for c in out["checks"]:
        if c["id"] == check_id:
            out["summary"][c["status"]] -= 1
            out["summary"]["pass"] += 1
            c["status"] = "pass"
    return out


def test_genuine_behaviour_reports_are_accepted_with_and_without_the_policy(behaviour, tmp_path):
    statuses = {c["id"]: c["status"] for c in behaviour["checks"]}
    assert statuses == {
        "imp": "fail",
        "cf": "fail",
        "cf-region": "skipped",  # blocking, and the gate's own output (#25)
        "sl": "fail",
        "noise": "fail",
        "auc": "pass",
    }
    path = write(tmp_path, behaviour)
    assert load_report(path).decision.verdict.value == "block"
    assert load_report(path, load_any(BEHAVIOUR)).decision.verdict.value == "block"  # #21


@pytest.mark.parametrize("check_id", ["imp", "cf", "sl"])
@pytest.mark.parametrize("pinned", [False, True])
def test_a_status_flipped_to_pass_is_refused_naming_the_check(
    behaviour, tmp_path, check_id, pinned
):
    path = write(tmp_path, forged(behaviour, check_id))
    with pytest.raises(InputError, match=f"check '{check_id}' says pass"):
        load_report(path, load_any(BEHAVIOUR) if pinned else None)


def test_every_status_forged_to_an_approval_is_refused(behaviour, tmp_path):
    report = copy.deepcopy(behaviour)
    for c in report["checks"]:
        c["status"] = "pass"
    report.update(decision="approve", exit_code=0)
    report["summary"] = {k: 0 for k in report["summary"]} | {"pass": len(report["checks"])}
    for policy in (None, load_any(BEHAVIOUR)):
        with pytest.raises(InputError, match="check 'imp' says pass"):
            load_report(write(tmp_path, report), policy)


def test_a_deleted_protected_row_or_counterfactual_probe_is_refused(behaviour, tmp_path):
    report = forged(behaviour, "imp")
    imp = next(c for c in report["checks"] if c["id"] == "imp")
    imp["features"] = [f for f in imp["features"] if f["feature"] != "sex"]
    with pytest.raises(InputError, match="states no protected row for 'sex'"):
        load_report(write(tmp_path, report))  # the report's own spec names sex
    report = forged(behaviour, "cf")
    cf = next(c for c in report["checks"] if c["id"] == "cf")
    cf["perturbations"] = [{**cf["perturbations"][0], "status": "skipped", "reason": "x"}]
    with pytest.raises(InputError, match="check 'cf' says pass"):
        load_report(write(tmp_path, report), load_any(BEHAVIOUR))


def _skipped(report: dict, check_id: str, keep_skipped_entries: bool) -> dict:
    """`check_id` relabelled skipped: its numbers stripped (or its probes marked skipped)."""
    out = forged(report, check_id)
    c = next(c for c in out["checks"] if c["id"] == check_id)
    out["summary"]["pass"] -= 1
    out["summary"]["skipped"] += 1
    entries = [{**e, "status": "skipped", "reason": "x"} for e in c["perturbations"]]
    c.update(status="skipped", threshold={}, groups=[], perturbations=[])
    c.pop("value", None), c.pop("ci", None)
    if keep_skipped_entries:
        c["perturbations"] = entries
    return out


@pytest.mark.parametrize("keep_skipped_entries", [False, True])
def test_a_failed_noise_probe_relabelled_skipped_is_refused_under_the_policy(
    behaviour, tmp_path, keep_skipped_entries
):
    """A check with a declared noise probe is never skipped by the gate (it gives a result or
    an error), so the trusted policy refuses a report saying it was; probes marked skipped are
    refused even without the policy."""
    report = _skipped(behaviour, "noise", keep_skipped_entries)
    with pytest.raises(InputError, match="check 'noise' says skipped"):
        load_report(write(tmp_path, report), load_any(BEHAVIOUR))
    if keep_skipped_entries:
        with pytest.raises(InputError, match="check 'noise'"):
            load_report(write(tmp_path, report))


# (check entry of the trusted policy, the key the pull request changes, its new value)
RETARGETED = [
    (
        {"id": "c", "type": "performance", "metric": "recall", "class": "10", "min": 0.6},
        "class",
        "2",
    ),
    (
        {"id": "c", "type": "performance", "metric": "f1", "average": "macro", "min": 0.6},
        "average",
        "micro",
    ),
    (
        {"id": "c", "type": "importance", "protected": ["sex"], "proxies": ["zip"], "max_rank": 3},
        "protected",
        ["zip"],
    ),
    (
        {"id": "c", "type": "importance", "protected": ["sex"], "proxies": ["zip"], "max_rank": 3},
        "proxies",
        ["x1"],
    ),
    ({"id": "c", "type": "importance", "max_rank": 3}, "sample_rows", 10),
    ({"id": "c", "type": "importance", "max_rank": 3}, "method", "shap"),
    (
        {"id": "c", "type": "robustness", "counterfactual": ["sex"], "max_flip_rate": 0.01},
        "counterfactual",
        ["zip"],
    ),
    (
        {"id": "c", "type": "robustness", "counterfactual": ["sex"], "max_flip_rate": 0.01},
        "sample_rows",
        10,
    ),
    (
        {"id": "c", "type": "slices", "metric": "accuracy", "min": 0.7, "features": ["x1", "zip"]},
        "features",
        ["x1"],
    ),
    ({"id": "c", "type": "slices", "metric": "accuracy", "min": 0.7}, "min_size", 1000),
    ({"id": "c", "type": "slices", "metric": "accuracy", "min": 0.7}, "fdr", 0.0001),
    (
        {
            "id": "c",
            "type": "fairness",
            "metric": "selection_rate",
            "aggregate": "difference",
            "max": 0.2,
        },
        "min_group_size",
        500,
    ),
    (
        {
            "id": "c",
            "type": "fairness",
            "metric": "selection_rate",
            "aggregate": "difference",
            "max": 0.2,
        },
        "sensitive",
        ["zip"],
    ),
]
TASKS = {"class": "multiclass_classification", "average": "multiclass_classification"}


def _policy(check: dict, task: str | None) -> dict:
    data = {"label": "y", "sensitive": ["sex"]} | ({"task": task} if task else {})
    return {"version": 1, "data": data, "checks": [check]}


@pytest.mark.parametrize(("check", "key", "value"), RETARGETED, ids=lambda v: str(v)[:20])
def test_the_pin_refuses_a_check_retargeted_on_any_key(tmp_path, check, key, value):
    task = TASKS.get(key)
    trusted = load_any(_policy(check, task))
    pr = load_any(_policy(check | {key: value}, task))
    spec = pr.checks[0]
    stated = pinning.CheckResult(
        "c", spec.type, pinning.Status.FAIL, spec.severity, "m", spec=_spec_of(spec)
    )
    binding = json.loads(json.dumps(pr.data.as_dict()))
    with pytest.raises(InputError, match=r"check 'c' measures \S*" + key):
        pinning.check_pinned("r.json", [stated], trusted, pinning.dt.date.today(), binding)
    same = pinning.CheckResult("c", spec.type, pinning.Status.FAIL, spec.severity, "m")
    with pytest.raises(InputError, match="states no check spec"):  # an older report: fail closed
        pinning.check_pinned("r.json", [same], trusted, pinning.dt.date.today(), binding)


def _spec_of(spec):
    from gate.policy.spec_dict import measured_spec

    return json.loads(json.dumps(measured_spec(spec)))


def test_the_pin_refuses_a_data_binding_override():
    trusted = load_any(BEHAVIOUR)
    binding = json.loads(json.dumps(trusted.data.as_dict())) | {"threshold": 0.1}
    with pytest.raises(InputError, match=r"data\.threshold 0\.1, the policy says 0\.5"):
        pinning.check_pinned("r.json", [], trusted, pinning.dt.date.today(), binding)


def test_a_check_type_the_rejudging_does_not_know_is_refused(behaviour, tmp_path):
    assert set(REGISTRY) <= JUDGED  # a new check type must be taught to the re-judging
    report = copy.deepcopy(behaviour)
    report["checks"][-1]["type"] = "newtype"
    with pytest.raises(InputError, match="does not know check type 'newtype'"):
        load_report(write(tmp_path, report))


FAIR = {
    "version": 1,
    "data": {
        "label": "y",
        "prediction": "pred",
        "baseline_prediction": "bpred",
        "sensitive": ["g"],
    },
    "checks": [
        {
            "id": "kept",
            "type": "fairness",
            "metric": "true_positive_rate",
            "aggregate": "difference",
            "max": 1.0,
            "baseline": {"max_drop": 0.02, "confidence": 0.95},
        }
    ],
}


def fair_frame(seed: int = 0) -> pd.DataFrame:
    """The candidate misses every positive of group c; the baseline does not."""
    rng = np.random.default_rng(seed)
    g = rng.choice(["a", "b", "c"], 600, p=[0.45, 0.45, 0.1])
    y = rng.integers(0, 2, 600)
    bpred = np.where(rng.uniform(size=600) < 0.8, y, 1 - y)
    pred = np.where(g == "c", 0, bpred)
    return pd.DataFrame({"g": g, "y": y, "pred": pred, "bpred": bpred})


@pytest.fixture(scope="module")
def fair() -> dict:
    report = evaluate(FAIR, fair_frame(), resamples=200).to_json()
    assert report["checks"][0]["status"] == "fail"
    return report


def _group_c(report: dict) -> dict:
    return next(g for g in report["checks"][0]["groups"] if g["group"] == {"g": "c"})


def _nobase(r):
    _group_c(r).pop("baseline")


def _emptybase(r):
    _group_c(r)["baseline"] = []


def _excluded(r):
    _group_c(r).update(excluded=True, excluded_reason="below min_group_size 1")


def _dropgroup(r):
    r["checks"][0]["groups"].remove(_group_c(r))


def _value(r):  # group c's numbers made to pass, the check's value left
    c = _group_c(r)
    c["value"] = c["baseline"][0]["value"] - 0.01
    c["baseline"][0].update(drop=0.01, relative_drop=0.01, ci=[0.005, 0.015], status="pass")


@pytest.mark.parametrize("forge", [_nobase, _emptybase, _excluded, _dropgroup, _value])
@pytest.mark.parametrize("pinned", [False, True])
def test_a_fairness_baseline_report_missing_what_is_required_is_refused(
    fair, tmp_path, forge, pinned
):
    report = forged(fair, "kept")
    report.update(decision="approve", exit_code=0)
    forge(report)
    with pytest.raises(InputError, match="check 'kept' says pass") as caught:
        load_report(write(tmp_path, report), load_any(FAIR) if pinned else None)
    assert "group" in str(caught.value)


def test_genuine_fairness_reports_with_excluded_groups_are_accepted(fair, tmp_path):
    assert load_report(write(tmp_path, fair), load_any(FAIR)).decision.verdict.value == "block"
    policy = copy.deepcopy(FAIR)
    policy["checks"][0]["min_group_size"] = 100  # group c (about 60 rows) is left out
    report = evaluate(policy, fair_frame(), resamples=200).to_json()
    assert any(g.get("excluded") for g in report["checks"][0]["groups"])
    path = write(tmp_path, report)
    load_report(path)
    load_report(path, load_any(policy))
    report["checks"][0]["spec"] = fair["checks"][0]["spec"]  # claims the trusted spec
    with pytest.raises(InputError, match="does not hold under min_group_size 1"):
        load_report(write(tmp_path, report), load_any(FAIR))  # no ground to exclude


@pytest.mark.parametrize(
    ("check_id", "where", "value"),
    [
        ("sl", "sample.slices_reported", "many"),
        ("imp", "spec.importance", "x"),
    ],
)
def test_a_value_of_the_wrong_type_in_a_forged_report_is_exit_2(
    behaviour, tmp_path, check_id, where, value
):
    """The schema types a check's `spec` and sample counts loosely: a forged value of the wrong
    type is refused as a report model-gate did not write (exit 2), never an internal error."""
    report = copy.deepcopy(behaviour)
    check = next(c for c in report["checks"] if c["id"] == check_id)
    outer, key = where.split(".")
    check.setdefault(outer, {})[key] = value
    result = run_cli("comment", write(tmp_path, report), "--platform", "github")
    assert result.code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr


def test_a_min_group_share_exclusion_is_judged_on_its_groupings_rows(fair, tmp_path):
    policy = copy.deepcopy(FAIR)
    policy["checks"][0]["min_group_share"] = 0.15  # group c (about 10 % of rows) is left out
    report = evaluate(policy, fair_frame(), resamples=200).to_json()
    c = _group_c(report)
    assert c["excluded"] and c["excluded_reason"].startswith("under")
    path = write(tmp_path, report)
    load_report(path)
    load_report(path, load_any(policy))
    a = next(g for g in report["checks"][0]["groups"] if g["group"] == {"g": "a"})
    a.update(excluded=True, excluded_reason=c["excluded_reason"])  # 45 % of rows: no ground
    with pytest.raises(InputError, match=r"does not hold under min_group_share 0\.15 of its"):
        load_report(write(tmp_path, report), load_any(policy))
