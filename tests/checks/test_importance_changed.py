"""review13b #10: a protected attribute's importance does not shrink with its group balance (it
is measured per row its shuffle changed), and a shuffle that changed too few rows never passes;
review13b #9: the baseline rank correlation is over the inputs that carry the importance."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from gate import evaluate
from gate.engine.importance_bootstrap import important, rank_correlation
from tests.checks.test_importance_reliance import X5, biased, policy, result


def rare(frame: pd.DataFrame, minority: int, seed: int) -> pd.DataFrame:
    """`frame`'s rows of sex 1, and `minority` random rows of sex 0 (review13b's d_2pct.csv)."""
    zero = frame[frame.sex == 0].sample(minority, random_state=seed)
    return pd.concat([frame[frame.sex == 1], zero]).sample(frac=1, random_state=seed)


@pytest.fixture(scope="module")
def data():
    train = biased(8000, 3.0, 1)
    leaning = LogisticRegression(max_iter=1000).fit(train[[*X5, "sex"]], train.y)
    fair = copy.deepcopy(leaning)
    fair.coef_[0, -1] = 0.0  # the same model, blind to sex
    return leaning, fair, biased(6000, 0.0, 2)


def test_a_rare_group_no_longer_dilutes_a_model_leaning_on_it(data):
    """2 % of the rows of one sex: was 'ranks 6 of 6' PASS; balanced data ranks it 1st."""
    leaning, _, frame = data
    pol = policy(max_rank=3, max_share=0.05, sample_rows=3000)
    balanced = result(pol, frame, leaning)
    assert balanced["status"] == "fail" and "sex (protected) ranks 1 of 6" in balanced["message"]
    for minority in (60, 5):  # 2 %, and a handful
        judged = result(pol, rare(frame, minority, 0), leaning)
        assert judged["status"] != "pass", (minority, judged["message"])
        sex = next(f for f in judged["features"] if f["feature"] == "sex")
        assert sex["changed_share"] < 0.05 and sex["changed_rows"] < 200
    two = result(pol, rare(frame, 60, 0), leaning)
    assert two["status"] == "fail" and "sex (protected) ranks 1 of 6" in two["message"]
    # the measure shown is per changed row too: about what balanced data gives
    by = {r["feature"]: r for r in two["features"]}
    base = {r["feature"]: r for r in balanced["features"]}
    assert by["sex"]["reliance"] == pytest.approx(base["sex"]["reliance"], rel=0.25)
    assert base["sex"]["changed_share"] == pytest.approx(0.5, abs=0.03)


def test_the_metric_drop_of_a_rare_group_is_per_changed_row_too(data):
    """measure: metric, on labels that reward sex: the drop is not diluted by the balance."""
    leaning, _, _ = data
    frame = rare(biased(6000, 3.0, 4), 60, 1)
    judged = result(policy(max_share=0.05, measure="metric", sample_rows=3000), frame, leaning)
    assert judged["status"] == "fail", judged["message"]


def test_a_model_blind_to_the_rare_group_still_passes_and_a_handful_is_inconclusive(data):
    _, fair, frame = data
    pol = policy(max_rank=3, max_share=0.05, sample_rows=3000)
    two = result(pol, rare(frame, 60, 0), fair)
    assert two["status"] == "pass", two["message"]
    few = result(pol, rare(frame, 5, 0), fair)
    assert few["status"] == "inconclusive", few["message"]
    assert "below the top 3, but its shuffles changed its value on only" in few["message"]
    assert "robustness counterfactual" in few["message"]


def test_the_carrying_inputs_hold_95_percent_of_either_models_importance():
    a = np.array([0.5, 0.3, 0.15, 0.04, 0.01, 0.0])
    assert important(a, a).tolist() == [True, True, True, False, False, False]
    b = np.array([0.01, 0.04, 0.15, 0.3, 0.5, 0.0])
    assert important(a, b).tolist() == [True, True, True, True, True, False]
    one = np.array([0.99, 0.01, 0.0])  # its top two at least: a rank correlation needs two
    assert important(one, one).tolist() == [True, True, False]


def test_two_retrains_with_many_negligible_inputs_keep_their_rank_correlation():
    """#9: five inputs carry the importance, fifteen negligible ones are ordered by noise."""
    rng = np.random.default_rng(0)
    d = pd.DataFrame(rng.normal(size=(3000, 20)), columns=[f"f{i}" for i in range(20)])
    d["y"] = (d.f0 + d.f1 + rng.normal(size=3000) > 0).astype(int)
    cand = LogisticRegression().fit(d.drop(columns="y"), d.y)
    base = copy.deepcopy(cand)
    top = [2.0, 1.5, 1.0, 0.7, 0.5]
    cand.coef_[0] = np.r_[top, rng.uniform(-0.02, 0.02, 15)]
    base.coef_[0] = np.r_[top, rng.uniform(-0.02, 0.02, 15)]
    pol = {
        "version": 1,
        "data": {"label": "y"},
        "checks": [{"id": "imp", "type": "importance", "baseline": {"min_rank_correlation": 0.8}}],
    }
    judged = evaluate(pol, d, model=cand, baseline=base, resamples=200).to_json()["checks"][0]
    assert judged["status"] == "pass", judged["message"]
    assert "over the 5 inputs holding 95% of either model's importance 1" in judged["message"]
    # over every input above 0 (the former statistic) the noise decides: it would fail
    rows = [f for f in judged["features"] if f["input"]]
    every = rank_correlation(
        np.array([f["importance"] for f in rows]),
        np.array([f["baseline"]["importance"] for f in rows]),
    )
    assert every < 0.8


def groups(n: int, rare: float, seed: int) -> pd.DataFrame:
    """Four groups, the last one `rare` of the rows; labels lean on being of it."""
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({x: rng.normal(size=n) for x in X5})
    d["race"] = rng.choice(4, n, p=[(1 - rare) / 3] * 3 + [rare])
    logit = d.x1 + 0.8 * d.x2 + 0.5 * d.x3 + 4.0 * (d.race == 3) - 1.0
    d["y"] = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    return d


def test_reliance_on_one_rare_group_of_several_is_not_averaged_away():
    """An attribute of four values, the model leaning on the 3 % group only: its reliance is
    the largest over its values (the rows changed from or to that group)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    inputs = [*X5, "race"]
    train = groups(8000, 0.25, 1)
    model = HistGradientBoostingClassifier(max_iter=60, random_state=0)
    model.fit(train[inputs], train.y)
    pol = policy(protected=["race"], max_rank=2, max_share=0.1, sample_rows=3000)
    judged = result(pol, groups(3000, 0.03, 2), model)
    assert judged["status"] == "fail", judged["message"]
    race = next(f for f in judged["features"] if f["feature"] == "race")
    assert race["rank"] == 1 and 30 <= race["changed_rows"] < 300  # the rare group's rows
    blind = HistGradientBoostingClassifier(max_iter=60, random_state=0)
    blind.fit(train[X5].assign(race=0), train.y)  # learned nothing of race
    assert result(pol, groups(3000, 0.03, 2), blind)["status"] == "pass"
