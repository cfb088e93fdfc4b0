"""The Python API: `evaluate()` runs the same evaluation as `model-gate check`, on paths or on
in-memory objects, and returns a `Result`.

    from gate import evaluate
    result = evaluate("policy.yaml", frame, model=fitted_estimator)
    result.decision          # "approve" | "block" ("report" for a report-only policy)

In memory: `policy` may be a dict (validated like a file; its sha256 is that of its canonical
JSON), `data` and `reference` a pandas DataFrame or a pyarrow Table (streamed in batches of
`batch_rows`, never written to disk), `model` and `baseline` a fitted scikit-learn-style
estimator (trusted: it already runs in your process). Every user error raises a
gate.errors.GateError subclass — PolicyError, InputError or UsageError — whose message names
the key, column or argument at fault; the command line maps the same errors to exit code 2.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import reprlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from gate.api_arguments import Names, check_arguments, names, path_like
from gate.errors import ArgumentError
from gate.inputs.models import LoadPolicy
from gate.limits import DEFAULT_BATCH_ROWS
from gate.options import RunOptions
from gate.results import CheckResult, Evaluation


class Result:
    """One evaluation's outcome, as report.json and the report formats show it."""

    def __init__(self, evaluation: Evaluation) -> None:
        self.evaluation = evaluation

    @property
    def decision(self) -> str:
        """ "approve" or "block" ("report" for a report-only policy)."""
        return self.evaluation.decision.verdict.value

    @property
    def exit_code(self) -> int:
        """What `model-gate check` exits with: 0 approved (or report-only), 1 blocked."""
        return self.evaluation.decision.exit_code

    @property
    def checks(self) -> tuple[CheckResult, ...]:
        """Every check's result, in the policy's order."""
        return self.evaluation.decision.results

    def check(self, check_id: str) -> CheckResult:
        """The result of the check `check_id`; KeyError listing the ids otherwise."""
        for result in self.checks:
            if result.id == check_id:
                return result
        known = ", ".join(r.id for r in self.checks)
        raise KeyError(f"no check '{check_id}' (checks: {known})")

    def to_json(self) -> dict[str, Any]:
        """report.json as a dict: exactly what `model-gate check --output-dir` writes."""
        from gate.report import json_report

        return json.loads(json_report.render(self.evaluation))

    def to_markdown(self) -> str:
        """The pull-request report (report.md)."""
        from gate.report import markdown

        return markdown.render(self.evaluation)

    def to_text(self) -> str:
        """The terminal report, without colour."""
        from gate.report import text

        return text.render(self.evaluation, color=False)

    def write(
        self,
        output_dir: str | Path,
        formats: Iterable[str] | str = ("markdown",),
        labels: dict[str, str] | None = None,
    ) -> list[Path]:
        """Write report.json, evidence.json and each of `formats` into `output_dir`, replacing
        it as a whole (all or nothing, as --output-dir); the paths written. `formats` is a list
        of format names or one comma-separated string, as --format takes; [] writes report.json
        and evidence.json only. UsageError for anything else (None included). `labels`: added
        to every series of metrics.prom (the monitored thing's, as --push-label gives them)."""
        from gate.report.output_dir import format_names, write_reports

        if not path_like(output_dir):
            shown = reprlib.repr(output_dir)
            kind = type(output_dir).__name__
            raise ArgumentError("output_dir", f" must be a directory's path, not {kind} {shown}")
        names = format_names(formats, "formats")
        if labels:  # the rules of --push-label: a Prometheus name, none model-gate sets itself
            from gate.ci.pushgateway import labels as checked

            labels = checked([f"{k}={v}" for k, v in labels.items()])
        return write_reports(self.evaluation, str(output_dir), names, labels)

    def _repr_markdown_(self) -> str:  # Jupyter shows the pull-request report
        return self.to_markdown()

    def __repr__(self) -> str:
        counts = {k: v for k, v in self.evaluation.decision.counts().items() if v}
        shown = ", ".join(f"{n} {status}" for status, n in counts.items())
        return f"<Result {self.decision}: {shown}>"


def evaluate(
    policy: str | Path | Mapping[str, Any],
    data: Any,
    *,
    model: Any = None,
    baseline: Any = None,
    reference: Any = None,
    model_card: str | Path | None = None,
    base_policy: str | Path | None = None,
    label: str | None = None,
    score: str | None = None,
    prediction: str | None = None,
    weight: str | None = None,
    threshold: float | None = None,
    positive_label: str | int | bool | None = None,
    sensitive: Names = None,
    features: Names = None,
    seed: int = 0,
    resamples: int = 1000,
    engine: str = "local",
    scheduler: str | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    today: dt.date | str | None = None,
    fail_on_warn: bool = False,
    no_waivers: bool = False,
    progress: bool = False,
    allow_pickle: bool = False,
    model_sha256: str | None = None,
    baseline_sha256: str | None = None,
    trust_types: Sequence[str] = (),
) -> Result:
    """Evaluate `policy` on `data` and decide; see the module's docstring for the inputs.

    `label` ... `features` override the policy's `data:` section (as --label ... --features);
    `sensitive` and `features` take a list of column names (or one comma-separated string).
    `allow_pickle`, `model_sha256`, `baseline_sha256` and `trust_types` apply to model files
    only. `progress` shows the pass over the data on stderr. Raises GateError subclasses."""
    settings = dict(locals())
    from gate.runner import run

    return Result(run(run_options(**settings)))


def run_options(policy: Any, data: Any, **settings: Any) -> RunOptions:
    """RunOptions from evaluate()'s arguments (those not given take evaluate()'s defaults);
    UsageError naming an argument of the wrong kind."""
    bound = inspect.signature(evaluate).bind(policy, data, **settings)
    bound.apply_defaults()
    s = bound.arguments
    check_arguments(s)
    overrides = {
        **{k: s[k] for k in ("label", "score", "prediction", "weight")},
        "threshold": None if s["threshold"] is None else float(s["threshold"]),
        "positive_label": _scalar(s["positive_label"]),
        "sensitive": names(s["sensitive"], "sensitive"),
        "features": names(s["features"], "features"),
    }
    trusted = tuple(s["trust_types"])
    return RunOptions(
        policy=policy,
        data=data,
        model=s["model"],
        baseline_model=s["baseline"],
        reference=s["reference"],
        model_card=_path(s["model_card"]),
        base_policy=_path(s["base_policy"]),
        overrides={k: v for k, v in overrides.items() if v is not None},
        model_rules=LoadPolicy(s["allow_pickle"], s["model_sha256"], trusted),
        baseline_rules=LoadPolicy(s["allow_pickle"], s["baseline_sha256"], trusted),
        fail_on_warn=s["fail_on_warn"],
        seed=s["seed"],
        resamples=s["resamples"],
        today=_date(s["today"]),
        no_waivers=s["no_waivers"],
        batch_rows=s["batch_rows"],
        progress=_tracker() if s["progress"] else None,
        engine=s["engine"],
        scheduler=s["scheduler"],
    )


def _scalar(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (the label is compared with the data)."""
    return value.item() if type(value).__module__ == "numpy" else value


def _path(value: str | Path | None) -> str | None:
    return None if value is None else str(value)


def _date(value: dt.date | str | None) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    try:
        return dt.date.fromisoformat(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ArgumentError("today", f" must be a date or YYYY-MM-DD, not {value!r}") from None


def _tracker() -> Any:
    from gate.backends import progress

    return progress.track
