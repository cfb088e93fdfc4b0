"""Evaluation data: CSV and Parquet files into a DataFrame, with their digest."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from gate.errors import InputError
from gate.inputs.files import sha256_of

READERS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


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
    if not path.is_file():
        raise InputError(f"{role} file {path} not found")
    frame = _read(path, kind, role)
    if frame.empty:
        raise InputError(f"{role} file {path} has no rows")
    return Dataset(str(path), sha256_of(path), frame)


def _read(path: Path, kind: str, role: str) -> pd.DataFrame:
    try:
        if kind == "csv":
            return pd.read_csv(path, low_memory=False)
        return pd.read_parquet(path, engine="pyarrow")
    except pd.errors.EmptyDataError:
        raise InputError(f"{role} file {path} is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{role} file {path} is not valid CSV: {exc}") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{role} file {path} cannot be read as {kind}: {exc}") from None
