"""Which label of a request counts at the analysis time, and what the label file says beyond it.

A label counts once it is at least the label delay old at `as_of`
(`label_timestamp <= as_of - delay`). A request labelled twice is a correction: the latest
matured label counts and the earlier ones are counted as replaced. The outcome never depends
on the order of the file's rows:

- the same label twice at the same time is one label (counted as `labels_repeated`);
- different labels at the same time are a contradiction, not a correction: refused (exit 2),
  naming the requests;
- a later label not yet past the delay that differs from the one used is a pending
  correction: counted (`labels_pending_correction`), and the requests are marked, so that an
  analysis resting on them waits (the file already says the label used is wrong).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from gate.errors import InputError
from gate.inputs.prediction_logs import LogColumns, examples

PENDING = "_corrected_later"  # a matured label's column: a differing later label is pending
SHOWN = 5  # request ids named in a message


def matured(
    labels: pd.DataFrame,
    cols: LogColumns,
    as_of: pd.Timestamp,
    delay: dt.timedelta,
    labels_path: str = "the label file",
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The labels at least `delay` old at `as_of`, the latest per request id (with PENDING),
    and the counts; InputError for a request given different labels at the same time."""
    rid = cols.request_id
    once = labels.drop_duplicates([rid, "_label_time", "_label"])
    _refuse_contradictions(once, rid, labels_path)
    ripe_rows = once["_label_time"] <= as_of - delay
    ripe, waiting = once[ripe_rows], once[~ripe_rows]
    latest = ripe.sort_values("_label_time", kind="stable").drop_duplicates(rid, keep="last")
    corrected = _pending_corrections(latest, waiting, rid)
    latest = latest.assign(**{PENDING: latest[rid].isin(corrected)})
    counts = {
        "labels": len(labels),
        "labels_repeated": len(labels) - len(once),
        "labels_matured": len(latest),
        "labels_not_yet_matured": labels[rid].nunique() - len(latest),
        "labels_replaced_by_later": len(ripe) - len(latest),
        "labels_pending_correction": len(corrected),
    }
    return latest, counts


def _refuse_contradictions(labels: pd.DataFrame, rid: str, labels_path: str) -> None:
    """InputError naming (up to SHOWN of) the requests given different labels at one time."""
    tied = labels.duplicated([rid, "_label_time"], keep=False)
    if not tied.any():
        return
    ids = sorted(labels.loc[tied, rid].unique())
    shown = ", ".join(repr(i) for i in ids[:SHOWN])
    more = f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else ""
    raise InputError(
        f"{labels_path}: {len(ids)} request(s) have different labels with the same label "
        f"timestamp ({shown}{more}); two outcomes at one instant contradict each other, and "
        "which one counts would depend on the order of the rows: keep one label per request "
        "and time, or give the correction its own, later timestamp"
    )


def _pending_corrections(latest: pd.DataFrame, waiting: pd.DataFrame, rid: str) -> list[str]:
    """The request ids whose matured label a later, not yet matured label contradicts."""
    later = waiting.merge(latest[[rid, "_label"]], on=rid, suffixes=("", "_used"))
    differs = later["_label"] != later["_label_used"]
    return sorted(later.loc[differs, rid].unique())


def pending_reason(count: int, ids: tuple[str, ...]) -> str:
    """Why an analysis on labels with pending corrections is inconclusive."""
    return (
        f"{count} labelled candidate row(s) have a later label, not yet past the label delay, "
        f"that contradicts the label used ({examples(list(ids))}); the label file already "
        "says those labels are wrong, so the decision waits until the corrections mature"
    )
