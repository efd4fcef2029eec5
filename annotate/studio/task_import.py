"""Importing documents as Label Studio tasks, each exactly once.

Label Studio never de-duplicates imports and an import is not idempotent, so nothing here is
blindly retried: after a failure whose outcome is unknown (a timeout, a 5xx) the project's
document ids are listed again and only what is still missing is sent. Each task travels with
its prediction and any gold annotations, so they are created in one transaction. Copies made by
a concurrent push are settled by :func:`remove_duplicates`; gold annotations for documents that
were already there are added by :func:`add_gold_annotations`, each once.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from label_studio_sdk import LabelStudio

from annotate.conversion.text_check import TEXT_CHECKSUM, text_checksum
from annotate.corpus.reader import Document
from annotate.preannotation.matchers import Preannotator, prediction
from annotate.studio.annotation_file import GoldAnnotations, already_there
from annotate.studio.api import (
    TaskSummary,
    fetch_tasks,
    list_tasks,
    raise_for_status,
    send_once,
    tasks_with_drafts,
)
from annotate.studio.connection import call_with_retries

MAX_BATCH_CHARS = 50_000_000  # well under Label Studio's 250 MB per request
IMPORT_TIMEOUT = 600.0
DELETE_CHUNK = 500

Progress = Callable[[int, int], None]  # (documents imported so far, documents to import)


def task_data(document: Document) -> dict[str, Any]:
    """What Label Studio stores for a document; ``text`` is exactly the corpus text."""
    return {"text": document.text, "title": document.title, "document_id": document.id,
            "source": document.source, "sha256": document.sha256, "meta": dict(document.meta),
            TEXT_CHECKSUM: text_checksum(document.text)}


def import_documents(
    client: LabelStudio,
    project_id: int,
    documents: Sequence[Document],
    preannotator: Preannotator | None,
    gold: GoldAnnotations,
    batch_size: int,
    progress: Progress | None,
) -> tuple[int, int]:
    """(documents imported, predictions attached), in batches; the next batch is prepared
    while the server imports the previous one.

    Interrupted (Ctrl-C), it waits for the batch already sent and reports it to ``progress``
    before the interruption goes on: ``progress`` then holds what the project received.
    """
    total = len(documents)
    if progress:
        progress(0, total)
    imported = predictions = 0
    with ThreadPoolExecutor(max_workers=1) as sender:
        pending: Future[int] | None = None
        try:
            for batch in _batches(documents, batch_size):
                tasks = []
                for document in batch:
                    task: dict[str, Any] = {"data": task_data(document)}
                    found = prediction(preannotator, document.text) if preannotator else None
                    if found:
                        task["predictions"] = [found]
                        predictions += 1
                    if gold.get(document.id):
                        task["annotations"] = [dict(annotation) for annotation in gold[document.id]]
                    tasks.append(task)
                if pending is not None:
                    imported += pending.result()
                    pending = None
                    if progress:
                        progress(imported, total)
                pending = sender.submit(_import_batch, client, project_id, tasks)
            if pending is not None:
                imported += pending.result()
                pending = None
                if progress:
                    progress(imported, total)
        except KeyboardInterrupt:
            if pending is not None and progress:  # the batch in flight arrives anyway
                progress(imported + _outcome(pending), total)
            raise
    return imported, predictions


def _outcome(sent: Future[int]) -> int:
    """How many documents a batch already sent imported (0 if it failed)."""
    try:
        return sent.result()
    except Exception:  # noqa: BLE001 - the interruption is what is reported, not this
        return 0


def _batches(documents: Sequence[Document], size: int) -> Iterator[list[Document]]:
    batch: list[Document] = []
    chars = 0
    for document in documents:
        weight = len(document.text) + len(document.title) + 500
        if batch and (len(batch) >= size or chars + weight > MAX_BATCH_CHARS):
            yield batch
            batch, chars = [], 0
        batch.append(document)
        chars += weight
    if batch:
        yield batch


def _import_batch(client: LabelStudio, project_id: int, tasks: list[dict[str, Any]]) -> int:
    """Import one batch; after a failure whose outcome is unknown, re-send only what is missing."""
    wanted = {task["data"]["document_id"] for task in tasks}
    remaining = tasks

    def send() -> int:
        send_import(client, project_id, remaining)
        return len(tasks)

    def look() -> int | None:
        nonlocal remaining
        present = {task.document_id for task in list_tasks(client, project_id)} & wanted
        remaining = [task for task in tasks if task["data"]["document_id"] not in present]
        return None if remaining else len(tasks)

    return send_once(send, look, f"importing tasks into project {project_id}",
                     "run the same push again: it imports only what is missing")


def send_import(client: LabelStudio, project_id: int, tasks: list[dict[str, Any]]) -> None:
    """One request to the import endpoint, exactly what ``projects.import_tasks`` sends, but the body is
    encoded with ``json.dumps``: the SDK's generic encoder costs more per task with predictions than
    the server's whole import. The SDK's own retries are off: an import is not idempotent."""
    body = json.dumps(tasks, ensure_ascii=False).encode("utf-8")
    response = client._client_wrapper.httpx_client.request(  # noqa: SLF001 - the SDK's authenticated client
        f"api/projects/{int(project_id)}/import", method="POST", content=body,
        headers={"Content-Type": "application/json"},
        request_options={"timeout_in_seconds": IMPORT_TIMEOUT, "max_retries": 0})
    raise_for_status(response)


def remove_duplicates(client: LabelStudio, project_id: int) -> tuple[int, tuple[str, ...]]:
    """Delete unannotated extra copies of a document; (deleted, documents still duplicated).

    Of each document's copies the one with annotations (else the lowest task id) is kept, so
    pushes racing each other all apply the same rule and agree. A copy that holds an annotator's
    draft (unsubmitted work) is never deleted: the document stays duplicated and is reported.
    """
    copies: dict[str, list[TaskSummary]] = defaultdict(list)
    for task in list_tasks(client, project_id):
        if task.document_id is not None:
            copies[task.document_id].append(task)
    doomed: list[int] = []
    left: list[str] = []
    drafts: set[int] | None = None
    for document_id, group in copies.items():
        if len(group) < 2:
            continue
        keep = min(group, key=lambda task: (task.annotations == 0, task.id))
        extra = [task for task in group if task is not keep]
        if drafts is None:  # asked once, and only when some document has copies
            drafts = tasks_with_drafts(client, project_id)
        doomed += [task.id for task in extra if task.annotations == 0 and task.id not in drafts]
        if any(task.annotations or task.id in drafts for task in extra):
            left.append(document_id)
    for start in range(0, len(doomed), DELETE_CHUNK):
        chunk = doomed[start:start + DELETE_CHUNK]
        call_with_retries(client.actions.create, id="delete_tasks", project=project_id,
                          selected_items={"all": False, "included": chunk},
                          what=f"deleting duplicate tasks of project {project_id}")
    return len(doomed), tuple(sorted(left))


def add_gold_annotations(client: LabelStudio, project_id: int, tasks: Sequence[TaskSummary],
                         annotated: Sequence[Mapping[str, Any]], gold: GoldAnnotations) -> tuple[int, int]:
    """Add gold annotations to documents that were already in the project; (added, already there).

    ``annotated`` holds the full annotations of those of ``tasks`` that have any.
    """
    if not gold:
        return 0, 0
    existing = {task["id"]: task["annotations"] for task in annotated}
    added = skipped = 0
    seen: set[str] = set()
    for task in tasks:
        if task.document_id not in gold or task.document_id in seen:
            continue
        seen.add(task.document_id)
        have = existing.get(task.id, [])
        for annotation in gold[task.document_id]:
            if already_there(annotation, have):
                skipped += 1
            else:
                _create_annotation(client, project_id, task.id, annotation)
                added += 1
    return added, skipped


def _create_annotation(client: LabelStudio, project_id: int, task_id: int, annotation: Mapping[str, Any]) -> None:
    """Create one annotation; after a failure whose outcome is unknown, look before sending it again."""
    def send() -> bool:
        client.annotations.create(id=task_id, result=annotation["result"], ground_truth=annotation["ground_truth"],
                                  was_cancelled=annotation["was_cancelled"], lead_time=annotation.get("lead_time"),
                                  import_id=annotation["id"], request_options={"max_retries": 0})
        return True

    def look() -> bool | None:
        have = fetch_tasks(client, project_id, [task_id])
        return True if have and already_there(annotation, have[0]["annotations"]) else None

    send_once(send, look, f"adding an annotation to task {task_id}",
              "run the same push again: it adds only what is missing")
