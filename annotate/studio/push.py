"""Push the corpus to a Label Studio project: create or update it, import what is missing.

What one push does, in order:

1. Reads the ``--annotations`` file, if any, and checks it before anything on the server
   changes: unknown document ids and changed texts are refused, and so is every annotation that
   ``annotate export`` would refuse (the same checks run on it).
2. Finds the project: the id recorded for this server and title in ``<data dir>/projects.json``,
   else the one project with that title, else creates it (config, guidelines as instructions,
   schema name, version and fingerprint in the description).
3. Updates the labeling config when it changed, unless a label or choice value that existing
   annotations use would disappear: then it refuses and names them (Label Studio itself accepts
   such a config and leaves the annotations orphaned). Sets the overlap (annotators per
   document, ``maximum_annotations``) when ``overlap`` is given.
4. Lists the documents already there (``data.document_id``) and imports only the missing ones,
   in batches of ``batch_size``, one import request per batch, each task with its
   prediction (pre-annotations) and any gold annotations attached, so that a task and its
   prediction are created in one transaction. Pre-annotations for the next batch are computed
   while the server imports the previous one.
5. Adds gold annotations to documents that were already there, each once.

Corrected articles (a known document id whose text differs from the task's) are met between
steps 3 and 4, after finishing any correction a killed push left pending: without
``update_texts`` the push stops there, having changed nothing, and lists them; with it, each
task gets the new text and every annotation, draft and prediction is carried onto it
(:mod:`annotate.studio.corrections`), with a report written to ``history``.

Why no document is imported twice (Label Studio never de-duplicates imports):

- *Reruns*: step 4 imports only document ids the project does not have. A push killed half-way
  left whole batches behind; the rerun imports the rest. Predictions come with their task, so
  every task has its prediction exactly once.
- *Lost answers*: an import is not idempotent, so it is never blindly retried. When a request
  fails with a timeout or a 5xx, the push waits, lists the project's document ids again and
  re-sends only the tasks of the batch that are still missing.
- *Two pushes at once*: pushes that share a data folder take turns through an exclusive lock on
  ``<data dir>/push.lock`` (released by the system if the process dies). Pushes from different
  machines or folders cannot see that lock, so after importing, a push counts the project's tasks;
  if the count is not what it expects, it lists them and, of every document present more than
  once, keeps the copy with annotations (else the lowest task id) and deletes the other copies
  that have no annotation. Every racing push applies the same rule, so they agree. A project
  created twice at the same moment is settled the same way: the lowest id is kept.
- *Gold annotations* carry an ``import_id`` derived from the document id and their content;
  an annotation whose ``import_id`` (or identical result) is already on the task is not added again.

This module holds the order of the steps and the lock. The steps live in :mod:`annotate.studio.annotation_file`
(step 1), :mod:`annotate.studio.project` (2, 3), :mod:`annotate.studio.task_import` (4, 5, duplicates) and
:mod:`annotate.studio.api` (the Label Studio calls they share with pull).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from label_studio_sdk import LabelStudio

from annotate.corpus.reader import Document
from annotate.corrections.plan import ArticlePlan
from annotate.errors import CorrectionError, ProjectError
from annotate.preannotation.matchers import (
    AnnotationMemory,
    PatternPreannotator,
    Preannotator,
    combine,
)
from annotate.scheme.label_config import label_config
from annotate.scheme.schema import Schema
from annotate.studio.annotation_file import GoldAnnotations, read_annotations_file
from annotate.studio.api import (
    count_tasks,
    fetch_tasks,
    labeling_url,
    list_tasks,
    server_url,
)
from annotate.studio.corrections import correct, find_corrected, finish_pending, refusal
from annotate.studio.model_predictions import add_predictions, sample_by_uncertainty, unannotated_texts
from annotate.studio.project import (
    check_title,
    default_project_title,
    recorded_project_id,
    resolve_project,
    update_project,
)
from annotate.studio.server import DEFAULT_DATA_DIR
from annotate.studio.task_import import (
    Progress,
    add_gold_annotations,
    import_documents,
    remove_duplicates,
    task_data,
)

# recorded_project_id, server_url and task_data are re-exported for callers that import them from here.
__all__ = ["PushResult", "check_title", "default_project_title", "push", "recorded_project_id", "server_url",
           "task_data"]

LOCK_FILE = "push.lock"


@dataclass(frozen=True)
class PushResult:
    """What a push did; counts are documents (tasks) unless named otherwise."""

    project_id: int
    project_title: str
    project_url: str  # where to annotate: <url>/projects/<id>/data?labeling=1
    created: bool
    config_updated: bool
    imported: int
    already_present: int
    predictions: int  # predictions attached to the imported tasks
    annotations_imported: int  # from the --annotations file
    annotations_already_present: int
    model_version: str | None = None
    memory_strings: int = 0  # strings the annotation memory proposes
    duplicates_removed: int = 0  # copies made by a concurrent push, deleted
    duplicates_left: tuple[str, ...] = ()  # documents with two annotated copies (not deleted)
    other_tasks: int = 0  # tasks in the project that are not documents of this corpus
    overlap: int = 1  # annotators per document: the project's maximum_annotations after the push
    corrected: tuple[ArticlePlan, ...] = ()  # articles whose new text this push put in
    correction_report: Path | None = None  # the JSON report of those corrections
    corrections_finished: tuple[Path, ...] = ()  # reports a killed push left pending, finished now
    model_predictions: int = 0  # --model: predictions added to unannotated tasks that were already there
    uncertainty_sampling: bool = False  # --model: the project serves the least certain tasks first


def push(
    *,
    client: LabelStudio,
    schema: Schema,
    documents: Sequence[Document],
    project_title: str | None = None,
    annotations_path: Path | None = None,
    preannotate: bool = True,
    batch_size: int = 500,
    overlap: int | None = None,
    progress: Progress | None = None,
    data_dir: Path | str = DEFAULT_DATA_DIR,
    notice: Callable[[str], None] | None = None,
    update_texts: bool = False,
    history: Path | None = None,
    model: Path | str | None = None,
) -> PushResult:
    """Create or update the project and import every document it does not have yet.

    A document whose text differs from its task's (a corrected article) stops the push before
    anything changes (:class:`CorrectionError` listing them), unless ``update_texts``: then its
    annotations are carried onto the new text and the report is written into ``history`` (the
    corpus folder's ``corrections/``), where a killed push's pending correction is found again.

    ``overlap`` sets how many annotators see each document (Label Studio's ``maximum_annotations``);
    None leaves the project's setting as it is (1 for a new project). ``model`` (a folder that
    ``annotate train`` wrote) adds the model's proposals to the pre-annotations, also for the
    unannotated tasks already there, and sets the project to uncertainty sampling for them.
    """
    if batch_size < 1:
        raise ProjectError(f"batch size must be at least 1, got {batch_size}")
    if overlap is not None and overlap < 1:
        raise ProjectError(f"overlap must be at least 1 annotator per document, got {overlap}; pass --overlap 1 "
                           "or more")
    title = check_title(project_title) if project_title else default_project_title(schema)
    by_id = {document.id: document for document in documents}
    gold = read_annotations_file(Path(annotations_path), by_id, schema) if annotations_path else {}
    if model is not None and not preannotate:
        raise ProjectError("a model adds pre-annotations: give --model without --no-preannotate")
    learned = _model_part(model, schema) if model is not None else None
    say = notice or (lambda message: None)
    with _push_lock(Path(data_dir), say):
        project, created = resolve_project(client, schema, title, data_dir=Path(data_dir))
        project_id = int(project.id)
        finished = finish_pending(client, project_id, Path(history)) if history is not None else []
        tasks = list_tasks(client, project_id)
        plans, report = _corrections(client, project_id, tasks, by_id, update_texts, history)
        present = {task.document_id for task in tasks if task.document_id is not None}
        annotated_ids = [task.id for task in tasks if task.annotations > 0]
        config_changed = (project.label_config or "").strip() != label_config(schema).strip()
        need_full = (preannotate or config_changed or gold) and annotated_ids
        annotated = fetch_tasks(client, project_id, annotated_ids) if need_full else []
        config_updated = update_project(client, project, schema, annotated, overlap=overlap)

        preannotator, memory_strings = (_preannotator(schema, annotated, gold, by_id, learned) if preannotate
                                        else (None, 0))
        missing = [document for document in by_id.values() if document.id not in present]
        imported, predictions = import_documents(
            client, project_id, missing, preannotator, gold, batch_size, progress)
        removed, left = (0, ())
        if count_tasks(client, project_id) != len(tasks) + imported:  # someone else imported too
            removed, left = remove_duplicates(client, project_id)
        added, skipped = add_gold_annotations(client, project_id, tasks, annotated, gold)
        new_gold = sum(len(gold.get(document.id, ())) for document in missing)
        model_predictions = 0
        if learned is not None and preannotator is not None:
            model_predictions = add_predictions(client, project_id, unannotated_texts(tasks, by_id), preannotator)
            sample_by_uncertainty(client, project_id, preannotator.model_version)

    return PushResult(
        project_id=project_id,
        project_title=project.title or title,
        project_url=labeling_url(client, project_id),
        created=created,
        config_updated=config_updated,
        imported=imported,
        already_present=len(by_id) - len(missing),
        predictions=predictions,
        annotations_imported=new_gold + added,
        annotations_already_present=skipped,
        model_version=preannotator.model_version if preannotator else None,
        memory_strings=memory_strings,
        duplicates_removed=removed,
        duplicates_left=left,
        other_tasks=sum(1 for task in tasks if task.document_id not in by_id),
        overlap=overlap if overlap is not None else int(project.maximum_annotations or 1),
        corrected=tuple(plans),
        correction_report=report.path if report is not None else None,
        corrections_finished=tuple(done.path for done in finished),
        model_predictions=model_predictions,
        uncertainty_sampling=learned is not None and preannotator is not None,
    )


def _corrections(client: LabelStudio, project_id: int, tasks: Sequence[Any], documents: Mapping[str, Document],
                 update_texts: bool, history: Path | None) -> tuple[list[ArticlePlan], Any]:
    """Refuse corrected articles, or carry them over; (plans, report or None)."""
    corrected = find_corrected(tasks, documents)
    if not corrected:
        return [], None
    if not update_texts:
        raise refusal(client, project_id, corrected)
    if history is None:
        raise CorrectionError("corrected articles need a folder for their correction report; pass history=<corpus "
                              "folder>/corrections")
    return correct(client, project_id, corrected, Path(history))


def _model_part(folder: Path | str, schema: Schema) -> Preannotator:
    """The trained model in ``folder`` as a pre-annotator (checked against the schema)."""
    from annotate.learning.preannotator import ModelPreannotator

    return ModelPreannotator.from_folder(folder, schema)


def _preannotator(schema: Schema, annotated: Sequence[Mapping[str, Any]], gold: GoldAnnotations,
                  documents: Mapping[str, Document], learned: Preannotator | None = None) -> tuple[Preannotator, int]:
    """(pre-annotator, memory size): the annotation memory, when annotators already labelled
    something (in the project or the gold file), before the schema's patterns, then the trained
    model when there is one."""
    pairs = [(task["data"].get("text"), annotation.get("result"))
             for task in annotated if isinstance(task.get("data"), Mapping)
             for annotation in task["annotations"] if not annotation.get("was_cancelled")]
    pairs += [(documents[document_id].text, annotation["result"])
              for document_id, annotations in gold.items()
              for annotation in annotations if not annotation.get("was_cancelled")]
    memory = AnnotationMemory.from_results([(t, r) for t, r in pairs if isinstance(t, str)], schema)
    patterns = PatternPreannotator(schema)
    parts = [memory, patterns] if len(memory) else [patterns]
    return combine([*parts, learned] if learned is not None else parts, schema), len(memory)


@contextlib.contextmanager
def _push_lock(data_dir: Path, say: Callable[[str], None]) -> Iterator[None]:
    """One push at a time per data folder; without a usable folder, rely on the duplicate check."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        handle = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        yield
        return
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"another push from {data_dir} is running; waiting for it to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)
