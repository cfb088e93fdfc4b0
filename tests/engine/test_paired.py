"""Joint cells of the candidate and the baseline: the profile contract, exact zero drops for an
unchanged model, and a simulation of the paired interval's coverage and width."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import profiles_match

from gate.backends.profiling import Plan, profile_bound
from gate.engine import paired
from gate.engine.confusion import ConfusionCells
from gate.engine.metrics import Task
from gate.engine.profile import part_type
from gate.engine.resample import percentile_interval
from gate.inputs.binding import EvalData, Predictions
from gate.policy.model import DataBinding

PLAN = Plan(DataBinding(), Task.BINARY, paired=("paired", "paired_scores"))


def _rows(n: int, seed: int, weighted: bool = False):
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, n)
    y = rng.integers(0, 2, n)
    cand = np.where(rng.uniform(size=n) < 0.8, y, 1 - y)
    base = np.where(rng.uniform(size=n) < 0.2, 1 - cand, cand)
    weight = rng.uniform(0.5, 2.0, n) if weighted else None
    return group, y, cand, base, weight


@pytest.mark.parametrize("weighted", [False, True])
def test_each_model_s_marginal_is_its_own_confusion(weighted):
    group, y, cand, base, weight = _rows(500, 1, weighted)
    joint = paired.JointCells.from_pairs(group, y, cand, base, weight, 3)
    for stats, pred in zip(joint.pair(), (cand, base), strict=True):
        alone = ConfusionCells.from_rows(group, y, pred, weight, 3).stats()
        for name in ("tp", "fp", "fn", "tn", "n"):
            np.testing.assert_allclose(getattr(stats, name), getattr(alone, name), rtol=1e-12)


def _profile(frame: pd.DataFrame) -> object:
    ev = EvalData(
        Task.BINARY,
        frame["y"].to_numpy(),
        None,
        Predictions("cand", frame["c"].to_numpy(), None),
        Predictions("base", frame["b"].to_numpy(), None),
        frame[["g"]],
    )
    return profile_bound(ev, ("g",), plan=PLAN)


def test_profiles_with_joint_cells_add_as_their_rows_do():
    group, y, cand, base, _ = _rows(600, 2)
    frame = pd.DataFrame({"g": np.array(["a", "b", "c"])[group], "y": y, "c": cand, "b": base})
    whole = _profile(frame)
    assert isinstance(whole.candidate["paired"], paired.JointCells)
    halves = _profile(frame.iloc[:250]) + _profile(frame.iloc[250:].reset_index(drop=True))
    assert profiles_match(whole, halves)
    assert whole.candidate["paired"] == halves.candidate["paired"]


def test_joint_cells_round_trip_through_their_arrays():
    joint = paired.JointCells.from_pairs(*_rows(300, 3, weighted=True), 3)
    assert part_type("paired").from_arrays(joint.to_arrays()) == joint
    with pytest.raises(ValueError, match="not \\(groups, 2, 2, 2\\)"):
        paired.JointCells.from_arrays({"n": np.zeros((3, 2, 2), dtype=np.int64)})


def test_no_joint_cells_unless_the_plan_asks():
    group, y, cand, base, _ = _rows(100, 4)
    frame = pd.DataFrame({"g": np.array(["a", "b", "c"])[group], "y": y, "c": cand, "b": base})
    ev = EvalData(
        Task.BINARY, y, None, Predictions("c", cand, None), Predictions("b", base, None), frame
    )
    assert "paired" not in profile_bound(ev, ("g",)).candidate


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("name", sorted(paired.LABELS))
def test_an_unchanged_model_drops_exactly_zero_on_every_resample(name, weighted):
    group, y, cand, _, weight = _rows(400, 5, weighted)
    joint = paired.JointCells.from_pairs(group, y, cand, cand, weight, 3)
    drops = paired.paired_drop(name, joint, 300, 7)
    finite = drops.drops[np.isfinite(drops.drops)]
    assert finite.size > 0 and np.all(finite == 0.0) and not np.signbit(finite).any()
    assert np.all(drops.drop == 0.0)
    assert drops.interval(0.95)[0] == (0.0, 0.0)


def _cells_of(counts: np.ndarray) -> paired.JointCells:
    return paired.JointCells(counts.reshape(1, 2, 2, 2).astype(np.int64))


def test_paired_interval_covers_at_the_nominal_rate_and_is_narrower_than_unpaired():
    """Rows are drawn from a known joint law of (truth, candidate, baseline); the models agree
    on most rows (correlated), so the paired interval of the accuracy drop must be much
    narrower than one from independent resamples of each model, and still cover."""
    # [truth, candidate, baseline]: P(truth=1) = 0.5; the candidate is right 78 % of the time,
    # the baseline 80 %; they disagree on 6 % of the rows
    law = np.zeros((2, 2, 2))
    for t in (0, 1):
        law[t, t, t] = 0.37  # both right
        law[t, 1 - t, 1 - t] = 0.10  # both wrong
        law[t, 1 - t, t] = 0.02  # only the baseline right
        law[t, t, 1 - t] = 0.01  # only the candidate right
    true_drop = 0.80 - 0.78
    confidence, reps, n, resamples = 0.9, 300, 400, 400
    rng = np.random.default_rng(12)
    covered, widths_paired, widths_unpaired = 0, [], []
    for rep in range(reps):
        counts = rng.multinomial(n, law.ravel())
        joint = _cells_of(counts)
        lo, hi = paired.paired_drop("accuracy", joint, resamples, rep).interval(confidence)[0]
        covered += lo <= true_drop <= hi
        widths_paired.append(hi - lo)
        cand, base = (paired.metric_values("accuracy", s)[:, 0] for s in _unpaired(joint, rep))
        lo_u, hi_u = percentile_interval(base - cand, confidence)
        widths_unpaired.append(hi_u - lo_u)
    assert abs(covered / reps - confidence) < 0.05, covered / reps
    assert np.mean(widths_paired) < 0.6 * np.mean(widths_unpaired)


def _unpaired(joint: paired.JointCells, seed: int):
    """Each model's confusion cells resampled on its own (what separate parts give)."""
    cand, base = (ConfusionCells(np.rint(c).astype(np.int64)) for c in _cells(joint))
    return cand.resample(400, seed), base.resample(400, seed + 10_000)


def _cells(joint: paired.JointCells):
    n = joint.n.astype(float)
    return n.sum(axis=-1), n.sum(axis=-2)


def test_relative_drop_is_judged_on_the_same_resamples():
    group, y, cand, base, _ = _rows(800, 6)
    joint = paired.overall(paired.JointCells.from_pairs(group, y, cand, base, None, 3))
    drops = paired.paired_drop("recall", joint, 200, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        boot_c, boot_b = (paired.metric_values("recall", s) for s in joint.resample(200, 1))
    np.testing.assert_array_equal(drops.drops, boot_b - boot_c)
    np.testing.assert_allclose(drops.relative, (boot_b - boot_c) / boot_b)


def test_a_saved_profile_keeps_its_joint_cells(tmp_path):
    from gate.inputs import profile_file

    group, y, cand, base, _ = _rows(200, 8)
    frame = pd.DataFrame({"g": np.array(["a", "b", "c"])[group], "y": y, "c": cand, "b": base})
    profile = _profile(frame)
    profile_file.save(profile, tmp_path / "p.npz", {}, "test")
    loaded, _, _ = profile_file.load(tmp_path / "p.npz")
    assert loaded.candidate["paired"] == profile.candidate["paired"]


def test_only_the_joint_parts_a_check_asks_for_are_built(tmp_path):
    import yaml

    from gate.policy.loader import load_policy
    from gate.policy.model import joint_parts

    def parts(*checks: dict) -> tuple[str, ...]:
        doc = {"version": 1, "checks": [{"id": f"c{i}", **c} for i, c in enumerate(checks)]}
        (tmp_path / "p.yaml").write_text(yaml.safe_dump(doc))
        return joint_parts(load_policy(tmp_path / "p.yaml").checks)

    point = {"type": "performance", "metric": "roc_auc", "baseline": {"max_drop": 0.1}}
    auc = {**point, "baseline": {"max_drop": 0.1, "confidence": 0.9}}
    recall = {**auc, "metric": "recall"}
    fair = {"type": "fairness", "metric": "recall", "aggregate": "difference"}
    fair |= {"baseline": {"max_drop": 0.1}}
    assert parts(point) == ()
    assert parts(auc) == ("paired_scores",)
    assert parts(recall, fair) == ("paired",)
    assert parts(auc, fair) == ("paired", "paired_scores")
