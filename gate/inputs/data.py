"""Evaluation data: CSV and Parquet files into a DataFrame, with the digest of the bytes parsed."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from gate.errors import InputError
from gate.inputs.files import GiB, read_regular, sha256_hex

READERS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
# A data file is held in memory while it is parsed (and its frame after); beyond this, split it.
MAX_DATA_BYTES = 8 * GiB


@dataclass(frozen=True)
class Dataset:
    """A loaded data file."""

    path: str
    sha256: str
    frame: pd.DataFrame

    @property
    def rows(self) -> int:
        return len(self.frame)


def load_data(path: str | Path, role: str = "data") -> Dataset:
    """Read a CSV or Parquet file; every failure is an InputError naming the file."""
    path = Path(path)
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            f"{role} file {path}: unsupported format '{path.suffix}' "
            f"(use {', '.join(sorted(READERS))})"
        )
    raw = read_regular(path, MAX_DATA_BYTES, f"{role} file {path}")
    frame = _read(raw, path, kind, role)
    if frame.empty:
        raise InputError(f"{role} file {path} has no rows")
    return Dataset(str(path), sha256_hex(raw), frame)


def _read(raw: bytes, path: Path, kind: str, role: str) -> pd.DataFrame:
    try:
        if kind == "csv":
            return pd.read_csv(io.BytesIO(raw), low_memory=False)
        return pd.read_parquet(io.BytesIO(raw), engine="pyarrow")
    except pd.errors.EmptyDataError:
        raise InputError(f"{role} file {path} is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{role} file {path} is not valid CSV: {exc}") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{role} file {path} cannot be read as {kind}: {exc}") from None
