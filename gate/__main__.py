"""Allow `python -m gate`."""

from __future__ import annotations

import sys

from gate.cli import entry

sys.exit(entry())
