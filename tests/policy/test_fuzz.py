"""Fuzz the policy loader and test-policy through the CLI entry point: whatever the file holds,
the exit code is 0, 1 or 2 (never 3, an internal error) and no exception escapes."""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gate.cli import main

SETTINGS = settings(
    max_examples=250,
    deadline=None,
    derandomize=True,  # the same examples on every run: stable in CI
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
KEYS = [
    "version",
    "name",
    "extends",
    "data",
    "checks",
    "waivers",
    "changes",
    "parameters",
    "params",
    "mode",
    "id",
    "type",
    "metric",
    "min",
    "max",
    "confidence",
    "severity",
    "baseline",
    "max_drop",
    "aggregate",
    "method",
    "reference",
    "sensitive",
    "intersectional",
    "min_group_size",
    "small_groups",
    "features",
    "attributes",
    "required",
    "tolerance",
    "label",
    "score",
    "threshold",
    "positive_label",
    "check",
    "reason",
    "approved_by",
    "expires",
    "group",
    "default",
    "require_approval",
    "policy",
    "cases",
    "binding",
    "expect",
    "decision",
    "today",
    "x",
]
CHECK_KEYS = [k for k in KEYS[12:31] if k != "type"]  # metric .. tolerance
DATA_KEYS = ["label", "score", "threshold", "positive_label", "sensitive", "features", "task"]
WORDS = [
    "performance",
    "fairness",
    "documentation",
    "prohibited_features",
    "proxy_features",
    "representation",
    "roc_auc",
    "selection_rate",
    "accuracy",
    "ratio",
    "difference",
    "block",
    "warn",
    "info",
    "report",
    "gate",
    "to_reference",
    "builtin:eeoc-four-fifths",
    "builtin:../x",
    "../p.yaml",
    "${min_impact_ratio}",
    "${x}",
    "2030-01-01",
    "2027-02-30",
    "y",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(WORDS),
    st.text(max_size=8),
)
NODES = st.recursive(
    SCALARS,
    lambda kids: st.one_of(
        st.lists(kids, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=4)), kids, max_size=5),
    ),
    max_leaves=25,
)
CHECK = st.fixed_dictionaries(
    {"id": st.sampled_from(["a", "b"]), "type": st.sampled_from(WORDS[:6])},
    optional={k: NODES for k in CHECK_KEYS},
)
POLICY = st.fixed_dictionaries(
    {"version": st.sampled_from([1, 1, 1, 2, "1"])},
    optional={
        "checks": st.lists(st.one_of(CHECK, NODES), max_size=3),
        "data": st.one_of(st.fixed_dictionaries({}, optional={k: NODES for k in DATA_KEYS}), NODES),
        "extends": st.one_of(st.lists(st.sampled_from(WORDS), max_size=2), NODES),
        "waivers": NODES,
        "parameters": NODES,
        "params": NODES,
        "mode": NODES,
        "changes": NODES,
    },
)
CASES = st.fixed_dictionaries(
    {
        "policy": st.one_of(
            st.sampled_from(["builtin:eeoc-four-fifths", "p.yaml", "missing.yaml"]), NODES
        ),
        "cases": st.one_of(
            st.lists(
                st.one_of(
                    st.fixed_dictionaries(
                        {
                            "data": st.one_of(
                                st.just(
                                    {
                                        "y": [1, 0, 1, 0],
                                        "hired": [1, 1, 0, 0],
                                        "sex": ["f", "m", "f", "m"],
                                    }
                                ),
                                NODES,
                            )
                        },
                        optional={"binding": NODES, "expect": NODES, "today": NODES, "name": NODES},
                    ),
                    NODES,
                ),
                max_size=2,
            ),
            NODES,
        ),
    }
)
VALID = (
    "version: 1\ndata: {label: y}\n"
    "checks:\n  - {id: a, type: performance, metric: roc_auc, min: 0.5}\n"
)


def run(*argv: str) -> int:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(list(argv))


def dump(value: object) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False)


def in_dir(text: str, command: str) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "p.yaml").write_text(VALID)
        path = Path(tmp, "f.yaml")
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        return run(command, str(path))


@SETTINGS
@given(POLICY)
def test_validate_survives_structured_policies(policy: dict):
    assert in_dir(dump(policy), "validate") in (0, 2)


@SETTINGS
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=200))
def test_validate_survives_random_text(text: str):
    assert in_dir(text, "validate") in (0, 2)


@SETTINGS
@given(
    st.lists(
        st.sampled_from(
            [
                "{",
                "}",
                "[",
                "]",
                ":",
                "- ",
                "&a ",
                "*a ",
                "!!",
                "\n",
                "  ",
                "version: 1",
                "checks:",
                "? ",
                "'",
                '"',
                ",",
                "#",
                "|",
                ".nan",
            ]
        ),
        max_size=40,
    ).map("".join)
)
def test_validate_survives_yaml_punctuation(text: str):
    assert in_dir(text, "validate") in (0, 2)


@settings(SETTINGS, max_examples=150)
@given(CASES)
def test_test_policy_survives_structured_cases(cases: dict):
    assert in_dir(dump(cases), "test-policy") in (0, 1, 2)
