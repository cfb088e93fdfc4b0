"""A robustness check's policy mistakes are found by `model-gate validate`, each with its
file:line:column: a range whose min is above its max, noise on a categorical feature, a
monotonic feature that is immutable, unknown keys, a counterfactual with nothing to judge it."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write_policy

from gate.policy.loader import analyse_policy, load_policy
from gate.policy.robustness_options import DEFAULT_NOISE, FeatureRule

HEAD = """\
version: 1
data: {label: y, sensitive: [sex]}
checks:
  - id: rb
    type: robustness
"""


def problems(tmp_path: Path, body: str) -> list[str]:
    path = write_policy(tmp_path / "p.yaml", HEAD + body)
    _, found = analyse_policy(str(path))
    return [f"{loc.line}:{loc.column}: {message}" for loc, message in found]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "    features:\n      age: {range: [100, 18]}\n    max_flip_rate: 0.1\n",
            "7:13: check 'rb': range of 'age' has min 100 above max 18",
        ),
        (
            "    features:\n      job: {noise: {relative: 0.1}, swap: [a, b]}\n"
            "    max_flip_rate: 0.1\n",
            "7:37: check 'rb': 'job' has both noise (numeric) and swap (categorical); keep one",
        ),
        (
            "    counterfactual: [sex]\n    features:\n      sex: {noise: {std: 0.1}}\n"
            "    max_flip_rate: 0.1\n",
            "8:13: check 'rb': noise on 'sex', a counterfactual attribute (categorical: it is set "
            "to each of its values); drop the noise",
        ),
        (
            "    features:\n      age: {monotonic: increasing, immutable: true}\n",
            "7:13: check 'rb': 'age' is immutable (never perturbed), so 'monotonic' cannot apply",
        ),
        (
            "    features:\n      job: {swap: [a, b], monotonic: increasing}\n",
            "7:27: check 'rb': 'monotonic' is for numeric features, and 'job' swaps categories",
        ),
        ("    max_flip_rate: 0.1\n    bogus: 1\n", "7:5: check 'rb': unknown key 'bogus'"),
        (
            "    features:\n      age: {nois: {std: 0.1}}\n    max_flip_rate: 0.1\n",
            "7:13: unknown key 'nois' in checks[0].features.age; did you mean 'noise'?",
        ),
        (
            "    counterfactual: [sex]\n",
            "6:5: check 'rb': 'counterfactual' is judged by 'max_flip_rate' per group; give it",
        ),
        ("    sample_rows: 100\n", "4:5: check 'rb' has no condition"),
        (
            "    max_flip_rate: 0.1\n    proxies: {race: [zip]}\n",
            "7:15: check 'rb': proxies of 'race', not a counterfactual attribute",
        ),
        ("    max_flip_rate: 1.5\n", "6:20"),
        # #22: a check that probes nothing, or a limit no probe of it is judged by
        ("    noise: none\n    max_flip_rate: 0.1\n", "6:5: check 'rb' probes nothing"),
        (
            "    noise: none\n    features:\n      age: {immutable: true}\n"
            "    max_flip_rate: 0.1\n",
            "6:5: check 'rb' probes nothing",
        ),
        (
            "    counterfactual: [sex]\n    max_flip_rate: 0.1\n    max_score_change: 0.1\n",
            "8:5: check 'rb': 'max_score_change' is judged on noise and swap probes",
        ),
        (
            "    features:\n      age: {monotonic: increasing}\n    max_flip_rate: 0.1\n",
            "8:5: check 'rb': 'max_flip_rate' is judged on noise, swap and counterfactual",
        ),
    ],
)
def test_each_mistake_is_reported_where_it_is(tmp_path, body, expected):
    found = problems(tmp_path, body)
    assert any(p.startswith(expected) for p in found), found


def test_a_valid_policy_becomes_typed_options_with_the_documented_defaults(tmp_path):
    body = (
        "    features:\n      age: {monotonic: increasing, range: [18, 100]}\n"
        "      birth_year: {immutable: true}\n"
        "    counterfactual: [sex]\n    proxies: {sex: [title]}\n    max_flip_rate: 0.01\n"
    )
    path = write_policy(tmp_path / "p.yaml", HEAD + body)
    opts = load_policy(path).checks[0].robustness
    assert opts.features == (
        FeatureRule("age", range=(18.0, 100.0), monotonic="increasing"),
        FeatureRule("birth_year", immutable=True),
    )
    assert opts.noise is None  # the check names what to probe: only that is probed
    assert (opts.sample_rows, opts.repeats, opts.confidence) == (10_000, 3, 0.95)
    assert opts.max_monotonic_violations == 0.0  # a monotonic feature: any violation fails
    assert opts.columns == ("sex", "title")


@pytest.mark.parametrize(
    ("body", "noise"),
    [
        ("    max_flip_rate: 0.1\n", DEFAULT_NOISE),  # a bare check: every numeric input
        ("    max_flip_rate: 0.1\n    noise: none\n    features:\n      j: {swap: [a, b]}\n",
         None),
        ("    max_flip_rate: 0.1\n    noise: {relative: 0.01}\n", ("relative", 0.01)),
        ("    counterfactual: [sex]\n    max_flip_rate: 0.1\n", None),
        ("    counterfactual: [sex]\n    max_flip_rate: 0.1\n    noise: {std: 0.1}\n",
         ("std", 0.1)),
    ],
)  # fmt: skip
def test_the_blanket_noise_is_the_default_only_for_a_check_that_names_nothing(
    tmp_path, body, noise
):
    path = write_policy(tmp_path / "p.yaml", HEAD + body)
    assert load_policy(path).checks[0].robustness.noise == noise
    assert DEFAULT_NOISE == ("std", 0.05)
