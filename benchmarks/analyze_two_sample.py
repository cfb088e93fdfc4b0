"""Speed of `model-gate analyze` on canary logs: paired (shadow logs) against two-sample (the
models answer different requests), and coverage of the two-sample interval of the drop.

    python benchmarks/analyze_two_sample.py [--requests 200000] [--resamples 1000] [--trials 200]
                                            [--groups]

Logs: REQUESTS one-minute requests, x ~ N(0, 1), y ~ Bernoulli(sigmoid(2.5 x)), both models
score sigmoid(2.5 x + noise); canary: half the requests go to the candidate; shadow: both
answer every request. Policy: roc_auc and recall against the live model (`baseline:
{max_drop: 0.02, confidence: 0.95}`). Each analysis is a fresh process (imports included);
wall time and peak RSS (ru_maxrss of the child). Coverage: the share of TRIALS simulated
canaries (binormal scores, known population AUC) whose 95 % interval holds the true drop.
--groups adds a region column (5 values) and a fairness check of recall against the live model
per region (`baseline: {max_drop: 0.02, confidence: 0.95}`: paired, or two-sample per group).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import norm

from gate.engine.metrics import METRICS
from gate.engine.two_sample import Sample, two_sample_drop

POLICY = """\
version: 1
name: bench
data: {score: score}
checks:
  - id: auc-vs-live
    type: performance
    metric: roc_auc
    baseline: {max_drop: 0.02, confidence: 0.95}
  - id: recall-vs-live
    type: performance
    metric: recall
    baseline: {max_drop: 0.02, confidence: 0.95}
"""
GROUPS = """\
  - id: recall-by-region
    type: fairness
    metric: true_positive_rate
    aggregate: difference
    max: 0.5
    baseline: {max_drop: 0.02, confidence: 0.95}
"""


def logs(n: int, shadow: bool, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = np.char.add("r", np.arange(n).astype(str))
    x = rng.normal(size=n)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-2.5 * x))).astype(int)
    region = rng.choice(["r1", "r2", "r3", "r4", "r5"], n)
    t = pd.Timestamp("2026-01-01T00:00:00Z") + pd.to_timedelta(np.arange(n), unit="min")
    frames = []
    to_cand = rng.uniform(size=n) < 0.5
    for version in ("v1", "v2"):
        score = 1 / (1 + np.exp(-(2.5 * x + rng.normal(scale=0.5, size=n))))
        frame = pd.DataFrame({"request_id": ids, "timestamp": t, "score": score, "region": region})
        frame["model_version"] = version
        keep = np.ones(n, bool) if shadow else (to_cand if version == "v2" else ~to_cand)
        frames.append(frame[keep])
    labels = pd.DataFrame({"request_id": ids, "label": y, "label_timestamp": t})
    return pd.concat(frames, ignore_index=True), labels


def timed(args: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MB, exit code) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def speed(requests: int, resamples: int, groups: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        policy = POLICY.replace("data: {score: score}", "data: {score: score, sensitive: [region]}")
        (root / "p.yaml").write_text(policy + GROUPS if groups else POLICY)
        for name, shadow in (("shadow (paired)", True), ("canary (two-sample)", False)):
            frame, labels = logs(requests, shadow)
            frame.to_parquet(root / "logs.parquet", index=False)
            labels.to_parquet(root / "labels.parquet", index=False)
            wall, rss, code = timed(
                [sys.executable, "-m", "gate", "analyze", "--policy", str(root / "p.yaml"),
                 "--predictions", str(root / "logs.parquet"), "--labels",
                 str(root / "labels.parquet"), "--candidate-version", "v2",
                 "--as-of", "2026-11-01", "--resamples", str(resamples),
                 "--output-dir", str(root / "out")]
            )  # fmt: skip
            print(f"{name:22s} {requests:>9,} requests  {wall:6.2f} s  {rss:6.0f} MB  exit {code}")


def coverage(trials: int, n: int = 400, resamples: int = 500) -> None:
    rng = np.random.default_rng(1)
    truth = norm.cdf(1.0 / 2**0.5) - norm.cdf(1.2 / 2**0.5)

    def sample(mu: float) -> Sample:
        y = (rng.uniform(size=n) < 0.5).astype(np.int64)
        return Sample(y, rng.normal(size=n) + mu * y)

    hits = 0
    for trial in range(trials):
        drops = two_sample_drop(METRICS["roc_auc"], sample(1.2), sample(1.0), resamples, trial)
        lo, hi = drops.interval(0.95)[0]
        hits += lo <= truth <= hi
    print(f"coverage of the 95 % two-sample interval (roc_auc, {n} rows a model, {trials} trials):"
          f" {hits / trials:.3f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--groups", action="store_true", help="add a per-group fairness check")
    args = parser.parse_args()
    print(f"load average (1 min) {os.getloadavg()[0]:.1f}")
    speed(args.requests, args.resamples, args.groups)
    coverage(args.trials)


if __name__ == "__main__":
    main()
