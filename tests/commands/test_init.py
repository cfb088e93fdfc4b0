"""`model-gate init`: the starter policy it writes validates and runs, and it never clobbers."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import skops.io as sio
import yaml
from conformance import conformance_file
from helpers import FEATURES, classification_frame, fit_classifier, regression_frame, run_cli
from hypothesis import given
from hypothesis import strategies as st

from gate.cli import main
from gate.commands.init_files import SCHEMA_FILE, scalar

GITHUB = Path(".github/workflows/model-gate.yml")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository-like directory with a trained model and its evaluation data."""
    frame = classification_frame(600)
    sio.dump(fit_classifier(frame), tmp_path / "model.skops")
    frame.to_csv(tmp_path / "eval.csv", index=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def init(*args: str) -> int:
    return main(["init", *args])


def policy_of(path: Path = Path("policy.yaml")) -> dict:
    return yaml.safe_load(path.read_text())


def valid(document: object, schema_name: str) -> None:
    schema = json.loads(conformance_file(schema_name).read_text())
    errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(document))
    assert not errors, [e.message for e in errors[:3]]


def test_the_starter_policy_validates_and_runs(project: Path, capsys):
    (project / ".github").mkdir()
    assert init("--model", "model.skops", "--data", "eval.csv", "--sensitive", "sex") == 0
    out = capsys.readouterr().out
    assert "wrote policy.yaml" in out and "model-gate validate policy.yaml" in out
    text = Path("policy.yaml").read_text()
    assert text.splitlines()[0] == f"# yaml-language-server: $schema={SCHEMA_FILE}"
    schema = run_cli("schema", "policy")
    assert (project / SCHEMA_FILE).read_text() == schema.stdout
    policy = policy_of()
    assert policy["data"] == {
        "task": "binary_classification",
        "label": "y",
        "positive_label": 1,
        "threshold": 0.5,
        "sensitive": ["sex"],
    }
    assert f"# features: [{', '.join(FEATURES)}]" in text
    assert [(c["type"], c.get("metric")) for c in policy["checks"]] == [
        ("performance", "roc_auc"),
        ("fairness", "selection_rate"),
        ("data_quality", None),
    ]
    jsonschema.validate(policy, json.loads(schema.stdout))
    assert run_cli("validate", "policy.yaml", cwd=project).code == 0
    check = run_cli(
        "check", "--policy", "policy.yaml", "--model", "model.skops", "--data", "eval.csv",
        "--output-dir", "out", cwd=project,
    )  # fmt: skip
    assert check.code == 0, check.stdout + check.stderr
    report = json.loads((project / "out/report.json").read_text())
    assert [c["status"] for c in report["checks"]] == ["pass", "pass", "pass"]


def test_the_github_workflow_runs_the_action_on_the_files(project: Path):
    assert init("--model", "model.skops", "--data", "eval.csv", "--ci", "github") == 0
    workflow = yaml.safe_load(GITHUB.read_text())
    workflow["on"] = workflow.pop(True)  # YAML 1.1 reads the key `on` as true; GitHub does not
    valid(workflow, "github-workflow.schema.json")
    step = workflow["jobs"]["gate"]["steps"][-1]
    assert step["uses"] == "<owner>/model-gate@v1"
    assert step["with"] == {
        "policy": "policy.yaml",
        "model": "model.skops",
        "data": "eval.csv",
        "format": "markdown junit",
    }
    action = yaml.safe_load((Path(__file__).parents[2] / "action.yml").read_text())
    assert set(step["with"]) <= set(action["inputs"])


def test_the_gitlab_include_is_written_once_and_then_only_printed(project: Path, capsys):
    assert init("--model", "model.skops", "--data", "eval.csv", "--ci", "gitlab") == 0
    ci = yaml.safe_load(Path(".gitlab-ci.yml").read_text())
    valid(ci, "gitlab-ci.schema.json")
    inputs = ci["include"][0]["inputs"]
    assert {k: inputs[k] for k in ("policy", "model", "data")} == {
        "policy": "policy.yaml",
        "model": "model.skops",
        "data": "eval.csv",
    }
    header = yaml.safe_load_all(
        (Path(__file__).parents[2] / "templates/model-gate.yml").read_text()
    )
    assert set(inputs) <= set(next(header)["spec"]["inputs"])
    Path(".gitlab-ci.yml").write_text("stages: [test]\n")
    capsys.readouterr()
    code = init("--model", "model.skops", "--data", "eval.csv", "-o", "p2.yaml", "--ci", "gitlab")
    assert code == 0
    assert Path(".gitlab-ci.yml").read_text() == "stages: [test]\n"
    assert "component: $CI_SERVER_FQDN/<group>/model-gate/model-gate@<version>" in (
        capsys.readouterr().out
    )


def test_ci_auto_picks_what_the_repository_has(project: Path):
    assert init("--model", "model.skops", "--data", "eval.csv") == 0
    assert not GITHUB.exists() and not Path(".gitlab-ci.yml").exists()
    (project / ".github").mkdir()
    assert init("--model", "model.skops", "--data", "eval.csv", "-o", "p2.yaml") == 0
    assert "p2.yaml" in GITHUB.read_text()


def test_nothing_is_overwritten_without_force(project: Path, capsys):
    (project / ".github").mkdir()
    assert init("--model", "model.skops", "--data", "eval.csv") == 0
    GITHUB.write_text("mine\n")
    capsys.readouterr()
    assert init("--model", "model.skops", "--data", "eval.csv", "-o", "other.yaml") == 2
    err = capsys.readouterr().err
    assert str(GITHUB) in err and "--force" in err
    assert not Path("other.yaml").exists() and GITHUB.read_text() == "mine\n"
    assert init("--model", "model.skops", "--data", "eval.csv", "-o", "other.yaml", "--force") == 0
    assert "other.yaml" in GITHUB.read_text()


def test_a_schema_copy_that_is_already_there_is_kept(project: Path):
    assert init("--model", "model.skops", "--data", "eval.csv", "--ci", "none") == 0
    assert init("--model", "model.skops", "--data", "eval.csv", "-o", "b.yaml", "--ci", "none") == 0
    (project / SCHEMA_FILE).write_text("{}")
    assert init("--model", "model.skops", "--data", "eval.csv", "-o", "c.yaml", "--ci", "none") == 2
    assert not Path("c.yaml").exists()


def test_data_with_a_score_column_needs_no_model(project: Path):
    frame = classification_frame(400, seed=3)
    frame["proba"] = (frame["x1"] > 0).astype(float) * 0.6 + 0.2
    frame.to_csv("scored.csv", index=False)
    assert init("--data", "scored.csv", "--ci", "none", "--name", "scored") == 0
    policy = policy_of()
    assert policy["name"] == "scored"
    assert policy["data"]["score"] == "proba" and policy["checks"][0]["metric"] == "roc_auc"
    assert "columns" not in policy["checks"][-1]
    result = run_cli("check", "--policy", "policy.yaml", "--data", "scored.csv", cwd=project)
    assert result.code in (0, 1), result.stderr


def test_a_regression_model_gets_regression_checks(project: Path):
    from sklearn.linear_model import LinearRegression

    frame = regression_frame(300)
    sio.dump(LinearRegression().fit(frame[FEATURES], frame["target"]), "reg.skops")
    frame["region"] = ["north", "south"] * 150
    frame.to_csv("reg.csv", index=False)
    code = init(
        "--model", "reg.skops", "--data", "reg.csv", "--sensitive", "region", "--ci", "none"
    )
    assert code == 0
    policy = policy_of()
    assert policy["data"]["task"] == "regression" and policy["data"]["label"] == "target"
    assert "positive_label" not in policy["data"]
    assert [c.get("metric") for c in policy["checks"]] == ["r2", "mae", None]
    args = ("--policy", "policy.yaml", "--model", "reg.skops", "--data", "reg.csv")
    result = run_cli("check", *args, cwd=project)
    assert result.code == 0, result.stdout + result.stderr


def test_a_model_without_input_names_gets_the_remaining_columns(project: Path):
    frame = classification_frame(400)
    from sklearn.linear_model import LogisticRegression

    sio.dump(LogisticRegression().fit(frame[FEATURES].to_numpy(), frame["y"]), "np.skops")
    code = init("--model", "np.skops", "--data", "eval.csv", "--sensitive", "sex", "--ci", "none")
    assert code == 0
    assert policy_of()["data"]["features"] == FEATURES
    args = ("--policy", "policy.yaml", "--model", "np.skops", "--data", "eval.csv")
    assert run_cli("check", *args, cwd=project).code == 0


def test_a_model_without_names_and_too_many_columns_asks_for_features(project: Path, capsys):
    from sklearn.linear_model import LogisticRegression

    frame = classification_frame(200)
    sio.dump(LogisticRegression().fit(frame[FEATURES].to_numpy(), frame["y"]), "np.skops")
    assert init("--model", "np.skops", "--data", "eval.csv", "--ci", "none") == 2
    assert "takes 3 inputs but 4 columns are left" in capsys.readouterr().err
    code = init(
        "--model", "np.skops", "--data", "eval.csv", "--features", "x1,x2", "--features", "x3"
    )
    assert code == 0 and policy_of()["data"]["features"] == FEATURES


def test_text_labels_name_their_positive_value(project: Path):
    frame = classification_frame(400)
    frame["outcome"] = frame.pop("y").map({0: "rejected", 1: "approved"})
    sio.dump(fit_classifier(frame.assign(y=frame["outcome"])), "text.skops")
    frame.to_csv("text.csv", index=False)
    assert init("--model", "text.skops", "--data", "text.csv", "--ci", "none") == 0
    data = policy_of()["data"]
    assert data["label"] == "outcome" and data["positive_label"] == "rejected"
    args = ("--policy", "policy.yaml", "--model", "text.skops", "--data", "text.csv")
    assert run_cli("check", *args, cwd=project).code in (0, 1)


@pytest.mark.parametrize(
    ("flags", "needles"),
    [
        (["--data", "nolabel.csv", "--model", "model.skops"], ["--label", "x1, x2, x3, sex"]),
        (["--data", "eval.csv", "--model", "model.skops", "--sensitive", "race"], ["race"]),
        (["--data", "eval.csv", "--model", "model.skops", "--label", "z"], ["--label z"]),
        (["--data", "eval.csv"], ["no score or prediction column", "--model"]),
        (["--model", "model.skops"], ["--label"]),
        ([], ["--model", "--data"]),
        (["--data", "missing.csv", "--model", "model.skops"], ["missing.csv"]),
        (["--data", "eval.csv", "--model", "missing.skops"], ["missing.skops"]),
    ],
    ids=["no-label", "sensitive", "label", "no-model", "model-only", "nothing", "data", "model"],
)
def test_what_init_cannot_work_out_is_exit_2_naming_it(project: Path, capsys, flags, needles):
    classification_frame(50).drop(columns="y").to_csv("nolabel.csv", index=False)
    assert init(*flags, "--ci", "none") == 2
    err = capsys.readouterr().err
    assert all(n in err for n in needles), err
    assert not Path("policy.yaml").exists()


def test_it_asks_nothing_in_ci(project: Path):
    args = ("init", "--model", "model.skops", "--data", "eval.csv", "--ci", "none")
    result = run_cli(*args, cwd=project, env={"CI": "true"})
    assert result.code == 0 and Path("policy.yaml").exists()


@given(st.text(min_size=1, max_size=12))
def test_every_name_is_written_as_a_scalar_that_reads_back_as_itself(name: str):
    assert yaml.safe_load(f"key: {scalar(name)}  # comment") == {"key": name}


def test_a_policy_in_a_folder_gets_its_schema_beside_it(project: Path):
    (project / ".github").mkdir()
    code = init("--model", "model.skops", "--data", "eval.csv", "-o", "policies/deploy.yaml")
    assert code == 0
    first = Path("policies/deploy.yaml").read_text().splitlines()[0]
    assert (Path("policies") / first.split("$schema=")[1]).is_file()
    assert "policy: policies/deploy.yaml" in GITHUB.read_text()
    assert run_cli("validate", "policies/deploy.yaml", cwd=project).code == 0


def test_a_model_alone_with_its_label_column_is_enough(project: Path):
    assert init("--model", "model.skops", "--label", "y", "--ci", "none") == 0
    policy = policy_of()
    assert policy["data"]["label"] == "y" and policy["data"]["task"] == "binary_classification"
    assert "EVAL_DATA" in Path("policy.yaml").read_text()
    assert run_cli("validate", "policy.yaml", cwd=project).code == 0


def test_a_margin_model_gets_no_threshold_it_would_ignore(project: Path):
    from sklearn.svm import LinearSVC

    frame = classification_frame(400)
    sio.dump(LinearSVC().fit(frame[FEATURES], frame["y"]), "svm.skops")
    assert init("--model", "svm.skops", "--data", "eval.csv", "--ci", "none") == 0
    assert "threshold" not in policy_of()["data"]  # labels come from the model's predict()
    assert "# threshold: not used for this model" in Path("policy.yaml").read_text()
    args = ("--policy", "policy.yaml", "--model", "svm.skops", "--data", "eval.csv")
    result = run_cli("check", *args, cwd=project)
    assert result.code == 0, result.stdout + result.stderr


def test_a_skops_type_to_trust_is_asked_for_and_taken(project: Path, capsys):
    from sklearn.ensemble import HistGradientBoostingClassifier

    frame = classification_frame(200)
    model = HistGradientBoostingClassifier(max_iter=3).fit(frame[FEATURES], frame["y"])
    sio.dump(model, "hgb.skops")
    predictor = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"
    assert init("--model", "hgb.skops", "--data", "eval.csv", "--ci", "none") == 2
    assert predictor in capsys.readouterr().err
    flags = ("--model", "hgb.skops", "--data", "eval.csv", "--ci", "none")
    assert init(*flags, "--trust-type", predictor) == 0
    assert policy_of()["checks"][0]["metric"] == "roc_auc"
