"""An intersection is named one way in every output: 'sex=F & race=B' (gate.wording.group_name),
in group tables, charts, check messages, waivers and the bias-audit summary, never
'sex=F, race=B'. A real run of intersectional fairness checks, with a left-out group and a
group waiver, rendered in every registered format."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from urllib.parse import unquote

import lxml.html
import numpy as np
import pandas as pd
import pytest
from lxml import etree

from gate.report import FORMATS
from gate.results import Evaluation, Status
from gate.runner import RunOptions, run
from gate.wording import group_name

POLICY = """\
version: 1
data: {label: y, prediction: pred, sensitive: [sex, race]}
checks:
  - {id: ir, type: fairness, metric: selection_rate, aggregate: ratio, method: to_reference,
     intersectional: true, min: 0.95, min_group_size: 40}
  - {id: ir-waived, type: fairness, metric: selection_rate, aggregate: ratio,
     method: to_reference, intersectional: true, min: 0.85, min_group_size: 40}
  - {id: eo, type: fairness, metric: equalized_odds_difference, intersectional: true,
     max: 0.01, min_group_size: 40, severity: warn}
waivers:
  - {check: ir-waived, group: {sex: F, race: B}, reason: known gap, approved_by: lead,
     expires: 2099-01-01}
"""
#: 'sex=<value><separator>race=<value>' wherever a format names an intersection
NAMED = re.compile(r"sex=[FM](?P<sep>\W{1,5}?)race=[ABC]")


def frame() -> pd.DataFrame:
    """Selection rates F&A 0.5, F&B 0.3, M&A 0.5, M&B 0.45, and a small M&C (left out)."""
    rng = np.random.default_rng(1)
    n = 1200
    race = np.where(rng.random(n) < 0.02, "C", rng.choice(["A", "B"], n))
    sex = np.where(race == "C", "M", rng.choice(["F", "M"], n))
    rates = {"FA": 0.5, "FB": 0.3, "MA": 0.5, "MB": 0.45, "MC": 0.4}
    rate = np.array([rates[s + r] for s, r in zip(sex, race, strict=True)])
    pred = (rng.random(n) < rate).astype(int)
    y = np.where(rng.random(n) < 0.8, pred, 1 - pred)
    return pd.DataFrame({"sex": sex, "race": race, "y": y, "pred": pred})


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory) -> Evaluation:
    tmp: Path = tmp_path_factory.mktemp("intersections")
    frame().to_csv(tmp / "d.csv", index=False)
    (tmp / "p.yaml").write_text(POLICY)
    ev = run(RunOptions(str(tmp / "p.yaml"), str(tmp / "d.csv"), resamples=50))
    statuses = {r.id: r.status for r in ev.decision.results}
    assert statuses == {"ir": Status.FAIL, "ir-waived": Status.WAIVED, "eo": Status.WARN}
    return ev


def shown(name: str, text: str) -> str:
    """What a reader of one file sees: escapes undone, markup dropped."""
    if name.endswith(".md"):
        return html.unescape(text.replace("\\", ""))
    if name.endswith(".html"):
        return lxml.html.fromstring(text).text_content()
    if name.endswith(".xml"):
        doc = etree.fromstring(text.encode())
        attrs = [v for node in doc.iter() for v in node.attrib.values()]
        return "\n".join([*doc.itertext(), *attrs])
    if name == "annotations.txt":
        return unquote(text)
    if name == "codequality.json":
        return "\n".join(i["description"] for i in json.loads(text))
    return text


def test_the_one_name_is_the_wording_function():
    assert group_name({"sex": "F", "race": "B"}) == "sex=F & race=B"
    assert group_name((("sex", "F"), ("race", "B"))) == "sex=F & race=B"
    assert group_name({"race": "B"}) == "race=B"


@pytest.mark.parametrize("format_name", FORMATS)
def test_every_format_names_an_intersection_the_same_way(evaluation, format_name):
    found = []
    for file, text in FORMATS[format_name].files(evaluation).items():
        seen = shown(file, text)
        found += [(file, m.group(0)) for m in NAMED.finditer(seen)]
    assert found, f"{format_name} names no intersection"  # a waiver names one, in every format
    wrong = [(file, name) for file, name in found if " & " not in name]
    assert not wrong, wrong


def test_messages_name_the_left_out_and_the_waived_intersection(evaluation):
    messages = {r.id: r.message for r in evaluation.decision.results}
    assert "left out: sex=M & race=C (n=" in messages["ir"]
    assert "without the waived group sex=F & race=B:" in messages["ir-waived"]
    waived = next(r for r in evaluation.decision.results if r.id == "ir-waived")
    assert waived.waiver["group"] == "sex=F & race=B"
