"""What changed in a project since an earlier pull, asked of Label Studio without reading every task.

Label Studio dates a task's changes in ``Task.updated_at``: saving or deleting an annotation or a
prediction, the Data Manager's bulk "delete annotations" and "predictions to annotations"
actions, and a task's own edits all set it. A Data Manager view filtered on it (``updated_at``
after a time, or a draft on the task, since drafts do not touch it) is what an export snapshot
is limited to (``task_filter_options={"view": id}``).

What the view cannot show is checked by counting:

- deleted tasks leave nothing to filter on: :func:`count_tasks_up_to` counts the tasks up to an
  id, and :func:`task_ids` lists them when the count says some are gone;
- a change Label Studio does not date (the Data Manager's "delete predictions" action deletes
  them without touching the task) shows in the project's live counters, :func:`project_tallies`.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone

from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from annotate.studio.api import LIST_PAGE_SIZE
from annotate.studio.connection import call_with_retries

VIEW_TITLE = "annotate pull: changed tasks"
_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # what the Data Manager parses (UTC)


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
    """A Data Manager view of the tasks updated after ``since`` or holding a draft; its id."""
    stamp = since.astimezone(timezone.utc).strftime(_DATETIME_FORMAT)
    filters = {"conjunction": "or", "items": [
        {"filter": "filter:tasks:updated_at", "operator": "greater", "type": "Datetime", "value": stamp},
        {"filter": "filter:tasks:draft_exists", "operator": "equal", "type": "Boolean", "value": True}]}
    view = call_with_retries(client.views.create, project=project_id, data={"title": VIEW_TITLE, "filters": filters},
                             what=f"creating a view of the changed tasks of project {project_id}")
    return int(view.id)


def remove_view(client: LabelStudio, view_id: int) -> None:
    """Delete the view (already gone is fine: it only ever served one pull)."""
    with contextlib.suppress(ApiError):
        call_with_retries(client.views.delete, id=str(view_id), what=f"deleting view {view_id}",
                          expected_statuses=(404,))


def count_tasks_up_to(client: LabelStudio, project_id: int, last_id: int) -> int:
    """How many tasks of the project have an id up to ``last_id`` (one small request)."""
    query = json.dumps({"filters": {"conjunction": "and", "items": [
        {"filter": "filter:tasks:id", "operator": "less_or_equal", "type": "Number", "value": last_id}]}})
    pager = call_with_retries(client.tasks.list, project=project_id, fields="task_only", include="id", page_size=1,
                              query=query, resolve_uri=False,
                              what=f"counting the tasks of project {project_id}")
    return int(pager.response.total)


def task_ids(client: LabelStudio, project_id: int) -> set[int]:
    """The ids of every task of the project (only when tasks were deleted: it reads them all)."""
    found: set[int] = set()
    page = 1
    while True:
        try:
            pager = call_with_retries(client.tasks.list, project=project_id, fields="task_only", include="id",
                                      page=page, page_size=LIST_PAGE_SIZE, resolve_uri=False,
                                      what=f"listing the task ids of project {project_id}", expected_statuses=(404,))
        except ApiError:  # the last page went away while listing
            return found
        items = pager.items or []
        found.update(int(task.id) for task in items)
        if len(items) < LIST_PAGE_SIZE:
            return found
        page += 1
