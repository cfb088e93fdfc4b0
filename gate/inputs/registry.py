"""Registry models: `models:/NAME@ALIAS`, `models:/NAME/VERSION` and `runs:/RUN_ID/PATH`.

Resolved with MLflow's own client (tracking URI from MLFLOW_TRACKING_URI, registry URI from
MLFLOW_REGISTRY_URI when set), downloaded into a private temporary directory and loaded by the
same loader as a local file or MLflow model directory, so the safe-loading rules are the same:
a flavour that needs unpickling loads only with --allow-pickle and a pin. MLflow is imported
only here, and only when such a URI is given.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import posixpath
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from gate.errors import InputError, UsageError
from gate.inputs.files import FileDigest, read_regular, read_tree, size_text

SCHEMES = ("models:/", "runs:/")
INSTALL = "pip install 'model-gate[mlflow]'"
FORMS = "models:/NAME@ALIAS, models:/NAME/VERSION or runs:/RUN_ID/PATH"
_ALIAS = re.compile(r"models:/([^/@]+)@([^/@]+)")
_VERSION = re.compile(r"models:/([^/@]+)/([0-9]+)")
_RUN = re.compile(r"runs:/([0-9A-Za-z_-]+)/(.+)")
T = TypeVar("T")


@dataclass(frozen=True)
class RegistryRef:
    """What a registry URI names: a model version (by alias or number) or a run's artifact."""

    uri: str
    name: str | None = None
    alias: str | None = None
    version: str | None = None
    run_id: str | None = None
    path: str | None = None


@dataclass(frozen=True)
class Resolved:
    """The model version (or run artifact) a URI stands for now, and where to download it."""

    ref: RegistryRef
    version: str | None
    run_id: str | None
    source: str
    download_uri: str

    def facts(self, artifact_sha256: str) -> dict[str, Any]:
        """report.json's inputs.model.registry."""
        return {
            "uri": self.ref.uri,
            "name": self.ref.name,
            "version": self.version,
            "alias": self.ref.alias,
            "run_id": self.run_id,
            "source": self.source,
            "artifact_sha256": artifact_sha256,
        }


def is_registry_uri(text: object) -> bool:
    """True for a `models:/` or `runs:/` URI (a str, not a Path: a path is a file)."""
    return isinstance(text, str) and text.startswith(SCHEMES)


def parse(uri: str, role: str = "model") -> RegistryRef:
    """The parts of `uri`; UsageError naming the forms the gate reads."""
    if m := _ALIAS.fullmatch(uri):
        return RegistryRef(uri, name=m.group(1), alias=m.group(2))
    if m := _VERSION.fullmatch(uri):
        return RegistryRef(uri, name=m.group(1), version=m.group(2))
    m = _RUN.fullmatch(uri)
    if m and ".." not in m.group(2).split("/"):
        return RegistryRef(uri, run_id=m.group(1), path=m.group(2).strip("/"))
    hint = ""
    if uri.startswith("models:/") and uri.count("/") == 2:
        hint = " (stages such as /Production and /latest are not read: name a version or alias)"
    raise UsageError(f"{role} {uri!r} is not a registry URI the gate reads: use {FORMS}{hint}")


#: MLflow retries an unreachable server 7 times with doubling waits (minutes), and waits 120 s
#: for each answer; a gate fails fast (a server that accepts but never answers: 4 attempts of
#: 10 s) unless the user sets these variables themselves
HTTP_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "3",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "10",
}


def client() -> Any:
    """MLflow's client for the configured tracking and registry URIs; exit 2 without MLflow."""
    for key, value in HTTP_DEFAULTS.items():
        os.environ.setdefault(key, value)
    try:
        from mlflow import MlflowClient
    except ImportError:
        raise UsageError(
            f"registry models (models:/, runs:/) need MLflow, which is not installed: {INSTALL}"
        ) from None
    from mlflow.tracking._tracking_service.utils import is_tracking_uri_set

    if not is_tracking_uri_set():  # MLflow would create ./mlflow.db and find nothing there
        raise UsageError(
            "registry models (models:/, runs:/) need the tracking server: set "
            "MLFLOW_TRACKING_URI (e.g. http://127.0.0.1:5000 or sqlite:///mlflow.db)"
        )
    return MlflowClient()


def mlflow_error() -> type[Exception]:
    """MLflow's exception class (MLflow imported only now)."""
    from mlflow.exceptions import MlflowException

    return MlflowException


def call(what: str, action: Callable[[], T], unknown: Callable[[], str] | None = None) -> T:
    """`action()`, an MLflow error becoming InputError naming `what` (and what exists)."""
    try:
        return action()
    except mlflow_error() as exc:
        code = getattr(exc, "error_code", "")
        if unknown is not None and code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            raise InputError(f"{what}: {unknown()}") from None
        raise InputError(f"{what}: MLflow says: {_first_line(exc)}") from None


def _first_line(exc: Exception) -> str:
    return (str(getattr(exc, "message", "")) or str(exc)).strip().splitlines()[0][:500]


def _near(word: str, known: list[str], nouns: str) -> str:
    """ "did you mean 'x'? NOUNS: a, b" (or "there are no NOUNS")."""
    if not known:
        return f"there are no {nouns}"
    close = difflib.get_close_matches(word, known, n=1)
    shown = ", ".join(known[:20]) + (", ..." if len(known) > 20 else "")
    return (f"did you mean {close[0]!r}? " if close else "") + f"{nouns}: {shown}"


def _tracking() -> str:
    import mlflow

    return mlflow.get_tracking_uri()


def _no_model(c: Any, name: str) -> str:
    try:
        names = sorted(m.name for m in c.search_registered_models(max_results=1000))
    except Exception:
        names = []
    return f"no registered model {name!r} in {_tracking()} ({_near(name, names, 'models')})"


def _versions(c: Any, name: str) -> list[str]:
    escaped = name.replace("'", "\\'")
    found = c.search_model_versions(f"name = '{escaped}'")
    return sorted((str(v.version) for v in found), key=int)


def resolve(ref: RegistryRef, role: str = "model") -> Resolved:
    """The model version or run `ref` names now; InputError naming the URI and what exists."""
    c = client()
    what = f"{role} {ref.uri}"
    if ref.run_id is not None:
        run = call(what, lambda: c.get_run(ref.run_id), lambda: f"no run {ref.run_id!r}")
        return Resolved(ref, None, run.info.run_id, ref.uri, ref.uri)
    model = call(what, lambda: c.get_registered_model(ref.name), lambda: _no_model(c, ref.name))
    if ref.alias is not None:
        aliases = dict(getattr(model, "aliases", {}) or {})
        if ref.alias not in aliases:
            near = _near(ref.alias, sorted(aliases), "aliases")
            raise InputError(f"{what}: model {ref.name!r} has no alias {ref.alias!r} ({near})")
        mv = call(what, lambda: c.get_model_version_by_alias(ref.name, ref.alias))
    else:
        mv = call(
            what,
            lambda: c.get_model_version(ref.name, ref.version),
            lambda: (
                f"model {ref.name!r} has no version {ref.version} "
                f"({_near(str(ref.version), _versions(c, ref.name), 'versions')})"
            ),
        )
    uri = call(what, lambda: c.get_model_version_download_uri(ref.name, mv.version))
    return Resolved(ref, str(mv.version), mv.run_id, mv.source, uri)


def download(resolved: Resolved, into: Path, role: str = "model") -> Path:
    """The artifacts of `resolved`, downloaded under `into` (a file or a model directory)."""
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    import mlflow.artifacts

    uri = resolved.download_uri
    where = f"{role} {resolved.ref.uri}"
    call(where, lambda: check_listing(uri, where), lambda: f"no artifact at {uri}")
    got = call(
        where,
        lambda: mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=str(into)),
        lambda: f"no artifact at {uri}",
    )
    got = Path(got)
    if got.is_dir() and (got / "MLmodel").is_file():
        # MLflow's client writes this beside a model it downloads through the registry (the
        # name and version it resolved); it is not one of the stored artifacts, so no digest
        # may depend on it (runs:/ and models:/ of one model would differ).
        (got / "registered_model_meta").unlink(missing_ok=True)
    return got


def check_listing(uri: str, what: str) -> None:
    """InputError before anything is downloaded when the artifacts at `uri`, as the store lists
    them (file_size), break the loader's limits: too many files, a file or a total too large."""
    from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository
    from mlflow.tracking.artifact_utils import _get_root_uri_and_artifact_path

    from gate.inputs import models

    root, path = _get_root_uri_and_artifact_path(uri)
    repo = get_artifact_repository(root)
    files = _listed_files(repo, path, what)
    total = 0
    for count, (name, size) in enumerate(files, start=1):
        if count > models.MAX_MODEL_FILES:
            raise InputError(f"{what} holds more than {models.MAX_MODEL_FILES} files")
        if size > models.MAX_MODEL_FILE_BYTES:
            limit = size_text(models.MAX_MODEL_FILE_BYTES)
            raise InputError(f"{what}: {name} is {size_text(size)}, over the {limit} limit")
        total += size
        if total > (most := models.MAX_MODEL_TOTAL_BYTES):
            raise InputError(f"{what} holds more than {size_text(most)} in all")


def _listed_files(repo: Any, path: str, what: str) -> Iterator[tuple[str, int]]:
    """(path, size) of every file under `path` in `repo` (or of `path` itself, a file), as
    MLflow lists them; a size the store does not give counts as 0 (the download checks it)."""
    from gate.inputs import models

    entries = repo.list_artifacts(path)
    if not entries:  # a file (or nothing): its size is in its folder's listing
        folder = posixpath.dirname(path) or None
        entries = [e for e in repo.list_artifacts(folder) if e.path == path and not e.is_dir]
    pending, folders = [entries], 0
    while pending:
        for entry in pending.pop():
            if not entry.is_dir:
                yield entry.path, int(entry.file_size or 0)
                continue
            folders += 1
            if folders > models.MAX_MODEL_FILES:
                raise InputError(f"{what} holds more than {models.MAX_MODEL_FILES} folders")
            pending.append(repo.list_artifacts(entry.path))


def artifact_sha256(path: Path, what: str) -> str:
    """The digest of a downloaded artifact: a file's sha256, or a directory's combined digest
    (as the loader computes it, see gate.inputs.models.combined_sha256)."""
    from gate.inputs.models import (
        MAX_MODEL_FILE_BYTES,
        MAX_MODEL_FILES,
        MAX_MODEL_TOTAL_BYTES,
        combined_sha256,
    )

    if path.is_dir():
        files = read_tree(path, MAX_MODEL_FILE_BYTES, MAX_MODEL_TOTAL_BYTES, MAX_MODEL_FILES, what)
    else:
        files = {path.name: read_regular(path, MAX_MODEL_FILE_BYTES, what)}
    return combined_sha256(files)


def load_registry_model(uri: str, rules: Any, role: str = "model") -> Any:
    """The model `uri` names, loaded by gate.inputs.models.load_model from a private download;
    its path is the URI and its `registry` the resolved facts."""
    from gate.inputs.models import load_model

    resolved = resolve(parse(uri, role), role)
    with tempfile.TemporaryDirectory(prefix="model-gate-registry-") as tmp:
        got = download(resolved, Path(tmp) / "artifacts", role)
        digest = artifact_sha256(got, f"{role} {uri}")
        try:
            loaded = load_model(got, rules, role)
        except InputError as exc:  # name the URI, not the private download
            raise InputError(str(exc).replace(str(got), uri)) from None
        base = got if got.is_dir() else got.parent
        files = tuple(
            FileDigest(f"{uri}/{Path(f.path).relative_to(base).as_posix()}", f.sha256)
            for f in loaded.files
        )
    return dataclasses.replace(loaded, path=uri, files=files, registry=resolved.facts(digest))
