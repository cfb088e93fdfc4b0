"""Review12e #4 over real HTTP on 127.0.0.1: a candidate whose own output is unusable (empty
scores, a shadow log that stops or answers only part of the requests, request ids it logged
twice) is a decision, block: Flagger's rollback hook gets 200 (roll back), its
confirm-promotion hook 412, Argo's web metric `block`; the same fault in the live model's log
is bad input (400 to every route: wait, fix the input)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from canary_data import LATE, write_canary
from test_serve import TOKEN, Server, flagger, start, stop


def _csv(path: Path, edit) -> None:
    edit(pd.read_csv(path)).to_csv(path, index=False)


def _parquet(path: Path, keep) -> None:
    logs = pd.read_parquet(path)
    logs[keep(logs)].to_parquet(path, index=False)


def _nan(logs: pd.DataFrame) -> pd.DataFrame:
    return logs.assign(score=logs.score.mask(logs.index % 3 == 0))


def _stopped(logs: pd.DataFrame) -> pd.Series:
    """The candidate's log stopping at 60 % of the period (the live one goes on)."""
    cand = logs.index[logs.model_version == "v2"]
    return ~logs.index.isin(cand[int(0.6 * len(cand)) :])


BROKEN = {  # name: (how the candidate's log was broken, what the reason says)
    "nan": ("canary.csv: score / prediction column 'score' is empty in rows 1, 4"),
    "twice": ("request id column 'request_id' repeats"),
    "stopped": ("the candidate's log stops before the live model's"),
    "partial": ("the candidate answered only some of the live model's requests"),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("broken")
    data = base / "data"
    for name in ("healthy", "nan", "twice", "livenan"):
        (data / name).mkdir(parents=True)
        write_canary(data / name)
    for name in ("stopped", "partial"):
        (data / name).mkdir(parents=True)
        write_canary(data / name, shadow=True)
    _csv(data / "nan" / "canary.csv", _nan)
    _csv(data / "twice" / "canary.csv", lambda logs: pd.concat([logs, logs.iloc[:40]]))
    _csv(data / "livenan" / "live.csv", _nan)
    _parquet(data / "stopped" / "predictions.parquet", _stopped)
    shadow = data / "partial" / "predictions.parquet"
    _parquet(shadow, lambda logs: (logs.model_version == "v1") | (logs.region != "north"))
    (base / "token").write_text(TOKEN + "\n")
    args = ("--policy", "data/healthy/canary.yaml", "--root", "data", "--token-file", "token")
    running = start(base, *args, "--label-delay", "1d", "--resamples", "100")
    yield running
    stop(running)


def metadata(name: str) -> dict[str, str]:
    split = name in ("nan", "twice", "livenan")
    logs = f"{name}/live.csv,{name}/canary.csv" if split else f"{name}/predictions.parquet"
    return {"predictions": logs, "labels": f"{name}/labels.csv", "as_of": LATE} | {
        "candidate_version": "v2"
    }


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_candidate_whose_output_is_unusable_is_rolled_back(server, name):
    rollback = server.post("/flagger/rollback", flagger(metadata(name), "rollback"))
    assert rollback.status_code == 200, rollback.text
    body = rollback.json()
    assert body["decision"] == "block" and body["checks"] == []
    [reason] = body["reasons"]
    assert reason.startswith("the candidate's output is unusable: ") and BROKEN[name] in reason
    promotion = server.post("/flagger", flagger(metadata(name), "confirm-promotion"))
    assert promotion.status_code == 412, promotion.text
    metric = server.post("/analyze", metadata(name))
    assert metric.status_code == 200 and metric.json()["decision"] == "block"


def test_the_live_models_broken_log_is_bad_input_to_every_route(server):
    for path, hook in (("/flagger/rollback", "rollback"), ("/flagger", "confirm-promotion")):
        response = server.post(path, flagger(metadata("livenan"), hook))
        assert response.status_code == 400, response.text
        assert "live.csv: score / prediction column 'score' is empty" in response.json()["error"]
    assert server.post("/analyze", metadata("livenan")).status_code == 400


def test_a_healthy_candidate_beside_them_is_still_approved(server):
    response = server.post("/flagger", flagger(metadata("healthy"), "confirm-promotion"))
    assert response.status_code == 200, response.text
