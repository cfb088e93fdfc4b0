"""The Python API (gate.api): in-memory inputs, the result object, digests, and user errors as
GateError subclasses that name the key, column or argument at fault."""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from helpers import FEATURES, ROOT, classification_frame, fit_classifier, write_policy

from gate import evaluate
from gate.errors import GateError, InputError, PolicyError, UsageError
from gate.inputs.estimators import in_memory, skops_digest
from gate.inputs.frames import FrameSource, table_digest
from gate.inputs.policy_dict import LABEL, canonical_json

POLICY = {
    "version": 1,
    "name": "api",
    "data": {"label": "y", "sensitive": ["sex"]},
    "checks": [
        {"id": "auc", "type": "performance", "metric": "roc_auc", "min": 0.6},
        {
            "id": "parity",
            "type": "fairness",
            "metric": "selection_rate",
            "aggregate": "ratio",
            "min": 0.99,
            "severity": "warn",
        },
    ],
}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return classification_frame()


@pytest.fixture(scope="module")
def model():
    return fit_classifier(classification_frame(seed=1))


def test_in_memory_evaluation_gives_the_decision_checks_and_reports(frame, model, tmp_path):
    result = evaluate(POLICY, frame, model=model, resamples=50)
    assert result.decision == "approve" and result.exit_code == 0
    assert [c.id for c in result.checks] == ["auc", "parity"]
    assert result.check("parity").status.value == "warn"
    report = result.to_json()
    assert report["decision"] == "approve" and report["inputs"]["data"]["rows"] == len(frame)
    assert report["inputs"]["model"]["format"] == "in-memory"
    assert "approved" in result.to_markdown()
    written = result.write(tmp_path / "out", formats=["markdown", "html"])
    assert {p.name for p in written} == {"report.json", "evidence.json", "report.md", "report.html"}
    assert json.loads((tmp_path / "out" / "report.json").read_text()) == report
    assert repr(result) == "<Result approve: 1 pass, 1 warn>"
    with pytest.raises(KeyError, match="checks: auc, parity"):
        result.check("nope")


def test_a_blocking_result_exits_1(frame, model):
    policy = {**POLICY, "checks": [{**POLICY["checks"][0], "min": 0.99}]}
    result = evaluate(policy, frame, model=model, resamples=50)
    assert result.decision == "block" and result.exit_code == 1


def test_a_pyarrow_table_and_a_frame_give_the_same_report(frame, model):
    by_frame = evaluate(POLICY, frame, model=model, resamples=50).to_json()
    by_table = evaluate(POLICY, pa.Table.from_pandas(frame), model=model, resamples=50).to_json()
    assert by_table["inputs"]["data"].pop("path") == "<pyarrow.Table>"
    assert by_frame["inputs"]["data"].pop("path") == "<pandas.DataFrame>"
    assert by_frame == by_table


def test_the_frame_digest_ignores_index_chunking_and_batch_size(frame):
    base = table_digest(pa.Table.from_pandas(frame, preserve_index=False))
    shuffled = frame.set_axis(frame.index * 7 + 3)  # another index, same rows
    table = pa.Table.from_pandas(shuffled)
    chunked = pa.concat_tables([table.slice(0, 77), table.slice(77)])
    assert table_digest(chunked) == base
    source = FrameSource(frame)
    rows = [b.rows for b in source.batches(100)]
    assert rows == [100] * 6 and source.sha256 == base and source.rows == 600
    changed = frame.copy()
    changed.loc[5, "x1"] += 1e-9
    assert table_digest(pa.Table.from_pandas(changed)) != base


def test_the_batches_carry_the_configured_size_and_offsets(frame):
    batches = list(FrameSource(pa.Table.from_pandas(frame)).batches(250))
    assert [(b.offset, b.rows) for b in batches] == [(0, 250), (250, 250), (500, 100)]
    assert pd.concat([b.frame for b in batches], ignore_index=True).equals(frame)


def test_the_policy_digest_is_that_of_its_canonical_json(frame, model):
    reordered = dict(reversed(list(POLICY.items())))
    report = evaluate(reordered, frame, model=model, resamples=50).to_json()
    text = json.dumps(POLICY, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert report["inputs"]["policy"]["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert report["inputs"]["policy"]["path"] == LABEL
    assert report["checks"][0]["location"] == f"{LABEL} checks[0]"


def test_a_dict_policy_with_a_date_reads_as_the_yaml_file_does(frame, model, tmp_path):
    waiver = {"check": "parity", "reason": "known", "approved_by": "a@b.c"}
    policy = {**POLICY, "waivers": [{**waiver, "expires": dt.date(2099, 1, 1)}]}
    assert b'"expires":"2099-01-01"' in canonical_json(policy)
    yaml_file = write_policy(
        tmp_path / "p.yaml",
        json.dumps({**policy, "waivers": [{**waiver, "expires": "2099-01-01"}]}),
    )
    by_dict = evaluate(policy, frame, model=model, resamples=50)
    by_file = evaluate(yaml_file, frame, model=model, resamples=50)
    assert by_dict.check("parity").status.value == "waived"
    shown, read = by_dict.check("parity").waiver, by_file.check("parity").waiver
    assert shown.pop("location") == f"{LABEL} waivers[0]"
    assert read.pop("location").endswith("p.yaml:1:293") and shown == read


def test_the_estimator_digest_is_stable_and_none_with_a_reason_when_skops_cannot(model):
    import copy

    first = in_memory(model)
    assert first.sha256 == skops_digest(copy.deepcopy(model))[0] and first.note is None
    assert first.path == "<in-memory LogisticRegression>"
    assert skops_digest(fit_classifier(classification_frame(seed=2)))[0] != first.sha256

    class Locked:
        def __init__(self) -> None:
            self.pending = (n for n in range(3))  # skops cannot write a generator

        def predict(self, X):
            return np.zeros(len(X))

    digest, note = skops_digest(Locked())
    assert digest is None and note.startswith("skops cannot serialise it")


def test_an_estimator_skops_cannot_serialise_is_reported_with_a_null_digest(frame):
    class Threshold:  # a scikit-learn-style classifier holding what skops cannot write
        classes_ = np.array([0, 1])

        def __init__(self) -> None:
            self.pending = (n for n in range(3))

        def predict_proba(self, X):
            p = 1 / (1 + np.exp(-np.asarray(X["x1"])))
            return np.column_stack([1 - p, p])

        def predict(self, X):
            return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    report = evaluate(POLICY, frame, model=Threshold(), features=FEATURES, resamples=50).to_json()
    entry = report["inputs"]["model"]
    assert entry["sha256"] is None and "skops cannot serialise it" in entry["sha256_note"]
    from jsonschema import Draft202012Validator

    schema = json.loads((ROOT / "gate/schemas/report.schema.json").read_text())
    Draft202012Validator(schema).validate(report)


def test_a_numpy_trained_model_needs_features(frame):
    from sklearn.linear_model import LogisticRegression

    bare = LogisticRegression().fit(frame[FEATURES].to_numpy(), frame["y"])
    with pytest.raises(InputError, match="does not record its input names"):
        evaluate(POLICY, frame, model=bare, resamples=50)
    result = evaluate(POLICY, frame, model=bare, features="x1, x2,x3", resamples=50)
    named = evaluate(POLICY, frame, model=fit_classifier(frame), resamples=50)
    assert result.check("auc").value == pytest.approx(named.check("auc").value)
    assert result.to_json()["inputs"]["binding"]["features"] == FEATURES
    with pytest.raises(InputError, match="lacks model input column 'x4'"):
        evaluate(POLICY, frame, model=bare, features=["x1", "x2", "x4"], resamples=50)


def test_sensitive_overrides_the_policy(frame, model):
    race = frame.assign(race=np.where(frame.index % 3 == 0, "a", "b"))
    result = evaluate(POLICY, race, model=model, sensitive=["race"], resamples=50)
    groups = [g["group"] for g in result.to_json()["checks"][1]["groups"]]
    assert sorted(map(str, groups)) == ["{'race': 'a'}", "{'race': 'b'}"]
    with pytest.raises(InputError, match="'rase'"):
        evaluate(POLICY, race, model=model, sensitive="rase", resamples=50)


@pytest.mark.parametrize(
    ("change", "error", "named"),
    [
        ({"checks": [{**POLICY["checks"][0], "metric": "roc_aucc"}]}, PolicyError, "roc_auc'"),
        ({"checks": [{**POLICY["checks"][0], "mni": 0.5}]}, PolicyError, "unknown key 'mni'"),
        ({"checks": [{**POLICY["checks"][0], "min": float("nan")}]}, PolicyError, "checks[0].min"),
        ({"data": {"label": "target"}}, InputError, "no label column 'target'"),
        ({"checks": [{**POLICY["checks"][0], "min": object()}]}, PolicyError, "not plain data"),
    ],
)
def test_policy_and_data_errors_name_the_key_or_column(frame, model, change, error, named):
    with pytest.raises(error) as caught:
        evaluate({**POLICY, **change}, frame, model=model, resamples=50)
    assert isinstance(caught.value, GateError) and named in str(caught.value)


def test_a_policy_error_is_located_by_key_path(frame, model):
    policy = {**POLICY, "checks": [{**POLICY["checks"][0], "mni": 0.5}]}
    with pytest.raises(PolicyError) as caught:
        evaluate(policy, frame, model=model)
    [(loc, message)] = caught.value.problems
    assert str(loc) == f"{LABEL} checks[0].mni" and "did you mean 'min'" in message


@pytest.mark.parametrize(
    ("kwargs", "error", "named"),
    [
        ({"seed": 1.5}, UsageError, "seed must be a whole number"),
        ({"resamples": 5}, UsageError, "resamples must be between"),
        ({"threshold": "high"}, UsageError, "threshold must be a number"),
        ({"sensitive": [1]}, UsageError, "sensitive: column names must be text"),
        ({"features": ""}, UsageError, "features: give one or more column names"),
        ({"today": "tomorrow"}, UsageError, "today must be a date"),
        ({"engine": "spark"}, UsageError, "unknown engine 'spark'"),
        ({"model": object()}, InputError, "has no predict()"),
        ({"label": "nope"}, InputError, "no label column 'nope'"),
    ],
)
def test_argument_errors_are_gate_errors_naming_the_argument(frame, model, kwargs, error, named):
    kwargs = {"model": model, **kwargs}
    with pytest.raises(error, match=named.replace("(", r"\(").replace(")", r"\)")):
        evaluate(POLICY, frame, **kwargs)


#: every argument of evaluate() with values of a wrong kind: the error and what it names
WRONG_KINDS = [
    ("policy", [POLICY], PolicyError, "a policy is a path or a dict, not list"),
    ("data", {"y": [1]}, InputError, "data: expected a path, a pandas DataFrame"),
    ("model", [1], InputError, "model <in-memory list> has no predict()"),
    ("baseline", "not-a-model-path.skops", InputError, "not-a-model-path.skops"),
    ("reference", [1], UsageError, "reference must be a path, a pandas DataFrame or a pyarrow"),
    ("reference", "", UsageError, "reference must be a path"),
    ("model_card", 5, UsageError, "model_card must be a path, not int 5"),
    ("base_policy", ["p.yaml"], UsageError, "base_policy must be a path, not list"),
    ("label", 1, UsageError, "label must be a column name (non-empty text), not int 1"),
    ("score", "", UsageError, "score must be a column name"),
    ("prediction", ["p"], UsageError, "prediction must be a column name"),
    ("weight", b"w", UsageError, "weight must be a column name"),
    ("threshold", "0.5", UsageError, "threshold must be a number, not str '0.5'"),
    ("threshold", True, UsageError, "threshold must be a number, not bool True"),
    ("positive_label", [1], UsageError, "positive_label must be one label value"),
    ("positive_label", np.array([1, 0]), UsageError, "positive_label must be one label value"),
    ("positive_label", {"yes"}, UsageError, "positive_label must be one label value"),
    ("sensitive", 5, UsageError, "sensitive must be a list of column names"),
    ("features", {"x1": 0}, UsageError, "features must be a list of column names"),
    ("seed", "1", UsageError, "seed must be a whole number, not str '1'"),
    ("resamples", 1000.0, UsageError, "resamples must be a whole number"),
    ("batch_rows", None, UsageError, "batch_rows must be a whole number, not NoneType None"),
    ("engine", None, UsageError, "engine must be an engine's name"),
    ("scheduler", 8786, UsageError, "scheduler must be a scheduler address"),
    ("today", 20260101, UsageError, "today must be a date or YYYY-MM-DD, not int"),
    *(
        (flag, value, UsageError, f"{flag} must be True or False, not {type(value).__name__}")
        for flag in ("fail_on_warn", "no_waivers", "progress", "allow_pickle")
        for value in ("false", 0, None)
    ),
    ("model_sha256", 5, UsageError, "model_sha256 must be a sha256 (hex text)"),
    ("baseline_sha256", b"ab", UsageError, "baseline_sha256 must be a sha256"),
    ("trust_types", "sklearn.Foo", UsageError, "trust_types must be a list of type names"),
    ("trust_types", [1], UsageError, "trust_types must be a list of type names"),
]


def test_every_argument_of_evaluate_has_its_wrong_kinds_tested():
    assert {arg for arg, *_ in WRONG_KINDS} == set(inspect.signature(evaluate).parameters)


@pytest.mark.parametrize(("argument", "value", "error", "named"), WRONG_KINDS)
def test_an_argument_of_the_wrong_kind_is_a_gate_error_naming_it(
    frame, model, argument, value, error, named
):
    arguments = {"policy": POLICY, "data": frame, "model": model, argument: value}
    with pytest.raises(error) as caught:
        evaluate(**arguments)
    assert named in str(caught.value)


def test_no_waivers_as_text_is_refused_before_anything_is_read(model):
    with pytest.raises(UsageError, match="no_waivers must be True or False, not str 'false'"):
        evaluate("no-such-policy.yaml", "no-such-data.csv", model=model, no_waivers="false")


def test_a_numpy_positive_label_is_its_python_value(frame, model):
    assert not isinstance(np.int64(1), int)  # what classes_[1] gives: not a Python int
    by_numpy = evaluate(POLICY, frame, model=model, positive_label=np.int64(1), resamples=50)
    by_int = evaluate(POLICY, frame, model=model, positive_label=1, resamples=50)
    assert by_numpy.to_json()["checks"] == by_int.to_json()["checks"]


@pytest.fixture(scope="module")
def result(frame, model):
    return evaluate(POLICY, frame, model=model, resamples=50)


@pytest.mark.parametrize(
    ("formats", "named"),
    [
        (None, "formats must be a list of format names or one comma-separated string"),
        ([1], "formats: a format is named by text, not int 1"),
        (["markdown", None], "formats: a format is named by text, not NoneType None"),
        ({"markdown": True}, "formats must be a list of format names"),
        (",", "formats ',' names no format; give one or more of: audit,"),
        ("", "formats '' names no format"),
        (["markdown", " , "], "formats ' , ' names no format"),
        ("markdown,pdf", "unknown formats pdf"),
    ],
)
def test_write_refuses_formats_that_are_not_format_names(result, tmp_path, formats, named):
    with pytest.raises(UsageError) as caught:
        result.write(tmp_path / "out", formats=formats)
    assert named in str(caught.value) and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "formats", ["markdown,html", "markdown, html", ["markdown,", "html"], ["markdown,html"]]
)
def test_write_takes_comma_separated_formats_as_the_command_line_does(result, tmp_path, formats):
    written = result.write(tmp_path / "out", formats=formats)
    assert {p.name for p in written} == {"report.json", "evidence.json", "report.md", "report.html"}


@pytest.mark.parametrize("output_dir", [None, "", 5])
def test_write_needs_a_directory(result, tmp_path, monkeypatch, output_dir):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match="output_dir must be a directory's path"):
        result.write(output_dir)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({1: "x"}, "<policy dict>: <key 1>: a key must be text, not int 1"),
        ({None: "x"}, "<key None>: a key must be text, not NoneType None"),
        ({True: "x"}, "<key True>: a key must be text, not bool True"),
        (
            {"checks": [{**POLICY["checks"][0], ("min", 1): 0.5}]},
            "checks[0].<key ('min', 1)>: a key must be text, not tuple",
        ),
        ({"data": {"label": "y", 2: ["sex"]}}, "data.<key 2>: a key must be text"),
        (
            {"checks": [{**POLICY["checks"][0], "min": np.float32("nan")}]},
            "checks[0].min: nan is not a finite number",
        ),
        (
            {"checks": [{**POLICY["checks"][0], "min": np.array([np.inf])}]},
            "checks[0].min[0]: inf is not a finite number",
        ),
        ({"data": {"label": "y", "sensitive": {"sex"}}}, "data.sensitive: set {'sex'} is not"),
    ],
)
def test_a_policy_dict_that_json_cannot_carry_is_refused_naming_the_key_path(
    frame, model, change, named
):
    with pytest.raises(PolicyError) as caught:
        evaluate({**POLICY, **change}, frame, model=model)
    assert named in str(caught.value)


def test_a_policy_dict_refers_to_itself_is_refused_not_a_crash():
    policy: dict = dict(POLICY)
    policy["data"] = {"label": "y", "loop": policy}
    with pytest.raises(PolicyError, match=r"data\.loop: the policy dict contains itself"):
        canonical_json(policy)


def test_numpy_values_in_a_policy_dict_are_their_python_values(frame, model):
    as_numpy = {
        **POLICY,
        "data": {"label": "y", "sensitive": np.array(["sex"])},
        "checks": [{**POLICY["checks"][0], "min": np.float32(0.5)}, POLICY["checks"][1]],
    }
    plain = {**as_numpy, "data": POLICY["data"], "checks": [{**POLICY["checks"][0], "min": 0.5},
                                                            POLICY["checks"][1]]}  # fmt: skip
    assert canonical_json(as_numpy) == canonical_json(plain)
    result = evaluate(as_numpy, frame, model=model, resamples=50)
    assert [g["group"] for g in result.check("parity").groups] == [{"sex": "f"}, {"sex": "m"}]


def test_data_that_is_not_a_table_or_path_is_an_input_error(model):
    with pytest.raises(InputError, match="a pandas DataFrame or a pyarrow Table, not list"):
        evaluate(POLICY, [[1, 2]], model=model)
    with pytest.raises(InputError, match=r"data <pandas.DataFrame> has no rows"):
        evaluate(POLICY, classification_frame().iloc[:0], model=model)
    mixed = classification_frame().astype({"x1": object})
    mixed.loc[0, "x1"] = "text"
    with pytest.raises(InputError, match=r"data <pandas\.DataFrame> cannot be read as a table"):
        evaluate(POLICY, mixed, model=model)


def test_a_policy_that_is_not_a_path_or_dict_is_a_policy_error(frame):
    with pytest.raises(PolicyError, match="a policy is a path or a dict, not list"):
        evaluate([POLICY], frame)


def test_importing_gate_loads_no_heavy_library():
    code = (
        "import sys, gate; heavy = {'numpy', 'pandas', 'pyarrow', 'sklearn'} & set(sys.modules);"
        "assert not heavy, heavy; from gate import evaluate, Result; print(evaluate.__module__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": str(ROOT)}
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "gate.api"


def test_paths_may_be_path_objects_a_saved_profile_too(frame, model, tmp_path):
    import skops.io as sio
    from helpers import run_cli

    policy = {**POLICY, "checks": [*POLICY["checks"], {"id": "drift", "type": "drift"}]}
    (tmp_path / "p.json").write_text(json.dumps(policy))  # JSON is YAML
    frame.to_parquet(tmp_path / "ref.parquet")
    sio.dump(model, tmp_path / "m.skops")
    made = run_cli("profile", "--policy", tmp_path / "p.json", "--data", tmp_path / "ref.parquet",
                   "--model", tmp_path / "m.skops", "-o", tmp_path / "ref.profile",
                   "--no-progress")  # fmt: skip
    assert made.code == 0, made.stderr
    result = evaluate(tmp_path / "p.json", frame, model=model, reference=tmp_path / "ref.profile")
    reference = result.to_json()["inputs"]["reference"]
    assert reference["path"] == str(tmp_path / "ref.profile") and reference["kind"] == "profile"
    assert reference["rows"] == len(frame) and result.check("drift").columns
