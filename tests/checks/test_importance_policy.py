"""The importance keys: typed options and defaults, every refusal named with file:line, a
loosening caught by the policy diff, and the whole check end to end on files (the real CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from helpers import ROOT, run_cli, write_policy
from sklearn.ensemble import HistGradientBoostingClassifier

from gate.errors import PolicyError
from gate.policy.importance_options import ImportanceOptions
from gate.policy.loader import load_policy
from gate.report.from_json import load_report


def problems(path: Path) -> list[str]:
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    return [f"{loc}: {msg}" for loc, msg in info.value.problems]


def policy(tmp_path: Path, check: str, name: str = "p.yaml") -> Path:
    body = f"version: 1\ndata: {{label: y, sensitive: [sex]}}\nchecks:\n  - {check}\n"
    return write_policy(tmp_path / name, body)


def test_defaults_and_typed_options(tmp_path: Path):
    spec = load_policy(policy(tmp_path, "{id: i, type: importance, max_rank: 3}")).checks[0]
    assert spec.importance == ImportanceOptions(max_rank=3)
    assert (spec.importance.method, spec.importance.repeats) == ("permutation", 5)
    assert spec.importance.sample_rows == 5000 and spec.confidence == 0.95
    full = (
        "{id: i, type: importance, method: permutation, metric: average_precision,"
        " protected: [sex, age], proxies: [zip], max_rank: 4, max_share: 0.1, repeats: 3,"
        " sample_rows: 800, confidence: 0.9,"
        " baseline: {min_rank_correlation: 0.7, max_share_change: 0.2}}"
    )
    spec = load_policy(policy(tmp_path, full)).checks[0]
    skip = "{id: i, type: importance, baseline: {max_share_change: 0.1, when_missing: skip}}"
    assert load_policy(policy(tmp_path, skip, "s.yaml")).checks[0].importance.when_missing == "skip"
    assert spec.importance == ImportanceOptions(
        method="permutation",
        protected=("sex", "age"),
        proxies=("zip",),
        max_rank=4,
        max_share=0.1,
        repeats=3,
        sample_rows=800,
        min_rank_correlation=0.7,
        max_share_change=0.2,
    )
    assert spec.metric == "average_precision" and spec.confidence == 0.9
    assert spec.baseline is None  # not a metric's drop: pinning and analyze judge those
    assert spec.importance.columns == ("sex", "age", "zip")


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        ("{id: i, type: importance, max_rank: 0}", "p.yaml:4:41: checks[0].max_rank: 0 is less"),
        ("{id: i, type: importance, max_share: 1.5}", "p.yaml:4:42: checks[0].max_share: 1.5"),
        ("{id: i, type: importance, max_share: 0}", "p.yaml:4:42: checks[0].max_share: 0 is"),
        ("{id: i, type: importance, max_rank: 2, top_k: 3}", "p.yaml:4:44: check 'i': unknown"),
        ("{id: i, type: importance, max_rank: 2, method: lime}", "p.yaml:4:52: checks[0].method"),
        ("{id: i, type: importance}", "p.yaml:4:5: check 'i' has no condition"),
        ("{id: i, type: importance, baseline: {when_missing: skip}}", "p.yaml:4:31: check 'i': an"),
        ("{id: i, type: importance, max_rank: 2, method: shap, repeats: 3}", "p.yaml:4:58: "),
    ],
)
def test_refusals_name_file_line_and_column(tmp_path: Path, check: str, expected: str):
    found = problems(policy(tmp_path, check))
    assert any(expected in p for p in found), found
    assert all(p.startswith(str(tmp_path / "p.yaml")) for p in found), found


def test_unknown_key_gets_a_did_you_mean(tmp_path: Path):
    found = problems(policy(tmp_path, "{id: i, type: importance, max_rnk: 2}"))
    assert any("max_rnk" in p and "max_rank" in p for p in found), found


def test_validate_reports_them_with_exit_2(tmp_path: Path):
    path = policy(tmp_path, "{id: i, type: importance, max_rank: 0, max_share: 2}")
    run = run_cli("validate", path)
    assert run.code == 2
    assert "p.yaml:4:" in run.stderr + run.stdout and "max_rank" in run.stderr + run.stdout


def test_a_loosened_importance_check_is_a_policy_change(tmp_path: Path):
    from gate.policy.diff import policy_changes

    base = load_policy(policy(tmp_path, "{id: i, type: importance, max_rank: 5}", "a.yaml"))
    for change, kind in (
        ("max_rank: 3", "loosened"),
        ("max_rank: 8", "tightened"),
        ("max_rank: 5, max_share: 0.1", "tightened"),
        ("max_rank: 5, sample_rows: 20000", "loosened"),  # other rows: any change may loosen
        ("max_rank: 5, method: shap", "loosened"),
        ("max_rank: 5, measure: metric", "loosened"),  # the metric drop misses reliance
        ("max_rank: 5, measure: reliance", None),  # the default, written out
        ("max_rank: 5, baseline: {min_rank_correlation: 0.8}", "tightened"),
    ):
        new = load_policy(policy(tmp_path, f"{{id: i, type: importance, {change}}}", "b.yaml"))
        kinds = {c.kind for c in policy_changes(base, new)}
        assert kinds == ({kind} if kind else set()), (change, kinds)


TREES = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"  # HistGradientBoosting
ONE_THREAD = {"OMP_NUM_THREADS": "1"}  # OpenMP threads spin on a loaded test machine


def frames(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(n, 3)), columns=["x1", "x2", "x3"])
    frame["sex"] = rng.integers(0, 2, n)
    logit = frame["x1"] + 4 * frame["sex"] - 2
    frame["y"] = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    return frame


def test_end_to_end_on_files(tmp_path: Path):
    frame = frames(800, 0)
    inputs = ["x1", "x2", "x3", "sex"]
    model = HistGradientBoostingClassifier(max_iter=15, random_state=0).fit(frame[inputs], frame.y)
    sio.dump(model, tmp_path / "m.skops")
    frame.to_csv(tmp_path / "d.csv", index=False)
    body = "{id: reliance, type: importance, max_rank: 2, sample_rows: 500, metric: roc_auc}"
    path = policy(tmp_path, body)  # metric: pinned against sample.metric, the value is a rank
    out = tmp_path / "out"
    run = run_cli(
        "check", "--policy", path, "--model", tmp_path / "m.skops", "--data", tmp_path / "d.csv",
        "--output-dir", out, "--format", "markdown", "--format", "html", "--resamples", "100",
        "--trust-type", TREES, env=ONE_THREAD,
    )  # fmt: skip
    assert run.code == 1, run.stderr
    report = json.loads((out / "report.json").read_text())
    schema = json.loads((ROOT / "gate" / "schemas" / "report.schema.json").read_text())
    jsonschema.validate(report, schema)
    check = next(c for c in report["checks"] if c["id"] == "reliance")
    assert check["status"] == "fail" and "sex (protected) ranks 1 of 4" in check["message"]
    assert check["sample"]["rows"] == 500 and check["sample"]["of"] == 800
    assert check["features"][0]["feature"] == "sex"
    md = (out / "report.md").read_text()
    head = "| Rank | Feature | Importance (reliance) [interval] | Share [interval] | Role |"
    assert head + " Metric drop |" in md
    assert "| 1 | sex |" in md and "protected" in md
    html = (out / "report.html").read_text()
    assert "<h4>Feature importance</h4>" in html and "reliance: feature importance" in html
    again = run_cli(
        "check", "--policy", path, "--model", tmp_path / "m.skops", "--data", tmp_path / "d.csv",
        "--output-dir", tmp_path / "again", "--resamples", "100", "--trust-type", TREES,
        env=ONE_THREAD,
    )  # fmt: skip
    rerun = json.loads((tmp_path / "again" / "report.json").read_text())
    assert next(c for c in rerun["checks"] if c["id"] == "reliance") == check  # deterministic
    assert again.code == 1
    pinned = load_report(out / "report.json", load_policy(path))  # comment --policy P
    assert pinned.decision.exit_code == 1


def test_shap_without_the_extra_exits_2_with_the_install_command(tmp_path: Path):
    frame = frames(300, 1)
    inputs = ["x1", "x2", "x3", "sex"]
    model = HistGradientBoostingClassifier(max_iter=5).fit(frame[inputs], frame.y)
    sio.dump(model, tmp_path / "m.skops")
    frame.to_csv(tmp_path / "d.csv", index=False)
    blocked = tmp_path / "no_shap" / "shap"
    blocked.mkdir(parents=True)
    (blocked / "__init__.py").write_text("raise ImportError('No module named shap')\n")
    path = policy(tmp_path, "{id: reliance, type: importance, method: shap, max_rank: 2}")
    run = run_cli(
        "check", "--policy", path, "--model", tmp_path / "m.skops", "--data", tmp_path / "d.csv",
        "--trust-type", TREES, env={"PYTHONPATH": f"{ROOT}:{blocked.parent}", **ONE_THREAD},
    )  # fmt: skip
    assert run.code == 2, run.stderr
    assert "pip install 'model-gate[shap]'" in run.stderr


def test_measure_and_data_encoded_are_read_and_their_slips_named_with_file_and_line(
    tmp_path: Path,
):
    """#1 / #2: `measure:` (default reliance), data.encoded as attribute -> its columns."""
    body = (
        "version: 1\ndata:\n  label: y\n  sensitive: [sex]\n"
        "  encoded: {sex: [sex_F, sex_M]}\nchecks:\n"
        "  - {id: i, type: importance, max_rank: 3, measure: metric}\n"
    )
    loaded = load_policy(write_policy(tmp_path / "ok.yaml", body))
    assert loaded.checks[0].importance.measure == "metric"
    assert loaded.data.encoded == (("sex", ("sex_F", "sex_M")),)
    assert ImportanceOptions().measure == "reliance"
    bad = (
        "version: 1\ndata:\n  label: y\n"
        "  encoded: {sex: [sex_F, sex_M], gender: [sex_M, g_x]}\nchecks:\n"
        "  - {id: i, type: importance, max_rank: 3, method: shap, measure: metric}\n"
        "  - {id: j, type: importance, max_rank: 3, measure: usefulness}\n"
    )
    found = "\n".join(problems(write_policy(tmp_path / "bad.yaml", bad)))
    assert "bad.yaml:4:" in found and "column 'sex_M' is under both 'sex' and 'gender'" in found
    assert "bad.yaml:6:" in found and "'measure' applies to method: permutation" in found
    assert "bad.yaml:7:" in found and "'usefulness' is not a known value" in found
