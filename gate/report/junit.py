"""junit.xml: one test case per check, for CI test-report views (JUnit 10 XSD)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from gate.results import CheckResult, Decision, Evaluation, Status


def counts_against(r: CheckResult, decision: Decision) -> bool:
    """True when this result is part of why the decision blocks."""
    return r.blocking or (decision.fail_on_warn and r.warning)


def _case(r: CheckResult, decision: Decision, suite: str) -> ET.Element:
    case = ET.Element("testcase", name=r.id, classname=f"{suite}.{r.type}", time="0")
    if r.status is Status.SKIPPED:
        ET.SubElement(case, "skipped", message=r.message)
    elif counts_against(r, decision):
        tag = "error" if r.status is Status.ERROR else "failure"
        node = ET.SubElement(case, tag, type=r.status.value, message=r.message)
        node.text = f"{r.message}\n(policy {r.location})" if r.location else r.message
    out = [f"status: {r.status.value} (severity {r.severity.value})", r.message]
    if r.waiver:
        out.append(
            f"waiver: {r.waiver['reason']} — {r.waiver['approved_by']}, "
            f"expires {r.waiver['expires']} ({r.waiver['state']})"
        )
    ET.SubElement(case, "system-out").text = "\n".join(out)
    return case


def render(evaluation: Evaluation) -> str:
    """The JUnit XML document."""
    d = evaluation.decision
    cases = [_case(r, d, evaluation.policy_name) for r in d.results]
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
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"
