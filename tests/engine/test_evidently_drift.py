"""The Evidently engine returns Evidently's own numbers, and the scipy formulas of the design
(design10.md) agree with them: Evidently is run a second way (its public Report with ValueDrift
metrics), and each statistic is recomputed with scipy / statsmodels on the same values.

Frames are generated with a shifted numeric column, a categorical column with one category's
share changed, unchanged columns and missing values; references of 400 and 3,000 rows run both
branches of Evidently's test selection (<= 1000 rows and > 1000 rows)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from helpers import ROOT
from scipy import stats
from scipy.spatial import distance
from statsmodels.stats.proportion import proportions_ztest

from gate.engine.evidently_drift import (
    EVIDENTLY_NAMES,
    EvidentlyColumn,
    EvidentlyDriftError,
    evidently_drift,
)
from gate.errors import UsageError

# Evidently's own imports warn about numpy / litestar deprecations: not ours to act on.
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:evidently.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:litestar.*"),
    pytest.mark.filterwarnings("ignore:invalid escape sequence:DeprecationWarning"),
]
KINDS = {
    "shifted": "numeric",  # + 0.6 standard deviations in the current data
    "same": "numeric",
    "few": "numeric",  # four distinct values: Evidently treats it by its values
    "share": "categorical",  # category "a" from 1/3 to 0.55 of the rows
    "same_cat": "categorical",
    "binary": "categorical",
}
SHIFTED = {"shifted", "share"}
SMALL, LARGE = 400, 3000
# Evidently's default choice (registry._get_default_stattest), as design10.md writes it down.
DEFAULT_SMALL = {
    "shifted": "ks",
    "same": "ks",
    "few": "chi2",
    "share": "chi2",
    "same_cat": "chi2",
    "binary": "z",
}
DEFAULT_LARGE = {
    "shifted": "wasserstein",
    "same": "wasserstein",
    "few": "jensen_shannon",
    "share": "jensen_shannon",
    "same_cat": "jensen_shannon",
    "binary": "jensen_shannon",
}


def frame(rows: int, seed: int, *, current: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    share = [0.55, 0.225, 0.225] if current else [1 / 3, 1 / 3, 1 / 3]
    out = pd.DataFrame(
        {
            "shifted": rng.normal(0.6 if current else 0.0, 1.0, rows),
            "same": rng.normal(5.0, 2.0, rows),
            "few": rng.integers(0, 4, rows).astype(float),
            "share": rng.choice(["a", "b", "c"], rows, p=share),
            "same_cat": rng.choice(["x", "y", "z", "w"], rows),
            "binary": rng.choice(["no", "yes"], rows, p=[0.7, 0.3]),
        }
    )
    # Missing values in some columns: Evidently drops them before testing.
    out.loc[rng.uniform(size=rows) < 0.05, "same"] = np.nan
    out.loc[rng.uniform(size=rows) < 0.05, "same_cat"] = None
    return out


@pytest.fixture(scope="module", params=[SMALL, LARGE], ids=["small-reference", "large-reference"])
def frames(request: pytest.FixtureRequest) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = request.param
    return frame(rows, 1, current=False), frame(rows + 150, 2, current=True)


def by_column(results: list[EvidentlyColumn]) -> dict[str, EvidentlyColumn]:
    return {r.column: r for r in results}


def test_the_default_choice_is_evidentlys_on_both_sides_of_1000_reference_rows(frames):
    reference, current = frames
    got = by_column(evidently_drift(reference, current, KINDS, None, None))
    expected = DEFAULT_SMALL if len(reference) <= 1000 else DEFAULT_LARGE
    assert {c: r.method for c, r in got.items()} == expected
    assert list(got) == list(KINDS)


def test_the_numbers_are_those_of_evidentlys_public_report(frames):
    """Evidently a second way: Report([ValueDrift...]).run, its public 0.7 API."""
    from evidently import DataDefinition, Dataset, Report
    from evidently.metrics import ValueDrift

    reference, current = frames
    got = by_column(evidently_drift(reference, current, KINDS, None, None))
    definition = DataDefinition(
        numerical_columns=[c for c, k in KINDS.items() if k == "numeric"],
        categorical_columns=[c for c, k in KINDS.items() if k == "categorical"],
    )
    snapshot = Report([ValueDrift(column=c) for c in KINDS]).run(
        Dataset.from_pandas(current, data_definition=definition),
        Dataset.from_pandas(reference, data_definition=definition),
    )
    metrics = snapshot.dict()["metrics"]
    assert [m["config"]["column"] for m in metrics] == list(KINDS)
    for metric in metrics:
        ours = got[metric["config"]["column"]]
        number = ours.value if ours.p_value is None else ours.p_value
        assert number == metric["value"]
        assert metric["config"]["method"] == display_name(ours.method)
        assert (ours.value is None) == (ours.method in {"ks", "chi2", "z"})


def test_the_numbers_agree_with_the_scipy_formulas_of_the_design(frames):
    reference, current = frames
    got = by_column(evidently_drift(reference, current, KINDS, None, None))
    for column, result in got.items():
        ref, cur = reference[column].dropna(), current[column].dropna()
        expected = oracle(result.method, ref, cur)
        number = result.value if result.p_value is None else result.p_value
        assert number == pytest.approx(expected, rel=1e-9, abs=1e-12), (column, result.method)


def test_the_shifted_columns_drift_and_at_1000_rows_only_they(frames):
    """Under 1000 reference rows Evidently's p-values judge each column uncorrected, so an
    unchanged column may come out drifted by chance (one of the complaints): only the shifted
    ones are asserted there. Past 1000 rows its distances at 0.1 flag exactly the shifted ones."""
    reference, current = frames
    got = by_column(evidently_drift(reference, current, KINDS, None, None))
    drifted = {c for c, r in got.items() if r.drifted}
    assert drifted >= SHIFTED
    assert all(got[c].p_value < 1e-6 for c in SHIFTED if got[c].p_value is not None)
    if len(reference) > 1000:
        assert drifted == SHIFTED


def test_verdicts_are_evidentlys_threshold_rules(frames):
    """Distances drift at value >= threshold (0.1 default), p-values below it (0.05 default)."""
    reference, current = frames
    for result in evidently_drift(reference, current, KINDS, None, None):
        if result.p_value is None:
            assert result.drifted == (result.value >= 0.1)
        else:
            assert result.drifted == (result.p_value <= 0.05)


def test_explicit_methods_and_thresholds_per_column():
    reference, current = frame(LARGE, 1, current=False), frame(LARGE, 2, current=True)
    methods = {"shifted": "psi", "same": "ks", "few": "chi2", "binary": "z", "share": "psi"}
    thresholds = {"same": 1.0, "shifted": 10.0}
    got = by_column(evidently_drift(reference, current, KINDS, methods, thresholds))
    assert {c: r.method for c, r in got.items() if c in methods} == methods
    assert got["same_cat"].method == "jensen_shannon"  # absent from `methods`: the default
    for column, method in methods.items():
        r = got[column]
        ref, cur = reference[column].dropna(), current[column].dropna()
        number = r.value if r.p_value is None else r.p_value
        assert number == pytest.approx(oracle(method, ref, cur), rel=1e-9, abs=1e-12), column
    assert got["same"].drifted  # a p-value is always <= 1.0
    assert not got["shifted"].drifted  # PSI under 10
    assert got["share"].drifted and not got["binary"].drifted


def test_missing_values_are_dropped_as_evidently_drops_them():
    """A rising missing rate alone is no drift in Evidently (the native engine counts it)."""
    reference = frame(LARGE, 1, current=False)
    current = frame(LARGE, 3, current=False)
    holed = current.copy()
    holes = np.random.default_rng(4).uniform(size=len(holed)) < 0.4
    holed.loc[holes, ["same", "shifted"]] = np.nan
    holed.loc[holes, "same_cat"] = None
    with_holes = by_column(evidently_drift(reference, holed, KINDS, None, None))
    without = by_column(evidently_drift(reference, holed.dropna(subset=["same"]), KINDS))
    assert not any(r.drifted for r in with_holes.values())
    assert with_holes["same"] == without["same"]
    inf = current.copy()
    inf.loc[:9, "shifted"] = np.inf
    assert (
        evidently_drift(reference, inf, {"shifted": "numeric"})[0]
        == evidently_drift(reference, current.iloc[10:], {"shifted": "numeric"})[0]
    )


def test_evidently_bins_numbers_by_sturges_not_30_bins():
    """For the native engine: Evidently's get_binned_data ignores its n_bins=30 and uses
    np.histogram_bin_edges(..., bins="sturges") over reference + current for a numeric column
    with more than 20 distinct reference values (fewer: one bin per value); Jensen-Shannon
    takes the shares as they are, PSI replaces zero shares."""
    reference, current = frame(LARGE, 1, current=False), frame(LARGE, 2, current=True)
    ref, cur = reference["shifted"], current["shifted"]
    got = evidently_drift(reference, current, {"shifted": "numeric"}, {"shifted": "jensen_shannon"})
    thirty = np.histogram_bin_edges(np.concatenate([ref, cur]), bins=30)
    over_thirty = distance.jensenshannon(*(np.histogram(s, thirty)[0] / len(s) for s in (ref, cur)))
    assert got[0].value == pytest.approx(oracle("jensen_shannon", ref, cur), rel=1e-12)
    assert got[0].value != pytest.approx(over_thirty, rel=1e-3)


@pytest.mark.parametrize(
    ("columns", "methods", "message"),
    [
        ({"nope": "numeric"}, None, "the reference data has no column 'nope'"),
        ({"share": "text"}, None, "column 'share': kind 'text' is not one of"),
        ({"share": "categorical"}, {"share": "ks"}, "column 'share': method 'ks' applies to"),
        ({"same": "numeric"}, {"same": "energy"}, "column 'same': unknown drift method 'energy'"),
        (
            {"same": "numeric"},
            {"few": "psi"},
            "a method is given for column 'few', not a drift column",
        ),
        ({"share": "numeric"}, None, "column 'share': Evidently cannot test it"),
        ({"empty": "numeric"}, None, "column 'empty': Evidently cannot test it"),
    ],
)
def test_a_column_evidently_cannot_test_is_named(columns, methods, message):
    reference, current = frame(SMALL, 1, current=False), frame(SMALL, 2, current=True)
    reference["empty"] = current["empty"] = np.nan
    with pytest.raises(EvidentlyDriftError, match=message.replace("(", r"\(")):
        evidently_drift(reference, current, columns, methods, None)


def test_without_evidently_the_error_names_the_extra():
    code = (
        "import sys, pandas as pd\n"
        "sys.modules['evidently'] = None\n"
        "from gate.engine.evidently_drift import evidently_drift\n"
        "from gate.errors import UsageError\n"
        "f = pd.DataFrame({'a': [1.0, 2.0]})\n"
        "try:\n"
        "    evidently_drift(f, f, {'a': 'numeric'})\n"
        "except UsageError as e:\n"
        "    print(e)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert "engine: evidently needs Evidently, which is not installed" in done.stdout
    assert "pip install 'model-gate[evidently]'" in done.stdout
    assert issubclass(UsageError, Exception)


def test_every_method_has_an_evidently_test_of_that_name():
    from evidently.legacy.calculations.stattests.registry import get_registered_stattest
    from evidently.legacy.core import ColumnType

    for name in EVIDENTLY_NAMES.values():
        kinds = (ColumnType.Numerical, ColumnType.Categorical)
        found = {get_registered_stattest(name, k).name for k in kinds if _registered(name, k)}
        assert found == {name}


def display_name(method: str) -> str:
    """The name Evidently's report shows for the test behind our method name."""
    from evidently.legacy.calculations.stattests.registry import get_registered_stattest
    from evidently.legacy.core import ColumnType

    name = EVIDENTLY_NAMES[method]
    kinds = (ColumnType.Numerical, ColumnType.Categorical)
    kind = next(k for k in kinds if _registered(name, k))
    return get_registered_stattest(name, kind).display_name


def _registered(name: str, kind) -> bool:
    from evidently.legacy.calculations.stattests.registry import (
        StatTestInvalidFeatureTypeError,
        get_registered_stattest,
    )

    try:
        get_registered_stattest(name, kind)
    except StatTestInvalidFeatureTypeError:
        return False
    return True


# The oracles: design10.md's definitions, computed with scipy / statsmodels.


def oracle(method: str, ref: pd.Series, cur: pd.Series) -> float:
    return ORACLES[method](ref, cur)


def _wasserstein(ref: pd.Series, cur: pd.Series) -> float:
    return stats.wasserstein_distance(ref, cur) / max(float(np.std(ref)), 0.001)


def _ks(ref: pd.Series, cur: pd.Series) -> float:
    return stats.ks_2samp(ref, cur).pvalue


def _shares(ref: pd.Series, cur: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Evidently's binned shares: Sturges bins over both samples when the reference has more
    than 20 distinct numbers, else one bin per value (a category)."""
    if pd.api.types.is_numeric_dtype(ref) and ref.nunique() > 20:
        edges = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
        return tuple(np.histogram(s, edges)[0] / len(s) for s in (ref, cur))
    keys = sorted(set(ref) | set(cur))
    return tuple(
        s.value_counts().reindex(keys, fill_value=0).to_numpy() / len(s) for s in (ref, cur)
    )


def _jensen_shannon(ref: pd.Series, cur: pd.Series) -> float:
    return distance.jensenshannon(*_shares(ref, cur))


def _psi(ref: pd.Series, cur: pd.Series) -> float:
    r, c = (np.where(s == 0, 0.0001, s) for s in _shares(ref, cur))
    return float(np.sum((r - c) * np.log(r / c)))


def _chi2(ref: pd.Series, cur: pd.Series) -> float:
    keys = sorted(set(ref) | set(cur))
    observed = cur.value_counts().reindex(keys, fill_value=0).to_numpy()
    expected = ref.value_counts().reindex(keys, fill_value=0).to_numpy() * len(cur) / len(ref)
    return stats.chisquare(observed, expected).pvalue


def _z(ref: pd.Series, cur: pd.Series) -> float:
    first = sorted(set(ref) | set(cur))[0]
    counts = [int((ref == first).sum()), int((cur == first).sum())]
    return proportions_ztest(counts, [len(ref), len(cur)])[1]


ORACLES = {
    "wasserstein": _wasserstein,
    "ks": _ks,
    "jensen_shannon": _jensen_shannon,
    "psi": _psi,
    "chi2": _chi2,
    "z": _z,
}
