"""Per-value hashes for row hashing: every value hashed by what it is as data, not by the type
a batch happened to give it (see row_hashes.py): numbers by value (1, 1.0, True and "1" alike;
-0.0 as 0.0; integers beyond 2**53 exactly), texts that read as numbers or ISO dates as those,
instants by their nanoseconds, missing values (null, NaN) alike."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from gate.engine.sample import mix

INTEGER_TAG = np.uint64(0x3C6EF372FE94F82B)  # integers beyond 2**53
TIME_TAG = np.uint64(0xA54FF53A5F1D36F1)  # instants (ns since the epoch) and durations (ns)
EXACT_FLOAT = 2.0**53
TRUE_WORDS = {"true", "True", "TRUE"}  # pyarrow's CSV booleans (numbers 1 / 0 read as numbers)
FALSE_WORDS = {"false", "False", "FALSE"}
MISSING = np.uint64(0x6A09E667F3BCC908)  # the hash of a missing value


def value_hashes(values: pa.Array | pa.ChunkedArray, name: str = "") -> np.ndarray:
    """A uint64 per value, equal for values equal as data (see the module's docstring)."""
    if isinstance(values, pa.ChunkedArray):
        parts = [value_hashes(chunk, name) for chunk in values.chunks]
        return np.concatenate(parts) if parts else np.zeros(0, np.uint64)
    t = values.type
    if pa.types.is_dictionary(t):
        return _by_dictionary(values.dictionary, values.indices, name)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or _is_view(t):
        encoded = pc.dictionary_encode(values)
        return _by_dictionary(encoded.dictionary, encoded.indices, name)
    if pa.types.is_null(t):
        return np.full(len(values), MISSING, np.uint64)
    if pa.types.is_boolean(t):
        return _numbers(values.cast(pa.int8()))
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return _numbers(values)
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        return _instants(values.cast(pa.timestamp("ns", getattr(t, "tz", None))))
    if pa.types.is_duration(t):
        return _instants(values.cast(pa.duration("ns")))
    try:
        text = values.cast(pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        raise ValueError(f"column {name!r} has a type that cannot be hashed: {t}") from None
    return value_hashes(text, name)


def _is_view(t: pa.DataType) -> bool:
    return bool(getattr(pa.types, "is_string_view", lambda _: False)(t))


def _numbers(values: pa.Array) -> np.ndarray:
    """Numbers by value: float64 bits (-0.0 as 0.0), integral values past 2**53 as integers."""
    t = values.type
    if pa.types.is_integer(t) and t.bit_width == 64:
        ints = values.cast(pa.int64(), safe=False).fill_null(0).to_numpy(zero_copy_only=False)
        floats = values.cast(pa.float64(), safe=False).to_numpy(zero_copy_only=False)
        return _from_floats(floats, ints if not pa.types.is_unsigned_integer(t) else None)
    floats = values.cast(pa.float64(), safe=False).to_numpy(zero_copy_only=False)
    return _from_floats(floats, None)


def _from_floats(floats: np.ndarray, ints: np.ndarray | None) -> np.ndarray:
    """`ints`: the exact integers the floats came from, when they did."""
    floats = np.asarray(floats, dtype=np.float64) + 0.0  # -0.0 + 0.0 is 0.0
    out = mix(floats.view(np.uint64))
    size = np.abs(floats)
    large = (size > EXACT_FLOAT) & (size < 2.0**63) & (floats == np.floor(floats))
    if large.any():
        exact = ints[large] if ints is not None else floats[large].astype(np.int64)
        out[large] = mix(exact.astype(np.int64).view(np.uint64) ^ INTEGER_TAG)
    out[np.isnan(floats)] = MISSING
    return out


def _instants(values: pa.Array) -> np.ndarray:
    ns = values.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
    out = mix(ns.astype(np.int64).view(np.uint64) ^ TIME_TAG)
    out[values.is_null().to_numpy(zero_copy_only=False)] = MISSING
    return out


def _by_dictionary(dictionary: pa.Array, indices: pa.Array, name: str) -> np.ndarray:
    """Hash each distinct value once, then look the rows up."""
    if not (pa.types.is_string(dictionary.type) or pa.types.is_large_string(dictionary.type)):
        uniques = value_hashes(dictionary, name)
    else:
        uniques = _texts(dictionary)
    index = indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.intp)
    out = uniques[index] if len(uniques) else np.full(len(index), MISSING, np.uint64)
    out[indices.is_null().to_numpy(zero_copy_only=False)] = MISSING
    return out


def _texts(texts: pa.Array) -> np.ndarray:
    """Texts as the numbers, booleans or instants they read as; the rest by SipHash."""
    out = np.full(len(texts), MISSING, np.uint64)
    words = texts.to_numpy(zero_copy_only=False)
    present = ~pd.isna(words)
    numeric = _as_numbers(texts)
    truth = np.array([w in TRUE_WORDS for w in words]) if len(words) else np.zeros(0, bool)
    false = np.array([w in FALSE_WORDS for w in words]) if len(words) else np.zeros(0, bool)
    numeric = np.where(truth, 1.0, np.where(false, 0.0, numeric))
    is_number = present & ~np.isnan(numeric)
    out[is_number] = _from_floats(numeric[is_number], _as_ints(texts, is_number))
    rest = present & ~is_number
    if rest.any():
        out[rest] = _instants_or_text(texts.filter(pa.array(rest)), words[rest])
    return out


def _as_numbers(texts: pa.Array) -> np.ndarray:
    try:
        return texts.cast(pa.float64()).fill_null(np.nan).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        series = pd.Series(texts.to_numpy(zero_copy_only=False), dtype=object)
        return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)


def _as_ints(texts: pa.Array, is_number: np.ndarray) -> np.ndarray | None:
    """Exact integers of number texts past 2**53, when all of them read as int64."""
    try:
        return texts.filter(pa.array(is_number)).cast(pa.int64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _instants_or_text(texts: pa.Array, words: np.ndarray) -> np.ndarray:
    try:
        return _instants(texts.cast(pa.timestamp("ns")))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pd.util.hash_array(words.astype(object), categorize=False).astype(np.uint64)


def as_arrow(series: pd.Series) -> pa.Array:
    """A pandas column as Arrow; objects of mixed types as their texts."""
    try:
        return pa.array(series, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        texts = [None if pd.isna(v) else str(v) for v in series]
        return pa.array(texts, pa.string())


# --- pair arrays -----------------------------------------------------------------------------
