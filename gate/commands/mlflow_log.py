"""`check --log-to-mlflow`: after the report is written, log it to the candidate's MLflow run:
every written file as an artifact under model-gate/, the decision as tags, and each check's
value (and interval bounds) as metrics. Logging never changes the decision: a failure is a
warning on stderr, and the exit code stands.

The principle of DESIGN ("the token that posts comments never shares a process with a loaded
candidate model"): the MLflow credential that writes to the run stays out of any process in
which code from the model could have run. So --log-to-mlflow is refused together with
--allow-pickle or --trust-type (loading such a model may run its code); with the default safe
formats (skops' default trusted types, ONNX) nothing from the model runs. For those models,
`model-gate log-to-mlflow --report DIR/report.json` logs a written report from a separate step
that loads no model (as `comment` posts one): the report is validated and re-judged, and only
the files evidence.json lists with matching digests are logged (model-gate's own file names,
never a symbolic link). That step vouches for the report it is handed (promote trusts what is
logged on the run): it refuses a report whose parts name different models, or whose run is not
the one the registry gives its version, but it cannot tell a consistent forgery from a report
the gate wrote, so hand it only the report of the pipeline's own check step, never one a pull
request's job produced.

The run is written in three steps, so that a failure part-way never leaves tags that vouch for
files they do not describe: the tag model_gate.report_sha256 is first set to "pending" (voiding
whatever an earlier logging approved), then the files are uploaded, and last one batch writes
the metrics, the decision tags and model_gate.report_sha256 = the sha256 of the report.json
just uploaded. promote believes the logged report only when both tags vouch for it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import tempfile
import time
from pathlib import Path

from gate.commands import approval
from gate.errors import InputError, UsageError
from gate.inputs import registry
from gate.report.escape import term
from gate.results import Evaluation

ARTIFACT_DIR = "model-gate"
PREFIX = "model_gate"


def preflight(args: argparse.Namespace) -> None:
    """UsageError before anything runs when --log-to-mlflow cannot be honoured."""
    if not getattr(args, "log_to_mlflow", False):
        return
    if not args.output_dir:
        raise UsageError("--log-to-mlflow needs --output-dir: the written files are logged")
    if not registry.is_registry_uri(args.model):
        raise UsageError(
            f"--log-to-mlflow logs to the candidate's MLflow run: --model must be "
            f"{registry.FORMS}, not {args.model!r}"
        )
    if args.allow_pickle or args.trust_type:
        flag = "--allow-pickle" if args.allow_pickle else "--trust-type"
        raise UsageError(
            f"--log-to-mlflow cannot be used with {flag}: loading such a model may run its code, "
            "and the credential that writes to MLflow must not share a process with it; log "
            "from a later step with `model-gate log-to-mlflow --report DIR/report.json`"
        )
    registry.client()  # MLflow installed and a tracking URI set, or exit 2 now


def metrics(evaluation: Evaluation) -> dict[str, float]:
    """model_gate.<check>: the check's value; .ci_low / .ci_high its interval; finite only."""
    out: dict[str, float] = {}
    for r in evaluation.decision.results:
        values = {"": r.value, ".ci_low": r.ci[0] if r.ci else None}
        values[".ci_high"] = r.ci[1] if r.ci else None
        for suffix, value in values.items():
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if number and math.isfinite(value):
                out[f"{PREFIX}.{r.id}{suffix}"] = float(value)
    return out


def tags(evaluation: Evaluation) -> dict[str, str]:
    d = evaluation.decision
    return {
        f"{PREFIX}.decision": d.verdict.value,
        f"{PREFIX}.exit_code": str(d.exit_code),
        f"{PREFIX}.policy": evaluation.policy_name,
    }


def log_to_mlflow(evaluation: Evaluation, written: list[Path]) -> None:
    """Log to the candidate's run; report what was done (or the warning) on stderr."""
    run_id = (evaluation.inputs.get("model") or {}).get("registry", {}).get("run_id")
    try:
        if not run_id:
            raise UsageError("the candidate's registry version has no run to log to")
        _log(run_id, evaluation, _own_files(written))
        line = f"logged the report, decision and {len(metrics(evaluation))} metrics to run {run_id}"
    except Exception as exc:  # never turn a decision into exit 3
        why = f"{type(exc).__name__}: {exc}"
        line = f"warning: logging to MLflow failed ({why}); the decision stands"
    print(f"model-gate: {term(line)}", file=sys.stderr)


def _log(run_id: str, evaluation: Evaluation, files: dict[str, bytes]) -> None:
    """Void the run's earlier report, upload `files` (name: the bytes checked), then write the
    metrics, the decision and the report's sha256 in one batch (see the module docstring)."""
    from mlflow.entities import Metric, RunTag

    client = registry.client()
    digest = hashlib.sha256(files["report.json"]).hexdigest()
    client.set_tag(run_id, approval.REPORT_SHA256, approval.PENDING)
    with tempfile.TemporaryDirectory(prefix="model-gate-log-") as tmp:
        for name, data in files.items():  # the bytes checked, not whatever the path holds now
            (Path(tmp) / name).write_bytes(data)
        client.log_artifacts(run_id, tmp, artifact_path=ARTIFACT_DIR)
    now = int(time.time() * 1000)
    final = {**tags(evaluation), approval.REPORT_SHA256: digest}
    client.log_batch(
        run_id,
        metrics=[Metric(k, v, now, 0) for k, v in metrics(evaluation).items()],
        tags=[RunTag(k, v) for k, v in final.items()],
    )


def _own_file(path: Path) -> bytes:
    """The bytes of one of model-gate's own output files; InputError for another name or a
    symbolic link (which could point anywhere outside the output directory)."""
    from gate.inputs.files import read_regular
    from gate.report.output_dir import KNOWN

    if path.name not in KNOWN:
        raise InputError(f"{path} is not a file model-gate writes; only its own files are logged")
    if path.is_symlink():
        raise InputError(f"{path} is a symbolic link; only regular files are logged")
    return read_regular(path, 2**31, f"output {path}")


def _own_files(paths: list[Path]) -> dict[str, bytes]:
    files = {p.name: _own_file(p) for p in paths}
    if "report.json" not in files:
        raise InputError("no report.json was written, so none can be logged")
    return files


def log_report(args: argparse.Namespace) -> int:
    """`model-gate log-to-mlflow --report DIR/report.json`: log a written report; 0 logged,
    2 a bad report (or one whose candidate has no run) or a failure to log."""
    from gate.policy.loader import load_policy
    from gate.report.from_json import load_report

    policy = load_policy(args.policy) if args.policy else None
    evaluation = load_report(args.report, policy)
    model = evaluation.inputs.get("model") or {}
    facts = model.get("registry") or {}
    if not facts.get("run_id"):
        raise InputError(f"report {args.report}: its candidate is not a registry model with a run")
    approval.consistent(args.report, model, facts)
    if facts.get("version") is not None:  # the run the registry names, not one the report does
        approval.current(facts, f"models:/{facts['name']}/{facts['version']}")
    files = _listed_files(Path(args.report))
    what = f"run {facts['run_id']} of {facts['uri']}"
    registry.call(what, lambda: _log(facts["run_id"], evaluation, files))
    print(
        f"model-gate: logged {len(files)} files and the decision to {term(what)}", file=sys.stderr
    )
    return 0


def _listed_files(report: Path) -> dict[str, bytes]:
    """report.json, and evidence.json with every output it lists, each checked by sha256:
    model-gate's own file names only, never a symbolic link."""
    from gate.inputs.files import sha256_hex

    if report.name != "report.json":
        raise InputError(f"report {report}: log the report.json of an output directory")
    evidence = report.parent / "evidence.json"
    if not evidence.exists() and not evidence.is_symlink():
        return {report.name: _own_file(report)}
    raw = _own_file(evidence)
    try:
        outputs = json.loads(raw)["predicate"]["outputs"]
        listed = {o["name"]: o["digest"]["sha256"] for o in outputs}
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"evidence {evidence} does not list its outputs: {exc}") from None
    files = {evidence.name: raw}
    for name, digest in sorted(listed.items()):
        path = report.parent / str(name)
        if "/" in str(name) or sha256_hex(data := _own_file(path)) != digest:
            raise InputError(f"{path} is not the file {evidence} lists (sha256 {digest})")
        files[path.name] = data
    if report.name not in files:
        raise InputError(f"{evidence} does not list {report.name}")
    return files
