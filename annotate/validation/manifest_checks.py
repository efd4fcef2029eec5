"""Checks of a version folder against its ``manifest.json``.

The manifest must list every file of the folder but itself, with the right size and SHA-256,
and nothing else may be there. Dot-prefixed entries (an export's work folder, ``.DS_Store``)
are not part of a version: they are reported as warnings and not read. The manifest's version
must be the folder's, and each data file it declares must hold the rows it says.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pyarrow.parquet as pq

from annotate.published.manifest import FORMAT, MANIFEST, sha256_file
from annotate.published.splits import SPLITS
from annotate.published.versions import Version
from annotate.scheme.features import CONFIGS
from annotate.validation.findings import Findings

RESTORE = "restore the published files from version control, or export a new version"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class ManifestFacts:
    """What the manifest declares, once read (``data`` is empty when it cannot be read)."""

    data: dict[str, Any] = field(default_factory=dict)
    data_files: dict[str, dict[str, str]] = field(default_factory=dict)  # config -> split -> relative path
    rows: dict[str, dict[str, int]] = field(default_factory=dict)  # config -> split -> rows declared

    @property
    def readable(self) -> bool:
        return bool(self.data)


def line_of(text: str, needle: str) -> int | None:
    """The 1-based line of the first occurrence of ``needle`` in ``text``."""
    index = text.find(needle)
    return None if index < 0 else text.count("\n", 0, index) + 1


def folder_files(folder: Path, findings: Findings, listed: Collection[str] = ()) -> set[str]:
    """Relative POSIX paths of every file under ``folder``. Dot-prefixed entries that the manifest
    does not list are warned about and skipped, with everything inside them."""
    found: set[str] = set()
    for current, directories, files in os.walk(folder):
        base = Path(current)
        kept = []
        for name in sorted(directories):
            relative = (base / name).relative_to(folder).as_posix()
            if name.startswith(".") and not any(path.startswith(relative + "/") for path in listed):
                findings.warning(base / name, "hidden or temporary folder inside a version (left by an "
                                              "interrupted export?); it is not part of the version: delete it")
            else:
                kept.append(name)
        directories[:] = kept
        for name in sorted(files):
            relative = (base / name).relative_to(folder).as_posix()
            if name.startswith(".") and relative not in listed:
                findings.warning(base / name, "hidden file inside a version; it is not part of the version: delete it")
            else:
                found.add(relative)
    return found


def parquet_rows(path: Path) -> int | None:
    """Rows of a Parquet file from its footer; None when it is not readable Parquet."""
    try:
        return pq.ParquetFile(path).metadata.num_rows
    except (OSError, ValueError):
        return None


def check_manifest(folder: Path, version: Version | None, findings: Findings) -> ManifestFacts:
    """Check ``folder/manifest.json`` against the files; return what it declares."""
    file = folder / MANIFEST
    data = _read(file, findings)
    listed = data.get("files") if isinstance(data.get("files"), dict) else {}
    present = folder_files(folder, findings, listed)
    if not data:
        return ManifestFacts()
    text = file.read_text(encoding="utf-8", errors="replace")
    recorded_format = data.get("format")
    if not isinstance(recorded_format, int) or not 1 <= recorded_format <= FORMAT:
        findings.error(file, f"format {recorded_format!r} is not one this annotate reads (1 to {FORMAT}); "
                             "use the annotate version that wrote it (see toolkit.version)",
                       field="format", line=line_of(text, '"format"'))
    recorded = data.get("version")
    if version is not None and recorded != str(version):
        findings.error(file, f"says version {recorded!r} but the folder is {version.folder}; a version folder "
                             f"must not be renamed: {RESTORE}", field="version", line=line_of(text, '"version"'))
    _check_files(folder, file, text, data.get("files"), present - {MANIFEST}, findings)
    facts = ManifestFacts(data=data)
    _read_configs(folder, file, text, data.get("configs"), facts, findings)
    quarantine = data.get("quarantine")
    if quarantine is not None and quarantine not in present:
        findings.error(file, f"names the quarantine report {quarantine!r}, which is not in the folder; {RESTORE}",
                       field="quarantine", line=line_of(text, '"quarantine"'))
    return facts


def _read(file: Path, findings: Findings) -> dict[str, Any]:
    """The manifest as a dict; empty (after reporting why) when it is missing or unreadable."""
    if not file.is_file():
        findings.error(file, f"missing: every version needs its manifest; {RESTORE}")
        return {}
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        findings.error(file, f"cannot be read ({error}); {RESTORE}")
        return {}
    except ValueError as error:
        findings.error(file, f"not valid JSON ({getattr(error, 'msg', error)}); {RESTORE}",
                       line=getattr(error, "lineno", None))
        return {}
    if not isinstance(data, dict) or not data:
        findings.error(file, f"must be a JSON object with the version's files; {RESTORE}")
        return {}
    return data


def _check_files(folder: Path, file: Path, text: str, listed: Any, present: set[str], findings: Findings) -> None:
    if not isinstance(listed, dict):
        findings.error(file, "has no files mapping (path -> sha256, size); it cannot vouch for any file; "
                             f"{RESTORE}", field="files")
        listed = {}
    for path, entry in sorted(listed.items()):
        where = f'files["{path}"]'
        line = line_of(text, json.dumps(path, ensure_ascii=False) + ":")
        pure = PurePosixPath(path)
        if pure.is_absolute() or ".." in pure.parts or "\\" in path or path == MANIFEST:
            findings.error(file, f"{path!r} is not a plain path inside the version folder", field=where, line=line)
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("size"), int) \
                or not isinstance(entry.get("sha256"), str) or not _SHA256.match(entry["sha256"]):
            findings.error(file, "each entry needs size (bytes) and sha256 (64 hex digits)", field=where, line=line)
            continue
        actual = folder / path
        if path not in present:
            findings.error(actual, f"listed in {MANIFEST} but missing; {RESTORE}")
            continue
        size = actual.stat().st_size
        if size != entry["size"]:
            findings.error(actual, f"is {size} bytes but {MANIFEST} says {entry['size']}: the file changed "
                                   f"after the export; {RESTORE}")
        elif sha256_file(actual) != entry["sha256"]:
            findings.error(actual, f"SHA-256 differs from {MANIFEST} ({entry['sha256'][:12]}...): the file changed "
                                   f"after the export; {RESTORE}")
    for path in sorted(present - set(listed)):
        findings.error(folder / path, f"not listed in {MANIFEST}: a published version holds only the files its "
                                      "manifest lists; remove it, or export a new version")


def _read_configs(folder: Path, file: Path, text: str, configs: Any, facts: ManifestFacts,
                  findings: Findings) -> None:
    if not isinstance(configs, dict) or not configs.get("documents"):
        findings.error(file, "configs must map each config to its splits, and documents must have rows",
                       field="configs", line=line_of(text, '"configs"'))
        if not isinstance(configs, dict):
            return
    listed = facts.data.get("files") if isinstance(facts.data.get("files"), dict) else {}
    for config, splits in configs.items():
        line = line_of(text, f'"{config}":')
        if config not in CONFIGS:
            findings.error(file, f"unknown config {config!r}; the export writes {', '.join(CONFIGS)}",
                           field=f"configs.{config}", line=line)
            continue
        if not isinstance(splits, dict):
            findings.error(file, "must map each split to {path, rows}", field=f"configs.{config}", line=line)
            continue
        for split, entry in splits.items():
            where = f"configs.{config}.{split}"
            if split not in SPLITS or not isinstance(entry, dict) or not isinstance(entry.get("path"), str) \
                    or not isinstance(entry.get("rows"), int):
                findings.error(file, f"must be one of the splits {', '.join(SPLITS)} with a path and a row count",
                               field=where, line=line)
                continue
            path = entry["path"]
            if path not in listed:
                findings.error(file, f"data file {path!r} is not among the listed files", field=where, line=line)
                continue
            facts.data_files.setdefault(config, {})[split] = path
            facts.rows.setdefault(config, {})[split] = entry["rows"]
            rows = parquet_rows(folder / path) if (folder / path).is_file() else None
            if (folder / path).is_file() and rows is None:
                findings.error(folder / path, "is not a readable Parquet file", config=config)
            elif rows is not None and rows != entry["rows"]:
                findings.error(folder / path, f"holds {rows} rows but {MANIFEST} says {entry['rows']}; {RESTORE}",
                               config=config)
