"""CPU time (user + sys of this process, so a loaded machine moves it little) of each phase of
one CSV file's pass: pyarrow's inferring stream (the gate's reader before), the stream with the
first block's types given (the gate's reader now), pandas frames, column profiles, row hashes.

    python benchmarks/csv_phases.py FILE.csv [--repeat N]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from gate.engine.columns import profile_columns  # noqa: E402
from gate.engine.row_hashes import RowHashes  # noqa: E402
from gate.inputs import csv_batches  # noqa: E402
from gate.inputs.data import BATCH_ROWS, DataSource, frame_of  # noqa: E402


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(work: Callable[[], object]) -> float:
    start = cpu()
    work()
    return cpu() - start


def inferring(path: Path) -> None:
    options = pcsv.ReadOptions(block_size=csv_batches.CSV_BLOCK)
    convert = pcsv.ConvertOptions(strings_can_be_null=True)
    for _ in pcsv.open_csv(path, read_options=options, convert_options=convert):
        pass


def typed(path: Path) -> list[pa.RecordBatch]:
    with path.open("rb") as fh:
        return list(csv_batches.csv_batches(fh, BATCH_ROWS))


def phases(path: Path) -> dict[str, float]:
    batches = typed(path)
    keys = [n for n in batches[0].schema.names if n != "label"]
    return {
        "parse, types inferred (before)": timed(lambda: inferring(path)),
        "parse, types given (now)": timed(lambda: typed(path)),
        "pandas frames": timed(lambda: [frame_of(b) for b in batches]),
        "column profiles": timed(lambda: [profile_columns(b) for b in batches]),
        "row hashes": timed(lambda: [RowHashes.from_table(b, keys, "label") for b in batches]),
        "whole pass (DataSource, read-ahead)": timed(lambda: list(DataSource(path).batches())),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args(argv)
    runs = [phases(opts.file) for _ in range(opts.repeat)]
    print(f"| phase ({opts.file.name}) | CPU s, median of {opts.repeat} |")
    print("|---|---:|")
    for name in runs[0]:
        print(f"| {name} | {statistics.median(r[name] for r in runs):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
