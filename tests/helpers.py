"""Builders for test inputs: data files, trained models, policies, and a CLI runner."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

FEATURES = ["x1", "x2", "x3"]
ROOT = Path(__file__).resolve().parents[1]


def classification_frame(n: int = 600, seed: int = 0) -> pd.DataFrame:
    """Features with a learnable, noisy binary label 'y' and a sensitive column."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    logit = 1.5 * X[:, 0] - 1.0 * X[:, 1] + 0.5 * X[:, 2]
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame(X, columns=FEATURES)
    frame["y"] = y
    frame["sex"] = rng.choice(["f", "m"], n)
    return frame


def regression_frame(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    frame = pd.DataFrame(X, columns=FEATURES)
    frame["target"] = 3 * X[:, 0] - 2 * X[:, 1] + rng.normal(scale=0.5, size=n) + 10
    return frame


def fit_classifier(frame: pd.DataFrame, features: list[str] | None = None, c: float = 1.0):
    from sklearn.linear_model import LogisticRegression

    features = features or FEATURES
    return LogisticRegression(C=c).fit(frame[features], frame["y"])


def write_policy(path: Path, body: str) -> Path:
    path.write_text(textwrap.dedent(body).lstrip())
    return path


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def run_cli(*args: str | Path, cwd: Path | None = None, env: dict | None = None) -> Run:
    """Run the real CLI in a subprocess (`env` adds to the environment)."""
    # progress lines would appear on stderr under CI=true when a loaded machine makes a pass
    # slower than the interval; tests that want them set the interval themselves
    quiet = {"MODEL_GATE_PROGRESS_INTERVAL": "86400"}
    env = {**os.environ, "PYTHONPATH": str(ROOT), **quiet, **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "gate", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def sample_evaluation(status: str = "fail", message: str = "roc_auc 0.7: below min 0.8"):
    """A one-check Evaluation for report and CI tests."""
    import datetime as dt

    from gate.decision import decide
    from gate.results import CheckResult, Evaluation, Severity, Status

    result = CheckResult(
        id="auc",
        type="performance",
        status=Status(status),
        severity=Severity.BLOCK,
        message=message,
        metric="roc_auc",
        value=0.7,
        threshold={"min": 0.8},
        location="policy.yaml:5:5",
    )
    inputs = {
        "policy": {"path": "p.yaml", "sha256": "a" * 64},
        "data": {"path": "d.csv", "sha256": "b" * 64, "rows": 10},
    }
    return Evaluation(decide([result], (), dt.date(2026, 1, 1)), "credit", inputs, 0, "0.1.0")


def run_check(
    policy: Path,
    data: Path,
    *extra: str | Path,
    model: Path | None = None,
    out: Path | None = None,
    env: dict | None = None,
) -> Run:
    """`model-gate check` on these files in a subprocess."""
    args: list[str | Path] = ["check", "--policy", policy, "--data", data]
    if model is not None:
        args += ["--model", model]
    if out is not None:
        args += ["--output-dir", out]
    return run_cli(*args, *extra, env=env)


def context(data, features=None, sample=None, **options):
    """A CheckContext over bound rows in memory: their profile, as one batch of a file gives.

    `features`: the sensitive columns to key group cells by (default: every non-numeric column
    and data.sensitive); `sample`: the columns of the row sample (default: all)."""
    import dataclasses

    from gate.backends.profiling import profile_bound
    from gate.checks.base import CheckContext

    frame = data.frame
    if data.y_true is not None and len(frame) != len(data.y_true):
        frame = pd.DataFrame(index=range(len(data.y_true)))  # tests that need no columns
        data = dataclasses.replace(data, frame=frame)
    if features is None:
        features = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
        features = tuple(f for f in dict.fromkeys([*data.sensitive, *features]) if f in frame)
    if sample is None:
        sample = tuple(frame.columns)
    profile = profile_bound(data, tuple(features), sample_columns=tuple(sample))
    sources = {"candidate": data.candidate.source}
    if data.baseline is not None:
        sources["baseline"] = data.baseline.source
    return CheckContext(
        profile,
        task=data.task,
        sensitive=data.sensitive,
        model_features=data.model_features,
        sources=sources,
        **options,
    )


MOMENTS = ("mean", "m2", "m3", "m4", "total")


def cells_match(a, b) -> bool:
    """Model-output cells (a profile's candidate / baseline) equal: counts exactly, float sums
    (the score bins' per-loss sums) to 1e-9 relative, as their last bits depend on the batching."""
    if a is None or b is None or a.keys() != b.keys():
        return a is None and b is None
    for name, cells in a.items():
        mine = cells.to_arrays()
        theirs = b[name].to_arrays()
        if mine.keys() != theirs.keys():
            return False
        for key, x in mine.items():
            y = theirs[key]
            close = x.dtype.kind == "f" and x.shape == y.shape
            if not (np.allclose(x, y, rtol=1e-9, atol=1e-12) if close else np.array_equal(x, y)):
                return False
    return True


def profiles_match(a, b) -> bool:
    """Profiles equal: exactly, except the float moments of column profiles (to 1e-9 relative;
    also those of output and per-group columns) and the float sums of the model-output cells
    (cells_match), whose last bits depend on the batch order."""
    import dataclasses

    def flat(columns):
        return {
            name: dataclasses.replace(
                c, numbers=dataclasses.replace(c.numbers, **dict.fromkeys(MOMENTS, 0.0))
            )
            if c.numbers is not None
            else c
            for name, c in columns.items()
        }

    def without_moments(profile):
        cells = profile.group_columns
        return dataclasses.replace(
            profile,
            columns=flat(profile.columns),
            outputs=None if profile.outputs is None else flat(profile.outputs),
            group_columns=None if cells is None else tuple(flat(c) for c in cells),
            candidate=None,
            baseline=None,
        )

    def sets(profile):
        yield profile.columns
        yield profile.outputs or {}
        yield from profile.group_columns or ()

    for mine, theirs in zip(sets(a), sets(b), strict=False):
        for name, column in mine.items():
            other = theirs.get(name)
            if column.numbers is None or other is None or other.numbers is None:
                continue
            for field in MOMENTS:
                x, y = getattr(column.numbers, field), getattr(other.numbers, field)
                assert np.isclose(x, y, rtol=1e-9, atol=1e-12), (name, field, x, y)
    outputs_match = cells_match(a.candidate, b.candidate) and cells_match(a.baseline, b.baseline)
    return outputs_match and without_moments(a) == without_moments(b)


def columns_profile(frame):
    """A profile of a frame's columns only (no groups, no model outputs), built in memory."""
    from gate.engine.columns import profile_columns
    from gate.engine.profile import Profile

    return Profile(
        task="binary_classification",
        features=(),
        groups=((),),
        group_rows=np.array([len(frame)], dtype=np.int64),
        columns=profile_columns(frame),
    )


def rewrite_profile(path: Path, change) -> None:
    """Rewrite a saved profile file in place: `change(document, members)` edits its parsed
    profile.json and its members (name -> bytes) before they are zipped again."""
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    document = json.loads(members["profile.json"])
    change(document, members)
    members["profile.json"] = json.dumps(document).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    path.write_bytes(buffer.getvalue())
