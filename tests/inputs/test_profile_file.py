"""The profile file round-trips, and a damaged, foreign or stale one is refused by name."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import rewrite_profile as rewrite

from gate.backends.profiling import profile_bound
from gate.engine.metrics import Task
from gate.errors import InputError
from gate.inputs import profile_file
from gate.inputs.binding import EvalData, Predictions


def profile(weighted: bool = False):
    rng = np.random.default_rng(3)
    n = 500
    frame = pd.DataFrame(
        {
            "sex": rng.choice(["f", "m", None], n),
            "x": rng.normal(size=n),
            "city": rng.choice(["a", "b", "c"], n),
            "huge": np.r_[np.full(n - 1, 1.0), 1e300],
        }
    )
    y = rng.integers(0, 2, n)
    scores = rng.uniform(size=n)
    ev = EvalData(
        Task.BINARY,
        y,
        rng.exponential(size=n) if weighted else None,
        Predictions("m", (scores > 0.5).astype(int), scores),
        None,
        frame,
        ("sex",),
        ("x",),
        ("0", "1"),
    )
    return profile_bound(ev, ("sex",), meta={"binding": {"label": "y"}, "version": 1})


@pytest.mark.parametrize("weighted", [False, True])
def test_a_saved_profile_loads_equal(tmp_path: Path, weighted: bool):
    original = profile(weighted)
    path = tmp_path / "p.profile"
    profile_file.save(original, path, {"data": {"path": "d.csv", "sha256": "0" * 64}}, "9.9")
    loaded, built_from, sha = profile_file.load(path)
    assert loaded == dataclasses.replace(original, sample=None)
    assert built_from == {"data": {"path": "d.csv", "sha256": "0" * 64}}
    assert len(sha) == 64
    assert not list(tmp_path.glob(".profile-*"))  # no temporary file left behind


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda d, m: d.update(version=0), "is a version 0 profile; this model-gate reads version"),
        (lambda d, m: d.update(format="other"), "is not a model-gate profile"),
        (lambda d, m: d.pop("task"), "is damaged or not a model-gate profile"),
        (lambda d, m: d.update(group_rows=[1]), "is damaged"),
        (lambda d, m: m.pop(next(k for k in m if k.endswith(".npy"))), "is damaged"),
    ],
    ids=["stale-version", "foreign-format", "missing-key", "row-counts", "missing-array"],
)
def test_damaged_stale_or_foreign_profiles_are_refused(tmp_path: Path, change, needle: str):
    path = tmp_path / "p.profile"
    profile_file.save(profile(), path, {}, "9.9")
    rewrite(path, change)
    with pytest.raises(InputError, match=needle) as caught:
        profile_file.load(path, "reference profile")
    assert "reference profile" in str(caught.value) and "p.profile" in str(caught.value)


def test_a_file_that_is_not_a_zip_is_refused(tmp_path: Path):
    (tmp_path / "x.profile").write_text("hello")
    with pytest.raises(InputError, match="not a ZIP file"):
        profile_file.load(tmp_path / "x.profile")


def npy_header(shape: tuple[int, ...], dtype: str = "<f8") -> bytes:
    buffer = io.BytesIO()
    header = {"descr": dtype, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


def first_array(members: dict) -> str:
    return next(k for k in sorted(members) if k.endswith(".npy"))


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (
            lambda d, m: m.update({first_array(m): npy_header((1 << 40,))}),
            "declares more data than it holds",
        ),
        (
            lambda d, m: m.update({first_array(m): npy_header((3,), "|O") + b"x" * 64}),
            "is damaged",
        ),
        (lambda d, m: d.update(group_rows=[1e300] * len(d["group_rows"])), "is damaged"),
    ],
    ids=["huge-header", "object-array", "overflowing-counts"],
)
def test_crafted_profiles_are_exit_2_not_a_crash(tmp_path: Path, change, needle: str):
    path = tmp_path / "p.profile"
    profile_file.save(profile(), path, {}, "9.9")
    rewrite(path, change)
    with pytest.raises(InputError, match=needle):
        profile_file.load(path, "reference profile")


def test_deeply_nested_json_is_exit_2(tmp_path: Path):
    path = tmp_path / "p.profile"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("profile.json", "[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match="is damaged or not a model-gate profile"):
        profile_file.load(path)
