"""Governance checks: `prohibited_features` (the model's own inputs) and `proxy_features`
(features strongly associated with a protected attribute, by Cramér's V, measured on the
profile's row sample: every row up to SAMPLE_ROWS, a fixed pseudo-random subset beyond)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from gate.checks.base import CheckContext, identity
from gate.checks.conditions import apply_severity
from gate.policy.model import CheckSpec
from gate.results import CheckResult, Status, fmt


def normalize(name: str) -> str:
    """'Marital-Status ' -> 'marital_status'."""
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def matches(feature: str, prohibited: str, how: str) -> bool:
    """Whether a model input name is the prohibited attribute, under the policy's rule."""
    if how == "exact":
        return feature == prohibited
    if how == "contains":
        return normalize(prohibited) in normalize(feature)
    return normalize(feature) == normalize(prohibited)


def prohibited(spec: CheckSpec, ctx: CheckContext) -> CheckResult:
    """Fail when any of the model's input names is a prohibited basis."""
    names = ctx.model_features
    if names is None:
        return CheckResult(
            status=Status.ERROR,
            message=(
                "the model's input names are unknown (no model, or a model that does not record "
                "them): set data.features"
            ),
            **identity(spec),
        )
    opts = spec.governance
    found = [f for f in names if any(matches(f, p, opts.match) for p in opts.features)]
    if found:
        message = (
            f"the model takes prohibited input{'s' * (len(found) > 1)} "
            f"{', '.join(found)} (of {len(names)} inputs)"
        )
        return CheckResult(
            status=apply_severity(Status.FAIL, spec.severity), message=message, **identity(spec)
        )
    return CheckResult(
        status=Status.PASS,
        message=(f"none of the model's {len(names)} inputs is a prohibited basis"),
        **identity(spec),
    )


def _codes(column: pd.Series, bins: int) -> np.ndarray:
    """Category codes; numeric columns cut into quantile bins; missing values a category."""
    if pd.api.types.is_numeric_dtype(column) and column.nunique() > bins:
        column = pd.qcut(column, bins, duplicates="drop")
    codes, _ = pd.factorize(column.astype("string"), use_na_sentinel=False)
    return codes


def cramers_v(a: np.ndarray, b: np.ndarray) -> float:
    """Cramér's V of two categorical code arrays (0: independent, 1: one determines the
    other), from the chi-squared statistic of their contingency table."""
    from scipy.stats.contingency import association, crosstab

    table = crosstab(a, b).count
    if min(table.shape) < 2:
        return 0.0
    return float(association(table, method="cramer"))


def proxy(spec: CheckSpec, ctx: CheckContext) -> CheckResult:
    """The strongest association of any screened feature with any protected attribute."""
    opts = spec.governance
    attributes = opts.attributes or ctx.sensitive
    features = opts.features or ctx.model_features
    common = identity(spec) | {"metric": "cramers_v", "threshold": spec.threshold}
    if not attributes or not features:
        return CheckResult(
            status=Status.ERROR,
            message=(
                "nothing to screen: needs protected attributes (data.sensitive or 'attributes') "
                "and features (the model's inputs, data.features or 'features')"
            ),
            **common,
        )
    sample = ctx.profile.sample
    frame = sample.frame if sample is not None else None
    missing = [f for f in features if frame is None or f not in frame.columns]
    if missing:
        return CheckResult(
            status=Status.ERROR,
            message=(
                f"feature column{'s' * (len(missing) > 1)} {', '.join(missing)} not in the data"
            ),
            **common,
        )
    pairs = []
    for attribute in attributes:
        a = _codes(frame[attribute], opts.bins)
        for feature in features:
            if feature in attributes:
                continue
            v = cramers_v(_codes(frame[feature], opts.bins), a)
            pairs.append(
                {"group": {"feature": feature, "attribute": attribute}, "n": len(a), "value": v}
            )
    pairs.sort(key=lambda p: -p["value"])
    worst = pairs[0] if pairs else {"value": 0.0, "group": {}}
    flagged = [p for p in pairs if p["value"] > spec.max]
    status = Status.FAIL if flagged else Status.PASS
    names = ", ".join(
        f"{p['group']['feature']}~{p['group']['attribute']} {fmt(p['value'])}" for p in flagged[:5]
    )
    message = (
        f"possible proxies (Cramér's V above {fmt(spec.max)}): {names}"
        if flagged
        else f"strongest association {fmt(worst['value'])} "
        f"({worst['group'].get('feature')}~{worst['group'].get('attribute')}) "
        f"<= max {fmt(spec.max)}"
    )
    return CheckResult(
        status=apply_severity(status, spec.severity),
        value=worst["value"],
        groups=tuple(pairs),
        message=message,
        n=len(frame),
        **common,
    )
