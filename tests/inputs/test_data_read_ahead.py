"""Batches are parsed one ahead in a thread: same items, same errors, bounded, never left over."""

from __future__ import annotations

import threading
import time

import pandas as pd
import pytest

from gate.errors import InputError
from gate.inputs.data import DataSource
from gate.inputs.read_ahead import read_ahead


def reader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("read-ahead")]


def test_items_arrive_in_order_and_an_error_after_the_items_before_it():
    def items():
        yield from range(5)
        raise ValueError("item 5 is bad")

    got = []
    with pytest.raises(ValueError, match="item 5 is bad"):
        for item in read_ahead(items()):
            got.append(item)
    assert got == [0, 1, 2, 3, 4]
    assert not reader_threads()


def test_the_producer_runs_at_most_depth_items_ahead():
    made = []

    def items():
        for i in range(50):
            made.append(i)
            yield i

    stream = read_ahead(items(), depth=2)
    assert next(stream) == 0
    time.sleep(0.3)  # the producer would run to the end if it were not bounded
    assert len(made) <= 1 + 2 + 1  # the one taken, two queued, one waiting to be queued
    assert list(stream) == list(range(1, 50))


def test_stopping_early_closes_the_source_in_its_thread_and_joins_it():
    closed = []

    def items():
        try:
            yield from range(1000)
        finally:
            closed.append(threading.current_thread().name)

    stream = read_ahead(items())
    assert next(stream) == 0
    stream.close()
    assert closed and closed[0].startswith("read-ahead")
    assert not reader_threads()


def test_a_bad_value_in_a_later_batch_names_the_file_and_leaves_no_thread(tmp_path, monkeypatch):
    monkeypatch.setattr("gate.inputs.csv_batches.CSV_BLOCK", 1 << 10)
    monkeypatch.setattr("gate.inputs.csv_batches.STREAM_BLOCK", 1 << 10)
    lines = ["a"] + [str(i) for i in range(3000)] + ["oops"]
    path = tmp_path / "d.csv"
    path.write_text("\n".join(lines) + "\n")
    source = DataSource(path)
    seen = []
    with pytest.raises(InputError, match=r"d\.csv is not valid CSV"):
        for batch in source.batches(100):
            seen.append(batch.rows)
    assert sum(seen) > 0 and not reader_threads()


def test_a_consumer_that_stops_early_leaves_no_thread(tmp_path):
    path = tmp_path / "d.csv"
    pd.DataFrame({"a": range(5000)}).to_csv(path, index=False)
    batches = DataSource(path).batches(100)
    next(batches)
    batches.close()
    assert not reader_threads()
