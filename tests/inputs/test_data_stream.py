"""Data files stream as batches: digest of the whole file, stable types, rows numbered globally."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gate.errors import InputError
from gate.inputs.binding import group_text
from gate.inputs.data import DataSource, load_data


def write(tmp_path: Path, frame: pd.DataFrame, kind: str) -> Path:
    path = tmp_path / f"d.{kind}"
    if kind == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_batches_cover_every_row_once_and_the_digest_is_the_files(tmp_path, kind):
    frame = pd.DataFrame({"a": np.arange(2500), "b": np.arange(2500) * 0.5})
    path = write(tmp_path, frame, kind)
    source = DataSource(path)
    batches = list(source.batches(1000))
    assert [b.rows for b in batches] == [1000, 1000, 500]
    assert [b.offset for b in batches] == [0, 1000, 2000]
    assert pd.concat([b.frame for b in batches], ignore_index=True).equals(frame)
    assert source.rows == 2500
    assert source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert load_data(path).frame.equals(frame)


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_an_integer_column_reads_as_the_same_text_in_every_batch(tmp_path, kind):
    # the second batch has a missing value, which makes pandas turn its integers into floats
    frame = pd.DataFrame({"g": pd.array([1, 2, 1, None, 2, 1], dtype="Int64")})
    path = write(tmp_path, frame, kind)
    texts = [group_text(b, "g").tolist() for b in DataSource(path).batches(3)]
    assert texts == [["1", "2", "1"], [pd.NA, "2", "1"]]


def test_a_file_that_changes_while_it_is_read_is_refused(tmp_path):
    frame = pd.DataFrame({"a": np.arange(3000)})
    path = write(tmp_path, frame, "csv")
    source = DataSource(path)
    batches = source.batches(1000)
    next(batches)
    with path.open("a") as fh:
        fh.write("1\n")
    with pytest.raises(InputError, match="changed while it was being read"):
        list(batches)


def test_a_later_value_that_does_not_fit_the_inferred_type_names_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr("gate.inputs.csv_batches.CSV_BLOCK", 1 << 10)
    lines = ["a"] + [str(i) for i in range(2000)] + ["oops"]
    path = tmp_path / "d.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"d\.csv is not valid CSV"):
        list(DataSource(path).batches(100))


def test_a_column_empty_in_the_first_block_is_read_as_text(tmp_path, monkeypatch):
    monkeypatch.setattr("gate.inputs.csv_batches.CSV_BLOCK", 1 << 10)
    lines = ["a,g"] + [f"{i}," for i in range(2000)] + ["1,north"]
    path = tmp_path / "d.csv"
    path.write_text("\n".join(lines) + "\n")
    frames = [b.frame for b in DataSource(path).batches(500)]
    assert frames[-1]["g"].iloc[-1] == "north"


def test_a_conversion_error_names_the_column(tmp_path, monkeypatch):
    monkeypatch.setattr("gate.inputs.csv_batches.CSV_BLOCK", 1 << 10)
    lines = ["a,count"] + [f"x,{i}" for i in range(2000)] + ["x,1.5"]
    path = tmp_path / "d.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match="column 'count'"):
        list(DataSource(path).batches(100))


def test_learning_the_types_does_not_move_the_streams_position(tmp_path, monkeypatch):
    """The first block is read apart to learn the column types, then the file is streamed from
    byte 0; a reader that shared the stream's offset lost the data ('Empty CSV file') in about
    1 run of 100 (when a second stream was opened). Many runs: any loss shows."""
    monkeypatch.setattr("gate.inputs.csv_batches.CSV_BLOCK", 1 << 10)
    lines = ["a,g"] + [f"{i}," for i in range(2000)] + ["1,north"]
    path = tmp_path / "d.csv"
    path.write_text("\n".join(lines) + "\n")
    for _ in range(200):
        frames = [b.frame for b in DataSource(path).batches(500)]
        assert sum(len(f) for f in frames) == 2001 and frames[-1]["g"].iloc[-1] == "north"
