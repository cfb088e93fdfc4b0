"""What a rollout analysis can and cannot decide, settled before any check runs: the policies
it refuses (exit 2: a report-only policy, checks needing inputs analyze does not take) and the
shortfalls that make it inconclusive (exit 4: too few labelled rows overall, of a class, or in
a group of a fairness check, or labels a pending correction contradicts; more rows will come)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from gate.engine.metrics import METRICS
from gate.errors import Location, PolicyError
from gate.inputs.label_maturity import pending_reason
from gate.inputs.log_join import Joined
from gate.policy.model import CheckSpec, Policy
from gate.results import Severity

if TYPE_CHECKING:
    from gate.commands.analysis import AnalyzeRequest


def refuse_unfit(policy: Policy, path: str) -> None:
    """PolicyError for a policy no rollout analysis can decide with, whatever the rows."""
    if policy.mode != "gate":
        why = (
            f"mode: {policy.mode} is a report-only policy, which never approves or blocks; "
            "a rollout analysis must decide. Use mode: gate (or `model-gate check` for a report)"
        )
        raise PolicyError([(Location(path), why)])
    if policy.data.task == "multiclass_classification":
        why = (
            "a rollout analysis judges binary classification and regression logs only; "
            "data.task: multiclass_classification is gated with `model-gate check` for now"
        )
        raise PolicyError([(Location(path), why)])
    for spec in policy.checks:
        needs = _missing_input(spec)
        if needs:
            why = (
                f"check '{spec.id}' needs {needs}, which a rollout analysis does not take (it "
                "sees prediction logs and labels only); drop the check from the rollout's "
                "policy or run it with `model-gate check`"
            )
            raise PolicyError([(spec.location, why)])


def _missing_input(spec: CheckSpec) -> str | None:
    """What a check needs beyond the logs and labels, or None."""
    if spec.type == "drift":
        return "--reference (a drift check compares the data with reference data)"
    if spec.type == "documentation":
        return "--model-card"
    if spec.type in ("importance", "robustness"):
        return "--model (the check probes the model itself)"
    quality = spec.quality
    if quality is not None:
        if quality.max_unseen_share is not None or quality.max_overlap_share is not None:
            return "--reference (max_unseen_share / max_overlap_share)"
        if quality.expected_from_model:
            return "--model (columns: model)"
    return None


@dataclass
class Shortfalls:
    """Why there are too few labelled rows to decide. `overall`: too few candidate rows, or
    of a class: no check's outcome is a decision yet. `groups`: a fairness group short of
    rows; `held`: too few live rows for a two-sample comparison, or labels a pending
    correction contradicts (the caller checks the failure survives the corrections): a
    blocking check that failed on the candidate's rows still blocks, these hold back only an
    approval or an inconclusive (review12d #12). `live_only`: groups only the live model
    served (never routed to the candidate): named, never a shortfall."""

    overall: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    live_only: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # the candidate's pending corrections


def can_block(policy: Policy, today: dt.date) -> Policy:
    """The policy with only the checks that can block: severity block and not waived as a
    whole on `today` (a warn, info or waived check never blocks, so its rows never wait)."""
    waived = {w.check for w in policy.waivers if w.group is None and w.active_on(today)}
    checks = tuple(c for c in policy.checks if c.severity is Severity.BLOCK and c.id not in waived)
    return dataclasses.replace(policy, checks=checks)


def shortfalls(
    policy: Policy, joined: Joined, req: AnalyzeRequest, label: str, source: str = "--min-samples"
) -> Shortfalls:
    """Overall and per group of each fairness check (the groups the candidate's logs hold,
    so a group with no labelled row yet counts; `policy` holds the checks that can block:
    can_block). One class only is the caller's (it stops every check, whatever its severity)."""
    n = len(joined.candidate)
    least, why = min_rows(policy, req, source)
    out = Shortfalls()
    waiting = f"{joined.counts['labels_not_yet_matured']} label(s) not yet past the label delay"
    if n < least:
        out.overall.append(f"{n} labelled candidate row(s), fewer than {why} ({waiting})")
    elif n == 0:
        out.overall.append(f"no labelled candidate row yet ({waiting})")
    pending = joined.counts.get("candidate_labels_pending_correction", 0)
    if pending:
        out.pending.append(pending_reason(pending, joined.corrected_later))
    if joined.two_sample:
        out.held += _live_shortfalls(policy, joined, least, why, label)
    served = joined.predicted[
        joined.predicted[req.columns.model_version] == joined.candidate_version
    ]
    for spec in policy.checks:
        if spec.fairness is not None:
            _small_groups(spec, policy, joined.candidate, served, joined.predicted, req, out)
    return out


def _live_shortfalls(policy: Policy, joined: Joined, least: int, why: str, label: str) -> list[str]:
    """A two-sample comparison (canary logs) needs enough live rows of the period too."""
    m, out = len(joined.live), []
    if m < least or m == 0:
        out.append(
            f"{m} labelled live row(s) of the candidate's period, fewer than {why}: the "
            "comparison with the live model needs as many as the candidate"
        )
    out += class_shortfall(policy, joined.live, joined.live.get(label), "live")
    pending = joined.counts.get("live_labels_pending_correction", 0)
    if pending:
        out.append(
            f"{pending} labelled live row(s) of the candidate's period have a later label, not "
            "yet past the label delay, that contradicts the label used; the comparison waits"
        )
    return out


def class_shortfall(
    policy: Policy, rows: pd.DataFrame, labels: pd.Series | None, who: str = "candidate"
) -> list[str]:
    """A reason when the labelled rows hold one class only and a check needs both."""
    if labels is None or not len(rows) or labels.nunique(dropna=True) > 1:
        return []
    needing = [
        c.id
        for c in policy.checks
        if c.type == "performance" and c.metric in METRICS and METRICS[c.metric].needs_both_classes
    ]
    if not needing:
        return []
    value = labels.iloc[0]
    value = value.item() if hasattr(value, "item") else value  # 0, not np.int64(0)
    return [
        f"every labelled {who} row has the label {value!r}, but check "
        f"'{needing[0]}' needs both classes (rare outcomes arrive later)"
    ]


def named(value: object, source: str) -> str:
    """The minimum rows as a reason names it, with where it came from."""
    if source.startswith("policy "):
        return f"rollout.min_samples {value} ({source})"
    return f"--min-samples {value}" + (" (the default)" if source == "default" else "")


def min_rows(policy: Policy, req: AnalyzeRequest, source: str = "--min-samples") -> tuple[int, str]:
    """The rows needed to decide: --min-samples, or a data_quality check's larger min_rows
    (in a rollout, rows still to come make a canary inconclusive, not blocked)."""
    least, why = req.min_samples or 0, named(req.min_samples, source)
    for spec in policy.checks:
        rows = spec.quality.min_rows if spec.quality else None
        if rows is not None and rows > least:
            least, why = rows, f"min_rows {rows} of check '{spec.id}'"
    return least, why


def group_minimum(spec: CheckSpec, req: AnalyzeRequest) -> int:
    """A fairness check's rows per group: its min_group_size, raised (never lowered) by
    --min-group-samples; a lower flag would let the check itself error on the small group,
    which blocks, where more rows would have decided."""
    own = spec.fairness.min_group_size if spec.fairness else 0
    return max(own, req.min_group_samples or 0)


def _small_groups(
    spec: CheckSpec,
    policy: Policy,
    rows: pd.DataFrame,
    served: pd.DataFrame,
    everyone: pd.DataFrame,
    req: AnalyzeRequest,
    out: Shortfalls,
) -> None:
    """Each group of the check with fewer labelled candidate rows than its minimum, among the
    groups the candidate was routed (a group only the live model served goes to live_only)."""
    fair = spec.fairness
    if fair is None:
        return
    least = group_minimum(spec, req)
    features = list(fair.sensitive or policy.data.sensitive)
    missing = [f for f in features if f not in everyone.columns]
    if missing or least <= 0:
        return  # the check itself reports a missing column
    sets = [features] if fair.intersectional else [[f] for f in features]
    for by in sets:
        seen = everyone[by].dropna().drop_duplicates()
        routed = served.groupby(by, dropna=True).size()
        sizes = rows.groupby(by, dropna=True).size()
        for values in seen.itertuples(index=False, name=None):
            key = values if len(by) > 1 else values[0]
            group = " & ".join(f"{f}={v}" for f, v in zip(by, values, strict=True))
            if int(routed.get(key, 0)) == 0:
                out.live_only.append(f"check '{spec.id}': group {group}")
                continue
            got = int(sizes.get(key, 0))
            if got < least:
                out.groups.append(
                    f"check '{spec.id}': group {group} has {got} labelled candidate row(s), "
                    f"fewer than {least}"
                )
