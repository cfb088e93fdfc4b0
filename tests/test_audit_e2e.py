"""The LL144 audit summary end to end: a generated hiring data set (no outcomes, unknown
categories) through the CLI, checked field by field against pandas."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from helpers import run_check, write_policy

from gate.report.escape import md
from gate.wording import group_name

SEX = ["Male"] * 300 + ["Female"] * 270 + ["Decline to self-identify"] * 20 + [None] * 10
RACE = (
    ["White"] * 240
    + ["Black"] * 150
    + ["Hispanic"] * 110
    + ["Asian"] * 60
    + ["Native Hawaiian"] * 5  # under 2 % of 600: left out of the impact ratios
    + ["unknown "] * 25  # "Unknown", whatever its case and spaces
    + [None] * 10
)
AUDIT = {
    "auditor": "Example Audit LLP",
    "data_source": "historical applicant data of the employer",
    "start": "2025-01-01",
    "end": "2025-12-31",
    "aedt_name": "ResumeRank",
    "aedt_version": "4.2",
    "distribution_date": "2024-03-01",
}


def hiring(seed: int = 0) -> pd.DataFrame:
    """600 applicants: sex, race (with unknown values), a score, and who was selected."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"sex": rng.permutation(np.array(SEX, object)), "race": RACE})
    boost = (frame["sex"] == "Male") * 0.08 + (frame["race"] == "White") * 0.05
    frame["score"] = np.round(rng.uniform(size=len(frame)) + boost, 3)
    frame["selected"] = (frame["score"] >= 0.7).astype(int)
    return frame


def policy(path: Path, rate: str = "scoring_rate") -> Path:
    column = "score: score" if rate == "scoring_rate" else "prediction: selected"
    a = AUDIT
    return write_policy(
        path,
        f"""
        version: 1
        name: resume-rank-ll144
        mode: report
        extends: ["builtin:nyc-ll144"]
        params: {{rate: {rate}}}
        data: {{{column}, sensitive: [sex, race]}}
        audit:
          auditor: {a["auditor"]}
          data_source: {a["data_source"]}
          data_period: {{start: {a["start"]}, end: {a["end"]}}}
          aedt_name: {a["aedt_name"]}
          aedt_version: "{a["aedt_version"]}"
          distribution_date: {a["distribution_date"]}
        """,
    )


def known(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of known sex and race, as the gate should count them (pandas, by hand)."""
    unknown_sex = frame["sex"].isna() | (frame["sex"] == "Decline to self-identify")
    unknown_race = frame["race"].isna() | (frame["race"].str.strip().str.lower() == "unknown")
    return frame.assign(unknown_sex=unknown_sex, unknown_race=unknown_race)


@pytest.fixture(scope="module")
def scoring(tmp_path_factory) -> dict:
    """One scoring-rate audit run (no label column in the data): its outputs and inputs."""
    tmp = tmp_path_factory.mktemp("scoring")
    frame = hiring()
    frame.drop(columns="selected").to_csv(tmp / "d.csv", index=False)
    result = run_check(policy(tmp / "p.yaml"), tmp / "d.csv", "--format", "audit", out=tmp / "o")
    assert result.code == 0, result.stderr
    return {
        "frame": known(frame),
        "md": (tmp / "o" / "audit.md").read_text(),
        "csv": (tmp / "o" / "audit.csv").read_text(),
        "report": json.loads((tmp / "o" / "report.json").read_text()),
        "out": tmp / "o",
        "data": tmp / "d.csv",
    }


def field(md: str, label: str) -> str:
    """The value of a row of the summary's header table."""
    match = re.search(rf"^\| {re.escape(label)} \| (.*) \|$", md, re.MULTILINE)
    assert match, f"no '{label}' row in audit.md"
    return match.group(1)


def test_audit_date_defaults_to_the_run_date(scoring):
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", field(scoring["md"], "Audit date"))
    assert field(scoring["md"], "Audit date") == scoring["report"]["audit"]["audit_date"]


def test_auditor(scoring):
    assert field(scoring["md"], "Independent auditor") == AUDIT["auditor"]


def test_data_source(scoring):
    assert field(scoring["md"], "Data source") == AUDIT["data_source"]


def test_data_period(scoring):
    assert field(scoring["md"], "Data period") == f"{AUDIT['start']} to {AUDIT['end']}"


def test_aedt_name(scoring):
    assert field(scoring["md"], "AEDT name") == AUDIT["aedt_name"]
    assert scoring["md"].startswith(f"# Bias audit summary — {AUDIT['aedt_name']}")


def test_aedt_version(scoring):
    assert field(scoring["md"], "AEDT version") == AUDIT["aedt_version"]


def test_distribution_date(scoring):
    assert field(scoring["md"], "AEDT distribution date") == AUDIT["distribution_date"]


def test_total_number_of_applicants(scoring):
    assert field(scoring["md"], "Total number of individuals") == "600"


def test_number_in_unknown_categories_per_feature(scoring):
    f = scoring["frame"]
    expected = f"sex: {int(f.unknown_sex.sum())}, race: {int(f.unknown_race.sum())}"
    assert expected == "sex: 30, race: 35"
    assert field(scoring["md"], "Number in an unknown category") == expected
    check = scoring["report"]["checks"][0]
    assert check["unknown"] == {"sex": 30, "race": 35}


def test_median_score_threshold(scoring):
    median = float(np.median(scoring["frame"]["score"]))
    assert abs(float(field(scoring["md"], "Scoring rate threshold (median score)")) - median) < 1e-4
    assert scoring["report"]["checks"][0]["score_median"] == pytest.approx(median, abs=1e-12)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def expected_rates(frame: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """Per category of known values: applicants, scoring rate, impact ratio (2 % rule)."""
    mask = ~frame[[f"unknown_{f}" for f in features]].any(axis=1)
    above = frame["score"] > np.median(frame["score"])
    table = frame[mask].assign(above=above[mask]).groupby(features)["above"].agg(["size", "mean"])
    kept = table["size"] / len(frame) >= 0.02
    table["ratio"] = np.where(kept, table["mean"] / table.loc[kept, "mean"].max(), np.nan)
    return table


@pytest.mark.parametrize("features", [["sex"], ["race"], ["sex", "race"]])
def test_every_category_number_rate_and_impact_ratio(scoring, features):
    table = expected_rates(scoring["frame"], features)
    section = " & ".join(features)
    got = {r["category"]: r for r in rows(scoring["csv"]) if r["section"] == section}
    for key, want in table.iterrows():
        name = group_name(zip(features, key, strict=True)) if len(features) > 1 else key
        row = got.pop(name)
        assert int(row["applicants"]) == want["size"]
        assert float(row["rate"]) == pytest.approx(want["mean"], abs=1e-11)
        if np.isnan(want["ratio"]):
            assert row["impact_ratio"] == "" and row["impact_ratio_excluded_reason"]
        else:
            assert float(row["impact_ratio"]) == pytest.approx(want["ratio"], abs=1e-11)
        shown = f"| {md(name)} | {int(want['size'])} |"
        assert shown in scoring["md"]
    assert [r["kind"] for r in got.values()] == ["unknown"]


def test_small_categories_are_named_with_the_reason(scoring):
    assert "| Native Hawaiian | 5 |" in scoring["md"]
    assert "excluded: under 2% of the data" in scoring["md"]
    assert "6 RCNY 5-301(d)" in scoring["md"]


def test_no_gate_decision_framing(scoring):
    for word in ("approve", "approved", "block", "blocked", "blocking"):
        assert not re.search(rf"\b{word}\b", scoring["md"], re.IGNORECASE), word
        assert not re.search(rf"\b{word}\b", scoring["csv"], re.IGNORECASE), word


def test_csv_has_one_row_per_category_adding_up_to_the_total_minus_unknown(scoring):
    parsed = rows(scoring["csv"])
    f = scoring["frame"]
    unknown = {
        "sex": int(f.unknown_sex.sum()),
        "race": int(f.unknown_race.sum()),
        "sex & race": int((f.unknown_sex | f.unknown_race).sum()),
    }
    for section, missing in unknown.items():
        mine = [r for r in parsed if r["section"] == section]
        categories = [r for r in mine if r["kind"] == "category"]
        assert len({r["category"] for r in categories}) == len(categories)
        assert sum(int(r["applicants"]) for r in categories) == 600 - missing
        (row,) = [r for r in mine if r["kind"] == "unknown"]
        assert int(row["applicants"]) == missing


def test_scoring_rate_audit_needs_no_label(scoring):
    assert list(pd.read_csv(scoring["data"]).columns) == ["sex", "race", "score"]
    assert scoring["report"]["inputs"]["binding"]["label"] is None
    assert {c["status"] for c in scoring["report"]["checks"]} <= {"pass", "warn"}


def test_selection_rate_audit_states_no_median(tmp_path: Path):
    frame = hiring()
    frame.drop(columns="score").to_csv(tmp_path / "d.csv", index=False)
    p = policy(tmp_path / "p.yaml", rate="selection_rate")
    result = run_check(p, tmp_path / "d.csv", "--format", "audit", out=tmp_path / "o")
    assert result.code == 0, result.stderr
    md = (tmp_path / "o" / "audit.md").read_text()
    assert "| Selection rate |" in md and "median" not in md
    male = frame[frame["sex"] == "Male"]["selected"].mean()
    assert f"| Male | 300 | {float(f'{male:.4f}'):g}" in md


def test_a_check_that_needs_a_label_without_one_is_exit_2(tmp_path: Path):
    hiring().to_csv(tmp_path / "d.csv", index=False)
    write_policy(
        tmp_path / "p.yaml",
        """
        version: 1
        data: {score: score, sensitive: [sex]}
        checks:
          - {id: auc, type: performance, metric: roc_auc, min: 0.7}
          - {id: rates, type: fairness, metric: selection_rate, aggregate: ratio, min: 0.8}
        """,
    )
    result = run_check(tmp_path / "p.yaml", tmp_path / "d.csv", out=tmp_path / "o")
    assert result.code == 2
    assert "auc (roc_auc) needs ground truth" in result.stderr
    assert "rates" not in result.stderr and not (tmp_path / "o").exists()


def test_format_audit_without_a_rate_check_is_exit_2(tmp_path: Path):
    hiring().to_csv(tmp_path / "d.csv", index=False)
    write_policy(
        tmp_path / "p.yaml",
        """
        version: 1
        data: {sensitive: [sex]}
        checks:
          - {id: q, type: data_quality, max_missing_share: 0.5}
        """,
    )
    result = run_check(
        tmp_path / "p.yaml", tmp_path / "d.csv", "--format", "audit", out=tmp_path / "o"
    )
    assert result.code == 2
    assert "--format audit summarises fairness checks of selection_rate or scoring_rate" in (
        result.stderr
    )
    assert not (tmp_path / "o").exists()


def test_the_scoring_report_validates_and_rerenders(scoring):
    from gate.report import audit
    from gate.report.from_json import load_report

    again = load_report(scoring["out"] / "report.json")
    assert audit.render(again) == scoring["md"] and audit.render_csv(again) == scoring["csv"]


def check_with_unknown_values(tmp_path: Path, unknown: str, **options: Any) -> Any:
    """The LL144 pack over the hiring data, with the policy's own data.unknown_values."""
    hiring().to_csv(tmp_path / "d.csv", index=False)
    write_policy(
        tmp_path / "p.yaml",
        f"""
        version: 1
        mode: report
        extends: ["builtin:nyc-ll144"]
        data:
          prediction: selected
          sensitive: [sex, race]
          unknown_values: {unknown}
        """,
    )
    return run_check(tmp_path / "p.yaml", tmp_path / "d.csv", **options)


def test_unknown_values_for_a_feature_that_is_not_sensitive_is_exit_2(tmp_path: Path):
    result = check_with_unknown_values(tmp_path, "{sexx: [Unknown]}")
    assert result.code == 2
    assert "data.unknown_values names 'sexx'" in result.stderr
    assert "did you mean 'sex'" in result.stderr


def test_a_policys_own_unknown_values_win_over_the_packs(tmp_path: Path):
    result = check_with_unknown_values(tmp_path, "{race: [Unknown]}", out=tmp_path / "o")
    assert result.code == 0, result.stderr
    check = json.loads((tmp_path / "o" / "report.json").read_text())["checks"][0]
    assert check["unknown"] == {"sex": 10, "race": 35}
    assert {"sex": "Decline to self-identify"} in [g["group"] for g in check["groups"]]


def test_a_selection_rate_and_a_scoring_rate_check_both_have_their_sections(tmp_path: Path):
    """The audit kept the first check per feature and silently dropped the other rate."""
    hiring().to_csv(tmp_path / "d.csv", index=False)
    write_policy(
        tmp_path / "p.yaml",
        """
        version: 1
        mode: report
        data: {score: score, threshold: 0.7, sensitive: [sex]}
        checks:
          - {id: s1, type: fairness, metric: selection_rate, aggregate: ratio,
             method: to_reference, min: 0.8, severity: warn}
          - {id: s2, type: fairness, metric: scoring_rate, aggregate: ratio,
             method: to_reference, min: 0.8, severity: warn}
        """,
    )
    result = run_check(tmp_path / "p.yaml", tmp_path / "d.csv", "--format", "audit",
                       out=tmp_path / "o")  # fmt: skip
    assert result.code == 0, result.stderr
    md = (tmp_path / "o" / "audit.md").read_text()
    assert "Categories of sex (selection rate)" in md and "Categories of sex (scoring rate)" in md
    rows = list(csv.DictReader(io.StringIO((tmp_path / "o" / "audit.csv").read_text())))
    assert {r["rate_metric"] for r in rows if r["kind"] != "unknown"} == {
        "selection_rate",
        "scoring_rate",
    }
