"""The Python API's argument checks: what each of evaluate()'s arguments accepts, and the
ArgumentError naming the first that is not of its kind (the command line renames it to the flag:
gate/cli_flags.py)."""

from __future__ import annotations

import datetime as dt
import os
import reprlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from gate.errors import ArgumentError

Names = str | Sequence[str] | None


def path_like(value: Any) -> bool:
    """A non-empty str or os.PathLike."""
    return isinstance(value, str | os.PathLike) and str(value) != ""


def _table_or_path(value: Any) -> bool:
    from gate.inputs.frames import is_in_memory

    return path_like(value) or is_in_memory(value)


def _column(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_scalar(value: Any) -> bool:
    """Text, a number or a boolean (a numpy scalar too), not a list or an array."""
    if isinstance(value, str | int | float):
        return True
    return type(value).__module__ == "numpy" and getattr(value, "shape", None) == ()


def _names(value: Any) -> bool:  # the items are checked by names(), with their own message
    return isinstance(value, str) or (
        isinstance(value, Iterable) and not isinstance(value, Mapping)
    )


def _type_names(value: Any) -> bool:
    return (
        isinstance(value, Iterable)
        and not isinstance(value, str | Mapping)
        and all(isinstance(v, str) and v for v in value)
    )


def _optional(accepts: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: value is None or accepts(value)


_BOOL = (lambda value: isinstance(value, bool), "True or False")


def _not_empty(value: Any) -> bool:
    """Anything but an empty path (Path('') would be the current directory)."""
    return not (isinstance(value, str) and value == "")


#: evaluate()'s arguments that raise ArgumentError: what each accepts, and how it is described.
#: `policy`, `data`, `model` and `baseline` are checked here for an empty path only, the rest by
#: their loaders (PolicyError, InputError: "a path or a dict", "has no predict()", ...).
ARGUMENTS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "policy": (_not_empty, "a policy file's path or a dict"),
    "data": (_not_empty, "a data file's path, a pandas DataFrame or a pyarrow Table"),
    "model": (_not_empty, "a model's path or a fitted estimator"),
    "baseline": (_not_empty, "a model's path or a fitted estimator"),
    "reference": (_optional(_table_or_path), "a path, a pandas DataFrame or a pyarrow Table"),
    "model_card": (_optional(path_like), "a path"),
    "base_policy": (_optional(path_like), "a path"),
    **dict.fromkeys(
        ("label", "score", "prediction", "weight"),
        (_optional(_column), "a column name (non-empty text)"),
    ),
    "threshold": (_optional(_number), "a number"),
    "positive_label": (_optional(_is_scalar), "one label value: text, a number or a boolean"),
    "sensitive": (_optional(_names), "a list of column names or one comma-separated string"),
    "features": (_optional(_names), "a list of column names or one comma-separated string"),
    **dict.fromkeys(("seed", "resamples", "batch_rows"), (_whole, "a whole number")),
    "engine": (lambda value: isinstance(value, str), "an engine's name (text)"),
    "scheduler": (_optional(_column), "a scheduler address (text)"),
    "today": (_optional(lambda value: isinstance(value, str | dt.date)), "a date or YYYY-MM-DD"),
    **dict.fromkeys(("fail_on_warn", "no_waivers", "progress", "allow_pickle"), _BOOL),
    "model_sha256": (_optional(_column), "a sha256 (hex text)"),
    "baseline_sha256": (_optional(_column), "a sha256 (hex text)"),
    "trust_types": (_type_names, "a list of type names (text)"),
}


def check_arguments(arguments: Mapping[str, Any]) -> None:
    """UsageError naming the first argument in ARGUMENTS that is not of the kind it accepts."""
    for key, (accepts, kind) in ARGUMENTS.items():
        value = arguments[key]
        if not accepts(value):
            shown = reprlib.repr(value)
            raise ArgumentError(
                key,
                f" must be {kind}, not {type(value).__name__} {shown}",
                " must not be empty" if _empty(value) else None,  # all a flag can give wrong
            )


def _empty(value: Any) -> bool:
    """'' or a list or tuple holding '' (what an empty flag gives)."""
    items = value if isinstance(value, list | tuple) else [value]
    return any(isinstance(v, str) and v == "" for v in items)


def names(value: Names, key: str) -> tuple[str, ...] | None:
    """Column names from a list or a comma-separated string (None: the policy's own)."""
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    if not all(isinstance(n, str) for n in items):
        raise ArgumentError(key, f": column names must be text, not {items!r}")
    columns = tuple(dict.fromkeys(n.strip() for n in items))
    if not columns or "" in columns:
        raise ArgumentError(key, f": give one or more column names, not {value!r}")
    return columns
