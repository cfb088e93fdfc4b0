"""`model-gate metrics`: every registered metric, with what it reads and which way is better."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import run_cli
from sklearn.metrics import get_scorer

from gate.commands.metrics import OUTCOME_FREE, all_metrics, render_table
from gate.engine import multiclass_metrics as mc
from gate.engine.group_metrics import GROUP_METRICS, NAMED_DISPARITIES
from gate.engine.metrics import METRICS, Input, Task
from gate.engine.stats import ConfusionStats, RegressionStats


def listed(check: str, multiclass: bool = False) -> dict[str, dict]:
    rows = [r for r in all_metrics() if r.check == check]
    return {r.name: r for r in rows if (r.task == Task.MULTICLASS.value) == multiclass}


def test_every_registered_metric_is_listed_with_a_definition():
    performance, fairness = listed("performance"), listed("fairness")
    assert set(performance) == set(METRICS)
    assert set(fairness) == set(GROUP_METRICS) | set(NAMED_DISPARITIES)
    for row in all_metrics():
        assert row.definition.strip(), row.name
        assert row.direction in ("higher", "lower")


def test_directions_and_tasks_are_the_registries():
    for name, m in METRICS.items():
        row = listed("performance")[name]
        assert row.direction == ("higher" if m.greater_is_better else "lower")
        assert row.task == m.task.value
    for name, g in GROUP_METRICS.items():
        row = listed("fairness")[name]
        assert row.direction == ("higher" if g.greater_is_better else "lower")
        assert row.task == g.task.value


def test_named_fairness_metrics_name_their_components():
    fairness = listed("fairness")
    for name, d in NAMED_DISPARITIES.items():
        row = fairness[name]
        assert row.components == d.components
        assert all(c in row.definition for c in d.components)
        assert row.direction == ("higher" if d.aggregate == "ratio" else "lower")
    assert fairness["demographic_parity_difference"].label is False
    assert fairness["equalized_odds_ratio"].label is True


def _confusion(tp, fp, fn, tn) -> ConfusionStats:
    arrays = [np.array(v, dtype=float) for v in (tp, fp, fn, tn)]
    return ConfusionStats(*arrays, n=sum(arrays))


@pytest.mark.parametrize(
    "name", [n for n, g in GROUP_METRICS.items() if g.task is Task.BINARY], ids=str
)
def test_needs_label_is_what_the_engine_computes(name):
    """Flipping every label (tp <-> fp, fn <-> tn) leaves exactly the outcome-free metrics."""
    cells = ([30.0, 5.0], [10.0, 20.0], [4.0, 9.0], [50.0, 12.0])
    tp, fp, fn, tn = cells
    before = GROUP_METRICS[name].compute(_confusion(tp, fp, fn, tn))
    after = GROUP_METRICS[name].compute(_confusion(fp, tp, tn, fn))
    assert np.allclose(before, after) == (name in OUTCOME_FREE)
    assert listed("fairness")[name].label == (name not in OUTCOME_FREE)


def test_performance_metrics_need_the_label_unless_their_value_ignores_it():
    rng = np.random.default_rng(0)
    pred = rng.integers(0, 2, 200)
    y = rng.integers(0, 2, 200)
    flipped = 1 - y
    for name, m in METRICS.items():
        if m.input is Input.LABEL:
            same = m(y, pred, None) == m(flipped, pred, None)
            assert same == (name in OUTCOME_FREE), name
            assert listed("performance")[name].label == (name not in OUTCOME_FREE)


def test_regression_outcome_free_metrics_read_only_the_predictions():
    base = dict(w=np.array([2.0]), pred=np.array([6.0]), n=np.array([2]))
    close = RegressionStats(**base, abs_err=np.array([1.0]), sq_err=np.array([1.0]))
    far = RegressionStats(**base, abs_err=np.array([8.0]), sq_err=np.array([40.0]))
    for name, g in GROUP_METRICS.items():
        if g.task is Task.REGRESSION:
            same = np.allclose(g.compute(close), g.compute(far))
            assert same == (name in OUTCOME_FREE), name


def test_the_table_has_a_line_per_metric():
    rows = all_metrics()
    table = render_table(rows)
    lines = table.splitlines()
    for row in rows:
        assert any(line.split()[:1] == [row.name] and row.definition in line for line in lines)


def test_cli_lists_every_metric_as_json_and_as_a_table():
    result = run_cli("metrics", "--format", "json")
    assert result.code == 0, result.stderr
    rows = json.loads(result.stdout)
    listed_rows = {(r["check"], r["task"], r["name"]) for r in rows}
    assert listed_rows == {(r.check, r.task, r.name) for r in all_metrics()}
    table = run_cli("metrics")
    assert table.code == 0 and "demographic_parity_ratio" in table.stdout
    assert "selection_rate" in table.stdout.split("demographic_parity_ratio")[1].splitlines()[0]


def test_multiclass_metrics_are_listed_with_their_averages():
    multiclass = listed("performance", multiclass=True)
    assert set(multiclass) == set(mc.METRICS)
    for name, row in multiclass.items():
        assert row.averages == mc.AVERAGES.get(name, ())
        assert row.input == ("class probabilities" if name in mc.SCORE else "predicted class")
    # scikit-learn's scorers: neg_log_loss is the one minimised
    for name, row in multiclass.items():
        sign = get_scorer("neg_log_loss" if name == "log_loss" else name)._sign
        assert row.direction == ("higher" if sign > 0 else "lower"), name


@pytest.mark.parametrize("metric", sorted(mc.AVERAGES))
def test_every_listed_average_is_what_validate_accepts(tmp_path, metric):
    """The listing and the validator agree: each average listed is accepted, 'samples' (which
    scikit-learn has for multilabel data only) is refused naming the key."""
    row = listed("performance", multiclass=True)[metric]
    for average, code in [*((a, 0) for a in row.averages), ("samples", 2)]:
        policy = tmp_path / f"{average}.yaml"
        policy.write_text(
            "version: 1\nname: mc\ndata: {label: y, task: multiclass_classification}\n"
            f"checks:\n  - {{id: c, type: performance, metric: {metric}, average: {average}, "
            "min: 0.5}\n"
        )
        result = run_cli("validate", str(policy))
        assert result.code == code, (average, result.stdout, result.stderr)
        if code:
            assert "average" in result.stderr + result.stdout


def test_the_table_has_a_multiclass_section():
    table = render_table(all_metrics())
    section = table.split("multiclass_classification);")[1].split("\n\n")[0]
    assert "class: <label>" in table
    assert all(name in section for name in mc.METRICS)
