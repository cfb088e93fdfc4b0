"""Shadow or canary (review12d #11): the mode is declared (rollout.mode, --mode) or detected from
the share of the candidate's requests the live log holds too, never flipped by a few lines; the
shadow coverage rules apply in shadow mode whatever the checks, and a missing live line is a
counted gap, not a mode switch."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from canary_data import POLICY, analyze, write_canary
from helpers import run_cli
from test_analyze import result_of

from gate.inputs.log_mode import CANARY_SHARE, SHADOW_SHARE

COMPARED = (
    POLICY
    + """\
  - id: auc-vs-live
    type: performance
    metric: roc_auc
    baseline: {max_drop: 0.05, confidence: 0.95}
"""
)


@pytest.fixture
def shadow(tmp_path: Path) -> dict[str, Path]:
    return write_canary(tmp_path, shadow=True)


def _edit(paths: dict[str, Path], change) -> pd.DataFrame:
    logs = pd.read_parquet(paths["predictions"])
    logs = change(logs)
    logs.to_parquet(paths["predictions"], index=False)
    return logs


def _live_lines_lost(logs: pd.DataFrame, n: int) -> pd.DataFrame:
    """The shadow logs with the live model's first `n` lines lost."""
    return logs.drop(index=logs.index[logs.model_version == "v1"][:n])


def _stopped_early(logs: pd.DataFrame, share: float = 0.4) -> pd.DataFrame:
    """The candidate's log stopping after (1 - share) of the period."""
    cand = logs.index[logs.model_version == "v2"]
    return logs.drop(index=cand[-int(share * len(cand)) :])


@pytest.mark.parametrize("lost", [1, 5])
def test_a_few_missing_live_lines_never_switch_off_the_coverage_rules(shadow, lost):
    # the review's instance: the candidate's log stopped at 60 %, one live line lost: "canary"
    _edit(shadow, lambda logs: _live_lines_lost(_stopped_early(logs), lost))
    run = analyze(shadow)
    assert run.code == 1, run.stdout + run.stderr  # the candidate stopped: a block
    assert "the candidate's log stops before the live model's" in run.stdout


def test_a_missing_live_line_is_a_counted_gap(shadow, tmp_path):
    _edit(shadow, lambda logs: _live_lines_lost(logs, 3))
    run = analyze(shadow, "--output-dir", tmp_path / "out")
    assert run.code == 0, run.stdout + run.stderr
    result = result_of(tmp_path / "out")
    assert result["mode"] == "shadow" and result["counts"]["candidate_without_live"] == 3
    assert result["settings"]["mode"]["from"].startswith("detected: 2997 of the candidate's 3000")
    gap = "3 labelled candidate request(s) have no live answer"
    assert any(gap in n for n in result["notices"])


def test_with_a_baseline_check_a_few_gaps_are_left_out_and_many_refused(shadow, tmp_path):
    shadow["policy"].write_text(COMPARED)
    _edit(shadow, lambda logs: _live_lines_lost(logs, 3))
    run = analyze(shadow, "--resamples", "100", "--output-dir", tmp_path / "out")
    assert run.code == 0, run.stdout + run.stderr
    result = result_of(tmp_path / "out")
    assert result["counts"]["candidate_labelled"] == 2997
    assert any("left out of the rows judged" in n for n in result["notices"])
    _edit(shadow, lambda logs: _live_lines_lost(logs, 60))  # 2 % of the candidate's requests
    refused = analyze(shadow, "--resamples", "100")
    assert refused.code == 2 and "63 of 3000 labelled candidate row(s)" in refused.stderr


def test_a_declared_mode_is_used_and_stated(shadow, tmp_path):
    shadow["policy"].write_text(POLICY + "rollout: {mode: shadow}\n")
    run = analyze(shadow, "--output-dir", tmp_path / "out")
    assert run.code == 0, run.stdout + run.stderr
    mode = result_of(tmp_path / "out")["settings"]["mode"]
    assert mode["value"] == "shadow" and mode["from"].startswith("policy ")
    run = analyze(shadow, "--mode", "shadow", "--output-dir", tmp_path / "flag")
    assert result_of(tmp_path / "flag")["settings"]["mode"]["from"] == "--mode"


def test_a_declared_mode_the_logs_contradict_is_refused(shadow, tmp_path):
    run = analyze(shadow, "--mode", "canary", "--output-dir", tmp_path / "out")
    assert run.code == 2 and "the rollout mode is canary" in run.stderr
    assert not (tmp_path / "out").exists()
    (tmp_path / "canary").mkdir()
    canary = write_canary(tmp_path / "canary")
    run = analyze(canary, "--mode", "shadow")
    assert run.code == 2 and "the rollout mode is shadow" in run.stderr
    assert "only 0 of the candidate's" in run.stderr


def test_a_declared_shadow_mode_applies_the_coverage_rules_to_a_half_lost_live_log(shadow):
    # undeclared, a live log missing 700 of its 3000 lines is refused as neither mode
    _edit(shadow, lambda logs: _live_lines_lost(_stopped_early(logs), 700))
    run = analyze(shadow)
    assert run.code == 2 and "neither shadow logs" in run.stderr
    run = analyze(shadow, "--mode", "shadow")
    assert run.code == 1, run.stdout + run.stderr
    assert "the candidate's log stops before the live model's" in run.stdout


@pytest.mark.parametrize(
    ("shared", "mode"),
    [(0, "canary"), (CANARY_SHARE - 0.01, "canary"), (0.5, None), (SHADOW_SHARE + 0.01, "shadow")],
)
def test_the_detected_mode_follows_the_share_of_shared_requests(tmp_path, shared, mode):
    # canary logs whose candidate requests the live log holds too, for a `shared` share
    paths = write_canary(tmp_path)
    logs = pd.read_parquet(paths["predictions"])
    cand = logs[logs.model_version == "v2"]
    copies = cand.head(round(shared * len(cand))).assign(model_version="v1")
    pd.concat([logs, copies]).to_parquet(paths["predictions"], index=False)
    run = analyze(paths, "--output-dir", tmp_path / "out")
    assert run.code in (0, 1, 2), run.stdout + run.stderr
    if mode is None:
        assert run.code == 2 and "neither shadow logs" in run.stderr
        return
    if run.code == 1:  # shadow: the candidate did not answer every live request: a block
        assert mode == "shadow" and "neither" not in run.stdout, run.stdout
        assert "answered only some of the live model's" in run.stdout
        return
    assert result_of(tmp_path / "out")["mode"] == mode


def test_the_rollout_mode_key_is_validated(tmp_path):
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICY + "rollout: {mode: shadw}\n")
    run = run_cli("validate", policy)
    assert run.code == 2 and "rollout" in run.stderr and "shadow" in run.stderr


@pytest.mark.parametrize(("delay", "ok"), [("1d1d", False), ("1h1d", False), ("1d12h", True)])
def test_a_label_delay_names_each_unit_once_largest_first(tmp_path, delay, ok):
    # review12d 10c: '1d1d' and '1h1d' were accepted
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICY + f"rollout: {{label_delay: {delay}, mode: canary}}\n")
    run = run_cli("validate", policy)
    assert (run.code == 0) == ok, run.stdout + run.stderr
    if not ok:
        assert "names a unit twice or a smaller one before a larger" in run.stderr
