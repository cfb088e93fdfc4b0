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

    render: Callable[..., str]
    filename: str
    #: further files the format writes: (filename, renderer)
    more: tuple[tuple[str, Callable[[Evaluation], str]], ...] = field(default=())
    #: whether `render` takes the run's labels (the monitored thing's: --push-label)
    labelled: bool = False

    def files(self, evaluation: Evaluation, labels: dict[str, str] | None = None) -> dict[str, str]:
        """{filename: text} of every file of this format; `labels` go on every series of a
        labelled format."""
        main = self.render(evaluation, labels=labels) if self.labelled else self.render(evaluation)
        return {self.filename: main} | {name: render(evaluation) for name, render in self.more}


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
    "prometheus": Format(prometheus.render, prometheus.FILENAME, labelled=True),
}
