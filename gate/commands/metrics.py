"""`model-gate metrics`: every metric a policy may name, read from the engine's registries."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from gate.engine import multiclass_metrics as mc
from gate.engine.group_metrics import ABOVE_MEDIAN, GROUP_METRICS, NAMED_DISPARITIES
from gate.engine.metrics import METRICS, Input, Task

#: group metrics that read only the model's output, not the ground truth (a property the
#: tests check on the engine's own definitions: their value ignores the label)
OUTCOME_FREE = frozenset({"selection_rate", "scoring_rate", "mean_prediction"})

MULTICLASS = Task.MULTICLASS.value
INPUTS = {Input.LABEL: "predicted label", Input.SCORE: "score", Input.VALUE: "predicted value"}
AGGREGATES = {
    "difference": "largest difference between groups",
    "ratio": "smallest ratio between groups",
}


@dataclass(frozen=True)
class MetricInfo:
    """One row of `model-gate metrics`."""

    name: str
    check: str  # the check type that names it: performance | fairness
    task: str
    input: str  # what of the model's output it reads
    label: bool  # whether it needs the ground-truth label
    direction: str  # higher | lower (is better)
    definition: str
    components: tuple[str, ...] = ()  # a named fairness metric's group metrics
    averages: tuple[str, ...] = ()  # multiclass: the `average:` values it takes, default first


def _direction(greater_is_better: bool) -> str:
    return "higher" if greater_is_better else "lower"


def performance_metrics() -> list[MetricInfo]:
    """The performance metrics (gate.engine.metrics.METRICS)."""
    return [
        MetricInfo(
            m.name,
            "performance",
            m.task.value,
            INPUTS[m.input],
            m.name not in OUTCOME_FREE,
            _direction(m.greater_is_better),
            m.description,
        )
        for m in METRICS.values()
    ]


def group_metrics() -> list[MetricInfo]:
    """The per-group metrics a fairness check compares (GROUP_METRICS)."""
    rows = []
    for g in GROUP_METRICS.values():
        if g.name in ABOVE_MEDIAN:
            read = "score"
        else:
            read = "predicted value" if g.task is Task.REGRESSION else "predicted label"
        rows.append(
            MetricInfo(
                g.name,
                "fairness",
                g.task.value,
                read,
                g.name not in OUTCOME_FREE,
                _direction(g.greater_is_better),
                g.description,
            )
        )
    return rows


def named_metrics() -> list[MetricInfo]:
    """fairlearn's named fairness metrics (NAMED_DISPARITIES): an aggregate of group metrics."""
    rows = []
    for d in NAMED_DISPARITIES.values():
        parts = [GROUP_METRICS[c] for c in d.components]
        what = " and ".join(d.components)
        worst = ", the worse of the two" if len(parts) > 1 else ""
        rows.append(
            MetricInfo(
                d.name,
                "fairness",
                Task.BINARY.value,
                "predicted label",
                any(p.name not in OUTCOME_FREE for p in parts),
                _direction(d.aggregate == "ratio"),
                f"{AGGREGATES[d.aggregate]} in {what}{worst} (fairlearn's {d.name})",
                d.components,
            )
        )
    return rows


def multiclass_metrics() -> list[MetricInfo]:
    """The metrics of a multiclass model over all its classes (engine/multiclass_metrics.py);
    their direction is the binary metric's of the same name."""
    rows = []
    for name in mc.METRICS:
        takes = mc.AVERAGES.get(name, ())
        how = f" (average: {' | '.join(takes)})" if takes else ""
        rows.append(
            MetricInfo(
                name,
                "performance",
                MULTICLASS,
                "class probabilities" if name in mc.SCORE else "predicted class",
                True,
                _direction(METRICS[name].greater_is_better),
                mc.DESCRIPTIONS[name] + how,
                averages=takes,
            )
        )
    return rows


def all_metrics() -> list[MetricInfo]:
    """Every metric: performance (binary and regression, then multiclass), then the group
    and the named fairness metrics."""
    return [*performance_metrics(), *multiclass_metrics(), *group_metrics(), *named_metrics()]


def render_table(rows: list[MetricInfo]) -> str:
    """An aligned plain-text table, one section per kind of metric."""
    sections = (
        (
            "performance checks (metric: ...)",
            [r for r in rows if r.check == "performance" and r.task != MULTICLASS],
        ),
        (
            f"performance checks of a multiclass model (data.task: {MULTICLASS}); every "
            "binary_classification metric also applies with 'class: <label>' (that class "
            "against the rest), in performance and fairness checks",
            [r for r in rows if r.task == MULTICLASS],
        ),
        (
            "fairness checks: compared between groups (metric: ..., aggregate: ratio | difference)",
            [r for r in rows if r.check == "fairness" and not r.components],
        ),
        (
            "fairness checks: fairlearn's named metrics (aggregate built in)",
            [r for r in rows if r.components],
        ),
    )
    header = ("metric", "task", "reads", "needs label", "better", "definition")
    cells = {r: (r.name, r.task, r.input, "yes" if r.label else "no", r.direction) for r in rows}
    width = [max(len(c[i]) for c in [header, *cells.values()]) for i in range(5)]

    def line(values: tuple[str, ...], definition: str) -> str:
        return (
            "  "
            + "  ".join(v.ljust(w) for v, w in zip(values, width, strict=True))
            + "  "
            + definition
        )

    out = []
    for title, part in sections:
        out += [title, line(header[:5], header[5])]
        out += [line(cells[r], r.definition) for r in part]
        out.append("")
    return "\n".join(out)


def metrics(fmt: str = "table") -> int:
    """Print every metric as a table or as JSON."""
    rows = all_metrics()
    if fmt == "json":
        print(json.dumps([asdict(r) for r in rows], indent=2))
    else:
        print(render_table(rows), end="")
    return 0
