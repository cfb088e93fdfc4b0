"""tests/conformance.py: a missing schema skips locally but fails in CI (CI=true)."""

from __future__ import annotations

import conformance
import pytest
from conformance import conformance_file, needs


@pytest.fixture
def no_schemas(tmp_path, monkeypatch):
    monkeypatch.setattr(conformance, "CONFORMANCE", tmp_path / "absent")


def test_missing_schema_fails_in_ci(no_schemas, monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"absent.*CI=true"):
        conformance_file("github-action.schema.json")


def test_missing_schema_skips_locally_with_the_reason(no_schemas, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"github-action\.schema\.json is absent"):
        conformance_file("github-action.schema.json")


def test_the_decorator_fails_in_ci_before_the_test_body(no_schemas, monkeypatch):
    monkeypatch.setenv("CI", "true")
    ran = []
    with pytest.raises(pytest.fail.Exception):
        needs("junit-10.xsd")(lambda: ran.append(1))()
    assert ran == []


def test_a_present_schema_is_returned(tmp_path, monkeypatch):
    monkeypatch.setattr(conformance, "CONFORMANCE", tmp_path)
    monkeypatch.setenv("CI", "true")
    (tmp_path / "x.json").write_text("{}")
    assert conformance_file("x.json") == tmp_path / "x.json"
    assert needs("x.json")(lambda: "ran")() == "ran"
