"""Drift and data quality through the real CLI, on generated data with known shifts: exactly the
shifted columns are flagged, two halves of the same data raise nothing, small samples of noise
are inconclusive, and a saved reference profile gives the same report as the data file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import run_cli, write_policy

DRIFT = """
    version: 1
    name: drift
    data: {label: y, sensitive: [sex]}
    checks:
      - {id: drift, type: drift}
"""
SHIFTED = {"income", "region", "tenure"}  # a numeric shift, a category's share, a missing rate


def frame(n: int, seed: int, shifted: bool) -> pd.DataFrame:
    """Columns of every kind; with `shifted`, income moves by half a standard deviation, region
    'north' rises from 30 % to 60 % of rows, and tenure's missing rate from 1 % to 20 %."""
    rng = np.random.default_rng(seed)
    north = 0.6 if shifted else 0.3
    tenure = rng.integers(0, 40, n).astype(float)
    tenure[rng.random(n) < (0.2 if shifted else 0.01)] = np.nan
    return pd.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "income": rng.normal(50_000 + (5_000 if shifted else 0), 10_000, n),
            "score_a": rng.lognormal(0, 1, n),
            "ratio": rng.random(n),
            "region": rng.choice(["north", "south", "east"], n, p=[north, 0.7 - north / 2 - 0.05,
                                                                   0.3 - north / 2 + 0.05]),
            "sex": rng.choice(["F", "M"], n),
            "plan": rng.choice(["basic", "plus", "pro", "max"], n),
            "tenure": tenure,
            "y": rng.integers(0, 2, n),
        }
    )  # fmt: skip


def run_drift(tmp_path: Path, ref: Path, cur: Path, policy: str = DRIFT, *extra: str) -> dict:
    tmp_path.mkdir(parents=True, exist_ok=True)
    pol = write_policy(tmp_path / "drift.yaml", policy)
    out = tmp_path / "out"
    run = run_cli(
        "check", "--policy", pol, "--data", cur, "--reference", ref, "--output-dir", out, *extra
    )
    assert run.code in (0, 1), run.stderr
    return json.loads((out / "report.json").read_text())


@pytest.fixture(scope="module")
def shifted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("shifted")
    ref, cur = base / "ref.parquet", base / "cur.csv"
    frame(20_000, 1, shifted=False).to_parquet(ref)
    frame(20_000, 2, shifted=True).to_csv(cur, index=False)
    return ref, cur


def test_exactly_the_shifted_columns_drift(tmp_path: Path, shifted: tuple[Path, Path]):
    report = run_drift(tmp_path, *shifted)
    check = report["checks"][0]
    verdicts = {c["column"]: c["status"] for c in check["columns"]}
    assert {c for c, s in verdicts.items() if s == "drifted"} == SHIFTED, verdicts
    assert {c for c, s in verdicts.items() if s != "drifted"} == set(verdicts) - SHIFTED
    assert all(s == "stable" for c, s in verdicts.items() if c not in SHIFTED), verdicts
    assert "y" not in verdicts  # the label is not a feature
    by_name = {c["column"]: c for c in check["columns"]}
    assert by_name["tenure"]["reason"] == "missing share"
    assert by_name["tenure"]["missing"]["current"] == pytest.approx(0.2, abs=0.02)
    assert by_name["income"]["method"] == "wasserstein"
    assert by_name["region"]["method"] == "jensen_shannon"
    assert check["status"] == "fail" and report["exit_code"] == 1
    assert check["value"] == pytest.approx(3 / len(verdicts))
    for name in SHIFTED:
        assert name in check["message"]


def test_p_value_verdict_flags_the_same_columns_with_bh(tmp_path: Path, shifted):
    policy = DRIFT.replace("{id: drift, type: drift}", "{id: drift, type: drift, verdict: p_value}")
    check = run_drift(tmp_path, *shifted, policy=policy)["checks"][0]
    drifted = {c["column"] for c in check["columns"] if c["drifted"]}
    assert drifted == SHIFTED


def test_a_saved_reference_profile_gives_the_same_report(tmp_path: Path, shifted):
    ref, cur = shifted
    pol = write_policy(tmp_path / "drift.yaml", DRIFT)
    saved = tmp_path / "ref.profile"
    made = run_cli("profile", "--policy", pol, "--data", ref, "-o", saved)
    assert made.code == 0, made.stderr
    from_data = run_drift(tmp_path / "a", ref, cur)
    from_profile = run_drift(tmp_path / "b", saved, cur)
    for report in (from_data, from_profile):
        report["checks"][0].pop("location")  # the policy files differ in path only
    assert from_data["checks"] == from_profile["checks"]


def test_small_samples_of_noise_are_inconclusive_not_a_pass(tmp_path: Path):
    """200 rows a side of the same distribution: never a pass (the intervals cannot exclude
    a shift of 0.1), mostly inconclusive; a column is called drifted only when its sample is
    far out (income's means 2.9 standard errors apart in one of these seeds), rarely."""
    verdicts = []
    for seed in (3, 5, 7, 9):
        ref, cur = tmp_path / f"ref{seed}.csv", tmp_path / f"cur{seed}.csv"
        frame(200, seed, shifted=False).to_csv(ref, index=False)
        frame(200, seed + 1, shifted=False).to_csv(cur, index=False)
        check = run_drift(tmp_path / str(seed), ref, cur)["checks"][0]
        assert check["status"] != "pass", check["message"]
        verdicts += [c["status"] for c in check["columns"]]
    assert verdicts.count("inconclusive") > len(verdicts) / 2, verdicts
    assert verdicts.count("drifted") <= 2, verdicts


def test_drift_needs_a_reference(tmp_path: Path, shifted):
    pol = write_policy(tmp_path / "drift.yaml", DRIFT)
    out = tmp_path / "out"
    run = run_cli("check", "--policy", pol, "--data", shifted[1], "--output-dir", out)
    assert run.code == 1, run.stderr
    check = json.loads((out / "report.json").read_text())["checks"][0]
    assert check["status"] == "error" and "--reference" in check["message"]


def test_two_halves_of_the_same_million_rows_raise_no_alarm(tmp_path: Path):
    data = frame(1_000_000, 5, shifted=False)
    half = np.random.default_rng(6).permutation(len(data)) < len(data) // 2
    ref, cur = tmp_path / "ref.parquet", tmp_path / "cur.parquet"
    data[half].to_parquet(ref)
    data[~half].to_parquet(cur)
    report = run_drift(tmp_path, ref, cur)
    check = report["checks"][0]
    assert {c["status"] for c in check["columns"]} == {"stable"}, check["message"]
    assert check["status"] == "pass" and report["exit_code"] == 0


@pytest.mark.parametrize("reference_rows", [800, 5_000])  # both of Evidently's selections
def test_native_and_evidently_engines_agree(tmp_path: Path, reference_rows: int):
    pytest.importorskip("evidently", reason="the evidently extra is not installed")
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    frame(reference_rows, 7, shifted=False).dropna().to_csv(ref, index=False)
    frame(3_000, 8, shifted=True).dropna().to_csv(cur, index=False)
    reports = {}
    for engine in ("native", "evidently"):
        policy = DRIFT.replace(
            "{id: drift, type: drift}",
            f"{{id: drift, type: drift, verdict: p_value, engine: {engine}, outputs: false}}",
        )
        check = run_drift(tmp_path / engine, ref, cur, policy)["checks"][0]
        reports[engine] = {c["column"]: c for c in check["columns"]}
    native, evidently = reports["native"], reports["evidently"]
    assert native.keys() == evidently.keys()
    for name, ours in native.items():
        theirs = evidently[name]
        assert ours["method"] == theirs["method"], name
        if theirs["value"] is not None:  # a distance
            assert ours["value"] == pytest.approx(theirs["value"], rel=1e-9, abs=1e-12), name
        else:  # a test: the p-values agree
            assert ours["p_value"] == pytest.approx(theirs["p_value"], rel=1e-6, abs=1e-12), name
        assert ours["drifted"] == theirs["drifted"], name


def test_score_drift_and_a_shift_concentrated_in_one_group(tmp_path: Path):
    rng = np.random.default_rng(9)
    ref = frame(20_000, 10, shifted=False)
    cur = frame(20_000, 11, shifted=False)
    women = cur["sex"] == "F"
    cur.loc[women, "ratio"] = np.clip(cur.loc[women, "ratio"] + 0.4, 0, 1.4)  # women only
    for data, bump in ((ref, 0.0), (cur, 0.25)):
        data["s"] = np.clip(rng.beta(2, 5, len(data)) + bump, 0, 1)  # the model's score moves
    ref_path, cur_path = tmp_path / "ref.parquet", tmp_path / "cur.parquet"
    ref.to_parquet(ref_path)
    cur.to_parquet(cur_path)
    policy = DRIFT.replace("{label: y, sensitive: [sex]}", "{label: y, score: s, sensitive: [sex]}")
    check = run_drift(tmp_path, ref_path, cur_path, policy)["checks"][0]
    by_name = {(c["role"], c["column"]): c for c in check["columns"]}
    assert ("feature", "s") not in by_name  # the bound score is an output, not a feature
    assert by_name[("output", "score")]["status"] == "drifted"
    assert by_name[("output", "prediction")]["status"] == "drifted"
    ratio = by_name[("feature", "ratio")]
    assert ratio["status"] == "drifted"
    assert ratio["concentrated"] == [{"sex": "F"}]
    groups = {g["group"]["sex"]: g for g in ratio["groups"]}
    assert groups["F"]["drifted"] is True and groups["M"]["drifted"] is False
    assert "concentrated in sex=F" in check["message"]
    assert {c for (role, c), e in by_name.items() if e["status"] == "drifted"} == {
        "ratio", "score", "prediction"
    }  # fmt: skip
