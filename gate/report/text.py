"""The terminal report: one line a check, coloured when the output is a terminal."""

from __future__ import annotations

from gate.report.escape import term
from gate.results import CheckResult, Evaluation, Status, Verdict

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
}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if color else text


def _check_lines(r: CheckResult, width: int, color: bool) -> list[str]:
    status = _paint(f"{term(r.status.value.upper()):<12}", COLORS[r.status], color)
    lines = [f"  {status} {term(r.id):<{width}}  [{term(r.severity.value)}] {term(r.message)}"]
    if r.waiver:
        w = {k: term(v) for k, v in r.waiver.items()}
        lines.append(
            f"  {'':<12} {'':<{width}}  waiver ({w.get('state', '')}, "
            f"expires {w.get('expires', '')}): {w.get('reason', '')}"
        )
    return lines


def render(evaluation: Evaluation, color: bool = False) -> str:
    """Plain text, every untrusted value escaped by `term`; `color` adds ANSI colours."""
    d = evaluation.decision
    width = max((len(term(r.id)) for r in d.results), default=0)
    version, policy = term(evaluation.tool_version), term(evaluation.policy_name)
    lines = [f"model-gate {version} · policy {policy}", ""]
    for r in d.results:
        lines += _check_lines(r, width, color)
    lines += [f"  note: {term(n)}" for n in d.notes]
    verdict = HEADLINES[d.verdict]
    code = "31;1" if d.verdict is Verdict.BLOCK else "32;1" if d.verdict is Verdict.APPROVE else "1"
    summary = ", ".join(f"{v} {k}" for k, v in d.counts().items() if v)
    lines += ["", f"{_paint(verdict, code, color)} ({summary}) · exit {d.exit_code}"]
    return "\n".join(lines) + "\n"
