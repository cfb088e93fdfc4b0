"""A CSV streamed with the types learnt from its first block reads exactly as pyarrow's own
inferring stream reads it (the oracle): the same types, values and errors, at any block size."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pytest

from gate.errors import InputError
from gate.inputs import csv_batches
from gate.inputs.data import DataSource


def inferring_read(path: Path, block: int) -> pa.Table | str:
    """pyarrow's inferring stream (columns empty in the first block as text), or its error."""
    options = pcsv.ReadOptions(block_size=block)
    convert = pcsv.ConvertOptions(strings_can_be_null=True)
    try:
        stream = pcsv.open_csv(path, read_options=options, convert_options=convert)
        text = {f.name: pa.string() for f in stream.schema if pa.types.is_null(f.type)}
        if text:
            convert = pcsv.ConvertOptions(strings_can_be_null=True, column_types=text)
            stream = pcsv.open_csv(path, read_options=options, convert_options=convert)
        return pa.Table.from_batches(list(stream), stream.schema)
    except pa.ArrowInvalid as exc:
        return str(exc)


def gate_read(path: Path) -> pa.Table | str:
    try:
        batches = [b.table for b in DataSource(path).batches(97)]
    except InputError as exc:
        return str(exc)
    return pa.Table.from_batches(batches)


def random_csv(rng: np.random.Generator, rows: int) -> str:
    """Columns whose type a block may or may not settle: ints that turn into floats, numbers
    that turn into text, dates, booleans, a column empty for a while, quoted commas."""
    late = rng.integers(rows)
    lines = ["i,f,mixed,d,b,late,q"]
    for r in range(rows):
        mixed = "x" if r == late and rng.uniform() < 0.5 else str(rng.integers(9))
        f = f"{rng.normal():.4f}" if rng.uniform() < 0.9 else str(rng.integers(5))
        d = f"2024-01-{1 + r % 28:02d}" if rng.uniform() < 0.95 else ""
        b = "true" if rng.uniform() < 0.5 else "false"
        tail = "" if r < late else f"v{r % 3}"
        q = f'"a,{r % 4}"'
        lines.append(f"{rng.integers(-50, 50)},{f},{mixed},{d},{b},{tail},{q}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", range(12))
def test_types_values_and_errors_match_pyarrows_inferring_stream(tmp_path, monkeypatch, seed):
    rng = np.random.default_rng(seed)
    path = tmp_path / "d.csv"
    path.write_text(random_csv(rng, int(rng.integers(50, 600))))
    block = int(rng.choice([64, 100, 257, 1024, 4096, 1 << 20]))
    monkeypatch.setattr(csv_batches, "CSV_BLOCK", block)
    want, got = inferring_read(path, block), gate_read(path)
    if isinstance(want, str):
        names = path.read_text().splitlines()[0].split(",")
        assert isinstance(got, str) and csv_batches._named(want, names) in got, (want, got)
    else:
        assert isinstance(got, pa.Table), got
        assert got.schema == want.schema and got.equals(want)


def test_a_file_exactly_one_block_long_or_one_byte_over_reads_as_pyarrow_reads_it(
    tmp_path, monkeypatch
):
    body = "a,b\n" + "".join(f"{i},{i * 0.5}\n" for i in range(40))
    for extra in ("", "7", "7,"):
        path = tmp_path / "d.csv"
        path.write_text(body + extra)
        monkeypatch.setattr(csv_batches, "CSV_BLOCK", len(body))
        want, got = inferring_read(path, len(body)), gate_read(path)
        assert isinstance(want, pa.Table) == isinstance(got, pa.Table), (want, got)
        if isinstance(want, pa.Table):
            assert got.equals(want)


def test_the_first_block_is_read_without_moving_the_descriptor(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a\n1\n2\n")
    fd = os.open(path, os.O_RDONLY)
    try:
        os.lseek(fd, 2, os.SEEK_SET)
        assert csv_batches.first_block_types(fd) == (["a"], {"a": pa.int64()})
        assert os.lseek(fd, 0, os.SEEK_CUR) == 2
    finally:
        os.close(fd)


def test_batches_hold_exactly_the_rows_asked_whatever_the_blocks(tmp_path, monkeypatch):
    """Blocks of ~30 rows joined and cut into batches of 100: the same rows, in order, as one
    read of the whole file."""
    monkeypatch.setattr(csv_batches, "STREAM_BLOCK", 256)
    path = tmp_path / "d.csv"
    path.write_text("a,s\n" + "".join(f"{i},t{i % 7}\n" for i in range(1234)))
    batches = [b.table for b in DataSource(path).batches(100)]
    assert [b.num_rows for b in batches] == [100] * 12 + [34]
    whole = pcsv.read_csv(path)
    assert pa.Table.from_batches(batches).equals(whole)


@pytest.mark.parametrize("at", [0, 5, 150, 480, 499])
def test_a_row_longer_than_the_streams_block_reads_as_one_read_of_the_whole_file(
    tmp_path, monkeypatch, at
):
    """Rows longer than STREAM_BLOCK (but within CSV_BLOCK) anywhere, before or after batches
    were handed out: the same rows, in batches of exactly the rows asked, as one whole read."""
    monkeypatch.setattr(csv_batches, "STREAM_BLOCK", 256)
    monkeypatch.setattr(csv_batches, "CSV_BLOCK", 1 << 16)
    rows = [f"{i},t{i % 7}" for i in range(500)]
    rows[at] = f"{at}," + "x" * 1000
    rows[-1] = "499," + "y" * 700
    path = tmp_path / "d.csv"
    path.write_text("a,s\n" + "\n".join(rows) + "\n")
    batches = [b.table for b in DataSource(path).batches(100)]
    assert [b.num_rows for b in batches] == [100] * 5
    whole = pcsv.read_csv(path, read_options=pcsv.ReadOptions(block_size=1 << 16))
    assert pa.Table.from_batches(batches).equals(whole)


def test_a_row_longer_than_the_first_block_is_an_input_error(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_batches, "STREAM_BLOCK", 256)
    monkeypatch.setattr(csv_batches, "CSV_BLOCK", 1024)
    path = tmp_path / "d.csv"
    path.write_text("a,s\n" + "".join(f"{i},t\n" for i in range(300)) + "7," + "x" * 5000 + "\n")
    with pytest.raises(InputError, match=r"d\.csv"):
        list(DataSource(path).batches(100))
