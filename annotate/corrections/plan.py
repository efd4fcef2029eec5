"""The plan of one corrected article: its new task data, and every annotation, draft and prediction
on it carried onto the new text (see :mod:`annotate.corrections.carry`).

Annotations are listed oldest first (by Label Studio's ``updated_at``, then ``created_at``, then
id): saving them in that order keeps which one is the most recently updated, so the gold merge
picks the same winner after the correction as before it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from annotate.corpus.identity import text_checksum
from annotate.corrections.carry import Carried, carry_result
from annotate.corrections.diff import TextChange
from annotate.errors import CorrectionError

VERSION_FIELD = "text_version"  # in task data: 1 for a text never corrected
CHECKSUM_FIELD = "text_sha256"  # in task data: SHA-256 of the text
KINDS = ("annotation", "draft", "prediction")
__all__ = ["ArticlePlan", "ItemPlan", "plan_article", "text_checksum", "text_version"]


def text_version(data: Mapping[str, Any]) -> int:
    """The text version a task's data records (1 when it records none)."""
    version = data.get(VERSION_FIELD)
    return version if isinstance(version, int) and not isinstance(version, bool) and version >= 1 else 1


@dataclass(frozen=True)
class ItemPlan:
    """One annotation, draft or prediction and its carried result."""

    kind: str  # annotation | draft | prediction
    id: int
    updated_at: str | None  # as Label Studio had it before the correction
    carried: Carried

    def as_history(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "updated_at": self.updated_at,
                "regions": [region.as_dict() for region in self.carried.regions],
                "relations_dropped": [relation.as_dict() for relation in self.carried.relations_dropped]}


@dataclass(frozen=True)
class ArticlePlan:
    """What correcting one task does."""

    document_id: str
    source: str
    task_id: int
    old_text: str
    new_data: dict[str, Any]
    old_version: int
    characters_changed: int
    items: tuple[ItemPlan, ...]

    @property
    def new_text(self) -> str:
        return self.new_data["text"]

    @property
    def new_version(self) -> int:
        return self.new_data[VERSION_FIELD]

    def count(self, outcome: str) -> int:
        return sum(item.carried.count(outcome) for item in self.items)

    @property
    def relations_dropped(self) -> int:
        return sum(len(item.carried.relations_dropped) for item in self.items)

    def history(self) -> dict[str, Any]:
        """The article's entry in the correction report (no new results, no user names)."""
        return {
            "document_id": self.document_id, "source": self.source, "task_id": self.task_id,
            "text": {"old_sha256": text_checksum(self.old_text), "new_sha256": text_checksum(self.new_text),
                     "old_version": self.old_version, "new_version": self.new_version,
                     "old_length": len(self.old_text), "new_length": len(self.new_text),
                     "characters_changed": self.characters_changed},
            "counts": {"moved": self.count("moved"), "review": self.count("review"),
                       "removed": self.count("removed"), "relations_dropped": self.relations_dropped},
            "items": [item.as_history() for item in self.items],
        }

    def to_apply(self) -> dict[str, Any]:
        """What is sent to Label Studio, in order (kept in the report until it is all sent)."""
        return {"task_id": self.task_id, "data": self.new_data,
                "items": [{"kind": item.kind, "id": item.id, "result": item.carried.result} for item in self.items]}


def plan_article(task: Mapping[str, Any], drafts: Sequence[Mapping[str, Any]], new_data: Mapping[str, Any],
                 *, document_id: str, source: str) -> ArticlePlan:
    """Carry everything on ``task`` (its ``data``, ``annotations``, ``predictions``) and its
    ``drafts`` onto ``new_data["text"]``. A new text that is empty or only whitespace is refused."""
    data = task.get("data") if isinstance(task.get("data"), Mapping) else {}
    old_text = data.get("text") if isinstance(data.get("text"), str) else ""
    new_text = new_data.get("text")
    if not isinstance(new_text, str) or not new_text.strip():
        raise CorrectionError(f"document {document_id} ({source}, task {task.get('id')}): the corrected text is "
                              "empty; an article's text is never emptied: restore the file, or leave the document "
                              "out of the corpus")
    change = TextChange(old_text, new_text)
    old_version = text_version(data)
    new_version = old_version + 1
    planned = {**dict(new_data), VERSION_FIELD: new_version, CHECKSUM_FIELD: text_checksum(new_text)}
    items: list[ItemPlan] = []
    annotations = sorted(task.get("annotations") or (), key=_recency)
    for kind, group in (("annotation", annotations), ("draft", drafts), ("prediction", task.get("predictions") or ())):
        for item in group:
            items.append(ItemPlan(kind, int(item["id"]), item.get("updated_at"),
                                  carry_result(item.get("result") or (), change, new_version=new_version)))
    return ArticlePlan(document_id, source, int(task["id"]), old_text, planned, old_version,
                       change.characters_changed, tuple(items))


def _recency(annotation: Mapping[str, Any]) -> tuple[str, str, int]:
    """Label Studio's ISO times in one format sort as text."""
    return str(annotation.get("updated_at") or ""), str(annotation.get("created_at") or ""), int(annotation["id"])
