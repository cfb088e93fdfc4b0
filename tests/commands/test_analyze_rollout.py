"""The policy's `rollout:` block (label_delay, min_samples): validated with file:line errors,
overridden by the flags, stated in analysis.json with where each value came from, and a
shorter delay / fewer rows is a loosening in the policy diff."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from canary_data import POLICY, write_canary
from helpers import run_cli, write_policy

from gate.policy.diff import policy_changes
from gate.policy.loader import load_policy
from gate.policy.model import Policy

ROLLOUT = "rollout:\n  label_delay: 3d\n  min_samples: 400\n"
#: labels arrive 2 days after their prediction (Jan 3 00:00 to Jan 5 02:00): at this time,
#: with a 3-day delay, the labels up to Jan 4 01:00 (about half) count, with 1 day all
MID = "2026-01-07T01:00:00Z"


def _paths(tmp_path: Path, rollout: str = ROLLOUT) -> dict[str, Path]:
    paths = write_canary(tmp_path)
    paths["policy"].write_text(POLICY.replace("checks:\n", rollout + "checks:\n"))
    return paths


def _analyze(paths: dict[str, Path], *flags: str, as_of: str = MID) -> tuple[int, dict, str]:
    out = paths["policy"].parent / "out"
    run = run_cli(
        "analyze", "--policy", paths["policy"], "--predictions", paths["predictions"],
        "--labels", paths["labels"], "--candidate-version", "v2", "--as-of", as_of,
        "--resamples", "100", "--output-dir", out, *flags,
    )  # fmt: skip
    assert run.code in (0, 1, 4), run.stderr
    return run.code, json.loads((out / "analysis.json").read_text()), run.stdout


def test_the_policys_values_are_used_and_named_with_their_place(tmp_path):
    _, result, _ = _analyze(_paths(tmp_path))
    assert result["settings"] == {
        "label_delay": {
            "value": "3d",
            "seconds": 259200,
            "from": f"policy {tmp_path / 'canary.yaml'}:7:16",
        },
        "min_samples": {"value": 400, "from": f"policy {tmp_path / 'canary.yaml'}:8:16"},
        "mode": {
            "value": "canary",
            "from": "detected: 0 of the candidate's 1455 request(s) answered by the live model "
            "too (canary); set rollout.mode or --mode to fix it",
        },
    }
    assert result["label_delay_seconds"] == 259200 and result["min_samples"] == 400
    # the delay is applied: labels younger than 3 days do not count
    assert 1000 < result["counts"]["labels_matured"] < 2000
    assert result["counts"]["labels_not_yet_matured"] > 1000


def test_flags_override_the_policy_and_say_so(tmp_path):
    paths = _paths(tmp_path)
    code, result, stdout = _analyze(paths, "--label-delay", "1d", "--min-samples", "5000")
    assert result["settings"]["label_delay"] == {
        "value": "1d",
        "seconds": 86400,
        "from": "--label-delay",
    }
    assert result["settings"]["min_samples"] == {"value": 5000, "from": "--min-samples"}
    assert result["counts"]["labels_matured"] == 3000  # all are past 1 day at MID
    assert code == 4 and "fewer than --min-samples 5000" in stdout


def test_without_flags_or_block_the_defaults_apply_and_say_so(tmp_path):
    _, result, _ = _analyze(_paths(tmp_path, rollout=""))
    assert result["settings"] == {
        "label_delay": {"value": "0", "seconds": 0, "from": "default"},
        "min_samples": {"value": 100, "from": "default"},
        "mode": {"value": "canary", "from": result["settings"]["mode"]["from"]},
    }
    assert result["settings"]["mode"]["from"].startswith("detected: 0 of the candidate's")


def test_a_policy_min_samples_shortfall_names_the_policy_line(tmp_path):
    paths = _paths(tmp_path, rollout="rollout: {min_samples: 2500}\n")
    code, result, _ = _analyze(paths)
    assert code == 4
    assert any(
        f"fewer than rollout.min_samples 2500 (policy {paths['policy']}:6:" in r
        for r in result["reasons"]
    ), result["reasons"]


def test_a_base_policys_block_is_overridden_key_by_key(tmp_path):
    paths = write_canary(tmp_path)
    (tmp_path / "base.yaml").write_text(POLICY + "rollout: {label_delay: 3d, min_samples: 400}\n")
    paths["policy"].write_text(
        "version: 1\nname: child\nextends: [base.yaml]\nrollout:\n  min_samples: 50\n"
    )
    _, result, _ = _analyze(paths)
    assert result["settings"]["label_delay"]["from"] == f"policy {tmp_path / 'base.yaml'}:17:24"
    assert result["settings"]["min_samples"] == {
        "value": 50,
        "from": f"policy {tmp_path / 'canary.yaml'}:5:16",
    }


@pytest.mark.parametrize(
    ("block", "says"),
    [
        (
            "rollout: {label_delay: 1 day}",
            "p.yaml:4:24: rollout.label_delay: not a duration '1 day' (e.g. 30d, 12h",
        ),
        (
            "rollout: {label_delay: 5}",
            "p.yaml:4:24: rollout.label_delay: '5' has no unit: write 5s, 5m, 5h or 5d",
        ),
        (
            "rollout: {label_delay: 9999d}",
            "p.yaml:4:24: rollout.label_delay: 9999d is longer than 3660 days",
        ),
        (
            "rollout: {min_samples: -1}",
            "p.yaml:4:24: rollout.min_samples: -1 is less than the minimum of 0",
        ),
        (
            "rollout: {min_samples: many}",
            "p.yaml:4:24: rollout.min_samples must be of type integer",
        ),
        ("rollout: {max_wait: 2d}", "p.yaml:4:11: unknown key 'max_wait' in rollout"),
        ("rollout: 1d", "p.yaml:4:10: rollout must be of type object"),
    ],
)
def test_a_bad_block_is_a_validate_error_with_file_and_line(tmp_path, block, says):
    policy = tmp_path / "p.yaml"
    policy.write_text(
        "version: 1\nname: p\ndata: {score: score, label: label}\n" + block + "\n"
        "checks:\n  - {id: auc, type: performance, metric: roc_auc, min: 0.7}\n"
    )
    run = run_cli("validate", policy)
    assert run.code == 2, run.stdout + run.stderr
    assert says in run.stdout + run.stderr


def test_analyze_refuses_a_bad_block_before_reading_the_logs(tmp_path):
    paths = _paths(tmp_path, rollout="rollout: {label_delay: soon}\n")
    run = run_cli(
        "analyze", "--policy", paths["policy"], "--predictions", tmp_path / "absent.parquet",
        "--labels", paths["labels"], "--label-delay", "1d",
    )  # fmt: skip
    assert run.code == 2 and "canary.yaml:6:24: rollout.label_delay" in run.stderr


DIFF_BASE = """
    version: 1
    data: {label: y}
    rollout: {label_delay: 2d, min_samples: 500}
    checks:
      - {id: auc, type: performance, metric: roc_auc, min: 0.6}
"""


def _changes(tmp_path: Path, current: str) -> list[tuple[str, str, str]]:
    write_policy(tmp_path / "base.yaml", DIFF_BASE)
    write_policy(tmp_path / "p.yaml", current)
    found = policy_changes(load_policy(tmp_path / "base.yaml"), load_policy(tmp_path / "p.yaml"))
    return [(c.kind, c.check, c.detail.split(" ")[0]) for c in found]


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("{label_delay: 1d, min_samples: 500}", [("loosened", "policy", "label_delay")]),
        ("{label_delay: 2d, min_samples: 499}", [("loosened", "policy", "min_samples")]),
        ("{label_delay: 48h, min_samples: 500}", []),  # the same delay, written otherwise
        (
            "{label_delay: 3d, min_samples: 501}",
            [("tightened", "policy", "label_delay"), ("tightened", "policy", "min_samples")],
        ),
        ("{min_samples: 500}", [("loosened", "policy", "label_delay")]),  # back to 0
        ("{label_delay: 2d}", [("loosened", "policy", "min_samples")]),  # back to 100
    ],
)
def test_a_shorter_delay_or_fewer_rows_is_a_loosening(tmp_path, block, expected):
    current = DIFF_BASE.replace("{label_delay: 2d, min_samples: 500}", block)
    assert sorted(_changes(tmp_path, current)) == sorted(expected)


def test_every_rollout_field_has_a_diff_rule():
    from gate.policy.diff_rules import RULES

    rollout = {"label_delay", "min_samples", "rollout_from"}
    assert {f"policy.{name}" for name in rollout} <= set(RULES)
    assert rollout <= {f.name for f in dataclasses.fields(Policy)}


@pytest.mark.parametrize(
    ("block", "detail"),
    [
        ("{label_delay: 1d12h, min_samples: 500}", "label_delay 2d -> 1d12h"),
        ("{min_samples: 500}", "label_delay 2d -> (none)"),
        ("{label_delay: 2d, min_samples: 400}", "min_samples 500 -> 400"),
    ],
)
def test_a_rollout_change_reads_as_the_policy_writes_it(tmp_path, block, detail):
    write_policy(tmp_path / "base.yaml", DIFF_BASE)
    write_policy(
        tmp_path / "p.yaml", DIFF_BASE.replace("{label_delay: 2d, min_samples: 500}", block)
    )
    found = policy_changes(load_policy(tmp_path / "base.yaml"), load_policy(tmp_path / "p.yaml"))
    assert [c.detail for c in found] == [detail]
