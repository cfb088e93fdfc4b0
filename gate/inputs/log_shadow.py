"""What shadow logs must hold for the candidate to be judged on the rows nobody chose: the
live model's answer beside every labelled candidate request (a `baseline:` check compares
both), the candidate's answer to every live request while it ran and until the logs end, and
one live model version."""

from __future__ import annotations

import pandas as pd

from gate.errors import InputError
from gate.inputs.log_unusable import CandidateUnusable
from gate.inputs.prediction_logs import LogColumns, examples

BASELINE_PREFIX = "live__"  # the live model's score / prediction beside the candidate's

#: labelled candidate requests with no live answer tolerated in shadow logs with a `baseline:`
#: check (lines the live log lost), as a share of them; they are left out of the comparison
GAP_SHARE = 0.01


def shadow_gaps(
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


def require_candidate_on_every_request(
    cand: pd.DataFrame, live_labelled: pd.DataFrame, cols: LogColumns
) -> None:
    """Shadow logs: the candidate answered every labelled request the live model answered
    while the candidate ran (between its first and last prediction); CandidateUnusable (a
    decision: the candidate answered only part, not an input error) otherwise. A
    candidate whose log lacks some requests would be judged on rows nobody chose."""
    times = live_labelled[cols.timestamp]
    first, last = cand[cols.timestamp].min(), cand[cols.timestamp].max()
    during = live_labelled[(times >= first) & (times <= last)]
    missing = during[~during[cols.request_id].isin(cand[cols.request_id])]
    if not missing.empty:
        raise CandidateUnusable(
            f"the candidate answered only some of the live model's requests: {len(missing)} "
            f"of {len(during)} labelled live request(s) between the candidate's first and last "
            "prediction have no candidate prediction "
            f"({examples(sorted(missing[cols.request_id]))}). In shadow logs both models "
            "answer every request; judging the candidate on the "
            "requests it logged would judge it on rows nobody chose: log every candidate answer",
            _version(cand, cols),
        )


#: live requests after the candidate's last prediction tolerated in shadow logs, as a share of
#: the live requests since its first one (requests in flight when the logs were cut)
AFTER_SHARE = 0.01


def require_candidate_to_the_end(cand: pd.DataFrame, live: pd.DataFrame, cols: LogColumns) -> int:
    """Shadow logs: how many live requests came after the candidate's last prediction (up to
    as_of, the rows given) with no candidate answer; CandidateUnusable (a decision: the
    candidate stopped answering) above AFTER_SHARE of the live requests since its first
    prediction. A candidate log that stops early (a crash, a
    throttle, a shipper behind) would otherwise be judged on the period before it broke."""
    times = live[cols.timestamp]
    first, last = cand[cols.timestamp].min(), cand[cols.timestamp].max()
    since = live[times >= first]
    unanswered = ~since[cols.request_id].isin(cand[cols.request_id])
    after = since[(since[cols.timestamp] > last) & unanswered]
    if len(after) > AFTER_SHARE * len(since):
        raise CandidateUnusable(
            f"the candidate's log stops before the live model's: {len(after)} of {len(since)} "
            f"live request(s) since the candidate's first prediction came after its last one "
            f"({last.isoformat()}) and have no candidate prediction "
            f"({examples(sorted(after[cols.request_id]))}); more than {AFTER_SHARE:.0%} "
            "would judge the candidate on the period before it stopped. Log every candidate "
            "answer, or give an --as-of no later than the candidate's last prediction",
            _version(cand, cols),
        )
    return len(after)


def _version(cand: pd.DataFrame, cols: LogColumns) -> str:
    return str(cand[cols.model_version].iloc[0])


def one_live_version(answered: pd.DataFrame, cols: LogColumns, what: str) -> None:
    """InputError when the live rows a `baseline:` check compares with come from more than one
    model version (`what`: how they were chosen, with {n} for their number)."""
    versions = sorted(answered[cols.model_version].astype(str).unique())
    if len(versions) > 1:
        raise InputError(
            f"model version column '{cols.model_version}': {what.format(n=len(versions))} "
            f"({', '.join(versions)}); a `baseline:` check compares the candidate with one live "
            "model: keep one live version's rows"
        )


def beside_live(labelled: pd.DataFrame, live: pd.DataFrame, cols: LogColumns) -> pd.DataFrame:
    """The candidate's labelled rows with the live model's outputs on the same request
    (shadow: every one has them, see shadow_gaps), all from one live model version."""
    answered = live[live[cols.request_id].isin(labelled[cols.request_id])]
    one_live_version(answered, cols, "the candidate's requests were answered by {n} live versions")
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
