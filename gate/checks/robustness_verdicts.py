"""A robustness check's verdicts: each probe's flips, score change and monotonicity
violations, judged against the policy's limits, and the report entries that show them.

A flip rate or a violation rate is a binomial share of the probed rows (a row counts once,
whichever of its copies changes): judged on its exact Clopper-Pearson interval, simultaneous
over every share judged against the same limit (Bonferroni), so the check's verdict holds at the
stated confidence as a whole: pass when the upper bound is within the limit, fail when the lower
bound is beyond it, else inconclusive. A limit of 0 is judged on the count: any flip (or
violation) is a counterexample and fails; none passes (the entry's interval still says how
large the share could be). The largest score change is a maximum over what was probed, not an
estimate: it is reported and judged as it is."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from gate.checks.base import ModelOutputs, identity
from gate.checks.conditions import apply_severity, combine
from gate.engine.counterfactual import group_flips
from gate.engine.robustness_probes import Probe
from gate.engine.robustness_stats import (
    changed,
    clopper_pearson,
    copies,
    flips_and_change,
    monotonic_violations,
)
from gate.policy.model import CheckSpec
from gate.results import CheckResult, Status, fmt
from gate.wording import group_name

SHOWN = 5  # items named per condition in the message
LIMITS = ("max_flip_rate", "max_score_change", "max_monotonic_violations")


@dataclass(frozen=True)
class Outputs:
    """The model's outputs on the probed rows (first) and on every probe copy, in order."""

    rows: int
    all: ModelOutputs
    probed: int  # rows the model was called on

    def blocks(self, probes: list[Probe]) -> Iterator[tuple[Probe, np.ndarray, Any]]:
        """Each probe with its labels and scores as (copies, rows)."""
        at = self.rows
        for probe in probes:
            end = at + probe.copies * self.rows
            scores = None if self.all.scores is None else copies(self.all.scores[at:end], self.rows)
            yield probe, copies(self.all.labels[at:end], self.rows), scores
            at = end


def judged_result(
    spec: CheckSpec, regression: bool, plan: Any, outputs: Outputs, sample: dict[str, Any]
) -> CheckResult:
    """The CheckResult of a probed model."""
    opts = spec.robustness
    flips_counted = not regression or opts.tolerance is not None
    base_labels = outputs.all.labels[: outputs.rows]
    base_scores = None if outputs.all.scores is None else outputs.all.scores[: outputs.rows]
    entries: list[dict[str, Any]] = []
    for probe, labels, scores in outputs.blocks(plan.probes):
        entry = {"probe": probe.kind, "feature": probe.feature, "rows": outputs.rows}
        entry |= {"draws": probe.copies * outputs.rows, **probe.detail}
        if probe.kind == "monotonic":
            series = monotone_series(spec, outputs.all.classes, labels, scores)
            entry["judged_on"] = judged_on(outputs.all.classes, scores)
            entry["violations"] = int(monotonic_violations(series, probe.detail["direction"]).sum())
        else:
            flipped, biggest = flips_and_change(
                base_labels, base_scores, labels, scores, regression, opts.tolerance
            )
            entry["max_score_change"] = biggest
            if probe.kind == "noise":
                moved = probe.changed_rows(outputs.rows)
                entry["changed"] = int(moved.sum())  # the flip rate's denominator
                flipped = flipped & moved
            if flips_counted:
                entry["flips"] = int(flipped.sum())
            if probe.kind == "counterfactual" and flips_counted:
                moved = changed(base_labels[None, :], labels, regression, opts.tolerance)
                groups, missing = group_flips(plan.rows[probe.feature], moved)
                entry["rows"] = outputs.rows - missing
                entry["missing"] = missing
                entry["groups"] = [{"value": g.value, "n": g.n, "flips": g.flips} for g in groups]
        entries.append(entry)
    statuses = judge_entries(spec, entries)
    groups = tuple(_group_rows(entries))
    limits = {k: getattr(opts, k) for k in LIMITS if getattr(opts, k) is not None}
    result = {
        "threshold": limits,
        "status": apply_severity(combine(statuses), spec.severity),
        "message": _message(spec, entries, plan.skipped),
        "confidence": opts.confidence,
        "perturbations": tuple(entries + plan.skipped),
        "groups": groups,
        "sample": sample,
        "n": outputs.rows,
    }
    return CheckResult(**identity(spec), **result, **_headline(entries, groups))


def monotone_series(
    spec: CheckSpec, classes: tuple[str, ...] | None, labels: np.ndarray, scores: Any
) -> np.ndarray:
    """What must be monotone (copies, rows): the score (binary: the positive class's; a
    multiclass model: the probability of the check's `class:`), else the decision."""
    if classes is None:
        return scores if scores is not None else labels.astype(float)
    assert spec.of_class is not None  # validation requires `class:` with a monotonic feature
    at = classes.index(spec.of_class)
    return scores[:, :, at] if scores is not None else (labels == at).astype(float)


def judged_on(classes: tuple[str, ...] | None, scores: Any) -> str:
    """What a monotonic probe judged: the score, a class's probability, or (a model that gives
    labels only) the decision, which the report then says."""
    if scores is None:
        return "decision"
    return "score" if classes is None else "class_probability"


def _headline(entries: list[dict[str, Any]], groups: tuple[dict[str, Any], ...]) -> dict:
    """The check's value: the highest flip rate (noise probes, counterfactual groups), else the
    highest monotonicity violation rate, else the largest score change."""
    rates = [e["flip_rate"] for e in entries if "flip_rate" in e and e["probe"] == "noise"]
    rates += [g["value"] for g in groups]
    if rates:
        return {"metric": "flip_rate", "value": max(rates)}
    violations = [e["violation_rate"] for e in entries if "violation_rate" in e]
    if violations:
        return {"metric": "violation_rate", "value": max(violations)}
    changes = [e["max_score_change"] for e in entries if e.get("max_score_change") is not None]
    return {"metric": "max_score_change", "value": max(changes)} if changes else {}


def _share_items(entries: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """The shares judged by one limit: noise probes and counterfactual groups (flips), or
    monotonic probes (violations)."""
    if kind == "violations":
        return [e for e in entries if e["probe"] == "monotonic"]
    out = [e for e in entries if e["probe"] == "noise" and "flips" in e]
    return out + [g for e in entries for g in e.get("groups", ())]


def judge_entries(spec: CheckSpec, entries: list[dict[str, Any]]) -> list[Status]:
    """Every share and maximum against its limit; the statuses written into the entries."""
    opts = spec.robustness
    for e in entries:
        n = denominator(e)
        if "flips" in e:
            e["flip_rate"] = e["flips"] / n if n else 0.0
        if "violations" in e:
            e["violation_rate"] = e["violations"] / n if n else 0.0
    limits = (("flips", opts.max_flip_rate), ("violations", opts.max_monotonic_violations))
    for kind, limit in limits:
        items = _share_items(entries, kind)
        each = 1 - (1 - opts.confidence) / max(len(items), 1)
        for item in items:
            k, n = item[kind], denominator(item)
            item["ci"] = list(clopper_pearson(k, n, each))
            item["confidence"] = each
            if limit is not None:
                item["status"] = _share_status(k, item["ci"], limit).value
    for e in entries:
        found = [Status(e["status"])] if "status" in e else []
        found += [Status(g["status"]) for g in e.get("groups", ()) if "status" in g]
        if opts.max_score_change is not None and e["probe"] == "noise":
            found.append(_change_status(e.get("max_score_change"), opts.max_score_change))
            e["score_status"] = found[-1].value
        e["status"] = combine(found).value if found else Status.PASS.value
    return [Status(e["status"]) for e in entries]


def denominator(item: dict[str, Any]) -> int:
    """The rows a share is of: a counterfactual group's rows, the rows a noise probe actually
    changed, else the probed rows."""
    return int(item.get("n", item.get("changed", item.get("rows", 0))))


def _share_status(k: int, ci: list[float], limit: float) -> Status:
    if limit == 0:
        return Status.PASS if k == 0 else Status.FAIL
    if ci[1] <= limit:
        return Status.PASS
    return Status.FAIL if ci[0] > limit else Status.INCONCLUSIVE


def _change_status(change: float | None, limit: float) -> Status:
    if change is None:
        return Status.ERROR  # the model gives labels only: there is no score to change
    return Status.PASS if change <= limit else Status.FAIL


def _group_rows(entries: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """report.json `groups`: each counterfactual group's flip rate and interval."""
    for e in entries:
        for g in e.get("groups", ()):
            rate = g["flips"] / g["n"] if g["n"] else 0.0
            yield {"group": {e["feature"]: g["value"]}, "n": g["n"], "value": rate, "ci": g["ci"]}


def _label(e: dict[str, Any]) -> str:
    if e["probe"] == "monotonic":
        on = (
            ", judged on decisions: the model gives labels only"
            if e.get("judged_on") == ("decision")
            else ""
        )
        return f"{e['feature']} ({e['direction']}{on})"
    return "every perturbed input at once" if e["feature"] == "*" else e["feature"]


def _message(spec: CheckSpec, entries: list[dict[str, Any]], skipped: list) -> str:
    opts = spec.robustness
    flips = [(_label(e), e) for e in entries if e["probe"] == "noise" and "flips" in e]
    flips += [
        (group_name({e["feature"]: g["value"]}) + " (counterfactual)", g)
        for e in entries
        for g in e.get("groups", ())
    ]
    monotone = [(_label(e), e) for e in entries if e["probe"] == "monotonic"]
    clauses = [
        _share_clause("flip rate", "max_flip_rate", opts.max_flip_rate, flips, "flips"),
        _share_clause(
            "monotonicity violations",
            "max_monotonic_violations",
            opts.max_monotonic_violations,
            monotone,
            "violations",
        ),
        _change_clause(opts.max_score_change, [e for e in entries if e["probe"] == "noise"]),
    ]
    clauses += [f"{s['probe']} of '{s['feature']}' skipped: {s['reason']}" for s in skipped]
    return "; ".join(c for c in clauses if c)


def _share_clause(
    what: str, key: str, limit: float | None, items: list[tuple[str, dict]], count: str
) -> str:
    if not items:
        return ""

    def shown(name: str, i: dict) -> str:
        lo, hi, n = *i["ci"], denominator(i)
        return f"{name} {fmt(i[count] / n if n else 0.0)} [{fmt(lo)}, {fmt(hi)}]"

    if limit is None:
        name, worst = max(items, key=lambda t: t[1]["ci"][1])
        return f"highest {what} {shown(name, worst)} (no limit set)"
    for status, word in ((Status.FAIL, "above"), (Status.INCONCLUSIVE, "interval straddles")):
        hit = [(n, i) for n, i in items if i.get("status") == status.value]
        if hit:
            named = ", ".join(shown(n, i) for n, i in hit[:SHOWN])
            more = f" and {len(hit) - SHOWN} more" if len(hit) > SHOWN else ""
            return f"{what} {word} {key} {fmt(limit)}: {named}{more}"
    name, worst = max(items, key=lambda t: t[1]["ci"][1])
    if limit == 0:
        total = sum(denominator(i) for _, i in items)
        on = [n for n, i in items if i.get("judged_on") == "decision"]
        said = f"; {', '.join(on)}" if on else ""
        return f"no {count} in {total} probed rows ({key} 0: any one fails{said})"
    return f"{what} within {key} {fmt(limit)} (highest {shown(name, worst)})"


def _change_clause(limit: float | None, noise: list[dict[str, Any]]) -> str:
    if limit is None or not noise:
        return ""
    if any(e.get("max_score_change") is None for e in noise):
        return "max_score_change cannot be judged: the model gives labels only, no scores"
    bad = [e for e in noise if e["max_score_change"] > limit]
    if bad:
        named = ", ".join(f"{_label(e)} {fmt(e['max_score_change'])}" for e in bad[:SHOWN])
        return f"largest score change above max_score_change {fmt(limit)}: {named}"
    worst = max(noise, key=lambda e: e["max_score_change"])
    return (
        f"largest score change {fmt(worst['max_score_change'])} ({_label(worst)}) "
        f"<= max_score_change {fmt(limit)} (the largest seen, judged as it is)"
    )
