"""The curation project in Label Studio: finding or creating it, its tasks, its decisions.

A curation project belongs to one annotation project: its title is the annotation project's
title with `` (curation)`` and its description names the annotation project's id. Each task
holds one disputed document (``data.document_id``, its text unchanged), the annotation
project's id (``data.annotation_project``) and the fingerprint of the annotations it was made
from (``data.fingerprint``). Whoever submits an annotation there is the curator.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from annotate.conversion.convert import CURATED_KEY
from annotate.errors import ConnectionProblem, ProjectError
from annotate.studio.api import (
    fetch_tasks,
    get_project,
    list_tasks,
    projects_titled,
    refusal,
)
from annotate.studio.connection import call_with_retries
from annotate.studio.project import MAX_TITLE
from annotate.studio.task_import import send_import

SUFFIX = " (curation)"
CURATED_MARK = "curated"  # the flag pull sets on every decision it copies into the pulled file


def curation_title(title: str) -> str:
    """``<title> (curation)``, the title shortened to fit Label Studio's limit."""
    room = MAX_TITLE - len(SUFFIX)
    return (title if len(title) <= room else title[:room - 1].rstrip() + "…") + SUFFIX


def description(project: Any) -> str:
    return (f"Curation of the annotation project {project.title!r} (annotate project id {project.id}): "
            "one task per document whose annotators disagree, made by annotate adjudicate.")


def find_curation_project(client: LabelStudio, project: Any) -> Any | None:
    """The curation project of ``project`` (by title and the id in its description), or None."""
    marker = f"(annotate project id {project.id})"
    for candidate in projects_titled(client, curation_title(project.title)):
        found = get_project(client, candidate.id)
        if found is not None and marker in (found.description or ""):
            return found
    return None


def ensure_curation_project(client: LabelStudio, project: Any, config: str, guidelines: str) -> tuple[Any, bool]:
    """(the curation project, created): found, else created with ``config``; its config is kept
    in step with ``config``."""
    found = find_curation_project(client, project)
    if found is not None:
        if (found.label_config or "").strip() != config.strip():
            _update(client, found.id, label_config=config)
        return found, False
    try:  # sent once: creating is not idempotent; after a lost answer, look before giving up
        created = call_with_retries(
            client.projects.create, title=curation_title(project.title), description=description(project),
            label_config=config, expert_instruction=guidelines, show_instruction=False, attempts=1,
            request_options={"max_retries": 0}, what=f"creating the curation project of {project.title!r}")
    except ConnectionProblem:
        found = find_curation_project(client, project)
        if found is None:
            raise
        return found, True
    return get_project(client, created.id), True


def curation_tasks(client: LabelStudio, project_id: int) -> list[dict[str, Any]]:
    """Every task of the curation project with its data and annotations."""
    return fetch_tasks(client, project_id, [task.id for task in list_tasks(client, project_id)])


def latest_decision(task: dict[str, Any]) -> dict[str, Any] | None:
    """The task's most recently updated completed (not cancelled) annotation, or None."""
    done = [a for a in task.get("annotations") or () if not a.get("was_cancelled")]
    return max(done, key=lambda a: (str(a.get("updated_at") or ""), a.get("id") or 0)) if done else None


def decisions(client: LabelStudio, project: Any) -> dict[str, list[dict[str, Any]]]:
    """Document id -> the curator's completed annotations of it, marked curated (never ground
    truth), for ``annotate pull``; empty when the project has no curation project."""
    curation = find_curation_project(client, project)
    if curation is None:
        return {}
    found: dict[str, list[dict[str, Any]]] = {}
    for task in curation_tasks(client, curation.id):
        document_id = (task.get("data") or {}).get("document_id")
        for annotation in task.get("annotations") or ():
            if annotation.get("was_cancelled") or not isinstance(document_id, str):
                continue
            found.setdefault(document_id, []).append(
                {**annotation, "ground_truth": False, CURATED_MARK: True, "curation_task": task["id"]})
    return found


def attach(tasks: list[Any], decided: dict[str, list[dict[str, Any]]]) -> int:
    """Put each document's decisions on its task of a raw export (under the key the converter
    reads); how many decisions were attached."""
    attached = 0
    for task in tasks:
        data = task.get("data") if isinstance(task, dict) else None
        found = decided.get(data.get("document_id")) if isinstance(data, dict) else None
        if found:
            task[CURATED_KEY] = found
            attached += len(found)
    return attached


def add_tasks(client: LabelStudio, project_id: int, tasks: Sequence[dict[str, Any]], model_version: str) -> None:
    """Import ``tasks`` (each with its one prediction) and show that prediction's version."""
    if tasks:
        send_import(client, project_id, list(tasks))
    project = get_project(client, project_id)
    if project is not None and project.model_version != model_version:
        _update(client, project_id, model_version=model_version)


def delete_tasks(client: LabelStudio, task_ids: Sequence[int]) -> None:
    for task_id in task_ids:
        with contextlib.suppress(ApiError):  # 404: already gone
            call_with_retries(client.tasks.delete, id=task_id, what=f"deleting curation task {task_id}",
                              expected_statuses=(404,))


def _update(client: LabelStudio, project_id: int, **changes: Any) -> None:
    try:
        call_with_retries(client.projects.update, id=project_id, **changes,
                          what=f"updating curation project {project_id}", expected_statuses=(400,))
    except ApiError as error:
        raise ProjectError(f"Label Studio refused the settings of curation project {project_id}: "
                           f"{refusal(error)}; fix the schema and run annotate adjudicate again") from None
