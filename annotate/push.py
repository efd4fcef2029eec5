"""Push the corpus to a Label Studio project: create or update it, import what is missing.

What one push does, in order:

1. Reads the ``--annotations`` file, if any, and checks it against the corpus before anything
   on the server changes (unknown document ids and changed texts are refused).
2. Finds the project: the id recorded for this server and title in ``<data dir>/projects.json``,
   else the one project with that title, else creates it (config, guidelines as instructions,
   schema name, version and fingerprint in the description).
3. Updates the labeling config when it changed, unless a label or choice value that existing
   annotations use would disappear: then it refuses and names them (Label Studio itself accepts
   such a config and leaves the annotations orphaned).
4. Lists the documents already there (``data.document_id``) and imports only the missing ones,
   in batches of ``batch_size``, one import request per batch, each task with its
   prediction (pre-annotations) and any gold annotations attached, so that a task and its
   prediction are created in one transaction. Pre-annotations for the next batch are computed
   while the server imports the previous one.
5. Adds gold annotations to documents that were already there, each once.

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
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from annotate.connection import RETRY_EXCEPTIONS, RETRY_STATUSES, call_with_retries, describe_failure
from annotate.corpus import Document
from annotate.errors import AnnotationError, ConnectionProblem, ProjectError
from annotate.guidelines import guidelines_html
from annotate.labelconfig import label_config
from annotate.preannotate import AnnotationMemory, PatternPreannotator, Preannotator, combine, prediction
from annotate.schema import Schema
from annotate.server import DEFAULT_DATA_DIR

RECORD_FILE = "projects.json"
MAX_TITLE = 50  # Label Studio's limit on project titles
LOCK_FILE = "push.lock"
MAX_BATCH_CHARS = 50_000_000  # well under Label Studio's 250 MB per request
IMPORT_TIMEOUT = 600.0
IMPORT_ATTEMPTS = 4
LIST_PAGE_SIZE = 1000
FETCH_CHUNK = 100
_VOLATILE_RESULT_KEYS = {"origin", "score", "readonly", "hidden"}

Progress = Callable[[int, int], None]  # (documents imported so far, documents to import)


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


@dataclass(frozen=True)
class TaskSummary:
    """A task as listed without its annotations: enough to match documents."""

    id: int
    document_id: str | None
    annotations: int  # completed and cancelled


def push(
    *,
    client: LabelStudio,
    schema: Schema,
    documents: Sequence[Document],
    project_title: str | None = None,
    annotations_path: Path | None = None,
    preannotate: bool = True,
    batch_size: int = 500,
    progress: Progress | None = None,
    data_dir: Path | str = DEFAULT_DATA_DIR,
    notice: Callable[[str], None] | None = None,
) -> PushResult:
    """Create or update the project and import every document it does not have yet."""
    if batch_size < 1:
        raise ProjectError(f"batch size must be at least 1, got {batch_size}")
    title = check_title(project_title) if project_title else default_project_title(schema)
    by_id = {document.id: document for document in documents}
    gold = read_annotations_file(Path(annotations_path), by_id) if annotations_path else {}
    say = notice or (lambda message: None)
    with _push_lock(Path(data_dir), say):
        project, created = resolve_project(client, schema, title, data_dir=Path(data_dir))
        project_id = int(project.id)
        tasks = list_tasks(client, project_id)
        present = {task.document_id for task in tasks if task.document_id is not None}
        annotated_ids = [task.id for task in tasks if task.annotations > 0]
        config_changed = (project.label_config or "").strip() != label_config(schema).strip()
        need_full = (preannotate or config_changed or gold) and annotated_ids
        annotated = fetch_tasks(client, project_id, annotated_ids) if need_full else []
        config_updated = update_project(client, project, schema, annotated)

        preannotator, memory_strings = _preannotator(schema, annotated, gold, by_id) if preannotate else (None, 0)
        missing = [document for document in by_id.values() if document.id not in present]
        imported, predictions = _import_documents(
            client, project_id, missing, preannotator, gold, batch_size, progress)
        removed, left = (0, ())
        if count_tasks(client, project_id) != len(tasks) + imported:  # someone else imported too
            removed, left = remove_duplicates(client, project_id)
        added, skipped = _annotate_existing(client, project_id, tasks, annotated, gold)
        new_gold = sum(len(gold.get(document.id, ())) for document in missing)

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
    )


# --- the project --------------------------------------------------------------------------------


def default_project_title(schema: Schema) -> str:
    """The schema's title; its name when the title is longer than Label Studio allows."""
    for candidate in (schema.title, schema.name):
        if len(candidate) <= MAX_TITLE:
            return candidate
    return schema.title[:MAX_TITLE - 1].rstrip() + "…"


def check_title(title: str) -> str:
    if not title.strip() or len(title) > MAX_TITLE:
        raise ProjectError(f"project title {title!r} must be 1 to {MAX_TITLE} characters (Label Studio's limit); "
                           "pass a shorter --project")
    return title


def server_url(client: LabelStudio) -> str:
    """The base URL the client talks to (never the key)."""
    return str(client._client_wrapper.get_base_url()).rstrip("/")  # noqa: SLF001 - no public accessor


def labeling_url(client: LabelStudio, project_id: int) -> str:
    return f"{server_url(client)}/projects/{project_id}/data?labeling=1"


def find_project(client: LabelStudio, title: str) -> Any | None:
    """The one project with exactly this title, or None; two or more raise ProjectError."""
    matches = _projects_titled(client, title)
    if len(matches) > 1:
        ids = ", ".join(str(project.id) for project in matches)
        raise ProjectError(
            f"{len(matches)} projects on {server_url(client)} are titled {title!r} (ids {ids}); "
            "rename or delete all but one in Label Studio, or pass --project with another title")
    return get_project(client, matches[0].id) if matches else None


def get_project(client: LabelStudio, project_id: int) -> Any | None:
    """The project with this id, or None when it does not exist."""
    try:
        return call_with_retries(client.projects.get, id=project_id, what=f"reading project {project_id}",
                                 expected_statuses=(404,))
    except ApiError:
        return None


def resolve_project(client: LabelStudio, schema: Schema, title: str, *, data_dir: Path) -> tuple[Any, bool]:
    """(project, created): the recorded one, else the one titled ``title``, else a new one."""
    url = server_url(client)
    recorded = recorded_project_id(data_dir, url, title)
    project = get_project(client, recorded) if recorded is not None else None
    created = False
    if project is None:
        project = find_project(client, title)
    if project is None:
        project, created = _create_project(client, schema, title)
    _record_project(data_dir, url, title, int(project.id))
    return project, created


def recorded_project_id(data_dir: Path | str, url: str, title: str) -> int | None:
    """The project id a previous push recorded for this server and title, if any."""
    try:
        record = json.loads((Path(data_dir) / RECORD_FILE).read_text(encoding="utf-8"))
        value = record[url.rstrip("/")][title]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _record_project(data_dir: Path, url: str, title: str, project_id: int) -> None:
    path = data_dir / RECORD_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(record, dict):
            record = {}
    except (OSError, ValueError):
        record = {}
    servers = record.setdefault(url.rstrip("/"), {})
    if not isinstance(servers, dict):
        servers = record[url.rstrip("/")] = {}
    if servers.get(title) == project_id:
        return
    servers[title] = project_id
    with contextlib.suppress(OSError):  # a cache: pushes work without it
        data_dir.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, json.dumps(record, indent=2, ensure_ascii=False) + "\n")


def _projects_titled(client: LabelStudio, title: str) -> list[Any]:
    def listing() -> list[Any]:
        return [p for p in client.projects.list(title=title, include="id,title", page_size=100)
                if p.title == title]
    return sorted(call_with_retries(listing, what=f"looking up project {title!r}"), key=lambda p: p.id)


def _create_project(client: LabelStudio, schema: Schema, title: str) -> tuple[Any, bool]:
    """(project, created): a failed request is checked (by title) before it is sent again, and of
    two projects created at the same moment by two pushes, both keep the lowest id."""
    for attempt in range(IMPORT_ATTEMPTS):
        try:
            created = client.projects.create(
                title=title, description=project_description(schema), label_config=label_config(schema),
                expert_instruction=guidelines_html(schema), show_instruction=True,
                request_options={"max_retries": 0})
            break
        except Exception as error:  # noqa: BLE001 - sorted into transient and refused below
            reason = _failure(error, f"creating project {title!r}")
        _backoff(attempt, last=attempt == IMPORT_ATTEMPTS - 1)
        found = _projects_titled(client, title)
        if found:
            created = found[0]
            break
    else:
        raise ConnectionProblem(f"creating project {title!r} failed after {IMPORT_ATTEMPTS} attempts: {reason}; "
                                "check that Label Studio is up and run the command again")
    twins = _projects_titled(client, title)
    adopted = bool(twins) and twins[0].id != created.id
    if adopted:
        with contextlib.suppress(ConnectionProblem):
            call_with_retries(client.projects.delete, id=created.id, what=f"deleting duplicate project {created.id}",
                              expected_statuses=(404,))
        created = twins[0]
    project = get_project(client, created.id)
    if project is None:
        raise ProjectError(f"project {title!r} (id {created.id}) disappeared while it was being created; "
                           "run the command again")
    return project, not adopted


def project_description(schema: Schema) -> str:
    return (f"{schema.description}\n\nSchema {schema.name} {schema.version} "
            f"(sha256:{schema.fingerprint}), pushed by annotate.")


def update_project(client: LabelStudio, project: Any, schema: Schema, annotated: Sequence[Mapping[str, Any]]) -> bool:
    """Bring config, guidelines and description up to date; True when the config changed.

    Refuses (ProjectError) when a label or choice value used by an annotation would disappear.
    """
    config = label_config(schema)
    changes: dict[str, Any] = {}
    if (project.label_config or "").strip() != config.strip():
        orphans = orphaned_values(annotated, config_values(config))
        if orphans:
            shown = "; ".join(orphans[:5]) + (f"; and {len(orphans) - 5} more" if len(orphans) > 5 else "")
            raise ProjectError(
                f"project {project.title!r} (id {project.id}): the schema no longer has values that existing "
                f"annotations use ({shown}); they were removed or renamed. Keep them in the schema (or fix "
                "those annotations in Label Studio first), then push again", problems=orphans)
        changes["label_config"] = config
    guidelines = guidelines_html(schema)
    if (project.expert_instruction or "") != guidelines or not project.show_instruction:
        changes.update(expert_instruction=guidelines, show_instruction=True)
    if (project.description or "") != project_description(schema):
        changes["description"] = project_description(schema)
    if changes:
        try:
            call_with_retries(client.projects.update, id=project.id, **changes,
                              what=f"updating project {project.id}", expected_statuses=(400,))
        except ApiError as error:
            raise ProjectError(f"Label Studio refused the new labeling config for project {project.title!r} "
                               f"(id {project.id}): {refusal(error)}; fix the schema and push again") from None
    return "label_config" in changes


def config_values(config: str) -> dict[str, set[str]]:
    """Control name -> the values it offers (``Label``/``Choice``); relations under ``"relations"``."""
    root = ElementTree.fromstring(config)
    values: dict[str, set[str]] = {}
    for element in root.iter():
        if element.tag == "Relations":
            values.setdefault("relations", set()).update(
                child.get("value", "") for child in element if child.get("value"))
        elif element.get("name") and element.get("toName"):
            values.setdefault(element.get("name", ""), set()).update(
                child.get("value", "") for child in element.iter() if child is not element and child.get("value"))
    return values


def orphaned_values(tasks: Iterable[Mapping[str, Any]], allowed: Mapping[str, set[str]]) -> list[str]:
    """Each (control, value) that annotations use but ``allowed`` lacks, with its count and a task."""
    uses: dict[tuple[str, str], list[int]] = defaultdict(list)
    for task in tasks:
        for annotation in task.get("annotations") or ():
            for item in (annotation.get("result") or ()) if isinstance(annotation, Mapping) else ():
                for control, value in _used_values(item):
                    if control not in allowed or value not in allowed[control]:
                        uses[(control, value)].append(task.get("id"))
    return [f"{value!r} of {control!r} in {len(ids)} region(s), e.g. task {ids[0]}"
            for (control, value), ids in sorted(uses.items())]


def _used_values(item: Any) -> Iterator[tuple[str, str]]:
    if not isinstance(item, Mapping):
        return
    if item.get("type") == "relation":
        for label in item.get("labels") or ():
            if isinstance(label, str):
                yield "relations", label
        return
    control, kind, value = item.get("from_name"), item.get("type"), item.get("value")
    if isinstance(control, str) and isinstance(kind, str) and isinstance(value, Mapping):
        chosen = value.get(kind)
        if isinstance(chosen, list):
            for entry in chosen:
                if isinstance(entry, str):
                    yield control, entry


# --- tasks ----------------------------------------------------------------------------------------


def list_tasks(client: LabelStudio, project_id: int) -> list[TaskSummary]:
    """Every task of the project with its document id and annotation count (no results)."""
    found: list[TaskSummary] = []
    page = 1
    while True:
        try:
            pager = call_with_retries(
                client.tasks.list, project=project_id, fields="task_only",
                include="id,data,total_annotations,cancelled_annotations", page=page, page_size=LIST_PAGE_SIZE,
                resolve_uri=False, what=f"listing the tasks of project {project_id}", expected_statuses=(404,))
        except ApiError:
            if page == 1:
                raise ProjectError(f"project {project_id} not found on Label Studio; push again to create it") from None
            break  # tasks were deleted while listing: the page is gone
        items = pager.items or []
        for task in items:
            data = task.data if isinstance(task.data, dict) else {}
            document_id = data.get("document_id")
            found.append(TaskSummary(
                id=int(task.id),
                document_id=str(document_id) if isinstance(document_id, (str, int)) else None,
                annotations=int(task.total_annotations or 0) + int(task.cancelled_annotations or 0),
            ))
        if not items or len(found) >= int(getattr(pager.response, "total", 0) or 0):
            return found
        page += 1
    return found


def count_tasks(client: LabelStudio, project_id: int) -> int:
    pager = call_with_retries(client.tasks.list, project=project_id, fields="task_only", include="id",
                              page_size=1, what=f"counting the tasks of project {project_id}")
    return int(pager.response.total)


def fetch_tasks(client: LabelStudio, project_id: int, task_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The given tasks with data and full annotations, as plain dicts."""
    tasks: list[dict[str, Any]] = []
    for start in range(0, len(task_ids), FETCH_CHUNK):
        chunk = list(task_ids[start:start + FETCH_CHUNK])
        query = json.dumps({"selectedItems": {"all": False, "included": chunk}})
        pager = call_with_retries(client.tasks.list, project=project_id, fields="all", query=query,
                                  page_size=len(chunk), resolve_uri=False,
                                  what=f"reading annotations of project {project_id}")
        for task in pager.items or []:
            tasks.append({"id": int(task.id), "data": task.data or {},
                          "annotations": [dict(a) for a in task.annotations or () if isinstance(a, Mapping)]})
    return tasks


def task_data(document: Document) -> dict[str, Any]:
    """What Label Studio stores for a document; ``text`` is exactly the corpus text."""
    return {"text": document.text, "title": document.title, "document_id": document.id,
            "source": document.source, "sha256": document.sha256, "meta": dict(document.meta)}


def remove_duplicates(client: LabelStudio, project_id: int) -> tuple[int, tuple[str, ...]]:
    """Delete unannotated extra copies of a document; (deleted, documents still duplicated)."""
    copies: dict[str, list[TaskSummary]] = defaultdict(list)
    for task in list_tasks(client, project_id):
        if task.document_id is not None:
            copies[task.document_id].append(task)
    doomed: list[int] = []
    left: list[str] = []
    for document_id, group in copies.items():
        if len(group) < 2:
            continue
        keep = min(group, key=lambda task: (task.annotations == 0, task.id))
        extra = [task for task in group if task is not keep]
        doomed += [task.id for task in extra if task.annotations == 0]
        if any(task.annotations for task in extra):
            left.append(document_id)
    for start in range(0, len(doomed), 500):
        chunk = doomed[start:start + 500]
        call_with_retries(client.actions.create, id="delete_tasks", project=project_id,
                          selected_items={"all": False, "included": chunk},
                          what=f"deleting duplicate tasks of project {project_id}")
    return len(doomed), tuple(sorted(left))


def _import_documents(
    client: LabelStudio,
    project_id: int,
    documents: Sequence[Document],
    preannotator: Preannotator | None,
    gold: Mapping[str, list[dict[str, Any]]],
    batch_size: int,
    progress: Progress | None,
) -> tuple[int, int]:
    """Import in batches; the next batch is prepared while the server imports the previous one."""
    total = len(documents)
    if progress:
        progress(0, total)
    imported = predictions = 0
    with ThreadPoolExecutor(max_workers=1) as sender:
        pending: Future[int] | None = None
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
                if progress:
                    progress(imported, total)
            pending = sender.submit(_import_batch, client, project_id, tasks)
        if pending is not None:
            imported += pending.result()
            if progress:
                progress(imported, total)
    return imported, predictions


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
    reason = ""
    for attempt in range(IMPORT_ATTEMPTS):
        try:
            send_import(client, project_id, remaining)
            return len(tasks)
        except Exception as error:  # noqa: BLE001 - sorted into transient and refused below
            reason = _failure(error, f"importing tasks into project {project_id}")
        _backoff(attempt, last=attempt == IMPORT_ATTEMPTS - 1)
        present = {task.document_id for task in list_tasks(client, project_id)} & wanted
        remaining = [task for task in tasks if task["data"]["document_id"] not in present]
        if not remaining:
            return len(tasks)
    raise ConnectionProblem(f"importing tasks into project {project_id} failed after {IMPORT_ATTEMPTS} attempts: "
                            f"{reason}; run the same push again: it imports only what is missing")


def send_import(client: LabelStudio, project_id: int, tasks: list[dict[str, Any]]) -> None:
    """One request to the import endpoint, exactly what ``projects.import_tasks`` sends, but the body is
    encoded with ``json.dumps``: the SDK's generic encoder costs more per task with predictions than
    the server's whole import. The SDK's own retries are off: an import is not idempotent."""
    body = json.dumps(tasks, ensure_ascii=False).encode("utf-8")
    response = client._client_wrapper.httpx_client.request(  # noqa: SLF001 - the SDK's authenticated client
        f"api/projects/{int(project_id)}/import", method="POST", content=body,
        headers={"Content-Type": "application/json"},
        request_options={"timeout_in_seconds": IMPORT_TIMEOUT, "max_retries": 0})
    if not 200 <= response.status_code < 300:
        try:
            detail: Any = response.json()
        except ValueError:
            detail = response.text
        raise ApiError(status_code=response.status_code, headers=dict(response.headers), body=detail)


def _failure(error: Exception, what: str) -> str:
    """The reason of a transient failure; anything else is raised as one clear error."""
    if isinstance(error, ApiError) and error.status_code in RETRY_STATUSES:
        return describe_failure(error)
    if isinstance(error, RETRY_EXCEPTIONS):
        return describe_failure(error)
    if isinstance(error, ApiError):
        raise ProjectError(f"{what} was refused by Label Studio: {refusal(error)}") from None
    raise error


def refusal(error: ApiError) -> str:
    """Why Label Studio refused a request, with its field errors when it gives them."""
    reason = describe_failure(error)
    body = error.body if isinstance(error.body, dict) else {}
    fields = body.get("validation_errors")
    if fields:
        text = " ".join(str(fields).split())
        reason += f": {text[:300]}"
    return reason


def _backoff(attempt: int, *, last: bool) -> None:
    """Wait before looking at what a failed request did (not after the last attempt)."""
    if not last:
        time.sleep(min(30.0, 0.5 * 2 ** attempt))


# --- pre-annotation ----------------------------------------------------------------------------------


def _preannotator(schema: Schema, annotated: Sequence[Mapping[str, Any]],
                  gold: Mapping[str, list[dict[str, Any]]],
                  documents: Mapping[str, Document]) -> tuple[Preannotator, int]:
    """(pre-annotator, memory size): the annotation memory, when annotators already labelled
    something (in the project or the gold file), before the schema's patterns."""
    pairs = [(task["data"].get("text"), annotation.get("result"))
             for task in annotated if isinstance(task.get("data"), Mapping)
             for annotation in task["annotations"] if not annotation.get("was_cancelled")]
    pairs += [(documents[document_id].text, annotation["result"])
              for document_id, annotations in gold.items()
              for annotation in annotations if not annotation.get("was_cancelled")]
    memory = AnnotationMemory.from_results([(t, r) for t, r in pairs if isinstance(t, str)], schema)
    patterns = PatternPreannotator(schema)
    return (combine([memory, patterns], schema) if len(memory) else patterns), len(memory)


# --- gold annotations ------------------------------------------------------------------------------


def read_annotations_file(path: Path, documents: Mapping[str, Document]) -> dict[str, list[dict[str, Any]]]:
    """Annotations of a Label Studio JSON export, by document id, ready to import.

    Every task must name a corpus document (``data.document_id``) and carry its exact text
    (``data.text``): offsets are only right on the same text. Raises AnnotationError listing
    every problem. ``completed_by`` is dropped (user ids differ between servers): the annotation
    belongs to the user who pushes; ``ground_truth`` and ``was_cancelled`` are kept as given.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AnnotationError(f"{path}: annotations file not found; pass --annotations with a Label Studio "
                              "JSON export") from None
    except (OSError, UnicodeDecodeError) as error:
        raise AnnotationError(f"{path}: cannot read the annotations file ({error})") from None
    except ValueError as error:
        raise AnnotationError(f"{path}: not valid JSON ({error}); pass a Label Studio JSON export") from None
    if not isinstance(raw, list):
        raise AnnotationError(f"{path}: expected a list of tasks (a Label Studio JSON export), "
                              f"got {type(raw).__name__}")
    problems: list[str] = []
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for index, task in enumerate(raw):
        where = f"{path}: task {index}"
        data = task.get("data") if isinstance(task, dict) else None
        if not isinstance(data, dict):
            problems.append(f"{where}: not a Label Studio task (no data object)")
            continue
        document_id = data.get("document_id")
        if not isinstance(document_id, (str, int)) or isinstance(document_id, bool):
            problems.append(f"{where}: no data.document_id; export it from a project made by annotate push")
            continue
        document_id = str(document_id)
        where = f"{where} (document {document_id})"
        document = documents.get(document_id)
        if document is None:
            problems.append(f"{where}: not in the corpus; add the article to the corpus or remove the task")
            continue
        text = data.get("text")
        if not isinstance(text, str):
            problems.append(f"{where}: no data.text to check the offsets against; export the file with its data")
            continue
        if text != document.text:
            problems.append(f"{where}: data.text differs from the corpus text (first difference at character "
                            f"{_first_difference(text, document.text)}), so its offsets would point at the wrong "
                            "words; annotate the current text or restore the original article")
            continue
        for number, annotation in enumerate(task.get("annotations") or []):
            checked = _gold_annotation(annotation, document, f"{where} annotation {number}", problems)
            if checked is not None and all(checked["id"] != other["id"] for other in found[document_id]):
                found[document_id].append(checked)
    if problems:
        raise AnnotationError(f"{path}: {len(problems)} problem(s), nothing was pushed; first: {problems[0]}",
                              problems=problems)
    return dict(found)


def _gold_annotation(annotation: Any, document: Document, where: str, problems: list[str]) -> dict[str, Any] | None:
    if not isinstance(annotation, dict) or not isinstance(annotation.get("result"), list):
        problems.append(f"{where}: not an annotation with a result list")
        return None
    result = annotation["result"]
    size = len(document.text)
    for item in result:
        if not isinstance(item, dict):
            problems.append(f"{where}: a result item is not an object")
            return None
        value = item.get("value")
        if isinstance(value, dict) and ("start" in value or "end" in value):
            start, end = value.get("start"), value.get("end")
            if not (type(start) is int and type(end) is int and 0 <= start <= end <= size):
                problems.append(f"{where} region {item.get('id')}: offsets {start!r}..{end!r} are not inside the "
                                f"text (length {size})")
                return None
    flags = {key: annotation.get(key, False) for key in ("ground_truth", "was_cancelled")}
    for key, flag in flags.items():
        if not isinstance(flag, bool):
            problems.append(f"{where}: {key} must be true or false, got {flag!r}")
            return None
    lead_time = annotation.get("lead_time")
    checked: dict[str, Any] = {"result": result, **flags}
    if isinstance(lead_time, (int, float)) and not isinstance(lead_time, bool):
        checked["lead_time"] = lead_time
    checked["id"] = _import_id(document.id, checked)  # Label Studio keeps it as the import_id
    return checked


def _import_id(document_id: str, annotation: Mapping[str, Any]) -> int:
    key = json.dumps([document_id, _canonical(annotation["result"]), annotation["ground_truth"],
                      annotation["was_cancelled"]], ensure_ascii=False)
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:15], 16)


def _canonical(result: Any) -> str:
    items = [{k: v for k, v in item.items() if k not in _VOLATILE_RESULT_KEYS} if isinstance(item, dict) else item
             for item in result or ()]
    return json.dumps(sorted(json.dumps(i, sort_keys=True, ensure_ascii=False) for i in items), ensure_ascii=False)


def _first_difference(a: str, b: str) -> int:
    for index, (left, right) in enumerate(zip(a, b)):
        if left != right:
            return index
    return min(len(a), len(b))


def _annotate_existing(client: LabelStudio, project_id: int, tasks: Sequence[TaskSummary],
                       annotated: Sequence[Mapping[str, Any]],
                       gold: Mapping[str, list[dict[str, Any]]]) -> tuple[int, int]:
    """Add gold annotations to documents that were already in the project; (added, already there)."""
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
            if _already_there(annotation, have):
                skipped += 1
            else:
                _create_annotation(client, project_id, task.id, annotation)
                added += 1
    return added, skipped


def _already_there(annotation: Mapping[str, Any], have: Iterable[Mapping[str, Any]]) -> bool:
    canonical = _canonical(annotation["result"])
    return any(other.get("import_id") == annotation["id"] or _canonical(other.get("result")) == canonical
               for other in have)


def _create_annotation(client: LabelStudio, project_id: int, task_id: int, annotation: Mapping[str, Any]) -> None:
    """Create one annotation; after a failure whose outcome is unknown, look before sending it again."""
    reason = ""
    for attempt in range(IMPORT_ATTEMPTS):
        try:
            client.annotations.create(id=task_id, result=annotation["result"], ground_truth=annotation["ground_truth"],
                                      was_cancelled=annotation["was_cancelled"], lead_time=annotation.get("lead_time"),
                                      import_id=annotation["id"], request_options={"max_retries": 0})
            return
        except Exception as error:  # noqa: BLE001 - sorted into transient and refused below
            reason = _failure(error, f"adding an annotation to task {task_id}")
        _backoff(attempt, last=attempt == IMPORT_ATTEMPTS - 1)
        have = fetch_tasks(client, project_id, [task_id])
        if have and _already_there(annotation, have[0]["annotations"]):
            return
    raise ConnectionProblem(f"adding an annotation to task {task_id} failed after {IMPORT_ATTEMPTS} attempts: "
                            f"{reason}; run the same push again: it adds only what is missing")


# --- files -------------------------------------------------------------------------------------------


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


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
