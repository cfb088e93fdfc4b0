"""Column binding: labels of any type, thresholds, weights, and precise errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gate.engine.metrics import Task
from gate.errors import InputError
from gate.inputs.binding import bind, require_classes
from gate.inputs.data import Dataset
from gate.policy.model import DataBinding


def dataset(**columns) -> Dataset:
    return Dataset("d.csv", "0" * 64, pd.DataFrame(columns))


@pytest.mark.parametrize(
    ("labels", "positive"),
    [
        (["yes", "no", "yes"], "yes"),
        ([True, False, True], True),
        ([1, 0, 1], "1"),  # --positive-label arrives as text
        (["1", "0", "1"], 1),
    ],
)
def test_positive_label_of_any_type(labels, positive):
    data = dataset(y=labels, s=[0.9, 0.2, 0.6])
    bound = bind(
        DataBinding(label="y", score="s", positive_label=positive), Task.BINARY, data, None, None
    )
    np.testing.assert_array_equal(bound.y_true, [1, 0, 1])


def test_threshold_turns_scores_into_labels_inclusively():
    data = dataset(y=[1, 0, 1, 0], s=[0.3, 0.29, 0.9, 0.1])
    bound = bind(DataBinding(label="y", score="s", threshold=0.3), Task.BINARY, data, None, None)
    np.testing.assert_array_equal(bound.candidate.labels, [1, 0, 1, 0])


def test_prediction_column_is_used_for_labels_and_score_for_scores():
    data = dataset(y=["a", "b"], s=[0.1, 0.2], p=["b", "b"])
    bound = bind(
        DataBinding(label="y", score="s", prediction="p", positive_label="b"),
        Task.BINARY,
        data,
        None,
        None,
    )
    np.testing.assert_array_equal(bound.candidate.labels, [1, 1])
    np.testing.assert_array_equal(bound.candidate.scores, [0.1, 0.2])


@pytest.mark.parametrize(
    ("binding", "columns", "message"),
    [
        (
            DataBinding(label="y", score="s", weight="w"),
            {"y": [1, 0], "s": [0.1, 0.2], "w": [1, -1]},
            "weight column 'w' has negative values in row 2",
        ),
        (
            DataBinding(label="y", score="s"),
            {"y": [1, 0], "s": [0.1, np.inf]},
            "score column 's' has missing or non-finite values in row 2",
        ),
        (DataBinding(label="y"), {"y": [1, 0]}, "nothing to evaluate"),
        (
            DataBinding(label="y", prediction="p"),
            {"y": [1, 0], "p": [1, None]},
            "prediction column 'p' has missing values in row 2",
        ),
        (
            DataBinding(label="y", score="scroe"),
            {"y": [1, 0], "score": [0.1, 0.2]},
            "no score column 'scroe'; did you mean 'score'?",
        ),
    ],
)
def test_binding_errors_name_the_column(binding, columns, message):
    with pytest.raises(InputError) as info:
        bind(binding, Task.BINARY, dataset(**columns), None, None)
    assert message in str(info.value)


def test_no_label_bound_is_an_outcome_free_run():
    """Without a label every row counts as negative: the selection rate is still exact."""
    ev = bind(DataBinding(score="s"), Task.BINARY, dataset(s=[0.1, 0.7, 0.9]), None, None)
    assert ev.y_true.tolist() == [0, 0, 0] and ev.candidate.labels.tolist() == [0, 1, 1]
    assert ev.classes == ()


def test_a_check_needing_ground_truth_without_a_label_names_it_and_its_metric():
    from gate.errors import Location
    from gate.inputs.requirements import require_truth
    from gate.policy.model import CheckSpec, FairnessOptions, QualityOptions

    here = Location("p.yaml", 1, 1)
    rates = FairnessOptions(("selection_rate",), "ratio")
    odds = FairnessOptions(("true_positive_rate", "false_positive_rate"), "difference")
    free = [
        CheckSpec("rates", "fairness", here, metric="selection_rate", fairness=rates),
        CheckSpec("q", "data_quality", here, quality=QualityOptions(max_missing_share=0.1)),
    ]
    require_truth(tuple(free), DataBinding(score="s"))
    needing = (
        CheckSpec("odds", "fairness", here, metric="equalized_odds_difference", fairness=odds),
        CheckSpec("q2", "data_quality", here, quality=QualityOptions(min_class_share=0.1)),
    )
    with pytest.raises(InputError) as info:
        require_truth((*free, *needing), DataBinding(score="s"))
    message = str(info.value)
    assert "odds (equalized_odds_difference), q2 (min_class_share) need ground truth" in message
    assert "rates" not in message and "--label" in message
    require_truth(needing, DataBinding(label="y", score="s"))


def test_regression_label_must_be_numeric():
    with pytest.raises(InputError, match="label column 'y' must be numeric"):
        bind(
            DataBinding(label="y", prediction="p"),
            Task.REGRESSION,
            dataset(y=["a", "b"], p=[1.0, 2.0]),
            None,
            None,
        )


def test_many_bad_rows_are_summarised():
    y = [None] * 8 + [1, 0]
    with pytest.raises(InputError, match=r"rows 1, 2, 3, 4, 5 and 3 more"):
        bind(DataBinding(label="y", score="s"), Task.BINARY, dataset(y=y, s=[0.5] * 10), None, None)


def _broken(estimator, how: str):
    """A fitted scikit-learn model whose parameters were corrupted, as a crafted file can be."""
    # nan: every score is NaN; inf: the row with x = 0 scores 0 * inf = NaN, the others 0 or 1
    estimator.coef_ = np.full_like(estimator.coef_, np.nan if how == "nan" else np.inf)
    return estimator


@pytest.mark.parametrize("how", ["nan", "inf"])
def test_a_model_with_non_finite_scores_cannot_be_evaluated(how):
    """NaN >= threshold is False: without this refusal every row would count as negative
    and a false_positive_rate ceiling would pass."""
    from sklearn.linear_model import LogisticRegression

    from gate.inputs.models import LoadedModel, SklearnModel

    data = dataset(x=[0.0, 1.0, 2.0, 3.0], y=[0, 1, 0, 1])
    fitted = LogisticRegression().fit(data.frame[["x"]], data.frame["y"])
    model = LoadedModel(SklearnModel(_broken(fitted, how)), "m.skops", "0" * 64, "skops")
    with pytest.raises(InputError, match=r"model m.skops returned .*non-finite outputs.*d.csv"):
        bind(DataBinding(label="y"), Task.BINARY, data, model, None)
    with pytest.raises(InputError, match=r"model m\.skops returned"):
        bind(DataBinding(label="y", score="x"), Task.BINARY, data, None, model)


def test_a_regression_model_with_non_finite_predictions_cannot_be_evaluated():
    from sklearn.linear_model import LinearRegression

    from gate.inputs.models import LoadedModel, SklearnModel

    data = dataset(x=[0.0, 1.0, 2.0, 3.0], y=[0.0, 1.0, 2.0, 3.0])
    fitted = LinearRegression().fit(data.frame[["x"]], data.frame["y"])
    fitted.coef_ = np.array([np.nan])
    model = LoadedModel(SklearnModel(fitted), "r.skops", "0" * 64, "skops")
    with pytest.raises(InputError, match=r"r.skops returned missing or non-finite outputs.*rows 1"):
        bind(DataBinding(label="y"), Task.REGRESSION, data, model, None)


def test_probabilities_outside_zero_one_cannot_be_evaluated():
    """A probability model (here an estimator whose predict_proba was tampered with to return
    raw margins) must return probabilities; a value of 3 would pass brier and log-loss checks
    as nonsense."""
    from sklearn.linear_model import LogisticRegression

    from gate.inputs.models import LoadedModel, SklearnModel

    data = dataset(x=[0.0, 1.0, 2.0, 3.0], y=[0, 1, 0, 1])
    fitted = LogisticRegression().fit(data.frame[["x"]], data.frame["y"])
    fitted.predict_proba = lambda X: np.column_stack([-2 * np.ones(len(X)), 3 * np.ones(len(X))])
    model = LoadedModel(SklearnModel(fitted), "p.skops", "0" * 64, "skops")
    with pytest.raises(InputError, match=r"p.skops returned probabilities outside \[0, 1\]"):
        bind(DataBinding(label="y"), Task.BINARY, data, model, None)


def test_the_label_is_judged_over_every_batch():
    binding = DataBinding(label="y", positive_label="yes")
    with pytest.raises(
        InputError,
        match=r"positive_label 'yes' does not occur in label column 'y' \(values: 0, 1\)",
    ):
        require_classes(("0", "1"), 0, "d.csv", binding)
    with pytest.raises(InputError, match="more than two distinct values"):
        require_classes(("0", "1", "2"), 5, "d.csv", binding)
    require_classes(("0", "yes"), 3, "d.csv", binding)  # fine
    require_classes(("0",), 0, "d.csv", binding)  # one class: judged by the checks that need two
