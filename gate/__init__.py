"""model-gate: a policy-as-code deployment gate for machine-learning models.

`from gate import evaluate` is the Python API (gate.api); it is imported on first use, so
`model-gate --version` and `--help` load no heavy library.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["Result", "__version__", "evaluate"]
_LAZY = {"evaluate", "Result"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from gate import api

        return getattr(api, name)
    raise AttributeError(f"module 'gate' has no attribute {name!r}")
