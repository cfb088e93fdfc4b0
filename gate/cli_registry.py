"""The argument parsers of the registry commands, `promote` and `log-to-mlflow`, and check's
--log-to-mlflow, with their examples (gate/cli_parsers.py holds the other sub-commands')."""

from __future__ import annotations

from typing import Any

from gate.cli_parsers import subparser

PROMOTE_EXAMPLES = """\
examples:
  model-gate check --policy policy.yaml --data eval.csv --model models:/credit/7 \\
      --baseline-model models:/credit@champion --output-dir out --log-to-mlflow
  model-gate promote --report out/report.json --alias champion
"""
LOG_EXAMPLES = """\
examples:
  model-gate log-to-mlflow --report out/report.json
"""


def add_promote_parser(sub: Any) -> None:
    p = subparser(
        sub,
        "promote",
        "point a registry alias at the model version a report approved",
        "Set --alias (e.g. champion, challenger) on the MLflow model version that REPORT.json "
        "approved, only if the report approves (not report-only), every part of it names that "
        "version, it is byte-identical to the model-gate/report.json the gating step logged on "
        "the version's own run (check --log-to-mlflow or log-to-mlflow), and the version's "
        "artifacts still have the digest it recorded. Nothing is written on a refusal. Needs "
        "MLFLOW_TRACKING_URI (and model-gate[mlflow]). Exit 0 promoted, 1 refused, 2 bad "
        "report, alias, flag or registry name.",
        PROMOTE_EXAMPLES,
    )
    p.add_argument("--report", required=True, metavar="REPORT.json", help="the check's report")
    p.add_argument("--alias", required=True, metavar="ALIAS", help="e.g. champion or challenger")
    p.add_argument(
        "--policy",
        metavar="P.yaml",
        help="a trusted policy: refuse a report whose checks are not exactly its checks",
    )


def add_mlflow_argument(group: Any) -> None:
    """check's --log-to-mlflow (in the posting group)."""
    group.add_argument(
        "--log-to-mlflow",
        action="store_true",
        help="log the written files, the decision and the check values to the candidate's "
        "MLflow run (--model models:/... or runs:/...; needs --output-dir)",
    )


def add_log_to_mlflow_parser(sub: Any) -> None:
    p = subparser(
        sub,
        "log-to-mlflow",
        "log a written report to its candidate's MLflow run",
        "Log REPORT.json, evidence.json and the files it lists (each checked by sha256), the "
        "decision and the check values to the MLflow run of the report's registry candidate, "
        "from a step that loads no model (check --log-to-mlflow does the same in the check's "
        "own process, and is refused where model code may run there).",
        LOG_EXAMPLES,
    )
    p.add_argument("--report", required=True, metavar="REPORT.json", help="the check's report")
    p.add_argument(
        "--policy",
        metavar="P.yaml",
        help="a trusted policy: refuse a report whose checks are not exactly its checks",
    )
