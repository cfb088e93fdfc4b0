"""Case (c): the benchmark policy's evaluation written by hand, as a data scientist would.

pandas reads the file, the model scores it, scikit-learn computes roc_auc / brier / accuracy,
fairlearn's MetricFrame the selection-rate ratio and equalized-odds difference per sensitive
feature, and one row bootstrap (RESAMPLES draws of n rows with replacement) gives a 95 %
percentile interval for each; df.describe() and isna().mean() profile the columns. Run in a
fresh process by run_all.py; prints one JSON line with the values and the time spent in the
bootstrap loop (so a run with fewer resamples can be extrapolated, and labelled as such).

    python benchmarks/handwritten.py MODEL.skops DATA.parquet [RESAMPLES]
"""

from __future__ import annotations

import json
import sys
import time
import warnings

import numpy as np
import pandas as pd
import skops.io as sio
from fairlearn.metrics import MetricFrame, equalized_odds_difference, selection_rate
from sklearn.metrics import accuracy_score, brier_score_loss, roc_auc_score

LABEL, SENSITIVE, THRESHOLD = "label", ("sex", "race"), 0.5


def statistics(y: np.ndarray, score: np.ndarray, groups: dict[str, np.ndarray]) -> dict:
    """Every value the policy judges, on one (possibly resampled) set of rows."""
    pred = (score >= THRESHOLD).astype(int)
    out = {
        "roc_auc": roc_auc_score(y, score),
        "brier_score": brier_score_loss(y, score),
        "accuracy": accuracy_score(y, pred),
    }
    ratios, gaps = [], []
    for feature in SENSITIVE:
        frame = MetricFrame(
            metrics=selection_rate, y_true=y, y_pred=pred, sensitive_features=groups[feature]
        )
        ratios.append(frame.ratio(method="between_groups"))
        gaps.append(equalized_odds_difference(y, pred, sensitive_features=groups[feature]))
    out["selection_rate_ratio"] = min(ratios)
    out["equalized_odds_difference"] = max(gaps)
    return out


def main(argv: list[str]) -> int:
    model_path, data_path = argv[0], argv[1]
    resamples = int(argv[2]) if len(argv) > 2 else 1000
    df = pd.read_parquet(data_path)
    model = sio.load(model_path, trusted=sio.get_untrusted_types(file=model_path))
    score = model.predict_proba(df[list(model.feature_names_in_)])[:, 1]
    y = df[LABEL].to_numpy()
    groups = {f: df[f].fillna("missing").to_numpy() for f in SENSITIVE}
    profile = df.describe(include="all")
    missing = df.isna().mean()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        point = statistics(y, score, groups)
        start = time.perf_counter()
        rng = np.random.default_rng(0)
        draws = {name: [] for name in point}
        for _ in range(resamples):
            idx = rng.integers(0, len(df), len(df))
            resampled = {f: g[idx] for f, g in groups.items()}
            for name, value in statistics(y[idx], score[idx], resampled).items():
                draws[name].append(value)
        boot_seconds = time.perf_counter() - start
    intervals = {name: list(np.percentile(v, [2.5, 97.5])) for name, v in draws.items() if v}
    print(
        json.dumps(
            {
                "rows": len(df),
                "resamples": resamples,
                "bootstrap_seconds": boot_seconds,
                "point": point,
                "intervals": intervals,
                "profiled_columns": int(profile.shape[1]),
                "largest_missing_share": float(missing.max()),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
