"""--baseline-model over a policy that binds baseline columns (data.baseline_score /
baseline_prediction): the command-line override holds (DESIGN), and says so on stderr, naming
both, instead of silently comparing with another baseline than the policy's."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.helpers import run_cli, write_policy

POLICY = """
version: 1
data: {label: y, baseline_score: bscore}
checks:
  - {id: no-regression, type: performance, metric: roc_auc, baseline: {max_drop: 0.05}}
"""


def test_a_baseline_model_replacing_the_policys_baseline_column_is_said(
    workspace: Path, tmp_path: Path
):
    frame = pd.read_csv(workspace / "eval.csv")
    frame["bscore"] = frame["y"] * 0.8 + 0.1  # a strong production model's logged scores
    frame.to_csv(tmp_path / "eval.csv", index=False)
    policy = write_policy(tmp_path / "policy.yaml", POLICY)
    args = ("check", "--policy", policy, "--data", tmp_path / "eval.csv")
    args += ("--model", workspace / "candidate.skops")
    by_column = run_cli(*args)
    assert by_column.code == 1 and "notice" not in by_column.stderr  # the column: no notice
    by_model = run_cli(*args, "--baseline-model", workspace / "baseline.skops")
    assert by_model.code == 0, by_model.stderr  # the override holds ...
    notice = [line for line in by_model.stderr.splitlines() if "notice" in line]
    assert len(notice) == 1, by_model.stderr  # ... and says what it replaced
    assert "data.baseline_score: 'bscore'" in notice[0] and "baseline.skops" in notice[0]
