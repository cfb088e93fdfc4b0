"""A two-sample comparison (canary logs) rests on random routing (review12d #6): when the
candidate's and the live model's rows differ in a sensitive column's mix or the label's base
rate, a comparison that passed is inconclusive with the reason, never an approval."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from canary_data import analyze, write_canary
from test_analyze import result_of

from gate.commands.analysis_mix import MIX_ALPHA, columns_tested
from gate.engine.two_sample import mix_difference
from gate.policy.loader import load_policy

COMPARED = """\
version: 1
name: canary
data: {score: score, sensitive: [region]}
checks:
  - id: auc-vs-live
    type: performance
    metric: roc_auc
    baseline: {max_drop: 0.05, confidence: 0.95}
"""


def _routed(tmp_path: Path, by_region: bool) -> dict[str, Path]:
    """Canary logs of two equally good models: routed by region (the candidate answers all of
    east, the live model the rest) or at random."""
    paths = write_canary(tmp_path, shadow=True)
    paths["policy"].write_text(COMPARED)
    logs = pd.read_parquet(paths["predictions"])
    if by_region:
        to_cand = logs.region == "east"
    else:
        rng = np.random.default_rng(1)
        picked = set(logs.request_id[rng.uniform(size=len(logs)) < 0.5])
        to_cand = logs.request_id.isin(picked)
    keep = (logs.model_version == "v2") == to_cand
    logs[keep].to_parquet(paths["predictions"], index=False)
    return paths


def test_a_canary_routed_to_one_region_is_not_compared(tmp_path):
    run = analyze(
        _routed(tmp_path, by_region=True), "--resamples", "200", "--output-dir", tmp_path / "o"
    )
    assert run.code == 4, run.stdout + run.stderr
    result = result_of(tmp_path / "o")
    assert result["mode"] == "canary" and result["checks"][0]["status"] == "inconclusive"
    message = result["checks"][0]["message"]
    assert "not comparable" in message and "region (east 100% vs 0%" in message
    assert "assumes requests routed to the models at random" in message


def test_a_randomly_routed_canary_is_compared(tmp_path):
    run = analyze(
        _routed(tmp_path, by_region=False), "--resamples", "200", "--output-dir", tmp_path / "o"
    )
    assert run.code == 0, run.stdout + run.stderr
    assert "not comparable" not in result_of(tmp_path / "o")["checks"][0]["message"]


def test_the_mix_test_finds_routing_and_not_random_splits():
    rng = np.random.default_rng(0)
    region = rng.choice(["east", "west", "north"], 4000)
    split = rng.uniform(size=4000) < 0.3
    p, shares = mix_difference(region[split], region[~split])
    assert p > MIX_ALPHA and set(shares) == {"east", "west", "north"}
    p, shares = mix_difference(region[region == "east"], region[region != "east"])
    assert p < 1e-12 and shares["east"] == (1.0, 0.0)
    # missing values are a value of their own; one value only has nothing to test
    p, shares = mix_difference(np.array(["a", None, None]), np.array(["a", "a", "a"]))
    assert "" in shares
    assert mix_difference(np.array(["a"] * 5), np.array(["a"] * 9))[0] == 1.0


@pytest.mark.parametrize(
    ("policy", "tested"),
    [
        (COMPARED, ["region", "label"]),
        (
            COMPARED.replace("data: {", "data: {task: regression, ")
            .replace("roc_auc", "mae")
            .replace(", confidence: 0.95", ""),
            ["region"],
        ),
    ],
)
def test_the_columns_tested_are_the_sensitive_ones_and_the_label(tmp_path, policy, tested):
    path = tmp_path / "p.yaml"
    path.write_text(policy)
    loaded = load_policy(str(path))
    assert columns_tested(loaded, loaded.checks[0], "label") == tested
