"""Drift statistics from profiles equal scipy's and Evidently's on the same raw values wherever
the profile is exact (exact value tables, categories), and the method choice is Evidently's."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial import distance
from scipy.stats.contingency import association

from gate.engine.columns import profile_column
from gate.engine.drift_methods import (
    METHODS,
    P_VALUE_METHODS,
    auto_method,
    column_drift,
)
from gate.engine.missing_change import missing_change

evidently = pytest.importorskip("evidently", reason="Evidently 0.7 is the reference engine")
from evidently.legacy.calculations.stattests import registry  # noqa: E402
from evidently.legacy.calculations.stattests.chisquare_stattest import _chi_stat_test  # noqa: E402
from evidently.legacy.calculations.stattests.jensenshannon import _jensenshannon  # noqa: E402
from evidently.legacy.calculations.stattests.ks_stattest import _ks_stat_test  # noqa: E402
from evidently.legacy.calculations.stattests.psi import _psi  # noqa: E402
from evidently.legacy.calculations.stattests.utils import get_binned_data  # noqa: E402
from evidently.legacy.calculations.stattests.wasserstein_distance_norm import (  # noqa: E402
    _wasserstein_distance_norm,
)
from evidently.legacy.calculations.stattests.z_stattest import _z_stat_test  # noqa: E402
from evidently.legacy.core import ColumnType  # noqa: E402

RTOL = 1e-9


def drift(method: str, a: pd.Series, b: pd.Series, **kw):
    options = {"confidence": None, "resamples": 0, "seed": 0} | kw
    return column_drift(method, profile_column("x", a), profile_column("x", b), **options)


def numeric_cases() -> dict[str, tuple[pd.Series, pd.Series]]:
    rng = np.random.default_rng(11)
    ages_a = rng.integers(18, 90, 3000)
    ages_b = np.clip(rng.normal(50, 15, 5000).round(), 18, 95).astype(int)
    cents = (rng.lognormal(2, 1, 4000) * 20).round() / 20  # a few thousand distinct prices
    cents_b = (rng.lognormal(2.1, 1, 2500) * 20).round() / 20
    small = rng.choice([0.0, 1.5, 3.0, 4.5], 900, p=[0.4, 0.3, 0.2, 0.1])
    small_b = rng.choice([0.0, 1.5, 3.0, 4.5, 6.0], 700)
    with_nan = np.where(rng.random(2000) < 0.1, np.nan, rng.integers(0, 40, 2000))
    return {
        "ages": (pd.Series(ages_a), pd.Series(ages_b)),
        "prices": (pd.Series(cents), pd.Series(cents_b)),
        "few values": (pd.Series(small), pd.Series(small_b)),
        "with missing": (pd.Series(with_nan), pd.Series(rng.integers(0, 45, 1500))),
        "same data": (pd.Series(ages_a), pd.Series(ages_a)),
        "tiny": (pd.Series([1.0, 2.0, 2.0]), pd.Series([2.0, 3.0])),
    }


NUMERIC = numeric_cases()


@pytest.mark.parametrize("case", NUMERIC, ids=NUMERIC.keys())
def test_numeric_statistics_equal_scipy_on_the_raw_values(case):
    a, b = (s.dropna().to_numpy(np.float64) for s in NUMERIC[case])
    series = NUMERIC[case]
    w = drift("wasserstein", *series)
    assert w.error_bound is None and w.p_value is None
    want = stats.wasserstein_distance(a, b) / max(np.std(a), 0.001)
    assert w.value == pytest.approx(want, rel=RTOL, abs=1e-12)
    ks = drift("ks", *series)
    oracle = stats.ks_2samp(a, b)
    assert ks.value == pytest.approx(oracle.statistic, rel=RTOL, abs=1e-12)
    assert ks.p_value == pytest.approx(oracle.pvalue, rel=1e-6, abs=1e-300)
    ref, cur = get_binned_data(pd.Series(a), pd.Series(b), ColumnType.Numerical, 30, False)
    js = drift("jensen_shannon", *series)
    assert js.value == pytest.approx(distance.jensenshannon(ref, cur), rel=RTOL, abs=1e-12)


@pytest.mark.parametrize("case", NUMERIC, ids=NUMERIC.keys())
def test_numeric_statistics_equal_evidentlys_stattests(case):
    a, b = (s.dropna().reset_index(drop=True) for s in NUMERIC[case])
    num = ColumnType.Numerical
    got = {m: drift(m, *NUMERIC[case]) for m in ("wasserstein", "ks", "psi", "jensen_shannon")}
    want = {
        "wasserstein": _wasserstein_distance_norm(a, b, num, 0.1)[0],
        "psi": _psi(a, b, num, 0.1)[0],
        "jensen_shannon": _jensenshannon(a, b, num, 0.1)[0],
    }
    for method, value in want.items():
        assert got[method].value == pytest.approx(value, rel=1e-9, abs=1e-12), method
    assert got["ks"].p_value == pytest.approx(_ks_stat_test(a, b, num, 0.05)[0], rel=1e-6)
    if a.nunique() + b.nunique() <= 20:  # Evidently's chi2 / z take each value as a category
        assert drift("chi2", *NUMERIC[case]).p_value == pytest.approx(
            _chi_stat_test(a, b, num, 0.05)[0], rel=1e-9, abs=1e-300
        )


def categorical_cases() -> dict[str, tuple[pd.Series, pd.Series]]:
    rng = np.random.default_rng(12)
    cities = [f"city-{i}" for i in range(30)]
    return {
        "shifted share": (
            pd.Series(rng.choice(["a", "b", "c"], 4000, p=[0.5, 0.3, 0.2])),
            pd.Series(rng.choice(["a", "b", "c"], 3000, p=[0.4, 0.35, 0.25])),
        ),
        "unseen category": (
            pd.Series(rng.choice(cities[:25], 2000)),
            pd.Series(rng.choice(cities, 2500)),
        ),
        "binary": (
            pd.Series(rng.choice(["no", "yes"], 800, p=[0.7, 0.3])),
            pd.Series(rng.choice(["no", "yes"], 600, p=[0.6, 0.4])),
        ),
        "with missing": (
            pd.Series(rng.choice(["x", "y", None], 1000)),
            pd.Series(rng.choice(["x", "y", "z", None], 1000)),
        ),
    }


CATEGORICAL = categorical_cases()


@pytest.mark.parametrize("case", CATEGORICAL, ids=CATEGORICAL.keys())
def test_categorical_statistics_equal_scipy_and_evidently(case):
    a, b = (s.dropna().reset_index(drop=True) for s in CATEGORICAL[case])
    cat = ColumnType.Categorical
    keys = sorted(set(a) | set(b))
    methods = ["psi", "jensen_shannon", "chi2"] + ["z"] * (len(keys) == 2)  # z: two values
    got = {m: drift(m, *CATEGORICAL[case]) for m in methods}
    assert got["psi"].value == pytest.approx(_psi(a, b, cat, 0.1)[0], rel=1e-9)
    assert got["jensen_shannon"].value == pytest.approx(_jensenshannon(a, b, cat, 0.1)[0], rel=1e-9)
    assert got["chi2"].p_value == pytest.approx(
        _chi_stat_test(a, b, cat, 0.05)[0], rel=1e-9, abs=1e-300
    )
    table = np.array([[int((a == k).sum()) for k in keys], [int((b == k).sum()) for k in keys]])
    assert got["chi2"].value == pytest.approx(association(table, method="cramer"), rel=1e-9)
    if len(keys) == 2:
        assert got["z"].value == pytest.approx(abs((a == keys[0]).mean() - (b == keys[0]).mean()))
        assert got["z"].p_value == pytest.approx(
            _z_stat_test(a, b, cat, 0.05)[0], rel=1e-9, abs=1e-300
        )
    for result in got.values():
        assert result.error_bound is None


def test_z_of_one_shared_value_is_not_drift():
    same = drift("z", pd.Series(["a"] * 10), pd.Series(["a"] * 7))
    assert (same.value, same.p_value) == (0.0, 1.0)


def test_datetimes_drift_as_epoch_seconds():
    rng = np.random.default_rng(13)
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, 2000), unit="D")
    later = pd.Timestamp("2024-02-01") + pd.to_timedelta(rng.integers(0, 300, 1500), unit="D")
    a, b = (d.astype("datetime64[ns]").astype("int64").to_numpy() / 1e9 for d in (days, later))
    got = drift("wasserstein", pd.Series(days), pd.Series(later))
    assert got.value == pytest.approx(stats.wasserstein_distance(a, b) / np.std(a), rel=RTOL)
    assert got.distribution["kind"] == "numeric"


def evidently_default(a: pd.Series, b: pd.Series, numeric: bool) -> str:
    kind = ColumnType.Numerical if numeric else ColumnType.Categorical
    name = registry._get_default_stattest(a, b, kind).name
    return {"chisquare": "chi2", "jensenshannon": "jensen_shannon"}.get(name, name)


AUTO = {
    "ints, small reference": (pd.Series(np.arange(900) % 50), pd.Series(np.arange(700) % 60), True),
    "ints, large reference": (pd.Series(np.arange(5000) % 50), pd.Series(np.arange(70) % 60), True),
    "4 values, small": (pd.Series(np.arange(900) % 4), pd.Series(np.arange(70) % 3), True),
    "2 values, small": (pd.Series(np.arange(900) % 2), pd.Series(np.arange(70) % 2), True),
    "5 values, large": (pd.Series(np.arange(3000) % 5), pd.Series(np.arange(70) % 2), True),
    "categories, small": (pd.Series(list("abc") * 300), pd.Series(list("ab") * 30), False),
    "two categories, small": (pd.Series(list("ab") * 300), pd.Series(list("ab") * 30), False),
    "categories, large": (pd.Series(list("ab") * 3000), pd.Series(list("ab") * 30), False),
}


@pytest.mark.parametrize("case", AUTO, ids=AUTO.keys())
def test_auto_method_is_evidentlys_default_under_p_values(case):
    a, b, numeric = AUTO[case]
    ref, cur = profile_column("x", a), profile_column("x", b)
    assert auto_method(ref, cur, "p_value", len(a)) == evidently_default(a, b, numeric)
    large = evidently_default(pd.concat([a] * (1001 // len(a) + 1)), b, numeric)
    assert auto_method(ref, cur, "effect_size", len(a)) == large  # the > 1000-row choice


def test_continuous_columns_past_the_cap_choose_like_evidently():
    rng = np.random.default_rng(14)
    a, b = pd.Series(rng.normal(size=20_000)), pd.Series(rng.normal(size=500))
    ref, cur = profile_column("x", a), profile_column("x", b)
    assert ref.numbers.values is None
    assert auto_method(ref, cur, "effect_size", 20_000) == "wasserstein"
    small_ref = profile_column("x", a[:800])
    assert auto_method(small_ref, cur, "p_value", 800) == "ks"


def test_kinds_that_differ_and_methods_that_do_not_apply_are_refused_by_column():
    numbers, texts = (
        profile_column("age", pd.Series([1, 2, 3])),
        profile_column("age", pd.Series(list("abc"))),
    )
    with pytest.raises(
        ValueError, match="column 'age' is numeric in the reference and categorical"
    ):
        column_drift("psi", numbers, texts, confidence=None, resamples=0, seed=0)
    with pytest.raises(ValueError, match="column 'age' is numeric in the reference"):
        auto_method(numbers, texts, "effect_size", 3)
    days = profile_column("age", pd.Series(pd.to_datetime(["2024-01-01", "2024-01-02"])))
    with pytest.raises(ValueError, match="column 'age' is datetime in the reference and numeric"):
        column_drift("wasserstein", days, numbers, confidence=None, resamples=0, seed=0)
    with pytest.raises(ValueError, match="column 'age' is categorical: method ks needs numbers"):
        column_drift("ks", texts, texts, confidence=None, resamples=0, seed=0)
    with pytest.raises(ValueError, match="unknown drift method 'kl'"):
        column_drift("kl", numbers, numbers, confidence=None, resamples=0, seed=0)
    with pytest.raises(ValueError, match="unknown verdict"):
        auto_method(numbers, numbers, "vibes", 3)
    assert set(METHODS) >= P_VALUE_METHODS


@pytest.mark.parametrize("method", METHODS)
def test_an_empty_side_has_no_value(method):
    values = (
        pd.Series(["a", "b"])
        if method in ("chi2", "z", "psi", "jensen_shannon")
        else pd.Series([1.0, 2.0])
    )
    nothing = profile_column("x", pd.Series([None, None], dtype=object))
    for ref, cur in (
        (profile_column("x", values), nothing),
        (nothing, profile_column("x", values)),
    ):
        got = column_drift(method, ref, cur, confidence=0.9, resamples=50, seed=0)
        assert (got.value, got.p_value, got.ci) == (None, None, None)
        assert len(got.distribution["reference"]) == len(got.distribution["current"])
    both = column_drift(method, nothing, nothing, confidence=0.9, resamples=50, seed=0)
    assert (both.value, both.ci) == (None, None)
    only_inf = profile_column("x", pd.Series([np.inf, -np.inf]))
    if method not in ("chi2", "z", "psi", "jensen_shannon"):
        assert (
            column_drift(
                method, only_inf, profile_column("x", values), confidence=None, resamples=0, seed=0
            ).value
            is None
        )


def test_distribution_shapes():
    rng = np.random.default_rng(15)
    got = drift("wasserstein", pd.Series(rng.normal(size=3000)), pd.Series(rng.normal(1, 1, 2000)))
    d = got.distribution
    assert d["kind"] == "numeric" and len(d["edges"]) == 31 and len(d["reference"]) == 30
    assert sum(d["reference"]) == pytest.approx(1) and sum(d["current"]) == pytest.approx(1)
    cats = [f"c{i:02d}" for i in range(40)]
    got = drift(
        "jensen_shannon", pd.Series(rng.choice(cats, 3000)), pd.Series(rng.choice(cats[:30], 900))
    )
    d = got.distribution
    assert (
        d["kind"] == "categorical"
        and len(d["categories"]) == 21
        and d["categories"][-1] == "(other)"
    )
    assert sum(d["reference"]) == pytest.approx(1) and sum(d["current"]) == pytest.approx(1)


def test_missing_change_and_its_interval_equal_statsmodels_newcombe():
    proportion = pytest.importorskip("statsmodels.stats.proportion", reason="the oracle")
    rng = np.random.default_rng(16)
    for k_ref, n_ref, k_cur, n_cur in (
        (0, 200, 0, 300),
        (50, 1000, 80, 900),
        (0, 10, 5, 10),
        (3, 3, 0, 7),
    ):
        ref = profile_column(
            "x", pd.Series(rng.permutation([np.nan] * k_ref + [1.0] * (n_ref - k_ref)))
        )
        cur = profile_column(
            "x", pd.Series(rng.permutation([np.nan] * k_cur + [1.0] * (n_cur - k_cur)))
        )
        change, ci = missing_change(ref, cur, confidence=0.95, resamples=0, seed=0)
        assert change == pytest.approx(k_cur / n_cur - k_ref / n_ref)
        want = proportion.confint_proportions_2indep(
            k_cur, n_cur, k_ref, n_ref, method="newcomb", alpha=0.05
        )
        assert ci == pytest.approx(want, abs=1e-9)
        assert ci[0] <= change <= ci[1]
        assert missing_change(ref, cur, confidence=None, resamples=0, seed=0)[1] is None
    with pytest.raises(ValueError, match="column 'x': the current data has no rows"):
        missing_change(
            ref,
            profile_column("x", pd.Series([], dtype=float)),
            confidence=0.9,
            resamples=0,
            seed=0,
        )
    assert not math.isnan(change)


def test_cramers_v_and_its_interval_hold_at_a_million_rows():
    """(r * n_cur)**2 passes int64 here: V must still equal scipy's."""
    rng = np.random.default_rng(17)
    a, b = rng.integers(0, 4, 1_000_000), rng.integers(0, 4, 1_200_000)
    b[:30_000] = 0
    got = drift("chi2", pd.Series(a), pd.Series(b), confidence=0.95, resamples=200)
    table = np.array([np.bincount(a), np.bincount(b)])
    assert got.value == pytest.approx(association(table, method="cramer"), rel=1e-9)
    assert got.ci[0] <= got.value <= got.ci[1] < 0.1


def test_z_refuses_a_column_of_more_than_two_values():
    """z compares the share of one value: on 700 numbers it would miss any shift."""
    rng = np.random.default_rng(18)
    a, b = pd.Series(np.arange(700.0)), pd.Series(np.arange(700.0) + 350)
    with pytest.raises(ValueError, match="column 'x' has 1050 distinct values: method z compares"):
        drift("z", a, b)
    with pytest.raises(ValueError, match="use chi2, wasserstein or jensen_shannon"):
        drift("z", pd.Series(rng.choice(list("abc"), 300)), pd.Series(rng.choice(list("ab"), 300)))
    two = profile_column("x", pd.Series([0, 1] * 50)), profile_column("x", pd.Series([1] * 80))
    assert auto_method(*two, "p_value", 100) == "z"
    assert column_drift("z", *two, confidence=None, resamples=0, seed=0).value == 0.5


def test_z_p_value_of_a_large_shift_does_not_underflow():
    """2 * (1 - cdf) is 0 past |z| ~ 8.3; the survival function keeps the digits."""
    a = pd.Series(["n"] * 4000 + ["y"] * 1000)
    b = pd.Series(["n"] * 2500 + ["y"] * 2500)
    got = drift("z", a, b)
    p1, p2, n = 0.2, 0.5, 5000
    pooled = (p1 + p2) / 2
    z = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * 2 / n)
    assert 0 < got.p_value == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-9)
    assert got.p_value < 1e-100


def test_scipy_stats_is_not_imported_with_the_drift_engine():
    """scipy.stats costs ~0.9 s of start-up; only the ks / chi2 p-values import it."""
    code = (
        "import sys, gate.engine.drift_methods as d, gate.engine.missing_change as m, numpy as np;"
        "import pandas as pd;"
        "from gate.engine.columns import profile_column as p;"
        "a, b = p('x', pd.Series(np.arange(100.0))), p('x', pd.Series(np.arange(80.0)));"
        "d.column_drift('wasserstein', a, b, confidence=0.9, resamples=50, seed=0);"
        "m.missing_change(a, b, confidence=0.9, resamples=0, seed=0);"
        "print('scipy.stats' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == "False", done.stderr


def huge_profiles(sketch: bool):
    rng = np.random.default_rng(19)
    n = 20_000 if sketch else 300
    a = np.concatenate([rng.normal(size=n) * 1e307, [1.7e308, -1.7e308]])
    b = np.concatenate([rng.normal(size=n) * 1e307 + 2e306, [1.79e308, -1.79e308, 0.0]])
    with warnings.catch_warnings():  # the profile's running sums may overflow (not drift's)
        warnings.simplefilter("ignore")
        return a, b, profile_column("x", pd.Series(a)), profile_column("x", pd.Series(b))


@pytest.mark.parametrize("sketch", [False, True], ids=["exact", "sketch"])
def test_finite_values_near_the_largest_float_drift_without_overflow(sketch):
    """Before: numpy's "Too many bins for data range" (the range passes 1.8e308) and overflow
    warnings; now every numeric method runs without a warning and equals scipy on the data
    scaled by 2**-1024 (the statistics are scale-free)."""
    a, b, ref, cur = huge_profiles(sketch)
    assert (ref.numbers.values is None) is sketch
    scale = 2.0**-1024
    want = {
        "wasserstein": stats.wasserstein_distance(a * scale, b * scale) / np.std(a * scale),
        "ks": stats.ks_2samp(a, b).statistic,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for method in ("wasserstein", "ks", "psi", "jensen_shannon"):
            got = column_drift(method, ref, cur, confidence=0.95, resamples=100, seed=0)
            edges = np.array(got.distribution["edges"])
            assert len(edges) == 31 and np.isfinite(edges).all() and np.all(np.diff(edges) > 0)
            assert edges[0] == -1.79e308 and edges[-1] == 1.79e308
            assert sum(got.distribution["reference"]) == pytest.approx(1)
            assert math.isfinite(got.value) and got.ci[0] <= got.value <= got.ci[1]
            if method in want:
                assert abs(got.value - want[method]) <= (got.error_bound or 0) + 1e-9, method
