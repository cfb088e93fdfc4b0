"""`model-gate test-policy`: every built-in pack's cases pass; failures and bad files report."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import ROOT, run_cli

from gate.policy.loader import builtin_names

CASES = ROOT / "gate" / "policies" / "cases"


@pytest.mark.parametrize("name", builtin_names())
def test_every_pack_ships_cases_that_pass(name: str):
    path = CASES / f"{name}.yaml"
    assert path.exists(), f"pack {name} has no cases file"
    result = run_cli("test-policy", path)
    assert result.code == 0, result.stdout + result.stderr
    assert " 0 failed" in result.stdout and "FAIL" not in result.stdout


def test_a_wrong_expectation_fails_with_a_diff(tmp_path: Path):
    (tmp_path / "cases.yaml").write_text(
        "policy: builtin:eeoc-four-fifths\n"
        "cases:\n"
        "  - name: wrong on purpose\n"
        "    data: adverse.csv\n"
        "    binding: {label: y, prediction: hired, sensitive: [sex]}\n"
        "    expect: {decision: approve, checks: {eeoc-four-fifths: pass}}\n"
    )
    (tmp_path / "adverse.csv").write_text((CASES / "eeoc-adverse.csv").read_text())
    result = run_cli("test-policy", tmp_path / "cases.yaml")
    assert result.code == 1
    assert "FAIL  cases.yaml: wrong on purpose" in result.stdout
    assert "decision block, expected approve" in result.stdout
    assert "check eeoc-four-fifths: fail, expected pass" in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("cases: []\n", "cases.yaml:1:1: (top level): 'policy' is a required property"),
        ("policy: p.yaml\ncases: 3\n", "cases.yaml:2:8: cases must be of type array, not int"),
        (
            "policy: builtin:eeoc-four-fifths\ncases:\n"
            "  - {data: {a: [1]}, binding: {thrshold: 1}, expect: {decision: block}}\n",
            "unknown key 'thrshold' in cases[0].binding; did you mean 'threshold'?",
        ),
        (
            "policy: builtin:eeoc-four-fifths\ncases:\n"
            "  - {name: x, data: {a: [1, 2], b: [1]}, expect: {decision: block}}\n",
            "inline data columns differ in length",
        ),
        (
            "policy: builtin:eeoc-four-fifths\ncases:\n  - {name: x, dta: {}}\n",
            "cases.yaml:3:15: unknown key 'dta' in cases[0]; did you mean 'data'?",
        ),
    ],
)
def test_a_broken_cases_file_is_exit_2(tmp_path: Path, content: str, message: str):
    (tmp_path / "cases.yaml").write_text(content)
    result = run_cli("test-policy", tmp_path / "cases.yaml")
    assert result.code == 2 and message in result.stderr, result.stderr


def test_case_names_are_escaped_for_the_terminal(tmp_path: Path):
    """A case name is untrusted text: it cannot start a workflow command line."""
    (tmp_path / "cases.yaml").write_text(
        "policy: builtin:eeoc-four-fifths\n"
        "cases:\n"
        '  - name: "x\\n::error::pwned\\u001b[31m"\n'
        "    data: adverse.csv\n"
        "    binding: {label: y, prediction: hired, sensitive: [sex]}\n"
        "    expect: {decision: approve}\n"
    )
    (tmp_path / "adverse.csv").write_text((CASES / "eeoc-adverse.csv").read_text())
    result = run_cli("test-policy", tmp_path / "cases.yaml")
    assert result.code == 1
    lines = (result.stdout + result.stderr).splitlines()
    assert not any(line.lstrip().startswith("::") for line in lines)
    assert "\x1b" not in result.stdout + result.stderr


def test_validate_escapes_keys_it_quotes(tmp_path: Path):
    (tmp_path / "p.yaml").write_text(
        'version: 1\n"x\\n::error::pwned": 1\nchecks: [{id: a, type: performance, '
        "metric: accuracy, min: 0.5}]\n"
    )
    result = run_cli("validate", tmp_path / "p.yaml")
    assert result.code == 2
    assert "pwned" in result.stderr
    assert not any(line.lstrip().startswith("::") for line in result.stderr.splitlines())


POLICY = """\
version: 1
data: {label: y, prediction: pred}
checks:
  - {id: acc, type: performance, metric: accuracy, min: 0.7}
waivers:
  - {check: acc, reason: pilot, approved_by: risk, expires: 2030-01-31}
"""
#: accuracy 0.5: acc fails unless the waiver holds on the case's date
HALF = "{y: [1, 0, 1, 0], pred: [1, 1, 0, 0]}"
ALL = "{y: [1, 0, 1, 0], pred: [1, 0, 1, 0]}"


def cases(tmp_path: Path, body: str) -> Path:
    (tmp_path / "policy.yaml").write_text(POLICY)
    path = tmp_path / "cases.yaml"
    path.write_text("policy: policy.yaml\ncases:\n" + body)
    return path


def test_every_case_runs_after_one_cannot_read_its_inputs(tmp_path: Path):
    path = cases(
        tmp_path,
        "  - name: no such file\n"
        "    data: missing.csv\n"
        "    expect: {decision: approve}\n"
        f"  - data: {{y: [1, 0], prd: [1, 0]}}\n"
        "    expect: {decision: approve}\n"
        f"  - name: exact\n    data: {ALL}\n    expect: {{decision: approve}}\n",
    )
    result = run_cli("test-policy", path)
    out = result.stdout + result.stderr
    assert result.code == 1, out
    assert "FAIL  cases.yaml: no such file" in out and "missing.csv" in out
    assert "FAIL  cases.yaml: case 2 (line 6)" in out  # an inline case without a name
    assert "the inline data of case 2 (cases.yaml:6) has no prediction column 'pred'" in out
    assert "PASS  cases.yaml: exact" in out and "1 passed, 2 failed" in out
    assert not re.search(r"/tmp\w+|case-2\.csv", out)  # never a temporary file


@pytest.mark.parametrize(
    ("expect", "code", "shown"),
    [
        ("{acc: {value: {min: 0.45, max: 0.55}}}", 0, "PASS  cases.yaml: v"),
        ("{acc: {status: waived, value: {min: 0.5}}}", 0, "PASS  cases.yaml: v"),
        ("{acc: {value: {min: 0.6}}}", 1, "check acc: value 0.5, expected at least 0.6"),
        ("{acc: {value: {max: 0.4}}}", 1, "check acc: value 0.5, expected at most 0.4"),
        (
            "{acc: {status: pass, value: {min: 0.1, max: 0.2}}}",
            1,
            "check acc: value 0.5, expected at least 0.1 and at most 0.2",
        ),
        ("{nope: {value: {min: 0}}}", 1, "check nope: no value (absent), expected at least 0"),
    ],
)
def test_value_assertions(tmp_path: Path, expect: str, code: int, shown: str):
    path = cases(tmp_path, f"  - name: v\n    data: {HALF}\n    expect: {{checks: {expect}}}\n")
    result = run_cli("test-policy", path)
    assert result.code == code and shown in result.stdout, result.stdout + result.stderr


def test_today_sets_the_date_waivers_are_judged_on(tmp_path: Path):
    path = cases(
        tmp_path,
        f"  - {{name: waived, data: {HALF}, today: '2030-01-31',"
        " expect: {decision: approve, checks: {acc: waived}}}\n"
        f"  - {{name: expired, data: {HALF}, today: '2030-02-01',"
        " expect: {decision: block, checks: {acc: fail}}}\n",
    )
    result = run_cli("test-policy", path)
    assert result.code == 0, result.stdout + result.stderr
    assert "2 passed, 0 failed" in result.stdout


@pytest.mark.parametrize(
    ("expect", "message"),
    [
        ("{acc: {value: {min: 0.6, max: 0.5}}}", "check acc: value min is above max"),
        ("{acc: {value: {least: 0.6}}}", "least"),
        ("{acc: {value: {}}}", "cases.yaml:5"),
        ("{acc: {value: {min: yes}}}", "cases.yaml:5"),
        ("{acc: wavied}", "cases.yaml:5"),
    ],
)
def test_a_malformed_value_assertion_is_exit_2(tmp_path: Path, expect: str, message: str):
    path = cases(tmp_path, f"  - name: v\n    data: {HALF}\n    expect: {{checks: {expect}}}\n")
    result = run_cli("test-policy", path)
    assert result.code == 2 and message in result.stderr, result.stderr
    assert "PASS" not in result.stdout and "FAIL" not in result.stdout


def test_every_file_is_checked_before_any_case_runs(tmp_path: Path):
    good = cases(tmp_path, f"  - {{name: ok, data: {ALL}, expect: {{decision: approve}}}}\n")
    (tmp_path / "bad.yaml").write_text("policy: policy.yaml\ncases: [{name: x}]\n")
    (tmp_path / "worse.yaml").write_text(
        "policy: policy.yaml\ncases: [{data: {a: [1, 2], b: [1]}, expect: {decision: block}}]\n"
    )
    result = run_cli("test-policy", good, tmp_path / "bad.yaml", tmp_path / "worse.yaml")
    assert result.code == 2, result.stdout + result.stderr
    assert "bad.yaml:2" in result.stderr and "'data' is a required property" in result.stderr
    assert (
        "worse.yaml:2" in result.stderr and "case 1 (line 2): inline data columns" in result.stderr
    )
    assert "PASS" not in result.stdout


def test_help_documents_today_and_value_assertions():
    result = run_cli("test-policy", "--help")
    assert result.code == 0
    for words in ("today:", "waivers", "value: {min: .., max: ..}", "exit 0 when all pass"):
        assert words in result.stdout, words


@pytest.mark.parametrize(
    ("expect", "message"),
    [
        ("", "'expect' is a required property"),
        ("    expect: {}\n", "cases.yaml:5"),
        ("    expect: {checks: {}}\n", "cases.yaml:5"),
    ],
)
def test_a_case_that_expects_nothing_is_exit_2(tmp_path: Path, expect: str, message: str):
    """Such a case could never fail: it used to print PASS."""
    path = cases(tmp_path, f"  - name: v\n    data: {HALF}\n{expect}")
    result = run_cli("test-policy", path)
    assert result.code == 2 and message in result.stderr, result.stderr
    assert "PASS" not in result.stdout


def test_a_schema_error_hides_no_other_problem_of_the_file(tmp_path: Path):
    """Every problem of a cases file in one run: schema errors beside the rules the schema
    cannot express, in the same case and in others, each at file:line:column."""
    path = cases(
        tmp_path,
        "  - name: a\n"  # 3
        f"    data: {{y: [1, 0], pred: [1]}}\n"  # 4: columns differ
        "    today: '2027-02-30'\n"  # 5: no such date
        "    expect:\n"
        "      decision: aprove\n"  # 7: schema
        "      checks: {acc: fial, b: {status: pass, value: {min: 2, max: 1}}}\n"  # 8: both
        f"  - {{name: b, data: {HALF}, expect: {{checks: {{acc: {{status: fial, "
        "value: {min: 3, max: 1}}}}, nmae: x}\n",  # 9: schema x2 + min above max
    )
    result = run_cli("test-policy", path)
    assert result.code == 2, result.stdout + result.stderr
    expected = [
        ":4:11: a: inline data columns differ in length (y: 2, pred: 1)",
        ":5:12: 'today' is not a calendar date",
        ":7:17: cases[0].expect.decision: 'aprove' is not a known value; did you mean 'approve'?",
        ":8:21: cases[0].expect.checks.acc: 'fial' is not a known value; did you mean 'fail'?",
        ":8:52: a: check b: value min is above max",
        "unknown key 'nmae' in cases[1]; did you mean 'name'?",
        "cases[1].expect.checks.acc.status: 'fial' is not a known value; did you mean 'fail'?",
        ": b: check acc: value min is above max",
    ]
    lines = result.stderr.splitlines()
    for fragment in expected:
        assert any(fragment in line for line in lines), (fragment, lines)
    assert len(lines) == len(expected), lines
    assert all(re.search(r"cases\.yaml:\d+:\d+: ", line) for line in lines), lines


def test_a_non_finite_number_hides_no_schema_error(tmp_path: Path):
    path = cases(
        tmp_path,
        f"  - name: v\n    data: {HALF}\n"
        "    expect: {checks: {acc: {value: {min: .nan}}}, decision: aprove}\n",
    )
    result = run_cli("test-policy", path)
    assert result.code == 2
    assert "nan is not a finite number" in result.stderr and "'aprove'" in result.stderr


def test_merge_keys_in_a_cases_file_are_refused_with_the_rest(tmp_path: Path):
    path = cases(
        tmp_path,
        f"  - &one {{name: v, data: {HALF}, expect: {{decision: approve}}}}\n"
        "  - <<: *one\n    name: w\n    today: '2030-02-30'\n",
    )
    result = run_cli("test-policy", path)
    assert result.code == 2
    assert "cases.yaml:4:5: merge keys ('<<') are not supported; repeat the keys" in result.stderr
    assert "cases.yaml:6:12: 'today' is not a calendar date" in result.stderr


TYPED = {
    "whole": {"y": [1, 0, 1, 0, 1, 0], "pred": [1, 0, 1, 1, 1, 0], "g": [1, 2, 1, 2, 1, 2]},
    "gaps": {"y": [1, 0, 1, 0, 1, 0], "pred": [1, 0, 1, 1, 1, 0], "g": [1, 2, None, 2, 1, 2]},
    "text": {"y": [1, 0, 1, 0, 1, 0], "pred": [1, 0, 1, 1, 1, 0], "g": ["a", "b", None] * 2},
    "mixed": {"y": [1, 0, 1, 0, 1, 0], "pred": [1, 0, 1, 1, 1, 0], "g": ["a", 1, True] * 2},
    "bools": {
        "y": [True, False] * 3,
        "pred": [True, False, True, True, True, False],
        "g": [1.5] * 6,
    },
    "quoted": {"y": ["1", "0"] * 3, "pred": [1, 0, 1, 1, 1, 0], "g": ["1", "2", "1"] * 2},
}


@pytest.mark.parametrize("name", TYPED)
def test_inline_data_evaluates_as_the_same_data_from_a_csv_file(tmp_path: Path, name: str):
    """The DataFrame handed to the API gives the results a CSV file holding the same values as
    written gives (the CSV reader is the oracle: inline data used to go through a temporary
    CSV, written by pandas, which turned a whole-number column with a gap into 1.0, 2.0)."""
    import csv

    from gate.api import evaluate
    from gate.commands.test_policy import inline_frame

    policy = {
        "version": 1,
        "data": {"label": "y", "prediction": "pred", "sensitive": ["g"]},
        "checks": [
            {"id": "acc", "type": "performance", "metric": "accuracy", "min": 0.6},
            {"id": "par", "type": "fairness", "metric": "selection_rate", "aggregate": "ratio",
             "min": 0.5, "severity": "warn"},
            {"id": "q", "type": "data_quality", "max_missing_share": 0.1, "severity": "warn"},
        ],
    }  # fmt: skip
    columns = TYPED[name]
    with open(tmp_path / "d.csv", "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(columns)
        cells = ([("" if v is None else v) for v in c] for c in columns.values())
        out.writerows(zip(*cells, strict=True))
    results = [
        evaluate(policy, data, resamples=50).to_json()["checks"]
        for data in (inline_frame(TYPED[name]), str(tmp_path / "d.csv"))
    ]
    assert results[0] == results[1]


def test_inline_data_is_never_written_to_a_file(tmp_path: Path):
    path = cases(tmp_path, f"  - {{name: v, data: {HALF}, expect: {{decision: approve}}}}\n")
    spool = tmp_path / "spool"
    spool.mkdir()
    result = run_cli("test-policy", path, env={"TMPDIR": str(spool)})
    assert result.code == 0, result.stdout + result.stderr
    assert not list(spool.iterdir())


#: one mistake of each class a cases file can hold, as (name, case line, problem fragments);
#: schema classes and the rules the schema cannot express, each in a case of its own
CASE_MISTAKES = [
    ("unknown-key", "{nmae: x, data: %s, expect: {decision: approve}}", ["did you mean 'name'?"]),
    ("status", "{data: %s, expect: {checks: {acc: fial}}}", ["did you mean 'fail'?"]),
    ("decision", "{data: %s, expect: {decision: aprove}}", ["did you mean 'approve'?"]),
    ("missing-expect", "{data: %s}", ["'expect' is a required property"]),
    ("non-finite", "{data: %s, expect: {checks: {acc: {value: {min: .inf}}}}}", ["inf is not"]),
    ("no-date", "{data: %s, today: '2030-02-30', expect: {decision: approve}}", ["calendar date"]),
    ("lengths", "{data: {y: [1], pred: [1, 0]}, expect: {decision: approve}}", ["differ in"]),
    ("min-above-max", "{data: %s, expect: {checks: {acc: {value: {min: 2, max: 1}}}}}", ["above"]),
    (
        "two-in-one",
        "{data: {y: [1], pred: [1, 0]}, expect: {decision: aprove}}",
        ["differ in length", "did you mean 'approve'?"],
    ),
]


def _case_file(tmp_path: Path, chosen: list[tuple[str, str, list[str]]]) -> dict[str, int]:
    (tmp_path / "policy.yaml").write_text(POLICY)
    rows = [f"  - {{name: fine, data: {ALL}, expect: {{decision: approve}}}}"]
    rows += ["  - " + (line % HALF if "%s" in line else line) for _, line, _ in chosen]
    (tmp_path / "cases.yaml").write_text("policy: policy.yaml\ncases:\n" + "\n".join(rows) + "\n")
    return {name: i + 4 for i, (name, _, _) in enumerate(chosen)}


def _assert_case_mistakes(tmp_path: Path, chosen: list[tuple[str, str, list[str]]]) -> None:
    lines = _case_file(tmp_path, chosen)
    result = run_cli("test-policy", tmp_path / "cases.yaml")
    assert result.code == 2 and "PASS" not in result.stdout, result.stdout + result.stderr
    shown = result.stderr.splitlines()
    for name, _, fragments in chosen:
        for fragment in fragments:
            hit = [s for s in shown if f"cases.yaml:{lines[name]}:" in s and fragment in s]
            assert hit, (name, fragment, shown)
            shown.remove(hit[0])
    assert not shown, f"problems no mistake explains: {shown}"


@pytest.mark.parametrize("mistake", CASE_MISTAKES, ids=lambda m: m[0])
def test_each_cases_file_mistake_alone_gives_exactly_its_problems(tmp_path: Path, mistake):
    _assert_case_mistakes(tmp_path, [mistake])


def test_every_cases_file_mistake_at_once(tmp_path: Path):
    _assert_case_mistakes(tmp_path, CASE_MISTAKES)


@pytest.mark.parametrize("left_out", range(len(CASE_MISTAKES)))
def test_every_cases_file_mistake_but_one(tmp_path: Path, left_out: int):
    _assert_case_mistakes(tmp_path, CASE_MISTAKES[:left_out] + CASE_MISTAKES[left_out + 1 :])
