"""The Mermaid chart's "N past the bound" is the number of groups its table marks, for every
fairness metric (the named ones with two components too: a group of equalized odds is past when
either rate is) and every comparison: a real run, its report.md read back."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gate.engine.group_metrics import GROUP_METRICS, NAMED_DISPARITIES
from gate.report import markdown
from gate.report.md_groups import PAST
from gate.results import Evaluation
from gate.runner import RunOptions, run

#: the per-group metrics a classifier's label and prediction give (scoring_rate needs scores,
#: the rest are regression metrics)
RATES = [
    "selection_rate", "true_positive_rate", "false_positive_rate", "false_negative_rate",
    "true_negative_rate", "precision", "recall", "accuracy", "f1",
]  # fmt: skip
COMPARISONS = {  # (aggregate, method, bound): every group but the best is past it
    "diff": ("difference", "between_groups", "max: 0.001"),
    "ratio": ("ratio", "between_groups", "min: 0.999"),
    "ref-diff": ("difference", "to_reference", "max: 0.001"),
    "ref-ratio": ("ratio", "to_reference", "min: 0.999"),
}


def checks() -> list[str]:
    out = []
    for metric in RATES:
        assert metric in GROUP_METRICS
        for key, (aggregate, method, bound) in COMPARISONS.items():
            out.append(
                f"  - {{id: {metric}-{key}, type: fairness, metric: {metric}, "
                f"aggregate: {aggregate}, method: {method}, {bound}, severity: warn}}"
            )
    for name, named in NAMED_DISPARITIES.items():
        bound = "min: 0.999" if named.aggregate == "ratio" else "max: 0.001"
        out.append(f"  - {{id: {name}, type: fairness, metric: {name}, {bound}, severity: warn}}")
    return out


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory) -> Evaluation:
    tmp: Path = tmp_path_factory.mktemp("charts")
    rng = np.random.default_rng(3)
    n = 2000
    race = rng.choice(["A", "B", "C", "D"], n)
    rate = pd.Series(race).map({"A": 0.5, "B": 0.4, "C": 0.3, "D": 0.45}).to_numpy()
    pred = (rng.random(n) < rate).astype(int)
    y = np.where(rng.random(n) < np.where(race == "C", 0.6, 0.85), pred, 1 - pred)
    pd.DataFrame({"race": race, "y": y, "pred": pred}).to_csv(tmp / "d.csv", index=False)
    (tmp / "p.yaml").write_text(
        "version: 1\nmode: report\n"
        "data: {label: y, prediction: pred, sensitive: [race]}\nchecks:\n"
        + "\n".join(checks())
        + "\n"
    )
    return run(RunOptions(str(tmp / "p.yaml"), str(tmp / "d.csv"), resamples=20))


def sections(page: str) -> dict[str, str]:
    """Each check's details in report.md, by id."""
    parts = re.split(r"^- \S+ [^*]*\*\*(.+?)\*\* — ", page, flags=re.M)
    return {parts[i].replace("\\", ""): parts[i + 1] for i in range(1, len(parts), 2)}


def test_every_fairness_chart_counts_the_groups_its_table_marks(evaluation):
    page = markdown.render(evaluation)
    details = sections(page)
    ids = [r.id for r in evaluation.decision.results]
    assert sorted(details) == sorted(ids)
    compared = []
    for id, section in details.items():
        title = re.search(r'title ".*\(line: bound; (\d+) past the bound', section)
        marked = section.count(PAST)
        assert title, f"{id}: no chart\n{section}"
        assert int(title.group(1)) == marked, f"{id}: chart {title.group(0)}, table {marked}"
        compared.append(marked)
    assert min(compared) >= 1  # every check has groups past its bound to count
    # equalized odds: a group past on either rate is marked; the chart draws one rate
    eo = details["equalized_odds_difference"]
    drawn = re.search(r"(\d+) past the bound(, (\d+) of them drawn)?", eo)
    assert drawn.group(3) is None or int(drawn.group(3)) <= int(drawn.group(1))
