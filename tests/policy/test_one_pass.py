"""Every problem of a policy and the files it extends comes out in one run, each at its place.

Each mistake class (tests/policy/mistakes.py) is tried alone (it causes exactly its own
problems), all together, and all but one (nothing hides or is blamed on another)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mistakes import EXTENDS_MISTAKES, HIDDEN_BY_AN_UNUSABLE_BASE, MISTAKES, Mistake, write_tree

from gate.errors import PolicyError
from gate.policy.loader import load_policy


def found(tmp: Path, mistakes: list[Mistake]) -> tuple[list[str], dict[str, int]]:
    lines = write_tree(tmp, mistakes)
    with pytest.raises(PolicyError) as info:
        load_policy(tmp / "root.yaml")
    return [f"{loc}: {message}" for loc, message in info.value.problems], lines


def assert_reported(tmp: Path, mistakes: list[Mistake], hidden: set[str] = frozenset()) -> None:
    problems, lines = found(tmp, mistakes)
    shown = [m for m in mistakes if m.name not in hidden]
    unclaimed = list(problems)
    for m in shown:
        for fragment in m.expected:
            where = f"{tmp / m.file}.yaml:{lines[m.name]}:"
            hit = next((p for p in unclaimed if p.startswith(where) and fragment in p), None)
            assert hit, f"{m.name}: no '{fragment}' at {where} in {problems}"
            unclaimed.remove(hit)
    excused = [f"{tmp / m.file}.yaml:{lines[m.name]}:" for m in mistakes if m.name in hidden]
    extra = [p for p in unclaimed if not p.startswith(tuple(excused))]
    assert not extra, f"problems no mistake explains: {extra}"


@pytest.mark.parametrize("mistake", MISTAKES + EXTENDS_MISTAKES, ids=lambda m: m.name)
def test_each_mistake_alone_gives_exactly_its_problems(tmp_path: Path, mistake: Mistake):
    assert_reported(tmp_path, [mistake])


def test_every_mistake_at_once(tmp_path: Path):
    assert_reported(tmp_path, MISTAKES)


@pytest.mark.parametrize("left_out", MISTAKES, ids=lambda m: m.name)
def test_every_mistake_but_one(tmp_path: Path, left_out: Mistake):
    assert_reported(tmp_path, [m for m in MISTAKES if m is not left_out])


@pytest.mark.parametrize("broken_base", EXTENDS_MISTAKES, ids=lambda m: m.name)
def test_an_unusable_base_hides_only_the_whole_tree_rules(tmp_path: Path, broken_base: Mistake):
    """Unknown params and waivers for unknown checks cannot be told while a base is unread."""
    assert_reported(tmp_path, [*MISTAKES, broken_base], hidden=HIDDEN_BY_AN_UNUSABLE_BASE)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "version: 1\nnmae: x\nchecks:\n"
            "  - {id: a, type: performance, metric: accuracy, min: 0.5, severity: warn}\n",
            ["unknown key 'nmae'", "no check blocks"],
        ),
        (
            "version: 1\nnmae: x\nchecks: []\n",
            ["unknown key 'nmae'", "the policy has no checks"],
        ),
        (
            "version: 1\nchecks:\n  - {id: a, type: performance, metric: accuracy, min: 0.5}\n"
            "  - {id: b, type: performance, metric: rmse, max: 1}\n"
            "  - {id: c, type: performance, metric: recal, min: 0.5}\n",
            ["mix metrics of different tasks", "'recal' is not a performance metric"],
        ),
    ],
)
def test_whole_tree_rules_come_with_the_others(tmp_path: Path, body: str, expected: list[str]):
    (tmp_path / "p.yaml").write_text(body)
    with pytest.raises(PolicyError) as info:
        load_policy(tmp_path / "p.yaml")
    messages = [m for _, m in info.value.problems]
    assert len(messages) == len(expected), messages
    assert all(any(e in m for m in messages) for e in expected), messages


def test_a_dropped_check_does_not_make_the_tree_look_empty(tmp_path: Path):
    (tmp_path / "p.yaml").write_text(
        "version: 1\nchecks:\n  - {id: a, type: perfomance, metric: accuracy, min: 0.5}\n"
        "waivers:\n  - {check: a, reason: r, approved_by: x, expires: 2030-01-01}\n"
    )
    with pytest.raises(PolicyError) as info:
        load_policy(tmp_path / "p.yaml")
    assert [m for _, m in info.value.problems] == [
        "checks[0].type: 'perfomance' is not a known value; did you mean 'performance'?"
    ]


def test_a_malformed_extends_does_not_make_params_look_unknown(tmp_path: Path):
    (tmp_path / "p.yaml").write_text(
        "version: 1\nextends: 'builtin:eeoc-four-fifths'\nparams: {min_impact_ratio: 0.9}\n"
    )
    with pytest.raises(PolicyError) as info:
        load_policy(tmp_path / "p.yaml")
    assert [m for _, m in info.value.problems] == ["extends must be of type array, not str"]


@pytest.mark.parametrize("seed", range(8))
def test_any_mix_of_mistakes(tmp_path: Path, seed: int):
    import random

    rng = random.Random(seed)
    chosen = rng.sample(MISTAKES, rng.randint(2, len(MISTAKES) - 1))
    assert_reported(tmp_path, chosen)
