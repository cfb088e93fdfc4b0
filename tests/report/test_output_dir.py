"""--output-dir is written as one set: all or nothing, 0644, with a manifest in evidence.json."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest
from helpers import sample_evaluation

from gate.errors import UsageError
from gate.report import output_dir as outputs
from gate.results import Evaluation

FORMATS = outputs.check_formats(["markdown", "junit", "html", "text", "github", "codequality"])


def whole_set(directory: Path) -> dict[str, str]:
    """The files of `directory`, checked against evidence.json's manifest: one run, complete."""
    manifest = json.loads((directory / "evidence.json").read_text())["predicate"]["outputs"]
    listed = {o["name"]: o["digest"]["sha256"] for o in manifest}
    present = {p.name for p in directory.iterdir()}
    assert present == {*listed, "evidence.json"}, present
    for name, digest in listed.items():
        assert hashlib.sha256((directory / name).read_bytes()).hexdigest() == digest, name
    return {name: (directory / name).read_text() for name in listed}


def run_a() -> Evaluation:
    return sample_evaluation("fail", "first run")


def run_b() -> Evaluation:
    return sample_evaluation("pass", "second run")


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def test_files_are_0644_whatever_the_umask_and_the_set_is_whole(tmp_path: Path):
    old = os.umask(0o077)
    try:
        written = outputs.write_reports(run_a(), str(tmp_path / "out"), FORMATS)
    finally:
        os.umask(old)
    assert {p.stat().st_mode & 0o777 for p in written} == {0o644}
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o755
    files = whole_set(tmp_path / "out")
    assert "first run" in files["report.md"] and leftovers(tmp_path) == []


def test_manifest_is_deterministic(tmp_path: Path):
    outputs.write_reports(run_a(), str(tmp_path / "a"), FORMATS)
    outputs.write_reports(run_a(), str(tmp_path / "b"), FORMATS)
    assert whole_set(tmp_path / "a") == whole_set(tmp_path / "b")

    def manifest(d: str):
        return json.loads((tmp_path / d / "evidence.json").read_text())["predicate"]["outputs"]

    assert manifest("a") == manifest("b")


def test_a_new_run_replaces_the_whole_previous_set(tmp_path: Path):
    out = tmp_path / "out"
    outputs.write_reports(run_a(), str(out), FORMATS)
    outputs.write_reports(run_b(), str(out), ["json", "evidence"])
    assert set(whole_set(out)) == {"report.json"}  # no stale report.md of the first run
    assert leftovers(tmp_path) == []


def test_a_failed_write_leaves_the_previous_set_and_no_temporary_files(tmp_path, monkeypatch):
    out = tmp_path / "out"
    outputs.write_reports(run_a(), str(out), FORMATS)
    before = whole_set(out)
    real, calls = outputs._write, []

    def disk_full_on_third(path: Path, data: bytes) -> None:
        calls.append(path)
        if len(calls) == 3:
            real(path, data[:10])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(path, data)

    monkeypatch.setattr(outputs, "_write", disk_full_on_third)
    with pytest.raises(UsageError, match="No space left on device"):
        outputs.write_reports(run_b(), str(out), FORMATS)
    assert whole_set(out) == before and leftovers(tmp_path) == []


@pytest.fixture
def tiny_disk(tmp_path: Path):
    """A 64 KiB tmpfs (needs root and permission to mount; skipped otherwise)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_a_real_full_disk_leaves_the_previous_set_intact(tiny_disk: Path):
    out = tiny_disk / "out"
    outputs.write_reports(run_a(), str(out), FORMATS)
    before = whole_set(out)
    huge = sample_evaluation("fail", "x" * 200_000)
    with pytest.raises(UsageError, match="No space left"):
        outputs.write_reports(huge, str(out), FORMATS)
    assert whole_set(out) == before
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["out"]


def test_a_kill_between_steps_never_leaves_a_mixed_set(tmp_path: Path):
    out = tmp_path / "out"
    outputs.write_reports(run_a(), str(out), FORMATS)
    before = whole_set(out)
    staged = outputs.stage(outputs.render_set(run_b(), FORMATS), out)
    # killed here: the target still holds the whole first set; the staging dir the whole second
    assert whole_set(out) == before
    after = whole_set(staged)
    assert after != before
    outputs.switch(staged, out)
    assert whole_set(out) == after and leftovers(tmp_path) == []


def test_without_renameat2_the_fallback_still_switches_whole_sets(tmp_path, monkeypatch):
    def unsupported(a: Path, b: Path) -> None:
        raise outputs.NoExchange

    monkeypatch.setattr(outputs, "exchange", unsupported)
    out = tmp_path / "out"
    outputs.write_reports(run_a(), str(out), FORMATS)
    outputs.write_reports(run_b(), str(out), FORMATS)
    assert "second run" in whole_set(out)["report.md"] and leftovers(tmp_path) == []


def test_fallback_puts_the_old_set_back_when_the_second_rename_fails(tmp_path, monkeypatch):
    out = tmp_path / "out"
    outputs.write_reports(run_a(), str(out), FORMATS)
    before = whole_set(out)
    staged = outputs.stage(outputs.render_set(run_b(), FORMATS), out)
    real = os.rename

    def second_fails(src, dst):
        if Path(src) == staged:
            raise OSError(errno.EIO, "I/O error")
        real(src, dst)

    monkeypatch.setattr(outputs.os, "rename", second_fails)
    with pytest.raises(OSError):
        outputs._rename_aside(staged, out)
    monkeypatch.undo()
    assert whole_set(out) == before
    outputs.discard(staged)
    assert leftovers(tmp_path) == []


def test_a_directory_with_other_files_is_refused_and_left_alone(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match=r"notes\.txt.*new or empty directory"):
        outputs.write_reports(run_a(), str(out), FORMATS)
    assert [p.name for p in out.iterdir()] == ["notes.txt"] and leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "files",
    [
        {"report.md": "# my notes\n", "junit.xml": "a,b\n"},  # review12d 10a: no manifest
        {"analysis.json": '{"decision": "approve"}'},  # not model-gate's analysis
        {"metrics.prom": "up 1\n# EOF\n"},  # not model-gate's families
        {"evidence.json": "{}"},  # no manifest
    ],
)
def test_files_named_as_model_gate_names_them_but_not_its_own_are_refused(tmp_path, files):
    """The output directory is replaced as a whole: a file counts as model-gate's by what
    model-gate recorded (evidence.json's digests, or its own analysis / metrics format),
    not by its name; anything else is refused and left as it was."""
    out = tmp_path / "out"
    out.mkdir()
    for name, text in files.items():
        (out / name).write_text(text)
    with pytest.raises(UsageError, match="did not write"):
        outputs.write_reports(run_a(), str(out), FORMATS)
    assert {p.name: p.read_text() for p in out.iterdir()} == files


def test_a_file_edited_after_the_run_is_refused_and_kept(tmp_path: Path):
    out = tmp_path / "out"
    outputs.write_reports(run_a(), str(out), FORMATS)
    (out / "report.md").write_text("# reviewed: my notes below\n")
    with pytest.raises(UsageError, match=r"report\.md \(changed since model-gate wrote it\)"):
        outputs.write_reports(run_b(), str(out), FORMATS)
    assert (out / "report.md").read_text() == "# reviewed: my notes below\n"


def test_the_error_set_of_a_failed_run_is_replaced_by_the_next_run(tmp_path: Path):
    """A failed monitor run writes metrics.prom alone (no manifest): it is model-gate's."""
    from gate.report import prometheus

    out = tmp_path / "out"
    error = prometheus.text(prometheus.error_registry("p", 2, {"model": "d.csv"}, 0.0))
    outputs.write_set({"metrics.prom": error.encode()}, str(out))
    outputs.write_reports(run_b(), str(out), FORMATS)
    assert "report.md" in whole_set(out)


def test_a_symlinked_output_dir_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A link committed in a pull request must not steer where directories are created."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "model-gate-report").symlink_to(tmp_path / "elsewhere" / "deep" / "new")
    (tmp_path / "reports").symlink_to(tmp_path / "elsewhere")
    for given in ("model-gate-report", "reports/out", str(tmp_path / "reports" / "out")):
        with pytest.raises(UsageError, match="is a symbolic link"):
            outputs.write_reports(run_a(), given, FORMATS)
    assert list((tmp_path / "elsewhere").iterdir()) == [] and leftovers(tmp_path) == []
