"""`type: slices` end to end: the real CLI on files, with a skops model and predictions-only
(a score column); report.json valid against the published schema, report.md with the table."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import skops.io as sio
from helpers import ROOT, run_check, write_policy
from jsonschema import Draft202012Validator

REPORT_SCHEMA = json.loads((ROOT / "gate/schemas/report.schema.json").read_text())


def files(tmp_path: Path) -> pd.DataFrame:
    """x, z and a segment; a label learnable from x and z."""
    rng = np.random.default_rng(11)
    n = 4000
    frame = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n)})
    frame["segment"] = rng.choice(["early", "late"], n)
    frame["y"] = (frame.x + 0.3 * frame.z > 0).astype(int)
    frame["late"] = (frame.segment == "late").astype(int)
    return frame


def report(out: Path) -> dict:
    data = json.loads((out / "report.json").read_text())
    Draft202012Validator(REPORT_SCHEMA).validate(data)
    return next(c for c in data["checks"] if c["type"] == "slices")


POLICY = """
version: 1
data: {{label: y{extra}}}
checks:
  - id: weakest
    type: slices
    metric: accuracy
    min: 0.8
    features: [x, segment]
"""


def test_a_skops_model_blocks_on_its_weak_slice(tmp_path: Path):
    from sklearn.linear_model import LogisticRegression

    frame = files(tmp_path)
    inputs = ["x", "z", "late"]
    model = LogisticRegression().fit(frame[inputs], frame.y)
    sio.dump(model, tmp_path / "m.skops")
    predicted = model.predict(frame[inputs])
    corner = ((frame.late == 1) & (frame.x > 0.5)).to_numpy()
    frame["y"] = np.where(corner, 1 - predicted, predicted)  # the model is wrong there only
    frame.to_csv(tmp_path / "data.csv", index=False)
    policy = write_policy(tmp_path / "p.yaml", POLICY.format(extra=""))
    result = run_check(
        policy, tmp_path / "data.csv", "--format", "markdown", model=tmp_path / "m.skops",
        out=tmp_path / "o",
    )  # fmt: skip
    assert result.code == 1, result.stderr
    check = report(tmp_path / "o")
    assert check["status"] == "fail"
    worst = check["slices"][0]
    assert worst["slice"]["segment"] == "late" and worst["value"] == 0.0
    assert worst["slice"]["x"].endswith("]")  # the top quantile bin of x, closed
    assert check["sample"] == {
        "rows": 4000, "of": 4000, "seed": 0,
        # x in 5 bins, segment's 2 values, their 10 pairs; x's finer levels 10, 20, 40 alone
        "slices_tested": 5 + 2 + 10 + 10 + 20 + 40,
        "slices_reported": check["sample"]["slices_reported"],
        "searched": [
            {"feature": "x", "kind": "numeric", "quantile_bins": [5, 10, 20, 40], "pairs_on": 5},
            {"feature": "segment", "kind": "categorical", "own_slices": 2},
        ],
    }  # fmt: skip
    assert check["sample"]["slices_reported"] >= len(check["slices"])
    assert "| Slice | Rows |" in (tmp_path / "o" / "report.md").read_text()


def test_a_predictions_only_run_reads_the_score_column(tmp_path: Path):
    frame = files(tmp_path)
    right = ~((frame.segment == "late") & (frame.x > 0.5))
    truth = np.where(frame.y == 1, 0.8, 0.2)
    frame["score"] = np.where(right, truth, 1 - truth)  # wrong decisions in the corner
    frame.to_csv(tmp_path / "data.csv", index=False)
    policy = write_policy(tmp_path / "p.yaml", POLICY.format(extra=", score: score"))
    result = run_check(policy, tmp_path / "data.csv", out=tmp_path / "o")
    assert result.code == 1, result.stderr
    check = report(tmp_path / "o")
    worst = check["slices"][0]
    assert worst["slice"]["segment"] == "late" and worst["value"] == 0.0
    assert worst["slice"]["x"].endswith("]")  # the top quantile bin of x, closed
    assert "weakest: x=" in check["message"]
