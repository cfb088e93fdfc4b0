"""The counterfactual part of a robustness check's plan: each attribute set to each of its
values (gate/engine/counterfactual.py), its declared proxies moved with it. What cannot be
probed as asked is an error naming it: a proxy that is not a data column or not a model input,
an attribute the model seems to take one-hot encoded (`sex_M`, `sex=F`), an attribute with one
value, or with more than MAX_COUNTERFACTUAL_VALUES (every row is copied once per value). An
attribute the model does not take at all (and nothing encoded-looking) is skipped, with the
reason. An attribute declared in data.encoded (its one-hot columns, say) moves its columns with
it, as proxies do: they are drawn from a row holding the new value, so they stay consistent."""

from __future__ import annotations

import pandas as pd

from gate.checks.encodings import encoding_inputs
from gate.checks.robustness_plan import SHOWN_INPUTS, Plan, Refused, skip
from gate.engine.counterfactual import attribute_values, counterfactual_probe
from gate.policy.robustness_options import RobustnessOptions
from gate.results import Status

MAX_COUNTERFACTUAL_VALUES = 20  # distinct values a counterfactual attribute may take


def plan_counterfactual(
    plan: Plan,
    opts: RobustnessOptions,
    inputs: tuple[str, ...],
    encoded: dict[str, tuple[str, ...]] | None = None,
) -> None:
    """Add a probe per counterfactual attribute (Refused for what cannot be probed as asked);
    `encoded`: data.encoded, each attribute's columns, which move with it."""
    declared = dict(opts.proxies)
    for i, attribute in enumerate(opts.counterfactual):
        own = (encoded or {}).get(attribute, ())
        proxies = tuple(dict.fromkeys([*own, *declared.get(attribute, ())]))
        _no_hidden_encoding(plan, attribute, inputs, proxies)
        if attribute not in inputs and not _probed_through_proxies(
            plan, attribute, inputs, proxies
        ):
            continue
        if attribute not in plan.rows:
            raise Refused(Status.ERROR, f"counterfactual attribute '{attribute}' not in the data")
        _proxies_probed(attribute, proxies, inputs, plan.rows)
        values = attribute_values(plan.rows[attribute])
        if len(values) < 2:
            raise Refused(
                Status.ERROR,
                f"counterfactual '{attribute}' takes {len(values)} value(s) on the "
                f"{len(plan.rows)} probed rows: there is no other value to set, nothing "
                "was probed",
            )
        if len(values) > MAX_COUNTERFACTUAL_VALUES:
            raise Refused(
                Status.ERROR,
                f"counterfactual '{attribute}' has {len(values)} distinct values on the probed "
                f"rows (at most {MAX_COUNTERFACTUAL_VALUES}): every row is set to every value, "
                "so a numeric or high-cardinality attribute costs rows x values predictions "
                "and makes groups of a few rows; bin it into a categorical column and name that",
            )
        seed = [*plan.seed, 3, i]
        plan.probes.append(counterfactual_probe(plan.rows, attribute, proxies, seed))


def _no_hidden_encoding(
    plan: Plan, attribute: str, inputs: tuple[str, ...], proxies: tuple[str, ...]
) -> None:
    """Refused when model inputs other than the attribute and its proxies encode it
    (gate.checks.encodings): setting the attribute without them would leave what the model
    reads of it unchanged."""
    encoded = encoding_inputs(attribute, inputs, plan.rows, known=proxies)
    if encoded:
        taken = "a model input, and" if attribute in inputs else "not a model input, but"
        raise Refused(
            Status.ERROR,
            f"counterfactual '{attribute}' is {taken} {', '.join(encoded[:SHOWN_INPUTS])} "
            "encode it (named after it, or determined by its value on the probed rows): "
            f"setting '{attribute}' alone would leave them as they are; declare them "
            f"(data.encoded: {{{attribute}: [{', '.join(encoded)}]}}, or as its proxies) so they "
            "are set together",
        )


def _probed_through_proxies(
    plan: Plan, attribute: str, inputs: tuple[str, ...], proxies: tuple[str, ...]
) -> bool:
    """A counterfactual attribute the model does not take: probed when it has declared
    proxies (they move with it); an error when the data lacks it (a typo); else the part is
    skipped, with the reason (an encoding of it among the inputs was refused before)."""
    if attribute not in plan.rows:
        raise Refused(
            Status.ERROR,
            f"counterfactual '{attribute}' is neither a model input nor a data column",
        )
    if proxies:
        return True
    reason = (
        f"the model does not take '{attribute}' as an input, so changing it cannot change a "
        "decision; reliance through other inputs is what an importance or proxy_features "
        "check shows"
    )
    plan.skipped.append(skip("counterfactual", attribute, reason))
    return False


def _proxies_probed(
    attribute: str, proxies: tuple[str, ...], inputs: tuple[str, ...], rows: pd.DataFrame
) -> None:
    """Every declared proxy is a data column and a model input: one that is not would be
    left unmoved while the check reports on the attribute as if it had moved."""
    missing = [p for p in proxies if p not in rows]
    if missing:
        raise Refused(
            Status.ERROR,
            f"proxies of '{attribute}': {', '.join(missing)} not in the data (a typo?); "
            "a proxy that is not moved with the attribute proves nothing",
        )
    unused = [p for p in proxies if p not in inputs]
    if unused:
        raise Refused(
            Status.ERROR,
            f"proxies of '{attribute}': {', '.join(unused)} not a model input, so moving "
            f"{'it' if len(unused) == 1 else 'them'} changes nothing the model sees "
            f"(its inputs: {', '.join(inputs[:SHOWN_INPUTS])}"
            f"{' ...' if len(inputs) > SHOWN_INPUTS else ''}); drop or fix the name",
        )
