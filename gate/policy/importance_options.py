"""The options of an importance check (`type: importance`), with the rules a schema cannot state.

The conditions, each judged on a bootstrap interval (gate/checks/importance.py states the rule):
`max_rank: k` (no protected attribute or proxy among the k most important inputs), `max_share:
s` (none above a share s of the total importance), and against the baseline model
`baseline: {min_rank_correlation: X, max_share_change: Y}`. `metric:` and `confidence:` are the
check's own keys (CheckSpec.metric, CheckSpec.confidence); the `baseline:` block is kept here,
not in CheckSpec.baseline, whose readers judge a metric's drop (pinning, analyze, joint parts).
"""

from __future__ import annotations

from dataclasses import dataclass

from gate.policy.sourced import Problems, Sourced

METHODS = ("permutation", "shap")
MEASURES = ("reliance", "metric")  # permutation: what a shuffle's effect is measured by
DEFAULT_REPEATS = 5
DEFAULT_SAMPLE_ROWS = 5_000
CONDITIONS = ("max_rank", "max_share", "baseline")


@dataclass(frozen=True)
class ImportanceOptions:
    """What an importance check measures and the conditions it judges; None leaves one out."""

    method: str = "permutation"
    #: permutation: reliance (the label-free change of the model's outputs when an input is
    #: shuffled) or metric (scikit-learn's drop of `metric` against the label); both reported
    measure: str = "reliance"
    protected: tuple[str, ...] = ()  # empty: data.sensitive
    proxies: tuple[str, ...] = ()  # features treated like protected ones, named as proxies
    max_rank: int | None = None
    max_share: float | None = None
    repeats: int = DEFAULT_REPEATS
    sample_rows: int = DEFAULT_SAMPLE_ROWS
    min_rank_correlation: float | None = None  # baseline: Spearman over the carrying inputs
    max_share_change: float | None = None  # baseline: largest move of any feature's share
    when_missing: str = "error"  # baseline: no baseline model given: error | skip

    @property
    def columns(self) -> tuple[str, ...]:
        """The data columns the check reads beyond the model's inputs (measurement keeps them
        in the row sample): the protected attributes and proxies it names."""
        return (*self.protected, *self.proxies)

    @property
    def threshold(self) -> dict[str, float]:
        """The bounds set, as report.json shows them (the baseline rules, like a performance
        check's, are the policy's `baseline:` block)."""
        keys = ("max_rank", "max_share")
        return {k: getattr(self, k) for k in keys if getattr(self, k) is not None}

    @property
    def compares(self) -> bool:
        """Whether a baseline condition is set."""
        return self.min_rank_correlation is not None or self.max_share_change is not None


def importance_options(s: Sourced, problems: Problems) -> ImportanceOptions:
    """The options of an importance check; problems noted for what cannot work."""
    raw, cid = s.valid, s.value["id"]
    if not any(key in s.value for key in CONDITIONS):
        problems.append(
            (s.loc(), f"check '{cid}' has no condition: give 'max_rank', 'max_share' or 'baseline'")
        )
    base = raw.get("baseline") if isinstance(raw.get("baseline"), dict) else {}
    if "baseline" in raw and not {"min_rank_correlation", "max_share_change"} & set(base):
        message = (
            f"check '{cid}': an importance 'baseline' needs 'min_rank_correlation' or "
            "'max_share_change' to judge"
        )
        problems.append((s.loc("baseline", key=True), message))
    method = raw.get("method", "permutation")
    for key in ("metric", "repeats", "measure"):
        if method == "shap" and key in s.value:
            message = (
                f"check '{cid}': '{key}' applies to method: permutation "
                "(SHAP measures reliance, with no metric or repeats)"
            )
            problems.append((s.loc(key, key=True), message))
    return ImportanceOptions(
        method=method,
        measure=raw.get("measure", "reliance"),
        protected=tuple(raw.get("protected", ())),
        proxies=tuple(raw.get("proxies", ())),
        max_rank=raw.get("max_rank"),
        max_share=raw.get("max_share"),
        repeats=raw.get("repeats", DEFAULT_REPEATS),
        sample_rows=raw.get("sample_rows", DEFAULT_SAMPLE_ROWS),
        min_rank_correlation=base.get("min_rank_correlation"),
        max_share_change=base.get("max_share_change"),
        when_missing=base.get("when_missing", "error"),
    )
