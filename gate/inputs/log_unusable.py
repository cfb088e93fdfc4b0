"""Refusals the candidate causes (review12e #4): prediction logs that cannot be judged because
of the candidate's own output — scores missing, not a number or not finite, request ids it
logged twice, a shadow candidate that answered only some requests, labelled requests of its
period in no log, a log that stops while the live model's goes on (either mode). They
are a decision, not bad input: the candidate's output is unusable, so the analysis blocks
(a rollback), where a wrong file, column or metadata is bad input (exit 2: wait, fix it).
The same defect in the live model's rows is the environment's, and stays an InputError."""

from __future__ import annotations

from typing import Any

import pandas as pd

from gate.errors import InputError

#: the reason an analysis gives for a CandidateUnusable (analysis.json `reasons`)
REASON = "the candidate's output is unusable: {}"


class CandidateUnusable(InputError):
    """The candidate's own logs cannot be judged: `analyze` blocks with REASON; callers that
    do not decide (the readers' other users) still see an InputError."""

    def __init__(self, message: str, version: str, facts: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.version = version
        #: what is known of the logs when the refusal came (counts, live versions, mode)
        self.facts: dict[str, Any] = dict(facts or {})


def facts(logs: pd.DataFrame, version_column: str, id_column: str, version: str) -> dict[str, Any]:
    """The counts and versions an unusable candidate's analysis.json still states."""
    is_candidate = logs[version_column] == version
    cand, live = logs[is_candidate], logs[~is_candidate]
    ids = cand[id_column].drop_duplicates()
    shared = int(ids.isin(live[id_column]).sum())
    return {
        "counts": {
            "candidate_predictions": len(cand),
            "live_predictions": len(live),
            "candidate_requests": len(ids),
            "candidate_requests_shared_with_live": shared,
        },
        "live_versions": tuple(sorted(live[version_column].astype(str).unique())),
    }


def blame(
    logs: pd.DataFrame, bad: pd.Series, message: str, version_column: str, version: str
) -> InputError:
    """The error for log rows `bad` (a mask over `logs`): CandidateUnusable when every one
    is the candidate's and a live model's rows were logged without fault beside them (the
    same columns worked for it: the candidate's output is at fault, not the setup), an
    InputError when any is a live model's, or no live row shows the setup works."""
    versions = logs.loc[bad.to_numpy(dtype=bool), version_column]
    live = bool((logs[version_column] != version).any())
    if live and len(versions) and (versions == version).all():
        return CandidateUnusable(message, version)
    return InputError(message)
