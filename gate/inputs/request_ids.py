"""Identifiers as text, exactly as written (request ids, model versions): a CSV's identifier
columns are read again as strings (no number inference: "007" is not "7", "1.10" is not
"1.1", a 20-digit id is not a float), a typed file's whole-number identifiers become their
decimal digits, and floating-point identifiers are refused (a float cannot hold every
identifier exactly: 1.10 and 1.1 are one float). Identifiers from different files are
compared as this text."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pandas as pd

from gate.errors import InputError
from gate.inputs.data import Dataset


def request_ids(data: Dataset, name: str) -> pd.Series:
    """The request id column of `data` as text (see identifiers)."""
    return identifiers(data, {name: "request id"})[name]


def identifiers(data: Dataset, roles: dict[str, str]) -> dict[str, pd.Series]:
    """Each named column of `data` (name -> role, e.g. 'model version') as text; a missing
    value stays missing (the caller refuses it). InputError naming the file, role and column
    for floating-point identifiers."""
    if Path(data.path).suffix.lower() == ".csv":
        return _csv_text(data, list(roles))
    return {name: _typed_text(data, name, role) for name, role in roles.items()}


def _typed_text(data: Dataset, name: str, role: str) -> pd.Series:
    values = data.frame[name]
    if pd.api.types.is_float_dtype(values):
        raise InputError(
            f"{data.what}: {role} column '{name}' holds floating-point numbers; store "
            f"{role}s as text or whole numbers (a float cannot hold every {role} exactly: "
            "1.10 and 1.1 are one float)"
        )
    return values.astype(str).where(values.notna())


def _csv_text(data: Dataset, names: list[str]) -> dict[str, pd.Series]:
    import pyarrow as pa
    from pyarrow import csv

    raw = Path(data.path).read_bytes()
    if hashlib.sha256(raw).hexdigest() != data.sha256:
        raise InputError(f"{data.what} changed while it was being read")
    options = csv.ConvertOptions(
        include_columns=names,
        column_types={name: pa.string() for name in names},
        strings_can_be_null=False,
    )
    try:
        table = csv.read_csv(io.BytesIO(raw), convert_options=options)
    except pa.ArrowException as exc:
        raise InputError(f"{data.what} is not valid CSV: {exc}") from None
    return {name: table.column(name).to_pandas() for name in names}
