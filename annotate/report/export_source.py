"""Annotation records read back from an export version folder, for the report.

The ``annotations`` config holds one row per completed annotation (one annotator on one
document) with labels stored as ClassLabel ids; the features saved in each Parquet file turn
them back into names. Titles come from the ``documents`` config. An export keeps neither
cancelled annotations nor pre-annotations, so records read here have none.
:func:`export_source` says which version and which raw export (by SHA-256) the folder holds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from annotate.conversion.records import Annotation, Claim, DocumentRecord, Span
from annotate.errors import ReportError
from annotate.filesystem import read_json_object
from annotate.published.layout import MANIFEST, SCHEMA_FILE
from annotate.published.reader import file_features, named_labels
from annotate.scheme.schema import Schema, load_schema


def read_export(folder: Path, schema: Schema) -> tuple[list[DocumentRecord], Schema]:
    """The documents of an export folder with their annotations, and the folder's own schema
    (``schema`` when the folder has no ``schema.yaml``)."""
    folder = Path(folder)
    if (folder / SCHEMA_FILE).is_file():
        schema = load_schema(folder / SCHEMA_FILE, strict=False)  # a published copy: as it was written
    annotation_files = _files(folder, "annotations")
    if not annotation_files:
        raise ReportError(f"{folder}: no annotations config (data/annotations/*.parquet); pass an export "
                              "version folder such as exports/v1.0.0, or a pulled Label Studio JSON file")
    titles = {row["id"]: row.get("title") or "" for file in _files(folder, "documents")
              for row in _rows(file, ["id", "title"])}
    by_document: dict[str, list[Annotation]] = defaultdict(list)
    for file in annotation_files:
        for row in _rows(file, None):
            by_document[row["document_id"]].append(_annotation(row))
    documents = [DocumentRecord(id=document_id, task_id=0, title=titles.get(document_id, ""), text="",
                                source="", annotations=tuple(annotations))
                 for document_id, annotations in sorted(by_document.items())]
    return documents, schema


def export_source(folder: Path) -> dict[str, Any]:
    """What a report of ``folder`` is made from: the folder, its version and the raw export it
    was built from (file name and SHA-256, from the manifest; ``raw`` is ``None`` without one)."""
    folder = Path(folder)
    manifest = _manifest(folder)
    source = manifest.get("source") if manifest else None
    raw = None
    if isinstance(source, dict) and isinstance(source.get("sha256"), str):
        raw = {"file": source.get("file"), "sha256": source["sha256"]}
    return {"kind": "export", "name": folder.name, "dataset": (manifest or {}).get("dataset"),
            "version": (manifest or {}).get("version"), "raw": raw}


def _manifest(folder: Path) -> dict[str, Any] | None:
    """The folder's manifest, ``None`` when it has none."""
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return None
    return read_json_object(manifest, ReportError, "the manifest", "run annotate validate on this folder")


def _files(folder: Path, config: str) -> list[Path]:
    """The Parquet files of one config: as the manifest lists them, else as found on disk."""
    manifest = _manifest(folder)
    if manifest is not None:
        splits = manifest.get("configs", {}).get(config, {})
        return [folder / entry["path"] for _, entry in sorted(splits.items())]
    return sorted((folder / "data" / config).glob("*.parquet"))


def _rows(file: Path, columns: list[str] | None) -> Iterator[dict[str, Any]]:
    """Rows of a Parquet file one row group at a time, ClassLabel ids read back as names."""
    try:
        parquet = pq.ParquetFile(file)
        features = file_features(parquet.schema_arrow)
        for batch in parquet.iter_batches(columns=columns):
            for row in batch.to_pylist():
                yield {name: named_labels(value, features[name]) if name in features else value
                       for name, value in row.items()}
    except (OSError, ValueError) as error:
        raise ReportError(f"{file}: cannot read the Parquet file ({error}); run annotate validate "
                              "on this folder") from None


def _annotation(row: dict[str, Any]) -> Annotation:
    entities = tuple(Span(s["id"], s["start"], s["end"], s.get("text") or "", s["label"])
                     for s in row.get("entities") or ())
    fixed = {"id", "start", "end", "text", "claimant_id", "claimant", "stance"}
    claims = tuple(Claim(c["id"], c["start"], c["end"], c.get("text") or "", c.get("claimant_id"),
                         c.get("stance"), {k: v for k, v in c.items() if k not in fixed})
                   for c in row.get("claims") or ())
    return Annotation(
        id=row["id"], annotator=row["annotator"], ground_truth=bool(row.get("ground_truth")),
        cancelled=False, created_at=row.get("created_at") or "", updated_at=row.get("updated_at") or "",
        lead_time=row.get("lead_time"), entities=entities, claims=claims,
        document_stance=row.get("stance"),
    )
