"""The options of the two data check types, drift and data_quality, with their rules."""

from __future__ import annotations

from typing import Any

from gate.policy.model import DriftOptions, QualityOptions
from gate.policy.sourced import Problems, Sourced

QUALITY_RULES = (
    "max_missing_share",
    "columns",
    "ranges",
    "allowed",
    "max_unseen_share",
    "constant",
    "max_duplicate_share",
    "min_rows",
    "min_class_share",
    "max_conflicting_share",
    "max_overlap_share",
)
KINDS = ("numeric", "categorical")
NUMERIC_ONLY = ("ks", "wasserstein")
DEFAULT_MAX = 0.1  # Evidently's default threshold for its distances
DEFAULT_CONFIDENCE = 0.95


def drift_options(s: Sourced, problems: Problems) -> DriftOptions:
    """The options of a drift check; problems noted for what cannot work."""
    raw, cid = s.valid, s.value["id"]
    method, methods = raw.get("method", "auto"), ()
    if isinstance(method, dict):
        methods, method = tuple((str(k), str(v)) for k, v in method.items()), "auto"
        for kind, name in methods:
            if kind == "categorical" and name in NUMERIC_ONLY:
                problems.append(
                    (
                        s.loc("method", kind),
                        f"check '{cid}': {name} compares numbers; categorical columns take "
                        "jensen_shannon, psi, chi2 or z",
                    )
                )
    if raw.get("verdict") == "p_value" and "confidence" in s.value:
        problems.append(
            (
                s.loc("confidence", key=True),
                f"check '{cid}': 'confidence' applies to verdict: effect_size only",
            )
        )
    if raw.get("engine") == "evidently" and raw.get("verdict", "effect_size") == "effect_size":
        problems.append(
            (
                s.loc("engine"),
                f"check '{cid}': engine: evidently gives no intervals; "
                "add 'verdict: p_value' (Evidently's own verdict, corrected across columns)",
            )
        )
    columns = raw.get("columns", "all")
    return DriftOptions(
        columns=None if columns == "all" else tuple(columns),
        method=method,
        methods=methods,
        verdict=raw.get("verdict", "effect_size"),
        p_value=raw.get("p_value", 0.05),
        correction=raw.get("correction", "bh"),
        max_drifted_share=raw.get("max_drifted_share", 0.0),
        max_missing_change=raw.get("max_missing_change", 0.05),
        outputs=raw.get("outputs", True),
        by_group=raw.get("by_group", True),
        engine=raw.get("engine", "native"),
    )


def quality_options(s: Sourced, problems: Problems) -> QualityOptions:
    """The rules of a data_quality check; a check with none is a problem."""
    raw, cid = s.valid, s.value["id"]
    if not any(rule in s.value for rule in QUALITY_RULES):
        problems.append(
            (s.loc(), f"check '{cid}': give at least one rule ({', '.join(QUALITY_RULES)})")
        )
    missing = raw.get("max_missing_share")
    ranges = []
    for column, bounds in raw.get("ranges", {}).items():
        lo, hi = bounds.get("min"), bounds.get("max")
        if lo is not None and hi is not None and lo > hi:
            problems.append(
                (
                    s.loc("ranges", column),
                    f"check '{cid}': range of '{column}' has min {lo} above max {hi}",
                )
            )
        ranges.append((str(column), lo, hi))
    return QualityOptions(
        max_missing_share=missing if not isinstance(missing, dict) else None,
        missing_per_column=_pairs(missing if isinstance(missing, dict) else {}),
        expected=_expected(raw.get("columns")),
        expected_from_model=raw.get("columns") == "model",
        ranges=tuple(ranges),
        allowed=tuple(
            (str(c), tuple(_text(v) for v in values))
            for c, values in raw.get("allowed", {}).items()
        ),
        max_unseen_share=raw.get("max_unseen_share"),
        constant=raw.get("constant"),
        max_duplicate_share=raw.get("max_duplicate_share"),
        min_rows=raw.get("min_rows"),
        min_class_share=raw.get("min_class_share"),
        max_conflicting_share=raw.get("max_conflicting_share"),
        max_overlap_share=raw.get("max_overlap_share"),
    )


def _pairs(mapping: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple((str(k), v) for k, v in mapping.items())


def _expected(columns: Any) -> tuple[tuple[str, str], ...]:
    if isinstance(columns, dict):
        return _pairs(columns)
    if isinstance(columns, list):
        return tuple((str(c), "any") for c in columns)
    return ()


def _text(value: Any) -> str:
    """A value as column profiles hold it: booleans as "true" / "false", integral numbers
    without a fraction (1.0 -> "1"), others as Python writes them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)
