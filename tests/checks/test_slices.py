"""`type: slices` through the real evaluation (gate.evaluate on frames and models built here):
weak slices found and named, the verdict, predictions-only runs, regression, the row sample,
the errors a policy or a run can make, and the reports' table."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import ROOT
from jsonschema import Draft202012Validator

from gate import evaluate
from gate.errors import InputError, PolicyError
from gate.policy.loader import load_policy
from gate.report import html_report, markdown

REPORT_SCHEMA = json.loads((ROOT / "gate/schemas/report.schema.json").read_text())
FEATURES = ["age", "income", "sex", "region"]


def people(n: int = 6000, seed: int = 0, weak: float = 0.6, base: float = 0.92) -> pd.DataFrame:
    """Labels, and predictions right with probability `base` except `weak` in the slice
    sex=F & region=N; `score` is a score column giving the same decisions at 0.5."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n),
            "income": rng.lognormal(10, 1, n).round(2),
            "sex": rng.choice(["F", "M"], n),
            "region": rng.choice(["N", "S", "E", "W"], n),
        }
    )
    y = rng.integers(0, 2, n)
    inside = ((frame.sex == "F") & (frame.region == "N")).to_numpy()
    right = rng.uniform(size=n) < np.where(inside, weak, base)
    frame["y"] = y
    frame["pred"] = np.where(right, y, 1 - y)
    frame["score"] = np.where(frame["pred"] == 1, 0.75, 0.25)
    return frame


def policy(check: dict, **data) -> dict:
    binding = {"label": "y", "prediction": "pred", "features": FEATURES} | data
    binding = {k: v for k, v in binding.items() if v is not None}
    base = {"id": "slices", "type": "slices", "metric": "accuracy", "min": 0.8}
    merged = {k: v for k, v in (base | check).items() if v is not None}
    return {"version": 1, "data": binding, "checks": [merged]}


def test_a_planted_weak_slice_fails_the_check_named_with_its_numbers():
    result = evaluate(policy({}), people())
    check = result.check("slices")
    assert check.status.value == "fail"
    worst = check.slices[0]
    assert worst["slice"] == {"sex": "F", "region": "N"}
    assert "weakest: sex=F & region=N: " in check.message
    assert check.value == worst["value"] < 0.8
    assert f"of {check.sample['slices_tested']} slices" in check.message
    # 5 + 5 + 2 + 4 one-feature slices and 25 + 10 + 20 + 10 + 20 + 8 pairs, all of 100 rows,
    # the finer quantile bins of age and income (10, 20, 40: 132 of at least 100 rows), and
    # the ages of at least 100 rows, each a bin of its own (26; 16 not already a quantile bin)
    drawn = {"rows": 6000, "of": 6000, "seed": 0}
    searched = [
        {"feature": "age", "kind": "numeric", "quantile_bins": [5, 10, 20, 40], "pairs_on": 5}
        | {"value_bins": {"bins": 26, "values": 62}},
        {"feature": "income", "kind": "numeric", "quantile_bins": [5, 10, 20, 40], "pairs_on": 5},
        {"feature": "sex", "kind": "categorical", "own_slices": 2},
        {"feature": "region", "kind": "categorical", "own_slices": 4},
    ]
    tested = {"slices_tested": 109 + 132 + 16, "slices_reported": 2, "searched": searched}
    assert check.sample == drawn | tested
    assert check.message.endswith(
        "; searched: age in 5/10/20/40 quantile bins, 26 bins of one value over 62 values "
        "(pairs on 5); income in 5/10/20/40 "
        "quantile bins (pairs on 5); sex: 2 value(s) on their own; region: 4 value(s) on their own"
    )
    Draft202012Validator(REPORT_SCHEMA).validate(result.to_json())


def test_no_weak_slice_passes_and_says_what_was_tested():
    result = evaluate(policy({}), people(weak=0.92))
    check = result.check("slices")
    assert check.status.value == "pass", check.message
    assert check.slices == () and check.value is None
    assert check.message.startswith("no slice has accuracy below min 0.8 at FDR 0.05 (")
    assert "slices of at least 100 rows over 4 feature(s), depth 2" in check.message


def test_a_predictions_only_run_reads_the_score_column_at_the_threshold():
    frame = people()
    result = evaluate(policy({}, prediction=None, score="score", threshold=0.5), frame)
    same = evaluate(policy({}), frame)
    assert result.check("slices").slices == same.check("slices").slices
    assert result.check("slices").slices[0]["slice"] == {"sex": "F", "region": "N"}


def test_the_model_is_called_on_the_sampled_rows():
    from sklearn.tree import DecisionTreeClassifier

    frame = people(4000)
    frame["sex_f"] = (frame.sex == "F").astype(int)
    frame["north"] = (frame.region == "N").astype(int)
    inputs = ["age", "sex_f", "north"]
    # a model that learnt the label except in one corner: wrong where sex_f & north
    target = np.where((frame.sex_f == 1) & (frame.north == 1), 1 - frame["y"], frame["y"])
    frame["noise"] = frame["y"]
    model = DecisionTreeClassifier(random_state=0).fit(frame[[*inputs, "noise"]], target)
    data = {"prediction": None, "features": None}
    check = {"features": ["sex", "region", "age"], "sample_rows": 3000}
    result = evaluate(policy(check, **data), frame, model=model).check("slices")
    assert result.slices[0]["slice"] == {"sex": "F", "region": "N"}
    assert result.slices[0]["value"] == 0.0
    assert result.sample["rows"] == 3000 and result.sample["of"] == 4000


def test_the_model_is_called_once_on_the_probed_rows():
    calls: list[int] = []

    class Recorded:  # a scikit-learn-style classifier that records the rows it is given
        classes_ = np.array([0, 1])
        feature_names_in_ = np.array(["age", "income"])

        def predict_proba(self, X):
            calls.append(len(X))
            p = (np.asarray(X["age"]) > 40).astype(float) * 0.8 + 0.1
            return np.column_stack([1 - p, p])

        def predict(self, X):
            return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    frame = people(3000)
    check = {"sample_rows": 1234, "features": ["sex", "region"]}
    evaluate(policy(check, prediction=None, features=None), frame, model=Recorded())
    assert calls.count(1234) == 1  # the pass predicted on the data's batches, the check once


def test_sample_rows_are_drawn_with_the_seed_and_the_check_id():
    frame = people()
    check = {"sample_rows": 2500, "min_size": 50}
    twice = [evaluate(policy(check), frame, seed=7).check("slices") for _ in range(2)]
    assert twice[0].slices == twice[1].slices and twice[0].message == twice[1].message
    other = evaluate(policy(check | {"id": "other"}), frame, seed=7).check("other")
    assert other.message != twice[0].message  # another check draws other rows
    drawn = {k: twice[0].sample[k] for k in ("rows", "of", "seed", "slices_tested")}
    assert drawn == {"rows": 2500, "of": 6000, "seed": 7, "slices_tested": 233}


def test_max_gap_judges_each_slice_against_the_overall_value():
    frame = people(weak=0.75, base=0.85)
    check = {"min": None, "max_gap": 0.05, "depth": 1}
    result = evaluate(policy(check), frame).check("slices")
    overall = (frame.y == frame.pred).mean()
    assert f"worse than overall {round(overall, 4)} by more than max_gap 0.05" in result.message
    assert result.threshold == {"max_gap": 0.05}
    assert all(s["value"] < overall - 0.05 for s in result.slices)


def test_false_positive_rate_is_a_share_of_the_negatives():
    frame = people(weak=0.5)
    check = {"metric": "false_positive_rate", "min": None, "max": 0.2}
    result = evaluate(policy(check), frame).check("slices")
    worst = result.slices[0]
    inside = frame[(frame.sex == "F") & (frame.region == "N")]
    negatives = inside[inside.y == 0]
    assert worst["slice"] == {"sex": "F", "region": "N"}
    assert (worst["n"], worst["support"]) == (len(inside), len(negatives))
    assert worst["value"] == pytest.approx((negatives.pred == 1).mean())


def regression_frame(n: int = 5000) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"x": rng.normal(size=n), "zone": rng.choice(["a", "b", "c"], n)})
    frame["target"] = 3 * frame["x"] + rng.normal(scale=0.5, size=n)
    noise = np.where((frame.zone == "c") & (frame.x > 0.8), 2.0, 0.5)
    frame["predicted"] = frame["target"] + rng.normal(scale=noise)
    return frame


@pytest.mark.parametrize("metric", ["mae", "rmse"])
def test_regression_errors_find_the_slice_where_the_model_is_worst(metric):
    frame = regression_frame()
    data = {"label": "target", "prediction": "predicted", "features": ["x", "zone"]}
    check = {"id": "s", "type": "slices", "metric": metric, "max": 0.8}
    p = {"version": 1, "data": data, "checks": [check]}
    result = evaluate(p, frame).check("s")
    worst = result.slices[0]
    edge, top = np.quantile(frame.x, 0.8), frame.x.max()  # the top one of 5 quantile bins
    assert worst["slice"] == {"x": f"[{edge:.6g}, {top:.6g}]", "zone": "c"}
    inside = frame[(frame.zone == "c") & (frame.x >= edge)]
    errors = (inside.target - inside.predicted).abs()
    expected = errors.mean() if metric == "mae" else np.sqrt((errors**2).mean())
    assert worst["value"] == pytest.approx(expected, rel=1e-9)
    assert worst["ci"][0] < worst["value"] < worst["ci"][1]


def test_weighted_rows_are_refused_naming_the_weight_column():
    """review13b #18: at load, not as a check error after the pass."""
    from gate.errors import PolicyError

    frame = people()
    frame["w"] = 1.0
    with pytest.raises(PolicyError, match=r"a slices check counts rows .* by column 'w'"):
        evaluate(policy({}, weight="w"), frame)


def test_columns_to_slice_on_must_be_known():
    result = evaluate(policy({}, features=None), people(2000)).check("slices")
    assert result.status.value == "error"
    assert "name them with 'features:' in the check, or data.features" in result.message


def test_a_column_to_slice_on_the_data_lacks_is_an_input_error_naming_key_and_column():
    """review13 #10: the same typo is exit 2 in every check type (as a sensitive column)."""
    with pytest.raises(InputError) as caught:
        evaluate(policy({"features": ["age", "regoin"]}), people(2000))
    assert str(caught.value) == (
        "<policy dict> checks[0]: check 'slices' (slices) 'features' names column 'regoin', "
        "which data <pandas.DataFrame> lacks (did you mean 'region'?)"
    )


def test_too_few_rows_for_any_slice_is_inconclusive():
    result = evaluate(policy({"min_size": 5000}), people(2000)).check("slices")
    assert result.status.value == "inconclusive"
    assert "no slice could be tested" in result.message


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(textwrap.dedent(text).lstrip())
    return path


@pytest.mark.parametrize(
    ("lines", "where", "message"),
    [
        ("metric: roc_auc\nmin: 0.7", "5:13", "'roc_auc' is not a slice metric"),
        ("metric: accuracy\nmax: 0.3", "6:5", "lower accuracy is worse, so a weak slice is"),
        ("metric: mae\nmin: 0.3", "6:5", "higher mae is worse, so a weak slice is judged on"),
        ("metric: accuracy\nmin: 1.2", "6:10", "'min' must lie strictly between 0 and 1"),
        ("metric: accuracy\nmin: 0.7\nmax_gap: 0.1", "3:5", "gives min and max_gap: give one"),
        ("metric: recall", "3:5", "has no condition: give one of 'min', 'max' or 'max_gap'"),
        ("metric: selection_rate\nmax_gap: 0.1", "6:5", "selection_rate has no worse side"),
        ("metric: accuracy\nmin: 0.7\ndepth: 3", "7:12", "3 is not a known value (one of: 1, 2)"),
        ("metric: accuracy\nmin: 0.7\nfdr: 1.5", "7:10", "fdr"),
    ],
)
def test_policy_errors_name_the_file_line_and_column(tmp_path, lines, where, message):
    body = "version: 1\nchecks:\n  - id: s\n    type: slices\n"
    body += "".join(f"    {line}\n" for line in lines.splitlines())
    path = write(tmp_path, body)
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    shown = [f"{loc}: {text}" for loc, text in caught.value.problems]
    assert any(s.startswith(f"{path}:{where}: ") and message in s for s in shown), shown


def test_reports_show_the_weak_slices_table_escaped():
    frame = people()
    frame["region"] = frame["region"].replace({"N": "<b>N|orth</b>"})
    evaluation = evaluate(policy({}), frame).evaluation
    md = markdown.render(evaluation)
    assert "| Slice | Rows | Value [95% interval] | p-value | q-value (BH) |" in md
    assert "\n| sex=F &amp; region=&lt;b&gt;N\\|orth&lt;/b&gt; | " in md
    assert "<b>N" not in md
    assert "| `slices` | accuracy (weakest slice) | 0.6052 | ≥ 0.8 |" in md
    assert "\n2 of 2 reported slice(s) shown, weakest first; 257 slices tested on 6000 rows" in md
    assert "searched: age in 5/10/20/40 quantile bins, 26 bins of one value over 62 values" in md
    page = html_report.render(evaluation)
    assert "<h4>Weak slices</h4>" in page
    assert "sex=F &amp; region=&lt;b&gt;N|orth&lt;/b&gt;" in page


@pytest.mark.parametrize(
    ("before", "after", "kind"),
    [
        ("min_size: 100", "min_size: 500", "loosened"),
        ("fdr: 0.05", "fdr: 0.1", "tightened"),
        ("max_gap: 0.05", "max_gap: 0.1", "loosened"),
        ("max_gap: 0.05\n    depth: 2", "max_gap: 0.05\n    depth: 1", "loosened"),
    ],
)
def test_a_policy_change_that_loosens_a_slices_check_is_caught(tmp_path, before, after, kind):
    from gate.policy.diff import policy_changes

    head = "version: 1\nchecks:\n  - id: s\n    type: slices\n    metric: accuracy\n"
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(head + ("    min: 0.7\n" if "max_gap" not in before else "") + f"    {before}\n")
    new.write_text(head + ("    min: 0.7\n" if "max_gap" not in after else "") + f"    {after}\n")
    found = policy_changes(load_policy(old), load_policy(new))
    assert [c.kind for c in found] == [kind], found


@pytest.mark.parametrize("weak", [0.6, 0.92])  # a failing and a passing check
@pytest.mark.parametrize("condition", [{}, {"min": None, "max_gap": 0.05}])
def test_a_slices_report_is_read_back_consistent_and_pinned_to_its_policy(
    tmp_path, weak, condition
):
    from gate.report.from_json import load_report

    doc = policy(condition)
    result = evaluate(doc, people(weak=weak))
    (tmp_path / "report.json").write_text(json.dumps(result.to_json()))
    (tmp_path / "p.json").write_text(json.dumps(doc))
    back = load_report(tmp_path / "report.json", load_policy(tmp_path / "p.json"))
    assert back.decision.results[0].status is result.checks[0].status
    assert back.decision.results[0].threshold == result.checks[0].threshold


def test_a_passing_slices_report_that_lists_a_weak_slice_is_refused(tmp_path):
    from gate.errors import InputError
    from gate.report.from_json import load_report

    report = evaluate(policy({}), people()).to_json()
    check = report["checks"][0]
    check["status"], report["decision"], report["exit_code"] = "pass", "approve", 0
    report["summary"] = {"pass": 1}
    (tmp_path / "report.json").write_text(json.dumps(report))
    with pytest.raises(InputError, match="this check passes only when it reports none"):
        load_report(tmp_path / "report.json")


def test_a_weak_category_outside_the_most_frequent_fails_and_the_search_is_stated():
    """review13 #18: 20 states, the 13th most frequent weak; its 900 rows are tested on their
    own at the default bins, and the message says what was searched."""
    rng = np.random.default_rng(0)
    n = 20000
    p = np.linspace(2, 1, 20)
    frame = pd.DataFrame({"state": rng.choice([f"s{i:02d}" for i in range(20)], n, p=p / p.sum())})
    frame.loc[:40, "state"] = "rare"  # 41 rows: fewer than min_size, pooled as other
    frame["y"] = rng.integers(0, 2, n)
    right = rng.uniform(size=n) < np.where(frame.state == "s12", 0.45, 0.85)
    frame["pred"] = np.where(right, frame.y, 1 - frame.y)
    check = evaluate(policy({"min": 0.7, "features": ["state"]}), frame).check("slices")
    assert check.status.value == "fail"
    assert [s["slice"] for s in check.slices] == [{"state": "s12"}]
    pooled = {"as": "other", "values": 1, "rows": 41, "listed": ["rare"]}
    assert check.sample["searched"] == [
        {"feature": "state", "kind": "categorical", "own_slices": 20, "pooled": pooled}
    ]
    said = "state: 20 value(s) on their own, 1 value(s) of fewer rows (41 rows) pooled as 'other'"
    assert said in check.message


def test_the_missing_bin_is_named_apart_from_a_category_named_missing():
    frame = people(weak=0.92)
    frame["cat"] = np.where(np.arange(len(frame)) % 3 == 0, "missing", "a")
    frame.loc[frame.index % 5 == 0, "cat"] = None
    frame.loc[frame.cat.isna(), "pred"] = 1 - frame.loc[frame.cat.isna(), "y"]  # all wrong
    check = evaluate(policy({"features": ["cat"], "depth": 1}), frame).check("slices")
    assert [s["slice"] for s in check.slices] == [{"cat": "missing (no value)"}]
    assert check.sample["searched"][0]["missing_as"] == "missing (no value)"


def test_epoch_seconds_are_searched_like_small_numbers_and_report_json_states_exact_edges(
    tmp_path,
):
    """review13b #2 through the API: a weak top 4 % of epoch seconds fails the check, its
    name tells it from its neighbours, and report.json states its edges unrounded (report
    numbers are otherwise at 12 significant digits) and is read back."""
    from gate.report.from_json import load_report

    rng = np.random.default_rng(0)
    n = 20000
    frame = pd.DataFrame({"ts": 1_700_000_000 + rng.uniform(0, 1000, n)})
    frame["y"] = rng.integers(0, 2, n)
    weak = (frame.ts > 1_700_000_960).to_numpy()
    right = rng.uniform(size=n) < np.where(weak, 0.4, 0.85)
    frame["pred"] = np.where(right, frame.y, 1 - frame.y)
    doc = policy({"features": ["ts"], "depth": 1, "min": 0.7}, features=None)
    result = evaluate(doc, frame)
    check = result.check("slices")
    assert check.status.value == "fail"
    assert check.sample["searched"][0]["quantile_bins"] == [5, 10, 20, 40, 80, 160]
    report = result.to_json()
    Draft202012Validator(REPORT_SCHEMA).validate(report)
    stated = report["checks"][0]["slices"][0]
    assert stated["bounds"] == check.slices[0]["bounds"]  # not rounded to 12 digits
    assert stated["bounds"]["ts"]["from"] != float(f"{stated['bounds']['ts']['from']:.12g}")
    edges = stated["bounds"]["ts"]
    below = frame.ts <= edges["to"] if edges["to_included"] else frame.ts < edges["to"]
    assert stated["n"] == int(((frame.ts >= edges["from"]) & below).sum())  # the edges hold
    (tmp_path / "report.json").write_text(json.dumps(report))
    back = load_report(tmp_path / "report.json")
    assert back.decision.results[0].slices[0]["bounds"] == stated["bounds"]
