"""`model-gate check` imports matplotlib only when it draws a chart (--format html): every other
run skips its import (~0.3 s of start-up). Checked in a real CLI process, which reports whether
matplotlib ended up in sys.modules."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import ROOT, write_policy

POLICY = """
    version: 1
    data: {label: y, prediction: pred, sensitive: [sex]}
    checks:
      - {id: acc, type: performance, metric: accuracy, min: 0.5}
      - {id: gap, type: fairness, metric: selection_rate, aggregate: difference, max: 0.5}
      - {id: drift, type: drift}
      - {id: quality, type: data_quality, max_duplicate_share: 0.5}
"""
PROBE = """
import runpy, sys
sys.argv = ["model-gate", *sys.argv[1:]]
try:
    runpy.run_module("gate", run_name="__main__", alter_sys=True)
except SystemExit as exit:
    code = exit.code
print("matplotlib" in sys.modules, code, file=sys.stderr)
"""


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lazy")
    rng = np.random.default_rng(0)
    n = 600
    for name in ("data", "ref"):
        pd.DataFrame(
            {
                "x": rng.normal(size=n),
                "sex": rng.choice(["F", "M"], n),
                "y": rng.integers(0, 2, n),
                "pred": rng.integers(0, 2, n),
            }
        ).to_csv(root / f"{name}.csv", index=False)
    write_policy(root / "policy.yaml", POLICY)
    return root


def imports_matplotlib(root: Path, out: Path, *formats: str) -> bool:
    """Run a check in a fresh interpreter; whether matplotlib was imported by its end."""
    args = ["--policy", root / "policy.yaml", "--data", root / "data.csv"]
    args += ["--reference", root / "ref.csv", "--output-dir", out, "--no-progress"]
    args += [a for f in formats for a in ("--format", f)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, "check", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    imported, code = proc.stderr.strip().splitlines()[-1].split()
    assert code in ("0", "1"), proc.stderr
    assert (out / "report.json").exists()
    return imported == "True"


def test_a_check_without_html_never_imports_matplotlib(inputs: Path, tmp_path: Path):
    others = ("markdown", "text", "junit", "codequality", "github")
    assert not imports_matplotlib(inputs, tmp_path / "out", *others)
    assert (tmp_path / "out" / "report.md").exists()


def test_a_check_with_html_draws_its_charts_with_matplotlib(inputs: Path, tmp_path: Path):
    assert imports_matplotlib(inputs, tmp_path / "out", "html")
    assert "<svg " in (tmp_path / "out" / "report.html").read_text()
