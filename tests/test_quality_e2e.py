"""Data quality through the real CLI: every rule on data built to break it exactly, naming the
columns at fault, and the same data passing once the faults are removed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import run_cli, write_policy

POLICY = """
    version: 1
    name: quality
    data: {label: y}
    checks:
      - id: quality
        type: data_quality
        min_rows: 100
        columns: {age: numeric, region: categorical, income: numeric}
        max_missing_share: 0.05
        ranges: {age: {min: 18, max: 100}}
        allowed: {region: [north, south, east]}
        max_unseen_share: 0.0
        constant: false
        max_duplicate_share: 0.0
        min_class_share: 0.1
        max_conflicting_share: 0.0
        max_overlap_share: 0.0
"""


def clean(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "id": np.arange(seed * 10**7, seed * 10**7 + n),  # every row distinct
            "age": rng.integers(18, 90, n),
            "region": rng.choice(["north", "south", "east"], n),
            "income": rng.normal(50_000, 10_000, n),
            "y": rng.integers(0, 2, n),
        }
    )


def broken(reference: pd.DataFrame) -> pd.DataFrame:
    data = clean(2_000, 2)
    data.loc[:199, "income"] = np.nan  # 10 % missing
    data.loc[0, "age"] = 7  # out of range
    data.loc[1:30, "region"] = "west"  # not allowed, and unseen in the reference
    data["flag"] = "x"  # constant
    data.loc[40:59] = data.loc[20:39].to_numpy()  # 20 duplicate rows ...
    data.loc[60:69] = data.loc[300:309].to_numpy()
    data.loc[60:69, "y"] = 1 - data.loc[300:309, "y"].to_numpy()  # ... 20 conflicting rows
    data.iloc[1_900:1_950] = reference.iloc[1:100:2].to_numpy()  # 50 leaked rows (flag "x")
    return data


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("quality")
    reference = clean(3_000, 1).assign(flag=lambda d: np.where(d.index % 2, "x", "y"))
    paths = {"reference": base / "ref.csv", "broken": base / "broken.csv", "clean": base / "ok.csv"}
    reference.to_csv(paths["reference"], index=False)
    broken(reference).to_csv(paths["broken"], index=False)
    clean(2_000, 3).assign(flag=lambda d: np.where(d.index % 2, "x", "y")).to_csv(
        paths["clean"], index=False
    )
    return paths


def run(tmp_path: Path, data: Path, reference: Path) -> dict:
    pol = write_policy(tmp_path / "q.yaml", POLICY)
    out = tmp_path / "out"
    done = run_cli(
        "check", "--policy", pol, "--data", data, "--reference", reference, "--output-dir", out
    )
    assert done.code in (0, 1), done.stderr
    return json.loads((out / "report.json").read_text())


def test_every_rule_names_the_columns_at_fault(tmp_path: Path, files: dict[str, Path]):
    check = run(tmp_path, files["broken"], files["reference"])["checks"][0]
    rules = {r["rule"]: r for r in check["rules"]}
    faulty = {name: [c["column"] for c in r["columns"]] for name, r in rules.items()}
    assert faulty["max_missing_share"] == ["income"]
    data = pd.read_csv(files["broken"])  # pandas is the oracle for every count below
    reference = pd.read_csv(files["reference"])
    keys = [c for c in data.columns if c != "y"]
    assert rules["max_missing_share"]["value"] == pytest.approx(data["income"].isna().mean())
    assert faulty["ranges"] == ["age"]
    assert faulty["allowed"] == ["region"] and "west" in rules["allowed"]["message"]
    assert faulty["max_unseen_share"] == ["region"]
    assert faulty["constant"] == ["flag"]
    labels = data.groupby(keys, dropna=False)["y"].transform("nunique")
    leaked = data.merge(reference[keys].drop_duplicates(), on=keys, how="left", indicator=True)
    assert rules["max_duplicate_share"]["value"] == pytest.approx(data.duplicated().mean())
    assert rules["max_conflicting_share"]["value"] == pytest.approx((labels > 1).mean())
    assert rules["max_overlap_share"]["value"] == pytest.approx((leaked["_merge"] == "both").mean())
    assert data.duplicated().sum() == 20 and (labels > 1).sum() == 20  # as built
    assert (leaked["_merge"] == "both").sum() == 50
    assert rules["columns"]["status"] == "pass" and rules["min_rows"]["status"] == "pass"
    assert rules["min_class_share"]["status"] == "pass"
    assert check["status"] == "fail"
    for name in ("income", "age", "region", "flag"):
        assert name in check["message"]


def test_clean_data_meets_every_rule(tmp_path: Path, files: dict[str, Path]):
    report = run(tmp_path, files["clean"], files["reference"])
    check = report["checks"][0]
    assert {r["rule"]: r["status"] for r in check["rules"]} == dict.fromkeys(
        [
            "min_rows", "columns", "max_missing_share", "ranges", "allowed", "max_unseen_share",
            "constant", "max_duplicate_share", "max_conflicting_share", "max_overlap_share",
            "min_class_share",
        ],
        "pass",
    )  # fmt: skip
    assert check["status"] == "pass" and report["exit_code"] == 0


def test_a_rule_that_needs_the_reference_fails_closed_without_one(tmp_path: Path, files):
    pol = write_policy(tmp_path / "q.yaml", POLICY)
    out = tmp_path / "out"
    done = run_cli("check", "--policy", pol, "--data", files["clean"], "--output-dir", out)
    assert done.code == 1, done.stderr
    check = json.loads((out / "report.json").read_text())["checks"][0]
    assert check["status"] == "error"
    assert "max_unseen_share" in check["message"] and "--reference" in check["message"]
