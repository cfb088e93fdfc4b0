"""Through the CLI: a group whose real value is "(missing)" is not the missing values' group,
in fairness, representation, exclude_missing, group waivers and the rendered report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from fairlearn.metrics import selection_rate
from helpers import run_check, write_policy

POLICY = """\
version: 1
data: {label: label, score: score, sensitive: [sex]}
checks:
  - {id: parity, type: fairness, metric: selection_rate, aggregate: difference,
     max: %(max)s, min_group_size: 1%(extra)s}
  - {id: shares, type: representation, attributes: [sex]}
%(waivers)s"""


def _data(path: Path) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    sex = ["(missing)"] * 100 + [None] * 40 + ["f"] * 80 + ["m"] * 80
    frame = pd.DataFrame({"sex": sex, "label": rng.integers(0, 2, len(sex))})
    # the real "(missing)" group is always selected, the missing rows never
    frame["score"] = np.where(frame["sex"].isna(), 0.1, np.where(frame["sex"] == "f", 0.4, 0.9))
    frame.loc[frame["sex"] == "m", "score"] = rng.uniform(size=80)
    frame.to_csv(path, index=False)
    return frame


def _run(tmp_path: Path, **parts: str) -> dict:
    tmp_path.mkdir(exist_ok=True)
    frame = _data(tmp_path / "d.csv")
    values = {"max": "0.05", "extra": "", "waivers": "", **parts}
    write_policy(tmp_path / "p.yaml", POLICY % values)
    out = tmp_path / "o"
    result = run_check(tmp_path / "p.yaml", tmp_path / "d.csv", "--format", "markdown", out=out)
    assert result.code in (0, 1), result.stderr
    report = json.loads((out / "report.json").read_text())
    report["_frame"] = frame
    report["_md"] = (out / "report.md").read_text()
    return report


def _groups(check: dict) -> dict[str, dict]:
    return {g["group"]["sex"]: g for g in check["groups"]}


def test_the_real_value_and_the_missing_rows_are_separate_groups(tmp_path):
    report = _run(tmp_path)
    parity, shares = report["checks"]
    groups = _groups(parity)
    assert groups['"(missing)"']["n"] == 100 and groups["(missing)"]["n"] == 40
    assert groups['"(missing)"']["value"] == 1.0 and groups["(missing)"]["value"] == 0.0
    frame = report["_frame"]
    real = frame["sex"] == "(missing)"
    assert groups['"(missing)"']["value"] == selection_rate(None, frame.loc[real, "score"] >= 0.5)
    assert {g["group"]["sex"]: g["n"] for g in shares["groups"]}['"(missing)"'] == 100
    assert 'sex="(missing)"' in report["_md"] and "sex=(missing)" in report["_md"]


def test_exclude_missing_leaves_out_only_the_missing_rows(tmp_path):
    report = _run(tmp_path, extra=", exclude_missing: true", max="1.0")
    groups = _groups(report["checks"][0])
    assert groups["(missing)"].get("excluded") is True
    assert not groups['"(missing)"'].get("excluded")


def test_a_group_waiver_naming_missing_means_the_missing_rows(tmp_path):
    waiver = (
        "waivers:\n  - {check: parity, group: {sex: '%s'}, reason: r, approved_by: a, "
        "expires: 2099-01-01}\n"
    )
    # without the missing rows (score 0.1, never selected) the gap is still the real group's
    # 1.0 against f's 0.0: the waiver of the missing rows cannot waive it
    missing = _run(tmp_path / "a", waivers=waiver % "(missing)", max="0.7")
    assert missing["checks"][0]["status"] == "fail"
    # waiving the real "(missing)" group (named quoted) leaves f vs m: met, so waived
    real = _run(tmp_path / "b", waivers=waiver % '"(missing)"', max="0.7")
    assert real["checks"][0]["status"] == "waived", real["checks"][0]["message"]
