"""The one error hierarchy: every user error is a GateError and maps to exit code 2."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """Where in a file something stands (1-based line and column)."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class GateError(Exception):
    """A user error: bad usage, input or policy. Never an approval; exit code 2."""

    exit_code = 2


class UsageError(GateError):
    """The command line does not make sense."""


class InputError(GateError):
    """A model or data file cannot be used."""


class PolicyError(GateError):
    """A policy file is invalid; carries every problem found, each with its location."""

    def __init__(self, problems: list[tuple[Location, str]]) -> None:
        self.problems = problems
        super().__init__("\n".join(f"{loc}: {msg}" for loc, msg in problems))
