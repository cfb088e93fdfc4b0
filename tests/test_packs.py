"""Each built-in pack end to end, on data whose right answer is known by construction."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import skops.io as sio
from helpers import classification_frame, run_check, run_cli, write_policy
from sklearn.linear_model import LogisticRegression


def report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text())


def test_ecoa_blocks_a_model_that_takes_a_prohibited_basis(tmp_path: Path):
    frame = classification_frame(400)
    frame["sex_code"] = (frame["sex"] == "f").astype(int)
    frame = frame.rename(columns={"sex_code": "Sex"})
    model = LogisticRegression().fit(frame[["x1", "x2", "Sex"]], frame["y"])
    sio.dump(model, tmp_path / "m.skops")
    frame.to_csv(tmp_path / "d.csv", index=False)
    write_policy(
        tmp_path / "p.yaml",
        """
        version: 1
        extends: ["builtin:ecoa-reg-b"]
        data: {label: y, sensitive: [sex]}
    """,
    )
    result = run_check(
        tmp_path / "p.yaml", tmp_path / "d.csv", model=tmp_path / "m.skops", out=tmp_path / "o"
    )
    assert result.code == 1, result.stderr
    checks = {c["id"]: c for c in report(tmp_path / "o")["checks"]}
    assert checks["ecoa-prohibited-basis"]["status"] == "fail"
    assert "prohibited input Sex" in checks["ecoa-prohibited-basis"]["message"]
    # Sex is the sex column recoded: a perfect proxy, flagged as a warning
    assert checks["ecoa-proxy-screen"]["status"] == "warn"
    assert abs(checks["ecoa-proxy-screen"]["value"] - 1.0) < 1e-12


def test_eeoc_four_fifths_by_hand(tmp_path: Path):
    # selected / applicants: men 48/80 = 0.6 (highest), women 36/80 = 0.45 -> 0.75 (adverse),
    # nonbinary 0/10 (under 30: listed, left out), unknown 12/30 = 0.4 -> 0.667
    rows = (
        [("man", 1)] * 48
        + [("man", 0)] * 32
        + [("woman", 1)] * 36
        + [("woman", 0)] * 44
        + [("nonbinary", 0)] * 10
        + [(None, 1)] * 12
        + [(None, 0)] * 18
    )
    frame = pd.DataFrame(rows, columns=["sex", "hired"]).assign(y=1)
    frame.to_csv(tmp_path / "d.csv", index=False)
    write_policy(
        tmp_path / "p.yaml",
        """
        version: 1
        extends: ["builtin:eeoc-four-fifths"]
        data: {label: y, prediction: hired, sensitive: [sex]}
    """,
    )
    result = run_check(
        tmp_path / "p.yaml", tmp_path / "d.csv", "--format", "markdown", out=tmp_path / "o"
    )
    assert result.code == 1
    (check,) = report(tmp_path / "o")["checks"]
    assert abs(check["value"] - 0.4 / 0.6) < 1e-12
    groups = {g["group"]["sex"]: g for g in check["groups"]}
    assert groups["man"]["reference"] and groups["man"]["value"] == 0.6
    assert abs(groups["woman"]["disparity"] - 0.75) < 1e-12
    assert groups["nonbinary"]["excluded"] and groups["nonbinary"]["value"] == 0.0
    assert groups["(missing)"]["n"] == 30
    assert 0 < groups["woman"]["p_value"] < 0.1
    assert "nonbinary (n=10, below min_group_size 30)" in check["message"]
    assert "⚠️ left out: below min\\_group\\_size 30" in (tmp_path / "o" / "report.md").read_text()


def test_sr_11_7_benchmarks_against_the_champion(workspace: Path, tmp_path: Path):
    write_policy(
        tmp_path / "p.yaml",
        """
        version: 1
        extends: ["builtin:sr-11-7"]
        data: {label: y, sensitive: [sex]}
    """,
    )
    result = run_check(
        tmp_path / "p.yaml",
        workspace / "eval.csv",
        "--baseline-model",
        workspace / "baseline.skops",
        model=workspace / "candidate.skops",
        out=tmp_path / "o",
    )
    checks = {c["id"]: c for c in report(tmp_path / "o")["checks"]}
    assert set(checks) >= {
        "champion-roc-auc",
        "sr117-outcomes-discrimination",
        "sr117-segment-stability",
    }
    assert checks["champion-roc-auc"]["baseline"]["delta"] > 0
    assert "ci" in checks["sr117-outcomes-discrimination"]
    assert result.code in (0, 1)


def test_policies_list_and_show():
    listing = run_cli("policies", "list")
    for name in ("champion-challenger", "ecoa-reg-b", "eeoc-four-fifths", "sr-11-7"):
        assert f"builtin:{name}" in listing.stdout
    shown = run_cli("policies", "show", "eeoc-four-fifths")
    assert shown.code == 0 and "29 CFR 1607.4(D)" in shown.stdout
    wrong = run_cli("policies", "show", "eeoc-four-fiths")
    assert wrong.code == 2 and "did you mean 'eeoc-four-fifths'" in wrong.stderr


def test_nyc_ll144_audit_by_hand(tmp_path: Path):
    from helpers import ROOT

    write_policy(
        tmp_path / "p.yaml",
        """
        version: 1
        extends: ["builtin:nyc-ll144"]
        mode: report
        data: {prediction: selected, sensitive: [sex, race]}
    """,
    )
    data = ROOT / "gate/policies/cases/ll144-hiring.csv"
    result = run_check(tmp_path / "p.yaml", data, "--format", "markdown", out=tmp_path / "o")
    assert result.code == 0 and report(tmp_path / "o")["decision"] == "report"
    checks = {c["id"]: c for c in report(tmp_path / "o")["checks"]}
    main = checks["ll144-impact-ratio"]
    assert main["status"] == "warn" and abs(main["value"] - (26 / 77) / 0.5) < 1e-12
    groups = {tuple(g["group"].items()): g for g in main["groups"]}
    female = groups[(("sex", "F"),)]
    assert female["n"] == 96 and abs(female["disparity"] - 0.75) < 1e-12
    unknown = groups[(("sex", "(missing)"),)]
    assert unknown["n"] == 4 and unknown["excluded_reason"] == "unknown category"
    assert main["unknown"] == {"sex": 4, "race": 1}  # counted per feature
    asian = groups[(("race", "Asian"),)]
    assert asian["excluded_reason"] == "under 2% of the data" and asian["value"] == 0.5
    inter = checks["ll144-intersectional"]
    assert abs(inter["value"] - (9 / 38) / (32 / 60)) < 1e-12
    md = (tmp_path / "o" / "report.md").read_text()
    assert "| impact ratio |" in md and "left out: under 2% of the data" in md


def test_eu_ai_act_pack_reads_the_model_card(tmp_path: Path):
    from helpers import ROOT

    cases = ROOT / "gate/policies/cases"
    write_policy(
        tmp_path / "p.yaml",
        """
        version: 1
        extends: ["builtin:eu-ai-act-high-risk"]
        data: {label: y, score: good, sensitive: [sex], features: [income]}
    """,
    )
    result = run_check(
        tmp_path / "p.yaml",
        cases / "scored.csv",
        "--model-card",
        cases / "eu-model-card.md",
        out=tmp_path / "o",
    )
    assert result.code == 0, result.stdout + result.stderr
    data = report(tmp_path / "o")
    assert data["inputs"]["model_card"]["path"].endswith("eu-model-card.md")
    evidence = json.loads((tmp_path / "o" / "evidence.json").read_text())
    assert "model_card" in {s["annotations"]["role"] for s in evidence["subject"]}
    broken = run_check(
        tmp_path / "p.yaml", cases / "scored.csv", "--model-card", tmp_path / "nope.md"
    )
    assert broken.code == 2 and "model card" in broken.stderr
