"""The options of a `type: robustness` check: which inputs are perturbed and how (within their
declared constraints), the counterfactual attributes and their proxies, and the conditions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gate.policy.sourced import Problems, Sourced

DEFAULT_NOISE = ("std", 0.05)  # uniform within ±5% of each numeric input's standard deviation
DEFAULT_SAMPLE_ROWS = 10_000
DEFAULT_REPEATS = 3
DEFAULT_CONFIDENCE = 0.95
NOISE_KINDS = ("relative", "absolute", "std")


@dataclass(frozen=True)
class FeatureRule:
    """What a policy declares of one input: how it may be perturbed, and what must hold."""

    name: str
    noise: tuple[str, float] | None = None  # (relative | absolute | std, size); None: default
    swap: tuple[str, ...] = ()  # categorical: values a row's value may be swapped among
    range: tuple[float, float] | None = None  # perturbed values are clipped into it
    immutable: bool = False  # never perturbed
    monotonic: str | None = None  # increasing | decreasing: probed for monotonicity


@dataclass(frozen=True)
class RobustnessOptions:
    """How a robustness check probes the model, and the limits it judges."""

    features: tuple[FeatureRule, ...] = ()
    #: the noise of every numeric input not listed; None: only the listed ones are perturbed
    noise: tuple[str, float] | None = DEFAULT_NOISE
    counterfactual: tuple[str, ...] = ()
    proxies: tuple[tuple[str, tuple[str, ...]], ...] = ()  # attribute -> its declared proxies
    max_flip_rate: float | None = None
    max_score_change: float | None = None
    max_monotonic_violations: float | None = None
    tolerance: float | None = None  # regression: a change beyond this is a changed decision
    sample_rows: int = DEFAULT_SAMPLE_ROWS
    repeats: int = DEFAULT_REPEATS
    confidence: float = DEFAULT_CONFIDENCE

    @property
    def columns(self) -> tuple[str, ...]:
        """Data columns read beyond the model's inputs: the attributes and their proxies."""
        named = [*self.counterfactual, *(p for _, ps in self.proxies for p in ps)]
        return tuple(dict.fromkeys(named))

    def rule(self, feature: str) -> FeatureRule:
        """The declared rule of `feature` (an empty one when it is not listed)."""
        return next((r for r in self.features if r.name == feature), FeatureRule(feature))


def robustness_options(s: Sourced, problems: Problems) -> RobustnessOptions:
    """The options of a robustness check; problems noted for what cannot work."""
    raw, cid = s.valid, s.value["id"]
    counterfactual = tuple(str(a) for a in raw.get("counterfactual", ()))
    proxies = tuple(
        (str(a), tuple(str(p) for p in ps)) for a, ps in (raw.get("proxies") or {}).items()
    )
    features = tuple(
        _feature(s, str(name), rule, counterfactual, problems)
        for name, rule in (raw.get("features") or {}).items()
        if isinstance(rule, dict)
    )
    _condition_rules(s, features, counterfactual, problems)
    for attribute, _ in proxies:
        if attribute not in counterfactual:
            message = f"check '{cid}': proxies of '{attribute}', not a counterfactual attribute"
            problems.append((s.loc("proxies", attribute, key=True), message))
    monotonic = any(r.monotonic for r in features)
    noise = _noise(raw["noise"]) if "noise" in raw else _default_noise(s)
    _dead_conditions(s, features, counterfactual, noise, problems)
    return RobustnessOptions(
        features=features,
        noise=noise,
        counterfactual=counterfactual,
        proxies=proxies,
        max_flip_rate=raw.get("max_flip_rate"),
        max_score_change=raw.get("max_score_change"),
        max_monotonic_violations=raw.get("max_monotonic_violations", 0.0 if monotonic else None),
        tolerance=raw.get("tolerance"),
        sample_rows=raw.get("sample_rows", DEFAULT_SAMPLE_ROWS),
        repeats=raw.get("repeats", DEFAULT_REPEATS),
        confidence=raw.get("confidence", DEFAULT_CONFIDENCE),
    )


def _default_noise(s: Sourced) -> tuple[str, float] | None:
    """Without `noise:`, a bare check (no `features:`, no `counterfactual:`) perturbs every
    numeric input by DEFAULT_NOISE; a check that names what to probe probes only that."""
    named = {"features", "counterfactual"} & set(s.value)
    return None if named else DEFAULT_NOISE


def _noise(given: Any) -> tuple[str, float] | None:
    if not isinstance(given, dict) or len(given) != 1:
        return None  # `none` (or a broken value the schema reported)
    ((kind, size),) = given.items()
    return (str(kind), size)


def _feature(
    s: Sourced, name: str, rule: dict, counterfactual: tuple[str, ...], problems: Problems
) -> FeatureRule:
    """One entry of `features:`, with the combinations that contradict each other refused."""
    cid = s.value["id"]

    def problem(key: str, message: str) -> None:
        problems.append((s.loc("features", name, key, key=True), f"check '{cid}': {message}"))

    lo_hi = rule.get("range")
    if isinstance(lo_hi, list) and len(lo_hi) == 2 and lo_hi[0] > lo_hi[1]:
        problem("range", f"range of '{name}' has min {lo_hi[0]} above max {lo_hi[1]}")
    if "noise" in rule and "swap" in rule:
        problem("swap", f"'{name}' has both noise (numeric) and swap (categorical); keep one")
    if "noise" in rule and name in counterfactual:
        problem(
            "noise",
            f"noise on '{name}', a counterfactual attribute (categorical: it is set to each "
            "of its values); drop the noise",
        )
    for key in ("range", "monotonic"):
        if key in rule and "swap" in rule:
            problem(key, f"'{key}' is for numeric features, and '{name}' swaps categories")
    if rule.get("immutable") is True:
        for key in ("noise", "swap", "monotonic"):
            if key in rule:
                problem(key, f"'{name}' is immutable (never perturbed), so '{key}' cannot apply")
    return FeatureRule(
        name=name,
        noise=_noise(rule["noise"]) if "noise" in rule else None,
        swap=tuple(str(v) for v in rule.get("swap", ())),
        range=(float(lo_hi[0]), float(lo_hi[1])) if isinstance(lo_hi, list) else None,
        immutable=rule.get("immutable") is True,
        monotonic=rule.get("monotonic"),
    )


CONDITIONS = ("max_flip_rate", "max_score_change", "max_monotonic_violations")


def _condition_rules(
    s: Sourced, features: tuple[FeatureRule, ...], counterfactual: tuple[str, ...], p: Problems
) -> None:
    given, cid = s.value, s.value["id"]
    if not any(c in given for c in CONDITIONS) and not any(r.monotonic for r in features):
        message = f"check '{cid}' has no condition: give {', '.join(CONDITIONS)}"
        p.append((s.loc(), message + " (or a monotonic feature)"))
    if counterfactual and "max_flip_rate" not in given:
        message = f"check '{cid}': 'counterfactual' is judged by 'max_flip_rate' per group; give it"
        p.append((s.loc("counterfactual", key=True), message))
    if "max_monotonic_violations" in given and not any(r.monotonic for r in features):
        message = f"check '{cid}': 'max_monotonic_violations' needs a feature with 'monotonic'"
        p.append((s.loc("max_monotonic_violations", key=True), message))


def _dead_conditions(
    s: Sourced,
    features: tuple[FeatureRule, ...],
    counterfactual: tuple[str, ...],
    noise: tuple[str, float] | None,
    p: Problems,
) -> None:
    """A check that can probe nothing, or a limit no probe of it is judged by, is refused: it
    would otherwise pass (or be skipped) without having looked at anything."""
    given, cid = s.value, s.value["id"]
    if {"features", "noise", "counterfactual"} & set(s.broken):
        return  # the schema reported what is broken; what is left says nothing of the probes
    moved = [r for r in features if not r.immutable and (r.noise or r.swap)]
    perturbs = noise is not None or bool(moved)  # noise / swap probes: flips, score change
    if not perturbs and not counterfactual and not any(r.monotonic for r in features):
        where = s.loc("noise", key=True) if "noise" in given else s.loc()
        message = (
            f"check '{cid}' probes nothing: no noise, no feature with noise, swap or "
            "monotonic, no counterfactual"
        )
        p.append((where, message))
        return
    if "max_score_change" in given and not perturbs:
        message = (
            f"check '{cid}': 'max_score_change' is judged on noise and swap probes, and this "
            "check has none (naming 'features' or 'counterfactual' turns the default noise "
            "off: give 'noise: {std: 0.05}' or a feature's noise / swap)"
        )
        p.append((s.loc("max_score_change", key=True), message))
    if "max_flip_rate" in given and not perturbs and not counterfactual:
        message = (
            f"check '{cid}': 'max_flip_rate' is judged on noise, swap and counterfactual "
            "probes, and this check has none (a monotonic feature is judged by "
            "'max_monotonic_violations')"
        )
        p.append((s.loc("max_flip_rate", key=True), message))
