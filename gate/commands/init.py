"""`model-gate init`: a starter policy, its schema and a CI workflow for a model and its data.

It asks nothing (everything comes from the flags, so it runs the same in CI), reads the data's
first batch for its columns and the model for its inputs and kind, checks every binding against
both, loads the policy it wrote as `validate` would, and writes every file or none
(init_write): an existing file is an error naming it unless --force, a link never is written
through, and an existing .gitlab-ci.yml is never rewritten (the lines to add are printed).
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import Any

import pandas as pd

from gate.api_arguments import names
from gate.commands.init_detect import class_values, estimator, label_values, positive_label
from gate.commands.init_detect import task as detect_task
from gate.commands.init_files import Starter
from gate.commands.init_plan import plan, run_command, shown, valid
from gate.commands.init_write import refuse_unwritable, write_all
from gate.errors import UsageError
from gate.inputs.data import DataSource
from gate.inputs.models import LoadPolicy, Model, load_model

LABELS = ("label", "target", "y", "class", "outcome", "ground_truth", "truth", "actual")
SCORES = ("score", "y_score", "probability", "proba", "prob")
PREDICTIONS = ("prediction", "predicted", "y_pred", "pred")
SENSITIVE = ("sex", "gender", "race", "ethnicity", "age", "religion", "disability")
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


def _model_output(model: Model | None, score: str | None, task: str) -> str:
    if task == "regression":
        return "regression"
    if model is None:
        return "score" if score else "label"
    est = estimator(model)
    if est is not None:
        has = hasattr(est, "predict_proba") or hasattr(est, "decision_function")
        return "score" if has else "label"
    session = getattr(model, "session", None)  # ONNX: a second output holds probabilities
    return "score" if session is None or len(session.get_outputs()) >= 2 else "label"


def _margins_only(model: Model | None) -> bool:
    """The model scores by decision_function (margins around 0), not probabilities."""
    est = estimator(model)
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
    given = [c for c in (args.score, args.prediction) if c]
    _require_columns(frame, given, "--score/--prediction", args.data)
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
    return score, prediction


def _multiclass_prediction(args: argparse.Namespace, frame: pd.DataFrame | None) -> str:
    """The predicted-class column of a multiclass run without a model (a score column cannot
    stand for K classes: per-class probability columns are bound by hand, data.scores)."""
    prediction = args.prediction or (_named(frame, PREDICTIONS) if frame is not None else None)
    if prediction is None:
        raise UsageError(
            "a multiclass label and no --model: pass --prediction COLUMN (the predicted class); "
            "bind per-class probability columns in the policy with data.scores: {class: column}"
        )
    return prediction


def _features(
    args: argparse.Namespace, frame: pd.DataFrame | None, model: Model | None, taken: set[str]
) -> tuple[tuple[str, ...], bool]:
    """(the model's inputs, whether the model names them itself)."""
    named = getattr(model, "feature_names", None)
    given = list(_columns(args.features, "--features"))
    if named is not None and given and tuple(given) != tuple(named):
        raise UsageError(
            f"--features {', '.join(given)} contradicts the model's own input names "
            f"({', '.join(named)}, in that order): leave --features out"
        )
    if given or (model is not None and named is None):
        features = given or [
            str(c) for c in (frame.columns if frame is not None else []) if str(c) not in taken
        ]
        if not features:
            raise UsageError("the model does not name its inputs: pass --features a,b,c")
        expected = getattr(estimator(model), "n_features_in_", None)
        if expected is not None and expected != len(features):
            raise UsageError(
                f"the model takes {expected} inputs but {len(features)} columns are left "
                f"({', '.join(features)}): pass --features with its inputs in training order"
            )
        _require_columns(frame, features, "--features", args.data)
        return tuple(features), named is not None
    _require_columns(frame, list(named or ()), "the model's input", args.data)
    return tuple(named or ()), True


def _columns(values: list[str] | None, flag: str) -> tuple[str, ...]:
    """Repeated comma-separated flags as one list without repeats, refused when empty (as
    check takes them: `--sensitive sex --sensitive race,age`)."""
    return () if values is None else names(",".join(values), flag) or ()


def _label_values(
    path: str | None, frame: pd.DataFrame | None, label: str
) -> tuple[list[Any] | None, bool]:
    """The label's distinct values: the first batch's, read on while it shows fewer than two
    (a file sorted by its label starts with one value only)."""
    if frame is None or path is None:
        return None, False
    values, numeric = label_values(frame, label)
    if len(values) >= 2:
        return values, numeric
    batches = DataSource(path).batches(SAMPLE_ROWS)
    try:
        for batch in batches:
            more, numeric = label_values(batch.frame, label)
            values = sorted({*values, *more}, key=str)
            if len(values) >= 2:
                break
    finally:
        batches.close()
    return values, numeric


def _loading_rules(args: argparse.Namespace) -> LoadPolicy:
    return LoadPolicy(
        allow_pickle=args.allow_pickle,
        sha256=args.model_sha256,
        trusted_types=tuple(args.trust_type),
    )


def inspect(args: argparse.Namespace) -> Starter:
    """What the model and the data say, checked against each other."""
    if not (args.model or args.data):
        raise UsageError("init needs --model M and / or --data D")
    frame = _first_batch(args.data) if args.data else None
    model = load_model(args.model, _loading_rules(args)).model if args.model else None
    label = _label(args, frame)
    score, prediction = _outputs(args, frame)
    sensitive = _columns(args.sensitive, "--sensitive")
    _require_columns(frame, list(sensitive), "--sensitive", args.data)
    taken = {label, *sensitive, *(c for c in (score, prediction) if c)}
    features, from_model = _features(args, frame, model, taken)
    values, numeric = _label_values(args.data, frame, label)
    task = detect_task(label, values, numeric, model, args.task)
    binary = task == "binary_classification"
    positive, from_classes = positive_label(values, model) if binary else (None, 0)
    if task == "multiclass_classification" and model is None:
        score, prediction = None, _multiclass_prediction(args, frame)
    hints = (
        () if frame is None else tuple(c for c in map(str, frame.columns) if c.lower() in SENSITIVE)
    )
    return Starter(
        name=args.name or Path(args.model or args.data).stem,
        task=task,
        label=label,
        output=_model_output(model, score, task),
        threshold=None if _margins_only(model) else 0.5,
        score=score,
        prediction=prediction,
        positive_label=positive,
        positive_from_model=bool(from_classes),
        sensitive=tuple(sensitive),
        hints=tuple(h for h in hints if h != label),
        features=features,
        features_from_model=from_model,
        model_columns=from_model and bool(features),
        classes=class_values(values, model) if task == "multiclass_classification" else (),
    )


def init(args: argparse.Namespace) -> int:
    """Inspect, then write every file or none; print what was written and what to do next."""
    from gate.report.escape import term

    starter = inspect(args)
    files, notes = plan(args, starter)
    valid(Path(args.output), files[Path(args.output)])
    refuse_unwritable(files, args.force)
    write_all(files)
    for path in files:
        print(f"wrote {term(str(path))}")
    for line in "".join(notes).splitlines():
        print(term(line))
    print("next: review every bound in the policy, then")
    print(f"  model-gate validate {term(shlex.quote(shown(args.output)))}")
    print(f"  {term(run_command(args))}")
    return 0
