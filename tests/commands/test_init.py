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
from gate.commands.init_files import SCHEMA_FILE, Starter, policy_text, scalar
from gate.commands.init_plan import valid as loads_as_valid

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
    line = next(x for x in capsys.readouterr().out.splitlines() if "model-gate check" in x)
    assert f"--trust-type {predictor}" in line
    assert run_cli(*line.split()[1:], cwd=project).code in (0, 1)


# --- the task comes from the model's kind (multiclass: tests/test_multiclass_e2e.py) -----------


def test_a_multiclass_classifier_is_multiclass_not_regression(project: Path, capsys):
    from sklearn.linear_model import LogisticRegression

    frame = classification_frame(300)
    frame["y"] = [0, 1, 2] * 100
    sio.dump(LogisticRegression().fit(frame[FEATURES], frame["y"]), "multi.skops")
    frame.to_csv("multi.csv", index=False)
    assert init("--model", "multi.skops", "--data", "multi.csv", "--ci", "none") == 0
    assert policy_of()["data"]["task"] == "multiclass_classification"
    flags = ("--model", "multi.skops", "--data", "multi.csv", "--ci", "none", "--force")
    assert init(*flags, "--task", "binary_classification") == 2
    assert "3 classes" in capsys.readouterr().err


def test_a_regressor_on_a_zero_one_target_is_regression(project: Path):
    from sklearn.linear_model import LinearRegression

    sio.dump(LinearRegression().fit(*_xy(classification_frame(300))), "lin.skops")
    assert init("--model", "lin.skops", "--data", "eval.csv", "--ci", "none") == 0
    assert policy_of()["data"]["task"] == "regression"
    assert policy_of()["checks"][0]["metric"] == "r2"


def _xy(frame):
    return frame[FEATURES], frame["y"]


def test_a_classifier_on_the_same_target_is_binary_with_its_last_class(project: Path):
    from sklearn.linear_model import LogisticRegression

    frame = classification_frame(300)
    frame["y"] = frame["y"].map({0: "bad", 1: "good"})
    sio.dump(LogisticRegression().fit(*_xy(frame)), "tree.skops")
    frame.to_csv("text.csv", index=False)
    assert init("--model", "tree.skops", "--data", "text.csv", "--ci", "none") == 0
    text = Path("policy.yaml").read_text()
    assert policy_of()["data"]["positive_label"] == "good" and "the model's last class" in text


def test_without_a_model_the_positive_value_is_not_called_the_models(project: Path):
    frame = classification_frame(300)
    frame["y"] = frame["y"].map({0: "bad", 1: "good"})
    frame["score"] = 0.5
    frame.to_csv("text.csv", index=False)
    assert init("--data", "text.csv", "--ci", "none") == 0
    assert policy_of()["data"]["positive_label"] == "good"
    assert "model's last class" not in Path("policy.yaml").read_text()


@pytest.mark.parametrize("labels", [[0, 1, 2], ["a", "b", "c"]], ids=["integers", "text"])
def test_without_a_model_multiclass_labels_need_a_prediction_column(project: Path, capsys, labels):
    frame = classification_frame(300)
    frame["y"], frame["score"] = labels * 100, 0.5
    frame.to_csv("multi.csv", index=False)
    assert init("--data", "multi.csv", "--ci", "none") == 2
    assert "--prediction COLUMN" in capsys.readouterr().err and not Path("policy.yaml").exists()
    frame.assign(prediction=frame["y"]).to_csv("multi.csv", index=False)
    assert init("--data", "multi.csv", "--ci", "none") == 0
    assert policy_of()["data"]["task"] == "multiclass_classification"


def test_a_whole_number_regression_target_is_taken_with_task(project: Path):
    frame = regression_frame(300)
    frame["target"] = (frame["target"].rank() % 5).astype(int)
    frame["prediction"] = frame["target"] + 0.5
    frame.to_csv("counts.csv", index=False)
    assert init("--data", "counts.csv", "--ci", "none") == 0  # whole numbers: classes
    assert policy_of()["data"]["task"] == "multiclass_classification"
    assert init("--data", "counts.csv", "--ci", "none", "--task", "regression", "--force") == 0
    assert policy_of()["data"]["task"] == "regression"
    assert run_cli("validate", "policy.yaml", cwd=project).code == 0


def test_a_label_with_one_value_is_refused_even_late_in_the_file(project: Path, capsys):
    frame = classification_frame(600)
    frame["y"] = 1
    frame.to_csv("one.csv", index=False)
    assert init("--model", "model.skops", "--data", "one.csv", "--ci", "none") == 2
    assert "one value only" in capsys.readouterr().err
    sorted_frame = classification_frame(12_000).sort_values("y")  # first batch: all 0
    sorted_frame.to_csv("sorted.csv", index=False)
    assert init("--model", "model.skops", "--data", "sorted.csv", "--ci", "none") == 0


# --- every binding written is one that check accepts ------------------------------------------


@pytest.mark.parametrize(
    "flags",
    [
        ["--sensitive", ","],
        ["--sensitive", ""],
        ["--sensitive", "sex", "sex"],  # space-separated, as check refuses it too
        ["--features", "x2,x1,x3"],  # contradicts the model's own input names
        ["--score", "nope"],
        ["--prediction", "nope"],
        ["--output", SCHEMA_FILE],
        ["--output", "eval.csv", "--force"],
        ["--output", "model.skops", "--force"],
        ["--output", str(GITHUB), "--ci", "github"],
    ],
)
def test_an_unsound_binding_or_target_is_exit_2_and_writes_nothing(project: Path, flags):
    (project / ".github").mkdir()
    before = {p: p.read_bytes() for p in project.iterdir() if p.is_file()}
    result = run_cli("init", "--model", "model.skops", "--data", "eval.csv", *flags, cwd=project)
    assert result.code == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert {p: p.read_bytes() for p in project.iterdir() if p.is_file()} == before
    assert not GITHUB.exists()


def test_repeated_names_are_written_once(project: Path):
    flags = ("--sensitive", "sex,sex", "--sensitive", "sex", "--features", "x1,x2,x3,x1")
    assert init("--model", "model.skops", "--data", "eval.csv", *flags, "--ci", "none") == 0
    assert policy_of()["data"]["sensitive"] == ["sex"]
    assert run_cli("validate", "policy.yaml", cwd=project).code == 0


def test_a_score_column_named_beside_a_model_must_exist_and_then_is_bound(project: Path):
    frame = classification_frame(600)
    frame["proba"] = 0.5
    frame.to_csv("eval.csv", index=False)
    assert init("--model", "model.skops", "--data", "eval.csv", "--score", "proba") == 0
    assert policy_of()["data"]["score"] == "proba"


# --- all or nothing, and never through a link --------------------------------------------------


def test_a_file_in_the_way_of_a_folder_is_exit_2_and_nothing_is_written(project: Path):
    Path("afile").write_text("x")
    result = run_cli("init", "--model", "model.skops", "--data", "eval.csv", "-o", "afile/p.yaml")
    assert result.code == 2 and "afile is not a folder" in result.stderr, result.stderr
    Path(".github").write_text("not a folder")
    args = ("init", "--model", "model.skops", "--data", "eval.csv", "--ci", "github")
    result = run_cli(*args, cwd=project)
    assert result.code == 2 and ".github is not a folder" in result.stderr, result.stderr
    assert not Path("policy.yaml").exists() and not Path(SCHEMA_FILE).exists()


def test_a_folder_in_the_place_of_the_schema_copy_is_exit_2(project: Path):
    (project / "locked" / SCHEMA_FILE).mkdir(parents=True)
    args = ("init", "--model", "model.skops", "--data", "eval.csv", "-o", "locked/p.yaml")
    result = run_cli(*args, cwd=project)
    assert result.code == 2 and SCHEMA_FILE in result.stderr
    assert not Path("locked/p.yaml").exists()


def test_a_failed_write_leaves_no_file_and_no_folder_it_made(tmp_path: Path):
    from gate.commands.init_write import write_all
    from gate.errors import UsageError

    files = {tmp_path / "new/deeper/a.yaml": "a", tmp_path / "new" / ("x" * 300): "b"}
    with pytest.raises(UsageError, match=r"cannot write .*xxx"):
        write_all(files)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("dangling", [True, False])
def test_a_symbolic_link_at_the_output_is_refused(project: Path, tmp_path_factory, dangling):
    outside = tmp_path_factory.mktemp("outside") / "target.yaml"
    if not dangling:
        outside.write_text("mine\n")
    Path("policy.yaml").symlink_to(outside)
    result = run_cli("init", "--model", "model.skops", "--data", "eval.csv", "--force")
    assert result.code == 2 and "symbolic link" in result.stderr
    assert outside.exists() != dangling and (dangling or outside.read_text() == "mine\n")


# --- names and paths cannot change the policy ------------------------------------------------

INJECTION = "d\nwaivers: [{check: performance, reason: x, approved_by: y, expires: 2099-01-01}]\n#"


def test_a_file_name_cannot_add_a_waiver(project: Path):
    data = Path(INJECTION + ".csv")
    Path("eval.csv").rename(data)
    assert init("--model", "model.skops", "--data", str(data), "--ci", "none") == 0
    policy = policy_of()
    assert set(policy) == {"version", "name", "data", "checks"}
    assert "waivers" not in Path("policy.yaml").read_text().split("\n# Run it")[0]
    assert run_cli("validate", "policy.yaml", cwd=project).code == 0
    check = run_cli("check", "--policy", "policy.yaml", "--model", "model.skops", "--data", data)
    assert "WAIVED" not in check.stdout


def test_printed_commands_quote_their_paths(project: Path, capsys):
    (project / "my data").mkdir()
    Path("eval.csv").rename("my data/eval 1.csv")
    out = "pólizá 政策.yaml"
    assert init("--model", "model.skops", "--data", "my data/eval 1.csv", "-o", out) == 0
    printed = capsys.readouterr().out
    line = next(x for x in printed.splitlines() if "model-gate check" in x)
    assert f"--policy '{out}'" in line
    assert "--data 'my data/eval 1.csv'" in line
    assert f"model-gate validate '{out}'" in printed
    import shlex

    assert shlex.split(line.strip())[3] == out


def test_non_ascii_names_are_written_readably(project: Path):
    frame = classification_frame(300).rename(columns={"sex": "género", "y": "ñé 空"})
    frame["puntuación"] = 0.5
    frame.to_csv("datos.csv", index=False)
    flags = ("--data", "datos.csv", "--label", "ñé 空", "--score", "puntuación")
    assert init(*flags, "--sensitive", "género", "--ci", "none") == 0
    text = Path("policy.yaml").read_text(encoding="utf-8")
    assert '"ñé 空"' in text and "género" in text and "\\x" not in text and "\\u" not in text
    assert policy_of()["data"]["label"] == "ñé 空"


names_text = st.text(min_size=1, max_size=10)


@given(
    name=names_text, label=names_text, sensitive=st.lists(names_text, max_size=3), path=st.text()
)
def test_any_name_round_trips_without_adding_keys_and_validates(name, label, sensitive, path):
    starter = Starter(
        name=name, task="binary_classification", label=label, output="score",
        sensitive=tuple(dict.fromkeys(sensitive)), hints=(label,), features=(label, name),
    )  # fmt: skip
    text = policy_text(starter, f"model-gate check --data {path}")
    loads_as_valid(Path("p.yaml"), text)  # loads as `model-gate validate` loads it, or raises
    policy = yaml.safe_load(text)
    assert set(policy) == {"version", "name", "data", "checks"}
    assert policy["name"] == name and policy["data"]["label"] == label
    assert set(policy["data"]) <= {"task", "label", "positive_label", "threshold", "sensitive"}
    assert policy["data"].get("sensitive", []) == list(dict.fromkeys(sensitive))


# --- init loads what check loads --------------------------------------------------------------


def test_a_pinned_pickle_is_accepted_as_check_accepts_it(project: Path, capsys):
    import hashlib
    import pickle

    Path("model.pkl").write_bytes(pickle.dumps(fit_classifier(classification_frame(300))))
    assert init("--model", "model.pkl", "--data", "eval.csv", "--ci", "none") == 2
    digest = hashlib.sha256(Path("model.pkl").read_bytes()).hexdigest()
    assert f"--allow-pickle --model-sha256 {digest}" in capsys.readouterr().err
    flags = ("--model", "model.pkl", "--data", "eval.csv", "--ci", "github")
    assert init(*flags, "--allow-pickle", "--model-sha256", digest) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "model-gate check" in x)
    assert run_cli(*line.split()[1:], cwd=project).code == 0
    assert line.split()[:2] == ["model-gate", "check"]
    step = yaml.safe_load(GITHUB.read_text())["jobs"]["gate"]["steps"][-1]
    assert step["with"]["extra-args"] == f"--allow-pickle --model-sha256 {digest}"
