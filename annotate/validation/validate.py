"""``validate(path)``: check a published version folder, or every version under an exports root.

This is the check a dataset repository's CI runs on every change. For each version folder:

- files (:mod:`annotate.validation.manifest_checks`): the manifest lists every file with its size and
  SHA-256 and nothing else is there; its version, schema fingerprint, row and label counts
  match the folder's content;
- card (:mod:`annotate.validation.card_checks`): valid Hub YAML whose ``configs`` name existing files
  (the same ones the manifest names) and whose ``dataset_info`` has the schema's features;
- loading (:mod:`annotate.validation.loading`): every config loads with plain ``datasets`` and has
  the features that the recorded ``schema.yaml`` generates;
- rows (:mod:`annotate.validation.row_checks`): spans, labels, claimants, stances, ``ner`` tags,
  unique ids, and agreement between the configs.

Under an exports root, also between each version and the one before it: the manifest names it
as the previous version and the changelog continues its history; the step between the version
numbers is as big as the changes require (:mod:`annotate.published.versions`: a label removed or renamed
means major, documents added or removed minor); no document changed split. Every version is
checked against its own manifest, so a change to an earlier version is caught too.

Dot-prefixed entries (an export's work folder, ``.DS_Store``) are not part of any version: they
are reported as warnings, which do not fail validation. So are root entries that are not version
folders; a folder named like a version but not ``vMAJOR.MINOR.PATCH`` is an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from annotate.errors import AnnotateError
from annotate.published.counts import flatten
from annotate.published.layout import CARD as README
from annotate.published.layout import CHANGELOG, CHANGELOG_HEADER, MANIFEST, SCHEMA_FILE
from annotate.published.reader import PublishedVersion, texts_corrected
from annotate.published.versions import BUMPS, Version, changes_between, published, step
from annotate.scheme.features import PROVENANCE_COLUMNS, TEXT_VERSION_COLUMNS, class_label_names, config_features
from annotate.scheme.schema import Schema, parse_schema
from annotate.validation.card_checks import check_card
from annotate.validation.findings import Failure, Findings, ValidationReport
from annotate.validation.loading import check_loading
from annotate.validation.manifest_checks import ManifestFacts, check_manifest, line_of
from annotate.validation.row_checks import DataSummary, RowChecker

__all__ = ["Failure", "ValidationReport", "validate"]


@dataclass
class _Checked:
    """One version folder after its own checks."""

    version: Version | None
    path: Path
    manifest: ManifestFacts
    schema: Schema | None
    summary: DataSummary = field(default_factory=DataSummary)


def validate(path: Path | str) -> ValidationReport:
    """Check ``path``, a version folder (``exports/v1.0.0``) or an exports root (``exports``).

    Never raises for a broken export: every problem is a :class:`Failure` in the report (see
    :meth:`ValidationReport.raise_for_errors`)."""
    path = Path(path)
    report = ValidationReport(path)
    findings = Findings()
    if not path.is_dir():
        problem = "not a folder" if path.exists() else "no such folder"
        findings.error(path, f"{problem}; give a version folder (exports/v1.0.0) or the exports root (exports)")
    elif (path / MANIFEST).is_file() or _folder_version(path.name) is not None:
        version = _folder_version(path.name)
        if version is None:
            findings.warning(path, "the folder name is not vMAJOR.MINOR.PATCH; the version is read from its manifest")
        checked = _check_version(path, version, findings)
        if checked.version is not None:
            report.versions.append(str(checked.version))
    else:
        versions = _check_root(path, findings)
        report.versions += [str(checked.version) for checked in versions]
    report.failures = findings.failures
    return report


def _folder_version(name: str) -> Version | None:
    if not name.startswith("v"):
        return None
    try:
        return Version.parse(name)
    except AnnotateError:
        return None


# -- one version -----------------------------------------------------------------------------------


def _check_version(folder: Path, version: Version | None, findings: Findings) -> _Checked:
    manifest = check_manifest(folder, version, findings)
    schema = _read_schema(folder, manifest, findings)
    text_versions = _records_text_versions(folder)
    provenance = _has_provenance(folder)
    features = (config_features(schema, text_versions=text_versions, provenance=provenance)
                if schema is not None else None)
    declared = check_card(folder, features, findings)
    data_files = {config: dict(splits) for config, splits in manifest.data_files.items()}
    if manifest.readable:
        _compare_declarations(folder, manifest, declared.configs if declared.readable else None, findings)
    else:
        data_files = {config: {split: paths[0] for split, paths in splits.items() if len(paths) == 1}
                      for config, splits in declared.configs.items()}
    configs = list(declared.configs) if declared.readable else list(data_files)
    check_loading(folder, configs, features, findings)
    checked = _Checked(version or _manifest_version(manifest), folder, manifest, schema)
    if schema is not None:
        paths = {config: {split: folder / path for split, path in splits.items() if (folder / path).is_file()}
                 for config, splits in data_files.items()}
        checked.summary = RowChecker(schema, findings, text_versions=text_versions, provenance=provenance).check(paths)
        if manifest.readable:
            _compare_counts(folder, manifest, checked.summary, findings)
    _check_changelog_top(folder, checked.version, findings)
    return checked


def _records_text_versions(folder: Path) -> bool:
    """Whether the version's documents record their text's checksum and version (every version
    exported since they do; earlier ones stay valid without them)."""
    for file in sorted((folder / "data" / "documents").glob("*.parquet")):
        try:
            return set(TEXT_VERSION_COLUMNS) <= set(pq.read_schema(file).names)
        except (OSError, ValueError, pa.ArrowException):
            continue
    return True


def _has_provenance(folder: Path) -> bool:
    """Whether the version's ``documents`` files have the provenance columns (versions built
    before adjudication existed do not, and are checked as they were built)."""
    for path in sorted((folder / "data" / "documents").glob("*.parquet")):
        try:
            return PROVENANCE_COLUMNS[0] in pq.read_schema(path).names
        except (OSError, ValueError, pa.ArrowException):
            return True
    return True


def _manifest_version(manifest: ManifestFacts) -> Version | None:
    try:
        return Version.parse(manifest.data.get("version"))
    except AnnotateError:
        return None


def _read_schema(folder: Path, manifest: ManifestFacts, findings: Findings) -> Schema | None:
    file = folder / SCHEMA_FILE
    if not file.is_file():
        findings.error(file, "missing: the schema travels with the data; without it nothing else can be checked")
        return None
    try:
        schema = parse_schema(yaml.safe_load(file.read_text(encoding="utf-8")), origin=str(file), strict=False)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, AnnotateError) as error:
        findings.error(file, f"not a valid schema ({' '.join(str(error).split())}); rows cannot be checked")
        return None
    recorded = manifest.data.get("schema", {}) if manifest.readable else {}
    fingerprint = recorded.get("fingerprint") if isinstance(recorded, dict) else None
    if manifest.readable and fingerprint != schema.fingerprint:
        text = (folder / MANIFEST).read_text(encoding="utf-8", errors="replace")
        findings.error(folder / MANIFEST, f"schema fingerprint {str(fingerprint)[:12]}... is not that of "
                                          f"{SCHEMA_FILE} ({schema.fingerprint[:12]}...): the schema changed after "
                                          "the export", field="schema.fingerprint", line=line_of(text, '"fingerprint"'))
    return schema


def _compare_declarations(folder: Path, manifest: ManifestFacts, card: dict[str, dict[str, list[str]]] | None,
                          findings: Findings) -> None:
    """The card's ``configs`` must name exactly the data files the manifest declares."""
    if card is None:
        return
    for config in sorted(set(card) | set(manifest.data_files)):
        in_card = {split: sorted(paths) for split, paths in card.get(config, {}).items()}
        in_manifest = {split: [path] for split, path in manifest.data_files.get(config, {}).items()}
        if in_card != in_manifest:
            shown = ", ".join(f"{split}: {', '.join(paths)}" for split, paths in sorted(in_manifest.items())) or "none"
            findings.error(folder / README, f"the card's data files for this config differ from the manifest's "
                                            f"({shown}); load_dataset would read other files than were published",
                           config=config, field=f"configs.{config}.data_files")


def _compare_counts(folder: Path, manifest: ManifestFacts, summary: DataSummary, findings: Findings) -> None:
    file = folder / MANIFEST
    counts = manifest.data.get("counts") if isinstance(manifest.data.get("counts"), dict) else {}
    for name, config in (("documents", "documents"), ("annotations", "annotations")):
        if config in summary.checked and name in counts and counts[name] != summary.rows.get(config, 0):
            findings.error(file, f"says {counts[name]} but the {config} config has {summary.rows.get(config, 0)} "
                                 "rows", field=f"counts.{name}")
    recorded = manifest.data.get("label_counts")
    if summary.label_counts is None or not isinstance(recorded, dict):
        return
    try:
        expected, found = flatten(summary.label_counts), flatten(recorded)
    except (TypeError, ValueError):
        findings.error(file, "label_counts must hold numbers", field="label_counts")
        return
    for name in sorted(set(expected) | set(found)):
        if expected.get(name) != found.get(name):
            findings.error(file, f"says {found.get(name)} but the documents config has {expected.get(name)}",
                           field=f"label_counts.{name}")


def _check_changelog_top(folder: Path, version: Version | None, findings: Findings) -> None:
    file = folder / CHANGELOG
    if version is None or not file.is_file():
        return
    text = file.read_text(encoding="utf-8", errors="replace")
    first = next((line for line in text.splitlines() if line.startswith("## ")), None)
    if first != f"## {version}":
        findings.error(file, f"its newest section is {first!r}, not '## {version}'", line=line_of(text, first or "#"))


# -- an exports root -------------------------------------------------------------------------------


def _check_root(root: Path, findings: Findings) -> list[_Checked]:
    found = published(root)
    folders = {path.name for _, path in found}
    for entry in sorted(root.iterdir()):
        if entry.name in folders:
            continue
        if entry.name.startswith("."):
            findings.warning(entry, "hidden or temporary entry (an interrupted export leaves .export-*); "
                                    "it is not a version and is not checked")
        elif entry.is_dir() and entry.name[:2].lower() in {f"v{digit}" for digit in "0123456789"}:
            findings.error(entry, "looks like a version folder but is not named vMAJOR.MINOR.PATCH (such as v1.0.0)")
        else:
            findings.warning(entry, "not a version folder (vMAJOR.MINOR.PATCH); not checked")
    if not found:
        findings.error(root, "holds no version folder (vMAJOR.MINOR.PATCH); export one with annotate export")
        return []
    checked = [_check_version(path, version, findings) for version, path in found]
    first = checked[0]
    recorded = first.manifest.data.get("previous_version")
    if first.manifest.readable and recorded is not None:
        findings.error(first.path / MANIFEST, f"says it follows version {recorded}, which is not in {root}: "
                                              "a published version must not be removed",
                       field="previous_version")
    for previous, current in zip(checked, checked[1:]):
        _check_step(previous, current, findings)
    return checked


def _check_step(previous: _Checked, current: _Checked, findings: Findings) -> None:
    manifest = current.path / MANIFEST
    if current.manifest.readable and current.manifest.data.get("previous_version") != str(previous.version):
        findings.error(manifest, f"says it follows version {current.manifest.data.get('previous_version')}, but "
                                 f"the version before it is {previous.version}: versions must be exported in order, "
                                 "each from the root holding all earlier ones", field="previous_version")
    if previous.schema is None or current.schema is None or previous.version is None or current.version is None:
        return
    before, after = PublishedVersion(previous.version, previous.path), PublishedVersion(current.version, current.path)
    try:
        old_splits, new_splits = before.split_of_documents(), after.split_of_documents()
        changes = changes_between(class_label_names(previous.schema), class_label_names(current.schema),
                                  previous.schema.fingerprint, current.schema.fingerprint,
                                  set(old_splits), set(new_splits))
        old_changelog, new_changelog = before.changelog, after.changelog
    except AnnotateError:
        return  # an unreadable file: already reported by the version's own checks
    taken, required = step(previous.version, current.version), changes.required
    if taken is not None and BUMPS.index(taken) < BUMPS.index(required):
        findings.error(manifest, f"version {current.version} is a {taken} step from {previous.version}, but "
                                 f"{'; '.join(changes.reasons)}: this needs a {required} step "
                                 f"({previous.version.bumped(required)} or higher)", field="version")
    _check_splits(old_splits, new_splits, current.summary, previous.version, findings)
    _check_text_versions(before, after, current.summary, findings)
    _check_history(current.path / CHANGELOG, old_changelog, new_changelog, previous.version, findings)


def _check_text_versions(before: PublishedVersion, after: PublishedVersion, summary: DataSummary,
                         findings: Findings) -> None:
    """A document whose text changed has a higher text version than before."""
    try:
        corrected = texts_corrected([p for _, p in sorted(before.data_files("documents").items())],
                                    [p for _, p in sorted(after.data_files("documents").items())])
    except (AnnotateError, OSError, ValueError, pa.ArrowException):
        return  # an unreadable file: already reported by the version's own checks
    for document_id, old, new in corrected:
        if new <= old:
            file, row = summary.places.get(document_id, (None, None))
            findings.error(file or "documents", f"document {document_id}'s text differs from version {before.version}'s "
                                                f"but its text version is {new}, not above {old}: a corrected text "
                                                "gets the next version (push --update-texts)",
                           config="documents", row=row, field="text_version")


def _check_splits(old: dict[str, str], new: dict[str, str], summary: DataSummary, previous: Version,
                  findings: Findings) -> None:
    for document_id, split in sorted(new.items()):
        before = old.get(document_id)
        if before is not None and before != split:
            file, row = summary.places.get(document_id, (None, None))
            findings.error(file or "documents", f"document {document_id} is in split {split} but was in {before} "
                                                f"in version {previous}: a document never changes split",
                           config="documents", row=row, field="id")


def _check_history(file: Path, old: str, new: str, previous: Version, findings: Findings) -> None:
    """The changelog holds a new section on top of the previous version's whole changelog."""
    history = old[len(CHANGELOG_HEADER):].lstrip("\n") if old.startswith(CHANGELOG_HEADER) else old
    if history and not new.endswith(history):
        findings.error(file, f"does not continue the history in version {previous}'s {CHANGELOG}: its older "
                             "sections must be that file's sections, unchanged")
