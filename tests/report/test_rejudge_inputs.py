"""Re-judging refuses a report that lacks what its checks must report, or skips what the model's
inputs contradict: report.json states each model's input columns (inputs.model.features,
numeric_features) and from them and the check's options (trusted policy, else the report's own
spec) every probe a robustness check makes is required (review13b #3), a counterfactual's groups
must add up to it, a skip whose reason the inputs contradict is refused (review13b #8), and a
fairness check's groups must hold its n (review12e #1). comment --policy accepts a genuine
analyze report and still refuses an override of the policy's binding (review12e #3)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from canary_data import analyze, write_canary
from helpers import run_cli
from sklearn.linear_model import LogisticRegression

from gate import evaluate
from gate.errors import InputError
from gate.inputs.policy_dict import load_any
from gate.policy.robustness_options import RobustnessOptions
from gate.report.from_json import load_report
from gate.report.stated_inputs import StatedInputs, skip_problem
from gate.results import CheckResult, Severity, Status

INPUTS = ["x1", "x2", "x3", "sex"]
POLICY = {
    "version": 1,
    "data": {"label": "y", "sensitive": ["sex"]},
    "checks": [
        {
            "id": "noise",
            "type": "robustness",
            "features": {"x1": {"noise": {"absolute": 2.0}}, "x2": {"noise": {"absolute": 1e-3}}},
            "max_flip_rate": 0.01,
        },
        {"id": "dnoise", "type": "robustness", "noise": {"std": 0.2}, "max_flip_rate": 0.01},
        {"id": "cf", "type": "robustness", "counterfactual": ["sex"], "max_flip_rate": 0.01},
        {
            "id": "cf-region",
            "type": "robustness",
            "counterfactual": ["region"],
            "noise": "none",
            "max_flip_rate": 0.01,
        },
        {"id": "imp", "type": "importance", "max_rank": 1},
        {"id": "auc", "type": "performance", "metric": "roc_auc", "min": 0.5},
    ],
}


@pytest.fixture(scope="module")
def report() -> dict:
    rng = np.random.default_rng(5)
    n = 1200
    data = pd.DataFrame({f"x{i}": rng.normal(size=n) for i in (1, 2, 3)})
    data["sex"] = rng.integers(0, 2, n)
    data["region"] = rng.choice(["n", "s"], n)
    logit = 4 * data["sex"] - 2 + 2 * data["x1"] + 0.3 * data["x2"]
    data["y"] = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    model = LogisticRegression().fit(data[INPUTS], data["y"])
    return evaluate(POLICY, data, model=model, resamples=100).to_json()


def write(tmp_path: Path, report: dict) -> Path:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))
    return path


def check(report: dict, check_id: str) -> dict:
    return next(c for c in report["checks"] if c["id"] == check_id)


def approved(report: dict, check_id: str, status: str = "pass") -> dict:
    """`check_id` relabelled `status`, the summary, decision and exit code made to match."""
    out = copy.deepcopy(report)
    c = check(out, check_id)
    out["summary"][c["status"]] -= 1
    out["summary"][status] += 1
    c["status"] = status
    return out


def refused(tmp_path: Path, report: dict, match: str, pinned: bool) -> None:
    with pytest.raises(InputError, match=match):
        load_report(write(tmp_path, report), load_any(POLICY) if pinned else None)


def test_the_report_states_the_model_inputs_and_genuine_reports_are_accepted(report, tmp_path):
    assert report["inputs"]["model"]["features"] == INPUTS
    assert report["inputs"]["model"]["numeric_features"] == INPUTS
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert statuses == {
        "noise": "fail",
        "dnoise": "fail",
        "cf": "fail",
        "cf-region": "skipped",
        "imp": "fail",  # sex (coefficient 4, against x1's 2) ranks first per changed row
        "auc": "pass",
    }
    for pinned in (False, True):
        loaded = load_report(write(tmp_path, report), load_any(POLICY) if pinned else None)
        assert loaded.decision.verdict.value == "block"


def _dropped(report: dict, check_id: str) -> dict:
    """review13b #3: the probes that did not pass deleted, the check's value the largest flip
    rate left, status pass."""
    out = approved(report, check_id)
    c = check(out, check_id)
    c["perturbations"] = [e for e in c["perturbations"] if e.get("status") == "pass"]
    assert c["perturbations"], "the fixture has a passing probe to keep"
    c["value"] = max(e["flip_rate"] for e in c["perturbations"])
    return out


@pytest.mark.parametrize("pinned", [False, True])
def test_deleted_declared_noise_probes_are_refused(report, tmp_path, pinned):
    forged = _dropped(report, "noise")
    assert {e["feature"] for e in check(forged, "noise")["perturbations"]} == {"x2"}
    refused(tmp_path, forged, r"check 'noise' says pass.*no noise probe of 'x1'", pinned)


@pytest.mark.parametrize("pinned", [False, True])
def test_deleted_default_noise_probes_are_refused(report, tmp_path, pinned):
    """The default noise probes every numeric input the report states (but the protected
    sex), and all at once: deleting the ones that did not pass is refused."""
    forged = _dropped(report, "dnoise")
    assert {e["feature"] for e in check(forged, "dnoise")["perturbations"]} == {"x3"}
    refused(tmp_path, forged, r"check 'dnoise' says pass.*no noise probe of", pinned)


def test_a_deleted_joint_probe_is_refused(report, tmp_path):
    forged = approved(report, "noise")
    c = check(forged, "noise")
    c["perturbations"] = [
        {**e, "status": "pass"} for e in c["perturbations"] if e["feature"] != "*"
    ]
    x1 = next(e for e in c["perturbations"] if e["feature"] == "x1")
    x1.update(flips=0, flip_rate=0.0, ci=[0.0, 0.001])
    c["value"] = 0.0
    refused(tmp_path, forged, r"no noise probe of every perturbed input at once", True)


@pytest.mark.parametrize("pinned", [False, True])
def test_a_deleted_counterfactual_group_is_refused(report, tmp_path, pinned):
    forged = approved(report, "cf")
    c = check(forged, "cf")
    entry = c["perturbations"][0]
    worst = max(entry["groups"], key=lambda g: g["flips"])
    entry["groups"] = [g for g in entry["groups"] if g is not worst]
    c["groups"] = [g for g in c["groups"] if g["group"]["sex"] != worst["value"]]
    c["value"] = max(g["value"] for g in c["groups"])
    refused(tmp_path, forged, r"check 'cf' says pass.*lists values", pinned)


def _skipped_like_genuine(report: dict, check_id: str) -> dict:
    """review13b #8: the failing check replaced by a genuine skipped check's fields."""
    out = approved(report, check_id, "skipped")
    genuine = check(report, "cf-region")
    c = check(out, check_id)
    for key in ("groups", "perturbations", "value", "ci", "n", "confidence", "metric"):
        c.pop(key, None)
    c.update(threshold={}, message=genuine["message"].replace("region", "sex"))
    return out


@pytest.mark.parametrize("pinned", [False, True])
def test_a_counterfactual_skipped_though_the_model_takes_the_attribute_is_refused(
    report, tmp_path, pinned
):
    forged = _skipped_like_genuine(report, "cf")
    refused(
        tmp_path, forged, r"check 'cf' says skipped.*inputs.model.features\) include sex", pinned
    )


@pytest.mark.parametrize("pinned", [False, True])
def test_a_skipped_counterfactual_probe_of_an_input_is_refused(report, tmp_path, pinned):
    forged = approved(report, "cf")
    c = check(forged, "cf")
    entry = c["perturbations"][0]
    c["perturbations"] = [
        {
            **{k: entry[k] for k in ("probe", "feature")},
            "rows": 0,
            "status": "skipped",
            "reason": "not an input",
        }
    ]
    c["perturbations"].append({**check(report, "noise")["perturbations"][1], "status": "pass"})
    c["groups"], c["value"] = [], 0.0
    refused(tmp_path, forged, r"counterfactual of 'sex' is marked skipped", pinned)


def test_a_skip_in_a_report_that_states_no_model_inputs_is_refused(report, tmp_path):
    """A report without inputs.model.features (older, or forged) cannot show that the model
    takes none of a counterfactual's attributes."""
    out = copy.deepcopy(report)
    del out["inputs"]["model"]["features"]
    refused(tmp_path, out, r"check 'cf-region' says skipped.*states no model inputs", False)


@pytest.mark.parametrize("pinned", [False, True])
def test_an_importance_row_marked_not_an_input_for_an_input_is_refused(report, tmp_path, pinned):
    forged = approved(report, "imp")
    c = check(forged, "imp")
    sex = next(f for f in c["features"] if f["feature"] == "sex")
    sex.update(input=False, rank=None, rank_ci=None, share=0.0, share_ci=[0.0, 0.0])
    refused(tmp_path, forged, r"check 'imp' says pass.*row 'sex' says not a model input", pinned)


def test_an_importance_baseline_skip_with_a_baseline_model_given_is_refused():
    r = CheckResult("imp", "importance", Status.SKIPPED, Severity.BLOCK, "no baseline")
    assert skip_problem(r, None, StatedInputs(has_baseline=False)) is None
    assert "states one was given" in skip_problem(r, None, StatedInputs(has_baseline=True))


@pytest.mark.parametrize(
    ("features", "encoded", "proxies", "problem"),
    [
        (("x1",), (), (), None),  # the model takes nothing of sex: the gate's own skip
        (("x1", "sex"), (), (), "include sex"),
        (("x1", "oh_f"), (("sex", ("oh_f",)),), (), "include oh_f"),
        (("x1", "zip"), (), (("sex", ("zip",)),), "include zip"),
        (("x1",), (), (("sex", ("zip",)),), "declares zip"),
        (("x1", "sex_M"), (), (), "sex_M look like its encoding"),
        (None, (), (), "states no model inputs"),
    ],
)
def test_every_skip_reason_of_a_counterfactual_is_checked_against_the_inputs(
    features, encoded, proxies, problem
):
    """A robustness check is skipped only when the model takes none of its counterfactual
    attributes, their data.encoded columns or declared proxies (else probed, or an error)."""
    opts = RobustnessOptions(noise=None, counterfactual=("sex",), proxies=proxies)
    stated = StatedInputs(features=features, numeric=(), sensitive=("sex",), encoded=encoded)
    r = CheckResult("cf", "robustness", Status.SKIPPED, Severity.BLOCK, "nothing to probe")
    found = skip_problem(r, opts, stated)
    assert found is None if problem is None else problem in found


# review12e #1: a fairness group deleted with the value recomputed from the rest

FAIR = {
    "version": 1,
    "data": {"label": "y", "prediction": "pred", "sensitive": ["g", "h"]},
    "checks": [
        {
            "id": "f",
            "type": "fairness",
            "metric": "true_positive_rate",
            "aggregate": "difference",
            "max": 0.3,
        }
    ],
}


def fair_frame() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 900
    d = pd.DataFrame(
        {
            "g": rng.choice(["a", "b", "c"], n).astype(object),
            "h": rng.choice(["u", "v"], n),
            "y": rng.integers(0, 2, n),
            "w": rng.uniform(0.5, 2.0, n),
        }
    )
    d.loc[:24, "g"] = None
    d["pred"] = np.where(d["g"] == "c", 0, d["y"])  # group c loses all recall
    return d


def _fair(options: dict, data: dict | None = None) -> tuple[dict, dict]:
    policy = copy.deepcopy(FAIR)
    policy["checks"][0].update(options)
    policy["data"].update(data or {})
    return policy, evaluate(policy, fair_frame(), resamples=50).to_json()


@pytest.mark.parametrize(
    ("options", "data"),
    [
        ({}, {}),
        ({"exclude_missing": True}, {}),
        ({"intersectional": True}, {}),
        ({"min_group_size": 100}, {}),
        ({}, {"weight": "w"}),
    ],
    ids=["plain", "exclude_missing", "intersectional", "min_group_size", "weighted"],
)
def test_genuine_fairness_groups_add_up_and_are_accepted(tmp_path, options, data):
    policy, report = _fair(options, data)
    c = report["checks"][0]
    assert c["status"] == "fail" and c["unknown"]["g"] == 25
    for pinned in (None, load_any(policy)):
        assert load_report(write(tmp_path, report), pinned).decision.verdict.value == "block"


def _fair_forged(report: dict, move_to_unknown: bool) -> dict:
    out = copy.deepcopy(report)
    c = out["checks"][0]
    c["groups"] = [g for g in c["groups"] if g["group"].get("g") != "c"]
    kept = [g["value"] for g in c["groups"] if "g" in g["group"] and not g.get("excluded")]
    c["value"] = max(kept) - min(kept)
    if move_to_unknown:
        c["unknown"]["g"] += 300
    c["status"] = "pass"
    out.update(decision="approve", exit_code=0)
    out["summary"] = {k: 0 for k in out["summary"]} | {"pass": 1}
    return out


@pytest.mark.parametrize("move_to_unknown", [False, True])
@pytest.mark.parametrize("pinned", [False, True])
def test_a_deleted_fairness_group_is_refused_as_its_grouping_no_longer_holds_n(
    tmp_path, move_to_unknown, pinned
):
    policy, report = _fair({})
    forged = _fair_forged(report, move_to_unknown)
    with pytest.raises(InputError, match=r"check 'f' says pass.*groups of g hold \d+ rows"):
        load_report(write(tmp_path, forged), load_any(policy) if pinned else None)


def test_unknown_rows_not_in_the_missing_group_are_refused(tmp_path):
    _, report = _fair({})
    out = copy.deepcopy(report)
    out["checks"][0]["unknown"]["g"] = 7
    with pytest.raises(InputError, match=r"counts 7 row\(s\) with 'g' unknown"):
        load_report(write(tmp_path, out))


def test_a_forged_group_waiver_of_the_wrong_shape_is_named(tmp_path):
    _, report = _fair({})
    out = copy.deepcopy(report)
    out["checks"][0]["spec"]["fairness"]["exclude"] = [{"g": "c"}]
    with pytest.raises(InputError, match=r"fairness.exclude .* not a list of \[feature, value\]"):
        load_report(write(tmp_path, out))


# review12e #3: comment --policy on a genuine analyze report


def test_comment_policy_accepts_a_genuine_analyze_report_and_refuses_an_override(tmp_path):
    paths = write_canary(tmp_path)
    out = tmp_path / "out"
    run = analyze(paths, "--output-dir", out, "--resamples", "50")
    assert run.code == 0, run.stderr
    report = out / "report.json"
    assert json.loads(report.read_text())["inputs"]["analysis"] == {"candidate_version": "v2"}
    flags = ("comment", "--platform", "github", "--comment-mode", "off")
    ok = run_cli(*flags, "--policy", paths["policy"], report, env={"GITHUB_TOKEN": ""})
    assert ok.code == 0, ok.stderr
    data = json.loads(report.read_text())
    data["inputs"]["binding"]["score"] = "other_score"  # the policy names data.score
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(data))
    bad = run_cli(*flags, "--policy", paths["policy"], forged, env={"GITHUB_TOKEN": ""})
    assert bad.code == 2 and 'data.score "other_score"' in bad.stderr
