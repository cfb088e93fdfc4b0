"""A profile holding row hashes, output columns and per-group columns saves and loads equal; a
file whose parts disagree with its meta, or whose hashes are damaged, is refused by name."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import rewrite_profile as rewrite

from gate.backends.profiling import Plan, profile_bound
from gate.engine.metrics import Task
from gate.engine.row_hashes import RowHashes
from gate.errors import InputError
from gate.inputs import profile_file
from gate.inputs.binding import EvalData, Predictions
from gate.measurement import plan_meta
from gate.policy.model import DataBinding

BINDING = DataBinding(label="y", score="s", sensitive=("sex",))


def profile(cap: int | None = None):
    rng = np.random.default_rng(3)
    n = 2000
    frame = pd.DataFrame(
        {
            "sex": rng.choice(["f", "m", None], n),
            "x": rng.integers(0, 30, n),
            "city/../name": rng.choice(["a", "b", "c"], n),  # any text is a column name
            "y": rng.integers(0, 2, n),
            "s": rng.uniform(size=n),
        }
    )
    ev = EvalData(
        Task.BINARY,
        frame["y"].to_numpy(),
        None,
        Predictions("m", (frame["s"] > 0.5).astype(int).to_numpy(), frame["s"].to_numpy()),
        None,
        frame,
        ("sex",),
        ("x",),
        ("0", "1"),
    )
    groups = ("x", "city/../name")
    meta = plan_meta(BINDING, Task.BINARY, ("sex",), True, True, groups)
    plan = Plan(BINDING, Task.BINARY, hash_columns=True, output_columns=True, group_columns=groups)
    found = profile_bound(ev, ("sex",), meta=meta, plan=plan)
    if cap is not None:  # past a (small) cap: a sampled set of hashes round-trips too
        keys = ["city/../name", "sex", "x"]
        found = dataclasses.replace(found, hashes=RowHashes.from_table(frame, keys, "y", cap))
    return found


@pytest.mark.parametrize("cap", [None, 20])
def test_every_part_round_trips(tmp_path: Path, cap: int | None):
    original = profile(cap)
    assert original.hashes.sampled == (cap is not None)
    path = tmp_path / "p.profile"
    profile_file.save(original, path, {}, "9.9")
    loaded, _, _ = profile_file.load(path)
    assert loaded == dataclasses.replace(original, sample=None)
    assert loaded.hashes.duplicate_rows() == original.hashes.duplicate_rows()


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def member(document: dict, field: str) -> str:
    return f"arrays/{document['hashes'][field]['$array']}.npy"


def shuffled_keys(document: dict, members: dict) -> None:
    name = member(document, "key")
    members[name] = npy(np.load(io.BytesIO(members[name]))[::-1].copy())


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda d, m: d.update(hashes=None), r"meta says it holds \(True, True, True\)"),
        (lambda d, m: d.update(outputs=None), "meta says it holds"),
        (lambda d, m: d["meta"]["holds"].update(hashes=False), "meta says it holds"),
        (lambda d, m: d.update(group_columns=d["group_columns"][:1]), "cells of per-group"),
        (lambda d, m: d["outputs"].update(extra=d["outputs"]["score"]), "holds the profile of"),
        (shuffled_keys, "pairs are not sorted"),
        (lambda d, m: d["hashes"].update(rows=5), "counts are not positive or exceed the rows"),
        (lambda d, m: d.pop("hashes"), "KeyError"),
    ],
    ids=[
        "no-hashes",
        "no-outputs",
        "meta-denies",
        "cells",
        "unknown-output",
        "unsorted",
        "rows",
        "missing-key",
    ],
)
def test_damaged_parts_are_refused(tmp_path: Path, change, needle: str):
    path = tmp_path / "p.profile"
    profile_file.save(profile(), path, {}, "9.9")
    rewrite(path, change)
    with pytest.raises(InputError, match=needle) as caught:
        profile_file.load(path, "reference profile")
    assert "reference profile" in str(caught.value) and "is damaged" in str(caught.value)


def test_a_version_1_profile_is_refused_with_the_way_out(tmp_path: Path):
    path = tmp_path / "p.profile"
    profile_file.save(profile(), path, {}, "9.9")
    rewrite(path, lambda d, m: d.update(version=1))
    with pytest.raises(InputError, match="version 1 profile; this model-gate reads version 2"):
        profile_file.load(path)
