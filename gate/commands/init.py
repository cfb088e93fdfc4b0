"""`model-gate init`: a starter policy, its schema and a CI workflow for a model and its data.

It asks nothing (everything comes from the flags, so it runs the same in CI), reads the data's
first batch for its columns and the model for its inputs, and writes every file or none: an
existing file is an error naming it unless --force (an existing .gitlab-ci.yml is never
rewritten; the lines to add are printed instead).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import pandas as pd

from gate.commands.init_files import (
    SCHEMA_FILE,
    Starter,
    github_workflow,
    gitlab_include,
    policy_text,
)
from gate.commands.schema import schema_text
from gate.errors import UsageError
from gate.inputs.data import DataSource
from gate.inputs.models import LoadPolicy, Model, load_model

LABELS = ("label", "target", "y", "class", "outcome", "ground_truth", "truth", "actual")
SCORES = ("score", "y_score", "probability", "proba", "prob")
PREDICTIONS = ("prediction", "predicted", "y_pred", "pred")
SENSITIVE = ("sex", "gender", "race", "ethnicity", "age", "religion", "disability")
GITHUB_WORKFLOW = Path(".github/workflows/model-gate.yml")
GITLAB_CI = Path(".gitlab-ci.yml")
SAMPLE_ROWS = 10_000  # rows read to see the columns and the label's values


def _first_batch(path: str) -> pd.DataFrame:
    batches = DataSource(path).batches(SAMPLE_ROWS)
    try:
        return next(batches).frame
    finally:
        batches.close()


def _named(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    """The first column whose name is one of `names` (any case)."""
    lower = {str(c).lower(): str(c) for c in frame.columns}
    return next((lower[n] for n in names if n in lower), None)


def _require_columns(frame: pd.DataFrame | None, columns: list[str], flag: str, data: str) -> None:
    if frame is None:
        return
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise UsageError(
            f"{flag} {', '.join(missing)}: not a column of {data} "
            f"(its columns: {', '.join(map(str, frame.columns))})"
        )


def _estimator(model: Model | None) -> Any:
    return getattr(model, "estimator", None)


def _model_task(model: Model | None) -> str | None:
    kind = getattr(_estimator(model), "_estimator_type", None)
    return {"regressor": "regression", "classifier": "binary_classification"}.get(kind)


def _task(frame: pd.DataFrame | None, label: str, model: Model | None) -> str:
    """binary_classification or regression, from the model's kind and the label's values."""
    by_model = _model_task(model)
    if frame is None:
        return by_model or "binary_classification"
    values = frame[label].dropna().unique()
    if len(values) == 0:
        raise UsageError(f"label column {label} has no values in the first {SAMPLE_ROWS} rows")
    if by_model == "regression" or (
        len(values) > 2 and by_model is None and pd.api.types.is_numeric_dtype(frame[label])
    ):
        return "regression"
    if len(values) > 2:
        raise UsageError(
            f"label column {label} has {len(values)} classes; model-gate gates binary "
            "classification and regression (pass --label for another column)"
        )
    return "binary_classification"


def _positive_label(frame: pd.DataFrame | None, label: str, model: Model | None) -> Any:
    """None when the positive value is 1 (the default), else the larger of the two values."""
    classes = getattr(_estimator(model), "classes_", None)
    values = list(classes) if classes is not None else []
    if not values and frame is not None:
        values = sorted(frame[label].dropna().unique().tolist(), key=str)
    values = [v.item() if hasattr(v, "item") else v for v in values]
    if not values or {str(v) for v in values} <= {"0", "1", "True", "False", "0.0", "1.0"}:
        return None
    return values[-1]


def _model_output(model: Model | None, score: str | None, task: str) -> str:
    if task == "regression":
        return "regression"
    if model is None:
        return "score" if score else "label"
    est = _estimator(model)
    if est is not None:
        has = hasattr(est, "predict_proba") or hasattr(est, "decision_function")
        return "score" if has else "label"
    session = getattr(model, "session", None)  # ONNX: a second output holds probabilities
    return "score" if session is None or len(session.get_outputs()) >= 2 else "label"


def _margins_only(model: Model | None) -> bool:
    """The model scores by decision_function (margins around 0), not probabilities."""
    est = _estimator(model)
    return hasattr(est, "decision_function") and not hasattr(est, "predict_proba")


def _label(args: argparse.Namespace, frame: pd.DataFrame | None) -> str:
    label = args.label or (_named(frame, LABELS) if frame is not None else None)
    if label is None:
        where = (
            f" (columns of {args.data}: {', '.join(map(str, frame.columns))})"
            if frame is not None
            else ""
        )
        raise UsageError(f"cannot tell the label column: pass --label COLUMN{where}")
    _require_columns(frame, [label], "--label", args.data)
    return label


def _outputs(args: argparse.Namespace, frame: pd.DataFrame | None) -> tuple[str | None, ...]:
    """(score, prediction) columns: what the data carries in place of a model."""
    if args.model:
        return args.score, args.prediction
    assert frame is not None  # inspect() requires --data when there is no --model
    score = args.score or (None if args.prediction else _named(frame, SCORES))
    prediction = args.prediction or (None if score else _named(frame, PREDICTIONS))
    if not (score or prediction):
        raise UsageError(
            f"no --model, and {args.data} has no score or prediction column: pass --model M, "
            f"--score COLUMN or --prediction COLUMN"
        )
    _require_columns(
        frame, [c for c in (score, prediction) if c], "--score/--prediction", args.data
    )
    return score, prediction


def _features(
    args: argparse.Namespace, frame: pd.DataFrame | None, model: Model | None, taken: set[str]
) -> tuple[tuple[str, ...], bool]:
    """(the model's inputs, whether the model names them itself)."""
    named = getattr(model, "feature_names", None)
    if args.features or (model is not None and named is None):
        features = list(args.features) or [
            str(c) for c in (frame.columns if frame is not None else []) if str(c) not in taken
        ]
        if not features:
            raise UsageError("the model does not name its inputs: pass --features a,b,c")
        expected = getattr(_estimator(model), "n_features_in_", None)
        if expected is not None and expected != len(features):
            raise UsageError(
                f"the model takes {expected} inputs but {len(features)} columns are left "
                f"({', '.join(features)}): pass --features with its inputs in training order"
            )
        _require_columns(frame, features, "--features", args.data)
        return tuple(features), False
    _require_columns(frame, list(named or ()), "the model's input", args.data)
    return tuple(named or ()), True


def inspect(args: argparse.Namespace) -> Starter:
    """What the model and the data say, checked against each other."""
    if not (args.model or args.data):
        raise UsageError("init needs --model M and / or --data D")
    frame = _first_batch(args.data) if args.data else None
    rules = LoadPolicy(trusted_types=tuple(args.trust_type))
    model = load_model(args.model, rules).model if args.model else None
    label = _label(args, frame)
    score, prediction = _outputs(args, frame)
    _require_columns(frame, list(args.sensitive), "--sensitive", args.data)
    taken = {label, *args.sensitive, *(c for c in (score, prediction) if c)}
    features, from_model = _features(args, frame, model, taken)
    task = _task(frame, label, model)
    hints = (
        () if frame is None else tuple(c for c in map(str, frame.columns) if c.lower() in SENSITIVE)
    )
    return Starter(
        name=args.name or Path(args.model or args.data).stem,
        task=task,
        label=label,
        output=_model_output(model, score, task),
        threshold=0.0 if _margins_only(model) else 0.5,
        score=score,
        prediction=prediction,
        positive_label=_positive_label(frame, label, model) if task != "regression" else None,
        sensitive=tuple(args.sensitive),
        hints=tuple(h for h in hints if h != label),
        features=features,
        features_from_model=from_model,
        model_columns=from_model and bool(features),
    )


def _shown(path: str | Path) -> str:
    """A path as a workflow names it: relative to the working directory when inside it."""
    rel = os.path.relpath(path)
    return str(path) if rel.startswith("..") else rel


def _ci(choice: str) -> str:
    """auto: GitHub when .github/ exists, GitLab when .gitlab-ci.yml does, else none."""
    if choice != "auto":
        return choice
    if Path(".github").is_dir():
        return "github"
    return "gitlab" if GITLAB_CI.exists() else "none"


def _run_command(args: argparse.Namespace) -> str:
    parts = ["model-gate check --policy", _shown(args.output)]
    if args.model:
        parts += ["--model", _shown(args.model)]
    parts += ["--data", _shown(args.data) if args.data else "EVAL_DATA"]
    return " ".join(parts)


def plan(args: argparse.Namespace, starter: Starter) -> tuple[dict[Path, str], list[str]]:
    """The files to write (path -> text) and what to tell the user beside them."""
    policy = Path(args.output)
    files = {policy: policy_text(starter, _run_command(args))}
    schema, notes = policy.parent / SCHEMA_FILE, []
    if not (schema.is_file() and schema.read_text("utf-8") == schema_text("policy")):
        files[schema] = schema_text("policy")
    inputs = {"policy": _shown(policy)}
    if args.model:
        inputs["model"] = _shown(args.model)
    inputs["data"] = _shown(args.data) if args.data else "EVAL_DATA"
    ci = _ci(args.ci)
    if ci == "github":
        files[GITHUB_WORKFLOW] = github_workflow(inputs)
    elif ci == "gitlab" and GITLAB_CI.exists():
        notes.append(f"{GITLAB_CI} exists and is left as it is; add these lines to it:\n")
        notes.append(gitlab_include(inputs))
    elif ci == "gitlab":
        files[GITLAB_CI] = gitlab_include(inputs)
    return files, notes


def _refuse_existing(files: dict[Path, str], force: bool) -> None:
    for path in files:
        if path.is_dir():
            raise UsageError(f"{path} is a directory; give a file name with --output")
        if path.exists() and not force:
            raise UsageError(f"{path} exists; pass --force to overwrite it (nothing was written)")


def init(args: argparse.Namespace) -> int:
    """Inspect, then write every file or none; print what was written and what to do next."""
    from gate.report.escape import term

    starter = inspect(args)
    files, notes = plan(args, starter)
    _refuse_existing(files, args.force)
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {term(str(path))}")
    for line in "".join(notes).splitlines():
        print(term(line))
    print("next: review every bound in the policy, then")
    print(f"  model-gate validate {term(_shown(args.output))}")
    print(f"  {term(_run_command(args))}")
    return 0
