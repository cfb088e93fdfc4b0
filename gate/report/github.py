"""GitHub workflow-command annotations, pointing at the policy line of each unmet check."""

from __future__ import annotations

from gate.report.codequality import location_of
from gate.report.escape import gh_data as escape_data
from gate.report.escape import gh_property as escape_property
from gate.results import NOT_MET, CheckResult, Decision, Evaluation, Severity, Status, Verdict
from gate.wording import blocks, status_label

PER_LEVEL = 10


def level(r: CheckResult, d: Decision) -> str:
    """error for what blocks, warning for warnings and for what a report-only run does not
    block on, notice for the rest."""
    if blocks(r, d):
        return "error"
    return "warning" if r.severity is Severity.WARN or r.blocking else "notice"


def annotation(r: CheckResult, d: Decision) -> str:
    path, line = location_of(r)
    props = [f"title={escape_property(f'model-gate: {r.id} {status_label(r, d)}')}"]
    if path:
        props[:0] = [f"file={escape_property(path)}", f"line={line}"]
    return f"::{level(r, d)} {','.join(props)}::{escape_data(r.message)}"


def _held(d: Decision) -> list[str]:
    """A rollout analysis that held the checks' own verdict back (review12e #9): one
    annotation saying the decision the exit code carries, and why; none otherwise."""
    why = d.held_back
    if why is None:
        return []
    lvl = "error" if d.verdict is Verdict.BLOCK else "warning"
    title = escape_property(f"model-gate: analysis {d.verdict.value}")
    said = "\n".join(d.notes) or why  # the notes analyze writes say both verdicts, and why
    return [f"::{lvl} title={title}::{escape_data(said)}"]


def render(evaluation: Evaluation) -> str:
    """The analysis's held verdict (if any), then at most ten annotations per level, then
    one line saying how many more there are."""
    unmet = [
        r for r in evaluation.decision.results if r.status in NOT_MET or r.status is Status.WAIVED
    ]
    lines = _held(evaluation.decision)
    for lvl in ("error", "warning", "notice"):
        mine = [r for r in unmet if level(r, evaluation.decision) == lvl]
        lines += [annotation(r, evaluation.decision) for r in mine[:PER_LEVEL]]
        if len(mine) > PER_LEVEL:
            lines.append(
                f"::{lvl}::{len(mine) - PER_LEVEL} more model-gate {lvl}s: "
                "see the job summary or report.json"
            )
    return "".join(line + "\n" for line in lines)
