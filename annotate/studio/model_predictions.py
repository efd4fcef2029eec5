"""A trained model in a project: its predictions for tasks already there, and uncertainty sampling.

``push --model`` imports new documents with the combined prediction (patterns, memory and the
model). Tasks that were already in the project and that nobody annotated yet get that prediction
too (:func:`add_predictions`, one bulk request per chunk; a task that already has a prediction of
this model version is left alone, so a rerun adds only what is missing). Then the project serves
tasks by Label Studio's uncertainty sampling for that model version (:func:`sample_by_uncertainty`):
the lowest task score first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from label_studio_sdk import LabelStudio

from annotate.corpus.reader import Document
from annotate.errors import ConnectionProblem
from annotate.preannotation.matchers import Preannotator, prediction
from annotate.studio.api import TaskSummary, transient_reason
from annotate.studio.connection import call_with_retries

CHUNK = 500
UNCERTAINTY = "Uncertainty sampling"


def unannotated_texts(tasks: Sequence[TaskSummary], documents: Mapping[str, Document]) -> dict[int, str]:
    """Task id -> text of the tasks of ``documents`` that nobody annotated (or skipped) yet."""
    return {task.id: documents[task.document_id].text for task in tasks
            if task.annotations == 0 and task.document_id in documents}


def add_predictions(client: LabelStudio, project_id: int, texts: Mapping[int, str],
                    preannotator: Preannotator) -> int:
    """Add ``preannotator``'s prediction to each task of ``texts`` (task id -> text) that has none of
    its model version; the number added."""
    existing = call_with_retries(client.predictions.list, project=project_id,
                                 what=f"listing the predictions of project {project_id}")
    have = {int(p.task) for p in existing if p.model_version == preannotator.model_version and p.task is not None}
    todo = [task_id for task_id in sorted(texts) if task_id not in have]
    added = 0
    for start in range(0, len(todo), CHUNK):
        request: list[dict[str, Any]] = []
        for task_id in todo[start:start + CHUNK]:
            found = prediction(preannotator, texts[task_id])
            if found:
                request.append({"task": task_id, **found})
        if not request:
            continue
        try:
            client.projects.import_predictions(id=project_id, request=request,
                                               request_options={"max_retries": 0, "timeout_in_seconds": 600})
        except Exception as error:  # noqa: BLE001 - sorted into transient and refused
            reason = transient_reason(error, f"adding predictions to project {project_id}")
            raise ConnectionProblem(f"adding predictions to project {project_id} failed: {reason}; run the same push "
                                    "again: it adds only the predictions still missing") from None
        added += len(request)
    return added


def sample_by_uncertainty(client: LabelStudio, project_id: int, model_version: str) -> None:
    """Serve the tasks whose predictions of ``model_version`` have the lowest score first."""
    call_with_retries(client.projects.update, id=project_id, model_version=model_version, sampling=UNCERTAINTY,
                      what=f"setting uncertainty sampling on project {project_id}")
