"""docs/api.md cannot rot: its ```python blocks run, in order, in one namespace, in an empty
directory (they carry their own asserts)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import ROOT

DOC = ROOT / "docs" / "api.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.M | re.S)


def test_the_doc_has_its_examples():
    blocks = python_blocks(DOC.read_text())
    assert len(blocks) >= 8
    assert any("evaluate(policy, holdout, model=model" in b for b in blocks)


def test_every_python_block_of_the_api_doc_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "api_doc"}
    for number, block in enumerate(python_blocks(DOC.read_text()), 1):
        code = compile(block, f"{DOC.name} block {number}", "exec")
        exec(code, namespace)
    assert {p.name for p in (tmp_path / "gate-report").iterdir()} == {
        "report.json",
        "evidence.json",
        "report.md",
        "report.html",
    }
