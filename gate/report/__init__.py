"""Output formats, one module each behind one interface: `render(evaluation) -> str`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from gate.report import (
    audit,
    codequality,
    evidence,
    github,
    html_report,
    json_report,
    junit,
    markdown,
    prometheus,
    text,
)
from gate.results import Evaluation


@dataclass(frozen=True)
class Format:
    """An output format: its renderer and the file it is written to."""

    render: Callable[[Evaluation], str]
    filename: str
    #: further files the format writes: (filename, renderer)
    more: tuple[tuple[str, Callable[[Evaluation], str]], ...] = field(default=())

    def files(self, evaluation: Evaluation) -> dict[str, str]:
        """{filename: text} of every file of this format."""
        return {self.filename: self.render(evaluation)} | {
            name: render(evaluation) for name, render in self.more
        }


FORMATS: dict[str, Format] = {
    "json": Format(json_report.render, "report.json"),
    "evidence": Format(evidence.render, "evidence.json"),
    "markdown": Format(markdown.render, "report.md"),
    "text": Format(text.render, "report.txt"),
    "html": Format(html_report.render, "report.html"),
    "junit": Format(junit.render, "junit.xml"),
    "codequality": Format(codequality.render, "codequality.json"),
    "github": Format(github.render, "annotations.txt"),
    "audit": Format(audit.render, "audit.md", (("audit.csv", audit.render_csv),)),
    "prometheus": Format(prometheus.render, prometheus.FILENAME),
}
