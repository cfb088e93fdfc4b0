"""`model-gate check` on files with a robustness check: a skops-saved model, a CSV, a policy;
report.json valid against its schema (perturbations, groups, sample), the probes table in
report.md and report.html, exit 1 when the model flips decisions on sex; validate exits 2."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import skops.io as sio
from helpers import ROOT, run_check, run_cli, write_policy
from sklearn.linear_model import LogisticRegression

POLICY = """\
version: 1
data: {label: y, sensitive: [sex]}
checks:
  - id: behaviour
    type: robustness
    features:
      income: {monotonic: increasing, range: [0, 200]}
      age: {noise: {absolute: 1}, range: [18, 90]}
    noise: {std: 0.05}
    counterfactual: [sex]
    max_flip_rate: 0.02
    max_score_change: 0.5
    sample_rows: 1500
    repeats: 2
"""


def test_a_robustness_check_on_files_end_to_end(tmp_path: Path):
    rng = np.random.default_rng(3)
    n = 2000
    data = pd.DataFrame(
        {
            "income": rng.normal(60, 15, n).clip(0, 200),
            "age": rng.integers(18, 90, n),
            "sex": rng.integers(0, 2, n),
        }
    )
    logit = (data["income"] - 60) / 10 + 1.5 * data["sex"] - 0.5
    data["y"] = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    data.to_csv(tmp_path / "d.csv", index=False)
    model = LogisticRegression(max_iter=1000).fit(data[["income", "age", "sex"]], data["y"])
    sio.dump(model, tmp_path / "m.skops")
    write_policy(tmp_path / "p.yaml", POLICY)
    out = tmp_path / "o"
    result = run_check(tmp_path / "p.yaml", tmp_path / "d.csv", "--format", "markdown", "html",
                       model=tmp_path / "m.skops", out=out)  # fmt: skip
    assert result.code == 1, result.stderr  # the model uses sex: decisions flip
    report = json.loads((out / "report.json").read_text())
    schema = json.loads((ROOT / "gate/schemas/report.schema.json").read_text())
    jsonschema.validate(report, schema)
    (check,) = report["checks"]
    assert check["status"] == "fail"
    limits = {"max_flip_rate": 0.02, "max_score_change": 0.5, "max_monotonic_violations": 0}
    assert check["threshold"] == limits
    assert check["sample"] == {"rows": 1500, "of": 2000, "seed": 0, "repeats": 2,
                               "probed": 1500 * (1 + 2 * 3 + 10 + 2)}  # fmt: skip
    kinds = [(p["probe"], p["feature"]) for p in check["perturbations"]]
    assert kinds == [
        ("noise", "income"),
        ("noise", "age"),
        ("noise", "*"),
        ("monotonic", "income"),
        ("counterfactual", "sex"),
    ]
    assert {g["group"]["sex"] for g in check["groups"]} == {"0", "1"}
    assert all(g["ci"][0] > 0.02 for g in check["groups"])
    assert next(p for p in check["perturbations"] if p["probe"] == "monotonic")["status"] == "pass"
    markdown = (out / "report.md").read_text()
    assert "| Probe | Feature | Change |" in markdown and "↳ sex=1" in markdown
    assert "max\\_flip\\_rate 0.02 max\\_score\\_change 0.5" in markdown  # the checks table
    html = (out / "report.html").read_text()
    assert "<h4>Probes</h4>" in html and "must be increasing over 10 points" in html


def test_validate_names_the_line_of_a_bad_range(tmp_path: Path):
    bad = POLICY.replace("range: [0, 200]", "range: [200, 0]")
    write_policy(tmp_path / "p.yaml", bad)
    result = run_cli("validate", tmp_path / "p.yaml")
    assert result.code == 2
    assert "p.yaml:7:39: check 'behaviour': range of 'income' has min 200 above max 0" in (
        result.stderr
    )
