"""Where the public conformance schemas live, and what happens when they are missing.

Locally (no `CI=true`) a missing ../shared/conformance skips the tests that need it, with the
reason stated; in CI it fails them, so a broken checkout cannot pass green by skipping.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFORMANCE = Path(
    os.environ.get("MODEL_GATE_CONFORMANCE_DIR") or ROOT.parent / "shared" / "conformance"
)


def in_ci(env: Mapping[str, str] | None = None) -> bool:
    """True when CI=true (GitHub Actions and GitLab CI both set it)."""
    return (os.environ if env is None else env).get("CI", "").lower() in ("true", "1")


def conformance_file(name: str, env: Mapping[str, str] | None = None) -> Path:
    """The path of a conformance file; skips the test locally and fails it in CI if absent."""
    path = CONFORMANCE / name
    if path.is_file():
        return path
    reason = (
        f"{path} is absent (the public schemas live in ../shared/conformance, "
        "or in $MODEL_GATE_CONFORMANCE_DIR)"
    )
    if in_ci(env):
        pytest.fail(f"{reason}; CI=true, so this is a failure, not a skip", pytrace=False)
    pytest.skip(reason)
    raise AssertionError("unreachable")  # pytest.skip raises


def needs(*names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: before the test runs, each named conformance file must exist (see above)."""

    def wrap(test: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(test)
        def run(*args: Any, **kwargs: Any) -> Any:
            for name in names:
                conformance_file(name)
            return test(*args, **kwargs)

        return run

    return wrap
