"""The options of `type: slices` (the weakest segments of the data), with their rules.

The check's `metric`, `min` and `max` are the common CheckSpec fields; what else it takes
(`max_gap`, the columns to slice on, how they are binned, the FDR level...) is SliceOptions.
"""

from __future__ import annotations

from dataclasses import dataclass

from gate.policy.sourced import Problems, Sourced

#: the metrics a slice can be judged on: a share of rows (binary) or a mean per-row error
#: (regression), so each slice's value has an exact binomial (or a t) test against a bound
SHARES = (
    "accuracy",
    "precision",
    "recall",
    "selection_rate",
    "true_positive_rate",
    "true_negative_rate",
    "false_positive_rate",
    "false_negative_rate",
)
ERRORS = ("mae", "mse", "rmse", "mape")
SLICE_METRICS = SHARES + ERRORS
#: the bound a share metric is judged on when its lower values are the bad ones
LOWER_IS_WORSE = ("accuracy", "precision", "recall", "true_positive_rate", "true_negative_rate")
HIGHER_IS_WORSE = ("false_positive_rate", "false_negative_rate", *ERRORS)

DEFAULT_BINS = 5
DEFAULT_DEPTH = 2
#: a slice needs this many rows to be tested: at the default FDR and the thousands of slices
#: a search tests, a slice of fewer rows is reported only when it is nearly always wrong, so
#: smaller slices would add tests (diluting the correction) without the power to be found
DEFAULT_MIN_SIZE = 100
DEFAULT_FDR = 0.05
DEFAULT_MAX_REPORTED = 10
CONDITIONS = ("min", "max", "max_gap")


@dataclass(frozen=True)
class SliceOptions:
    """How a slices check cuts the data and which slices it reports."""

    max_gap: float | None = None  # a slice's metric at most this much worse than overall
    features: tuple[str, ...] | None = None  # None: the model's inputs (data.features)
    bins: int = DEFAULT_BINS  # numeric: quantile bins (and finer levels, alone)
    depth: int = DEFAULT_DEPTH  # 1: one-feature slices; 2: and every pair of features
    min_size: int = DEFAULT_MIN_SIZE  # rows a slice needs to be tested
    fdr: float = DEFAULT_FDR  # Benjamini-Hochberg level across every slice tested
    sample_rows: int | None = None  # None: the profile's whole row sample
    max_reported: int = DEFAULT_MAX_REPORTED

    @property
    def columns(self) -> tuple[str, ...]:
        """The data columns the check reads beyond the model's inputs and the bound roles."""
        return self.features or ()


def slices_options(s: Sourced, problems: Problems) -> SliceOptions:
    """The options of a slices check; problems noted for a condition that cannot work (the
    schema refuses a metric that is not a per-row share or a mean per-row error)."""
    raw = s.valid
    _condition_rules(s, problems)
    features = raw.get("features")
    return SliceOptions(
        max_gap=raw.get("max_gap"),
        features=tuple(features) if features else None,
        bins=raw.get("bins", DEFAULT_BINS),
        depth=raw.get("depth", DEFAULT_DEPTH),
        min_size=raw.get("min_size", DEFAULT_MIN_SIZE),
        fdr=raw.get("fdr", DEFAULT_FDR),
        sample_rows=raw.get("sample_rows"),
        max_reported=raw.get("max_reported", DEFAULT_MAX_REPORTED),
    )


def _condition_rules(s: Sourced, problems: Problems) -> None:
    """Exactly one of min / max / max_gap, on the side where the metric gets worse."""
    raw, cid, metric = s.valid, s.value["id"], s.valid.get("metric")
    given = [c for c in CONDITIONS if c in s.value]
    if len(given) != 1:
        what = "has no condition" if not given else f"gives {' and '.join(given)}"
        problems.append((s.loc(), f"check '{cid}' {what}: give one of 'min', 'max' or 'max_gap'"))
        return
    key = given[0]
    if key == "max_gap" and metric in SHARES and metric not in LOWER_IS_WORSE + HIGHER_IS_WORSE:
        message = (
            f"check '{cid}': {metric} has no worse side (a higher or a lower rate may be the "
            "problem), so 'max_gap' cannot say which slices are weak: judge with 'min' or 'max'"
        )
        problems.append((s.loc("max_gap", key=True), message))
    elif metric in LOWER_IS_WORSE and key == "max":
        message = f"check '{cid}': lower {metric} is worse, so a weak slice is judged on 'min'"
        problems.append((s.loc("max", key=True), message))
    elif metric in HIGHER_IS_WORSE and key == "min":
        message = f"check '{cid}': higher {metric} is worse, so a weak slice is judged on 'max'"
        problems.append((s.loc("min", key=True), message))
    value = raw.get(key)
    if metric in SHARES and key != "max_gap" and value is not None and not 0 < value < 1:
        message = (
            f"check '{cid}': {metric} is a share of rows, so '{key}' must lie strictly between "
            f"0 and 1 (got {value})"
        )
        problems.append((s.loc(key), message))
    if metric in ERRORS and key == "max" and value is not None and value < 0:
        message = f"check '{cid}': {metric} is never negative, so 'max' {value} can never pass"
        problems.append((s.loc(key), message))
