"""Permutation importance equals scikit-learn's; its bootstrap recomputes it exactly on resampled
rows from the kept outputs; shares, ranks and rank correlations are what they say."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics
from scipy.stats import spearmanr
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.inspection import permutation_importance
from sklearn.metrics import make_scorer

from gate.engine.importance import permutation
from gate.engine.importance_bootstrap import (
    permutation_draws,
    rank_correlation,
    ranks,
    resampled_scores,
    shares,
)
from gate.engine.metrics import METRICS
from gate.engine.resample import row_count_chunks


@pytest.fixture(autouse=True)
def one_thread():
    """One OpenMP thread: HistGradientBoosting's threads spin on a loaded test machine, and
    these models are small (speed is the benchmark's business, not the tests')."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def data(n: int = 400, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.normal(size=n)})
    value = 2 * X["a"] + X["b"] + rng.normal(scale=0.5, size=n)
    return X, (value > 0).astype(int).to_numpy(), value.to_numpy()


@pytest.mark.parametrize("name", ["roc_auc", "accuracy", "average_precision", "log_loss"])
def test_binary_importances_equal_scikit_learns(name: str):
    X, y, _ = data()
    model = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(X, y)
    metric = METRICS[name]
    if metric.input.value == "score":

        def predict(frame: pd.DataFrame) -> np.ndarray:
            return model.predict_proba(frame)[:, 1]
    else:

        def predict(frame: pd.DataFrame) -> np.ndarray:
            return model.predict(frame)

    # the scores scikit-learn's scorer reads: predict_proba, as the gate binds a classifier's
    # (its "roc_auc" prefers decision_function, whose distinct values expit can merge)
    scoring = make_scorer(
        getattr(sklearn.metrics, metric.function.split(":")[1]),
        greater_is_better=metric.greater_is_better,
        response_method="predict_proba" if metric.input.value == "score" else "predict",
    )
    ours = permutation(predict, X, y, None, metric, repeats=4, seed=7)
    theirs = permutation_importance(model, X, y, scoring=scoring, n_repeats=4, random_state=7)
    np.testing.assert_allclose(ours.importances, theirs.importances, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.mean, theirs.importances_mean, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", ["r2", "mae", "rmse"])
def test_regression_importances_with_weights_equal_scikit_learns(name: str):
    X, _, value = data()
    weight = np.random.default_rng(1).uniform(0.5, 2.0, len(X))
    model = HistGradientBoostingRegressor(max_iter=20, random_state=0).fit(X, value)
    scoring = {"mae": "neg_mean_absolute_error", "rmse": "neg_root_mean_squared_error"}
    ours = permutation(model.predict, X, value, weight, METRICS[name], repeats=3, seed=3)
    theirs = permutation_importance(
        model,
        X,
        value,
        scoring=scoring.get(name, name),
        n_repeats=3,
        random_state=3,
        sample_weight=weight,
    )
    np.testing.assert_allclose(ours.importances, theirs.importances, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "name", ["roc_auc", "roc_auc ties", "average_precision", "accuracy", "balanced_accuracy", "r2"]
)
def test_resampled_scores_equal_the_metric_on_the_resampled_rows(name: str):
    X, y, value = data(120)
    metric = METRICS[name.split()[0]]
    truth = value if metric.task.value == "regression" else y
    rng = np.random.default_rng(4)
    if name in ("accuracy", "balanced_accuracy"):
        outputs = rng.integers(0, 2, (3, len(X)))
    else:
        outputs = truth + rng.normal(size=(3, len(X)))
    if name.endswith("ties"):
        outputs = np.round(outputs, 1)  # many tied scores, within and across the classes
    for weight in (rng.uniform(0.5, 2.0, len(X)), None):
        got = resampled_scores(metric, truth, weight, outputs, resamples=5, seed=11)
        counts = next(row_count_chunks(len(X), 5, 11))
        for b in range(5):
            rows = np.repeat(np.arange(len(X)), counts[b])
            for k in range(3):
                w = None if weight is None else weight[rows]
                want = metric(truth[rows], outputs[k][rows], w)
                assert got[b, k] == pytest.approx(want, abs=1e-12)


def test_permutation_draws_recompute_the_importance_on_each_resample():
    X, y, _ = data(150)
    model = HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(X, y)
    metric = METRICS["roc_auc"]
    permuted = permutation(lambda f: model.predict_proba(f)[:, 1], X, y, None, metric, 2, 5)
    draws = permutation_draws(permuted, metric, y, None, resamples=3, seed=2)
    counts = next(row_count_chunks(len(X), 3, 2))
    for b in range(3):
        rows = np.repeat(np.arange(len(X)), counts[b])
        base = metric(y[rows], permuted.unshuffled[rows], None)
        for f in range(3):
            shuffled = [metric(y[rows], permuted.shuffled[f, r][rows], None) for r in range(2)]
            assert draws[b, f] == pytest.approx(base - np.mean(shuffled), abs=1e-12)


def test_shares_ranks_and_rank_correlation():
    importance = np.array([[0.5, -0.1, 0.0, 0.4], [0.0, 0.0, 0.0, 0.0]])
    # an importance not above 0 has share 0, as it has no rank (#1: share consistent with rank)
    np.testing.assert_allclose(shares(importance)[0], [5 / 9, 0.0, 0.0, 4 / 9])
    assert shares(importance)[1].tolist() == [0, 0, 0, 0]
    # not above 0: unranked (features + 1), whatever its place
    assert ranks(importance).tolist() == [[1, 5, 5, 2], [5, 5, 5, 5]]
    a, b = np.random.default_rng(0).normal(size=(2, 6, 9))
    b[:, :3] = a[:, :3]  # some ties across, none within
    want = [spearmanr(a[i], b[i]).statistic for i in range(6)]
    np.testing.assert_allclose(rank_correlation(a, b), want, atol=1e-12)
    assert np.isnan(rank_correlation(np.ones(4), np.arange(4.0)))
