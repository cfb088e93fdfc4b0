"""The one error hierarchy: every user error is a GateError and maps to exit code 2."""

from __future__ import annotations

from collections.abc import Mapping
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


class ArgumentError(UsageError):
    """A UsageError about one argument of the Python API, named as Python names it
    ('model_card must be a path, ...'); a command that took the value from a flag renames it
    ('--model-card must not be empty') with `named`; `flag_detail` says what is wrong in the
    flag's terms when the Python terms ('a path or a DataFrame') would not fit."""

    def __init__(self, argument: str, detail: str, flag_detail: str | None = None) -> None:
        super().__init__(f"{argument}{detail}")
        self.argument, self.detail, self.flag_detail = argument, detail, flag_detail

    def named(self, names: Mapping[str, str]) -> ArgumentError:
        """The same error naming the argument as `names` does (unchanged when not there)."""
        if self.argument not in names:
            return self
        return ArgumentError(names[self.argument], self.flag_detail or self.detail)


class InputError(GateError):
    """A model or data file cannot be used."""


class PolicyError(GateError):
    """A policy file is invalid; carries every problem found, each with its location."""

    def __init__(self, problems: list[tuple[Location, str]]) -> None:
        self.problems = problems
        super().__init__("\n".join(f"{loc}: {msg}" for loc, msg in problems))
