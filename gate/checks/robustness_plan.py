"""What a robustness check probes: the probed rows and every probe of them, the parts that
do not apply, and how the check refuses to judge (error: a mistake; skipped: nothing applies)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from gate.engine.robustness_probes import Probe
from gate.results import Status

SHOWN_INPUTS = 10  # inputs named in a message


class Refused(Exception):
    """The check cannot judge: status error (a mistake) or skipped (nothing applies)."""

    def __init__(self, status: Status, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Plan:
    """The probed rows and every probe of them; `skipped` the parts that do not apply."""

    rows: pd.DataFrame
    of: int
    seed: list[int]
    probes: list[Probe] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)


def skip(probe: str, feature: str, reason: str) -> dict[str, Any]:
    return {"probe": probe, "feature": feature, "rows": 0, "status": "skipped", "reason": reason}
