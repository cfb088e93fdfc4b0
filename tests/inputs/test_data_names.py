"""Column names are checked once, when the schema is known: duplicated names and text that is not
UTF-8 are input errors naming the file (and the column), whatever role the column has."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from gate.errors import InputError
from gate.inputs import csv_batches
from gate.inputs.data import DataSource
from gate.inputs.frames import FrameSource


def _read(path) -> list:
    return list(DataSource(path).batches())


@pytest.mark.parametrize("header", ["sex,sex,label", "label,sex,x,x", "a,label,a"])
def test_a_csv_with_a_duplicated_column_is_refused_naming_it(tmp_path, header):
    path = tmp_path / "dup.csv"
    path.write_text(header + "\n" + ",".join("1" * len(header.split(","))) + "\n")
    duplicated = next(n for n in header.split(",") if header.split(",").count(n) > 1)
    with pytest.raises(InputError, match=f"dup.csv has more than one column named '{duplicated}'"):
        _read(path)


def test_a_parquet_file_with_a_duplicated_column_is_refused(tmp_path):
    table = pa.Table.from_arrays([pa.array([1, 2]), pa.array([3, 4])], names=["sex", "sex"])
    pq.write_table(table, tmp_path / "dup.parquet")
    with pytest.raises(InputError, match="more than one column named 'sex'"):
        _read(tmp_path / "dup.parquet")


def test_in_memory_tables_with_duplicated_columns_are_refused():
    table = pa.Table.from_arrays([pa.array([1]), pa.array([2])], names=["sex", "sex"])
    with pytest.raises(InputError, match=r"data <pyarrow.Table> has more .* named 'sex'"):
        FrameSource(table)
    frame = pd.DataFrame([[1, 2]], columns=["sex", "sex"])
    with pytest.raises(InputError, match=r"data <pandas.DataFrame> has more .* named 'sex'"):
        FrameSource(frame)
    mixed = pd.DataFrame([[1, 2]], columns=[1, "1"])  # one name once both are text
    with pytest.raises(InputError, match="named '1'"):
        FrameSource(mixed)


def test_a_csv_header_that_is_not_utf8_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "enc.csv"
    path.write_bytes(b"\xff\xfe,label\n1,0\n2,1\n")
    with pytest.raises(InputError, match=r"enc.csv: its header is not valid UTF-8"):
        _read(path)


def test_a_csv_value_that_is_not_utf8_is_refused_naming_the_column(tmp_path):
    path = tmp_path / "body.csv"
    path.write_bytes(b"group,label\n\xff\xfe,0\nx,1\n")
    with pytest.raises(InputError, match=r"body.csv .*column 'group' .*not valid UTF-8"):
        _read(path)


def test_a_value_that_is_not_utf8_beyond_the_first_block_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_batches, "CSV_BLOCK", 64)
    rows = b"".join(b"x%d,%d\n" % (i, i % 2) for i in range(50))
    path = tmp_path / "late.csv"
    path.write_bytes(b"group,label\n" + rows + b"\xff\xfe,0\n")
    with pytest.raises(InputError, match=r"late.csv is not valid CSV: .*not valid UTF-8 text"):
        _read(path)
