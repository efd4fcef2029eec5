"""``export()``: a raw Label Studio export becomes an immutable, versioned dataset folder.

The data flows one way, a task at a time, so memory stays flat however large the export:

    raw JSON --iter_tasks--> task --convert_task--> DocumentRecord (+ problems)
        --gold.merge--> GoldDocument --TableBuilder--> Arrow tables, a batch of documents at a time
        --DatasetWriter--> Parquet per config/split

Predictions are not read: the dataset publishes annotations only. Tables are built and written
by a :class:`annotate.release.row_writer.RowWriter`, in this one process.

Validation's row and cross-config checks (:class:`annotate.validation.row_checks.RowChecker`)
read every batch of rows as it is written, and each written file's features: a version that
``annotate validate`` would refuse is never published (with ``quarantine``, the documents
concerned are left out in a second pass and listed).

Everything is written into a dot-prefixed work folder inside the output root and renamed to
``vX.Y.Z`` only when complete: a crash or a kill leaves no version folder, and the next run
removes work folders whose process is gone. The version is chosen (or checked) after the data
pass, because the rules depend on which documents were added (:mod:`annotate.published.versions`).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

import pyarrow

from annotate import __version__
from annotate.conversion.convert import AnnotatorNames, Problem, convert_task, iter_tasks
from annotate.conversion.problems import NO_VALUE_TEXT, WHITESPACE_SPAN
from annotate.conversion.records import DocumentRecord
from annotate.conversion.text_check import NO_TEXT_CHECKSUM, TEXT_CHECKSUM, corpus_differs_message
from annotate.errors import AnnotationError, ExportError, ValidationFailed
from annotate.filesystem import remove_leftovers
from annotate.published.counts import ExportCounts, LabelCounter
from annotate.published.layout import CARD, CHANGELOG, MANIFEST, SCHEMA_FILE
from annotate.published.manifest import FORMAT, dumps, file_entries, sha256_file, source_of
from annotate.published.reader import PublishedVersion
from annotate.published.splits import SplitAssigner, check_ratios
from annotate.published.versions import Changes, Version, changes_between, choose, published
from annotate.release.annotator_names import annotator_names, keep_new_key, names_record, unrecorded_warning
from annotate.release.card import CardFacts, agreement_section, dataset_card
from annotate.release.changelog import (
    VersionDiff,
    changelog_markdown,
    diff_versions,
    summary_lines,
)
from annotate.release.disputes import record_points
from annotate.release.gold_merge import merge
from annotate.release.parquet import WrittenFile
from annotate.release.row_writer import Files, RowWriter, fewer_collections
from annotate.scheme.arrow_schemas import config_arrow_schemas
from annotate.scheme.features import DEFAULT_CONFIG, class_label_names, feature_dicts
from annotate.scheme.guidelines import guidelines_markdown
from annotate.scheme.schema import Schema
from annotate.validation.findings import ERROR, Findings
from annotate.validation.row_checks import RowChecker
from annotate.wording import counted

WORK_PREFIX = ".export-"
GUIDELINES = "GUIDELINES.md"
QUARANTINE = "quarantine.jsonl"
SPLIT_METHOD = ("first 8 bytes of SHA-256 of the document id, as a number in [0, 1), against the "
                "cumulative ratios in the order train, validation, test; documents published in an "
                "earlier version keep their split")


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export` wrote."""

    version: str
    path: Path
    rows: dict[str, dict[str, int]]  # config -> split -> rows (splits with rows only)
    counts: dict[str, int]
    previous: str | None = None
    reasons: list[str] = field(default_factory=list)
    quarantined: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # one line each, for the command line to print
    annotator_key: Path | None = None  # the key file behind the pseudonyms
    annotator_key_created: bool = False  # a new key: new names, which the command line says
    unchanged: bool = False  # nothing new since ``version`` (the latest, at ``path``): nothing written


@dataclass(frozen=True)
class _Request:
    """The checked arguments of one :func:`export` call."""

    source_file: Path
    root: Path
    given: Version | None
    bump: str | None
    quarantine: bool
    include_emails: bool
    ratios: dict[str, float]
    agreement: dict[str, Any] | None
    annotator_key: Path | None = None
    new_annotator_key: bool = False
    corpus: Mapping[str, str] | None = None  # document id -> text, to check tasks without a checksum


@dataclass(frozen=True)
class _History:
    """What the versions already under the root say."""

    latest: PublishedVersion | None = None
    latest_ids: frozenset[str] = frozenset()
    splits: dict[str, str] = field(default_factory=dict)  # every published document's split


@dataclass
class _Pass:
    """The state of one streaming pass over the raw export."""

    counts: ExportCounts
    labels: LabelCounter
    problems: list[Problem] = field(default_factory=list)
    document_ids: set[str] = field(default_factory=set)
    tasks_of: dict[str, int] = field(default_factory=dict)  # document id -> first task id
    source: dict[str, Any] = field(default_factory=dict)  # the raw export's name, checksum, snapshot
    warnings: list[str] = field(default_factory=list)  # one line each: kept, but said
    unchecked: list[str] = field(default_factory=list)  # tasks whose text could not be checked
    findings: Findings = field(default_factory=Findings)  # validation's row checks, batch by batch
    failing: dict[str, str] = field(default_factory=dict)  # document id -> its first failed check


def export(input_path: Path | str, *, schema: Schema, out_root: Path | str = "exports",
           version: str | None = None, bump: str | None = None, quarantine: bool = False,
           include_emails: bool = False, split_ratios: Mapping[str, float] | None = None,
           agreement: dict[str, Any] | None = None, annotator_key: Path | str | None = None,
           new_annotator_key: bool = False, corpus: Mapping[str, str] | None = None) -> ExportResult:
    """Write ``out_root/vX.Y.Z`` from the raw export at ``input_path``.

    Give ``version`` ("1.2.0") or ``bump`` ("major", "minor", "patch" or "auto"). Any problem
    in the annotations raises :class:`AnnotationError` listing every one (nothing is written),
    unless ``quarantine`` is set: then the annotations concerned (the whole document for a
    problem outside any annotation) are left out and listed in ``quarantine.jsonl``.
    Raises :class:`ExportError` when the version rules or the file system forbid the export.
    Annotators are named through ``annotator_key`` (default: ``annotators.json`` beside the raw
    export, created when missing); a key other than the one that named the latest version is
    refused unless ``new_annotator_key`` (:mod:`annotate.release.annotator_names`).
    A task whose text is not the one push sent (``data.text_sha256``) is a problem; a task pushed
    without that checksum is checked against ``corpus`` (document id -> text) when given, and
    otherwise counted and named in a warning (:mod:`annotate.conversion.text_check`).
    """
    source_file = Path(input_path)
    if source_file.is_dir():
        raise ExportError(f"{source_file}: a folder, not a file; give the raw export that annotate pull wrote "
                          "(a .json file)")
    if not source_file.is_file():
        raise ExportError(f"{source_file}: no such file; give the raw export that annotate pull wrote")
    given = Version.parse(version) if version is not None else None
    choose(None, None, version=given, bump=bump)  # exactly one of them, and a known bump
    request = _Request(source_file, Path(out_root), given, bump, quarantine, include_emails,
                       check_ratios(split_ratios), agreement,
                       Path(annotator_key) if annotator_key is not None else None, new_annotator_key, corpus)
    history = _read_history(request, schema)
    names = annotator_names(source_file, key_path=request.annotator_key, new_key=new_annotator_key,
                            include_emails=include_emails, latest=history.latest)
    work = _work_folder(request.root)
    try:
        state, files = _build(request, schema, history, work, names)
        failing = _check_rows(request, state, work, can_leave_out=request.quarantine)
        if failing:  # quarantine: the same pass again without the documents that fail
            shutil.rmtree(work, ignore_errors=True)
            work = _work_folder(request.root)
            state, files = _build(request, schema, history, work, names, failing)
            _check_rows(request, state, work, can_leave_out=False)
        result = _publish(request, schema, history, state, files, work)
        keep_new_key(names)
        return replace(result, warnings=result.warnings + unrecorded_warning(names),
                       annotator_key=names.key.path, annotator_key_created=names.key.created)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _read_history(request: _Request, schema: Schema) -> _History:
    """The published versions, and the checks a given version must pass before any work."""
    versions = [PublishedVersion(v, path) for v, path in published(request.root)]
    if request.given is not None:
        _refuse_existing(request.root, request.given)
    if not versions:
        return _History()
    latest = versions[-1]
    if request.given is not None:
        breaks = changes_between(latest.class_labels, class_label_names(schema), "", "", set(), set())
        choose(latest.version, breaks, version=request.given, bump=None)  # higher, and major for a break
    splits: dict[str, str] = {}
    for earlier in versions[:-1]:  # oldest first: later assignments win
        splits.update(earlier.split_of_documents())
    latest_splits = latest.split_of_documents()
    splits.update(latest_splits)
    return _History(latest, frozenset(latest_splits), splits)


def _build(request: _Request, schema: Schema, history: _History, work: Path,
           names: AnnotatorNames, left_out: Mapping[str, str] | None = None) -> tuple[_Pass, Files]:
    """Stream the raw export into Parquet files under ``work``, without the documents of
    ``left_out`` (id -> why); raise if it holds problems (without quarantine) or no document
    to publish."""
    state = _Pass(ExportCounts(), LabelCounter(schema))
    checker = RowChecker(schema, state.findings)
    sink = RowWriter(work, schema, config_arrow_schemas(schema), checker)
    try:
        with fewer_collections():
            _stream(request, schema, state, sink, SplitAssigner(request.ratios, history.splits), names,
                    left_out or {})
        state.source = source_of(request.source_file)
        state.warnings += _unchecked_warning(state.unchecked)
        state.source["annotators"] = names_record(names)
        files = sink.close()
        state.failing = checker.failing
    except BaseException:
        sink.abandon()
        raise
    if state.problems and not request.quarantine:
        raise AnnotationError(
            f"{request.source_file}: {len(state.problems)} problem(s) in the annotations; nothing was written. "
            "Fix them in Label Studio and pull again, or export with --quarantine to leave them out",
            problems=[str(problem) for problem in state.problems])
    if state.counts.documents == 0:
        raise ExportError(f"{request.source_file}: no document has a completed annotation; nothing to publish")
    return state, files


def _publish(request: _Request, schema: Schema, history: _History, state: _Pass, files: Files,
             work: Path) -> ExportResult:
    """Choose the version, write the card, schema, changelog and manifest, rename into place."""
    latest = history.latest
    counts = state.counts.as_dict()
    if latest is not None and _nothing_new(request, schema, latest, state.source, counts, files, work):
        shutil.rmtree(work, ignore_errors=True)
        return ExportResult(version=str(latest.version), path=latest.path, counts=counts, unchanged=True,
                            rows={config: {split: f.rows for split, f in splits.items()}
                                  for config, splits in files.items()})
    paths = {config: {split: work / f.path for split, f in splits.items()} for config, splits in files.items()}
    label_counts = state.labels.as_dict()
    diff = diff_versions(latest, paths, label_counts, __version__, state.source) if latest is not None else VersionDiff()
    changes = None
    if latest is not None:
        changes = replace(changes_between(latest.class_labels, class_label_names(schema),
                                          latest.manifest.get("schema", {}).get("fingerprint", ""),
                                          schema.fingerprint, history.latest_ids, state.document_ids),
                          gold_adjudicated=len(diff.adjudicated_changed))
    chosen = choose(latest.version if latest else None, changes, version=request.given, bump=request.bump)
    _refuse_existing(request.root, chosen)
    reasons = changes.reasons if changes is not None else []
    _write_texts(work, schema, chosen, state, diff, reasons, counts, latest, request.quarantine)
    facts = CardFacts(
        schema=schema, version=str(chosen), features=feature_dicts(schema), files=files,
        file_sizes={f.path: (work / f.path).stat().st_size for s in files.values() for f in s.values()},
        counts=counts, label_counts=label_counts, ratios=request.ratios, source=state.source,
        toolkit_version=__version__, changes=summary_lines(str(chosen), diff, reasons, counts),
        root_name=request.root.resolve().name, annotator_emails=request.include_emails,
        guidelines_file=GUIDELINES, quarantine_file=QUARANTINE if request.quarantine else None,
        agreement=request.agreement, decisions=dict(state.counts.decisions),
        points_resolved=state.counts.points_resolved,
    )
    _write_text(work / CARD, dataset_card(facts))
    _write_text(work / MANIFEST, dumps(_manifest(facts, files, latest, changes, diff, work)))
    final = request.root / chosen.folder
    try:
        os.rename(work, final)
    except OSError as error:
        raise ExportError(f"{final}: cannot move the finished version into place ({error.strerror or error}); "
                          "another export may have written it; nothing was changed") from None
    return ExportResult(
        version=str(chosen), path=final,
        rows={config: {split: f.rows for split, f in splits.items()} for config, splits in files.items()},
        counts=counts, previous=str(latest.version) if latest else None, reasons=reasons,
        quarantined=list(state.problems), warnings=list(state.warnings),
    )


def _stream(request: _Request, schema: Schema, state: _Pass, sink: RowWriter, assign: SplitAssigner,
            names: AnnotatorNames, left_out: Mapping[str, str]) -> None:
    """The one pass over the raw export. Once a problem is found without quarantine, only
    problems are collected (nothing more is built)."""
    quarantine = request.quarantine
    counts = state.counts
    for task in iter_tasks(request.source_file):
        counts.tasks += 1
        record, found = convert_task(task, schema, names=names, predictions=False)
        if record is not None and record.id in left_out:
            if record.id not in state.tasks_of:  # once per document, however many tasks hold it
                state.tasks_of[record.id] = record.task_id
                state.problems.append(Problem(record.id, record.task_id, None, None,
                                              f"left out: the version would not pass validation: "
                                              f"{left_out[record.id]}"))
                counts.problems += 1
                counts.quarantined_documents += 1
            continue
        if record is not None and record.warnings:
            found += _count_warnings(record, state, request.corpus)
        if record is not None:
            first = state.tasks_of.setdefault(record.id, record.task_id)
            if first != record.task_id:
                found.append(Problem(record.id, record.task_id, None, None,
                                     f"the same document is also task {first}; delete the duplicate task "
                                     "in Label Studio and pull again"))
        if found:
            state.problems.extend(found)
            counts.problems += len(found)
            if not quarantine:
                continue
            record = _without_problems(record, found, counts)
        if record is None or (state.problems and not quarantine):
            continue
        counts.cancelled += sum(1 for a in record.annotations if a.cancelled)
        gold = merge(record, schema)
        if gold is None:
            counts.without_annotation += 1
            continue
        counts.documents += 1
        counts.annotations += len(record.usable_annotations)
        counts.annotators.update(a.annotator for a in record.usable_annotations)
        counts.decisions[gold.policy] += 1
        if gold.policy == "adjudicated":
            counts.points_resolved += len(record_points(record))
        state.labels.add(gold)
        state.document_ids.add(record.id)
        sink.add(assign(record.id), record, gold)


def _count_warnings(record: DocumentRecord, state: _Pass, corpus: Mapping[str, str] | None) -> list[Problem]:
    """Count and keep ``record``'s warnings; a task without a text checksum is checked against
    ``corpus`` (document id -> text) when given: a different text is a problem (returned)."""
    problems = []
    for warning in record.warnings:
        if warning.kind == NO_TEXT_CHECKSUM:
            known = corpus.get(record.id) if corpus is not None else None
            if known is None:
                state.counts.tasks_without_text_checksum += 1
                state.unchecked.append(f"{record.id} (task {record.task_id})")
            elif known != record.text:
                problems.append(Problem(record.id, record.task_id, None, None, corpus_differs_message()))
            continue
        state.warnings.append(f"warning: {warning}")
        state.counts.regions_without_text += warning.kind == NO_VALUE_TEXT
        state.counts.whitespace_spans += warning.kind == WHITESPACE_SPAN
    return problems


def _unchecked_warning(unchecked: list[str]) -> list[str]:
    """One line for every task whose text could not be checked (no checksum, no corpus)."""
    if not unchecked:
        return []
    shown = ", ".join(unchecked[:5]) + (f" and {len(unchecked) - 5} more" if len(unchecked) > 5 else "")
    return [f"warning: {len(unchecked)} task(s) carry no {TEXT_CHECKSUM} (pushed before annotate recorded one), so "
            f"their text could not be checked against what push sent: {shown}; pass --corpus DIR (the corpus "
            "that was pushed) to check them"]


def _nothing_new(request: _Request, schema: Schema, latest: PublishedVersion, source: dict[str, Any],
                 counts: dict[str, int], files: Files, work: Path) -> bool:
    """Whether the version would repeat ``latest``: the same data files byte for byte (so a new
    toolkit that derives other rows is a change), the same schema, and the same facts in the
    card (counts, source and snapshot, split ratios, quarantine, agreement figures)."""
    manifest = latest.manifest
    recorded = manifest.get("files") if isinstance(manifest.get("files"), dict) else {}
    data = {f.path for splits in files.values() for f in splits.values()}
    if {path for path in recorded if path.startswith("data/")} != data:
        return False
    if any(not isinstance(recorded[path], dict) or recorded[path].get("sha256") != sha256_file(work / path)
           for path in sorted(data)):
        return False
    card = latest.path / CARD
    return (manifest.get("schema", {}).get("fingerprint") == schema.fingerprint
            and manifest.get("counts") == counts
            and manifest.get("source") == source
            and manifest.get("splits", {}).get("ratios") == request.ratios
            and (manifest.get("quarantine") is not None) == request.quarantine
            and card.is_file()
            and "\n".join(agreement_section(request.agreement)) in card.read_text(encoding="utf-8"))


def _check_rows(request: _Request, state: _Pass, work: Path, *, can_leave_out: bool) -> dict[str, str]:
    """What validation's row and cross-config checks found in the rows written to ``work``
    (batch by batch, as they were written): nothing when they pass; with ``can_leave_out``, the
    documents that fail (id -> first error); otherwise :class:`ValidationFailed` with
    validation's lines (paths inside the version)."""
    errors = [failure for failure in state.findings.failures if failure.severity == ERROR]
    if not errors:
        return {}
    if can_leave_out and state.failing:
        return state.failing
    inside = str(work) + os.sep
    raise ValidationFailed(
        f"{request.source_file}: the version would not pass annotate validate ({counted(len(errors), 'error')}); "
        "nothing was written. Fix the documents named in Label Studio and pull again"
        + ("" if request.quarantine else ", or export with --quarantine to leave them out"),
        problems=[str(replace(failure, file=failure.file.removeprefix(inside))) for failure in errors])


def _without_problems(record: DocumentRecord | None, found: list[Problem],
                      counts: ExportCounts) -> DocumentRecord | None:
    """``record`` without the annotations that have a problem; None when the problem is the
    document's own, or when no completed annotation is left."""
    bad = {problem.annotation_id for problem in found}
    counts.quarantined_annotations += len(bad - {None})
    if record is None or None in bad:
        counts.quarantined_documents += 1
        return None
    kept = tuple(a for a in record.annotations if a.id not in bad)
    if record.usable_annotations and not any(not a.cancelled for a in kept):
        counts.quarantined_documents += 1
        return None
    return replace(record, annotations=kept)


def _refuse_existing(root: Path, version: Version) -> None:
    if (root / version.folder).exists():
        raise ExportError(f"{root / version.folder} exists already and a published version never changes; "
                          "give a higher --version or use --bump")


def _work_folder(root: Path) -> Path:
    """A fresh dot-prefixed folder in ``root`` (same file system as the final folder), after
    removing the work folders of export processes that no longer run."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        remove_leftovers(root, WORK_PREFIX, separator="-")
        return Path(tempfile.mkdtemp(prefix=f"{WORK_PREFIX}{os.getpid()}-", dir=root))
    except OSError as error:
        raise ExportError(f"{root}: cannot write the export here ({error.strerror or error}); "
                          "check the folder and its permissions, or give another --out") from None


def _write_text(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as file:
        file.write(text)


def _write_texts(work: Path, schema: Schema, version: Version, state: _Pass, diff: VersionDiff,
                 reasons: list[str], counts: dict[str, int], latest: PublishedVersion | None,
                 quarantine: bool) -> None:
    _write_text(work / SCHEMA_FILE, schema.to_yaml())
    _write_text(work / GUIDELINES, guidelines_markdown(schema))
    _write_text(work / CHANGELOG, changelog_markdown(str(version), diff, reasons, counts,
                                                      latest.changelog if latest else ""))
    if quarantine:
        lines = [json.dumps({"document_id": p.document_id, "task_id": p.task_id, "annotation_id": p.annotation_id,
                             "region_id": p.region_id, "message": p.message}, sort_keys=True, ensure_ascii=False)
                 for p in state.problems]
        _write_text(work / QUARANTINE, "".join(line + "\n" for line in lines))


def _manifest(facts: CardFacts, files: dict[str, dict[str, WrittenFile]], latest: PublishedVersion | None,
              changes: Changes | None, diff: VersionDiff, work: Path) -> dict[str, Any]:
    schema = facts.schema
    return {
        "format": FORMAT,
        "dataset": schema.name,
        "version": facts.version,
        "previous_version": str(latest.version) if latest else None,
        "default_config": DEFAULT_CONFIG,
        "toolkit": {"name": "annotate", "version": __version__, "datasets": installed_version("datasets"),
                    "pyarrow": pyarrow.__version__},
        "schema": {"name": schema.name, "version": schema.version, "fingerprint": schema.fingerprint,
                   "file": SCHEMA_FILE},
        "source": facts.source,
        "splits": {"ratios": facts.ratios, "method": SPLIT_METHOD},
        "configs": {config: {split: {"path": f.path, "rows": f.rows, "num_bytes": f.num_bytes}
                             for split, f in splits.items()} for config, splits in files.items()},
        "counts": facts.counts,
        "label_counts": facts.label_counts,
        "changes": {"required": changes.required if changes else None, "reasons": changes.reasons if changes else [],
                    **diff.as_dict()},
        "quarantine": facts.quarantine_file,
        "files": file_entries(work),
    }
