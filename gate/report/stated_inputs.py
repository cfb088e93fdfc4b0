"""What a behaviour check of an untrusted report.json must report, from the model inputs the
report states (inputs.model.features / numeric_features, beside the model's digest) and the
check's options (the trusted policy's, else the report's own spec): every probe a robustness
check makes (review13b #3), and no skip or "not a model input" row that the model's inputs
contradict (review13b #8). A report that states no model inputs (an older model-gate, or a
forged one) cannot show a behaviour check skipped for want of an input."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gate.policy.robustness_options import FeatureRule, RobustnessOptions
from gate.results import CheckResult, Status


@dataclass(frozen=True)
class StatedInputs:
    """The report's statement of the models' inputs and the data binding."""

    features: tuple[str, ...] | None = None  # the candidate's input columns
    numeric: tuple[str, ...] | None = None  # those numeric in the data
    has_baseline: bool = False  # a baseline model was given
    sensitive: tuple[str, ...] = ()
    encoded: tuple[tuple[str, tuple[str, ...]], ...] = ()  # data.encoded

    def columns_of(self, attribute: str) -> tuple[str, ...]:
        """The attribute's own columns: itself and its data.encoded columns."""
        return (attribute, *dict(self.encoded).get(attribute, ()))


def stated_inputs(inputs: Any) -> StatedInputs:
    """The StatedInputs of report.json's `inputs` (validated by the schema)."""
    if not isinstance(inputs, dict):
        return StatedInputs()
    model, binding = inputs.get("model") or {}, inputs.get("binding") or {}
    features, numeric = model.get("features"), model.get("numeric_features")
    encoded = binding.get("encoded") or {}
    pairs = encoded.items() if isinstance(encoded, dict) else encoded
    return StatedInputs(
        tuple(map(str, features)) if features is not None else None,
        tuple(map(str, numeric)) if numeric is not None else None,
        inputs.get("baseline_model") is not None,
        tuple(map(str, binding.get("sensitive") or ())),
        tuple((str(a), tuple(map(str, cs))) for a, cs in pairs),
    )


def robustness_options(spec: dict[str, Any] | None) -> RobustnessOptions | None:
    """The robustness options a report's own check spec states (None: it states none)."""
    raw = (spec or {}).get("robustness")
    if not isinstance(raw, dict):
        return None
    rules = tuple(
        FeatureRule(
            str(f["name"]),
            noise=tuple(f["noise"]) if f.get("noise") else None,
            swap=tuple(map(str, f.get("swap") or ())),
            range=tuple(f["range"]) if f.get("range") else None,
            immutable=bool(f.get("immutable")),
            monotonic=f.get("monotonic"),
        )
        for f in raw.get("features") or ()
    )
    return RobustnessOptions(
        features=rules,
        noise=tuple(raw["noise"]) if raw.get("noise") else None,
        counterfactual=tuple(map(str, raw.get("counterfactual") or ())),
        proxies=tuple((str(a), tuple(map(str, ps))) for a, ps in raw.get("proxies") or ()),
    )


def required_probes(
    r: CheckResult, opts: RobustnessOptions, stated: StatedInputs
) -> list[tuple[str, str]]:
    """(probe, feature) of every entry the check must state, measured or skipped: each
    declared noise / swap / monotonic feature, each counterfactual attribute, with the model's
    inputs the default noise's numeric inputs, and the joint probe `*` when more than one
    input was perturbed."""
    protected = {*opts.counterfactual, *stated.sensitive}
    required = [("noise", f.name) for f in opts.features if (f.noise or f.swap)]
    required = [p for p in required if not opts.rule(p[1]).immutable]
    if opts.noise and stated.numeric is not None:
        required += [
            ("noise", name)
            for name in stated.numeric
            if name not in protected and not opts.rule(name).immutable
        ]
    required += [("monotonic", f.name) for f in opts.features if f.monotonic]
    required += [("counterfactual", a) for a in opts.counterfactual]
    moved = {
        e.get("feature")
        for e in r.perturbations
        if e.get("probe") == "noise" and e.get("feature") != "*" and e.get("status") != "skipped"
    }
    if len(moved) > 1:
        required.append(("noise", "*"))
    return list(dict.fromkeys(required))


def missing_probe(r: CheckResult, opts: RobustnessOptions, stated: StatedInputs) -> str | None:
    """The first required probe the check does not state, or a skipped one the model's inputs
    contradict."""
    named = {(e.get("probe"), e.get("feature")): e for e in r.perturbations}
    for probe, feature in required_probes(r, opts, stated):
        entry = named.get((probe, feature))
        if entry is None:
            what = "every perturbed input at once ('*')" if feature == "*" else f"'{feature}'"
            return f"it states no {probe} probe of {what}, which the check makes"
        if entry.get("status") == "skipped" and probe == "counterfactual":
            found = taken(opts, stated, feature)
            if found:
                return f"its counterfactual of '{feature}' is marked skipped, though {found}"
    return None


def taken(opts: RobustnessOptions, stated: StatedInputs, attribute: str) -> str | None:
    """Why `attribute` is, for the model, an input (None: it is not, as far as stated)."""
    if stated.features is None:
        return "the report states no model inputs (inputs.model.features) to show it is none"
    proxies = dict(opts.proxies).get(attribute, ())
    among = [c for c in (*stated.columns_of(attribute), *proxies) if c in stated.features]
    if among:
        shown = ", ".join(among)
        return f"the model's inputs (inputs.model.features) include {shown}: it is probed"
    declared = [*stated.columns_of(attribute)[1:], *proxies]
    if declared:  # moved with the attribute, or an error when not an input: never skipped
        return f"it declares {', '.join(declared)} with it, which is probed or an error"
    looks = [n for n in stated.features if n.startswith((f"{attribute}_", f"{attribute}="))]
    if looks:
        return f"the model's inputs {', '.join(looks[:5])} look like its encoding (an error)"
    return None


def skip_problem(
    r: CheckResult, opts: RobustnessOptions | None, stated: StatedInputs
) -> str | None:
    """Why a behaviour check cannot be `skipped`: a robustness check skips only when the model
    takes none of its counterfactual attributes (nor their proxies or encoded columns); an
    importance check only for want of a baseline model."""
    if r.status is not Status.SKIPPED:
        return None
    if r.type == "importance" and stated.has_baseline:
        return "it is skipped for want of a baseline model, but the report states one was given"
    if r.type != "robustness":
        return None
    if opts is None:
        return "it is skipped, but it states no options (spec) to show nothing could be probed"
    if any(f.noise or f.swap or f.monotonic for f in opts.features) or not opts.counterfactual:
        return "it is skipped, but it has noise, swap or monotonic probes, never skipped"
    protected = {*opts.counterfactual, *stated.sensitive}
    if opts.noise and stated.numeric and set(stated.numeric) - protected:
        return "it is skipped, but its default noise has numeric model inputs to perturb"
    for attribute in opts.counterfactual:
        found = taken(opts, stated, attribute)
        if found:
            return f"it is skipped as having nothing to probe in '{attribute}', though {found}"
    return None


def not_input_problem(r: CheckResult, stated: StatedInputs) -> str | None:
    """An importance row marked "not a model input" for an attribute the model takes."""
    if r.type != "importance" or stated.features is None:
        return None
    for row in r.features:
        if row.get("input") is False:
            name = str(row.get("feature"))
            among = [c for c in stated.columns_of(name) if c in stated.features]
            if among:
                return (
                    f"its row '{name}' says not a model input, but the model's inputs "
                    f"(inputs.model.features) include {', '.join(among)}"
                )
    return None
