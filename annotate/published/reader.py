"""Reading what an earlier version folder holds: its manifest, schema, splits and rows.

The export reads earlier versions to keep every document in its split, to check the version
rules and to write the changelog. Only files the manifest lists are read, and never whole
tables: ids and the few columns compared, one row group at a time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from annotate.corpus.identity import text_checksum
from annotate.errors import AnnotateError, ExportError
from annotate.filesystem import read_json_object
from annotate.published.layout import CHANGELOG, MANIFEST, SCHEMA_FILE
from annotate.published.versions import Version
from annotate.scheme.arrow_schemas import METADATA_KEY, arrow_schema
from annotate.scheme.features import WRITTEN_VALUE_TYPES, ConfigFeatures, Feature, class_label_names
from annotate.scheme.schema import Schema, parse_schema


@dataclass(frozen=True)
class PublishedVersion:
    """An existing ``ROOT/vX.Y.Z`` folder."""

    version: Version
    path: Path

    @cached_property
    def manifest(self) -> dict[str, Any]:
        return read_json_object(self.path / MANIFEST, ExportError, f"the manifest of version {self.version}",
                                "run annotate validate on it, or move the folder away")

    @cached_property
    def schema(self) -> Schema:
        file = self.path / SCHEMA_FILE
        try:
            return parse_schema(yaml.safe_load(file.read_text(encoding="utf-8")), origin=str(file), strict=False)
        except (OSError, yaml.YAMLError, AnnotateError) as error:
            raise ExportError(f"{file}: cannot read the schema of version {self.version} ({error}); "
                              "run annotate validate on it") from None

    @property
    def class_labels(self) -> dict[str, tuple[str, ...]]:
        return class_label_names(self.schema)

    def data_files(self, config: str) -> dict[str, Path]:
        """Split -> Parquet file of one config, as the manifest lists them."""
        splits = self.manifest.get("configs", {}).get(config, {})
        return {split: self.path / entry["path"] for split, entry in splits.items()}

    def split_of_documents(self) -> dict[str, str]:
        """Document id -> split, from the ``documents`` config."""
        return {document_id: split for split, file in self.data_files("documents").items()
                for document_id in column_values(file, "id")}

    @property
    def label_counts(self) -> dict[str, Any]:
        return self.manifest.get("label_counts", {})

    @property
    def changelog(self) -> str:
        file = self.path / CHANGELOG
        return file.read_text(encoding="utf-8") if file.is_file() else ""


def column_values(file: Path, column: str) -> Iterator[Any]:
    """The values of one column, a row group at a time."""
    try:
        parquet = pq.ParquetFile(file)
        for batch in parquet.iter_batches(columns=[column]):
            yield from batch.column(0).to_pylist()
    except (OSError, ValueError) as error:
        raise ExportError(f"{file}: cannot read column {column!r} ({error}); run annotate validate") from None


def row_digests(files: Iterable[Path], key: str, columns: list[str]) -> dict[Any, str]:
    """``key`` -> SHA-256 of the other ``columns``, with ClassLabel ids read back as names (by
    each file's own features) and null struct fields left out, so that rows compare equal across
    versions whose label ids or attributes differ."""
    digests: dict[Any, str] = {}
    for file in files:
        try:
            parquet = pq.ParquetFile(file)
            features = file_features(parquet.schema_arrow)
            for batch in parquet.iter_batches(columns=[key, *columns]):
                for row in batch.to_pylist():
                    named = {column: named_labels(row[column], features[column]) for column in columns}
                    canonical = json.dumps(named, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
                    digests[row[key]] = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        except (OSError, ValueError, KeyError) as error:
            raise ExportError(f"{file}: cannot read columns {key}, {', '.join(columns)} ({error}); "
                              "run annotate validate on that version") from None
    return digests


def text_versions(files: Iterable[Path]) -> dict[str, tuple[str, int]]:
    """document id -> (text checksum, text version) of a version's documents files; versions
    published before documents recorded them hold text version 1 and the checksum of their text."""
    found: dict[str, tuple[str, int]] = {}
    for file in files:
        names = pq.read_schema(file).names
        recorded = "text_sha256" in names and "text_version" in names
        columns = ["id", "text_sha256", "text_version"] if recorded else ["id", "text"]
        for row in pq.read_table(file, columns=columns).to_pylist():
            found[row["id"]] = ((row["text_sha256"], row["text_version"]) if recorded
                                else (text_checksum(row["text"]), 1))
    return found


def texts_corrected(old_files: Iterable[Path], new_files: Iterable[Path]) -> list[tuple[str, int, int]]:
    """(document id, old text version, new text version) of every document whose text changed."""
    old, new = text_versions(old_files), text_versions(new_files)
    return sorted((key, old[key][1], new[key][1]) for key in set(old) & set(new) if old[key][0] != new[key][0])


def file_features(schema: pa.Schema) -> ConfigFeatures:
    """The features of a Parquet file, in ``datasets``' JSON form: as its metadata records them
    when they use the types the export writes and match the Arrow types (read without importing
    ``datasets``), otherwise as ``datasets`` reads them (older forms such as ``Sequence``, no
    metadata, or columns whose Arrow type is not the recorded feature's)."""
    recorded = (schema.metadata or {}).get(METADATA_KEY.encode())
    if recorded is not None:
        try:
            features = json.loads(recorded)["info"]["features"]
        except (ValueError, KeyError, TypeError):
            features = None
        try:
            if isinstance(features, dict) and _plain(features) and arrow_schema(features).equals(schema):
                return features
        except (ValueError, TypeError):  # a dtype Arrow does not know: datasets says what it makes of it
            pass
    from datasets import Features  # noqa: PLC0415 - a second to import: only for other forms

    return Features.from_arrow_schema(schema).to_dict()


def _plain(struct: dict[str, Any]) -> bool:
    """Whether every feature of ``struct`` is in a form the export writes: a Value of one of
    its types, a ClassLabel of distinct names, a List or a struct of these, with no other key."""
    for feature in struct.values():
        if not isinstance(feature, dict):
            return False
        kind = feature.get("_type")
        if kind is None:
            plain = bool(feature) and _plain(feature)
        elif kind == "Value":
            plain = feature.keys() == {"dtype", "_type"} and feature["dtype"] in WRITTEN_VALUE_TYPES
        elif kind == "ClassLabel":
            names = feature.get("names")
            plain = (feature.keys() == {"names", "_type"} and isinstance(names, list)
                     and all(isinstance(name, str) for name in names) and len(set(names)) == len(names))
        else:
            plain = kind == "List" and feature.keys() == {"feature", "_type"} and _plain({"item": feature["feature"]})
        if not plain:
            return False
    return True


def named_labels(value: Any, feature: Feature) -> Any:
    """``value`` with every ClassLabel id replaced by its name and null struct fields dropped;
    ``feature`` in ``datasets``' JSON form (:func:`file_features`)."""
    if value is None:
        return None
    kind = feature.get("_type")
    if kind == "ClassLabel":
        return feature["names"][value]
    if kind in ("List", "LargeList"):
        return [named_labels(item, feature["feature"]) for item in value]
    if kind is None:  # a struct
        return {name: named_labels(value[name], sub) for name, sub in feature.items()
                if value.get(name) is not None}
    return value
