"""The published policy schema (jsonschema, the oracle for what an editor marks) and
`model-gate validate` agree on a table of policies: the same ones are valid. Dates are calendar
dates in both; an empty `checks:` list is refused by both."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from helpers import run_cli
from jsonschema import Draft202012Validator

from gate.policy.loader import analyse_policy
from gate.policy.schema import policy_schema
from gate.policy.yamlpos import load_yaml

PUBLISHED = Draft202012Validator(policy_schema())
CHECK = "checks: [{id: a, type: performance, metric: roc_auc, min: 0.7}]\n"
BASE = "version: 1\n" + CHECK


def waiver(expires: str) -> str:
    return BASE + f"waivers: [{{check: a, reason: r, approved_by: me, expires: {expires}}}]\n"


def fairness(unknown: str) -> str:
    return (
        f"version: 1\ndata: {{sensitive: [race], unknown_values: {unknown}}}\n"
        "checks: [{id: a, type: fairness, metric: selection_rate, aggregate: ratio, min: 0.8}]\n"
    )


PARAMETERS = "version: 1\nparameters: {x: {default: 0.7}}\n"
EEOC = "version: 1\nextends: ['builtin:eeoc-four-fifths']\n"
NYC = "version: 1\nextends: ['builtin:nyc-ll144']\n"
AUDIT = "audit: {audit_date: 2026-01-15, data_period: {end: 2025-12-31}}\n"
TABLE = {
    # valid
    "plain": (BASE, True),
    "leap-day": (waiver("2124-02-29"), True),
    "leap-century": (waiver("2400-02-29"), True),
    "quoted-date": (waiver("'2125-12-31'"), True),
    "audit-dates": (BASE + AUDIT, True),
    "extends-only": (EEOC, True),
    "extends-with-params": (
        NYC + "params: {severity: block, unknown_values: ['9', Unknown]}\n",
        True,
    ),
    "own-placeholder": (PARAMETERS + CHECK.replace("0.7", "'${x}'"), True),
    "unknown-list": (fairness("['9', Unknown]"), True),
    "unknown-map": (fairness("{race: ['9']}"), True),
    # invalid
    "empty-checks": ("version: 1\nchecks: []\n", False),
    "empty-checks-extending": (EEOC + "checks: []\n", False),
    "month-13": (waiver("2020-13-45"), False),
    "feb-29-common-year": (waiver("2021-02-29"), False),
    "feb-29-century": (waiver("2100-02-29"), False),
    "april-31": (waiver("2027-04-31"), False),
    "month-0": (waiver("2027-00-10"), False),
    "day-0": (waiver("2027-01-00"), False),
    "year-0": (waiver("0000-01-01"), False),
    "short-date": (waiver("2027-1-5"), False),
    "audit-date": (BASE + "audit: {audit_date: 2020-13-45}\n", False),
    "period-end": (BASE + "audit: {data_period: {end: 2025-02-30}}\n", False),
    "unknown-number": (fairness("[9]"), False),
    "unknown-map-number": (fairness("{race: [9]}"), False),
    "unknown-map-text": (fairness("{race: Unknown}"), False),
    "bad-placeholder": (PARAMETERS + CHECK.replace("0.7", "'${1x}'"), False),
    "placeholder-parameter": ("version: 1\nparameters: {x: '${y}'}\n" + CHECK, False),
    "wrong-type": (BASE.replace("0.7", "high"), False),
}


def test_the_schema_and_validate_agree(tmp_path: Path):
    files = {}
    for name, (body, _) in TABLE.items():
        files[name] = tmp_path / f"{name}.yaml"
        files[name].write_text(body)
    result = run_cli("validate", *files.values(), cwd=tmp_path)
    for name, (body, valid) in TABLE.items():
        by_schema = PUBLISHED.is_valid(load_yaml(body, name).data)
        by_validate = f"{files[name]}: ok" in result.stdout
        assert (by_schema, by_validate) == (valid, valid), (name, result.stderr)
    assert "Traceback" not in result.stderr and result.code == 2


@pytest.mark.parametrize(
    ("body", "key", "message"),
    [
        (waiver("2020-13-45"), "waivers[0].expires", "'2020-13-45' is not a calendar date"),
        (waiver("2021-02-29"), "waivers[0].expires", "'2021-02-29' is not a calendar date"),
        (BASE + "audit: {audit_date: 2020-13-45}\n", "audit.audit_date", "is not a calendar"),
        ("version: 1\nchecks: []\n", "checks", "the list is empty"),
    ],
)
def test_the_loader_names_the_key(body: str, key: str, message: str):
    problems = analyse_policy("p.yaml", raw=body.encode())[1]
    assert [m for _, m in problems if m.startswith(f"{key}: ") and message in m], problems


def test_an_empty_checks_list_is_refused_where_leaving_it_out_is_fine():
    """A policy that only extends a pack has no checks of its own: it leaves `checks` out."""
    extending = "version: 1\nextends: ['builtin:eeoc-four-fifths']\n"
    assert analyse_policy("p.yaml", raw=extending.encode())[1] == []
    problems = analyse_policy("p.yaml", raw=(extending + "checks: []\n").encode())[1]
    assert [(loc.line, m) for loc, m in problems if "leave 'checks' out" in m]
    assert [(loc.line, m) for loc, m in problems] == [(3, problems[0][1])]


def test_what_one_file_cannot_tell_is_the_loaders_alone():
    """A schema sees one file: whether the tree has a check at all, and whether a placeholder's
    parameter is declared, are the loader's to say. Editors accept these; validate does not."""
    for body, needle in [
        ("version: 1\n", "the policy has no checks"),
        (CHECK.replace("0.7", "'${x}'").join(["version: 1\n", ""]), "not a declared parameter"),
    ]:
        assert PUBLISHED.is_valid(load_yaml(body, "p.yaml").data)
        assert any(needle in m for _, m in analyse_policy("p.yaml", raw=body.encode())[1])


YEARS = [1, 4, 99, 100, 400, 1000, 1900, 1999, 2000, 2023, 2024, 2100, 2400, 9996, 9999]


def test_the_date_pattern_is_the_calendar():
    """Every day of some awkward years, and every impossible month and day: the schema's
    pattern says yes exactly when Python's calendar does."""
    pattern = re.compile(policy_schema()["$defs"]["date"]["pattern"])
    texts = [f"{y:04d}-{m:02d}-{d:02d}" for y in [0, *YEARS] for m in range(14) for d in range(33)]
    texts += ["2024-1-01", "2024-01-1", "24-01-01", "12024-01-01", "2024/01/01", "2024-01-01x"]
    for text in texts:
        try:
            real = dt.date.fromisoformat(text) is not None
        except ValueError:
            real = False
        assert bool(pattern.search(text)) == real, text
    assert sum(bool(pattern.search(t)) for t in texts) == 365 * 9 + 366 * 6  # 6 leap years
