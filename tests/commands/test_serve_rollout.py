"""`model-gate serve` with a policy `rollout:` block: the least label delay a request gets is
the longer of --label-delay and the policy's; a request may lengthen it, never shorten it;
analysis.json says which value was used and from where (over real HTTP on 127.0.0.1)."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from canary_data import LATE, POLICY, write_canary
from test_serve import TOKEN, start, stop

from gate.commands.serve import least_delay
from gate.policy.model import DataBinding, Policy

DAY = dt.timedelta(days=1)


def _policy(delay: dt.timedelta | None) -> Policy:
    base = Policy(name="p", path="p.yaml", sha256="0" * 64, data=DataBinding(), checks=())
    return dataclasses.replace(base, label_delay=delay)


@pytest.mark.parametrize(
    ("flag", "written", "floor", "passed"),
    [
        (None, None, dt.timedelta(0), None),
        (None, 2 * DAY, 2 * DAY, None),  # the policy's applies, and is named as the source
        ("1d", 2 * DAY, 2 * DAY, None),  # a shorter flag does not lower the policy's
        ("3d", 2 * DAY, 3 * DAY, "3d"),  # a longer flag raises it
        ("1d", None, DAY, "1d"),
        ("2d", 2 * DAY, 2 * DAY, None),
    ],
)
def test_the_floor_is_the_longer_of_the_flag_and_the_policy(flag, written, floor, passed):
    args = argparse.Namespace(label_delay=flag)
    assert least_delay(args, _policy(written)) == (floor, passed)


def _call(**extra: str) -> dict:
    return {
        "predictions": ["predictions.parquet"],
        "labels": "labels.csv",
        "candidate_version": "v2",
        "as_of": LATE,
        **extra,
    }


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("serve_rollout")
    (base / "data").mkdir()
    paths = write_canary(base / "data")
    block = "rollout: {label_delay: 2d, min_samples: 300}\n"
    paths["policy"].write_text(POLICY.replace("checks:\n", block + "checks:\n"))
    (base / "token").write_text(TOKEN + "\n")
    return base


@pytest.mark.parametrize(
    ("flags", "least", "source"),
    [
        ((), "2d", "policy canary.yaml:6:"),
        (("--label-delay", "1d"), "2d", "policy canary.yaml:6:"),
        (("--label-delay", "3d"), "3d", "--label-delay"),
    ],
)
def test_a_request_never_gets_less_than_the_policys_or_the_flags_delay(root, flags, least, source):
    args = ("--policy", "data/canary.yaml", "--root", "data", "--token-file", "token")
    server = start(root, *args, *flags)
    try:
        plain = server.post("/analyze", _call())
        assert plain.status_code == 200, plain.text
        settings = plain.json()["settings"]
        assert settings["label_delay"]["value"] == least
        assert settings["label_delay"]["from"].startswith(source)
        assert settings["min_samples"]["value"] == 300
        assert settings["min_samples"]["from"].startswith("policy canary.yaml:6:")
        assert str(root) not in plain.text
        shorter = server.post("/analyze", _call(label_delay="1d"))
        assert shorter.status_code == 400, shorter.text
        assert "shorter than the service's least label delay" in shorter.json()["error"]
        longer = server.post("/analyze", _call(label_delay="4d"))
        assert longer.status_code == 200, longer.text
        assert longer.json()["settings"]["label_delay"] == {
            "value": "4d",
            "seconds": 4 * 86400,
            "from": "--label-delay",
        }
    finally:
        stop(server)
