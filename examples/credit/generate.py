"""Generate the credit-scoring example: evaluation data, a candidate and a production model.

Seeded and deterministic: running it twice writes the same data. Each file is written under a
temporary name and renamed, so a file that exists is complete; when all three exist the models
are not trained again (delete the directory to rebuild). Usage:
    python examples/credit/generate.py [OUTPUT_DIR]   (default: examples/credit/build)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20261123
FEATURES = [
    "age",
    "income",
    "debt_ratio",
    "credit_history_months",
    "late_payments_12m",
    "loan_amount",
    "employment_years",
]


def applicants(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Synthetic loan applicants whose default risk depends non-linearly on their finances."""
    age = rng.integers(19, 75, n)
    employment = np.clip(rng.gamma(2.0, 3.0, n), 0, age - 18).round(1)
    income = np.round(rng.lognormal(10.6, 0.45, n) * (1 + employment / 40), -2)
    debt_ratio = np.clip(rng.beta(2.2, 5.0, n) * 1.4, 0, 1.5).round(3)
    history = np.clip((age - 18) * 12 * rng.uniform(0.2, 1.0, n), 0, None).astype(int)
    late = rng.poisson(0.35 + 1.8 * debt_ratio**2, n)
    loan = np.round(rng.lognormal(9.3, 0.6, n), -2)
    sex = rng.choice(["female", "male"], n, p=[0.47, 0.53])
    race = rng.choice(
        ["Asian", "Black", "Hispanic", "White", "Other"], n, p=[0.07, 0.13, 0.18, 0.58, 0.04]
    )
    logit = (
        -2.1
        + 3.2 * (debt_ratio - 0.4) ** 2 * np.sign(debt_ratio - 0.4)
        + 0.55 * late
        - 0.9 * np.log(income / 40000)
        + 0.6 * np.log(loan / 12000)
        - history / 400
        - 0.04 * employment
        + 0.9 * (late >= 3) * (debt_ratio > 0.6)
    )
    default = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame(
        {
            "applicant_id": np.arange(1, n + 1),
            "age": age,
            "income": income,
            "debt_ratio": debt_ratio,
            "credit_history_months": history,
            "late_payments_12m": late,
            "loan_amount": loan,
            "employment_years": employment,
            "sex": sex,
            "race": race,
            "default": default,
        }
    )


OUTPUTS = ("eval.csv", "production.skops", "candidate.skops")


def _atomic(path: Path, write) -> None:
    """Write through `write(temporary_path)`, then rename: `path` is complete or absent."""
    partial = path.with_name(f".{path.name}.partial")
    write(partial)
    os.replace(partial, path)


def main(out: Path) -> None:
    if all((out / name).is_file() for name in OUTPUTS):
        print(f"{out}: eval.csv, candidate.skops, production.skops already built (not retrained)")
        return
    import skops.io as sio  # here, so the already-built case starts fast
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(SEED)
    train, evaluation = applicants(20000, rng), applicants(6000, rng)
    out.mkdir(parents=True, exist_ok=True)
    _atomic(out / "eval.csv", lambda p: evaluation.to_csv(p, index=False))
    X, y = train[FEATURES], train["default"]
    baseline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(
        X[["income", "debt_ratio", "late_payments_12m", "loan_amount"]], y
    )
    candidate = GradientBoostingClassifier(
        n_estimators=150, max_depth=3, learning_rate=0.08, random_state=SEED
    ).fit(X, y)
    _atomic(out / "production.skops", lambda p: sio.dump(baseline, p))
    _atomic(out / "candidate.skops", lambda p: sio.dump(candidate, p))
    print(f"wrote {out}/eval.csv ({len(evaluation)} rows), candidate.skops, production.skops")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "build")
