"""The reference side of the new parts: a reference data file is profiled with the candidate's
outputs (the model runs on it, no label needed); a saved reference profile may hold more than a
run needs, and one holding less is an input error saying what is missing and how to rebuild it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
from helpers import FEATURES, classification_frame, fit_classifier, run_cli, write_policy

from gate.engine.columns import profile_column
from gate.errors import InputError
from gate.inputs import profile_file
from gate.measurement import measure
from gate.options import RunOptions
from gate.policy.loader import load_policy

POLICY = """
    version: 1
    data: {label: y, sensitive: [sex]}
    checks:
      - {id: acc, type: performance, metric: accuracy, min: 0.5}
"""


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reference")
    classification_frame(800, seed=2).to_csv(root / "eval.csv", index=False)
    unlabelled = classification_frame(500, seed=3).drop(columns=["y"])
    unlabelled.to_csv(root / "ref.csv", index=False)
    sio.dump(fit_classifier(classification_frame(seed=1)), root / "model.skops")
    write_policy(root / "policy.yaml", POLICY)
    return root


def options(root: Path, reference: Path | None = None) -> RunOptions:
    return RunOptions(
        policy=str(root / "policy.yaml"),
        data=str(root / "eval.csv"),
        model=str(root / "model.skops"),
        reference=None if reference is None else str(reference),
        batch_rows=150,
    )


def test_a_reference_data_file_gets_the_candidates_outputs_without_a_label(root: Path):
    policy = load_policy(str(root / "policy.yaml"))
    measured = measure(
        options(root, root / "ref.csv"),
        policy,
        output_columns=True,
        hash_columns=True,
        reference_hashes=True,
    )
    reference = measured.reference.profile
    assert reference.candidate is None and reference.baseline is None  # no label: no cells
    frame = classification_frame(500, seed=3)
    scores = measured.model.model.predict_scores(frame[FEATURES], 1)
    got, expected = reference.outputs["score"], profile_column("score", scores)
    assert (got.count, got.numbers.min, got.numbers.max) == (500, scores.min(), scores.max())
    assert np.array_equal(got.numbers.counts, expected.numbers.counts)
    assert np.isclose(got.numbers.mean, scores.mean(), rtol=1e-12)
    assert reference.outputs["prediction"].count == 500
    assert reference.hashes.rows == 500 and measured.profile.hashes.rows == 800
    assert measured.profile.outputs["score"].count == 800
    assert reference.meta == measured.profile.meta


def test_a_saved_reference_holding_more_is_fine_and_one_holding_less_is_refused(root: Path):
    policy = load_policy(str(root / "policy.yaml"))
    rich = measure(options(root), policy, hash_columns=True, output_columns=True)
    profile_file.save(rich.profile, root / "rich.profile", {}, "9.9")
    plain = measure(options(root), policy)
    profile_file.save(plain.profile, root / "plain.profile", {}, "9.9")

    used = measure(options(root, root / "rich.profile"), policy, hash_columns=True)
    assert used.reference.profile.hashes == rich.profile.hashes
    with pytest.raises(InputError) as caught:
        measure(
            options(root, root / "plain.profile"),
            policy,
            hash_columns=True,
            output_columns=True,
            group_columns=("x1",),
            reference_hashes=True,
        )
    message = str(caught.value)
    assert "reference profile" in message and "plain.profile" in message
    assert "does not hold row hashes; the model's outputs (score / prediction); " in message
    assert "per-group column profiles of x1" in message
    assert "build it again with `model-gate profile`" in message


def test_model_gate_profile_with_a_model_keeps_its_outputs(root: Path):
    out = root / "cli.profile"
    result = run_cli(
        "profile",
        "--policy",
        root / "policy.yaml",
        "--data",
        root / "eval.csv",
        "--model",
        root / "model.skops",
        "-o",
        out,
    )
    assert result.code == 0, result.stderr
    profile, _, _ = profile_file.load(out)
    assert set(profile.outputs) == {"score", "prediction"}
    assert profile.outputs["score"].count == 800
    assert profile.meta["holds"]["outputs"] is True


def quality_policy(root: Path, rules: str) -> Path:
    """The reference fixture's binding, with one data-quality check."""
    return write_policy(
        root / "quality.yaml",
        f"""
        version: 1
        data: {{label: y, sensitive: [sex]}}
        checks:
          - {{id: quality, type: data_quality, {rules}}}
        """,
    )


def test_only_overlap_asks_the_reference_for_row_hashes(root: Path):
    """Duplicates and conflicting labels read the data's hashes alone: the reference data file
    is not hashed for them (a cost per row), and is for overlap."""
    rules = "max_duplicate_share: 0.0, max_conflicting_share: 0.0"
    policy = load_policy(str(quality_policy(root, rules)))
    measured = measure(options(root, root / "ref.csv"), policy)
    assert measured.profile.hashes is not None and measured.profile.hashes.rows == 800
    assert measured.reference.profile.hashes is None
    assert measured.reference.profile.meta["holds"]["hashes"] is False

    policy = load_policy(str(quality_policy(root, "max_overlap_share: 0.0")))
    measured = measure(options(root, root / "ref.csv"), policy)
    assert measured.reference.profile.hashes.rows == 500
    assert measured.profile.hashes.rows == 800


def hashless_profile(root: Path) -> Path:
    """A reference profile built under a policy without data-quality rules: no row hashes."""
    out = root / "hashless.profile"
    if not out.exists():
        built = run_cli(
            "profile", "--policy", root / "policy.yaml", "--data", root / "eval.csv", "-o", out
        )
        assert built.code == 0, built.stderr
    assert profile_file.load(out)[0].hashes is None
    return out


def test_a_reference_profile_without_hashes_serves_a_duplicates_only_policy(root: Path):
    reference = hashless_profile(root)
    policy = quality_policy(root, "max_duplicate_share: 0.0, max_conflicting_share: 0.0")
    out = root / "dup-out"
    args = ["--data", root / "eval.csv", "--reference", reference, "--output-dir", out]
    result = run_cli("check", "--policy", policy, *args)
    assert result.code == 0, result.stderr
    report = json.loads((out / "report.json").read_text())
    rules = {r["rule"]: r for r in report["checks"][0]["rules"]}
    assert rules["max_duplicate_share"]["status"] == "pass"
    assert rules["max_conflicting_share"]["status"] == "pass"
    assert report["inputs"]["reference"]["path"] == str(reference)


def test_a_reference_profile_without_hashes_is_refused_for_overlap(root: Path):
    reference = hashless_profile(root)
    policy = quality_policy(root, "max_duplicate_share: 0.0, max_overlap_share: 0.0")
    out = root / "overlap-out"
    args = ["--data", root / "eval.csv", "--reference", reference, "--output-dir", out]
    result = run_cli("check", "--policy", policy, *args)
    assert result.code == 2, result.stderr
    assert f"reference profile {reference} does not hold row hashes" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (out / "report.json").exists()
