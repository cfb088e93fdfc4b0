"""Prediction logs and delayed labels (canary / shadow analysis): read, check, join on the
request id, and keep only the labels that have matured.

A log row is one request one model version answered: request id, timestamp, model version, a
score and/or a prediction, and the features the checks group by. A label row is a request id,
its label and when the label became known. A label counts once it is at least the label
delay old at the analysis time (`as_of`): `label_timestamp <= as_of - delay`; predictions
made after `as_of` are left out too, so a run with a fixed `as_of` is deterministic.

Duplicates: a request id twice for one model version is refused (a retry logged twice, or two
requests sharing an id, would count one outcome twice; which one is right cannot be known).
A label given twice is a correction (a charge-back reversed, a diagnosis revised): the latest
label that has matured wins, and the replaced ones are counted; different labels at the same
time are refused, and a later label still maturing that differs from the one used is counted
as a pending correction (gate/inputs/label_maturity.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gate.durations import duration
from gate.errors import InputError, UsageError
from gate.inputs.data import Dataset, load_data
from gate.inputs.log_times import TimeColumn, one_kind, times
from gate.inputs.log_times import rows as _rows
from gate.inputs.log_unusable import CandidateUnusable, blame, facts
from gate.inputs.request_ids import identifiers
from gate.policy.suggest import did_you_mean

#: the label file's request-time column (named like the logs' timestamp column), when it has one
REQUEST_TIME = "_request_time"

#: log rows (a mask over one file's rows) and the message naming them
Problem = tuple[pd.Series, str]


@dataclass(frozen=True)
class LogColumns:
    """The column names of the logs and the label file."""

    request_id: str = "request_id"
    timestamp: str = "timestamp"
    model_version: str = "model_version"
    label: str = "label"  # the label file's; the joined rows hold the label under this name
    label_timestamp: str = "label_timestamp"
    outputs: tuple[str, ...] = ("score",)  # the score and / or prediction columns
    scored: bool = True  # whether outputs[0] is a score (numeric), not a predicted label


def parse_duration(text: str, key: str = "--label-delay") -> dt.timedelta:
    """'30d', '12h', '1d12h', '90m', '0' as a timedelta; UsageError otherwise."""
    try:
        return duration(text)
    except ValueError as exc:
        raise UsageError(f"{key}: {exc}") from None


#: how far past this machine's clock an --as-of may be (another machine's clock may run ahead)
CLOCK_SKEW = pd.Timedelta(minutes=5)


def parse_time(text: str, key: str = "--as-of") -> pd.Timestamp:
    """An ISO 8601 date or time (no zone: UTC) as a UTC timestamp, not in the future;
    UsageError otherwise."""
    try:
        stamp = pd.Timestamp(text)
    except (ValueError, TypeError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise UsageError(f"{key}: not an ISO 8601 time {text!r} (e.g. 2026-11-24T18:00:00Z)")
    if not 1900 <= stamp.year <= 2200:
        raise UsageError(f"{key}: {text!r} is not between the years 1900 and 2200")
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    if stamp > pd.Timestamp.now(tz="UTC") + CLOCK_SKEW:
        raise UsageError(
            f"{key}: {text!r} is in the future; a label counts once it is the label delay old "
            "at this time, so a later time would count labels younger than the delay"
        )
    return stamp


def _column(frame: pd.DataFrame, what: str, name: str, role: str) -> pd.Series:
    if name not in frame.columns:
        hint = did_you_mean(name, [str(c) for c in frame.columns])
        raise InputError(f"{what} has no {role} column '{name}'{hint}")
    return frame[name]


def _ids(data: Dataset, roles: dict[str, str]) -> dict[str, pd.Series]:
    """Identifier columns (name -> role: request id, model version) as text, exactly as
    written (gate/inputs/request_ids.py); InputError on a missing column or value."""
    for name, role in roles.items():
        _column(data.frame, data.what, name, role)
    texts = identifiers(data, roles)
    for name, values in texts.items():
        empty = values.isna() | (values.astype(str).str.strip() == "")
        if empty.any():
            role = roles[name]
            raise InputError(f"{data.what}: {role} column '{name}' is empty in {_rows(empty)}")
    return texts


def _output(frame: pd.DataFrame, what: str, name: str, scores: bool) -> list[Problem]:
    """The rows where a score is missing, not a number or not finite, or a predicted label is
    missing, each kind with its message naming them (the joined rows no longer say which file
    they came from); InputError for a missing column or a column of true / false."""
    values = _column(frame, what, name, "score / prediction")
    if scores and pd.api.types.is_bool_dtype(values):
        raise InputError(f"{what}: score column '{name}' must be numeric (found {values.dtype})")
    empty = values.isna()
    found = [(empty, f"{what}: score / prediction column '{name}' is empty in {_rows(empty)}")]
    if scores:
        numbers = pd.to_numeric(values, errors="coerce")
        text = numbers.isna() & ~empty
        found.append((text, f"{what}: score column '{name}' is not a number in {_rows(text)}"))
        infinite = pd.Series(np.isinf(numbers.to_numpy(dtype=float)), index=values.index)
        found.append(
            (infinite, f"{what}: score column '{name}' is not finite in {_rows(infinite)}")
        )
    return [(mask.reset_index(drop=True), message) for mask, message in found if mask.any()]


def _times(
    frame: pd.DataFrame, what: str, name: str, role: str, seen: list[TimeColumn] | None = None
) -> pd.Series:
    """A time column as UTC times (gate/inputs/log_times.py); where it was read and its kind
    are added to `seen`."""
    stamps, column = times(_column(frame, what, name, role), what, name, role)
    if seen is not None:
        seen.append(column)
    return stamps


def examples(values: Sequence[str]) -> str:
    shown = ", ".join(repr(v) for v in list(values)[:3])
    return shown + (f" and {len(values) - 3} more" if len(values) > 3 else "")


def described(data: Dataset) -> dict[str, Any]:
    """A file as analysis.json lists it: path, sha256, rows."""
    return {"path": str(data.path), "sha256": data.sha256, "rows": len(data.frame)}


def read_inputs(
    predictions: Sequence[str], labels: str, cols: LogColumns, candidate: str | None = None
) -> tuple[pd.DataFrame, list[dict[str, Any]], pd.DataFrame, dict[str, Any]]:
    """The logs and the labels (read_logs, read_labels), their time columns all of one kind:
    zoned, or all without a zone (gate/inputs/log_times.py)."""
    seen: list[TimeColumn] = []
    logs, log_files = read_logs(predictions, cols, seen, candidate)
    label_rows, label_file = read_labels(labels, cols, seen)
    one_kind(seen)
    return logs, log_files, label_rows, label_file


def read_logs(
    paths: Sequence[str],
    cols: LogColumns,
    seen: list[TimeColumn] | None = None,
    candidate: str | None = None,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Every prediction log as one frame (ids as text, UTC times), and each file described;
    InputError naming the file and column at fault, or the duplicated (version, request id)
    pairs — CandidateUnusable (gate/inputs/log_unusable.py) when the rows at fault are all
    the candidate's (`candidate`, or the only version). Each timestamp column read is added
    to `seen`."""
    frames, files, problems = [], [], []
    for path in paths:
        data = load_data(path, role="predictions")
        files.append(described(data))
        frame, what = data.frame, data.what
        texts = _ids(data, {cols.request_id: "request id", cols.model_version: "model version"})
        stamps = _times(frame, what, cols.timestamp, "timestamp", seen)
        start = sum(len(f) for f in frames)
        for name in cols.outputs:
            found = _output(frame, what, name, scores=name == cols.outputs[0] and cols.scored)
            problems += [(start, mask, message) for mask, message in found]
        frame = frame.assign(**texts, **{cols.timestamp: stamps})
        frames.append(frame.assign(_file=str(path)))
    logs = pd.concat(frames, ignore_index=True)
    twice = logs.duplicated([cols.model_version, cols.request_id], keep=False)
    if twice.any():
        dup = logs[twice]
        where = ", ".join(sorted(set(dup["_file"])))
        message = (
            f"{where}: request id column '{cols.request_id}' repeats "
            f"{examples(sorted(set(dup[cols.request_id])))} for one model version: one id "
            "must name one request (deduplicate retries before the analysis)"
        )
        problems.append((0, twice, message))
    if problems:
        raise _refusal(logs, problems[0], cols, candidate, files)
    return logs.drop(columns="_file"), files


def _refusal(
    logs: pd.DataFrame,
    problem: tuple[int, pd.Series, str],
    cols: LogColumns,
    candidate: str | None,
    files: list[dict[str, Any]],
) -> InputError:
    """The error for the first problem found: the candidate's (a decision) or the input's."""
    start, mask, message = problem
    bad = pd.Series(False, index=logs.index)
    bad.iloc[start : start + len(mask)] = mask.to_numpy(dtype=bool)
    try:
        version = candidate_of(logs, cols, candidate)
    except (InputError, UsageError):
        return InputError(message)  # no candidate known: nobody to blame but the input
    error = blame(logs, bad, message, cols.model_version, version)
    if isinstance(error, CandidateUnusable):
        error.facts.update(facts(logs, cols.model_version, cols.request_id, version))
        error.facts["files"] = files
    return error


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


def read_labels(
    path: str, cols: LogColumns, seen: list[TimeColumn] | None = None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The label file (request id as text, label, label time in UTC; the request's time as
    REQUEST_TIME when the file has a column named like the logs' timestamp column), and it
    described. A file holding a header and no row is no label yet (not bad input): its
    columns are checked and it gives no label. Its time columns are added to `seen`."""
    try:
        data = load_data(path, role="labels")
    except InputError:
        data = _header_only(path)
        if data is None:
            raise
    frame, what = data.frame, data.what
    label = _column(frame, what, cols.label, "label")
    if label.isna().any():
        raise InputError(f"{what}: label column '{cols.label}' is empty in {_rows(label.isna())}")
    labels = pd.DataFrame(
        {
            cols.request_id: _ids(data, {cols.request_id: "request id"})[cols.request_id],
            "_label": label,
            "_label_time": _times(frame, what, cols.label_timestamp, "label timestamp", seen),
        }
    )
    if cols.timestamp in frame.columns and cols.timestamp != cols.label_timestamp:
        stamps = _times(frame, what, cols.timestamp, "request time", seen)
        labels[REQUEST_TIME] = stamps
    return labels, described(data)


HEADER_BYTES = 1 << 20  # a header-only file is small; a larger failing file is not probed


def _header_only(path: str) -> Dataset | None:
    """The file as a Dataset of no rows when it holds a header (CSV) or a schema (Parquet)
    and no row, else None (the caller re-raises the reader's error)."""
    import hashlib
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq
    from pyarrow import csv

    try:
        with open(path, "rb") as fh:
            raw = fh.read(HEADER_BYTES + 1)
        if len(raw) > HEADER_BYTES:
            return None
        buffer = io.BytesIO(raw)
        csv_file = Path(path).suffix.lower() == ".csv"
        table = csv.read_csv(buffer) if csv_file else pq.read_table(buffer)
    except (OSError, pa.ArrowException, UnicodeDecodeError):
        return None
    if table.num_rows or not table.num_columns:
        return None
    return Dataset(path, hashlib.sha256(raw).hexdigest(), table.to_pandas(), role="labels")
