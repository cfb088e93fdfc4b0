"""Charts for report.html: matplotlib figures written as inline SVG.

Why matplotlib to SVG: it is a well-kept library already in the scientific stack, it needs no
JavaScript runtime to inline into the page (Vega-Lite would need its ~800 kB of scripts), the
SVG renders without scripts (so the page works under a strict CSP and in mail clients), and with
`svg.fonttype: none` the text stays text: selectable, searchable, small. Output is deterministic:
a fixed hash salt per chart (ids stay unique within the page), no date in the metadata, and a
fixed font family (DejaVu Sans, which matplotlib ships, so layout never depends on the host).
matplotlib is imported when the first chart is drawn, not with this module: every report format
is imported by the CLI, and only --format html pays its ~0.3 s import. Figures are drawn
without pyplot, so no GUI backend is ever chosen: savefig renders with the SVG backend.

Untrusted text (group, column and category names) reaches matplotlib only through `label`:
control characters shown as escapes, length bounded, and mathtext off (`$` stays a dollar).
matplotlib escapes &, < and > in SVG text and attributes; `inline` then puts the SVG on one line
and writes `##[` as a character reference, like every other untrusted text of the page.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from gate.report.escape import visible

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CANDIDATE, BASELINE, REFERENCE = "#0969da", "#8c959f", "#8c959f"
PAST, OK, LEFT_OUT = "#cf222e", "#1f2328", "#afb8c1"
LABEL_CHARS = 48


def label(text: object) -> str:
    """An untrusted name as chart text: visible, one line, at most LABEL_CHARS characters."""
    shown = visible(" ".join(str(text).split()))
    return shown if len(shown) <= LABEL_CHARS else shown[: LABEL_CHARS - 1] + "…"


@contextmanager
def figure(salt: str, width: float, height: float) -> Iterator[Figure]:
    """A figure under the report's fixed style; `salt` makes the SVG's ids unique and stable."""
    import matplotlib
    from matplotlib.figure import Figure

    style = {
        "svg.hashsalt": f"model-gate-{salt}",
        "svg.fonttype": "none",
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "text.parse_math": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 10,
        "axes.titleweight": "bold",
    }
    with matplotlib.rc_context(style):
        yield Figure(figsize=(width, height), layout="constrained")


def _scoped(svg: str, prefix: str) -> str:
    """Every id (and each reference to one) prefixed: several charts share one page."""
    svg = re.sub(r'(\sid=")([^"]+)"', rf'\1{prefix}-\2"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    return re.sub(r'(href=")#([^"]+)"', rf"\1#{prefix}-\2\"", svg)


def inline(fig: Figure, title: str) -> str:
    """The figure as one line of SVG markup, with an accessible title and page-unique ids."""
    import matplotlib

    buffer = io.StringIO()
    with warnings.catch_warnings():  # a name's glyph the font lacks: the browser's font shows it
        warnings.filterwarnings("ignore", "Glyph .* missing from font", UserWarning)
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Title": title})
    svg = buffer.getvalue()
    svg = _scoped(svg[svg.index("<svg") :], matplotlib.rcParams["svg.hashsalt"])
    svg = svg.replace("<svg ", '<svg role="img" class="chart" ', 1)
    return " ".join(svg.split("\n")).replace("##[", "#&#35;[").strip()


def curves_chart(curves: dict[str, Any]) -> str:
    """ROC, precision-recall and (when present) calibration: candidate vs baseline."""
    models = [(name, curves[name]) for name in ("candidate", "baseline") if name in curves]
    calibrated = any("calibration" in c for _, c in models)
    panels = 3 if calibrated else 2
    with figure("curves", 3.3 * panels, 3.3) as fig:
        axes = fig.subplots(1, panels)
        roc, pr = axes[0], axes[1]
        roc.plot([0, 1], [0, 1], ":", color=REFERENCE, lw=1)
        for name, c in models:
            style = _model_style(name)
            roc.plot(c["roc"]["fpr"], c["roc"]["tpr"], label=name, **style)
            pr.plot(c["pr"]["recall"], c["pr"]["precision"], label=name, **style)
        _square(roc, "ROC", "false positive rate", "true positive rate")
        _square(pr, "Precision-recall", "recall", "precision")
        if calibrated:
            _calibration(axes[2], models)
        roc.legend(loc="lower right", frameon=False)
        return inline(fig, "ROC, precision-recall and calibration curves")


def _model_style(name: str) -> dict[str, Any]:
    if name == "candidate":
        return {"color": CANDIDATE, "lw": 1.8}
    return {"color": BASELINE, "lw": 1.5, "ls": "--"}


def _square(ax: Any, title: str, x: str, y: str) -> None:
    ax.set(xlim=(0, 1), ylim=(0, 1.02), title=title, xlabel=x, ylabel=y)
    ax.set_aspect("equal")
    ax.grid(alpha=0.3)


def _calibration(ax: Any, models: list[tuple[str, dict[str, Any]]]) -> None:
    ax.plot([0, 1], [0, 1], ":", color=REFERENCE, lw=1, label="perfectly calibrated")
    for name, c in models:
        cal = c.get("calibration")
        if cal:
            ax.plot(cal["mean_predicted"], cal["observed"], marker="o", ms=3.5, label=name,
                    **_model_style(name))  # fmt: skip
    _square(ax, "Calibration (10 bins)", "mean predicted score", "observed positive rate")


def distribution_chart(column: dict[str, Any], index: int) -> str | None:
    """Reference vs current shares of one column (its report.json "distribution")."""
    dist = column.get("distribution")
    if not isinstance(dist, dict) or not dist.get("reference") or not dist.get("current"):
        return None
    name = label(column.get("column", ""))
    ref, cur = np.asarray(dist["reference"], float), np.asarray(dist["current"], float)
    with figure(f"column-{index}", 6.4, 2.4) as fig:
        ax = fig.subplots()
        if dist.get("edges") is not None and len(dist["edges"]) == len(ref) + 1:
            edges = np.asarray(dist["edges"], float)
            ax.stairs(ref, edges, fill=True, color=REFERENCE, alpha=0.45, label="reference")
            ax.stairs(cur, edges, color=PAST, lw=1.6, label="current")
            ax.set_xlabel(name)
        else:
            _category_bars(ax, dist, ref, cur)
        ax.set(ylabel="share of rows", title=f"{name}: reference vs current")
        ax.legend(frameon=False)
        return inline(fig, f"distribution of {name}")


def _category_bars(ax: Any, dist: dict[str, Any], ref: np.ndarray, cur: np.ndarray) -> None:
    names = [label(c) for c in dist.get("categories", [])][: len(ref)]
    names += [""] * (len(ref) - len(names))
    x = np.arange(len(ref))
    ax.bar(x - 0.2, ref, 0.4, color=REFERENCE, label="reference")
    ax.bar(x + 0.2, cur, 0.4, color=PAST, label="current")
    ax.set_xticks(
        x, names, rotation=30 if len(ref) > 5 else 0, ha="right" if len(ref) > 5 else "center"
    )
