"""Generated canary / shadow prediction logs and delayed labels, with an optional regression
planted in one group (tests of `model-gate analyze` and `serve`, and the help examples)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

START = pd.Timestamp("2026-01-01T00:00:00Z")
LABEL_LAG = pd.Timedelta(days=2)  # each label becomes known 2 days after its prediction
#: every label has matured (with --label-delay 1d) at this time
LATE = "2026-03-01T00:00:00Z"

POLICY = """\
version: 1
name: canary
data:
  score: score
  sensitive: [region]
checks:
  - id: auc-floor
    type: performance
    metric: roc_auc
    min: 0.7
  - id: recall-parity
    type: fairness
    metric: true_positive_rate
    aggregate: difference
    max: 0.2
    min_group_size: 30
"""


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def canary(
    n: int = 3000,
    *,
    regressed: str | None = None,
    shadow: bool = False,
    share: float = 0.5,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(logs, labels): requests of one minute each from START; the live model v1 and the
    candidate v2 score them equally well, except in region `regressed`, where v2's scores
    are noise. Canary: a `share` of requests go to v2; shadow: both answer every request."""
    rng = np.random.default_rng(seed)
    ids = [f"r{i:06d}" for i in range(n)]
    x = rng.normal(size=n)
    region = rng.choice(["north", "south", "east"], n)
    y = (rng.uniform(size=n) < _sigmoid(2.5 * x)).astype(int)
    times = START + pd.to_timedelta(np.arange(n), unit="min")
    base = pd.DataFrame({"request_id": ids, "timestamp": times, "region": region, "x": x})
    live_score = _sigmoid(2.5 * x + rng.normal(scale=0.5, size=n))
    cand_score = _sigmoid(2.5 * x + rng.normal(scale=0.5, size=n))
    if regressed is not None:
        hit = region == regressed
        cand_score[hit] = rng.uniform(size=int(hit.sum())) * 0.6  # mostly below 0.5
    live = base.assign(score=live_score, model_version="v1")
    cand = base.assign(score=cand_score, model_version="v2")
    if shadow:
        logs = pd.concat([live, cand], ignore_index=True)
    else:
        to_cand = rng.uniform(size=n) < share
        logs = pd.concat([live[~to_cand], cand[to_cand]], ignore_index=True)
    labels = pd.DataFrame({"request_id": ids, "label": y, "label_timestamp": times + LABEL_LAG})
    return logs, labels


def write_canary(root: Path, **kwargs: object) -> dict[str, Path]:
    """canary.yaml, predictions.parquet (both versions), live.csv and canary.csv (one each)
    and labels.csv under `root`; their paths by name."""
    logs, labels = canary(**kwargs)  # type: ignore[arg-type]
    paths = {
        "policy": root / "canary.yaml",
        "predictions": root / "predictions.parquet",
        "live": root / "live.csv",
        "canary": root / "canary.csv",
        "labels": root / "labels.csv",
    }
    paths["policy"].write_text(textwrap.dedent(POLICY))
    logs.to_parquet(paths["predictions"], index=False)
    stamp = {"timestamp": logs["timestamp"].map(pd.Timestamp.isoformat)}
    text_logs = logs.assign(**stamp)
    text_logs[logs.model_version == "v1"].to_csv(paths["live"], index=False)
    text_logs[logs.model_version == "v2"].to_csv(paths["canary"], index=False)
    labels.assign(label_timestamp=labels["label_timestamp"].map(pd.Timestamp.isoformat)).to_csv(
        paths["labels"], index=False
    )
    return paths


def analyze(paths: dict[str, Path], *extra: object, logs: str = "predictions", as_of: str = LATE):
    """`model-gate analyze` of the candidate v2 on the logs `write_canary` wrote (`logs`:
    "predictions" the one Parquet file, "split" the live and canary CSV files), labels maturing
    after a day, at `as_of`."""
    from helpers import run_cli

    sources = [paths["live"], paths["canary"]] if logs == "split" else [paths[logs]]
    return run_cli(
        "analyze",
        "--policy",
        paths["policy"],
        "--predictions",
        *sources,
        "--labels",
        paths["labels"],
        "--candidate-version",
        "v2",
        "--label-delay",
        "1d",
        "--as-of",
        as_of,
        *extra,
    )


def compared(max_drop: float) -> str:
    """A canary policy comparing the candidate's roc_auc with the live model's (a `baseline:`
    check, two-sample in canary logs, paired in shadow logs), grouped by region."""
    return (
        "version: 1\nname: canary\ndata: {score: score, sensitive: [region]}\nchecks:\n"
        "  - id: auc-vs-live\n    type: performance\n    metric: roc_auc\n"
        f"    baseline: {{max_drop: {max_drop}, confidence: 0.95}}\n"
    )
