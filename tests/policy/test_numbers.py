"""Every number in a policy, a pack parameter, a `params:` value and a test-policy cases file
must be a finite float (whole numbers within ±2**53): validate, check and test-policy refuse
anything else with exit 2 and the file:line:column at fault, never an internal error."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import run_check, run_cli, write_policy

HUGE = "1" + "0" * 400  # a whole number no float can hold
BIG = str(2**53 + 1)  # a float holds it, but not exactly

PERF = "checks:\n  - {id: a, type: performance, metric: roc_auc, min: 0.5}\n"
PLACES = {
    "min": "data: {label: y}\nchecks:\n  - {id: a, type: performance, metric: roc_auc, min: %s}\n",
    "data.threshold": "data: {label: y, threshold: %s}\n" + PERF,
    "min_group_size": "data: {label: y}\n"
    + PERF
    + "  - {id: f, type: fairness, metric: selection_rate, aggregate: ratio, min: 0.8, "
    "sensitive: [sex], min_group_size: %s}\n",
    "baseline.max_drop": "data: {label: y}\nchecks:\n  - {id: a, type: performance, "
    "metric: roc_auc, baseline: {max_drop: %s}}\n",
    "bins": "data: {label: y}\n" + PERF + "  - {id: p, type: proxy_features, max: 0.5, bins: %s}\n",
    "parameter default": "parameters: {floor: {default: %s}}\ndata: {label: y}\n" + PERF,
}


@pytest.mark.parametrize("number", [HUGE, "-" + HUGE, BIG])
@pytest.mark.parametrize("place", sorted(PLACES))
def test_validate_and_check_refuse_a_number_no_float_holds(
    tmp_path: Path, workspace: Path, place: str, number: str
):
    text = "version: 1\n" + PLACES[place] % number
    path = write_policy(tmp_path / "p.yaml", text)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if number in row)
    column = text.splitlines()[line - 1].index(number) + 1
    for result in (
        run_cli("validate", path),
        run_check(path, workspace / "eval.csv", model=workspace / "candidate.skops"),
    ):
        assert result.code == 2, result.stdout + result.stderr
        assert f"p.yaml:{line}:{column}" in result.stderr + result.stdout
        assert "too large" in result.stderr + result.stdout
        assert "internal error" not in result.stderr and "0" * 100 not in result.stderr


def test_a_params_value_is_checked_where_it_is_set(tmp_path: Path):
    write_policy(
        tmp_path / "pack.yaml",
        "version: 1\nparameters: {floor: {default: 0.5}}\n"
        "checks:\n  - {id: a, type: performance, metric: roc_auc, min: '${floor}'}\n",
    )
    path = write_policy(
        tmp_path / "p.yaml",
        f"version: 1\nextends: [pack.yaml]\ndata: {{label: y}}\nparams: {{floor: {HUGE}}}\n",
    )
    result = run_cli("validate", path)
    assert result.code == 2 and "p.yaml:4:" in result.stdout + result.stderr, result.stderr
    assert "params.floor" in result.stdout + result.stderr


def test_the_limit_itself_is_accepted(tmp_path: Path):
    path = write_policy(
        tmp_path / "p.yaml",
        "version: 1\ndata: {label: y}\n"
        f"checks:\n  - {{id: a, type: performance, metric: roc_auc, min: 0.5, max: {2**53}}}\n",
    )
    assert run_cli("validate", path).code == 0


CASES = "policy: ./p.yaml\ncases:\n  - name: c\n    data: %s\n%s    expect: {decision: block}\n"


@pytest.mark.parametrize(
    ("data", "binding", "where"),
    [
        ("scored.csv", f"    binding: {{label: y, score: score, threshold: {HUGE}}}\n", "5:"),
        (f"{{y: [0, 1], score: [0.1, {HUGE}]}}", "", "4:"),
        ("{y: [0, 1], score: [0.1, .inf]}", "", "4:"),
        ("{y: [0, 1, .nan], score: [0.1, 0.5, 0.9]}", "", "4:"),
    ],
)
def test_test_policy_refuses_such_numbers_in_a_cases_file(
    tmp_path: Path, data: str, binding: str, where: str
):
    write_policy(
        tmp_path / "p.yaml",
        "version: 1\ndata: {label: y, score: score}\n"
        "checks:\n  - {id: a, type: performance, metric: accuracy, min: 0.5}\n",
    )
    (tmp_path / "scored.csv").write_text("y,score\n0,0.1\n1,0.9\n")
    cases = write_policy(tmp_path / "cases.yaml", CASES % (data, binding))
    result = run_cli("test-policy", cases)
    assert result.code == 2, result.stdout + result.stderr
    assert f"cases.yaml:{where}" in result.stderr and "internal error" not in result.stderr


@pytest.mark.parametrize(
    ("written", "value"),
    [("1e-3", 1e-3), ("1.5e3", 1500.0), ("2E-8", 2e-8), ("+3e-1", 0.3), (".5e-1", 0.05)],
)
def test_exponent_numbers_are_numbers_as_in_yaml_1_2(tmp_path: Path, written: str, value: float):
    """PyYAML's YAML 1.1 reads `1e-3` and `1.5e3` as text; a policy writer means a number."""
    from gate.policy.loader import load_policy

    text = "version: 1\n" + PLACES["min"] % written
    path = write_policy(tmp_path / "p.yaml", text)
    assert run_cli("validate", path).code == 0
    assert load_policy(path).checks[0].min == value


def test_an_exponent_number_no_float_holds_is_refused_where_it_is(tmp_path: Path):
    text = "version: 1\n" + PLACES["min"] % "1e999"
    result = run_cli("validate", write_policy(tmp_path / "p.yaml", text))
    assert result.code == 2 and "Traceback" not in result.stderr
    assert "p.yaml:4:" in result.stderr and "not a finite number" in result.stderr


def test_a_quoted_exponent_stays_text(tmp_path: Path):
    text = "version: 1\n" + PLACES["min"] % '"1e-3"'
    result = run_cli("validate", write_policy(tmp_path / "p.yaml", text))
    assert result.code == 2 and "must be of type number, not str" in result.stdout + result.stderr


def test_a_policy_dict_with_a_small_float_loads():
    """The API writes a dict as canonical JSON (`1e-09`) and reads it as YAML."""
    from gate.inputs.policy_dict import load_any

    policy = {
        "version": 1,
        "data": {"label": "y"},
        "checks": [{"id": "a", "type": "performance", "metric": "mae", "max": 1e-9}],
    }
    assert load_any(policy).checks[0].max == 1e-9


COUNTS = [  # (check, key): every count a behaviour check, a fairness check or rollout takes
    ("{id: i, type: importance, protected: [sex], max_rank: %s}", "max_rank"),
    ("{id: i, type: importance, protected: [sex], max_rank: 2, sample_rows: %s}", "sample_rows"),
    ("{id: i, type: importance, protected: [sex], max_rank: 2, repeats: %s}", "repeats"),
    ("{id: r, type: robustness, max_flip_rate: 0.1, sample_rows: %s}", "sample_rows"),
    ("{id: r, type: robustness, max_flip_rate: 0.1, repeats: %s}", "repeats"),
    ("{id: s, type: slices, metric: accuracy, min: 0.5, bins: %s}", "bins"),
    ("{id: s, type: slices, metric: accuracy, min: 0.5, depth: %s}", "depth"),
    ("{id: s, type: slices, metric: accuracy, min: 0.5, min_size: %s}", "min_size"),
    (
        "{id: f, type: fairness, metric: selection_rate, aggregate: ratio, min: 0.8, "
        "sensitive: [sex], min_group_size: %s}",
        "min_group_size",
    ),
]


@pytest.mark.parametrize(("check", "key"), COUNTS)
@pytest.mark.parametrize("form", ["{}e1", "{}0.0", "{}E+1"])
def test_a_whole_count_written_as_a_float_is_read_as_an_int(tmp_path, check, key, form):
    """review13b #7: YAML 1.2 reads 2e1 as a float, which JSON Schema's `integer` accepts; the
    loader makes it an int, so no count reaches numpy (or a message) as 20.0."""
    from gate.policy.loader import load_policy

    whole = 2 if key == "depth" else 20
    written = form.format(whole / 10) if "e" in form.lower() else f"{whole}.0"
    body = "version: 1\ndata: {label: y, sensitive: [sex]}\nchecks:\n  - " + check % written
    policy = load_policy(write_policy(tmp_path / "p.yaml", body + "\n"))
    spec = policy.checks[0]
    options = getattr(spec, spec.type)
    value = getattr(options, key)
    assert value == whole and type(value) is int, (key, written, value)


def test_a_count_that_is_not_whole_is_refused_at_its_line(tmp_path):
    body = (
        "version: 1\ndata: {label: y, sensitive: [sex]}\nchecks:\n"
        "  - {id: r, type: robustness, max_flip_rate: 0.1, sample_rows: 2.5e3}\n"
    )
    run = run_cli("validate", write_policy(tmp_path / "p.yaml", body))
    assert run.code == 0, run.stderr  # 2.5e3 is 2500
    body += "  - {id: r2, type: robustness, max_flip_rate: 0.1, sample_rows: 2000.5}\n"
    run = run_cli("validate", write_policy(tmp_path / "q.yaml", body))
    assert run.code == 2 and "q.yaml:5:" in run.stderr and "integer" in run.stderr, run.stderr


def test_rollout_counts_too(tmp_path):
    from gate.policy.loader import load_policy

    body = "version: 1\nrollout: {min_samples: 5e2}\n" + "data: {label: y}\n" + PERF
    policy = load_policy(write_policy(tmp_path / "p.yaml", body))
    assert policy.min_samples == 500 and type(policy.min_samples) is int
