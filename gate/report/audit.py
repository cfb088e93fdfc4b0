"""`--format audit`: a bias-audit summary (audit.md and audit.csv) laid out like the published
NYC Local Law 144 summaries (6 RCNY 5-300 to 5-304): the audit's own facts (the policy's `audit:`
block), the number of individuals and of those in an unknown category, and for each category of
each feature and intersection its number of applicants, selection or scoring rate and impact
ratio, with the categories left out of the impact ratios and why.

It reads report.json alone (the rate fairness checks' groups, `unknown`, `score_median` and the
`audit` block), so a report re-read from its file renders the same summary. It states numbers,
not a gate decision.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from gate.engine.group_metrics import NAMED_DISPARITIES
from gate.errors import UsageError
from gate.report.escape import md, visible
from gate.report.json_report import rounded, to_dict
from gate.results import Evaluation, fmt
from gate.wording import GROUP_JOIN, group_name

MISSING = "(missing)"  # gate.engine.groups.MISSING: a missing or declared-unknown value
RATES = {"selection_rate": "Selection rate", "scoring_rate": "Scoring rate"}
FIELDS = (  # (audit: key, what the summary calls it)
    ("audit_date", "Audit date"),
    ("auditor", "Independent auditor"),
    ("aedt_name", "AEDT name"),
    ("aedt_version", "AEDT version"),
    ("distribution_date", "AEDT distribution date"),
    ("data_source", "Data source"),
)
CSV_COLUMNS = (
    "section",
    "kind",
    "category",
    "applicants",
    "rate_metric",
    "rate",
    "impact_ratio",
    "impact_ratio_excluded_reason",
)


@dataclass(frozen=True)
class Row:
    """One category: its applicants, rate, impact ratio, and why it is left out of them."""

    category: tuple[str, ...]
    n: int
    rate: float | None
    impact_ratio: float | None
    excluded: str | None


@dataclass(frozen=True)
class Section:
    """The categories of one feature, or of one intersection of features."""

    features: tuple[str, ...]
    metric: str
    rows: tuple[Row, ...]
    unknown: int  # individuals with a missing or unknown value of any of the features
    below: float | None  # the check's min: impact ratios under it are marked


def rate_of(check: dict[str, Any]) -> str | None:
    """The rate a fairness check compares across groups (None: not a selection/scoring rate)."""
    metric = check.get("metric")
    if check.get("type") != "fairness":
        return None
    if metric in RATES:
        return metric
    named = NAMED_DISPARITIES.get(metric or "")
    return named.components[0] if named and named.components == ("selection_rate",) else None


def rate_checks(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The fairness checks of selection / scoring rates that list groups; UsageError if none."""
    checks = [c for c in report["checks"] if rate_of(c) and c.get("groups")]
    if not checks:
        raise UsageError(
            "--format audit summarises fairness checks of selection_rate or scoring_rate (as "
            "builtin:nyc-ll144 declares them), and this policy has none with groups to show"
        )
    return checks


def sections(report: dict[str, Any]) -> list[Section]:
    """One section per rate and feature set (the first check to cover them wins), features
    before intersections: a policy with a selection-rate and a scoring-rate check shows both."""
    found: dict[tuple[str, tuple[str, ...]], Section] = {}
    for check in rate_checks(report):
        by_features: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for group in check["groups"]:
            by_features.setdefault(tuple(group["group"]), []).append(group)
        for features, groups in by_features.items():
            key = (rate_of(check) or "", features)
            if key not in found:
                found[key] = _section(features, groups, check)
    return sorted(found.values(), key=lambda s: len(s.features))


def _section(features: tuple[str, ...], groups: list[dict[str, Any]], check: dict) -> Section:
    """Impact ratio = a category's rate / the highest rate of the categories kept."""
    known = [g for g in groups if MISSING not in g["group"].values()]
    kept = [g["value"] for g in known if not g.get("excluded") and g["value"] is not None]
    top = max(kept, default=None)
    rows = tuple(
        Row(
            tuple(g["group"].values()),
            g["n"],
            g["value"],
            None
            if g.get("excluded") or not top or g["value"] is None
            else rounded(g["value"] / top),
            g.get("excluded_reason") if g.get("excluded") else None,
        )
        for g in known
    )
    unknown = sum(g["n"] for g in groups if MISSING in g["group"].values())
    below = (check.get("threshold") or {}).get("min")
    return Section(features, rate_of(check) or "", rows, unknown, below)


def _first(checks: list[dict[str, Any]], key: str) -> Any:
    return next((c[key] for c in checks if c.get(key) is not None), None)


def _unknown(report: dict[str, Any], parts: list[Section]) -> dict[str, int]:
    """Individuals in an unknown category, per feature (from the checks, else the groups)."""
    stated = _first(rate_checks(report), "unknown")
    derived = {s.features[0]: s.unknown for s in parts if len(s.features) == 1}
    return {**derived, **(stated or {})}


def _facts(report: dict[str, Any], parts: list[Section]) -> list[tuple[str, str]]:
    """The summary's header: (what, value), values as text."""
    audit = report.get("audit") or {}
    checks = rate_checks(report)
    out = [(label, str(audit.get(key) or "not stated")) for key, label in FIELDS]
    period = audit.get("data_period") or {}
    shown = f"{period.get('start', '?')} to {period.get('end', '?')}" if period else "not stated"
    out.append(("Data period", shown))
    data = report["inputs"].get("data") or {}
    out.append(("Data file", f"{data.get('path', '?')} (sha256 {data.get('sha256', '?')})"))
    out.append(("Total number of individuals", str(_first(checks, "n"))))
    unknown = _unknown(report, parts)
    shown = ", ".join(f"{k}: {v}" for k, v in unknown.items()) or "0"
    out.append(("Number in an unknown category", shown))
    median = _first(checks, "score_median")
    if median is not None:
        out.append(("Scoring rate threshold (median score)", fmt(median)))
    return out


def _cell(value: float | None) -> str:
    return "—" if value is None else fmt(value)


def _title(section: Section) -> str:
    rate = RATES.get(section.metric, section.metric).lower()
    if len(section.features) == 1:
        return f"Categories of {section.features[0]} ({rate})"
    return f"Intersectional categories: {features(section)} ({rate})"


def features(section: Section) -> str:
    """'sex', or an intersection's 'sex & race'."""
    return GROUP_JOIN.join(section.features)


def category(section: Section, row: Row) -> str:
    """A category as every output names it: 'F' under the heading 'sex', and an
    intersection's 'sex=F & race=A' (gate.wording.group_name) under 'Category'."""
    if len(section.features) == 1:
        return str(row.category[0])
    return group_name(zip(section.features, row.category, strict=True))


def _ratio_text(row: Row, section: Section) -> str:
    if row.excluded:
        return f"excluded: {md(row.excluded)}"
    mark = " †" if section.below is not None and (row.impact_ratio or 0) < section.below else ""
    return _cell(row.impact_ratio) + mark


def _heading(section: Section) -> str:
    return section.features[0] if len(section.features) == 1 else "Category"


def _table(section: Section) -> list[str]:
    rate = RATES.get(section.metric, section.metric)
    lines = [
        f"## {md(_title(section))}",
        "",
        f"| {md(_heading(section))} | Number of applicants | {rate} | Impact ratio |",
        "|---|---:|---:|---:|",
    ]
    for row in section.rows:
        cells = (md(category(section, row)), str(row.n), _cell(row.rate), _ratio_text(row, section))
        lines.append(f"| {' | '.join(cells)} |")
    lines += ["", f"Unknown category (counted, left out of the categories): {section.unknown}"]
    return [*lines, *_notes(section), ""]


def _notes(section: Section) -> list[str]:
    notes = []
    if any(r.excluded and r.excluded.startswith("under") for r in section.rows):
        notes.append(
            "Categories under the stated share of the data are left out of the impact-ratio "
            "calculation (6 RCNY 5-301(d)); their applicants and rates are shown."
        )
    if section.below is not None and any(
        r.impact_ratio is not None and r.impact_ratio < section.below for r in section.rows
    ):
        notes.append(f"† impact ratio under {fmt(section.below)}.")
    return ["", *notes] if notes else []


def _definition(parts: list[Section]) -> str:
    if any(s.metric == "scoring_rate" for s in parts):
        rate = "scoring rate: the share of a category's individuals scoring above the median score"
    else:
        rate = "selection rate: the share of a category's individuals selected"
    return f"{rate}; impact ratio: a category's rate / the highest rate of the categories kept."


def audit_markdown(report: dict[str, Any]) -> str:
    """audit.md from a report.json document."""
    parts = sections(report)
    name = (report.get("audit") or {}).get("aedt_name") or report.get("policy") or ""
    lines = [f"# Bias audit summary — {md(name)}", "", "| | |", "|---|---|"]
    lines += [f"| {label} | {md(value)} |" for label, value in _facts(report, parts)]
    lines += ["", md(_definition(parts)), ""]
    for section in parts:
        lines += _table(section)
    notes = (report.get("audit") or {}).get("notes")
    if notes:
        lines += [f"Notes: {md(notes)}", ""]
    return "\n".join(lines)


#: a cell a spreadsheet may run as a formula starts with one of these (OWASP, CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(text: str) -> str:
    """A CSV cell on one line (control characters as escapes) that a spreadsheet will not run
    as a formula (OWASP: a `'` before a leading = + - @ tab or carriage return, nothing else),
    and that never starts a line with a workflow command (`::`, also after blanks; `##[`)."""
    risky = text.startswith(FORMULA_START) or text.lstrip().startswith(("::", "##["))
    text = visible(text)
    return "'" + text if risky else text


def audit_csv(report: dict[str, Any]) -> str:
    """audit.csv from a report.json document: one row per category, and per section one row
    (kind "unknown") counting the individuals in an unknown category."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for s in sections(report):
        title = _safe(features(s))
        for r in s.rows:
            ratio = "" if r.impact_ratio is None else repr(r.impact_ratio)
            rate = "" if r.rate is None else repr(r.rate)
            name, why = _safe(category(s, r)), _safe(r.excluded or "")
            writer.writerow([title, "category", name, r.n, s.metric, rate, ratio, why])
        writer.writerow([title, "unknown", "Unknown", s.unknown, s.metric, "", "", ""])
    return out.getvalue()


def _document(evaluation: Evaluation) -> dict[str, Any]:
    return rounded(to_dict(evaluation))


def render(evaluation: Evaluation) -> str:
    """audit.md (from the report.json this evaluation writes)."""
    return audit_markdown(_document(evaluation))


def render_csv(evaluation: Evaluation) -> str:
    """audit.csv (from the report.json this evaluation writes)."""
    return audit_csv(_document(evaluation))
