"""The terminal report: one line a check, coloured when the output is a terminal."""

from __future__ import annotations

from gate.results import Evaluation, Status, Verdict

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


def render(evaluation: Evaluation, color: bool = False) -> str:
    """Plain text; `color` adds ANSI colours."""
    d = evaluation.decision
    width = max((len(r.id) for r in d.results), default=0)
    lines = [f"model-gate {evaluation.tool_version} · policy {evaluation.policy_name}", ""]
    for r in d.results:
        status = _paint(f"{r.status.value.upper():<12}", COLORS[r.status], color)
        lines.append(f"  {status} {r.id:<{width}}  [{r.severity.value}] {r.message}")
        if r.waiver:
            lines.append(
                f"  {'':<12} {'':<{width}}  waiver ({r.waiver['state']}, "
                f"expires {r.waiver['expires']}): {r.waiver['reason']}"
            )
    lines += [f"  note: {n}" for n in d.notes]
    verdict = HEADLINES[d.verdict]
    code = "31;1" if d.verdict is Verdict.BLOCK else "32;1" if d.verdict is Verdict.APPROVE else "1"
    summary = ", ".join(f"{v} {k}" for k, v in d.counts().items() if v)
    lines += ["", f"{_paint(verdict, code, color)} ({summary}) · exit {d.exit_code}"]
    return "\n".join(lines) + "\n"
