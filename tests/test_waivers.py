"""Waivers as code: check and group scope, expiry, near-expiry warnings, --no-waivers."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from helpers import run_check, write_policy

from gate.results import Status
from gate.runner import RunOptions, run

TODAY = dt.date(2026, 11, 23)
POLICY = """
    version: 1
    data: {label: y, prediction: pred, sensitive: [g]}
    checks:
      - id: four-fifths
        type: fairness
        metric: selection_rate
        aggregate: ratio
        method: to_reference
        min: 0.8
    waivers:
"""


@pytest.fixture
def data(tmp_path: Path) -> Path:
    # selection rates: A 6/10 = 0.6, B 5/10 = 0.5 (ratio 0.83), C 1/10 = 0.1 (ratio 0.17)
    pred = [1] * 6 + [0] * 4 + [1] * 5 + [0] * 5 + [1] + [0] * 9
    frame = pd.DataFrame({"g": ["A"] * 10 + ["B"] * 10 + ["C"] * 10, "y": 1, "pred": pred})
    frame.to_csv(tmp_path / "d.csv", index=False)
    return tmp_path / "d.csv"


def evaluate(tmp_path: Path, data: Path, waivers: str, **options):
    write_policy(tmp_path / "p.yaml", POLICY + waivers)
    return run(RunOptions(policy=str(tmp_path / "p.yaml"), data=str(data), today=TODAY, **options))


def waiver(group: str = "", expires: str = "2027-06-30") -> str:
    scope = f", group: {{g: {group}}}" if group else ""
    return (
        f"      - {{check: four-fifths, reason: pilot, approved_by: risk, "
        f"expires: {expires}{scope}}}\n"
    )


def test_a_group_waiver_waives_the_check_when_the_rest_is_met(tmp_path, data):
    (r,) = evaluate(tmp_path, data, waiver("C")).decision.results
    assert r.status is Status.WAIVED and r.waiver["group"] == "g=C"
    assert r.value == pytest.approx(1 / 6)
    assert "without the waived group g=C: 0.8333" in r.message


def test_a_group_waiver_does_not_cover_another_groups_failure(tmp_path, data):
    (r,) = evaluate(tmp_path, data, waiver("B")).decision.results
    assert r.status is Status.FAIL


def test_an_expired_waiver_does_not_apply_and_is_reported(tmp_path, data):
    decision = evaluate(tmp_path, data, waiver(expires="2026-11-22")).decision
    assert decision.results[0].status is Status.FAIL
    assert any("expired on 2026-11-22" in n for n in decision.notes)


def test_a_waiver_about_to_expire_is_warned_about(tmp_path, data):
    decision = evaluate(tmp_path, data, waiver(expires="2026-12-01")).decision
    assert decision.results[0].status is Status.WAIVED
    assert any("expires on 2026-12-01, in 8 day(s)" in n for n in decision.notes)


def test_no_waivers_ignores_them_all(tmp_path, data):
    decision = evaluate(tmp_path, data, waiver(), no_waivers=True).decision
    assert decision.results[0].status is Status.FAIL
    assert "1 waiver(s) ignored (--no-waivers)" in decision.notes


def test_group_waivers_only_on_fairness_checks(tmp_path: Path):
    write_policy(
        tmp_path / "p.yaml",
        """
        version: 1
        checks: [{id: acc, type: performance, metric: accuracy, min: 0.5}]
        waivers:
          - {check: acc, reason: r, approved_by: a, expires: 2030-01-01, group: {g: A}}
    """,
    )
    from gate.errors import PolicyError
    from gate.policy.loader import load_policy

    with pytest.raises(PolicyError, match="a group can be waived only on a fairness check"):
        load_policy(tmp_path / "p.yaml")


def test_waived_shows_in_every_output(tmp_path: Path, data: Path):
    write_policy(tmp_path / "p.yaml", POLICY + waiver())
    result = run_check(
        tmp_path / "p.yaml", data, "--format", "markdown", "--format", "junit", out=tmp_path / "o"
    )
    assert result.code == 0 and "WAIVED" in result.stdout
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert report["checks"][0]["status"] == "waived"
    assert "🟦 waived" in (tmp_path / "o" / "report.md").read_text()
    assert "status: waived" in (tmp_path / "o" / "junit.xml").read_text()
    strict = run_check(tmp_path / "p.yaml", data, "--no-waivers")
    assert strict.code == 1
