"""What changed in a project since an earlier pull, asked of Label Studio without reading every task.

Label Studio dates a task's changes in ``Task.updated_at``: saving or deleting an annotation or a
prediction, the Data Manager's bulk "delete annotations" and "predictions to annotations"
actions, and a task's own edits all set it. A Data Manager view filtered on it (``updated_at``
after a time, or a draft on the task, since drafts do not touch it) is what an export snapshot
is limited to (``task_filter_options={"view": id}``).

What the view cannot show is checked by counting:

- deleted tasks leave nothing to filter on: :func:`count_tasks_up_to` counts the tasks up to an
  id, and :func:`task_ids` lists them when the count says some are gone;
- a change Label Studio does not date shows in the project's live counters,
  :func:`project_tallies`: predictions added to existing tasks by the predictions import (what
  ``annotate push --model`` and ``annotate serve`` use) or deleted by the Data Manager's "delete
  predictions" action, annotations moved by "remove duplicated tasks" or "propagate annotations".
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
import os
from datetime import datetime, timedelta, timezone

from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from annotate.errors import AnnotateError
from annotate.studio.api import LIST_PAGE_SIZE
from annotate.studio.connection import call_with_retries

VIEW_TITLE = "annotate pull: changed tasks"  # then " (pid N, <UTC time>)"
_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # what the Data Manager parses (Label Studio runs in UTC)
_TITLE_TIME = "%Y-%m-%d %H:%M:%S"
STALE_VIEW = timedelta(days=1)  # a view of a pull that was killed: older than any pull lasts


@dataclass(frozen=True)
class Tallies:
    """Counts of a project, as Label Studio counts them, or of a pulled file."""

    tasks: int
    annotations: int  # not cancelled
    cancelled: int
    ground_truth: int  # cancelled ones included, as Label Studio counts them
    predictions: int


def project_tallies(client: LabelStudio, project_id: int) -> Tallies:
    """The project's live counters (each a count query on the server)."""
    project = call_with_retries(client.projects.get, id=project_id, what=f"reading the counts of project {project_id}")
    return Tallies(tasks=int(project.task_number or 0), annotations=int(project.total_annotations_number or 0),
                   cancelled=int(project.skipped_annotations_number or 0),
                   ground_truth=int(project.ground_truth_number or 0),
                   predictions=int(project.total_predictions_number or 0))


def create_changed_view(client: LabelStudio, project_id: int, since: datetime) -> int:
    """A Data Manager view of the tasks updated after ``since`` or holding a draft; its id. Views
    that killed pulls left behind are removed first."""
    remove_stale_views(client, project_id)
    stamp = since.astimezone(timezone.utc).strftime(_DATETIME_FORMAT)
    filters = {"conjunction": "or", "items": [
        {"filter": "filter:tasks:updated_at", "operator": "greater", "type": "Datetime", "value": stamp},
        {"filter": "filter:tasks:draft_exists", "operator": "equal", "type": "Boolean", "value": True}]}
    title = f"{VIEW_TITLE} (pid {os.getpid()}, {datetime.now(timezone.utc):{_TITLE_TIME}} UTC)"
    view = call_with_retries(client.views.create, project=project_id, data={"title": title, "filters": filters},
                             what=f"creating a view of the changed tasks of project {project_id}")
    return int(view.id)


def remove_view(client: LabelStudio, view_id: int) -> None:
    """Delete the view; a failure only leaves it for the next pull to remove."""
    with contextlib.suppress(ApiError, AnnotateError):
        call_with_retries(client.views.delete, id=str(view_id), what=f"deleting view {view_id}",
                          expected_statuses=(404,))


def remove_stale_views(client: LabelStudio, project_id: int) -> None:
    """Delete the views of changed tasks that pulls killed half-way left in the project."""
    now = datetime.now(timezone.utc)
    with contextlib.suppress(ApiError, AnnotateError):
        views = call_with_retries(client.views.list, project=project_id, what=f"listing the views of project {project_id}")
        for view in views or ():
            title = str((view.data or {}).get("title") or "") if isinstance(view.data, dict) else ""
            made = _title_time(title)
            if made is not None and now - made > STALE_VIEW:
                remove_view(client, int(view.id))


def _title_time(title: str) -> datetime | None:
    if not title.startswith(VIEW_TITLE + " (pid ") or not title.endswith(" UTC)"):
        return None
    try:
        stamp = title[:-len(" UTC)")].rsplit(", ", 1)[1]
        return datetime.strptime(stamp, _TITLE_TIME).replace(tzinfo=timezone.utc)
    except (IndexError, ValueError):
        return None


def count_tasks_up_to(client: LabelStudio, project_id: int, last_id: int) -> int:
    """How many tasks of the project have an id up to ``last_id`` (one small request)."""
    pager = call_with_retries(client.tasks.list, project=project_id, fields="task_only", include="id", page_size=1,
                              query=_ids_query("less_or_equal", last_id), resolve_uri=False,
                              what=f"counting the tasks of project {project_id}")
    return int(pager.response.total)


def task_ids(client: LabelStudio, project_id: int) -> set[int]:
    """The ids of every task of the project (only when tasks were deleted: it reads them all).
    Paged by id, so tasks deleted meanwhile do not shift the pages."""
    found: set[int] = set()
    last = 0
    while True:
        pager = call_with_retries(client.tasks.list, project=project_id, fields="task_only", include="id",
                                  page_size=LIST_PAGE_SIZE, query=_ids_query("greater", last), resolve_uri=False,
                                  what=f"listing the task ids of project {project_id}")
        ids = [int(task.id) for task in pager.items or ()]
        found.update(ids)
        if len(ids) < LIST_PAGE_SIZE:
            return found
        last = max(ids)


def _ids_query(operator: str, task_id: int) -> str:
    return json.dumps({"filters": {"conjunction": "and", "items": [
        {"filter": "filter:tasks:id", "operator": operator, "type": "Number", "value": task_id}]}})
