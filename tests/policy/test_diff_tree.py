"""Policy changes across the whole `extends:` tree: the approval switch counts wherever it is
set, a file both policies read is listed (fail closed), and values compare strictly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import run_check, write_policy

from gate.policy.diff import policy_changes
from gate.policy.loader import load_policy
from gate.policy.model import FairnessOptions

ORG = (
    "version: 1\n{switch}checks:\n"
    "  - {{id: auc-floor, type: performance, metric: roc_auc, min: 0.99}}\n"
)
SWITCH = "changes: {require_approval: true}\n"
DEPLOY = (
    "version: 1\nname: deploy\n{switch}extends: [./org.yaml]\ndata: {{label: y}}\nchecks:\n"
    "  - {{id: acc, type: performance, metric: accuracy, min: {acc}}}\n{extra}"
)
OVERRIDE = "  - {id: auc-floor, type: performance, metric: roc_auc, min: 0.5}\n"


def checkout(root: Path, deploy: str, org: str) -> Path:
    """A repository checkout holding policies/deploy.yaml and policies/org.yaml."""
    (root / ".git").mkdir(parents=True)
    (root / "policies").mkdir()
    write_policy(root / "policies" / "org.yaml", org)
    return write_policy(root / "policies" / "deploy.yaml", deploy)


def gate_run(tmp_path: Path, workspace: Path, current: Path, base: Path) -> tuple[int, dict]:
    result = run_check(
        current,
        workspace / "eval.csv",
        "--base-policy",
        base,
        model=workspace / "candidate.skops",
        out=tmp_path / "o",
    )
    assert result.code in (0, 1), result.stderr
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    return result.code, report


def changes_check(report: dict) -> dict | None:
    return next((c for c in report["checks"] if c["id"] == "policy-changes"), None)


# --- finding 3: require_approval in an extended file ----------------------------------------


@pytest.mark.parametrize("where", ["both", "base only", "current only"])
def test_require_approval_in_an_extended_file_blocks_a_loosening(
    tmp_path: Path, workspace: Path, where: str
):
    base_switch = SWITCH if where in ("both", "base only") else ""
    current_switch = SWITCH if where in ("both", "current only") else ""
    base = checkout(
        tmp_path / "base",
        DEPLOY.format(switch="", acc=0.9, extra=""),
        ORG.format(switch=base_switch),
    )
    current = checkout(
        tmp_path / "pr",
        DEPLOY.format(switch="", acc=0.1, extra=OVERRIDE),
        ORG.format(switch=current_switch),
    )
    code, report = gate_run(tmp_path, workspace, current, base)
    found = changes_check(report)
    assert code == 1 and report["decision"] == "block"
    assert found is not None and found["status"] == "fail"
    assert "acc: min 0.9 -> 0.1" in found["message"]
    assert "auc-floor: min 0.99 -> 0.5" in found["message"]
    assert "same file" not in found["message"]


def tree_changes(tmp_path: Path, base: tuple[str, str], current: tuple[str, str]) -> list:
    old = checkout(tmp_path / "base", *base)
    new = checkout(tmp_path / "pr", *current)
    return [(c.kind, c.check, c.detail) for c in policy_changes(load_policy(old), load_policy(new))]


def test_dropping_the_switch_from_one_file_is_a_loosening_while_another_still_sets_it(
    tmp_path: Path,
):
    deploy = DEPLOY.format(switch=SWITCH, acc=0.9, extra="")
    found = tree_changes(
        tmp_path, (deploy, ORG.format(switch=SWITCH)), (deploy, ORG.format(switch=""))
    )
    assert found == [
        (
            "loosened",
            "policy",
            "approval_set_in ['policies/org.yaml', '(the policy file)'] -> ['(the policy file)']",
        )
    ]


def test_moving_the_switch_between_files_is_listed_and_adding_it_tightens(tmp_path: Path):
    in_org = (DEPLOY.format(switch="", acc=0.9, extra=""), ORG.format(switch=SWITCH))
    in_root = (DEPLOY.format(switch=SWITCH, acc=0.9, extra=""), ORG.format(switch=""))
    moved = tree_changes(tmp_path / "a", in_org, in_root)
    assert [k for k, _, _ in moved] == ["loosened"], moved
    both = (DEPLOY.format(switch=SWITCH, acc=0.9, extra=""), ORG.format(switch=SWITCH))
    added = tree_changes(tmp_path / "b", in_org, both)
    assert [k for k, _, _ in added] == ["tightened"], added
    off = tree_changes(tmp_path / "c", in_org, (in_org[0], ORG.format(switch="")))
    assert ("loosened", "policy", "require_change_approval True -> False") in off


# --- finding 4: a file both policies read ---------------------------------------------------


def test_a_file_the_base_and_the_current_policy_both_extend_counts_as_loosening(
    tmp_path: Path, workspace: Path
):
    """The base is a copy of the old deploy.yaml next to it: its `extends:` reach the pull
    request's own org.yaml, so a change inside org.yaml cannot be seen; say so and block."""
    current = checkout(
        tmp_path / "repo",
        DEPLOY.format(switch=SWITCH, acc=0.5, extra=""),
        ORG.format(switch="").replace("0.99", "0.5"),
    )
    base = write_policy(current.parent / "deploy.base.yaml", current.read_text())
    code, report = gate_run(tmp_path, workspace, current, base)
    found = changes_check(report)
    assert code == 1 and found is not None and found["status"] == "fail"
    assert (
        "extended file policies/org.yaml is the same file for the base and the current policy"
        in found["message"]
    )
    assert "git worktree add" in found["message"]


def test_the_same_policy_file_as_base_and_current_counts_as_loosening(tmp_path: Path):
    path = checkout(
        tmp_path, DEPLOY.format(switch=SWITCH, acc=0.5, extra=""), ORG.format(switch="")
    )
    found = policy_changes(load_policy(path), load_policy(path))
    details = [c.detail for c in found if c.kind == "loosened"]
    assert len(details) == 2, found
    assert details[0].startswith("extended file policies/org.yaml is the same file")
    assert details[1].startswith("policy file policies/deploy.yaml is the same file")


def test_separate_checkouts_compare_the_extended_files_themselves(tmp_path: Path):
    deploy = DEPLOY.format(switch=SWITCH, acc=0.5, extra="")
    found = tree_changes(
        tmp_path,
        (deploy, ORG.format(switch="")),
        (deploy, ORG.format(switch="").replace("0.99", "0.5")),
    )
    assert found == [("loosened", "auc-floor", "min 0.99 -> 0.5")]


# --- finding 5: strict comparison -----------------------------------------------------------

PERF = "checks:\n  - {id: r, type: performance, metric: recall, min: 0.8}\n"


@pytest.mark.parametrize(
    ("before", "after", "detail"),
    [
        ("positive_label: 1", "positive_label: true", "data.positive_label 1 (int) -> True (bool)"),
        (
            "positive_label: 0",
            "positive_label: false",
            "data.positive_label 0 (int) -> False (bool)",
        ),
        ("positive_label: 1", "positive_label: 1.0", "data.positive_label 1 (int) -> 1.0 (float)"),
        ("positive_label: 1", "positive_label: '1'", "data.positive_label 1 (int) -> 1 (str)"),
        ("positive_label: true", "positive_label: 1", "data.positive_label True (bool) -> 1 (int)"),
        ("positive_label: 1", "task: null", None),  # an explicit 1 is the default 1
        ("threshold: 1", "threshold: 1.0", "data.threshold 1 (int) -> 1.0 (float)"),
    ],
)
def test_look_alike_values_of_another_type_are_changes(
    tmp_path: Path, before: str, after: str, detail: str | None
):
    for name, extra in (("base.yaml", before), ("p.yaml", after)):
        write_policy(tmp_path / name, f"version: 1\ndata: {{label: y, {extra}}}\n{PERF}")
    found = policy_changes(load_policy(tmp_path / "base.yaml"), load_policy(tmp_path / "p.yaml"))
    expected = [] if detail is None else [("loosened", "data", detail)]
    assert [(c.kind, c.check, c.detail) for c in found] == expected


def test_a_bound_of_another_type_but_equal_value_counts_as_loosening(tmp_path: Path):
    for name, bound in (("base.yaml", "max: 1"), ("p.yaml", "max: 1.0")):
        write_policy(
            tmp_path / name,
            "version: 1\ndata: {label: y}\n"
            f"checks:\n  - {{id: r, type: performance, metric: recall, {bound}}}\n",
        )
    found = policy_changes(load_policy(tmp_path / "base.yaml"), load_policy(tmp_path / "p.yaml"))
    assert [(c.kind, c.detail) for c in found] == [("loosened", "max 1 (int) -> 1.0 (float)")]


def test_strict_equality_reaches_into_tuples_and_nested_options():
    from gate.policy.diff import same

    assert same((1, ("a", 2.0)), (1, ("a", 2.0)))
    assert not same((1,), (True,)) and not same((1,), (1.0,)) and not same(("1",), (1,))
    assert not same({"k": 1}, {"k": True}) and not same(None, 0) and not same(0, False)
    one = FairnessOptions(components=("selection_rate",), aggregate="ratio", min_group_size=1)
    other = FairnessOptions(components=("selection_rate",), aggregate="ratio", min_group_size=True)
    assert one == other and not same(one, other)  # Python's == alone would call them equal


def test_a_shared_directory_outside_the_repository_may_be_read_by_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Files on MODEL_GATE_EXTENDS_PATH are not the pull request's to change: reading them
    from both policies is not a loosening, while a shared file inside the repository is."""
    shared = tmp_path / "org-policies"
    shared.mkdir()
    write_policy(shared / "org.yaml", ORG.format(switch=""))
    monkeypatch.setenv("MODEL_GATE_EXTENDS_PATH", str(shared))
    deploy = DEPLOY.replace("./org.yaml", str(shared / "org.yaml"))
    base = checkout(tmp_path / "base", deploy.format(switch="", acc=0.9, extra=""), "version: 1")
    current = checkout(tmp_path / "pr", deploy.format(switch="", acc=0.9, extra=""), "version: 1")
    assert policy_changes(load_policy(base), load_policy(current)) == []
    inside = checkout(
        tmp_path / "pr2", DEPLOY.format(switch="", acc=0.9, extra=""), ORG.format(switch="")
    )
    same = policy_changes(load_policy(inside), load_policy(inside))
    assert [c.kind for c in same] == ["loosened", "loosened"]
    assert all("same file" in c.detail for c in same)
