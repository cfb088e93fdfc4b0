"""The text of the files `model-gate init` writes: a commented starter policy, the policy's
JSON Schema beside it, and a CI workflow (GitHub Actions) or include (GitLab CI component).

Every column name and path is written as a YAML scalar that reads back as itself (quoted when
it is not a plain name, with non-ASCII letters kept readable), so a column called `yes`, `1` or
`a: b` cannot change the policy; text in a comment has every line break and control character
escaped, so a file name cannot end the comment and add a key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

from gate import __version__
from gate.commands.schema import POLICY_SCHEMA_COPY
from gate.report.escape import term

SCHEMA_FILE = str(POLICY_SCHEMA_COPY)
PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*")
YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "none", "~"}
MULTICLASS = "multiclass_classification"
MAX_FAIRNESS = 5  # multiclass: a selection-rate check for each of the first classes
MULTICLASS_PERFORMANCE = {
    "score": ("roc_auc", "one-vs-rest area under the ROC curve"),
    "label": ("f1", "harmonic mean of precision and recall, per class"),
}
PERFORMANCE = {  # metric, bound, why: the starting point for each kind of model output
    "score": ("roc_auc", "min: 0.7", "area under the ROC curve: ranks positives above negatives"),
    "label": ("balanced_accuracy", "min: 0.7", "mean of the per-class recalls"),
    "regression": ("r2", "min: 0.5", "coefficient of determination (1 is perfect)"),
}


@dataclass(frozen=True)
class Starter:
    """What init found out about the model and the data."""

    name: str
    task: str  # binary_classification | multiclass_classification | regression
    label: str
    output: str  # what the model gives: score | label | regression
    score: str | None = None  # a column of the data, when there is no model
    prediction: str | None = None
    positive_label: Any = None  # None: the default (1)
    positive_from_model: bool = False  # positive_label is the model's last class
    threshold: float | None = 0.5  # None: a decision_function model (labels from predict())
    sensitive: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()  # columns that look sensitive (suggested in a comment)
    features: tuple[str, ...] = ()
    features_from_model: bool = True  # the model names its inputs: features stay a comment
    model_columns: bool = False  # data_quality may check the model's inputs (columns: model)
    classes: tuple[str, ...] = ()  # multiclass: the classes (the model's, else the label's)


def scalar(value: Any) -> str:
    """A YAML scalar that reads back as `value`."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if PLAIN.fullmatch(text) and text.lower() not in YAML_WORDS:
        return text
    dumped = yaml.safe_dump(text, default_style='"', width=float("inf"), allow_unicode=True)
    return dumped.strip()


def comment(text: str) -> str:
    """Text for a YAML comment: nothing in it can break the line (escaped as \\xNN)."""
    return term(text)


def flow(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(scalar(v) for v in values) + "]"


def _line(key: str, value: str, comment: str, indent: int = 2) -> str:
    left = (" " * indent + f"{key}: {value}").rstrip()
    return f"{left:<32} # {comment}"


def _data(s: Starter) -> list[str]:
    lines = [_line("data", "", "how columns are bound; command-line flags override", 0)]
    lines.append(_line("task", s.task, "binary_ or multiclass_classification, or regression"))
    lines.append(_line("label", scalar(s.label), "the ground-truth column"))
    if s.score:
        lines.append(_line("score", scalar(s.score), "the model's score, read from the data"))
    if s.prediction:
        lines.append(_line("prediction", scalar(s.prediction), "the model's prediction column"))
    if s.task == "binary_classification":
        why = "the label value that is positive"
        if s.positive_label is not None:
            why = "check: the value counted as positive"
            if s.positive_from_model:
                why += " (the model's last class)"
        positive = 1 if s.positive_label is None else s.positive_label
        lines.append(_line("positive_label", scalar(positive), why))
        if s.output == "score" and s.threshold is None:
            lines.append("  # threshold: not used for this model: it has no predict_proba, so its")
            lines.append("  #   labels come from its own predict() and its decision_function")
            lines.append("  #   scores feed the threshold-free metrics (roc_auc, ...)")
        elif s.output == "score":
            why = "a score >= threshold is predicted positive"
            lines.append(_line("threshold", scalar(s.threshold), why))
    if s.task == MULTICLASS:
        lines.append("  # a decision is the most probable class (the model's predict()); no")
        lines.append("  #   positive_label or threshold. Without a model, bind each class's")
        lines.append("  #   probability column as data.scores: {class: column}")
    if s.sensitive:
        lines.append(_line("sensitive", flow(s.sensitive), "fairness checks compare their groups"))
    elif s.hints:
        lines.append(f"  # sensitive: {flow(s.hints)}   # these look sensitive: bind them to")
        lines.append(
            "  #                                check fairness (model-gate init --sensitive)"
        )
    if s.features and s.features_from_model:
        lines.append(f"  # features: {flow(s.features)}")
        lines.append("  #   (the default: the model's own input names, in its order)")
    elif s.features:
        lines.append(_line("features", flow(s.features), "the model's inputs, in training order"))
    return lines


def _performance(s: Starter) -> list[str]:
    metric, bound, why = PERFORMANCE[s.output]
    averaged = []
    if s.task == MULTICLASS:
        metric, why = MULTICLASS_PERFORMANCE[s.output]
        averaged = [_line("average", "macro", "macro | weighted (| micro for f1): over classes", 4)]
    return [
        _line("  - id", "performance", "a name for the check, unique in the policy", 0),
        _line("type", "performance", "performance | fairness | data_quality | drift | ...", 4),
        _line("metric", metric, why, 4),
        *averaged,
        _line(bound.split(": ")[0], bound.split(": ")[1], "fails below this: set your floor", 4),
        _line("severity", "block", "block | warn | info: what a failure does", 4),
        _line("# confidence", "0.95", "judge the interval's bound, not the point value", 4),
        _line("# baseline", "{max_drop: 0.01}", "no worse than production (--baseline-model)", 4),
    ]


def _fairness(s: Starter) -> list[str]:
    if not s.sensitive:
        return []
    if s.task == MULTICLASS:
        return [line for k, c in enumerate(s.classes[:MAX_FAIRNESS]) for line in _by_class(k, c)]
    if s.task == "regression":
        metric, why = "mae", "mean absolute error of each group"
    else:
        metric, why = "selection_rate", "share of each group predicted positive"
    return [
        "  - id: fairness",
        _line("type", "fairness", "compares a metric between the groups", 4),
        _line("metric", metric, why, 4),
        _line("aggregate", "ratio", "smallest group value / largest (1 is equal)", 4),
        _line("method", "between_groups", "or to_overall, to_reference", 4),
        _line("min", "0.8", "the four-fifths rule", 4),
        _line("min_group_size", "30", "smaller groups are listed and left out", 4),
    ]


def _by_class(k: int, label: str) -> list[str]:
    """A fairness check of one class's selection rate (multiclass)."""
    return [
        f"  - id: fairness-class-{k + 1}",
        _line("type", "fairness", "compares a metric between the groups", 4),
        _line("metric", "selection_rate", "share of each group predicted this class", 4),
        _line("class", scalar(label), "the class (one check per class)", 4),
        _line("aggregate", "ratio", "smallest group value / largest (1 is equal)", 4),
        _line("min", "0.8", "the four-fifths rule", 4),
        _line("min_group_size", "30", "smaller groups are listed and left out", 4),
    ]


def _quality(s: Starter) -> list[str]:
    lines = [
        "  - id: data-quality",
        _line("type", "data_quality", "rules on the evaluation data itself", 4),
        _line("max_missing_share", "0.05", "at most 5 % missing values in a column", 4),
    ]
    if s.model_columns:
        lines.append(_line("columns", "model", "the model's inputs must all be there", 4))
    if s.task != "regression":
        lines.append(_line("min_class_share", "0.01", "each label value is >= 1 % of rows", 4))
    return lines


def policy_text(s: Starter, command: str) -> str:
    """The commented starter policy."""
    head = [
        f"# yaml-language-server: $schema={SCHEMA_FILE}",
        f"# Starter policy written by `model-gate init` (model-gate {__version__}).",
        "# Every bound below is a common starting point, not a requirement: set your own.",
        "# Check the file: model-gate validate <this file>; every metric: model-gate metrics",
        f"# Run it:        {comment(command)}",
        _line("version", "1", "the policy format's version", 0),
        _line("name", scalar(s.name), "names the policy in reports and comments", 0),
    ]
    checks = [
        _line("# extends", "[builtin:eeoc-four-fifths]", "packs: model-gate policies list", 0),
        _line("checks", "", "each is judged on its own; any blocking failure blocks", 0),
        *_performance(s),
        *_fairness(s),
        *_quality(s),
    ]
    return "\n".join([*head, *_data(s), *checks]) + "\n"


def github_workflow(inputs: dict[str, str]) -> str:
    """.github/workflows/model-gate.yml: the Action on every pull request."""
    with_lines = "\n".join(f"          {k}: {scalar(v)}" for k, v in inputs.items())
    return f"""\
# Written by `model-gate init`: gates the model on every pull request, with a sticky comment.
# Replace <owner> with the account that hosts model-gate, and pin the action by the full
# commit SHA of the release you reviewed (uses: <owner>/model-gate@<40-hex sha> # v1.x.y).
# Pull requests from forks get a read-only token: for them, use the two-workflow pattern in
# model-gate's examples/workflows/ (evaluate, then comment from workflow_run).
name: model-gate
on:
  pull_request:
permissions:
  contents: read
  pull-requests: write
jobs:
  gate:
    runs-on: ubuntu-latest
    timeout-minutes: 15
    steps:
      - uses: actions/checkout@v5
      - name: Gate the candidate model
        uses: <owner>/model-gate@v1
        with:
{with_lines}
          format: markdown junit
"""


def gitlab_include(inputs: dict[str, str]) -> str:
    """.gitlab-ci.yml lines that include model-gate's CI/CD component."""
    input_lines = "\n".join(f"      {k}: {scalar(v)}" for k, v in inputs.items())
    return f"""\
# Written by `model-gate init`: gates the model in merge-request pipelines with a sticky note.
# Replace <group> with the GitLab group that hosts model-gate and <version> with the release
# you reviewed (the same in all three places); put a project access token (api scope,
# Reporter role) in the masked CI/CD variable MODEL_GATE_GITLAB_TOKEN.
include:
  - component: $CI_SERVER_FQDN/<group>/model-gate/model-gate@<version>
    inputs:
      source: https://gitlab.com/<group>/model-gate.git
      version: <version>
{input_lines}
"""
