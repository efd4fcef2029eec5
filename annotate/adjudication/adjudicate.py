"""``annotate adjudicate``: send the documents whose annotators disagree to the curation project.

The annotation project is pulled (through a snapshot, into a temporary folder), its documents
converted and compared; each document in dispute gets one task in the curation project, with
the proposal as its one prediction. Run again, it adds only what is new: a document whose task
was made from the same annotations is left alone; one whose annotations changed gets a new
task (proposing the earlier decision when it was curated; an uncurated stale task is replaced).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from label_studio_sdk import LabelStudio

from annotate.adjudication.disputes import Dispute, count_by_kind, find_disputes
from annotate.adjudication.page import SIDE_FIELD, curation_config, side_html
from annotate.adjudication.proposal import MODEL_VERSION, proposal
from annotate.conversion.annotator_key import key_path_for, load_key
from annotate.conversion.convert import AnnotatorNames, convert_task, iter_tasks
from annotate.conversion.records import DocumentRecord
from annotate.scheme.guidelines import guidelines_html
from annotate.scheme.schema import Schema
from annotate.studio import curation
from annotate.studio.api import labeling_url, server_url
from annotate.studio.pull import default_output, pull


@dataclass(frozen=True)
class AdjudicationResult:
    """What ``adjudicate`` found and did."""

    project_id: int
    project_title: str
    documents_compared: int  # documents that at least two annotators completed
    disputes: tuple[Dispute, ...] = ()  # most points first
    points: dict[str, int] = field(default_factory=dict)  # points in dispute per kind
    curation_project_id: int | None = None
    curation_title: str | None = None
    added: int = 0  # new curation tasks
    listed_again: int = 0  # of them, documents decided before whose annotations changed
    replaced: int = 0  # uncurated tasks made from annotations that changed since
    unchanged: int = 0  # documents whose task is up to date
    url: str | None = None  # where the curator starts

    @property
    def nothing_to_adjudicate(self) -> bool:
        return self.documents_compared == 0


def adjudicate(*, client: LabelStudio, schema: Schema, project_title: str | None = None,
               project_id: int | None = None, annotator_key: Path | None = None,
               timeout: float = 600) -> AdjudicationResult:
    """Find the documents in dispute and bring the curation project up to date with them.

    Annotators are shown to the curator under the pseudonyms the export gives them: those of the
    project's annotator key (``annotator_key``; by default ``annotators.json`` beside the file
    ``annotate pull`` writes for the project, created there when missing)."""
    with tempfile.TemporaryDirectory(prefix="annotate-adjudicate-") as folder:
        key_file = annotator_key or key_path_for(default_output(project_title or _title(client, project_id)))
        Path(key_file).parent.mkdir(parents=True, exist_ok=True)  # where pull keeps it, as pull would
        pulled = pull(client=client, project_title=project_title, project_id=project_id,
                      out=Path(folder) / "pulled.json", timeout=timeout, annotator_key=key_file)
        names = AnnotatorNames(load_key(key_file), server=server_url(client))
        records = list(_records(pulled.path, schema, names))
    disputes, compared = find_disputes(records)
    base = AdjudicationResult(project_id=pulled.project_id, project_title=pulled.project_title,
                              documents_compared=compared, disputes=tuple(disputes),
                              points=count_by_kind(disputes))
    if not disputes:
        return base
    project = client.projects.get(id=pulled.project_id)
    target, _ = curation.ensure_curation_project(client, project, curation_config(schema), guidelines_html(schema))
    existing: dict[str, list[dict[str, Any]]] = {}
    for task in curation.curation_tasks(client, target.id):
        existing.setdefault(str((task.get("data") or {}).get("document_id")), []).append(task)

    new_tasks, stale, listed_again, unchanged = [], [], 0, 0
    for dispute in disputes:
        tasks = sorted(existing.get(dispute.record.id, []), key=lambda task: task["id"])
        if any((task.get("data") or {}).get("fingerprint") == dispute.fingerprint for task in tasks):
            unchanged += 1
            continue
        earlier = next((decision for decision in map(curation.latest_decision, reversed(tasks)) if decision), None)
        stale += [task["id"] for task in tasks if curation.latest_decision(task) is None]
        listed_again += earlier is not None
        new_tasks.append(_task(dispute, pulled.project_id, schema, earlier))
    curation.delete_tasks(client, stale)
    curation.add_tasks(client, target.id, new_tasks, MODEL_VERSION)
    return AdjudicationResult(
        **{**base.__dict__, "curation_project_id": int(target.id), "curation_title": target.title,
           "added": len(new_tasks), "listed_again": listed_again, "replaced": len(stale),
           "unchanged": unchanged, "url": labeling_url(client, int(target.id))})


def _title(client: LabelStudio, project_id: int | None) -> str:
    project = client.projects.get(id=project_id) if project_id is not None else None
    return str(project.title) if project is not None else "project"


def _records(path: Path, schema: Schema, names: AnnotatorNames) -> Iterable[DocumentRecord]:
    for task in iter_tasks(path):
        record, _ = convert_task(task, schema, names=names, predictions=False)
        if record is not None:  # unreadable annotations are the export's to report
            yield record


def _task(dispute: Dispute, project_id: int, schema: Schema, earlier: dict[str, Any] | None) -> dict[str, Any]:
    record = dispute.record
    result = list(earlier.get("result") or []) if earlier else proposal(record.text, dispute.votes, schema)
    return {
        "data": {"text": record.text, "title": record.title, "document_id": record.id, "source": record.source,
                 "annotation_project": project_id, "annotation_task": record.task_id,
                 "fingerprint": dispute.fingerprint, "points": len(dispute.points),
                 SIDE_FIELD: side_html(dispute, earlier_decision=earlier is not None)},
        "predictions": [{"model_version": MODEL_VERSION, "score": len(dispute.points), "result": result}],
    }
