"""The sdist and the wheel built from it, installed into a fresh venv outside the repository:
`model-gate init`, `validate` and `check` run through the installed console script on a model
trained here, with no file of the repository on the path.

`uv build` builds the sdist first and the wheel from that sdist, so a file missing from the
sdist is missing from the wheel and fails here. Installing takes the dependencies from the
package registry (uv's cache makes a repeat run take about a second).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import skops.io as sio
from helpers import ROOT, classification_frame, fit_classifier

from gate import __version__

TIMEOUT = 600  # a cold uv cache downloads the dependencies (about 200 MB)


def uv() -> str:
    here = Path(sys.executable).parent / "uv"
    found = str(here) if here.exists() else shutil.which("uv")
    if not found:
        pytest.fail("uv is needed to build and install the wheel (make test installs it)")
    return found


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that points into the repository or its venv (and
    with bytecode written, as in a user's venv: each run would otherwise compile again)."""
    drop = {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONDONTWRITEBYTECODE"}
    return {k: v for k, v in os.environ.items() if k not in drop} | extra


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env or clean_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 0, f"{args}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    run(uv(), "build", "--quiet", "--out-dir", out, ROOT, cwd=out)
    return out


def packaged_files() -> set[str]:
    """Every file of the package directory that belongs in the wheel."""
    return {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "gate").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


def test_the_sdist_and_the_wheel_hold_the_package_with_its_data(dist: Path):
    (wheel,) = dist.glob(f"model_gate-{__version__}-py3-none-any.whl")
    (sdist,) = dist.glob(f"model_gate-{__version__}.tar.gz")
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    assert packaged_files() <= in_wheel
    assert {"gate/schemas/policy.schema.json", "gate/policies/nyc-ll144.yaml"} <= in_wheel
    top = f"model_gate-{__version__}/"
    with tarfile.open(sdist) as tar:
        in_sdist = {n.removeprefix(top) for n in tar.getnames()}
    assert packaged_files() | {"pyproject.toml", "README.md"} <= in_sdist
    entry = zipfile.ZipFile(wheel).read(f"model_gate-{__version__}.dist-info/entry_points.txt")
    assert "model-gate = gate.cli:entry" in entry.decode()


@pytest.fixture(scope="module")
def installed(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv outside the repository with only the wheel (and its dependencies)."""
    venv = tmp_path_factory.mktemp("venv") / "venv"
    assert ROOT not in venv.parents
    (wheel,) = dist.glob("*.whl")
    run(uv(), "venv", "--quiet", "--python", sys.executable, venv, cwd=venv.parent)
    run(uv(), "pip", "install", "--quiet", "--python", venv / "bin/python", wheel, cwd=venv.parent)
    return venv


def test_the_installed_console_script_runs_init_validate_and_check(installed: Path, tmp_path):
    work = tmp_path / "project"
    (work / ".github").mkdir(parents=True)
    frame = classification_frame(600, seed=5)
    sio.dump(fit_classifier(frame), work / "model.skops")
    frame.to_csv(work / "eval.csv", index=False)
    gate = installed / "bin/model-gate"
    env = clean_env(PATH=f"{installed / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")

    where = run(
        installed / "bin/python", "-c", "import gate, sys; print(gate.__file__); print(sys.path)",
        cwd=work, env=env,
    )  # fmt: skip
    assert str(installed) in where.splitlines()[0]
    assert str(ROOT) not in where

    assert run(gate, "--version", cwd=work, env=env).strip() == f"model-gate {__version__}"
    run(gate, "init", "--model", "model.skops", "--data", "eval.csv", "--sensitive", "sex",
        cwd=work, env=env)  # fmt: skip
    assert (work / ".github/workflows/model-gate.yml").is_file()
    assert "ok (3 checks" in run(gate, "validate", "policy.yaml", cwd=work, env=env)
    run(gate, "check", "--policy", "policy.yaml", "--model", "model.skops", "--data", "eval.csv",
        "--output-dir", "out", "--format", "markdown,html", cwd=work, env=env)  # fmt: skip
    report = json.loads((work / "out/report.json").read_text())
    assert report["decision"] == "approve" and report["tool"]["version"] == __version__
    assert {p.name for p in (work / "out").iterdir()} >= {"report.md", "report.html"}
    packs = run(gate, "policies", "list", cwd=work, env=env)
    assert "builtin:nyc-ll144" in packs and "builtin:eeoc-four-fifths" in packs
