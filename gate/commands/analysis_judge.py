"""The policy's checks on the joined rows of a rollout analysis, as analyze runs them (through
the API; the live model's outputs beside the candidate's on shadow logs; the compared checks
rebuilt on two samples on canary logs), and again with pending label corrections applied, to
tell a failure they could undo from one they cannot (review12d #12)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from gate.api import Result, run_options
from gate.commands.analysis_decision import failed
from gate.commands.analysis_groups import Outputs
from gate.commands.analysis_limits import Shortfalls
from gate.commands.analysis_two_sample import rebuilt
from gate.errors import InputError
from gate.inputs.log_join import Joined
from gate.inputs.log_shadow import BASELINE_PREFIX
from gate.inputs.prediction_logs import LogColumns
from gate.policy.model import Policy

if TYPE_CHECKING:
    from gate.commands.analysis import AnalyzeRequest


@dataclass(frozen=True)
class Judge:
    """The policy's checks on a Joined's rows, as the analysis runs them."""

    policy: Policy
    req: AnalyzeRequest
    cols: LogColumns
    bound: Outputs
    compared: bool
    today: dt.date

    def __call__(self, joined: Joined) -> Result:
        req, bound = self.req, self.bound
        paired = joined.shadow and self.compared
        try:
            result = _evaluate(
                self.policy,
                joined,
                req,
                self.cols,
                bound.score,
                bound.prediction,
                paired,
                self.today,
            )
        except InputError as exc:
            raise InputError(_provenance(str(exc), req)) from None
        if joined.two_sample:
            rows = (joined.candidate, joined.live)
            result = rebuilt(result, self.policy, rows, bound, req.resamples, req.seed, self.today)
        return result


def confirm_despite_corrections(
    judge: Judge, joined: Joined, result: Result, short: Shortfalls
) -> None:
    """A blocking failure with labels a pending correction contradicts: judged again with
    those labels corrected (binary labels: the other class); when a check that failed still
    fails, the corrections cannot undo the block and only hold back (short.pending stays);
    otherwise they make the analysis wait (moved to short.overall, review12d #12)."""
    corrected = _corrected(joined, judge.bound.label)
    if corrected is not None and set(failed(result)) & set(failed(judge(corrected))):
        return
    short.overall += short.pending
    short.pending.clear()


def _corrected(joined: Joined, label: str) -> Joined | None:
    """`joined` with the pending rows' binary labels swapped, or None (not two classes)."""
    frame = joined.candidate
    classes = frame[label].dropna().unique()
    if len(classes) != 2 or not joined.pending_rows:
        return None
    at = frame.columns.get_loc(label)
    values = frame[label].to_numpy(copy=True)
    rows = list(joined.pending_rows)
    values[rows] = np.where(values[rows] == classes[0], classes[1], classes[0])
    swapped = frame.copy()
    swapped.iloc[:, at] = values
    return dataclasses.replace(joined, candidate=swapped)


def _provenance(message: str, req: AnalyzeRequest) -> str:
    """An evaluation message about the joined rows, naming the files they came from."""
    joined = f"the candidate's rows of {', '.join(req.predictions)} joined with {req.labels}"
    for label in ("data file <pandas.DataFrame>", "data <pandas.DataFrame>"):
        message = message.replace(label, joined)
    return message


def _evaluate(
    policy: Policy,
    joined: Joined,
    req: AnalyzeRequest,
    cols: LogColumns,
    score: str | None,
    prediction: str | None,
    with_baseline: bool,
    today: dt.date,
) -> Result:
    from gate.runner import run

    options = run_options(
        req.policy,
        joined.candidate,
        label=cols.label,
        score=score,
        prediction=prediction,
        seed=req.seed,
        resamples=req.resamples,
        today=today,  # waivers expire by the clock, not --as-of
    )
    if with_baseline:
        extra = {
            "baseline_score": BASELINE_PREFIX + score if score else None,
            "baseline_prediction": BASELINE_PREFIX + prediction if prediction else None,
        }
        overrides = {**options.overrides, **{k: v for k, v in extra.items() if v}}
        options = dataclasses.replace(options, overrides=overrides)
    return Result(run(options))
