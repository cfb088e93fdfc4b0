"""review13 #10: a column a check names that the data lacks is the same input error (exit 2,
nothing written, file:line, check and key named, with a did-you-mean) in every check type —
behaviour checks (slices, importance, robustness) as fairness."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from helpers import run_check, write_policy

CHECKS = {
    "fairness": "{id: fair, type: fairness, metric: selection_rate, sensitive: [gender], "
    "aggregate: ratio, min: 0.8}",
    "slices": "{id: sl, type: slices, metric: accuracy, min: 0.6, features: [regoin]}",
    "importance": "{id: imp, type: importance, protected: [gender], max_rank: 2}",
    "proxies": "{id: imp, type: importance, protected: [sex], proxies: [postcode], max_rank: 2}",
    "robustness": "{id: rob, type: robustness, features: {agee: {noise: {std: 0.1}}}, "
    "max_flip_rate: 0.1}",
    "counterfactual": "{id: cf, type: robustness, counterfactual: [gendr], max_flip_rate: 0.1}",
}
SAYS = {
    "fairness": "no sensitive column 'gender'",
    "slices": "p.yaml:4:5: check 'sl' (slices) 'features' names column 'regoin', which data "
    "file {data} lacks (did you mean 'region'?)",
    "importance": "p.yaml:4:5: check 'imp' (importance) 'protected' names column 'gender'",
    "proxies": "check 'imp' (importance) 'proxies' names column 'postcode'",
    "robustness": "check 'rob' (robustness) 'features' names column 'agee', which data file "
    "{data} lacks (did you mean 'age'?)",
    "counterfactual": "check 'cf' (robustness) 'counterfactual' names column 'gendr'",
}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    from sklearn.linear_model import LogisticRegression

    tmp = tmp_path_factory.mktemp("named")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"age": rng.integers(18, 80, 400), "income": rng.normal(50, 10, 400)})
    frame["y"] = (frame.income > 50).astype(int)
    model = LogisticRegression().fit(frame[["age", "income"]], frame.y)
    frame["region"], frame["sex"] = rng.choice(["N", "S"], 400), rng.choice(["F", "M"], 400)
    frame.to_csv(tmp / "data.csv", index=False)
    sio.dump(model, tmp / "m.skops")
    return tmp


@pytest.mark.parametrize("kind", list(CHECKS))
def test_an_unknown_column_is_exit_2_in_every_check_type(files: Path, kind: str, tmp_path: Path):
    body = f"version: 1\ndata: {{label: y, sensitive: [sex]}}\nchecks:\n  - {CHECKS[kind]}\n"
    policy = write_policy(tmp_path / "p.yaml", body)
    out = tmp_path / "out"
    result = run_check(policy, files / "data.csv", model=files / "m.skops", out=out)
    assert result.code == 2, result.stderr
    assert SAYS[kind].format(data=files / "data.csv") in result.stderr
    assert "Traceback" not in result.stderr and not out.exists()


def test_an_attribute_whose_encoded_columns_exist_is_left_to_its_check():
    """'sex' absent but 'sex_F' / 'sex=M' present: the check says what to do (data.encoded)."""
    from gate.backends.profiling import require_named
    from gate.errors import InputError
    from gate.inputs.data import Dataset

    frame = pd.DataFrame({"sex_F": [1], "race=a": [1], "age": [3], "title_mr": [1]})
    data = Dataset("d.csv", "", frame)
    named = (("sex", "p.yaml:4:5: check 'imp' (importance) 'protected'", True), ("race", "x", True))
    require_named(data, list(frame.columns), named)  # nothing raised
    with pytest.raises(InputError, match=r"names column 'ag', which data file d\.csv lacks"):
        require_named(data, list(frame.columns), (*named, ("ag", "x", True)))
    # review13b #5 / #12: a robustness proxy or counterfactual needs the column itself
    for column in ("title", "sex"):
        with pytest.raises(InputError, match=f"names column '{column}'.*beside its encoding"):
            require_named(data, list(frame.columns), ((column, "cf", False),))


def test_an_attribute_declared_in_data_encoded_is_not_a_column_the_data_must_hold():
    """data.encoded: {gender: [is_m, is_f]}: 'gender' is a logical input, not a data column,
    so naming it in importance's protected is no typo (the check shuffles its columns); a
    counterfactual sets the attribute's own values, so there the data must hold it."""
    from gate.inputs.policy_dict import load_any
    from gate.pass_needs import named_columns

    policy = load_any(
        {
            "version": 1,
            "data": {"label": "y", "encoded": {"gender": ["is_m", "is_f"]}},
            "checks": [
                {"id": "imp", "type": "importance", "protected": ["gender"], "max_rank": 2},
                {
                    "id": "cf",
                    "type": "robustness",
                    "counterfactual": ["gender", "region"],
                    "max_flip_rate": 0.01,
                },
            ],
        }
    )
    named = [(column, where) for column, where, _ in named_columns(policy, policy.data)]
    assert ("gender", "(policy): check 'imp' (importance) 'protected'") not in named
    cf = [column for column, where in named if "'cf'" in where]
    assert cf == ["gender", "region"]  # a counterfactual sets the column itself: it must exist
