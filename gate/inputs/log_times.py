"""The time columns of prediction logs and label files: parsed as UTC, and one kind throughout.

A time either carries its zone (`...Z`, `+01:00`; a Parquet timestamp with a time zone) or
does not (`2026-11-24T18:00:00`, a date alone; a Parquet timestamp without one). A time
without a zone is read as UTC, which is right only when whoever wrote it meant UTC. Beside
times that do carry a zone it most likely means a local time, silently hours off, and it
decides which labels have matured and which predictions came first. So every time column of
one analysis (each log's timestamp column and the label file's) is of one kind: all zoned, or
all without a zone (then all UTC). A column, or a set of files, mixing the two is refused,
naming where each kind was found.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from gate.errors import InputError


@dataclass(frozen=True)
class TimeColumn:
    """Where a time column was read, and its kind (None: no rows to tell by)."""

    what: str  # the file, as its Dataset names it
    name: str
    role: str
    zoned: bool | None

    def __str__(self) -> str:
        return f"{self.what}: {self.role} column '{self.name}'"


#: a time of day followed by a zone (Z, +01, +0100, -05:00); a date alone has no zone
_ZONED = r"\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"


def rows(mask: pd.Series) -> str:
    """'rows 2, 5' (1-based data rows below the header)."""
    shown = [str(i + 1) for i in mask.to_numpy().nonzero()[0][:5]]
    more = f" and {int(mask.sum()) - 5} more" if mask.sum() > 5 else ""
    return f"row{'s' if len(shown) > 1 else ''} {', '.join(shown)}{more}"


def times(raw: pd.Series, what: str, name: str, role: str) -> tuple[pd.Series, TimeColumn]:
    """A timestamp column as UTC times and its kind; InputError naming the rows that do not
    parse, or that mix zoned and naive times."""
    if pd.api.types.is_datetime64_any_dtype(raw):
        parsed = raw
    elif pd.api.types.is_numeric_dtype(raw):
        raise InputError(
            f"{what}: {role} column '{name}' holds numbers; give ISO 8601 times "
            "(2026-11-24T18:00:00Z) or a timestamp type"
        )
    else:
        parsed = pd.to_datetime(raw, utc=True, errors="coerce", format="ISO8601")
    bad = parsed.isna()
    if bad.any():
        first = raw[bad].iloc[0]
        raise InputError(
            f"{what}: {role} column '{name}' has a missing or unparsable time {first!r} in "
            f"{rows(bad)} (expected ISO 8601, e.g. 2026-11-24T18:00:00Z)"
        )
    zoned = _kind(raw, what, name, role)
    column = TimeColumn(what, name, role, zoned if len(raw) else None)
    if getattr(parsed.dt, "tz", None) is None:
        return parsed.dt.tz_localize("UTC"), column
    return parsed.dt.tz_convert("UTC"), column


def _kind(raw: pd.Series, what: str, name: str, role: str) -> bool:
    """Whether the column's times carry a zone; InputError when some do and some do not."""
    if pd.api.types.is_datetime64_any_dtype(raw):
        return getattr(raw.dt, "tz", None) is not None
    zoned = raw.astype(str).str.strip().str.contains(_ZONED, regex=True)
    if zoned.any() and not zoned.all():
        raise InputError(
            f"{what}: {role} column '{name}' mixes times with a zone and times without one "
            f"(no zone in {rows(~zoned)}); give every time its zone (e.g. ...Z)"
        )
    return bool(zoned.all())


def one_kind(columns: Iterable[TimeColumn]) -> None:
    """InputError when some of the analysis' time columns carry a zone and others do not,
    naming one column of each kind."""
    known = [c for c in columns if c.zoned is not None]
    zoned = next((c for c in known if c.zoned), None)
    naive = next((c for c in known if not c.zoned), None)
    if zoned is not None and naive is not None:
        raise InputError(
            f"{naive} has times without a zone, but {zoned} has times with one: a time "
            "without a zone is read as UTC, which beside zoned times is most likely a local "
            "time read hours off; give every time its zone (e.g. ...Z), or none anywhere "
            "(all UTC)"
        )
