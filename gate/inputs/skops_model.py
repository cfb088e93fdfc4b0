"""skops files: loaded trusting exactly the types skops itself trusts by default (and those the
user names), after the archive's declared size is bounded (a zip bomb is refused before anything
is decompressed)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from gate.errors import InputError
from gate.inputs.files import GiB, MiB

# A skops file is a zip archive: refuse one that declares more than this in all, or that
# expands beyond SKOPS_RATIO_FLOOR at more than MAX_SKOPS_RATIO times its own size. skops
# stores arrays uncompressed by default (ratio about 1); deflated real models stay far below.
MAX_SKOPS_EXPANDED_BYTES = 4 * GiB
MAX_SKOPS_RATIO = 200
SKOPS_RATIO_FLOOR = 64 * MiB
GENERIC_REASON = "not in skops' default trusted set: loading it could run arbitrary code"


def load_skops(raw: bytes, what: str, trusted_types: tuple[str, ...]) -> Any:
    """The object a skops file holds, loaded trusting only skops' default types and those the
    user named (--trust-type); InputError for an unreadable or oversized archive."""
    import skops.io as sio

    _require_bounded_archive(raw, what)
    try:
        untrusted = sio.get_untrusted_types(data=raw)
    except Exception as exc:
        raise InputError(f"{what} is not a readable skops file: {exc}") from None
    refused = [t for t in untrusted if t not in trusted_types]
    if refused:
        raise InputError(_untrusted_message(what, refused))
    try:
        return sio.loads(raw, trusted=list(untrusted))
    except Exception as exc:
        raise InputError(f"{what} could not be loaded by skops: {exc}") from None


def _untrusted_message(what: str, refused: list[str]) -> str:
    lines = [f"{what} contains types that skops does not trust by default:"]
    lines += [f"  - {name}: {_reason(name)}" for name in refused]
    lines.append(
        "Review each one; pass --trust-type NAME only for those you trust to load and run "
        "(only if you made the file or fully trust its source)."
    )
    return "\n".join(lines)


def _reason(name: str) -> str:
    """skops' own explanation of why a type is not trusted, else the generic one."""
    try:
        from skops.io.exceptions import UNTRUSTED_TYPE_REASONS
    except ImportError:  # skops before 0.16 explains nothing
        return GENERIC_REASON
    reason = UNTRUSTED_TYPE_REASONS.get(name)
    if reason is None:
        return GENERIC_REASON
    # skops ends with how to trust it through its Python API; the gate's way is --trust-type.
    return reason.split(" If you created the file yourself")[0]


def _require_bounded_archive(raw: bytes, what: str) -> None:
    """Refuse a zip bomb from its central directory, before anything is decompressed."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise InputError(f"{what} is not a readable skops file: {exc}") from None
    if expanded > MAX_SKOPS_EXPANDED_BYTES:
        raise InputError(
            f"{what} expands to {expanded} bytes, over the {MAX_SKOPS_EXPANDED_BYTES} limit"
        )
    if expanded > SKOPS_RATIO_FLOOR and expanded > MAX_SKOPS_RATIO * len(raw):
        raise InputError(
            f"{what} expands {expanded // max(len(raw), 1)}-fold, over the "
            f"{MAX_SKOPS_RATIO}-fold limit for a skops archive (a zip bomb?)"
        )
