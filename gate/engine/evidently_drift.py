"""Drift per column computed by Evidently itself: the second engine (`engine: evidently`).

Each column goes through Evidently's own one-column data-drift calculation
(`evidently.legacy.calculations.data_drift.get_one_column_drift`), the code its public
`ValueDrift` metric and `DataDriftPreset` run: its test selection when no method is given, its
statistics, its thresholds and its verdict. Its behaviour is kept on purpose, missing values
included: Evidently drops NaN and +-inf before the test, so a rising missing rate never counts
here (the native engine reports it apart).

Evidently is an optional extra, imported only when this engine runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING

from gate.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

INSTALL = "pip install 'model-gate[evidently]'"
KINDS = ("numeric", "categorical")
# Our method names (DESIGN.md) -> the names Evidently registers its statistical tests under.
EVIDENTLY_NAMES = {
    "psi": "psi",
    "ks": "ks",
    "wasserstein": "wasserstein",
    "jensen_shannon": "jensenshannon",
    "chi2": "chisquare",
    "z": "z",
}
# Our method names -> Evidently's StatTest objects (in evidently.legacy.calculations.stattests).
_STATTESTS = {
    "psi": "psi_stat_test",
    "ks": "ks_stat_test",
    "wasserstein": "wasserstein_stat_test",
    "jensen_shannon": "jensenshannon_stat_test",
    "chi2": "chi_stat_test",
    "z": "z_stat_test",
}
# Evidently reports a p-value for these, a distance for the others.
P_VALUE_METHODS = frozenset({"ks", "chi2", "z"})
# These compare the values themselves: they do not apply to categories.
NUMERIC_ONLY = frozenset({"ks", "wasserstein"})


class EvidentlyDriftError(ValueError):
    """A column Evidently cannot test (the message names it)."""


@dataclass(frozen=True)
class EvidentlyColumn:
    """Evidently's result for one column: the method it ran, its number and its verdict."""

    column: str
    method: str  # our name for the test Evidently ran (its default choice when none was asked)
    value: float | None  # the distance (psi, wasserstein, jensen_shannon); None for p-value tests
    p_value: float | None  # ks, chi2, z
    drifted: bool


def evidently_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    columns: dict[str, str],
    methods: dict[str, str] | None = None,
    thresholds: dict[str, float] | None = None,
) -> list[EvidentlyColumn]:
    """Evidently's drift result for each of `columns` (column -> "numeric" | "categorical").

    `methods` (column -> our method name, see EVIDENTLY_NAMES) and `thresholds` (column ->
    threshold) override Evidently per column; a column absent from them, or None, gets
    Evidently's default test and its default threshold (0.1 for a distance, 0.05 for a p-value).
    """
    methods = dict(methods or {})
    thresholds = dict(thresholds or {})
    _validate(reference, current, columns, methods, thresholds)
    ev = _evidently()
    tests = {method: getattr(ev.stattests, name) for method, name in _STATTESTS.items()}
    # Tests go in as objects: Evidently then runs chi2 / z on a numeric column as its own
    # default selection does for few distinct values (by name, its registry refuses them there).
    options = ev.DataDriftOptions(
        per_feature_stattest={c: tests[m] for c, m in methods.items()} or None,
        per_feature_threshold=thresholds or None,
    )
    ours = {test.display_name: method for method, test in tests.items()}
    return [
        _column(ev, reference[[c]], current[[c]], c, kind, options, ours)
        for c, kind in columns.items()
    ]


def _validate(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    columns: dict[str, str],
    methods: dict[str, str],
    thresholds: dict[str, float],
) -> None:
    """Every column named exists in both frames, with a known kind and a method that fits it."""
    for name, frame in (("reference", reference), ("current", current)):
        absent = [c for c in columns if c not in frame.columns]
        if absent:
            raise EvidentlyDriftError(
                f"the {name} data has no column {', '.join(map(repr, absent))}"
            )
    for column, kind in columns.items():
        if kind not in KINDS:
            raise EvidentlyDriftError(f"column {column!r}: kind {kind!r} is not one of {KINDS}")
    for column, method in methods.items():
        if column not in columns:
            raise EvidentlyDriftError(
                f"a method is given for column {column!r}, not a drift column"
            )
        if method not in _STATTESTS:
            raise EvidentlyDriftError(
                f"column {column!r}: unknown drift method {method!r} (one of {sorted(_STATTESTS)})"
            )
        if method in NUMERIC_ONLY and columns[column] != "numeric":
            raise EvidentlyDriftError(
                f"column {column!r}: method {method!r} applies to numeric columns only"
            )
    unknown = sorted(set(thresholds) - set(columns))
    if unknown:
        raise EvidentlyDriftError(f"a threshold is given for {unknown}, not drift columns")


def _column(ev, reference, current, column, kind, options, ours) -> EvidentlyColumn:
    """One column through Evidently's calculation, as its ValueDrift metric calls it."""
    numeric = kind == "numeric"
    utility = ev.DatasetUtilityColumns(date=None, id=None, target=None, prediction=None)
    column_type = ev.ColumnType.Numerical if numeric else ev.ColumnType.Categorical
    try:
        result = ev.get_one_column_drift(
            current_data=current,
            reference_data=reference,
            column_name=column,
            options=options,
            dataset_columns=ev.DatasetColumns(
                utility_columns=utility,
                target_type=None,
                task=None,
                num_feature_names=[column] if numeric else [],
                cat_feature_names=[] if numeric else [column],
                text_feature_names=[],
                datetime_feature_names=[],
                target_names=None,
            ),
            column_type=column_type,
            agg_data=True,
        )
    except (ValueError, TypeError) as err:  # Evidently's words name the column (empty, ...)
        raise EvidentlyDriftError(f"column {column!r}: Evidently cannot test it: {err}") from None
    method = ours.get(result.stattest_name)
    if method is None:
        raise EvidentlyDriftError(
            f"column {column!r}: Evidently ran {result.stattest_name!r}, not one of ours"
        )
    score = float(result.drift_score)
    p_value = method in P_VALUE_METHODS
    return EvidentlyColumn(
        column=column,
        method=method,
        value=None if p_value else score,
        p_value=score if p_value else None,
        drifted=bool(result.drift_detected),
    )


def _evidently() -> SimpleNamespace:
    """Evidently's drift parts, imported on first use; a clear error when it is not there."""
    try:
        from evidently.legacy.calculations import stattests
        from evidently.legacy.calculations.data_drift import get_one_column_drift
        from evidently.legacy.core import ColumnType
        from evidently.legacy.metric_results import DatasetColumns, DatasetUtilityColumns
        from evidently.legacy.options.data_drift import DataDriftOptions
    except ModuleNotFoundError as err:
        if err.name != "evidently" and not (err.name or "").startswith("evidently."):
            raise _broken(err) from None
        raise UsageError(
            f"engine: evidently needs Evidently, which is not installed: {INSTALL}"
        ) from None
    except ImportError as err:
        raise _broken(err) from None
    return SimpleNamespace(
        stattests=stattests,
        get_one_column_drift=get_one_column_drift,
        ColumnType=ColumnType,
        DatasetColumns=DatasetColumns,
        DatasetUtilityColumns=DatasetUtilityColumns,
        DataDriftOptions=DataDriftOptions,
    )


def _broken(err: ImportError) -> UsageError:
    import pandas

    why = ""
    if int(pandas.__version__.split(".")[0]) >= 3:
        why = f" (Evidently 0.7 needs pandas < 3; this is pandas {pandas.__version__})"
    return UsageError(
        f"engine: evidently: Evidently is installed but cannot be imported: {err}{why}; {INSTALL}"
    )
