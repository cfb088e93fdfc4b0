"""How the prediction logs were made: shadow (both models answer every request) or canary
(each request answered by one model), as declared (rollout.mode / --mode) and as the share of
requests both models answered shows it."""

from __future__ import annotations

import pandas as pd

from gate.errors import InputError
from gate.inputs.prediction_logs import LogColumns

#: the share of the candidate's requests the live model answered too at which undeclared logs
#: are taken for shadow logs (at least) or canary logs (at most); in between is refused
SHADOW_SHARE, CANARY_SHARE = 0.9, 0.1
MODES = ("shadow", "canary")


def log_mode(cand: pd.DataFrame, live: pd.DataFrame, cols: LogColumns, declared: str | None) -> str:
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
