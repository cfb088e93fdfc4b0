"""The words of a drift result: each column's reason, and the check's message."""

from __future__ import annotations

from typing import Any

from gate.checks.drift_verdicts import Verdict
from gate.policy.model import DriftOptions
from gate.results import fmt
from gate.wording import group_name


def reason(values: Verdict, missing: Verdict) -> str:
    if values is True and missing is True:
        return "distribution and missing share"
    if missing is True:
        return "missing share"
    if values is True:
        return "distribution"
    return "none" if values is False and missing is False else "uncertain"


def message(entries: list[dict[str, Any]], share: float, opts: DriftOptions) -> str:
    drifted = [e for e in entries if e["drifted"] is True]
    unsure = [e for e in entries if e["drifted"] is None]
    features = sum(e["role"] == "feature" for e in entries)
    moved = sum(e["role"] == "feature" for e in drifted)
    head = f"{moved} of {features} columns drifted ({fmt(share)})"
    outputs = [e["column"] for e in drifted if e["role"] == "output"]
    if outputs:
        head += f", and the model's {' and '.join(outputs)}"
    parts = [head + (": " + "; ".join(describe(e) for e in drifted) if drifted else "")]
    if unsure:
        parts.append(f"{len(unsure)} inconclusive: " + ", ".join(e["column"] for e in unsure))
    parts.append(f"allowed share {fmt(opts.max_drifted_share)} (any drifted model output fails)")
    return "; ".join(parts)


def describe(entry: dict[str, Any]) -> str:
    name = entry["column"] + (" (model output)" if entry["role"] == "output" else "")
    bits = []
    if entry["reason"] in ("distribution", "distribution and missing share"):
        value = entry["value"]
        shown = "n/a" if value is None else fmt(value)
        if entry["ci"]:
            shown += f" [{fmt(entry['ci'][0])}, {fmt(entry['ci'][1])}]"
        if entry["p_adjusted"] is not None and "p_value" in entry["threshold"]:
            shown = f"p={entry['p_adjusted']:.3g}"
        bits.append(f"{entry['method']} {shown}")
    if entry["missing"]["drifted"]:
        m = entry["missing"]
        bits.append(f"missing {fmt(m['reference'])} -> {fmt(m['current'])}")
    where = entry.get("concentrated")
    if where:
        shown = ", ".join(group_name(g) for g in where)
        bits.append(f"concentrated in {shown}")
    return f"{name}: {', '.join(bits)}"
