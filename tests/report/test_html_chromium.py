"""report.html opened in headless Chromium (Debian's `chromium`, driven by Playwright): the page
renders its charts, makes no network request and logs no error.

The evaluation is real: the CLI runs on generated data (performance and fairness checks, the
candidate's and a baseline's scores), and a hand-made drift and data-quality result in the
design's shape is added to it (those checks are not built yet). When chromium is missing the
test installs it with apt-get (as root); it skips, saying why, only when that cannot be done.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from helpers import classification_frame, fit_classifier, run_cli, write_policy
from test_html_report import drift_result, quality_result

from gate.decision import decide
from gate.report import html_report
from gate.report.from_json import load_report

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
POLICY = """
    version: 1
    name: chromium-check
    data: {label: y, score: score, baseline_score: baseline, threshold: 0.5, sensitive: [sex]}
    checks:
      - {id: auc, type: performance, metric: roc_auc, min: 0.7, confidence: 0.95}
      - {id: auc-regression, type: performance, metric: roc_auc, baseline: {max_drop: 0.01}}
      - id: parity
        type: fairness
        metric: selection_rate
        aggregate: ratio
        method: to_reference
        min: 0.8
      - {id: eo, type: fairness, metric: equalized_odds_difference, max: 0.05}
"""


def chromium() -> str:
    """The chromium binary, installed with apt-get when missing; pytest.skip when it cannot."""
    found = shutil.which("chromium") or (CHROMIUM if os.path.exists(CHROMIUM) else None)
    if found:
        return found
    if not shutil.which("apt-get") or os.geteuid() != 0:
        pytest.skip("chromium is not installed and cannot be (no apt-get, or not root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
        if done.returncode != 0:
            pytest.skip(f"chromium is not installed and apt-get failed: {done.stderr[-300:]}")
    return shutil.which("chromium") or CHROMIUM


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """report.html of a CLI run, with a hand-made drift and data-quality result added."""
    root = tmp_path_factory.mktemp("chromium")
    frame = classification_frame(3000, seed=3)
    train = classification_frame(seed=4)
    features = ["x1", "x2", "x3"]
    frame["score"] = fit_classifier(train).predict_proba(frame[features])[:, 1]
    frame["baseline"] = fit_classifier(train, ["x1"]).predict_proba(frame[["x1"]])[:, 1]
    frame.to_csv(root / "eval.csv", index=False)
    policy = write_policy(root / "policy.yaml", POLICY)
    out = root / "out"
    run = run_cli("check", "--policy", policy, "--data", root / "eval.csv",
                  "--output-dir", out, "--format", "html")  # fmt: skip
    assert run.code in (0, 1), run.stderr
    assert (out / "report.html").stat().st_size < 5 * 2**20
    ev = load_report(out / "report.json")
    assert ev.curves and set(ev.curves) == {"candidate", "baseline"}
    results = [*ev.decision.results, drift_result(), quality_result()]
    decision = decide(results, (), dt.date(2026, 1, 1))
    page = html_report.render(dataclasses.replace(ev, decision=decision))
    (root / "report.html").write_text(page, encoding="utf-8")
    return root / "report.html"


def test_report_html_renders_in_chromium_without_requests_or_errors(page_file: Path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    from PIL import Image

    binary = chromium()
    url = page_file.resolve().as_uri()
    attempted: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=binary, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})

        def route(r):
            if r.request.url == url:
                r.continue_()
            else:
                attempted.append(r.request.url)
                r.abort()

        page.route("**", route)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url, wait_until="load")
        charts = page.locator("svg.chart")
        boxes = [charts.nth(i).bounding_box() for i in range(charts.count())]
        drawn = page.locator("svg.chart path, svg.chart text").count()
        banner = page.locator("header.banner").evaluate("e => getComputedStyle(e).backgroundColor")
        png = page.screenshot(full_page=True)
        browser.close()

    assert attempted == [] and errors == []
    # groups x2 (parity, eo), curves, the drifted column: every chart laid out with a size
    assert len(boxes) >= 4 and all(b and b["width"] > 50 and b["height"] > 50 for b in boxes)
    assert drawn > 100
    assert banner == "rgb(207, 34, 46)"  # blocked: red
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    assert image.shape[0] > 900 and image.std() > 20
    assert len(np.unique(image.reshape(-1, 3), axis=0)) > 50  # not blank, charts in colour
