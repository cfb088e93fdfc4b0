"""policy/diff beyond the field-by-field directions in test_diff.py: the direction rules on
their own, and how policy_changes composes them (inherited defaults, several changes in one
check, a changed check type, waivers, extends).

Written against mutation testing (`make mutate`): each test states what a reviewer of a policy
change must see, worked out from the policy's meaning (a change that lets more models pass is a
loosening), not read off the code. No test relies on values of different types comparing equal.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import write_policy

from gate.policy.diff import policy_changes
from gate.policy.diff_rules import (
    LOOSENED,
    LOOSENING,
    TIGHTENED,
    Change,
    bound,
    members,
    ranked,
)
from gate.policy.loader import load_policy
from gate.policy.model import BaselineRule, Severity

# --- the rules on their own -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "kind"),
    [(0.7, 0.8, TIGHTENED), (0.8, 0.7, LOOSENED), (0.8, None, LOOSENED), (None, 0.8, TIGHTENED)],
)
def test_a_lower_bound_tightens_when_raised_or_added(before, after, kind):
    assert bound(tighter_if_higher=True)(before, after, None, None) == kind


@pytest.mark.parametrize(
    ("before", "after", "kind"),
    [(0.2, 0.3, LOOSENED), (0.3, 0.2, TIGHTENED), (0.3, None, LOOSENED), (None, 0.3, TIGHTENED)],
)
def test_an_upper_bound_tightens_when_lowered_or_added(before, after, kind):
    assert bound(tighter_if_higher=False)(before, after, None, None) == kind


@pytest.mark.parametrize(
    ("before", "after", "kind"),
    [
        ("loose", "middle", TIGHTENED),
        ("middle", "tight", TIGHTENED),
        ("loose", "tight", TIGHTENED),
        ("tight", "middle", LOOSENED),
        ("tight", "loose", LOOSENED),
        ("middle", "loose", LOOSENED),
    ],
)
def test_a_ranked_option_moves_along_its_order(before, after, kind):
    assert ranked("loose", "middle", "tight")(before, after, None, None) == kind


def test_a_ranked_option_compares_enum_members_by_their_value():
    rule = ranked("info", "warn", "block")
    assert rule(Severity.WARN, Severity.BLOCK, None, None) == TIGHTENED
    assert rule(Severity.BLOCK, Severity.INFO, None, None) == LOOSENED


@pytest.mark.parametrize(
    ("before", "after", "kind"),
    [
        (("sex",), ("sex", "race"), TIGHTENED),
        (("sex", "race"), ("sex",), LOOSENED),
        (("sex", "race"), ("age",), LOOSENED),  # same size, different members
        (("sex",), None, LOOSENED),
        ((), ("sex",), LOOSENED),  # from none: what none meant is not known here (fail closed)
    ],
)
def test_a_member_list_tightens_only_when_it_keeps_every_member(before, after, kind):
    assert members(before, after, None, None) == kind


# --- composed by policy_changes -------------------------------------------------------------

DATA = "{label: y, sensitive: [sex, race]}"
KEEP = "{id: keep, type: performance, metric: accuracy, min: 0.1}"  # a gate needs a blocker


def policy(*checks: str, data: str = DATA, top: str = "", waivers: str = "") -> str:
    body = f"version: 1\n{top}data: {data}\nchecks:\n"
    body += "".join(f"  - {c}\n" for c in (*checks, KEEP))
    return body + (f"waivers:\n{waivers}" if waivers else "")


def changes(tmp_path: Path, base: str, current: str) -> list[tuple[str, str, str]]:
    write_policy(tmp_path / "base.yaml", base)
    write_policy(tmp_path / "p.yaml", current)
    found = policy_changes(load_policy(tmp_path / "base.yaml"), load_policy(tmp_path / "p.yaml"))
    return [(c.kind, c.check, c.detail) for c in found]


def loosenings(found: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    return [c for c in found if c[0] in LOOSENING]


FAIR = "{id: f, type: fairness, metric: selection_rate, aggregate: ratio, min: 0.8%s}"
PROXY = "{id: px, type: proxy_features, max: 0.3}"
PROHIBITED = "{id: pf, type: prohibited_features, features: [age]}"


def test_a_check_that_inherits_the_sensitive_columns_loosens_when_one_is_dropped(tmp_path):
    base = policy(FAIR % "", PROXY, PROHIBITED)
    current = policy(FAIR % "", PROXY, PROHIBITED, data="{label: y, sensitive: [sex]}")
    found = changes(tmp_path, base, current)
    assert ("loosened", "f", "fairness.sensitive ['sex', 'race'] -> ['sex']") in found
    assert ("loosened", "px", "governance.attributes ['sex', 'race'] -> ['sex']") in found
    # the prohibited-features screen looks only at its own list: nothing of it changed
    assert not [c for c in found if c[1] == "pf"], found


def test_reordering_the_sensitive_columns_loosens_nothing(tmp_path):
    found = changes(
        tmp_path,
        policy(FAIR % ", sensitive: [sex, race]"),
        policy(FAIR % ", sensitive: [race, sex]"),
    )
    assert found and not loosenings(found), found


PERF = "{id: f, type: performance, metric: roc_auc, min: %s, baseline: {max_drop: %s}}"


@pytest.mark.parametrize(
    ("base", "current", "nested"),
    [
        (
            FAIR % ", min_group_size: 30",
            FAIR.replace("min: 0.8", "min: 0.7") % ", min_group_size: 700",
            "fairness.min_group_size 30 -> 700",
        ),
        (PERF % (0.8, 0.01), PERF % (0.7, 0.02), "baseline.max_drop 0.01 -> 0.02"),
    ],
)
def test_every_change_within_one_check_is_listed(tmp_path, base, current, nested):
    found = changes(tmp_path, policy(base), policy(current))
    assert ("loosened", "f", "min 0.8 -> 0.7") in found
    assert ("loosened", "f", nested) in found


def test_changing_a_checks_type_drops_its_options_as_a_loosening(tmp_path):
    found = changes(
        tmp_path, policy(FAIR % ""), policy("{id: f, type: performance, metric: roc_auc, min: 0.8}")
    )
    assert ("loosened", "f", "type fairness -> performance") in found
    assert any(k == "loosened" and c == "f" and d.startswith("fairness ") for k, c, d in found)


WAIVER = "  - {check: f, reason: pilot, approved_by: risk, expires: 2099-01-01%s}\n"


def test_a_waiver_already_in_the_base_is_no_change(tmp_path):
    both = policy(FAIR % "", waivers=WAIVER % "")
    assert changes(tmp_path, both, both) == []


def test_a_new_group_waiver_names_its_group(tmp_path):
    found = changes(
        tmp_path,
        policy(FAIR % "", waivers=WAIVER % ""),
        policy(FAIR % "", waivers=WAIVER % "" + WAIVER % ", group: {sex: f, race: b}"),
    )
    assert found == [
        ("waiver added", "f", "waiver (sex=f & race=b) by risk, expires 2099-01-01: pilot")
    ]


PACKS = "extends: ['builtin:eeoc-four-fifths', 'builtin:ecoa-reg-b']\n"


def test_keeping_every_extends_entry_is_no_change(tmp_path):
    both = policy(top=PACKS)
    assert changes(tmp_path, both, both) == []


def test_dropping_one_of_two_extends_entries_names_that_one(tmp_path):
    found = changes(tmp_path, policy(top=PACKS), policy(top="extends: ['builtin:ecoa-reg-b']\n"))
    assert ("removed", "policy", "extends builtin:eeoc-four-fifths dropped") in found
    assert not [d for _, _, d in found if "ecoa-reg-b dropped" in d], found


def test_a_change_as_reported_has_the_keys_report_json_requires():
    schema = json.loads((Path(__file__).parents[2] / "gate/schemas/report.schema.json").read_text())
    item = schema["properties"]["policy_changes"]["items"]
    change = Change("loosened", "auc", "min 0.6 -> 0.55")
    assert change.as_dict() == {"kind": "loosened", "check": "auc", "detail": "min 0.6 -> 0.55"}
    assert set(change.as_dict()) == set(item["required"]) == set(item["properties"])


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        ({"k": 1}, {"k": 1}, True),
        ({"k": 1}, {"k": True}, False),
        ({"k": 1}, {"j": 1}, False),
        ({"k": 1}, {"k": 1, "j": 2}, False),
        ((1, (2, 3)), (1, (2, 3)), True),
        ((1, (2, 3)), (1, (2, 3.0)), False),
        ([1, 2], [1, 2, 3], False),
        (BaselineRule(0.01, None), BaselineRule(0.01, None), True),
        (BaselineRule(0.01, None), BaselineRule(0.02, None), False),
        (BaselineRule(1, None), BaselineRule(1.0, None), False),
        (None, None, True),
        (None, 0, False),
    ],
)
def test_same_is_strict_all_the_way_down(a, b, equal):
    """The diff's equality: type and value, recursively through tuples, lists, dicts and
    dataclasses (1, 1.0, True and "1" differ)."""
    from gate.policy.diff import same

    assert same(a, b) is equal and same(b, a) is equal
