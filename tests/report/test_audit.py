"""--format audit from report.json alone, and the pieces it rests on: unknown values as missing
(gate.engine.groups) and the `audit:` policy block (loader, extends)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from helpers import run_check, write_policy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from gate.engine.groups import MISSING, group_rows, missing_rows
from gate.errors import PolicyError, UsageError
from gate.policy.loader import load_policy
from gate.report import FORMATS, audit
from gate.report.from_json import load_report
from gate.results import CheckResult, Decision, Evaluation, Severity, Status, Verdict


def frame() -> pd.DataFrame:
    """Two categories with an injection attempt in one name, and unknown values of both kinds."""
    return pd.DataFrame(
        {
            "sex": ["F", "F", "M", "M", "M", "=cmd|' /C calc'!A0", "Unknown", None] * 10,
            "race": ["W", "| **x** |", "W", "B", "B", "W", "W", "Prefer not to say"] * 10,
            "selected": [1, 0, 1, 1, 0, 1, 0, 1] * 10,
        }
    )


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("audit")
    frame().to_csv(tmp / "d.csv", index=False)
    write_policy(
        tmp / "p.yaml",
        """
        version: 1
        mode: report
        extends: ["builtin:nyc-ll144"]
        data: {prediction: selected, sensitive: [sex, race]}
        audit: {auditor: "A <b>Auditor</b>", notes: "Data | from 2025"}
        """,
    )
    result = run_check(tmp / "p.yaml", tmp / "d.csv", "--format", "audit", out=tmp / "o")
    assert result.code == 0, result.stderr
    return tmp / "o"


def test_rerendered_from_report_json_alone(run: Path):
    evaluation = load_report(run / "report.json")
    assert FORMATS["audit"].files(evaluation) == {
        "audit.md": (run / "audit.md").read_text(),
        "audit.csv": (run / "audit.csv").read_text(),
    }


def test_untrusted_text_is_escaped(run: Path):
    md = (run / "audit.md").read_text()
    assert "| **x** |" not in md and "<b>" not in md and "Data | from" not in md
    parsed = list(csv.DictReader(io.StringIO((run / "audit.csv").read_text())))
    assert all(not r["category"].startswith("=") for r in parsed)
    assert any(r["category"] == "'=cmd|' /C calc'!A0" for r in parsed)


def test_unknown_values_of_the_pack_defaults_are_counted_not_shown(run: Path):
    data = json.loads((run / "report.json").read_text())
    assert data["checks"][0]["unknown"] == {"sex": 20, "race": 10}
    md = (run / "audit.md").read_text()
    assert "| Unknown |" not in md and "Prefer not to say" not in md


def test_no_rate_check_is_a_usage_error():
    report = {"checks": [{"id": "q", "type": "data_quality", "groups": []}], "inputs": {}}
    with pytest.raises(UsageError, match="selection_rate or scoring_rate"):
        audit.audit_markdown(report)


def test_unknown_values_group_as_missing_per_feature():
    data = pd.DataFrame({"sex": ["F", " unknown", "M", None], "race": ["Unknown", "W", "W", "B"]})
    grouping = group_rows(data, ["sex", "race"], {"sex": ["Unknown"]})
    labels = {grouping.labels[c] for c in grouping.codes}
    assert labels == {("F", "Unknown"), (MISSING, "W"), ("M", "W"), (MISSING, "B")}
    everywhere = group_rows(data, ["sex", "race"], {"*": ["UNKNOWN"]})
    rows = pd.Series(everywhere.codes).value_counts().sort_index().to_numpy()
    counts = missing_rows(everywhere.features, everywhere.labels, rows, ("sex", "race"))
    assert counts == {"sex": 2, "race": 1}


def test_audit_block_merges_key_by_key_over_extends(tmp_path: Path):
    write_policy(
        tmp_path / "base.yaml",
        """
        version: 1
        mode: report
        checks: [{id: q, type: data_quality, max_missing_share: 0.5}]
        audit: {auditor: Base LLP, aedt_name: Tool, data_period: {start: 2025-01-01}}
        """,
    )
    write_policy(
        tmp_path / "p.yaml",
        """
        version: 1
        mode: report
        extends: [base.yaml]
        audit: {auditor: Mine LLP, distribution_date: 2024-03-01}
        """,
    )
    info = load_policy(tmp_path / "p.yaml").audit
    assert info.as_dict() == {
        "auditor": "Mine LLP",
        "data_period": {"start": "2025-01-01"},
        "aedt_name": "Tool",
        "distribution_date": "2024-03-01",
    }
    assert load_policy(tmp_path / "base.yaml").audit.auditor == "Base LLP"


def test_audit_block_rejects_unknown_keys_and_impossible_dates(tmp_path: Path):
    head = "version: 1\nmode: report\nchecks: [{id: q, type: data_quality, min_rows: 1}]\n"
    write_policy(tmp_path / "p.yaml", head + "audit: {audit_date: 2025-02-30}\n")
    with pytest.raises(PolicyError, match="not a calendar date"):
        load_policy(tmp_path / "p.yaml")
    write_policy(tmp_path / "q.yaml", head + "audit: {auditr: X}\n")
    with pytest.raises(PolicyError, match="auditr"):
        load_policy(tmp_path / "q.yaml")
    period = "audit: {data_period: {start: 2025-12-31, end: 2025-01-01}}\n"
    write_policy(tmp_path / "r.yaml", head + period)
    with pytest.raises(PolicyError, match=r"r\.yaml:4:\d+: audit: data_period ends \(2025-01-01\)"):
        load_policy(tmp_path / "r.yaml")


PAYLOADS = [
    "x\n::error::pwned",
    "\r\n::add-mask::secret",
    "##[error]legacy",
    " ::error::spaced",
    "<img src=x onerror=alert(1)>",
    "[a](https://evil.example)",
    "www.evil.example",
    "| broken | cell |",
    "=HYPERLINK(1)",
    "@org/team",
    "\u2028\x85\x00",
]
EVIL = st.lists(
    st.one_of(st.text(max_size=8), st.sampled_from(PAYLOADS)), min_size=1, max_size=4
).map("".join)


def hostile(s: list[str]) -> Evaluation:
    """A selection-rate check whose feature, categories and audit facts are drawn strings."""
    small = {"n": 2, "value": 0.5, "excluded": True, "excluded_reason": s[5]}
    groups = (
        *({"group": {s[0]: s[i]}, "n": 10 * i, "value": 0.1 * i} for i in (1, 2, 3)),
        {"group": {s[0]: s[4]}, **small},
    )
    check = CheckResult(
        id="rates",
        type="fairness",
        status=Status.WARN,
        severity=Severity.WARN,
        message="m",
        metric="selection_rate",
        value=0.5,
        threshold={"min": 0.8},
        groups=groups,
        n=100,
        unknown={s[0]: 3},
    )
    audit_block = {k: s[6 + i] for i, (k, _) in enumerate(audit.FIELDS)} | {"notes": s[12]}
    inputs = {"data": {"path": s[13], "sha256": "b" * 64, "rows": 100}}
    decision = Decision(Verdict.REPORT, (check,))
    return Evaluation(decision, s[14], inputs, 0, "0", audit=audit_block)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(EVIL, min_size=15, max_size=15))
def test_no_drawn_text_acts_in_either_file(s):
    ev = hostile(s)
    md, table = audit.render(ev), audit.render_csv(ev)
    for line in (*md.splitlines(), *table.splitlines()):
        assert not line.lstrip().startswith(("::", "##[")), line
    html = MarkdownIt("commonmark", {"linkify": True}).enable(["table", "linkify"]).render(md)
    assert "<a " not in html and "<img" not in html
    parsed = list(csv.DictReader(io.StringIO(table)))
    assert len(parsed) == len(ev.decision.results[0].groups) + 1
    assert all(v[:1] not in "=+-@" for r in parsed for v in r.values() if v)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["F", "M", " unknown", "UNKNOWN", "Decline", None]),
            st.sampled_from(["W", "B", "Unknown", None]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_unknown_values_group_exactly_as_missing_values_do(rows):
    """Oracle: the same rows with the unknown values replaced by None beforehand."""
    data = pd.DataFrame(rows, columns=["sex", "race"], dtype=object)
    unknown = {"*": ["unknown"], "sex": ["decline"]}
    blanked = data.copy()
    blanked["sex"] = data["sex"].where(
        ~data["sex"].str.strip().str.lower().isin(["unknown", "decline"]), None
    )
    blanked["race"] = data["race"].where(data["race"].str.lower() != "unknown", None)
    got, want = group_rows(data, ["sex", "race"], unknown), group_rows(blanked, ["sex", "race"])
    assert got.labels == want.labels and got.codes.tolist() == want.codes.tolist()


def test_facts_the_policy_does_not_state_say_so(run: Path):
    md = (run / "audit.md").read_text()
    assert "| Data period | not stated |" in md and "| AEDT name | not stated |" in md
    assert "| Independent auditor | A &lt;b&gt;Auditor&lt;/b&gt; |" in md


def csv_categories(*names: str) -> list[str]:
    """The category cells audit.csv writes for one feature's categories named `names`."""
    groups = [{"group": {"sex": name}, "n": 10, "value": 0.5} for name in names]
    check = {"type": "fairness", "metric": "selection_rate", "groups": groups}
    table = audit.audit_csv({"checks": [check], "inputs": {}})
    return [r["category"] for r in csv.DictReader(io.StringIO(table)) if r["kind"] == "category"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cells_a_spreadsheet_could_run_are_quoted_with_an_apostrophe(start):
    """OWASP's CSV-injection list: a cell starting with = + - @ tab or carriage return."""
    (cell,) = csv_categories(f"{start}1+1")
    assert cell.startswith("'") and cell[1:].startswith(audit.visible(start))


@pytest.mark.parametrize("name", [" leading space", "  two", "plain", "a=1", "x-y", "1.5"])
def test_csv_cells_that_no_spreadsheet_runs_are_written_as_they_are(name):
    assert csv_categories(name) == [name]


@pytest.mark.parametrize("name", ["::error::x", "  ::warning::y", "##[error]z"])
def test_csv_cells_that_would_start_a_workflow_command_are_quoted(name):
    assert csv_categories(name) == ["'" + name]
