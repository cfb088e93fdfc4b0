"""Output formats, one module each behind one interface: `render(evaluation) -> str`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gate.report import (
    codequality,
    evidence,
    github,
    html_report,
    json_report,
    junit,
    markdown,
    text,
)
from gate.results import Evaluation


@dataclass(frozen=True)
class Format:
    """An output format: its renderer and the file it is written to."""

    render: Callable[[Evaluation], str]
    filename: str


FORMATS: dict[str, Format] = {
    "json": Format(json_report.render, "report.json"),
    "evidence": Format(evidence.render, "evidence.json"),
    "markdown": Format(markdown.render, "report.md"),
    "text": Format(text.render, "report.txt"),
    "html": Format(html_report.render, "report.html"),
    "junit": Format(junit.render, "junit.xml"),
    "codequality": Format(codequality.render, "codequality.json"),
    "github": Format(github.render, "annotations.txt"),
}
