"""requirements/action.lock: every runtime dependency of pyproject.toml, pinned and hashed."""

from __future__ import annotations

import re
import tomllib

from helpers import ROOT
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

LOCK = ROOT / "requirements" / "action.lock"


def locked() -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) of each entry of the lock."""
    entries = re.split(r"\n(?=\S)", LOCK.read_text())
    out = {}
    for entry in entries:
        m = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", entry)
        if m:
            hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", entry)
            out[canonicalize_name(m.group(1))] = (m.group(2), hashes)
    return out


def test_the_lock_covers_every_runtime_and_build_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wanted = [*project["project"]["dependencies"], *project["build-system"]["requires"]]
    lock = locked()
    for text in wanted:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        assert name in lock, f"{req.name} is not in {LOCK.name}"
        assert req.specifier.contains(lock[name][0]), (text, lock[name][0])


def test_every_locked_package_is_pinned_with_hashes():
    lock = locked()
    assert len(lock) >= 20
    for name, (version, hashes) in lock.items():
        assert re.fullmatch(r"[0-9][0-9A-Za-z.+!-]*", version), name
        assert hashes, f"{name} has no --hash"
