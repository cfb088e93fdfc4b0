"""Request ids as text, exactly as written: a CSV's id column is read again as strings (no
number inference: "007" is not "7", a 20-digit id is not a float), a typed file's whole-number
ids become their decimal digits, and floating-point ids are refused (a float cannot hold every
id exactly). Ids from different files are compared as this text."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pandas as pd

from gate.errors import InputError
from gate.inputs.data import Dataset


def request_ids(data: Dataset, name: str) -> pd.Series:
    """The id column of `data` as text (a missing id stays missing: the caller refuses it);
    InputError naming the file and column for floating-point ids."""
    what = data.what
    if Path(data.path).suffix.lower() == ".csv":
        return _csv_text(data, name)
    ids = data.frame[name]
    if pd.api.types.is_float_dtype(ids):
        raise InputError(
            f"{what}: request id column '{name}' holds floating-point numbers; store ids as "
            "text or whole numbers (a float cannot hold every id exactly)"
        )
    return ids.astype(str).where(ids.notna())


def _csv_text(data: Dataset, name: str) -> pd.Series:
    import pyarrow as pa
    from pyarrow import csv

    raw = Path(data.path).read_bytes()
    if hashlib.sha256(raw).hexdigest() != data.sha256:
        raise InputError(f"{data.what} changed while it was being read")
    options = csv.ConvertOptions(
        include_columns=[name], column_types={name: pa.string()}, strings_can_be_null=False
    )
    try:
        table = csv.read_csv(io.BytesIO(raw), convert_options=options)
    except pa.ArrowException as exc:
        raise InputError(f"{data.what} is not valid CSV: {exc}") from None
    return table.column(name).to_pandas()
