"""evidence.json: an in-toto Statement (v1) of what was evaluated and decided, for deployment
systems and auditors: the model, data and policy files are its subjects, by sha256."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from gate.report import json_report
from gate.report.escape import json_text
from gate.results import Evaluation

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://model-gate.dev/evidence/v1"


def subjects(inputs: dict[str, Any]) -> list[dict[str, Any]]:
    """Every input file with its sha256: models (and each file a model was read from; a registry
    model annotated with its resolved version, run and artifact digest), data,
    the policy and the files it extends."""
    out = []
    for role in ("model", "baseline_model", "data", "policy", "model_card"):
        info = inputs.get(role)
        if info:
            out.append(
                {
                    "name": info["path"],
                    "digest": {"sha256": info["sha256"]},
                    "annotations": {"role": role}
                    | ({"registry": info["registry"]} if info.get("registry") else {}),
                }
            )
    for role in ("model", "baseline_model"):
        for file in (inputs.get(role) or {}).get("files", []):
            if file["path"] != inputs[role]["path"]:
                out.append(
                    {
                        "name": file["path"],
                        "digest": {"sha256": file["sha256"]},
                        "annotations": {"role": f"{role}-file"},
                    }
                )
    policy = inputs.get("policy") or {}
    for file in policy.get("files", []):
        if file["path"] != policy["path"]:
            out.append(
                {
                    "name": file["path"],
                    "digest": {"sha256": file["sha256"]},
                    "annotations": {"role": "policy-base"},
                }
            )
    return out


def render(
    evaluation: Evaluation,
    now: dt.datetime | None = None,
    outputs: dict[str, str] | None = None,
) -> str:
    """The Statement; `now` defaults to the current UTC time (the only non-deterministic field).

    `outputs` (file name -> sha256) lists the other files written with it, so a reader can
    check that a directory holds one run's set and nothing else.
    """
    report = json_report.render(evaluation)
    d = evaluation.decision
    when = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    statement = {
        "_type": STATEMENT_TYPE,
        "subject": subjects(evaluation.inputs),
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "decision": d.verdict.value,
            "exit_code": d.exit_code,
            "policy": evaluation.policy_name,
            "evaluated_at": when.isoformat().replace("+00:00", "Z"),
            "tool": {"name": "model-gate", "version": evaluation.tool_version},
            "seed": evaluation.seed,
            "report_sha256": hashlib.sha256(report.encode()).hexdigest(),
            "checks": [
                {
                    "id": r.id,
                    "type": r.type,
                    "status": r.status.value,
                    "severity": r.severity.value,
                    "value": r.value,
                    **({"waiver": r.waiver} if r.waiver else {}),
                }
                for r in d.results
            ],
            "notes": list(d.notes),
            **(
                {
                    "outputs": [
                        {"name": name, "digest": {"sha256": digest}}
                        for name, digest in sorted(outputs.items())
                    ]
                }
                if outputs is not None
                else {}
            ),
        },
    }
    return json_text(statement, indent=2) + "\n"
