"""What a publishing step did, and what it could not do (warnings never change the decision)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from gate.ci.http import HttpError, PublishError


@dataclass
class Outcome:
    done: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def attempt(self, what: str, action: Callable[[], str], forbidden_hint: str) -> None:
        """Run `action`; record its result, or a warning naming `what` when posting fails."""
        try:
            self.done.append(f"{what}: {action()}")
        except HttpError as exc:
            reason = forbidden_hint if exc.status in (401, 403) else str(exc)
            self.warnings.append(f"could not post the {what}: {reason}")
        except PublishError as exc:
            self.warnings.append(f"could not post the {what}: {exc}")

    def write(self, what: str, action: Callable[[], None]) -> None:
        """Write a local file (job summary, step outputs); an OSError becomes a warning."""
        try:
            action()
        except OSError as exc:
            self.warnings.append(f"could not write the {what}: {exc}")
        else:
            self.done.append(f"{what} written")
