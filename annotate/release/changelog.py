"""What changed from the previous version: documents, annotations, label counts, and the rows
derived from them (``ner``, ``claims``), which also change when a new toolkit version tokenizes or
splits sentences differently.

``CHANGELOG.md`` in a version folder holds a section for that version on top of the previous
version's whole changelog, so the newest folder tells the full history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from annotate.published.counts import flatten
from annotate.published.layout import CHANGELOG_HEADER as HEADER
from annotate.published.reader import PublishedVersion, row_digests, texts_corrected
from annotate.release.annotator_names import PSEUDONYMS, previous_key_id
from annotate.wording import counted

SHOWN_IDS = 20
GOLD_COLUMNS = ["entities", "claims", "stance"]
ANNOTATION_COLUMNS = ["document_id", "annotator", "ground_truth", "entities", "claims", "stance"]
DERIVED_CONFIGS = ("ner", "claims")


@dataclass(frozen=True)
class VersionDiff:
    """Differences from ``previous`` (None for the first version)."""

    previous: str | None = None
    documents_added: list[str] = field(default_factory=list)
    documents_removed: list[str] = field(default_factory=list)
    gold_changed: list[str] = field(default_factory=list)
    adjudicated_changed: list[str] = field(default_factory=list)  # of gold_changed: decided by a curator
    annotations_added: int = 0
    annotations_removed: int = 0
    annotations_changed: int = 0
    label_moves: list[tuple[str, int, int]] = field(default_factory=list)
    # config -> (rows added, removed, changed), for the configs derived from the documents
    derived: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    toolkit: tuple[str, str] | None = None  # (previous, current) toolkit versions when they differ
    snapshot_time_added: bool = False  # the previous version recorded no snapshot time, this one does
    annotators_renamed: bool = False  # another annotator key names the annotators than in the previous version
    columns_added: list[str] = field(default_factory=list)  # new columns of ``documents`` (document metadata)
    # documents whose text was corrected: (id, previous text version, text version)
    texts_corrected: list[tuple[str, int, int]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "previous": self.previous,
            "documents_added": len(self.documents_added),
            "documents_removed": len(self.documents_removed),
            "documents_gold_changed": len(self.gold_changed),
            "documents_text_corrected": len(self.texts_corrected),
            "documents_gold_changed_by_adjudication": len(self.adjudicated_changed),
            "annotations_added": self.annotations_added,
            "annotations_removed": self.annotations_removed,
            "annotations_changed": self.annotations_changed,
            "derived_rows": {config: dict(zip(("added", "removed", "changed"), counts))
                             for config, counts in self.derived.items()},
        }


def _files(config_files: Mapping[str, Mapping[str, Path]], config: str) -> list[Path]:
    return [config_files[config][split] for split in sorted(config_files.get(config, {}))]


def diff_versions(previous: PublishedVersion, current: Mapping[str, Mapping[str, Path]],
                  label_counts: Mapping[str, object], toolkit_version: str,
                  source: Mapping[str, object] | None = None) -> VersionDiff:
    """Compare ``previous`` with the files just written (config -> split -> path) and their
    ``source`` (the manifest's record of the raw export)."""
    old_gold = row_digests([p for _, p in sorted(previous.data_files("documents").items())], "id", GOLD_COLUMNS)
    new_gold = row_digests(_files(current, "documents"), "id", GOLD_COLUMNS)
    old_annotations = row_digests([p for _, p in sorted(previous.data_files("annotations").items())],
                                  "id", ANNOTATION_COLUMNS)
    new_annotations = row_digests(_files(current, "annotations"), "id", ANNOTATION_COLUMNS)
    old_counts, new_counts = flatten(dict(previous.label_counts)), flatten(dict(label_counts))
    moves = [(name, old_counts.get(name, 0), new_counts.get(name, 0))
             for name in sorted(set(old_counts) | set(new_counts))
             if old_counts.get(name, 0) != new_counts.get(name, 0)]
    gold_changed = sorted(key for key in set(old_gold) & set(new_gold) if old_gold[key] != new_gold[key])
    adjudicated = _adjudicated(_files(current, "documents"))
    return VersionDiff(
        previous=str(previous.version),
        documents_added=sorted(set(new_gold) - set(old_gold)),
        documents_removed=sorted(set(old_gold) - set(new_gold)),
        gold_changed=gold_changed,
        adjudicated_changed=[key for key in gold_changed if key in adjudicated],
        annotations_added=len(set(new_annotations) - set(old_annotations)),
        annotations_removed=len(set(old_annotations) - set(new_annotations)),
        annotations_changed=sum(1 for key in set(old_annotations) & set(new_annotations)
                                if old_annotations[key] != new_annotations[key]),
        label_moves=moves,
        derived={config: _row_changes(previous, current, config) for config in DERIVED_CONFIGS},
        toolkit=(old_toolkit, toolkit_version) if (old_toolkit := _toolkit(previous)) != toolkit_version else None,
        snapshot_time_added=_snapshot_time(previous.manifest.get("source")) is None
        and _snapshot_time(source) is not None,
        annotators_renamed=_renamed(previous, source),
        columns_added=_new_columns(previous, current, "documents"),
        texts_corrected=texts_corrected([p for _, p in sorted(previous.data_files("documents").items())],
                                        _files(current, "documents")),
    )


def _new_columns(previous: PublishedVersion, current: Mapping[str, Mapping[str, Path]], config: str) -> list[str]:
    new_files = _files(current, config)
    old_files = [path for _, path in sorted(previous.data_files(config).items())]
    if not new_files or not old_files:
        return []
    old = set(pq.read_schema(old_files[0]).names)
    return [name for name in pq.read_schema(new_files[0]).names if name not in old]


def _renamed(previous: PublishedVersion, source: Mapping[str, object] | None) -> bool:
    """Whether pseudonyms now come from another key than the previous version's pseudonyms did."""
    record = source.get("annotators") if isinstance(source, Mapping) else None
    if not isinstance(record, Mapping) or record.get("names") != PSEUDONYMS:
        return False
    before = previous_key_id(previous)
    return before is not None and before != record.get("key_id")


def _snapshot_time(source: object) -> object:
    snapshot = source.get("snapshot") if isinstance(source, Mapping) else None
    return snapshot.get("created_at") if isinstance(snapshot, Mapping) else None


def _adjudicated(files: list[Path]) -> set[str]:
    """Ids of the documents whose gold a curator decided (``policy`` is ``adjudicated``)."""
    found: set[str] = set()
    for path in files:
        table = pq.read_table(path, columns=["id", "policy"])
        found.update(i for i, p in zip(table.column("id").to_pylist(), table.column("policy").to_pylist())
                     if p == "adjudicated")
    return found


def _row_changes(previous: PublishedVersion, current: Mapping[str, Mapping[str, Path]],
                 config: str) -> tuple[int, int, int]:
    """Rows of ``config`` added, removed and changed (by row id, every other column compared)."""
    new_files = _files(current, config)
    old_files = [path for _, path in sorted(previous.data_files(config).items())]
    if not new_files or not old_files:
        return 0, 0, 0
    columns = [name for name in pq.read_schema(new_files[0]).names
               if name != "id" and name in pq.read_schema(old_files[0]).names]
    old, new = row_digests(old_files, "id", columns), row_digests(new_files, "id", columns)
    changed = sum(1 for key in set(old) & set(new) if old[key] != new[key])
    return len(set(new) - set(old)), len(set(old) - set(new)), changed


def _toolkit(previous: PublishedVersion) -> str:
    toolkit = previous.manifest.get("toolkit")
    return str(toolkit.get("version", "")) if isinstance(toolkit, dict) else ""


def _ids(ids: list[str]) -> str:
    if not ids:
        return ""
    shown = ", ".join(f"`{document_id}`" for document_id in ids[:SHOWN_IDS])
    more = f" and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else ""
    return f" ({shown}{more})"


def summary_lines(version: str, diff: VersionDiff, reasons: list[str], counts: Mapping[str, int]) -> list[str]:
    """The Markdown lines of one version's section (used by the card too)."""
    if diff.previous is None:
        return [f"First version: {counted(counts['documents'], 'document')}, "
                f"{counted(counts['annotations'], 'annotation')} by {counted(counts['annotators'], 'annotator')}."]
    lines = [
        f"Compared with {diff.previous} ({'; '.join(reasons)}).",
        "",
        f"- Documents added: {len(diff.documents_added)}{_ids(diff.documents_added)}",
        f"- Documents removed: {len(diff.documents_removed)}{_ids(diff.documents_removed)}",
        f"- Documents whose gold annotation changed: {len(diff.gold_changed)}{_ids(diff.gold_changed)}",
        *([f"- Documents whose text was corrected: {len(diff.texts_corrected)} ("
           + ", ".join(f"`{key}` text version {old} -> {new}" for key, old, new in diff.texts_corrected[:SHOWN_IDS])
           + (f" and {len(diff.texts_corrected) - SHOWN_IDS} more" if len(diff.texts_corrected) > SHOWN_IDS else "")
           + ")"] if diff.texts_corrected else []),
        f"- Of them, changed by adjudication (a curator's decision): {len(diff.adjudicated_changed)}"
        f"{_ids(diff.adjudicated_changed)}",
        f"- Annotations added / removed / changed: {diff.annotations_added} / {diff.annotations_removed}"
        f" / {diff.annotations_changed}",
    ]
    if diff.label_moves:
        lines += ["", "Label counts that moved:", "", f"| count | {diff.previous} | {version} | change |",
                  "|---|---:|---:|---:|"]
        lines += [f"| {name} | {old} | {new} | {new - old:+d} |" for name, old, new in diff.label_moves]
    else:
        lines += ["- Label counts: unchanged"]
    moved = {config: counts for config, counts in diff.derived.items() if any(counts)}
    if moved:
        lines += ["- Derived rows added / removed / changed: "
                  + "; ".join(f"{config} {a} / {r} / {c}" for config, (a, r, c) in moved.items())]
    if diff.snapshot_time_added:
        lines += [f"- Provenance: the manifest records when the Label Studio export snapshot was made "
                  f"({diff.previous} recorded no time)"]
    if diff.columns_added:
        lines += ["- Columns added to `documents`: " + ", ".join(f"`{name}`" for name in diff.columns_added)
                  + " (document metadata the schema declares; null where an article has none)"]
    if diff.annotators_renamed:
        lines += [f"- Annotators: new pseudonyms (another annotator key than {diff.previous}'s); the same people "
                  f"have other names than in {diff.previous}"]
    if diff.toolkit is not None:
        old, new = diff.toolkit
        lines += [(f"- Built with annotate {new} ({diff.previous} was built with annotate "
                   f"{old or 'an unknown version'}); a toolkit version may tokenize or split sentences "
                   "differently, which changes derived rows without any change in the annotations")]
    return lines


def changelog_markdown(version: str, diff: VersionDiff, reasons: list[str], counts: Mapping[str, int],
                       previous_text: str = "") -> str:
    """The new ``CHANGELOG.md``: this version's section, then the previous changelog's sections."""
    section = [f"## {version}", "", *summary_lines(version, diff, reasons, counts), ""]
    older = previous_text[len(HEADER):].lstrip("\n") if previous_text.startswith(HEADER) else previous_text
    return "\n".join([HEADER, *section]) + ("\n" + older if older else "")
