"""Registry models against a real MLflow tracking server, started here: MLflow's own server
application (a SQLite store, proxied artifacts) served over HTTP on 127.0.0.1, no mocks.
`mlflow server` itself (uvicorn and a job runner) took 30-100 s to answer on the shared
2-core machine, so its Flask application is served by werkzeug in a subprocess instead.

Resolve @champion, gate the challenger against it through the CLI, log the report to the
run, promote only an approved digest, and refuse once the artifacts changed, a report not logged
on the version's run, a forged or self-contradicting report and a bad alias, writing nothing to
the registry and no digest the report does not hold; the safe-loading rules hold for a
downloaded pickle flavour."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mlflow", reason="needs model-gate[mlflow]")

from gate.cli import main
from gate.errors import InputError, UsageError
from gate.inputs import registry
from gate.inputs.models import LoadPolicy, load_model
from tests.helpers import (
    FEATURES,
    classification_frame,
    fit_classifier,
    run_cli,
    write_policy,
)

SERVE = """
import sys
from werkzeug.serving import make_server
from mlflow.server import app
server = make_server("127.0.0.1", 0, app, threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""
POLICY = """
version: 1
data: {label: y}
checks:
  - {id: auc, type: performance, metric: roc_auc, min: 0.6}
  - {id: no-regression, type: performance, metric: roc_auc, baseline: {max_drop: 0.05}}
"""


def _serve(root: Path) -> tuple[subprocess.Popen, str]:
    db = f"sqlite:///{root / 'mlflow.db'}"
    env = {
        **os.environ,
        "_MLFLOW_SERVER_FILE_STORE": db,
        "_MLFLOW_SERVER_REGISTRY_STORE": db,
        "_MLFLOW_SERVER_SERVE_ARTIFACTS": "true",
        "_MLFLOW_SERVER_ARTIFACT_DESTINATION": str(root / "artifacts"),
        "_MLFLOW_SERVER_ARTIFACT_ROOT": "mlflow-artifacts:/",
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    port = proc.stdout.readline().strip()  # printed once bound (EOF if it died)
    if not port.isdigit():
        proc.kill()
        pytest.fail(f"the MLflow server did not start (exit {proc.wait()})")
    return proc, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A server holding `credit` v1 (weak, @champion) and v2 (the challenger),
    `credit-pickle` v1 in the default cloudpickle flavour, `credit-onnx` v1 (MLflow's onnx
    flavour) and `promo` v1 (promote's own)."""
    import mlflow.sklearn

    root = tmp_path_factory.mktemp("mlflow")
    proc, uri = _serve(root)
    frame = classification_frame(600)
    frame.to_csv(root / "eval.csv", index=False)
    write_policy(root / "policy.yaml", POLICY)
    runs = {}
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("MLFLOW_TRACKING_URI", uri)
            client = mlflow.MlflowClient()
            experiment = client.create_experiment("credit")
            for name, c, fmt in (
                ("credit", 0.01, "skops"),
                ("credit", 1.0, "skops"),
                ("credit-pickle", 1.0, "cloudpickle"),
                ("promo", 1.0, "skops"),
            ):
                with mlflow.start_run(experiment_id=experiment) as run:
                    mlflow.sklearn.log_model(
                        fit_classifier(frame, c=c),
                        name="model",
                        serialization_format=fmt,
                        registered_model_name=name,
                        pip_requirements=["scikit-learn"],  # no inference: it runs a subprocess
                    )
                runs.setdefault(name, []).append(run.info.run_id)
            runs["credit-onnx"] = [_log_onnx(frame, "credit-onnx", experiment)]
            client.set_registered_model_alias("credit", "champion", "1")
        yield {"uri": uri, "root": root, "runs": runs}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _log_onnx(frame, name: str, experiment: str) -> str:
    """A classifier converted with one input per column (so the model names its features),
    logged and registered with MLflow's own onnx flavour; the run's id."""
    import mlflow.onnx
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        ColumnTransformer([("all", "passthrough", FEATURES)]), fit_classifier(frame)
    ).fit(frame[FEATURES], frame["y"])
    inputs = [(f, FloatTensorType([None, 1])) for f in FEATURES]
    onx = convert_sklearn(model, initial_types=inputs, target_opset=17)
    with mlflow.start_run(experiment_id=experiment) as run:
        mlflow.onnx.log_model(
            onx, name="model", registered_model_name=name, pip_requirements=["onnxruntime"]
        )
    return run.info.run_id


@pytest.fixture
def tracking(store, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store["uri"])
    return store


def test_the_three_uri_forms_parse_and_others_are_refused():
    assert registry.parse("models:/credit@champion").alias == "champion"
    assert registry.parse("models:/credit/7").version == "7"
    ref = registry.parse("runs:/0a1b/model")
    assert (ref.run_id, ref.path) == ("0a1b", "model")
    for bad in ("models:/credit", "models:/credit/Production", "runs:/0a1b", "runs:/x/../y"):
        with pytest.raises(UsageError, match="models:/NAME@ALIAS"):
            registry.parse(bad)
    assert not registry.is_registry_uri(Path("models:/credit/1"))  # a Path is a file


def test_unknown_names_say_what_exists(tracking):
    cases = {
        "models:/credit@champoin": "no alias 'champoin' (did you mean 'champion'? aliases:",
        "models:/credit/9": "has no version 9 (versions: 1, 2)",
        "models:/credti@champion": "did you mean 'credit'?",
        "runs:/0123456789abcdef/model": "no run '0123456789abcdef'",
    }
    for uri, message in cases.items():
        with pytest.raises(InputError) as refused:
            load_model(uri, LoadPolicy())
        assert str(refused.value).startswith(f"model {uri}: ") and message in str(refused.value)


def test_a_pickle_flavour_loads_only_with_the_pin(tracking):
    uri = "models:/credit-pickle/1"
    with pytest.raises(InputError) as refused:
        load_model(uri, LoadPolicy())
    text = str(refused.value)
    assert "is a pickle" in text and f"model {uri}/model.pkl" in text and "/tmp" not in text
    pin = text.split("--model-sha256 ")[1].split()[0]
    with pytest.raises(InputError, match="needs --model-sha256"):
        load_model(uri, LoadPolicy(allow_pickle=True))
    loaded = load_model(uri, LoadPolicy(allow_pickle=True, sha256=pin))
    assert loaded.format == "mlflow-sklearn-cloudpickle" and loaded.registry["version"] == "1"
    run = tracking["runs"]["credit-pickle"][0]
    by_run = load_model(f"runs:/{run}/model", LoadPolicy(allow_pickle=True, sha256=pin))
    assert by_run.registry["run_id"] == run and by_run.registry["version"] is None
    assert by_run.sha256 == loaded.sha256


def test_an_onnx_flavour_loads_by_default_and_is_gated_through_the_cli(tracking, tmp_path):
    """ONNX is a safe format: a registry model in MLflow's onnx flavour needs no opt-in, keeps
    its feature names, and its registry facts reach report.json."""
    uri = "models:/credit-onnx/1"
    loaded = load_model(uri, LoadPolicy())
    assert loaded.format == "mlflow-onnx" and loaded.model.feature_names == tuple(FEATURES)
    root, out = tracking["root"], tmp_path / "out"
    run = run_cli(
        "check", "--policy", root / "policy.yaml", "--model", uri, "--data", root / "eval.csv",
        "--baseline-model", "models:/credit@champion", "--output-dir", out,
    )  # fmt: skip
    assert run.code == 0, run.stdout + run.stderr
    model = json.loads((out / "report.json").read_text())["inputs"]["model"]
    registry_facts = model["registry"]
    assert registry_facts["name"] == "credit-onnx" and registry_facts["version"] == "1"
    assert registry_facts["run_id"] == tracking["runs"]["credit-onnx"][0]
    assert registry_facts["artifact_sha256"] == model["sha256"] == loaded.sha256


def test_no_tracking_uri_or_no_mlflow_is_exit_2_and_writes_nothing(tmp_path: Path, store):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    args = (
        "check",
        "--policy",
        store["root"] / "policy.yaml",
        "--data",
        store["root"] / "eval.csv",
    )
    args += ("--model", "models:/credit@champion")
    proc = subprocess.run(
        [sys.executable, "-m", "gate", *map(str, args)],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(Path(__file__).parents[2])},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "set MLFLOW_TRACKING_URI" in proc.stderr
    assert list(tmp_path.iterdir()) == []  # MLflow's default ./mlflow.db was not created
    (tmp_path / "mlflow.py").write_text("raise ImportError('not installed')\n")
    repo = Path(__file__).parents[2]
    result = run_cli(*args, env={"PYTHONPATH": f"{tmp_path}{os.pathsep}{repo}"})
    assert result.code == 2 and "pip install 'model-gate[mlflow]'" in result.stderr


def _artifact_dir(store: dict, source: str) -> Path:
    """Where the server keeps a logged model's files (source models:/m-...)."""
    found = [p.parent for p in (store["root"] / "artifacts").rglob("MLmodel")]
    return next(p for p in found if source.split("/")[-1] in str(p))


def test_gate_log_and_promote_only_the_approved_digest(tracking, tmp_path: Path, capsys):
    import mlflow

    root, out = tracking["root"], tmp_path / "out"
    gated = run_cli(
        "check",
        "--policy",
        root / "policy.yaml",
        "--data",
        root / "eval.csv",
        "--model",
        "models:/credit/2",
        "--baseline-model",
        "models:/credit@champion",
        "--output-dir",
        out,
        "--log-to-mlflow",
        env={"MLFLOW_TRACKING_URI": tracking["uri"]},
    )
    assert gated.code == 0, gated.stderr
    report = json.loads((out / "report.json").read_text())
    client = mlflow.MlflowClient()
    v2 = client.get_model_version("credit", "2")
    facts = report["inputs"]["model"]["registry"]
    assert facts == {
        "uri": "models:/credit/2",
        "name": "credit",
        "version": "2",
        "alias": None,
        "run_id": v2.run_id,
        "source": v2.source,
        "artifact_sha256": report["inputs"]["model"]["sha256"],
    }
    assert report["inputs"]["baseline_model"]["registry"]["version"] == "1"
    evidence = json.loads((out / "evidence.json").read_text())
    subject = next(s for s in evidence["subject"] if s["annotations"]["role"] == "model")
    assert subject["annotations"]["registry"] == facts
    run = client.get_run(v2.run_id)
    assert run.data.tags["model_gate.decision"] == "approve"
    auc = next(c for c in report["checks"] if c["id"] == "auc")
    assert run.data.metrics["model_gate.auc"] == pytest.approx(auc["value"])
    logged = mlflow.artifacts.download_artifacts(
        run_id=v2.run_id, artifact_path="model-gate/report.json", dst_path=str(tmp_path / "dl")
    )
    assert Path(logged).read_bytes() == (out / "report.json").read_bytes()

    promoted = run_cli(
        "promote",
        "--report",
        out / "report.json",
        "--alias",
        "champion",
        env={"MLFLOW_TRACKING_URI": tracking["uri"]},
    )
    assert promoted.code == 0, promoted.stderr
    assert client.get_model_version_by_alias("credit", "champion").version in ("2", 2)

    conda = _artifact_dir(tracking, v2.source) / "conda.yaml"
    conda.write_text(conda.read_text() + "# changed after approval\n")
    assert "changed since" in _refused(out / "report.json", "challenger", 1, capsys)
    assert "challenger" not in client.get_registered_model("credit").aliases
    tags = client.get_model_version("credit", "2").tags
    assert tags["model_gate.approved_for.champion"] == facts["artifact_sha256"]


def _log_versions(name: str, strengths: tuple[float, ...], frame) -> None:
    import mlflow.sklearn

    experiment = mlflow.MlflowClient().create_experiment(name)
    for c in strengths:
        with mlflow.start_run(experiment_id=experiment):
            mlflow.sklearn.log_model(
                fit_classifier(frame, c=c),
                name="model",
                serialization_format="skops",
                registered_model_name=name,
                pip_requirements=["scikit-learn"],
            )


def test_promote_refuses_an_approval_whose_baseline_comparison_is_stale(
    tracking, tmp_path: Path, capsys
):
    """A no-regression approval holds against the baseline it compared with: not once the
    baseline's alias points elsewhere, nor for moving an alias off a version never compared."""
    import mlflow

    root, out, client = tracking["root"], tmp_path / "out", mlflow.MlflowClient()
    _log_versions("stale", (0.01, 1.0, 0.3), classification_frame(600))
    client.set_registered_model_alias("stale", "champion", "1")
    gated = run_cli(
        "check", "--policy", root / "policy.yaml", "--data", root / "eval.csv",
        "--model", "models:/stale/2", "--baseline-model", "models:/stale@champion",
        "--output-dir", out, "--log-to-mlflow", env={"MLFLOW_TRACKING_URI": tracking["uri"]},
    )  # fmt: skip
    assert gated.code == 0, gated.stderr
    report = out / "report.json"
    client.set_registered_model_alias("stale", "champion", "3")  # meanwhile, another champion
    assert "comparison is stale" in _refused(report, "champion", 1, capsys)
    assert "comparison is stale" in _refused(report, "challenger", 1, capsys)
    client.set_registered_model_alias("stale", "champion", "1")
    client.set_registered_model_alias("stale", "challenger", "3")
    assert "never compared" in _refused(report, "challenger", 1, capsys)
    client.delete_registered_model_alias("stale", "challenger")
    assert main(["promote", "--report", str(report), "--alias", "challenger"]) == 0
    assert main(["promote", "--report", str(report), "--alias", "champion"]) == 0
    assert client.get_model_version_by_alias("stale", "champion").version in ("2", 2)


def test_promote_refuses_what_was_not_approved(tracking, tmp_path: Path, capsys):
    from gate.api import evaluate

    root = tracking["root"]
    strict = write_policy(tmp_path / "strict.yaml", POLICY.replace("min: 0.6", "min: 0.99"))
    report_only = write_policy(tmp_path / "report.yaml", "mode: report\n" + POLICY)
    for policy, why in ((strict, "decided block"), (report_only, "report-only")):
        out = tmp_path / policy.stem
        evaluate(policy, root / "eval.csv", model="models:/credit/1").write(out, [])
        assert why in _refused(out / "report.json", "x", 1, capsys)
    assert "x" not in mlflow_aliases()
    local = tmp_path / "local"
    evaluate(
        root / "policy.yaml",
        root / "eval.csv",
        model=fit_classifier(classification_frame(300), FEATURES),
    ).write(local, [])
    _refused(local / "report.json", "x", 2, capsys)


def mlflow_aliases() -> dict:
    return mlflow_aliases_of("credit")


def mlflow_aliases_of(name: str) -> dict:
    import mlflow

    return {k: str(v) for k, v in mlflow.MlflowClient().get_registered_model(name).aliases.items()}


def test_log_to_mlflow_is_refused_where_model_code_may_run(tracking, tmp_path: Path):
    from gate.cli import build_parser, dispatch

    root, out = tracking["root"], str(tmp_path / "out")
    base = ["check", "--policy", str(root / "policy.yaml"), "--data", str(root / "eval.csv")]
    cases = {
        ("--model", "models:/credit/2"): "needs --output-dir",
        ("--model", "m.skops", "--output-dir", out): "--model must be",
        ("--model", "models:/credit/2", "--output-dir", out, "--allow-pickle"): "--allow-pickle",
        ("--model", "models:/credit/2", "--output-dir", out, "--trust-type", "a.B"): "--trust-type",
    }
    for extra, message in cases.items():
        with pytest.raises(UsageError, match=message):
            dispatch(build_parser().parse_args([*base, *extra, "--log-to-mlflow"]))
    assert not Path(out).exists()  # refused before anything was loaded or written


def test_the_cli_imports_mlflow_only_for_a_registry_uri():
    code = (
        "import sys, gate.cli, gate.commands.check, gate.inputs.models, gate.runner\n"
        "gate.cli.build_parser().format_help()\n"
        "assert 'mlflow' not in sys.modules, 'mlflow imported'\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_log_to_mlflow_from_a_separate_step_logs_only_the_listed_files(
    tracking, tmp_path: Path, capsys
):
    import mlflow

    from gate.api import evaluate

    root, out = tracking["root"], tmp_path / "out"
    evaluate(root / "policy.yaml", root / "eval.csv", model="models:/credit/1").write(
        out, ["markdown"]
    )
    assert main(["log-to-mlflow", "--report", str(out / "report.json")]) == 0
    run_id = tracking["runs"]["credit"][0]
    client = mlflow.MlflowClient()
    logged = {a.path for a in client.list_artifacts(run_id, "model-gate")}
    assert logged == {f"model-gate/{n}" for n in ("report.json", "evidence.json", "report.md")}
    assert client.get_run(run_id).data.tags["model_gate.decision"] == "block"  # no baseline
    (out / "report.md").write_text("# approved, honestly\n")
    assert main(["log-to-mlflow", "--report", str(out / "report.json")]) == 2
    assert "report.md is not the file" in capsys.readouterr().err


HEX = re.compile(r"[0-9a-f]{64}")


def _gate(tracking: dict, policy: Path, data: Path, model: str, out: Path, *more: str) -> Path:
    """`check --log-to-mlflow` of `model` through the CLI; the approving report's path."""
    gated = run_cli(
        "check", "--policy", policy, "--data", data, "--model", model, *more,
        "--output-dir", out, "--log-to-mlflow", env={"MLFLOW_TRACKING_URI": tracking["uri"]},
    )  # fmt: skip
    assert gated.code == 0, gated.stderr
    return out / "report.json"


def test_promote_refuses_to_move_an_alias_off_a_version_no_comparison_covered(
    tracking, tmp_path: Path, capsys
):
    """review12d #1, 10d: the rule is keyed on the policy asking for a comparison. One skipped
    under `when_missing: skip` may set an unset alias only; a baseline column (or any baseline
    that is not the alias's version) never stands for the version the alias would replace."""
    import mlflow

    root, client = tracking["root"], mlflow.MlflowClient()
    _log_versions("skipped", (0.01, 1.0, 0.3), classification_frame(600))
    skip = write_policy(
        tmp_path / "skip.yaml",
        POLICY.replace("max_drop: 0.05", "max_drop: 0.05, when_missing: skip"),
    )
    report = _gate(tracking, skip, root / "eval.csv", "models:/skipped/2", tmp_path / "s")
    assert json.loads(report.read_text())["checks"][1]["status"] == "skipped"
    client.set_registered_model_alias("skipped", "champion", "1")
    err = _refused(report, "champion", 1, capsys)
    assert "points at version 1, which the report never compared" in err
    assert "comparison was skipped (when_missing: skip" in err
    assert main(["promote", "--report", str(report), "--alias", "challenger"]) == 0  # unset

    frame = classification_frame(600)
    frame["bscore"] = np.random.default_rng(1).uniform(size=len(frame))
    frame.to_csv(tmp_path / "scored.csv", index=False)
    column = write_policy(
        tmp_path / "col.yaml", POLICY.replace("{label: y}", "{label: y, baseline_score: bscore}")
    )
    report = _gate(tracking, column, tmp_path / "scored.csv", "models:/skipped/3", tmp_path / "c")
    err = _refused(report, "champion", 1, capsys)
    assert "its baseline: the column data.baseline_score: bscore, not a registry version" in err
    assert client.get_model_version_by_alias("skipped", "champion").version in ("1", 1)


def test_promote_refuses_once_the_compared_baselines_artifacts_changed(
    tracking, tmp_path: Path, capsys
):
    """review12d 10g: the baseline's digest is re-checked as the candidate's is."""
    import mlflow

    root, client = tracking["root"], mlflow.MlflowClient()
    _log_versions("based", (0.01, 1.0), classification_frame(600))
    client.set_registered_model_alias("based", "champion", "1")
    report = _gate(
        tracking, root / "policy.yaml", root / "eval.csv", "models:/based/2", tmp_path / "o",
        "--baseline-model", "models:/based@champion",
    )  # fmt: skip
    conda = _artifact_dir(tracking, client.get_model_version("based", "1").source) / "conda.yaml"
    conda.write_text(conda.read_text() + "# swapped after the comparison\n")
    err = _refused(report, "champion", 1, capsys)
    assert "the artifacts of the baseline models:/based/1 changed since the report" in err


def _registry_state() -> dict:
    """Every registered model's aliases and every version's tags."""
    import mlflow

    client = mlflow.MlflowClient()
    state = {}
    for model in client.search_registered_models():
        state[model.name] = dict(model.aliases)
        for v in client.search_model_versions(f"name = '{model.name}'"):
            state[f"{model.name}/{v.version}"] = dict(v.tags)
    return state


def _refused(report: Path, alias: str, code: int, capsys) -> str:
    """promote's refusal (exit `code`): the registry is unchanged, and the message holds no
    digest the report does not (the current digest of a version would help a forger)."""
    capsys.readouterr()
    before = _registry_state()
    assert main(["promote", "--report", str(report), "--alias", alias]) == code
    err = capsys.readouterr().err
    assert err and _registry_state() == before
    assert set(HEX.findall(err)) <= set(HEX.findall(report.read_text())), err
    return err


def _forge(report: Path, uri: str, digest: str, into: Path, paths: bool = True) -> Path:
    """`report` rewritten to name `uri` (registry facts, path, sha256 and, with `paths`, the
    files), as someone who can read the registry but not write to it could."""
    import mlflow

    name, version = uri.removeprefix("models:/").split("/")
    mv = mlflow.MlflowClient().get_model_version(name, version)
    data = json.loads(report.read_text())
    model = data["inputs"]["model"]
    old = model["registry"]["uri"]
    model["registry"].update(
        uri=uri, name=name, version=version, run_id=mv.run_id, source=mv.source
    )
    model["registry"]["artifact_sha256"] = model["sha256"] = digest
    model["path"] = uri
    for f in model["files"] if paths else ():
        f["path"] = f["path"].replace(old, uri)
    into.mkdir(parents=True, exist_ok=True)
    (into / "report.json").write_text(json.dumps(data, indent=2))
    return into / "report.json"


def _digest(uri: str, tmp: Path) -> str:
    resolved = registry.resolve(registry.parse(uri))
    return registry.artifact_sha256(registry.download(resolved, tmp / "dl"), uri)


@pytest.fixture(scope="module")
def promo_report(store, tmp_path_factory) -> Path:
    """An approving report for promo/1, written but not logged to the run."""
    from gate.api import evaluate

    tmp = tmp_path_factory.mktemp("promo")
    policy = write_policy(tmp / "auc.yaml", POLICY.split("  - {id: no-regression")[0])
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_TRACKING_URI", store["uri"])
        evaluate(policy, store["root"] / "eval.csv", model="models:/promo/1").write(tmp / "out", [])
    return tmp / "out" / "report.json"


def test_a_bad_alias_is_refused_before_anything_is_written(tracking, promo_report, capsys):
    for bad in ("champion/x", "latest", "V2", "", " staging"):  # MLflow's own rule
        assert "--alias" in _refused(promo_report, bad, 2, capsys)


def test_promote_refuses_a_forged_report(tracking, promo_report, tmp_path, capsys):
    for target in ("models:/credit/1", "models:/credit-pickle/1"):
        # every field naming the model, with the target's true digest, or a guessed one
        for digest in (_digest(target, tmp_path / target[8:]), "0" * 64):
            forged = _forge(promo_report, target, digest, tmp_path / "forged" / digest[:4])
            assert "model-gate/report.json" in _refused(forged, "champion", 1, capsys)
        # only the registry facts, path and sha256 edited: the files still name promo/1
        half = _forge(promo_report, target, digest, tmp_path / "half", paths=False)
        err = _refused(half, "champion", 2, capsys)
        assert "contradicts itself" in err and "not a file of " + target in err
        assert main(["log-to-mlflow", "--report", str(half)]) == 2
    # only the run swapped for another model's: log-to-mlflow must not log to that run
    run = json.loads(_forge(promo_report, "models:/credit/1", "0" * 64, tmp_path / "r").read_text())
    swapped = json.loads(promo_report.read_text())
    swapped["inputs"]["model"]["registry"]["run_id"] = run["inputs"]["model"]["registry"]["run_id"]
    (tmp_path / "r" / "report.json").write_text(json.dumps(swapped))
    assert "run_id in the registry differs" in _refused(tmp_path / "r/report.json", "c", 2, capsys)
    assert main(["log-to-mlflow", "--report", str(tmp_path / "r/report.json")]) == 2
    assert "run_id in the registry differs" in capsys.readouterr().err


def test_promote_needs_the_report_logged_on_the_run(tracking, promo_report, tmp_path, capsys):
    assert "has no model-gate/report.json" in _refused(promo_report, "staging", 1, capsys)
    assert main(["log-to-mlflow", "--report", str(promo_report)]) == 0
    edited = tmp_path / "report.json"
    edited.write_text(promo_report.read_text() + " ")  # the same JSON, not the logged bytes
    assert "it differs" in _refused(edited, "staging", 1, capsys)
    assert main(["promote", "--report", str(promo_report), "--alias", "staging"]) == 0
    assert mlflow_aliases_of("promo") == {"staging": "1"}
