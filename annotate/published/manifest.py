"""``manifest.json``: every file of a version with its SHA-256 and size, and where the data came from.

The manifest is written last, lists every other file of the version folder (sorted), and is
itself deterministic: sorted keys, no wall-clock time (the source snapshot's own time is data).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from annotate.errors import ExportError
from annotate.filesystem import read_json_object
from annotate.published.layout import MANIFEST

SIDECAR_SUFFIX = ".meta.json"
# The manifest's snapshot fields and the sidecar key ``annotate pull`` writes each one under.
SIDECAR_KEYS = {"project_id": "project_id", "project_title": "project_title", "url": "url",
                "export_id": "export_id", "created_at": "snapshot_created_at"}
FORMAT = 1


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _public_url(url: Any) -> Any:
    """A URL without user name or password in it."""
    if not isinstance(url, str):
        return url
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def source_of(input_path: Path) -> dict[str, Any]:
    """The raw export's name, SHA-256 and size, and the snapshot that ``annotate pull`` recorded
    beside it (``<input>.meta.json``; ``None`` for a file downloaded from the web page)."""
    sidecar = input_path.with_name(input_path.name + SIDECAR_SUFFIX)
    snapshot = None
    digest = sha256_file(input_path)
    if sidecar.is_file():
        recorded = read_json_object(sidecar, ExportError, "the snapshot record", "pull again or remove the file")
        if recorded.get("sha256") not in (None, digest):
            raise ExportError(f"{sidecar} does not describe {input_path.name} (the SHA-256 it records is not the "
                              "file's: a pull was interrupted between the two, or the file was changed); pull "
                              "again")
        snapshot = {field: recorded.get(key) for field, key in SIDECAR_KEYS.items()}
        snapshot["url"] = _public_url(snapshot["url"])
    return {
        "file": input_path.name,
        "sha256": digest,
        "size": input_path.stat().st_size,
        "snapshot": snapshot,
    }


def file_entries(folder: Path) -> dict[str, dict[str, Any]]:
    """Relative POSIX path -> ``{"sha256", "size"}`` for every file under ``folder`` but the manifest."""
    entries = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        if relative != MANIFEST:
            entries[relative] = {"sha256": sha256_file(path), "size": path.stat().st_size}
    return entries


def dumps(data: dict[str, Any]) -> str:
    """The one JSON style of the export: sorted keys, two-space indent, UTF-8, final newline."""
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
