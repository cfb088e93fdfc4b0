"""The logs joined with their labels: the candidate's rows and the live models', each with the
latest label that has matured by `as_of`, and (shadow logs) the live model's outputs beside
the candidate's on the same requests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gate.errors import InputError, UsageError
from gate.inputs.label_maturity import PENDING, matured
from gate.inputs.prediction_logs import LogColumns, examples
from gate.policy.suggest import did_you_mean

BASELINE_PREFIX = "live__"  # the live model's score / prediction beside the candidate's


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


def candidate_of(logs: pd.DataFrame, cols: LogColumns, given: str | None) -> str:
    """The candidate's model version: `given` (which the logs must hold), or the only one."""
    versions = sorted(logs[cols.model_version].unique())
    if given is not None:
        if given not in versions:
            raise InputError(
                f"the prediction logs hold no rows of model version '{given}' in column "
                f"'{cols.model_version}' (versions: {', '.join(versions)})"
                + did_you_mean(given, versions)
            )
        return given
    if len(versions) > 1:
        raise UsageError(
            f"the prediction logs hold {len(versions)} model versions ({', '.join(versions)}): "
            "name the candidate with --candidate-version"
        )
    return versions[0]


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
    requests no log holds are counted (an export wider than the logs' window), and refused
    (InputError) when no label names a logged request (a wrong id column or format).
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
    counts["labels_without_prediction"] = len(unknown)  # a label export wider than the logs
    logs = logs[~late]
    is_candidate = logs[cols.model_version] == version
    cand, live = logs[is_candidate], logs[~is_candidate]
    counts["candidate_predictions"] = len(cand)
    counts["live_predictions"] = len(live)
    meta = [cols.timestamp, cols.model_version]

    ripe = ripe.rename(columns={"_label": cols.label})  # no log column has that name

    def joined(rows: pd.DataFrame) -> pd.DataFrame:
        return rows.merge(ripe, on=cols.request_id, how="inner")

    cand_rows, live_rows = joined(cand), joined(live)
    counts["labels_before_prediction"] = _before(cand_rows, cols, labels_path)
    cand_rows, live_rows = (r.drop(columns=[*meta, "_label_time"]) for r in (cand_rows, live_rows))
    mode = _mode(cand, live, cols, declared_mode)
    shadow = mode == "shadow"
    n, k = shared_requests(cand, live, cols)
    counts["candidate_requests"], counts["candidate_requests_shared_with_live"] = n, k
    counts["candidate_without_live"] = 0
    counts["live_after_candidate"] = 0
    if shadow:
        cand_rows = _shadow_gaps(cand_rows, live, cols, counts, with_baseline)
        live_labelled = live[live[cols.request_id].isin(ripe[cols.request_id])]
        _require_candidate_on_every_request(cand, live_labelled, cols)
        counts["live_after_candidate"] = _require_candidate_to_the_end(cand, live, cols)
    if with_baseline and shadow:
        cand_rows = _beside_live(cand_rows, live, cols)
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


#: the share of the candidate's requests the live model answered too at which undeclared logs
#: are taken for shadow logs (at least) or canary logs (at most); in between is refused
SHADOW_SHARE, CANARY_SHARE = 0.9, 0.1
#: labelled candidate requests with no live answer tolerated in shadow logs with a `baseline:`
#: check (lines the live log lost), as a share of them; they are left out of the comparison
GAP_SHARE = 0.01
MODES = ("shadow", "canary")


def _mode(cand: pd.DataFrame, live: pd.DataFrame, cols: LogColumns, declared: str | None) -> str:
    """ "shadow" or "canary": the declared mode (rollout.mode / --mode), which the logs must not
    contradict (most candidate requests shared with the live log, or most not), or, undeclared,
    the one the share of shared requests shows clearly; InputError naming the counts otherwise.
    A few lines more or less never switch the mode (and with it the coverage rules)."""
    n, k = shared_requests(cand, live, cols)
    share = k / n if n else 0.0
    counted = f"{k} of the candidate's {n} request(s) were answered by the live model too"
    if declared == "canary" and share > 0.5:
        raise InputError(
            f"the rollout mode is canary (each request answered by one model), but {counted} "
            f"({share:.1%}): shadow logs? Check the logs given, or the mode (rollout.mode / "
            "--mode)"
        )
    if declared == "shadow" and share <= 0.5:
        raise InputError(
            f"the rollout mode is shadow (both models answer every request), but only "
            f"{counted} ({share:.1%}): canary logs, or the live model's log missing? Check the "
            "logs given, or the mode (rollout.mode / --mode)"
        )
    if declared is not None:
        return declared
    if share >= SHADOW_SHARE:
        return "shadow"
    if share <= CANARY_SHARE:
        return "canary"
    raise InputError(
        f"the live model answered only some of the candidate's requests: {counted} "
        f"({share:.1%}), neither shadow logs (at least {SHADOW_SHARE:.0%} shared) nor canary "
        f"logs (at most {CANARY_SHARE:.0%}); log every answer of both models, or state how "
        "the logs were made with rollout.mode (or --mode): shadow or canary"
    )


def shared_requests(cand: pd.DataFrame, live: pd.DataFrame, cols: LogColumns) -> tuple[int, int]:
    """The candidate's distinct request ids, and how many of them the live log holds too."""
    ids = cand[cols.request_id].drop_duplicates()
    return len(ids), int(ids.isin(live[cols.request_id]).sum())


def _shadow_gaps(
    labelled: pd.DataFrame,
    live: pd.DataFrame,
    cols: LogColumns,
    counts: dict[str, int],
    with_baseline: bool,
) -> pd.DataFrame:
    """Shadow logs: the labelled candidate rows the live log has no answer for are counted; a
    `baseline:` check compares both models on the same requests, so they are left out of it
    up to GAP_SHARE (lines the live log lost) and refused above (the comparison would judge
    the candidate on a subset nobody chose)."""
    lacking = ~labelled[cols.request_id].isin(live[cols.request_id])
    counts["candidate_without_live"] = int(lacking.sum())
    if not with_baseline or not lacking.any():
        return labelled
    if lacking.sum() > GAP_SHARE * len(labelled):
        ids = sorted(labelled.loc[lacking, cols.request_id])
        raise InputError(
            f"the live model answered only some of the candidate's requests: "
            f"{int(lacking.sum())} of {len(labelled)} labelled candidate row(s) have no live "
            f"prediction with the same request id ({examples(ids)}); more than "
            f"{GAP_SHARE:.0%}. A `baseline:` check compares both models on the same requests, "
            "so shadow logs must hold the live model's answer to every labelled candidate "
            "request: log the live model's outputs for every candidate request"
        )
    return labelled[~lacking]


def _require_candidate_on_every_request(
    cand: pd.DataFrame, live_labelled: pd.DataFrame, cols: LogColumns
) -> None:
    """Shadow logs: the candidate answered every labelled request the live model answered
    while the candidate ran (between its first and last prediction); InputError otherwise. A
    candidate whose log lacks some requests would be judged on rows nobody chose."""
    times = live_labelled[cols.timestamp]
    first, last = cand[cols.timestamp].min(), cand[cols.timestamp].max()
    during = live_labelled[(times >= first) & (times <= last)]
    missing = during[~during[cols.request_id].isin(cand[cols.request_id])]
    if not missing.empty:
        raise InputError(
            f"the candidate answered only some of the live model's requests: {len(missing)} "
            f"of {len(during)} labelled live request(s) between the candidate's first and last "
            "prediction have no candidate prediction "
            f"({examples(sorted(missing[cols.request_id]))}). In shadow logs both models "
            "answer every request; judging the candidate on the "
            "requests it logged would judge it on rows nobody chose: log every candidate answer"
        )


#: live requests after the candidate's last prediction tolerated in shadow logs, as a share of
#: the live requests since its first one (requests in flight when the logs were cut)
AFTER_SHARE = 0.01


def _require_candidate_to_the_end(cand: pd.DataFrame, live: pd.DataFrame, cols: LogColumns) -> int:
    """Shadow logs: how many live requests came after the candidate's last prediction (up to
    as_of, the rows given) with no candidate answer; InputError above AFTER_SHARE of the live
    requests since its first prediction. A candidate log that stops early (a crash, a
    throttle, a shipper behind) would otherwise be judged on the period before it broke."""
    times = live[cols.timestamp]
    first, last = cand[cols.timestamp].min(), cand[cols.timestamp].max()
    since = live[times >= first]
    unanswered = ~since[cols.request_id].isin(cand[cols.request_id])
    after = since[(since[cols.timestamp] > last) & unanswered]
    if len(after) > AFTER_SHARE * len(since):
        raise InputError(
            f"the candidate's log stops before the live model's: {len(after)} of {len(since)} "
            f"live request(s) since the candidate's first prediction came after its last one "
            f"({last.isoformat()}) and have no candidate prediction "
            f"({examples(sorted(after[cols.request_id]))}); more than {AFTER_SHARE:.0%} "
            "would judge the candidate on the period before it stopped. Log every candidate "
            "answer, or give an --as-of no later than the candidate's last prediction"
        )
    return len(after)


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
    _one_live_version(
        answered, cols, "while the candidate ran, {n} live versions answered labelled requests"
    )
    counts["live_in_candidate_period"] = len(rows)
    counts["live_labels_pending_correction"] = int(rows[PENDING].sum())
    return rows


def _one_live_version(answered: pd.DataFrame, cols: LogColumns, what: str) -> None:
    """InputError when the live rows a `baseline:` check compares with come from more than one
    model version (`what`: how they were chosen, with {n} for their number)."""
    versions = sorted(answered[cols.model_version].astype(str).unique())
    if len(versions) > 1:
        raise InputError(
            f"model version column '{cols.model_version}': {what.format(n=len(versions))} "
            f"({', '.join(versions)}); a `baseline:` check compares the candidate with one live "
            "model: keep one live version's rows"
        )


def _beside_live(labelled: pd.DataFrame, live: pd.DataFrame, cols: LogColumns) -> pd.DataFrame:
    """The candidate's labelled rows with the live model's outputs on the same request
    (shadow: every one has them, see _shadow), all from one live model version."""
    answered = live[live[cols.request_id].isin(labelled[cols.request_id])]
    _one_live_version(answered, cols, "the candidate's requests were answered by {n} live versions")
    twice = live[cols.request_id].duplicated(keep=False)
    if twice.any():
        ids = sorted(set(live.loc[twice, cols.request_id]))
        raise InputError(
            f"request id column '{cols.request_id}': {examples(ids)} answered by more than "
            "one live model version; analyze one live version against the candidate"
        )
    outputs = live[[cols.request_id, *cols.outputs]].rename(
        columns={c: BASELINE_PREFIX + c for c in cols.outputs}
    )
    return labelled.merge(outputs, on=cols.request_id, how="left", validate="one_to_one")
