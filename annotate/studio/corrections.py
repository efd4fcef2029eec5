"""Corrected articles in a Label Studio project: find them, refuse them, or carry everything over.

The planning is :mod:`annotate.corrections`; this module reads what is on the server and sends
the plan: every annotation (oldest first, so the most recently updated stays so), draft and
prediction gets its carried result, then the task gets its new text. Each request sets a final
value, so a correction cut off half-way is finished by sending its whole plan again
(:func:`finish_pending`), which the pending report beside the corpus holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from label_studio_sdk import LabelStudio

from annotate.corpus.reader import Document
from annotate.corrections.diff import TextChange
from annotate.corrections.history import Report, finish_report, pending_reports, start_report
from annotate.corrections.plan import ArticlePlan, plan_article, text_checksum
from annotate.errors import CorrectionError
from annotate.studio.api import TaskSummary, fetch_tasks, raise_for_status, server_url
from annotate.studio.connection import call_with_retries
from annotate.studio.task_import import task_data

_PATHS = {"annotation": "api/annotations/{}/", "draft": "api/drafts/{}/", "prediction": "api/predictions/{}/"}


@dataclass(frozen=True)
class Corrected:
    """A task whose text differs from its corpus document's."""

    task: TaskSummary
    document: Document


def find_corrected(tasks: Sequence[TaskSummary], documents: Mapping[str, Document]) -> list[Corrected]:
    """Every task of a corpus document whose text is not the document's text."""
    found = []
    for task in tasks:
        document = documents.get(task.document_id) if task.document_id is not None else None
        if document is not None and task.text_sha256 != text_checksum(document.text):
            found.append(Corrected(task, document))
    return found


def refusal(client: LabelStudio, project_id: int, corrected: Sequence[Corrected]) -> CorrectionError:
    """The error of a push that meets corrected texts without ``--update-texts``: one line per article."""
    old = {task["id"]: task["data"].get("text") for task in fetch_tasks(client, project_id, [c.task.id for c in corrected])}
    lines = []
    for item in corrected:
        before = old.get(item.task.id)
        changed = TextChange(before, item.document.text).characters_changed if isinstance(before, str) else "?"
        lines.append(f"{item.document.source}: document {item.document.id} (task {item.task.id}): text corrected, "
                     f"{changed} character(s) changed")
    count = len(corrected)
    return CorrectionError(
        f"{count} article(s) differ from their text in project {project_id} (first: {lines[0]}); nothing was "
        "changed; run push --update-texts to put the new texts in and carry every annotation onto them",
        problems=lines)


def correct(client: LabelStudio, project_id: int, corrected: Sequence[Corrected], history: Path
            ) -> tuple[list[ArticlePlan], Report]:
    """Plan every corrected article, write the pending report, send everything, mark it done."""
    plans = []
    for item in corrected:
        task = _get(client, f"api/tasks/{item.task.id}", f"reading task {item.task.id}")
        drafts = _get(client, f"api/tasks/{item.task.id}/drafts", f"reading the drafts of task {item.task.id}")
        data = task.get("data") if isinstance(task.get("data"), Mapping) else {}
        new_data = {**data, **task_data(item.document)}
        plans.append(plan_article(task, drafts if isinstance(drafts, list) else [], new_data,
                                  document_id=item.document.id, source=item.document.source))
    report = start_report(history, server=server_url(client), project_id=project_id, plans=plans)
    return plans, _send(client, report)


def finish_pending(client: LabelStudio, project_id: int, history: Path) -> list[Report]:
    """Send again every correction of this project that a killed push left pending."""
    return [_send(client, report)
            for report in pending_reports(history, server=server_url(client), project_id=project_id)]


def _send(client: LabelStudio, report: Report) -> Report:
    for article in report.to_apply:
        task_id = int(article["task_id"])
        for item in article["items"]:
            what = f"carrying {item['kind']} {item['id']} of task {task_id} onto the corrected text"
            _request(client, "PATCH", _PATHS[item["kind"]].format(int(item["id"])), {"result": item["result"]}, what)
        _request(client, "PATCH", f"api/tasks/{task_id}", {"data": article["data"]},
                 f"putting the corrected text into task {task_id}")
    return finish_report(report)


def _get(client: LabelStudio, path: str, what: str) -> Any:
    return _request(client, "GET", path, None, what)


def _request(client: LabelStudio, method: str, path: str, body: Any, what: str) -> Any:
    """One call, retried (reads, and writes that set a final value, are idempotent)."""
    def send() -> Any:
        response = client._client_wrapper.httpx_client.request(  # noqa: SLF001 - the SDK's authenticated client
            path, method=method, json=body, request_options={"max_retries": 0})
        raise_for_status(response)
        return response.json() if response.content else None
    return call_with_retries(send, what=what)
