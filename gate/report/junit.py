"""junit.xml: one test case per check, for CI test-report views (JUnit 10 XSD), and one for the
decision of a rollout analysis that held the checks' verdict back (`model-gate analyze`).

A failure turns a CI test view red, so only what blocks is a <failure> (or <error>). A check
that a report-only run reports but does not enforce is <skipped type="not-enforced"> with its
status in the message, as pytest writes an expected failure (xfail): visible as not passed in
every test view, and not red.

The tree holds the untrusted text as it is; `_xml` writes every attribute and text through
`markup`, so each element sits on its own line, starting with its tag.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from gate.report.escape import markup
from gate.results import CheckResult, Decision, Evaluation, Status
from gate.wording import blocks, not_enforced, severity_label, status_label


def _case(r: CheckResult, decision: Decision, suite: str) -> ET.Element:
    message = r.message
    case = ET.Element("testcase", name=r.id, classname=f"{suite}.{r.type}", time="0")
    if r.status is Status.SKIPPED:
        ET.SubElement(case, "skipped", message=message)
    elif not_enforced(r, decision):
        label = status_label(r, decision)
        ET.SubElement(case, "skipped", type="not-enforced", message=f"{label}: {message}")
    elif blocks(r, decision):
        tag = "error" if r.status is Status.ERROR else "failure"
        node = ET.SubElement(case, tag, type=r.status.value, message=message)
        node.text = f"{message}\n(policy {r.location})" if r.location else message
    label, severity = status_label(r, decision), severity_label(r, decision)
    out = [f"status: {label} (severity {severity})", message]
    if r.waiver:
        w = {k: str(v) for k, v in r.waiver.items()}
        out.append(
            f"waiver: {w.get('reason', '')} — {w.get('approved_by', '')}, "
            f"expires {w.get('expires', '')} ({w.get('state', '')})"
        )
    ET.SubElement(case, "system-out").text = "\n".join(out)
    return case


def _held(decision: Decision, suite: str) -> list[ET.Element]:
    """A rollout analysis that held the checks' own verdict back (block or inconclusive over
    it): one more case, failed, saying why, so the test view shows the decision the exit code
    carries; none otherwise."""
    why = decision.held_back
    if why is None:
        return []
    case = ET.Element("testcase", name="analysis decision", classname=f"{suite}.analysis", time="0")
    node = ET.SubElement(case, "failure", type=decision.verdict.value, message=why)
    node.text = "\n".join([why, *decision.notes])
    return [case]


def render(evaluation: Evaluation) -> str:
    """The JUnit XML document."""
    d = evaluation.decision
    cases = [_case(r, d, evaluation.policy_name) for r in d.results]
    cases += _held(d, evaluation.policy_name)
    failures = sum(c.find("failure") is not None for c in cases)
    errors = sum(c.find("error") is not None for c in cases)
    skipped = sum(c.find("skipped") is not None for c in cases)
    suite = ET.Element(
        "testsuite",
        name=f"model-gate: {evaluation.policy_name}",
        tests=str(len(cases)),
        failures=str(failures),
        errors=str(errors),
        skipped=str(skipped),
        time="0",
    )
    suite.extend(cases)
    root = ET.Element(
        "testsuites",
        name="model-gate",
        tests=str(len(cases)),
        failures=str(failures),
        errors=str(errors),
    )
    root.append(suite)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + _xml(root)


def _xml(node: ET.Element, depth: int = 0) -> str:
    """`node` indented, one element a line; attributes and text through `markup`."""
    pad = "  " * depth
    attrs = "".join(f' {k}="{markup(v)}"' for k, v in node.attrib.items())
    if len(node):
        inner = "".join(_xml(child, depth + 1) for child in node)
        return f"{pad}<{node.tag}{attrs}>\n{inner}{pad}</{node.tag}>\n"
    if node.text:
        return f"{pad}<{node.tag}{attrs}>{markup(node.text)}</{node.tag}>\n"
    return f"{pad}<{node.tag}{attrs} />\n"
