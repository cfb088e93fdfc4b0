"""The same evaluation through the Python API with in-memory objects (a fitted estimator, a
DataFrame, a dict policy) and through the CLI with files (the estimator saved with
skops.io.dump, the frame as CSV / Parquet, the policy as YAML) gives the same report.json; only
the inputs' provenance differs (DIFFERENT_PROVENANCE). Also the --features / --sensitive flags."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
import yaml
from helpers import FEATURES, classification_frame, fit_classifier, run_cli

from gate import evaluate
from gate.errors import UsageError

POLICY: dict[str, Any] = {
    "version": 1,
    "name": "same-either-way",
    "data": {"label": "y", "sensitive": ["sex"]},
    "checks": [
        {"id": "auc", "type": "performance", "metric": "roc_auc", "min": 0.6, "confidence": 0.9},
        {
            "id": "no-regression",
            "type": "performance",
            "metric": "accuracy",
            "baseline": {"max_drop": 0.01},
        },
        {
            "id": "parity",
            "type": "fairness",
            "metric": "selection_rate",
            "aggregate": "ratio",
            "min": 0.8,
        },
        {
            "id": "quality",
            "type": "data_quality",
            "min_rows": 100,
            "max_missing_share": 0.05,
            "max_duplicate_share": 0.0,
        },
        {"id": "drift", "type": "drift", "severity": "warn"},
        {
            "id": "drift-evidently",
            "type": "drift",
            "engine": "evidently",
            "verdict": "p_value",
            "outputs": False,
            "severity": "info",
        },
    ],
}
# What tells the API's run from the CLI's: where each input came from, and its digest (a file's
# bytes there; the canonical serialisation of the in-memory object here — docs/api.md)
PROVENANCE = {
    "inputs.policy": ("path", "sha256", "sources[0]", "files[0].path", "files[0].sha256"),
    "inputs.model": ("path", "sha256", "format", "files"),
    "inputs.baseline_model": ("path", "sha256", "format", "files"),
    "inputs.data": ("path", "sha256"),
    "inputs.reference": ("path", "sha256"),
}
RUN = ("--seed", "7", "--resamples", "200", "--no-progress", "--batch-rows", "700")


def differences(a: Any, b: Any, where: str = "") -> set[str]:
    """The dotted paths at which two JSON values differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        return {
            d
            for k in a.keys() | b.keys()
            for d in differences(a.get(k), b.get(k), f"{where}.{k}" if where else k)
        }
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return {
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in differences(x, y, f"{where}[{i}]")
        }
    return set() if a == b else {where}


def expected_differences(report: dict[str, Any]) -> set[str]:
    """Every provenance field, and each check's location (a file's line there, a key path
    here)."""
    fields = {f"{entry}.{key}" for entry, keys in PROVENANCE.items() for key in keys}
    return fields | {f"checks[{i}].location" for i in range(len(report["checks"]))}


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Everything trained and generated in the test, in memory and written as files."""
    root = tmp_path_factory.mktemp("api-e2e")
    train = classification_frame(n=1500, seed=1)
    data = classification_frame(n=2000, seed=0)
    reference = classification_frame(n=1500, seed=3)
    candidate, baseline = fit_classifier(train), fit_classifier(train, ["x1"])
    sio.dump(candidate, root / "candidate.skops")
    sio.dump(baseline, root / "baseline.skops")
    data.to_csv(root / "data.csv", index=False)
    data.to_parquet(root / "data.parquet")
    reference.to_parquet(root / "reference.parquet")
    (root / "policy.yaml").write_text(yaml.safe_dump(POLICY, sort_keys=False))
    return {
        "root": root,
        "data": data,
        "reference": reference,
        "candidate": candidate,
        "baseline": baseline,
    }


@pytest.fixture(scope="module")
def in_memory(trained: dict[str, Any]) -> dict[str, Any]:
    return evaluate_in_memory(trained)


def evaluate_in_memory(trained: dict[str, Any], **options: Any) -> dict[str, Any]:
    """The API's report.json on the in-memory objects (the same seed and sizes as the CLI's)."""
    result = evaluate(
        POLICY,
        trained["data"],
        model=trained["candidate"],
        baseline=trained["baseline"],
        reference=trained["reference"],
        seed=7,
        resamples=200,
        batch_rows=700,
        **options,
    )
    return result.to_json()


@pytest.mark.parametrize("data_file", ["data.csv", "data.parquet"])
def test_the_api_in_memory_and_the_cli_on_files_give_the_same_report(
    trained: dict[str, Any], in_memory: dict[str, Any], data_file: str, tmp_path: Path
):
    root = trained["root"]
    run = run_cli(
        "check",
        "--policy", root / "policy.yaml",
        "--data", root / data_file,
        "--model", root / "candidate.skops",
        "--baseline-model", root / "baseline.skops",
        "--reference", root / "reference.parquet",
        "--output-dir", tmp_path / "out",
        *RUN,
    )  # fmt: skip
    assert run.code in (0, 1), run.stderr
    on_files = json.loads((tmp_path / "out" / "report.json").read_text())
    assert differences(in_memory, on_files) == expected_differences(on_files)
    assert run.code == in_memory["exit_code"]
    assert {c["status"] for c in in_memory["checks"]} >= {"pass"}  # the checks really ran
    assert in_memory["inputs"]["data"]["rows"] == 2000
    assert in_memory["inputs"]["data"]["path"] == "<pandas.DataFrame>"
    assert in_memory["inputs"]["reference"]["path"] == "<pandas.DataFrame>"
    assert in_memory["inputs"]["model"]["format"] == "in-memory"
    assert on_files["inputs"]["policy"]["name"] == in_memory["inputs"]["policy"]["name"]


def test_the_api_on_files_gives_the_cli_report_exactly(trained: dict[str, Any], tmp_path: Path):
    """Given the same paths, the API and the CLI agree on every field but where checks are
    in the policy file (the same) — nothing differs at all."""
    root = trained["root"]
    args = ("--policy", root / "policy.yaml", "--data", root / "data.parquet")
    run = run_cli("check", *args, "--model", root / "candidate.skops", "--output-dir",
                  tmp_path / "out", *RUN)  # fmt: skip
    assert run.code in (0, 1), run.stderr
    by_api = evaluate(
        root / "policy.yaml",
        root / "data.parquet",
        model=root / "candidate.skops",
        seed=7,
        resamples=200,
        batch_rows=700,
    )
    assert by_api.to_json() == json.loads((tmp_path / "out" / "report.json").read_text())


def test_the_dask_engine_takes_in_memory_data(trained: dict[str, Any], in_memory: dict[str, Any]):
    assert evaluate_in_memory(trained, engine="dask") == in_memory


def _numpy_model(root: Path, data: pd.DataFrame) -> Path:
    from sklearn.linear_model import LogisticRegression

    bare = LogisticRegression().fit(data[FEATURES].to_numpy(), data["y"])
    sio.dump(bare, root / "bare.skops")
    return root / "bare.skops"


def test_features_flag_binds_a_numpy_trained_model(trained: dict[str, Any], tmp_path: Path):
    root = trained["root"]
    bare = _numpy_model(tmp_path, trained["data"])
    policy = root / "policy.yaml"
    base = ("check", "--policy", policy, "--data", root / "data.csv", "--model", bare, *RUN)
    refused = run_cli(*base)
    assert refused.code == 2 and "does not record its input names" in refused.stderr
    run = run_cli(*base, "--features", "x1,x2", "--features", "x3", "--output-dir", tmp_path / "o")
    assert run.code in (0, 1), run.stderr
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert report["inputs"]["binding"]["features"] == FEATURES
    missing = run_cli(*base, "--features", "x1,x2,x9")
    assert missing.code == 2 and "lacks model input column 'x9'" in missing.stderr


def test_sensitive_flag_overrides_the_policy(trained: dict[str, Any], tmp_path: Path):
    data = trained["data"].assign(race=np.where(np.arange(2000) % 4 == 0, "a", "b"))
    data.to_csv(tmp_path / "race.csv", index=False)
    policy = trained["root"] / "policy.yaml"
    model = trained["root"] / "candidate.skops"
    base = ("check", "--policy", policy, "--data", tmp_path / "race.csv", "--model", model, *RUN)
    run = run_cli(*base, "--sensitive", "race", "--output-dir", tmp_path / "o")
    assert run.code in (0, 1), run.stderr
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert report["inputs"]["binding"]["sensitive"] == ["race"]
    parity = next(c for c in report["checks"] if c["id"] == "parity")
    assert sorted(g["group"]["race"] for g in parity["groups"]) == ["a", "b"]
    both = run_cli(
        *base, "--sensitive", "sex", "--sensitive", "race", "--output-dir", tmp_path / "p"
    )
    assert both.code in (0, 1), both.stderr
    report = json.loads((tmp_path / "p" / "report.json").read_text())
    assert report["inputs"]["binding"]["sensitive"] == ["sex", "race"]
    wrong = run_cli(*base, "--sensitive", "rase")
    assert wrong.code == 2 and "'rase'" in wrong.stderr, wrong.stderr


@pytest.mark.parametrize("formats", ["markdown,junit", "html, text", ","])
def test_formats_mean_the_same_to_write_and_to_the_command_line(
    trained: dict[str, Any], tmp_path: Path, formats: str
):
    root = trained["root"]
    args = ("--policy", root / "policy.yaml", "--data", root / "data.parquet")
    run = run_cli("check", *args, "--model", root / "candidate.skops", "--output-dir",
                  tmp_path / "cli", "--format", formats, *RUN)  # fmt: skip
    result = evaluate(root / "policy.yaml", root / "data.parquet", model=root / "candidate.skops",
                      seed=7, resamples=200, batch_rows=700)  # fmt: skip
    if formats == ",":
        with pytest.raises(UsageError, match="formats ',' names no format"):
            result.write(tmp_path / "api", formats)
        assert run.code == 2 and "--format ',' names no format" in run.stderr
        assert not (tmp_path / "cli").exists() and not (tmp_path / "api").exists()
        return
    assert run.code in (0, 1), run.stderr
    written = result.write(tmp_path / "api", formats)
    assert sorted(p.name for p in written) == sorted(p.name for p in (tmp_path / "cli").iterdir())
