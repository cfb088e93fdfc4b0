"""What the prediction logs must cover, in either mode (review12e #10): a candidate whose own
failures leave the requests it failed on unlogged, or whose log stops while the live model's
goes on, would otherwise be judged on the rows it chose itself.

- Labelled requests no log holds, predicted while the candidate ran (from its first prediction
  to the logs' last, up to as_of), are a coverage gap: counted, and above GAP_SHARE of the
  labelled requests of that period the candidate's output is unusable (a block). Those
  predicted outside the logs' period are a label export wider than the logs' window (a notice);
  those the times cannot place either way are counted apart, and said so.
  When the label file has a request-time column (named like the logs' timestamp column) it
  places each request; otherwise the label time does, through the label delays the logged
  requests show (label time minus prediction time, 1st and 99th percentile): a label at L was
  surely predicted inside [first, last] when L - the long delay >= first and L - the short
  delay <= last, surely outside when L - the short delay < the logs' first or L - the long
  delay > their last.
- Canary logs: live requests after the candidate's last prediction are counted; more than
  AFTER_SHARE of the live requests since its first, and a run of live requests that long being
  improbable at the candidate's share of the traffic (below STOP_ALPHA), is a log that stopped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gate.inputs.log_shadow import AFTER_SHARE, GAP_SHARE
from gate.inputs.log_unusable import CandidateUnusable
from gate.inputs.prediction_logs import REQUEST_TIME, LogColumns, examples

#: how improbable, under a random split, the live requests after the candidate's last must be
STOP_ALPHA = 1e-6
DELAY_QUANTILES = (0.01, 0.99)  # the short and the long label delay of the logged requests


@dataclass(frozen=True)
class Unlogged:
    """Matured labels of requests no log holds, placed against the logs' period."""

    in_period: int  # predicted while the candidate ran: a coverage gap
    outside: int  # predicted before the logs' first or after their last prediction
    unplaced: int  # the times cannot tell (or before the candidate's first prediction)
    period_labelled: int  # the labelled requests of the candidate's period, logged or not
    ids: tuple[str, ...] = ()  # the gap's request ids


def placed(
    ripe: pd.DataFrame,
    every: pd.DataFrame,
    logs: pd.DataFrame,
    cand: pd.DataFrame,
    cols: LogColumns,
) -> Unlogged:
    """Where the matured labels `ripe` of requests no log holds (`every`: every log row, any
    time) fall against the period of the logs up to as_of (`logs`; the candidate's `cand`)."""
    rid = cols.request_id
    stray = ripe[~ripe[rid].isin(every[rid])]
    first_logged, last = logs[cols.timestamp].min(), logs[cols.timestamp].max()
    first = cand[cols.timestamp].min()
    joined = logs[[rid, cols.timestamp]].drop_duplicates(rid).merge(ripe, on=rid)
    if REQUEST_TIME in ripe.columns:
        inside, outside = _by_request_time(stray, first, first_logged, last)
        in_joined = joined[cols.timestamp].between(first, last)
    else:
        delay = joined["_label_time"] - joined[cols.timestamp]
        if delay.empty:
            return Unlogged(0, 0, len(stray), 0)
        short, long = (delay.quantile(q) for q in DELAY_QUANTILES)
        lo, hi = first + long, last + short
        inside = stray["_label_time"].between(lo, hi)
        outside = (stray["_label_time"] - short < first_logged) | (
            stray["_label_time"] - long > last
        )
        in_joined = joined["_label_time"].between(lo, hi)
    outside &= ~inside
    n_in = int(inside.sum())
    return Unlogged(
        n_in,
        int(outside.sum()),
        len(stray) - n_in - int(outside.sum()),
        int(in_joined.sum()) + n_in,
        tuple(sorted(stray.loc[inside, rid])),
    )


def _by_request_time(
    stray: pd.DataFrame, first: pd.Timestamp, first_logged: pd.Timestamp, last: pd.Timestamp
) -> tuple[pd.Series, pd.Series]:
    times = stray[REQUEST_TIME]
    return times.between(first, last), (times < first_logged) | (times > last)


def require_logged(unlogged: Unlogged, version: str) -> None:
    """CandidateUnusable when more than GAP_SHARE of the labelled requests of the candidate's
    period appear in no log: whatever left them out (a logger on the success path only, a
    fallback that does not log), judging the rows logged would judge rows nobody chose."""
    gap, total = unlogged.in_period, unlogged.period_labelled
    if gap and gap > GAP_SHARE * total:
        raise CandidateUnusable(
            f"{gap} of the {total} labelled request(s) predicted while the candidate ran "
            f"appear in no prediction log ({examples(unlogged.ids)}); more than "
            f"{GAP_SHARE:.0%}. A request answered but not logged (a logger on the success path "
            "only, a fallback without a log line) is most likely one the candidate failed "
            "on, so judging the rows logged would judge it on rows it chose: log every answer "
            "of both models (if the live model's log lost them, that log must be whole before "
            "the candidate can be judged)",
            version,
        )


def require_canary_to_the_end(cand: pd.DataFrame, live: pd.DataFrame, cols: LogColumns) -> int:
    """Canary logs: how many live requests came after the candidate's last prediction (up to
    as_of); CandidateUnusable when they are more than AFTER_SHARE of the live requests since
    its first and so many in a row are improbable at its share of the traffic (STOP_ALPHA):
    its log stopped (a crash, a throttle, a shipper behind) while the live model's went on."""
    times = live[cols.timestamp]
    first, last = cand[cols.timestamp].min(), cand[cols.timestamp].max()
    since = live[times >= first]
    after = since[since[cols.timestamp] > last]
    share = len(cand) / (len(cand) + len(since))
    chance = float(np.exp(len(after) * np.log1p(-share))) if share < 1 else 0.0
    if len(after) > AFTER_SHARE * len(since) and chance < STOP_ALPHA:
        raise CandidateUnusable(
            f"the candidate's log stops before the live model's: {len(after)} of {len(since)} "
            f"live request(s) since the candidate's first prediction came after its last one "
            f"({last.isoformat()}) ({examples(sorted(after[cols.request_id]))}); at the "
            f"candidate's {share:.1%} of the traffic so many in a row are improbable "
            f"(p<{STOP_ALPHA:g}), and more than {AFTER_SHARE:.0%} would judge the candidate "
            "on the period before it stopped. Log every candidate answer, or give an --as-of "
            "no later than the candidate's last prediction",
            str(cand[cols.model_version].iloc[0]),
        )
    return len(after)
