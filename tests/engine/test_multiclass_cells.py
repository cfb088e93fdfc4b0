"""Multiclass metrics from mergeable cells equal scikit-learn's to 1e-12 (hypothesis), including
a class absent from the predictions and one absent from the labels; their profile parts add up
like the binary ones (profile(a) + profile(b) == profile(a ++ b))."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import profiles_match
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from gate.backends.profiling import profile_bound
from gate.engine import measures
from gate.engine import multiclass_metrics as mc
from gate.engine.class_names import sort_classes
from gate.engine.metrics import METRICS, Task
from gate.engine.multiclass import ClassCells, ClassScores, class_parts
from gate.inputs.binding import EvalData, Predictions

CLASSES = ("0", "1", "2", "10")  # numeric labels sort numerically, as scikit-learn sorts them
SK = {"precision": skm.precision_score, "recall": skm.recall_score, "f1": skm.f1_score}


@st.composite
def rows(draw, probabilities: bool = False, all_labels: bool = False):
    """Labels, predictions (index into CLASSES), weights and groups of a few rows; the label
    and the predictions each draw from a random subset of the classes, so a class may be
    absent from either."""
    n = draw(st.integers(1, 60))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    k = len(CLASSES)
    label_classes = (
        list(range(k)) if all_labels else draw(st.sets(st.sampled_from(range(k)), min_size=1))
    )
    pred_classes = draw(st.sets(st.sampled_from(range(k)), min_size=1))
    y = rng.choice(sorted(label_classes), n)
    pred = rng.choice(sorted(pred_classes), n)
    weighted = draw(st.booleans())
    weight = rng.choice([0.0, 0.5, 1.0, 2.5], n) if weighted else None
    assume(weight is None or weight.sum() > 0)
    proba = None
    if probabilities:
        raw = rng.integers(0, 4, (n, k)).astype(float) + (rng.uniform(size=(n, 1)) < 0.5)
        raw[raw.sum(axis=1) == 0, 0] = 1.0  # ties on purpose: few distinct values
        proba = raw / raw.sum(axis=1, keepdims=True)
    group = rng.integers(0, 3, n)
    return np.array(CLASSES, dtype=object)[y], pred, weight, group, proba


def parts_of(y, pred, weight, group, proba=None):
    return class_parts(group, y, CLASSES, pred, proba, weight, 3)


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def test_classes_sort_as_scikit_learn_sorts_them():
    assert sort_classes(["10", "2", "1"]) == ("1", "2", "10")
    assert sort_classes(["b", "a", "10", "2"]) == ("10", "2", "a", "b")
    assert sort_classes([2.5, 1, "0"]) == ("0", "1", "2.5")


@settings(max_examples=150, deadline=None)
@given(rows(), st.sampled_from(["macro", "weighted", "micro"]))
def test_averaged_label_metrics_equal_scikit_learn(data, average):
    y, pred, weight, group, _ = data
    parts = parts_of(y, pred, weight, group)
    predicted = np.array(CLASSES, dtype=object)[pred]
    for name, fn in SK.items():
        expected = quiet(fn, y, predicted, average=average, sample_weight=weight, zero_division=0)
        assert mc.value(name, average, parts)[0] == pytest.approx(expected, rel=1e-12, abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(rows())
def test_accuracy_and_balanced_accuracy_equal_scikit_learn(data):
    y, pred, weight, group, _ = data
    parts = parts_of(y, pred, weight, group)
    predicted = np.array(CLASSES, dtype=object)[pred]
    accuracy = skm.accuracy_score(y, predicted, sample_weight=weight)
    balanced = quiet(skm.balanced_accuracy_score, y, predicted, sample_weight=weight)
    assert mc.value("accuracy", None, parts)[0] == pytest.approx(accuracy, rel=1e-12, abs=1e-12)
    got = mc.value("balanced_accuracy", None, parts)[0]
    assert got == pytest.approx(balanced, rel=1e-12, abs=1e-12, nan_ok=True)


def test_a_class_absent_from_the_predictions_and_one_absent_from_the_labels():
    """scikit-learn averages over unique_labels(y_true, y_pred): a class only predicted ("10")
    counts with recall 0 (zero_division=0, with a warning there); a class never predicted
    ("2") counts with precision 0. The gate matches it (without the warning)."""
    y = np.array(["0", "1", "2", "0", "1", "2"], dtype=object)
    predicted = np.array(["0", "1", "1", "10", "1", "0"], dtype=object)
    pred = np.array([CLASSES.index(p) for p in predicted])
    parts = parts_of(y, pred, None, np.zeros(6, dtype=int))
    for name, fn in SK.items():
        for average in ("macro", "weighted", "micro"):
            expected = quiet(fn, y, predicted, average=average, zero_division=0)
            assert mc.value(name, average, parts)[0] == pytest.approx(expected, abs=1e-12)
    assert mc.value("recall", "macro", parts)[0] == pytest.approx((1 / 2 + 1 + 0 + 0) / 4)


@settings(max_examples=100, deadline=None)
@given(rows(probabilities=True))
def test_log_loss_equals_scikit_learn_with_every_class_given(data):
    y, pred, weight, group, proba = data
    parts = parts_of(y, pred, weight, group, proba)
    numbers = [int(c) for c in CLASSES]  # the labels as the data has them (sorted numerically)
    expected = skm.log_loss(y.astype(int), proba, labels=numbers, sample_weight=weight)
    assert mc.value("log_loss", None, parts)[0] == pytest.approx(expected, rel=1e-12)


@settings(max_examples=100, deadline=None)
@given(rows(probabilities=True, all_labels=True), st.sampled_from(["macro", "weighted"]))
def test_one_vs_rest_roc_auc_equals_scikit_learn(data, average):
    y, pred, weight, group, proba = data
    assume(len(set(y)) == len(CLASSES))
    if weight is not None:
        assume(all(weight[y == c].sum() > 0 and weight[y != c].sum() > 0 for c in CLASSES))
    parts = parts_of(y, pred, weight, group, proba)
    expected = skm.roc_auc_score(
        y.astype(int), proba, multi_class="ovr", average=average, sample_weight=weight
    )
    value, bound = mc.value("roc_auc", average, parts)
    assert (value, bound) == (pytest.approx(expected, rel=1e-12), 0.0)


@settings(max_examples=100, deadline=None)
@given(rows(probabilities=True), st.sampled_from(sorted(METRICS)))
def test_a_metric_of_one_class_is_the_binary_metric_one_vs_rest(data, name):
    y, pred, weight, group, proba = data
    metric = METRICS[name]
    if metric.task is not Task.BINARY:
        return
    parts = parts_of(y, pred, weight, group, proba)
    for k, label in enumerate(CLASSES):
        binary = mc.one_vs_rest(parts, label)
        truth, hit = (y == label).astype(int), (pred == k).astype(int)
        rows_weight = weight if weight is not None else np.ones(len(y))
        if metric.needs_both_classes and not (truth.any() and (1 - truth).any()):
            continue
        if rows_weight[truth == 1].sum() == 0 and metric.needs_both_classes:
            continue
        got = measures.value(metric, binary)[0]
        expected = metric(truth, proba[:, k] if metric.input.value == "score" else hit, weight)
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-12, nan_ok=True), (label, name)


@settings(max_examples=40, deadline=None)
@given(rows(), st.sampled_from(["precision", "recall", "f1", "balanced_accuracy"]))
def test_bootstrap_values_are_the_metric_on_the_drawn_rows(data, name):
    """A resample's value equals scikit-learn's on rows with the drawn cell counts."""
    y, pred, _, group, _ = data
    parts = parts_of(y, pred, None, group)
    values = mc.bootstrap(name, "macro", parts, 5, seed=3)
    cells = parts["classes"]
    total = cells.cells.fold(np.ones((3, 1)))
    draws = total.draw(5, 3)[1][:, 0]
    k = len(cells.classes)
    for r in range(5):
        truth, predicted = [], []
        for i, j in itertools.product(range(k), range(k)):
            truth += [cells.classes[i]] * int(draws[r, i, j])
            predicted += [cells.classes[j]] * int(draws[r, i, j])
        if name == "balanced_accuracy":
            expected = quiet(skm.balanced_accuracy_score, truth, predicted)
        else:
            expected = quiet(SK[name], truth, predicted, average="macro", zero_division=0)
        assert values[r] == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_log_loss_interval_covers_the_value_and_narrows_with_rows():
    rng = np.random.default_rng(0)
    widths = []
    for n in (200, 5000):
        y = np.array(CLASSES, dtype=object)[rng.integers(0, 4, n)]
        proba = rng.dirichlet(np.ones(4), n)
        parts = parts_of(y, rng.integers(0, 4, n), None, rng.integers(0, 3, n), proba)
        values = mc.bootstrap("log_loss", None, parts, 400, seed=1)
        low, high = np.percentile(values, [2.5, 97.5])
        assert low < mc.value("log_loss", None, parts)[0] < high
        widths.append(high - low)
    assert widths[1] < widths[0] / 3


# ----------------------------------------------------------------- profiles merge


def frame(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    proba = rng.dirichlet(np.ones(3), n)
    return pd.DataFrame(
        {
            "sex": rng.choice(["f", "m", "x"], n),
            "y": rng.choice(["cat", "dog", "emu"], n, p=[0.6, 0.3, 0.1]),
            "pred": rng.integers(0, 3, n),
            "w": rng.uniform(0, 2, n),
            **{f"p{k}": proba[:, k] for k in range(3)},
        }
    )


def profile_of(rows: pd.DataFrame, weighted: bool):
    rows = rows.reset_index(drop=True)
    classes = ("cat", "dog", "emu")
    proba = rows[["p0", "p1", "p2"]].to_numpy()
    ev = EvalData(
        Task.MULTICLASS,
        rows["y"].to_numpy(dtype=object),
        rows["w"].to_numpy() if weighted else None,
        Predictions("m", rows["pred"].to_numpy(), proba, classes),
        None,
        rows,
        ("sex",),
        classes=tuple(sorted(rows["y"].unique())),
    )
    return profile_bound(ev, ("sex",))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 80), max_size=4),
    st.integers(0, 1000),
    st.booleans(),
)
def test_any_batching_gives_the_same_profile(cuts, seed, weighted):
    data = frame(seed, 80)
    edges = [0, *sorted(cuts), len(data)]
    parts = [profile_of(data.iloc[a:b], weighted) for a, b in itertools.pairwise(edges)]
    merged = sum(parts[1:], parts[0])
    whole = profile_of(data, weighted)
    assert profiles_match(merged, whole)
    assert profiles_match(sum(reversed(parts[:-1]), parts[-1]), whole)


def test_batches_showing_different_classes_merge_into_the_union():
    group = np.zeros(2, dtype=int)
    a = ClassCells.from_rows(
        group, np.array(["b", "b"], object), np.array(["b", "c"], object), None, 1
    )
    b = ClassCells.from_rows(group[:1], np.array(["a"], object), np.array(["a"], object), None, 1)
    both = a + b
    assert both.classes == ("a", "b", "c")
    assert both.cells.n[0].tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 0]]
    assert both == b + a
    with pytest.raises(ValueError, match="differ in length"):
        ClassCells.from_rows(group, np.array(["a"], object), np.array(["a"], object), None, 1)


def test_parts_round_trip_through_their_arrays():
    data = frame(4, 50)
    profile = profile_of(data, weighted=True)
    for name, cls in (("classes", ClassCells), ("class_scores", ClassScores)):
        part = profile.candidate[name]
        assert cls.from_arrays(part.to_arrays()) == part


def _many_classes(n: int, k: int, seed: int):
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(k), n)  # continuous: every score distinct
    truth = np.array([str(c) for c in range(k)], dtype=object)[rng.integers(0, k, n)]
    return truth, tuple(str(c) for c in range(k)), p


def test_the_exact_score_budget_is_one_total_over_every_class():
    """review13 #27: K=50 classes x 50,000 rows is 2.5M distinct (score, group, class) keys,
    past the 2,000,000 budget in all: every class keeps its bins only (memory bounded whatever
    K), and the one-vs-rest roc_auc stays within its stated bound of scikit-learn's."""
    from gate.engine.scores import EXACT_BUDGET

    truth, classes, p = _many_classes(50_000, 50, seed=4)
    group = np.zeros(len(truth), dtype=np.int64)
    scores = ClassScores.from_rows(group, truth, classes, p, None, 1)
    assert not any(c.exact for c in scores.ovr)
    assert sum(len(c.table["score"]) for c in scores.ovr) == 0
    bins = sum(len(c.bins["bin"]) for c in scores.ovr)
    assert bins < 50_000 * 50 / 5  # cells, not rows x classes
    value, bound = mc.roc_auc(scores, "macro")
    oracle = skm.roc_auc_score(truth.astype(int), p, multi_class="ovr", average="macro")
    assert bound > 0 and abs(value - oracle) <= bound
    # two halves, each within the budget, merge past it: the same bins-only part
    half = len(truth) // 2
    a, b = (
        ClassScores.from_rows(group[s], truth[s], classes, p[s], None, 1)
        for s in (slice(None, half), slice(half, None))
    )
    assert sum(len(c.table["score"]) for c in a.ovr) <= EXACT_BUDGET and a.ovr[0].exact
    merged, whole = (x.to_arrays() for x in (a + b, scores))
    assert merged.keys() == whole.keys()
    assert merged["classes"].tolist() == whole.pop("classes").tolist()
    assert all(np.allclose(whole[k], merged[k], rtol=1e-12, atol=0) for k in whole)


def test_few_classes_within_the_budget_stay_exact():
    truth, classes, p = _many_classes(5_000, 3, seed=5)
    group = np.zeros(len(truth), dtype=np.int64)
    scores = ClassScores.from_rows(group, truth, classes, p, None, 1)
    assert all(c.exact for c in scores.ovr)
    value, bound = mc.roc_auc(scores, "macro")
    oracle = skm.roc_auc_score(truth.astype(int), p, multi_class="ovr", average="macro")
    assert bound == 0.0 and value == pytest.approx(oracle, abs=1e-12)
