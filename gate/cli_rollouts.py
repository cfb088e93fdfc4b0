"""The argument parsers of the rollout commands, `analyze` and `serve`, with their examples
(gate/cli_parsers.py holds the other sub-commands' and the shared argparse parts)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from gate.cli_parsers import HelpFormatter, add_format_argument

#: cli_run.argtype: (parse, check, flag) -> an argparse type applying a bound
Number = Callable[[type, Callable[..., object], str], Callable[[str], object]]

EXIT_CODES = """\
exit codes: 0 approve, 1 block, 2 usage / input / policy error, 3 internal error,
            4 inconclusive (too few labelled rows overall or in a group, or a blocking
            check inconclusive while none failed). An Argo Rollouts Job metric counts any
            non-zero exit as Failed; for a three-way result read analysis.json's
            "decision" (jsonPath {$.decision}) through a web metric (model-gate serve).
"""

ANALYZE_EXAMPLES = f"""\
examples:
  model-gate analyze --policy canary.yaml --predictions predictions.parquet \\
      --labels labels.csv --candidate-version v2 --label-delay 1d
  model-gate analyze --policy canary.yaml --predictions live.csv canary.csv \\
      --labels labels.csv --candidate-version v2 --label-delay 12h --output-dir analysis

{EXIT_CODES}"""

ANALYZE_HELP = (
    "Join the live and the candidate model's prediction logs with the delayed labels on the "
    "request id, keep the labels at least --label-delay old, and run the policy's checks on "
    "the candidate's labelled rows. The live model is the baseline of `baseline:` checks: "
    "paired on the same requests (shadow logs), or, when the models answered different "
    "requests (a canary), two-sample: its labelled rows of the candidate's period, each "
    "model bootstrapped on its own rows (performance checks). Too few labelled rows is "
    "inconclusive (exit 4)."
)


SERVE_EXAMPLES = """\
examples:
  model-gate serve --bind 127.0.0.1:8080 --policy canary.yaml --root . \\
      --token-file token.txt --label-delay 1d

then, from another shell:
  curl -s -H "Authorization: Bearer $(cat token.txt)" -d '{"predictions":
      ["predictions.parquet"], "labels": "labels.csv", "candidate_version": "v2"}' \\
      http://127.0.0.1:8080/analyze

POST /analyze (JSON body) or GET /analyze?predictions=..&labels=..&candidate_version=..:
  200 with analysis.json, "decision" approve | block | inconclusive (Argo's web metric:
  jsonPath {$.decision}). Flagger webhooks (the fields in "metadata", predictions
  comma-separated): POST /flagger, a confirm-promotion hook: 200 approve, 412 block, 425
  inconclusive; POST /flagger/rollback, a rollback hook: 200 block (roll back), 409 approve,
  425 inconclusive. Fields: predictions, labels (file names under --root),
  candidate_version, as_of, label_delay. 401 without the token, 413 over --max-body, 408
  past --read-timeout, 400 for bad input, 503 past --timeout (the analysis is stopped) or
  while --max-running analyses run. A connection that has not sent its request line and
  headers within --header-timeout is closed. GET /healthz: no token.
"""


def _count(value: int, name: str) -> int:
    """A row count: zero or more."""
    from gate.errors import UsageError

    if value < 0:
        raise UsageError(f"{name} must be 0 or more, not {value}")
    return value


def add_analyze_parser(sub: Any, number: Number) -> None:
    from gate import limits

    p = sub.add_parser(
        "analyze",
        help="judge a canary / shadow rollout from prediction logs and delayed labels "
        "(exit 0 / 1 / 4)",
        description=ANALYZE_HELP,
        epilog=ANALYZE_EXAMPLES,
        formatter_class=HelpFormatter,
    )
    p.add_argument("--policy", required=True, metavar="P.yaml", help="the policy file")
    p.add_argument(
        "--predictions",
        required=True,
        nargs="+",
        metavar="LOGS",
        help="prediction logs (.csv, .parquet) of the live and the candidate model",
    )
    p.add_argument("--labels", required=True, metavar="LABELS", help="the delayed labels")
    p.add_argument(
        "--candidate-version",
        metavar="V",
        help="the candidate's model version (needed when the logs hold several)",
    )
    add_analysis_arguments(p, number)
    p.add_argument(
        "--as-of",
        metavar="TIME",
        help="the analysis time, ISO 8601 (default: now); later predictions and labels are "
        "left out (waivers still expire by today's date)",
    )
    p.add_argument(
        "--output-dir",
        metavar="DIR",
        help="write analysis.json (and report.json): the directory is replaced as a whole; a "
        "run that fails (exit 2 / 3) removes the previous run's files from it",
    )
    p.add_argument(
        "--mode",
        choices=("shadow", "canary"),
        help="how the logs were made: shadow (both models answer every request) or canary "
        "(each request answered by one model); default: the policy's rollout.mode, else "
        "detected from the share of shared request ids (analysis.json says which)",
    )
    add_format_argument(p)
    p.add_argument("--seed", type=number(int, limits.seed, "--seed"), default=0)
    p.add_argument("--resamples", type=number(int, limits.resamples, "--resamples"), default=1000)


def add_analysis_arguments(p: argparse.ArgumentParser, number: Number) -> None:
    """The label delay, the minimum rows and the log columns (analyze and serve; serve has
    no --as-of: each request is analysed at its own time)."""
    p.add_argument(
        "--label-delay",
        metavar="DURATION",
        help="a label counts once it is this old (30d, 12h, 1d12h, 90m; default: the "
        "policy's rollout.label_delay, else 0; serve: the least a request's label_delay may "
        "be, and never below the policy's)",
    )
    p.add_argument(
        "--min-samples",
        type=number(int, _count, "--min-samples"),
        metavar="N",
        help="fewer labelled candidate rows is inconclusive (default: the policy's "
        "rollout.min_samples, else 100)",
    )
    p.add_argument(
        "--min-group-samples",
        type=number(int, _count, "--min-group-samples"),
        metavar="N",
        help="fewer labelled candidate rows in a group of a fairness check is inconclusive "
        "(default: the check's min_group_size; a smaller N does not lower it)",
    )
    cols = p.add_argument_group("log columns (the policy's data: section binds the rest)")
    for flag, default, what in (
        ("id", "request_id", "the request id (logs and labels)"),
        ("timestamp", "timestamp", "the prediction time (logs)"),
        ("version", "model_version", "the model version (logs)"),
        ("label-timestamp", "label_timestamp", "when the label became known (label file)"),
    ):
        cols.add_argument(
            f"--{flag}-column",
            default=default,
            metavar="COLUMN",
            help=f"{what}; default {default}",
        )
    cols.add_argument(
        "--label-column",
        metavar="COLUMN",
        help="the label (label file); default: the policy's data.label, else label",
    )
    cols.add_argument(
        "--score",
        metavar="COLUMN",
        help="the logs' score column (default: the policy's data.score, else score)",
    )
    cols.add_argument(
        "--prediction",
        metavar="COLUMN",
        help="the logs' predicted-label column (default: the policy's data.prediction)",
    )


def _seconds(value: float, name: str) -> float:
    from gate.errors import UsageError

    if not 0 < value <= 86400:
        raise UsageError(f"{name} must be more than 0 and at most 86400 seconds, not {value}")
    return value


def add_serve_parser(sub: Any, number: Number) -> None:
    from gate import limits

    p = sub.add_parser(
        "serve",
        help="serve canary analyses over HTTP (Flagger webhooks, Argo web metrics)",
        description="Answer Flagger webhooks and Argo Rollouts web metrics by running "
        "`model-gate analyze` with --policy on the files a request names under --root. "
        "Every request needs `Authorization: Bearer <token>`.",
        epilog=SERVE_EXAMPLES,
        formatter_class=HelpFormatter,
    )
    p.add_argument(
        "--bind",
        default="127.0.0.1:8080",
        metavar="HOST:PORT",
        help="where to listen (default 127.0.0.1:8080; port 0: a free port, printed)",
    )
    p.add_argument("--policy", required=True, metavar="P.yaml", help="the policy (fixed)")
    p.add_argument(
        "--root",
        required=True,
        metavar="DIR",
        help="requests may only name files below this directory",
    )
    token = p.add_mutually_exclusive_group(required=True)
    token.add_argument("--token-file", metavar="FILE", help="a file holding the shared token")
    token.add_argument(
        "--token-env", metavar="VAR", help="an environment variable holding the token"
    )
    p.add_argument(
        "--max-body",
        type=number(int, limits.batch_rows, "--max-body"),
        default=65_536,
        metavar="BYTES",
        help="larger request bodies are refused with 413 (default 65536)",
    )
    p.add_argument(
        "--timeout",
        type=number(float, _seconds, "--timeout"),
        default=300.0,
        metavar="SECONDS",
        help="an analysis running longer is stopped: 503 (default 300)",
    )
    p.add_argument(
        "--read-timeout",
        type=number(float, _seconds, "--read-timeout"),
        default=10.0,
        metavar="SECONDS",
        help="a request body not all sent within this is refused: 408 (default 10)",
    )
    p.add_argument(
        "--header-timeout",
        type=number(float, _seconds, "--header-timeout"),
        default=5.0,
        metavar="SECONDS",
        help="a connection that has not sent its request line and headers within this is "
        "closed, so a silent connection holds no slot longer (default 5); analyses are "
        "bounded by --max-running, counted on authenticated requests only",
    )
    p.add_argument(
        "--max-running",
        type=number(int, limits.batch_rows, "--max-running"),
        default=1,
        metavar="N",
        help="analyses at once; more requests get 503 (default 1)",
    )
    add_analysis_arguments(p, number)
    p.add_argument("--seed", type=number(int, limits.seed, "--seed"), default=0)
    p.add_argument("--resamples", type=number(int, limits.resamples, "--resamples"), default=1000)
