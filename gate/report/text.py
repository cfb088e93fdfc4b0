"""The terminal report: one line a check, coloured when the output is a terminal."""

from __future__ import annotations

from gate import wording
from gate.report.escape import term
from gate.report.group_bounds import series
from gate.results import CheckResult, Decision, Evaluation, Status, Verdict

COLORS = {
    Status.PASS: "32",
    Status.FAIL: "31",
    Status.WARN: "33",
    Status.WAIVED: "36",
    Status.INCONCLUSIVE: "35",
    Status.ERROR: "31;1",
    Status.SKIPPED: "2",
}

HEADLINES = {
    Verdict.APPROVE: "APPROVED",
    Verdict.BLOCK: "BLOCKED",
    Verdict.REPORT: "REPORT ONLY — no gate decision",
    Verdict.INCONCLUSIVE: "INCONCLUSIVE — more labelled rows will decide",
}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if color else text


def _label(r: CheckResult, d: Decision) -> str:
    return term(wording.status_label(r, d)).upper()


def _check_lines(r: CheckResult, d: Decision, widths: tuple[int, int], color: bool) -> list[str]:
    lw, width = widths
    status = _paint(f"{_label(r, d):<{lw}}", COLORS[wording.weight(r, d)], color)
    severity = term(wording.severity_label(r, d))
    lines = [f"  {status} {term(r.id):<{width}}  [{severity}] {term(r.message)}"]
    pad = f"  {'':<{lw}} {'':<{width}}  "
    past = _past_groups(r)
    if past:
        lines.append(f"{pad}past the bound: {past}")
    if r.waiver:
        w = {k: term(v) for k, v in r.waiver.items()}
        lines.append(
            f"{pad}waiver ({w.get('state', '')}, "
            f"expires {w.get('expires', '')}): {w.get('reason', '')}"
        )
    return lines


def _past_groups(r: CheckResult) -> str:
    """Every group past the bound, not only the worst, with what it is judged on:
    'race=B impact ratio 0.6963' or, between groups, 'race=B selection_rate 0.3133'."""
    if r.status is Status.PASS:
        return ""
    shown = [
        f"{term(row.label)} {term(s.name)} {row.value:.4g}"
        for s in series(r)
        for row in s.rows
        if row.past and row.value is not None
    ]
    return ", ".join(shown)


def render(evaluation: Evaluation, color: bool = False) -> str:
    """Plain text, every untrusted value escaped by `term`; `color` adds ANSI colours."""
    d = evaluation.decision
    width = max((len(term(r.id)) for r in d.results), default=0)
    labels = max((len(_label(r, d)) for r in d.results), default=0)
    version, policy = term(evaluation.tool_version), term(evaluation.policy_name)
    lines = [f"model-gate {version} · policy {policy}", ""]
    for r in d.results:
        lines += _check_lines(r, d, (labels, width), color)
    lines += [f"  note: {term(n)}" for n in d.notes]
    verdict = HEADLINES[d.verdict]
    code = "31;1" if d.verdict is Verdict.BLOCK else "32;1" if d.verdict is Verdict.APPROVE else "1"
    tail = f"{wording.summary(d)} · exit {d.exit_code}"
    lines += ["", f"{_paint(verdict, code, color)} · {tail}"]
    return "\n".join(lines) + "\n"
