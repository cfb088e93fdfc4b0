"""The logs joined with their labels: the candidate's rows and the live models', each with the
latest label that has matured by `as_of`, and (shadow logs) the live model's outputs beside
the candidate's on the same requests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gate.errors import InputError
from gate.inputs.label_maturity import PENDING, matured
from gate.inputs.log_coverage import placed, require_canary_to_the_end, require_logged
from gate.inputs.log_mode import log_mode, shared_requests
from gate.inputs.log_shadow import (
    beside_live,
    one_live_version,
    require_candidate_on_every_request,
    require_candidate_to_the_end,
    shadow_gaps,
)
from gate.inputs.prediction_logs import REQUEST_TIME, LogColumns, candidate_of, examples


@dataclass(frozen=True)
class Joined:
    """The candidate's labelled rows (and the live model's), and what was counted on the way."""

    candidate: pd.DataFrame
    live: pd.DataFrame
    candidate_version: str
    live_versions: tuple[str, ...]
    shadow: bool  # both models answered the same requests
    predicted: pd.DataFrame  # every prediction up to as_of, labelled or not (its groups)
    counts: dict[str, int] = field(default_factory=dict)
    #: the candidate's labelled requests whose label a later, not yet matured one contradicts
    corrected_later: tuple[str, ...] = ()
    #: canary logs with a `baseline:` check: `live` holds the one live version's labelled rows
    #: of the candidate's period, compared with the candidate's as a second sample
    two_sample: bool = False
    #: positions in `candidate` of the rows whose label a pending correction contradicts
    pending_rows: tuple[int, ...] = ()


def join(
    logs: pd.DataFrame,
    labels: pd.DataFrame,
    cols: LogColumns,
    *,
    labels_path: str,
    candidate: str | None,
    as_of: pd.Timestamp,
    delay: dt.timedelta,
    with_baseline: bool,
    declared_mode: str | None = None,
) -> Joined:
    """The candidate's (and the live models') rows with their matured labels; labels of
    requests no log holds are counted, placed in or outside the logs' period, the candidate's
    unusable above a share of its period (gate/inputs/log_coverage.py), and refused
    (InputError) when no label names a logged request (a wrong id column or format). A
    candidate log that stops while the live one goes on is unusable in either mode.
    `with_baseline`: in shadow mode (the live model answered
    the candidate's requests too) the live model's outputs stand beside the candidate's, as
    BASELINE_PREFIX + column, on the requests both answered."""
    ids = labels[cols.request_id]
    unknown = sorted(ids[~ids.isin(logs[cols.request_id])].unique())
    if unknown and len(unknown) == ids.nunique():
        raise InputError(
            f"{labels_path}: request id column '{cols.request_id}' names {len(unknown)} "
            f"request(s), none of which a prediction log holds ({examples(unknown)}): a "
            "different id column or id format than the logs' (ids are compared as the text "
            "written)"
        )
    if cols.label in logs.columns:
        raise InputError(
            f"the prediction logs have a column '{cols.label}' too, the label file's label "
            "column: name the label column apart (--label-column)"
        )
    version = candidate_of(logs, cols, candidate)
    late = logs[cols.timestamp] > as_of
    ripe, counts = matured(labels, cols, as_of, delay, labels_path)
    counts["predictions_after_as_of"] = int(late.sum())
    counts["labels_without_prediction"] = len(unknown)
    every, logs = logs, logs[~late]
    is_candidate = logs[cols.model_version] == version
    cand, live = logs[is_candidate], logs[~is_candidate]
    counts["candidate_predictions"] = len(cand)
    counts["live_predictions"] = len(live)
    meta = [cols.timestamp, cols.model_version]
    unlogged = placed(ripe, every, logs, cand, cols) if not cand.empty else None
    if unlogged is not None:  # requests in no log, predicted while the candidate ran: a gap
        counts["labels_without_prediction_in_period"] = unlogged.in_period
        counts["labels_without_prediction_outside_period"] = unlogged.outside
    ripe = ripe.drop(columns=[REQUEST_TIME], errors="ignore")
    ripe = ripe.rename(columns={"_label": cols.label})  # no log column has that name

    def joined(rows: pd.DataFrame) -> pd.DataFrame:
        return rows.merge(ripe, on=cols.request_id, how="inner")

    cand_rows, live_rows = joined(cand), joined(live)
    counts["labels_before_prediction"] = _before(cand_rows, cols, labels_path)
    cand_rows, live_rows = (r.drop(columns=[*meta, "_label_time"]) for r in (cand_rows, live_rows))
    mode = log_mode(cand, live, cols, declared_mode)
    if unlogged is not None:
        require_logged(unlogged, version)
    shadow = mode == "shadow"
    n, k = shared_requests(cand, live, cols)
    counts["candidate_requests"], counts["candidate_requests_shared_with_live"] = n, k
    counts["candidate_without_live"] = 0
    counts["live_after_candidate"] = 0
    if shadow:
        cand_rows = shadow_gaps(cand_rows, live, cols, counts, with_baseline)
        live_labelled = live[live[cols.request_id].isin(ripe[cols.request_id])]
        require_candidate_on_every_request(cand, live_labelled, cols)
        counts["live_after_candidate"] = require_candidate_to_the_end(cand, live, cols)
    elif not cand.empty:
        counts["live_after_candidate"] = require_canary_to_the_end(cand, live, cols)
    if with_baseline and shadow:
        cand_rows = beside_live(cand_rows, live, cols)
    counts["live_labelled"] = len(live_rows)
    two_sample = with_baseline and not shadow and not live.empty
    if two_sample:
        live_rows = _live_in_window(live_rows, cand, live, cols, counts)
        # a request both models answered (a retry) counts once, in the candidate's sample
        twice = live_rows[cols.request_id].isin(cand[cols.request_id])
        counts["live_shared_left_out"] = int(twice.sum())
        live_rows = live_rows[~twice]
    corrected = tuple(sorted(cand_rows.loc[cand_rows[PENDING], cols.request_id]))
    pending_rows = tuple(int(i) for i in np.flatnonzero(cand_rows[PENDING].to_numpy(dtype=bool)))
    counts["candidate_labels_pending_correction"] = len(corrected)
    cand_rows, live_rows = (r.drop(columns=PENDING) for r in (cand_rows, live_rows))
    counts["candidate_labelled"] = len(cand_rows)
    return Joined(
        cand_rows.drop(columns=cols.request_id),
        live_rows.drop(columns=cols.request_id),
        version,
        tuple(sorted(live[cols.model_version].unique())),
        shadow,
        logs,
        counts,
        corrected,
        two_sample,
        pending_rows,
    )


#: labels older than their prediction (clock skew) tolerated, as a share of the labelled rows
BEFORE_SHARE = 0.01


def _before(rows: pd.DataFrame, cols: LogColumns, labels_path: str) -> int:
    """How many of the candidate's labels are timestamped before their prediction; InputError
    above BEFORE_SHARE of its labelled rows (an outcome known before the model answered is a
    leak or a broken clock, and the delay rule would count it too early)."""
    early = rows["_label_time"] < rows[cols.timestamp]
    if early.sum() > BEFORE_SHARE * len(rows):
        ids = sorted(rows.loc[early, cols.request_id])
        raise InputError(
            f"{labels_path}: {int(early.sum())} of {len(rows)} labelled candidate request(s) "
            f"have a label timestamp before their prediction's ({examples(ids)}); more than "
            f"{BEFORE_SHARE:.0%} is a leak or a clock error: fix the timestamps"
        )
    return int(early.sum())


def _live_in_window(
    labelled: pd.DataFrame,
    cand: pd.DataFrame,
    live: pd.DataFrame,
    cols: LogColumns,
    counts: dict[str, int],
) -> pd.DataFrame:
    """Canary logs compared with the live model: its labelled rows predicted while the
    candidate ran (between its first and last prediction: the same period, so the same
    traffic), all of one live version; InputError naming the versions otherwise."""
    times = live[cols.timestamp]
    first, last = cand[cols.timestamp].min(), cand[cols.timestamp].max()
    during = live[(times >= first) & (times <= last)]
    rows = labelled[labelled[cols.request_id].isin(during[cols.request_id])]
    answered = during[during[cols.request_id].isin(rows[cols.request_id])]
    one_live_version(
        answered, cols, "while the candidate ran, {n} live versions answered labelled requests"
    )
    counts["live_in_candidate_period"] = len(rows)
    counts["live_labels_pending_correction"] = int(rows[PENDING].sum())
    return rows
