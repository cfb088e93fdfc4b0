"""Which label counts (review 12b, finding 4): the outcome never depends on the order of the
label file's rows; different labels at one instant are refused naming the requests; a later
label still maturing that contradicts the one used is counted and makes the analysis wait."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from canary_data import LATE, analyze, canary, write_canary
from hypothesis import given, settings
from hypothesis import strategies as st
from test_analyze import result_of

from gate.commands import analysis
from gate.commands.analysis import AnalyzeRequest
from gate.errors import InputError
from gate.inputs.label_maturity import PENDING, matured
from gate.inputs.prediction_logs import LogColumns, parse_duration, parse_time

COLS = LogColumns()
T0 = pd.Timestamp("2026-01-10T00:00:00Z")
AS_OF = T0 + pd.Timedelta(days=3)
DELAY = pd.Timedelta(days=1)  # labels up to T0 + 2 days count

#: one label row: (request, hours after T0, label)
rows = st.tuples(st.sampled_from("abcdef"), st.integers(0, 96), st.integers(0, 1))


def _frame(items: list[tuple[str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "request_id": [r for r, _, _ in items],
            "_label": [y for _, _, y in items],
            "_label_time": pd.to_datetime(
                [T0 + pd.Timedelta(hours=h) for _, h, _ in items], utc=True
            ),
        }
    )


def _consistent(items: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Drop every (request, time) given two different labels."""
    seen: dict[tuple[str, int], set[int]] = {}
    for r, h, y in items:
        seen.setdefault((r, h), set()).add(y)
    return [(r, h, y) for r, h, y in items if len(seen[(r, h)]) == 1]


def _outcome(frame: pd.DataFrame) -> tuple[dict, dict]:
    latest, counts = matured(frame, COLS, AS_OF, DELAY)
    used = {
        r: (y, t, p)
        for r, y, t, p in latest[["request_id", "_label", "_label_time", PENDING]].itertuples(
            index=False
        )
    }
    return used, counts


@settings(max_examples=200, deadline=None)
@given(st.lists(rows, max_size=30), st.randoms(use_true_random=False))
def test_the_labels_used_and_the_counts_do_not_depend_on_row_order(items, random):
    items = _consistent(items)
    shuffled = list(items)
    random.shuffle(shuffled)
    assert _outcome(_frame(items)) == _outcome(_frame(shuffled))


@settings(max_examples=100, deadline=None)
@given(st.lists(rows, min_size=1, max_size=30), st.randoms(use_true_random=False))
def test_different_labels_at_one_instant_are_refused_in_any_order(items, random):
    r, h, y = items[0]
    items = [*items, (r, h, 1 - y)]
    random.shuffle(items)
    with pytest.raises(InputError) as err:
        matured(_frame(items), COLS, AS_OF, DELAY, "labels.csv")
    assert f"'{r}'" in str(err.value) and str(err.value).startswith("labels.csv: ")


def test_the_refusal_names_up_to_five_requests():
    items = [(f"id{i}", 1, y) for i in range(7) for y in (0, 1)]
    with pytest.raises(InputError, match=r"7 request\(s\) .*'id0', .*'id4' and 2 more"):
        matured(_frame(items), COLS, AS_OF, DELAY)


def test_the_same_label_twice_at_one_instant_is_one_label():
    latest, counts = matured(_frame([("a", 1, 1), ("a", 1, 1), ("b", 1, 0)]), COLS, AS_OF, DELAY)
    assert dict(zip(latest.request_id, latest._label, strict=True)) == {"a": 1, "b": 0}
    assert counts["labels_repeated"] == 1 and counts["labels_replaced_by_later"] == 0


def test_only_a_later_differing_label_is_a_pending_correction():
    items = [
        ("a", 1, 0), ("a", 60, 1),  # matured 0, a later 1 still maturing: pending
        ("b", 1, 1), ("b", 60, 1),  # a later confirmation: not pending
        ("c", 1, 0), ("c", 2, 1),  # both matured: a correction already used
        ("d", 60, 1),  # nothing matured yet
    ]  # fmt: skip
    used, counts = _outcome(_frame(items))
    assert {r: v[0] for r, v in used.items()} == {"a": 0, "b": 1, "c": 1}
    assert {r for r, v in used.items() if v[2]} == {"a"}
    assert counts["labels_pending_correction"] == 1
    assert counts["labels_not_yet_matured"] == 1 and counts["labels_replaced_by_later"] == 1


# -- through the command ---------------------------------------------------------------------


def _labels_csv(frame: pd.DataFrame, path: Path) -> Path:
    stamp = frame["label_timestamp"].map(pd.Timestamp.isoformat)
    frame.assign(label_timestamp=stamp).to_csv(path, index=False)
    return path


def test_ties_with_different_labels_are_exit_2_in_either_order(tmp_path):
    paths = write_canary(tmp_path, n=400)
    _, labels = canary(400)
    flipped = labels.assign(label=1 - labels["label"])
    for name, both in (
        ("true_last", pd.concat([flipped, labels])),
        ("flipped_last", pd.concat([labels, flipped])),
    ):
        file = _labels_csv(both, tmp_path / f"{name}.csv")
        run = analyze({**paths, "labels": file}, "--output-dir", tmp_path / name)
        assert run.code == 2, run.stdout + run.stderr
        assert "400 request(s) have different labels with the same label timestamp" in run.stderr
        assert "'r000000', 'r000001'" in run.stderr and "Traceback" not in run.stderr
        assert not (tmp_path / name).exists()


def _request(paths: dict[str, Path], labels: Path, as_of: str = LATE) -> AnalyzeRequest:
    return AnalyzeRequest(
        policy=str(paths["policy"]),
        predictions=(str(paths["predictions"]),),
        labels=str(labels),
        as_of=parse_time(as_of),
        label_delay=parse_duration("1d"),
        candidate_version="v2",
        resamples=100,
    )


@settings(max_examples=3, deadline=None)
@given(st.randoms(use_true_random=False))
def test_a_shuffled_label_file_gives_the_same_analysis(tmp_path_factory, random):
    tmp = tmp_path_factory.mktemp("shuffled")
    paths = write_canary(tmp, n=600)
    _, labels = canary(600)
    repeated = pd.concat([labels, labels.iloc[:50]])  # exact repeats are fine
    corrected = labels.iloc[50:100].assign(
        label=lambda f: 1 - f["label"], label_timestamp=lambda f: f["label_timestamp"] + DELAY
    )
    rows = pd.concat([repeated, corrected]).reset_index(drop=True)
    order = list(range(len(rows)))
    random.shuffle(order)
    results = [
        analysis.analyze(_request(paths, _labels_csv(frame, tmp / f"{i}.csv"))).as_dict()
        for i, frame in enumerate((rows, rows.iloc[order]))
    ]
    for result in results:
        del result["inputs"]  # the files differ, by their order
    assert results[0] == results[1]
    assert results[0]["counts"]["labels_repeated"] == 50
    assert results[0]["counts"]["labels_replaced_by_later"] == 50


def test_pending_corrections_are_counted_and_inconclusive(tmp_path):
    """Review 12b's corr.csv: a provisional label per request, matured and agreeing with the
    model, and a correction still maturing that contradicts every one of them."""
    paths = write_canary(tmp_path, n=800)
    _, labels = canary(800)
    provisional = labels.assign(label_timestamp=labels["label_timestamp"] - pd.Timedelta(days=1))
    correction = labels.assign(label=1 - labels["label"])
    file = _labels_csv(pd.concat([provisional, correction]), tmp_path / "corr.csv")
    # every provisional label has matured, no correction yet
    as_of = "2026-01-02T23:00:00Z"
    run = analyze(
        {**paths, "labels": file}, "--output-dir", tmp_path / "o", "--label-delay", "0", as_of=as_of
    )
    result = result_of(tmp_path / "o")
    counts = result["counts"]
    cand = counts["candidate_labelled"]
    assert cand > 0 and counts["candidate_labels_pending_correction"] == cand
    assert counts["labels_pending_correction"] == counts["labels_matured"]
    assert run.code == 4, run.stdout + run.stderr
    assert result["decision"] == "inconclusive"
    assert any("contradicts the label used" in r for r in result["reasons"])
    assert f"{counts['labels_pending_correction']} pending correction(s)" in run.stdout


def test_a_pending_correction_of_a_live_row_only_is_counted_not_waited_for(tmp_path):
    """A canary: the checks judge the candidate's rows; a correction of a request the live
    model answered is counted but changes no check."""
    paths = write_canary(tmp_path, n=1200)
    _, labels = canary(1200)
    live_ids = set(pd.read_csv(paths["live"])["request_id"])
    live = labels[labels.request_id.isin(live_ids)].iloc[:20]
    later = live.assign(label=1 - live["label"], label_timestamp=pd.Timestamp(LATE))
    file = _labels_csv(pd.concat([labels, later]), tmp_path / "l.csv")
    run = analyze({**paths, "labels": file}, "--output-dir", tmp_path / "o", logs="split")
    result = json.loads((tmp_path / "o/analysis.json").read_text())
    assert result["counts"]["labels_pending_correction"] == 20
    assert result["counts"]["candidate_labels_pending_correction"] == 0
    assert run.code == 0, run.stdout + run.stderr
