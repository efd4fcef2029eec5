"""The Label Studio calls push and pull share: where the server is, projects, tasks, failures.

Reads are retried by :func:`annotate.studio.connection.call_with_retries`. Writes that are not
idempotent (creating a project, importing tasks, adding an annotation) go through
:func:`send_once`: sent once per attempt, and after a failure the caller's look at what the
server did decides whether (and what) to send again. :func:`transient_reason` sorts a failure
into "look and retry" or one clear error, and :func:`backoff` waits between attempts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from annotate.corrections.plan import text_checksum
from annotate.errors import ConnectionProblem, ProjectError
from annotate.studio.connection import RETRY_EXCEPTIONS, RETRY_STATUSES, call_with_retries, describe_failure

ATTEMPTS = 4  # of a write that is not idempotent
LIST_PAGE_SIZE = 1000
FETCH_CHUNK = 100

T = TypeVar("T")


@dataclass(frozen=True)
class TaskSummary:
    """A task as listed without its annotations: enough to match documents."""

    id: int
    document_id: str | None
    annotations: int  # completed and cancelled
    text_sha256: str | None = None  # of data.text: a corrected article's text differs from the corpus


# --- where -------------------------------------------------------------------------------------------


def server_url(client: LabelStudio) -> str:
    """The base URL the client talks to (never the key)."""
    return str(client._client_wrapper.get_base_url()).rstrip("/")  # noqa: SLF001 - no public accessor


def labeling_url(client: LabelStudio, project_id: int) -> str:
    """Where to annotate the project: its data manager, opened in labeling mode."""
    return f"{server_url(client)}/projects/{project_id}/data?labeling=1"


# --- projects ----------------------------------------------------------------------------------------


def get_project(client: LabelStudio, project_id: int) -> Any | None:
    """The project with this id, or None when it does not exist."""
    try:
        return call_with_retries(client.projects.get, id=project_id, what=f"reading project {project_id}",
                                 expected_statuses=(404,))
    except ApiError:
        return None


def find_project(client: LabelStudio, title: str) -> Any | None:
    """The one project with exactly this title, or None; two or more raise ProjectError."""
    matches = projects_titled(client, title)
    if len(matches) > 1:
        ids = ", ".join(str(project.id) for project in matches)
        raise ProjectError(
            f"{len(matches)} projects on {server_url(client)} are titled {title!r} (ids {ids}); "
            "rename or delete all but one in Label Studio, or pass --project with another title")
    return get_project(client, matches[0].id) if matches else None


def projects_titled(client: LabelStudio, title: str) -> list[Any]:
    """Every project titled exactly ``title`` (id and title only), lowest id first."""
    def listing() -> list[Any]:
        return [p for p in client.projects.list(title=title, include="id,title", page_size=100)
                if p.title == title]
    return sorted(call_with_retries(listing, what=f"looking up project {title!r}"), key=lambda p: p.id)


# --- tasks -------------------------------------------------------------------------------------------


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
                text_sha256=text_checksum(data["text"]) if isinstance(data.get("text"), str) else None,
            ))
        if not items or len(found) >= int(getattr(pager.response, "total", 0) or 0):
            return found
        page += 1
    return found


def count_tasks(client: LabelStudio, project_id: int) -> int:
    """How many tasks the project has (one small request)."""
    pager = call_with_retries(client.tasks.list, project=project_id, fields="task_only", include="id",
                              page_size=1, what=f"counting the tasks of project {project_id}")
    return int(pager.response.total)


# Any user's draft: the data manager's draft_exists filter (its task list shows the caller's drafts only).
_WITH_DRAFTS = json.dumps({"filters": {"conjunction": "and", "items": [
    {"filter": "filter:tasks:draft_exists", "operator": "equal", "type": "Boolean", "value": True}]}})


def tasks_with_drafts(client: LabelStudio, project_id: int) -> set[int]:
    """Ids of the project's tasks on which some annotator has a draft (unsubmitted work)."""
    found: set[int] = set()
    page = 1
    while True:
        pager = call_with_retries(client.tasks.list, project=project_id, fields="task_only", include="id",
                                  query=_WITH_DRAFTS, page=page, page_size=LIST_PAGE_SIZE, resolve_uri=False,
                                  what=f"listing the tasks of project {project_id} that hold drafts")
        items = pager.items or []
        found.update(int(task.id) for task in items)
        if not items or len(items) < LIST_PAGE_SIZE:
            return found
        page += 1


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


# --- failures ----------------------------------------------------------------------------------------


def transient_reason(error: Exception, what: str) -> str:
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


def raise_for_status(response: Any) -> None:
    """Raise the SDK's ApiError for a raw response that is not a success (as the SDK's own calls do)."""
    if not 200 <= response.status_code < 300:
        try:
            detail: Any = response.json()
        except ValueError:
            detail = response.text
        raise ApiError(status_code=response.status_code, headers=dict(response.headers), body=detail)


def send_once(send: Callable[[], T], look: Callable[[], T | None], what: str, advice: str) -> T:
    """``send()``'s answer; a write that is not idempotent is never blindly repeated: after a
    transient failure (the outcome unknown), a wait, then ``look()`` at the server: its answer
    when the write took effect, else None (and it may narrow what the next ``send()`` sends).
    After ``ATTEMPTS`` failures, one :class:`ConnectionProblem` line: ``what`` failed, then ``advice``."""
    reason = ""
    for attempt in range(ATTEMPTS):
        try:
            return send()
        except Exception as error:  # noqa: BLE001 - sorted into transient and refused
            reason = transient_reason(error, what)
        backoff(attempt, last=attempt == ATTEMPTS - 1)
        found = look()
        if found is not None:
            return found
    raise ConnectionProblem(f"{what} failed after {ATTEMPTS} attempts: {reason}; {advice}")


def backoff(attempt: int, *, last: bool) -> None:
    """Wait before looking at what a failed request did (not after the last attempt)."""
    if not last:
        time.sleep(min(30.0, 0.5 * 2 ** attempt))
