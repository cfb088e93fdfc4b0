"""One policy mistake of every class the loader knows, placed in a two-file tree (root.yaml
extends base.yaml), and the tree built from any subset of them, with where each should show."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Mistake:
    name: str
    file: str  # root | base
    section: str  # top | data | params | checks | waivers | extends
    text: str  # one line of that section
    expected: tuple[str, ...]  # a fragment of each problem it causes, in order


M = Mistake
MISTAKES = [
    M(
        "unknown-top-key",
        "root",
        "top",
        "nmae: x",
        ("unknown key 'nmae' in (top level); did you mean 'name'?",),
    ),
    M(
        "unknown-data-key",
        "base",
        "data",
        "sensitve: [sex]",
        ("unknown key 'sensitve' in data; did you mean 'sensitive'?",),
    ),
    M(
        "unknown-param",
        "root",
        "params",
        "flor: 0.8",
        ("'flor' is not a parameter of any extended policy; did you mean 'floor'?",),
    ),
    M(
        "undeclared-placeholder",
        "root",
        "checks",
        "{id: m1, type: performance, metric: accuracy, min: '${nope}'}",
        ("'${nope}' is not a declared parameter", "].min must be of type number, not str"),
    ),
    M(
        "misspelt-metric",
        "root",
        "checks",
        "{id: m2, type: performance, metric: roc_aucc, min: 0.7}",
        ("check 'm2': 'roc_aucc' is not a performance metric; did you mean 'roc_auc'?",),
    ),
    M(
        "key-of-another-type",
        "base",
        "checks",
        "{id: m3, type: performance, metric: accuracy, min: 0.7, bins: 5}",
        ("check 'm3': 'bins' does not apply to performance checks",),
    ),
    M(
        "unknown-check-key",
        "base",
        "checks",
        "{id: m4, type: performance, metric: accuracy, min: 0.7, sevrity: warn}",
        ("check 'm4': unknown key 'sevrity'",),
    ),
    M(
        "missing-metric",
        "root",
        "checks",
        "{id: m5, type: performance, min: 0.7}",
        ("check 'm5': a performance check needs 'metric'",),
    ),
    M(
        "wrong-type",
        "base",
        "checks",
        "{id: m6, type: performance, metric: accuracy, min: '0.5'}",
        ("must be of type number, not str",),
    ),
    M(
        "unknown-value",
        "root",
        "checks",
        "{id: m7, type: performance, metric: accuracy, min: 0.5, severity: fatal}",
        ("'fatal' is not a known value",),
    ),
    M(
        "unknown-type",
        "base",
        "checks",
        "{id: m8, type: perfomance, metric: accuracy, min: 0.5}",
        ("did you mean 'performance'?",),
    ),
    M(
        "bad-id",
        "root",
        "checks",
        "{id: 'bad id', type: performance, metric: accuracy, min: 0.5}",
        ("does not match",),
    ),
    M(
        "non-finite",
        "base",
        "checks",
        "{id: m9, type: performance, metric: accuracy, max: .nan}",
        ("nan is not a finite number",),
    ),
    M(
        "min-above-max",
        "root",
        "checks",
        "{id: m10, type: performance, metric: accuracy, min: 0.9, max: 0.1}",
        ("min (0.9) is greater than max (0.1)",),
    ),
    M(
        "no-condition",
        "base",
        "checks",
        "{id: m11, type: performance, metric: accuracy}",
        ("check 'm11' has no condition",),
    ),
    M(
        "confidence-without-bound",
        "root",
        "checks",
        "{id: m12, type: performance, metric: f1, confidence: 0.9, baseline: {max_drop: 0.1}}",
        ("'confidence' needs a 'min' or 'max'",),
    ),
    M(
        "fairness-needs-aggregate",
        "base",
        "checks",
        "{id: m13, type: fairness, metric: selection_rate, min: 0.8}",
        ("needs 'aggregate: difference' or 'aggregate: ratio'",),
    ),
    M(
        "named-aggregate",
        "root",
        "checks",
        "{id: m14, type: fairness, metric: equal_opportunity_ratio, aggregate: difference, min: 1}",
        ("equal_opportunity_ratio is a ratio",),
    ),
    M(
        "agg-not-equalized-odds",
        "base",
        "checks",
        "{id: m15, type: fairness, metric: demographic_parity_ratio, min: 0.8, agg: mean}",
        ("'agg' applies to equalized_odds metrics only",),
    ),
    M(
        "reference-without-method",
        "root",
        "checks",
        "{id: m16, type: fairness, metric: recall, aggregate: ratio, min: 1, reference: {sex: f}}",
        ("'reference' needs 'method: to_reference'",),
    ),
    M(
        "fairness-metric-misspelt",
        "base",
        "checks",
        "{id: m17, type: fairness, metric: demographic_parity, max: 0.1}",
        ("did you mean 'demographic_parity_difference'?",),
    ),
    M(
        "drift-method-of-fairness",
        "root",
        "checks",
        "{id: m18, type: drift, method: to_overall}",
        ("'to_overall' is a fairness method, not a drift one",),
    ),
    M(
        "drift-columns",
        "base",
        "checks",
        "{id: m19, type: drift, columns: model}",
        ("drift 'columns' is 'all' or a list",),
    ),
    M(
        "drift-numeric-only",
        "root",
        "checks",
        "{id: m20, type: drift, method: {categorical: ks}}",
        ("ks compares numbers",),
    ),
    M(
        "drift-confidence-p-value",
        "base",
        "checks",
        "{id: m21, type: drift, verdict: p_value, confidence: 0.9}",
        ("'confidence' applies to verdict: effect_size only",),
    ),
    M(
        "drift-evidently",
        "root",
        "checks",
        "{id: m22, type: drift, engine: evidently}",
        ("add 'verdict: p_value'",),
    ),
    M(
        "quality-no-rule",
        "base",
        "checks",
        "{id: m23, type: data_quality}",
        ("give at least one rule",),
    ),
    M(
        "quality-range",
        "root",
        "checks",
        "{id: m24, type: data_quality, ranges: {age: {min: 5, max: 1}}}",
        ("range of 'age' has min 5 above max 1",),
    ),
    M(
        "quality-columns",
        "base",
        "checks",
        "{id: m25, type: data_quality, columns: all}",
        ("data_quality 'columns' lists the expected columns",),
    ),
    M(
        "prohibited-no-features",
        "root",
        "checks",
        "{id: m26, type: prohibited_features}",
        ("list the prohibited 'features'",),
    ),
    M("proxy-no-max", "base", "checks", "{id: m27, type: proxy_features}", ("give 'max'",)),
    M(
        "documentation-empty",
        "root",
        "checks",
        "{id: m28, type: documentation}",
        ("give 'required' fields",),
    ),
    M(
        "duplicate-id",
        "root",
        "checks",
        "{id: ok-root, type: performance, metric: accuracy, min: 0.2}",
        ("duplicate check id 'ok-root'",),
    ),
    M(
        "waiver-unknown-check",
        "root",
        "waivers",
        "{check: nope, reason: r, approved_by: a, expires: 2030-01-01}",
        ("waiver for unknown check 'nope'",),
    ),
    M(
        "waiver-date",
        "base",
        "waivers",
        "{check: ok-base, reason: r, approved_by: a, expires: 2027-02-30}",
        ("not a calendar date",),
    ),
    M(
        "waiver-group",
        "root",
        "waivers",
        "{check: ok-base, reason: r, approved_by: a, expires: 2030-01-01, group: {sex: f}}",
        ("a group can be waived only on a fairness check",),
    ),
    M(
        "type-misspelt-with-other-mistakes",
        "base",
        "checks",
        "{id: m29, type: perfomance, metric: accuracy, min: 0.9, max: 0.1, bins: 5, sevrity: warn}",
        (
            "'perfomance' is not a known value; did you mean 'performance'?",
            "min (0.9) is greater than max (0.1), so it can never pass (judged as a performance",
            "'bins' does not apply to performance checks (judged as a performance check",
            "unknown key 'sevrity'; did you mean 'severity'? (judged as a performance check",
        ),
    ),
    M(
        "type-unknown-with-unknown-key",
        "root",
        "checks",
        "{id: m30, type: zzz, metric: accuracy, sevrity: warn}",
        ("'zzz' is not a known value", "unknown key 'sevrity' for any check type"),
    ),
    M(
        "reference-feature-not-grouped",
        "root",
        "checks",
        "{id: m31, type: fairness, metric: selection_rate, aggregate: ratio, min: 0.8, "
        "method: to_reference, sensitive: [sex], reference: {sx: f}}",
        (
            "reference names 'sx', which the check does not group by (it groups by sex, "
            "from its sensitive:); did you mean 'sex'?",
        ),
    ),
    M(
        "reference-of-separate-features",
        "base",
        "checks",
        "{id: m32, type: fairness, metric: selection_rate, aggregate: ratio, min: 0.8, "
        "method: to_reference, sensitive: [sex, race], reference: f}",
        ("a reference group needs one grouping",),
    ),
    M(
        "merge-key",
        "root",
        "checks",
        "{<<: {type: performance, metric: accuracy}, id: m33, min: 0.9, max: 0.1}",
        ("merge keys ('<<') are not supported; repeat the keys", "min (0.9) is greater than max"),
    ),
    M(
        "aliased-duplicate-id",
        "root",
        "checks",
        "*okroot",
        ("duplicate check id 'ok-root'",),
    ),
    M(
        "param-breaks-the-base",
        "root",
        "params",
        "floor: abc",
        ("must be of type number, not str (params 'floor' sets checks[0].min at ",),
    ),
    M(
        "waiver-group-feature-not-grouped",
        "root",
        "waivers",
        "{check: ok-fair, reason: r, approved_by: a, expires: 2030-01-01, group: {sx: f}}",
        ("waiver for 'ok-fair': group names 'sx', which the check does not group by",),
    ),
    M(
        "waiver-required",
        "base",
        "waivers",
        "{check: ok-base, approved_by: a, expires: 2030-01-01}",
        ("'reason' is a required property",),
    ),
]
# a base that cannot be used: whole-tree rules wait (unknown params, waivers for unknown checks)
EXTENDS_MISTAKES = [
    M(
        "extends-missing",
        "root",
        "extends",
        "missing.yaml",
        ("extended policy 'missing.yaml' not found",),
    ),
    M(
        "extends-builtin",
        "root",
        "extends",
        "'builtin:eeoc-four-fifth'",
        ("did you mean 'eeoc-four-fifths'?",),
    ),
    M("extends-cycle", "base", "extends", "root.yaml", ("'root.yaml' extends itself (a cycle)",)),
]
HIDDEN_BY_AN_UNUSABLE_BASE = {"unknown-param", "waiver-unknown-check"}

SKELETON = {
    "root": [
        "version: 1",
        "@top",
        "extends:",
        "  - base.yaml",
        "@extends",
        "params:",
        "@params",
        "checks:",
        "  - &okroot {id: ok-root, type: performance, metric: accuracy, min: 0.1}",
        "@checks",
        "waivers:",
        "@waivers",
    ],
    "base": [
        "version: 1",
        "@top",
        "extends:",
        "@extends",
        "parameters:",
        "  floor: {default: 0.7}",
        "data:",
        "  label: y",
        "@data",
        "checks:",
        "  - {id: ok-base, type: performance, metric: accuracy, min: '${floor}'}",
        "  - {id: ok-fair, type: fairness, metric: selection_rate, aggregate: ratio, min: 0.8,"
        " sensitive: [sex]}",
        "@checks",
        "waivers:",
        "@waivers",
    ],
}
INDENT = {
    "top": "",
    "data": "  ",
    "params": "  ",
    "checks": "  - ",
    "waivers": "  - ",
    "extends": "  - ",
}


def write_tree(tmp: Path, mistakes: list[Mistake]) -> dict[str, int]:
    """Write root.yaml and base.yaml with `mistakes`; returns each mistake's line."""
    lines: dict[str, int] = {}
    for file, skeleton in SKELETON.items():
        out: list[str] = []
        for i, row in enumerate(skeleton):
            placed = [m for m in mistakes if m.file == file and m.section == row[1:]]
            if row.startswith("@"):
                for m in placed:
                    out.append(INDENT[m.section] + m.text)
                    lines[m.name] = len(out)
            elif not _empty_header(file, skeleton, i, mistakes):
                out.append(row)
        (tmp / f"{file}.yaml").write_text("\n".join(out) + "\n")
    return lines


def _empty_header(file: str, skeleton: list[str], i: int, mistakes: list[Mistake]) -> bool:
    """A section header with nothing under it would be null: it is left out."""
    following = skeleton[i + 1] if i + 1 < len(skeleton) else ""
    if not skeleton[i].endswith(":") or not following.startswith("@"):
        return False
    return not any(m.file == file and m.section == following[1:] for m in mistakes)
