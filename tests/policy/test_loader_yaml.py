"""YAML as the loader reads it: aliases located at their use, merge keys refused at their key
but merged as YAML 1.1 defines (PyYAML's safe_load is the oracle), so the rest is judged."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gate.errors import PolicyError
from gate.policy.loader import load_policy
from gate.policy.yamlpos import MERGE_REFUSED, load_yaml

MERGES = [
    "a: &x {k: 1, j: 2}\nb:\n  <<: *x\n  j: 3\n",
    "a: &x {k: 1}\nb: &y {k: 2, m: 1}\nc:\n  <<: [*x, *y]\n  n: 0\n",
    "a: &x {k: 1}\nb: &y\n  <<: *x\n  j: 2\nc:\n  <<: *y\n  k: 5\n",
    "b:\n  <<: {k: 1, j: [1, 2]}\n  z: 0\n",
    "a: &x {k: 1}\nb: [{<<: *x}, {<<: *x, k: 2}]\n",
]


@pytest.mark.parametrize("text", MERGES)
def test_merge_keys_merge_as_yaml_1_1_defines_and_are_refused(text: str):
    doc = load_yaml(text, "f.yaml", collect=True)
    assert doc.data == yaml.safe_load(text)
    assert doc.problems and all(m == MERGE_REFUSED for _, m in doc.problems)
    rows = enumerate(text.splitlines(), start=1)
    merges = [n for n, row in rows for _ in range(row.count("<<"))]
    assert [loc.line for loc, _ in doc.problems] == merges
    with pytest.raises(PolicyError) as info:
        load_yaml(text, "f.yaml")  # not collecting: refused outright
    assert info.value.problems == doc.problems


def test_a_merge_key_needs_mappings():
    with pytest.raises(PolicyError) as info:
        load_yaml("a: &x [1]\nb:\n  <<: *x\n", "f.yaml", collect=True)
    assert "a merge key takes a mapping or a list of mappings" in str(info.value)


def test_a_merge_cycle_is_a_recursive_alias():
    with pytest.raises(PolicyError, match="recursive alias"):
        load_yaml("a: &x\n  b:\n    <<: *x\n", "f.yaml", collect=True)


def test_a_value_reached_through_an_alias_is_located_at_the_use():
    doc = load_yaml("a: &x {k: 1, j: [2]}\nb: *x\nc:\n  - *x\n", "f.yaml")
    assert doc.values[("a", "k")] == (1, 11)
    assert doc.values[("b",)] == doc.values[("b", "k")] == doc.values[("b", "j", 0)] == (2, 4)
    assert doc.keys[("b", "k")] == (2, 4)
    assert doc.values[("c", 0, "j", 0)] == (4, 5)


def test_each_use_of_a_broken_aliased_check_is_reported_where_it_stands(tmp_path: Path):
    bad = "  - &bad {id: b1, type: performance, metric: accuracy, min: 0.5, bins: 3}"
    (tmp_path / "p.yaml").write_text(
        "version: 1\ndata: {label: y}\nchecks:\n"
        "  - {id: ok, type: performance, metric: accuracy, min: 0.5}\n"
        f"{bad}\n  - *bad\n"
    )
    with pytest.raises(PolicyError) as info:
        load_policy(tmp_path / "p.yaml")
    shown = [(loc.line, loc.column, m) for loc, m in info.value.problems]
    assert shown == [
        (5, bad.index("bins") + 1, "check 'b1': 'bins' does not apply to performance checks"),
        (6, 5, "check 'b1': 'bins' does not apply to performance checks"),
        (6, 5, f"duplicate check id 'b1' (first defined at {tmp_path}/p.yaml:5:5)"),
    ]


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("010", 10),  # YAML 1.1: 8 (octal)
        ("0o10", 8),
        ("0x1F", 31),
        ("1:40", "1:40"),  # YAML 1.1: 100 (base 60)
        ("1_000", "1_000"),  # YAML 1.1: 1000
        ("NO", "NO"),  # YAML 1.1: False (a swap value for Norway)
        ("yes", "yes"),
        ("on", "on"),
        ("y", "y"),
        ("True", True),
        ("false", False),
        ("1e-3", 0.001),
        ("+6E-1", 0.6),
        ("1.", 1.0),
        (".5", 0.5),
        ("-.inf", float("-inf")),
        ("~", None),
    ],
)
def test_scalars_are_read_as_yaml_1_2_core_reads_them(written, read):
    """review13b #17: policies are YAML 1.2 throughout, not 1.1 but for exponent floats."""
    from gate.policy.yamlpos import load_yaml

    value = load_yaml(f"v: {written}\n", "p.yaml").data["v"]
    assert value == read and type(value) is type(read), (written, value)
