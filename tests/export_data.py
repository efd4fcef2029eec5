"""Hand-made Label Studio tasks, shaped exactly like a JSON export of this project's config.

``Task`` builds one task; ``Annotator`` builds one annotation's result list the way the labeling
page writes it (span results, per-region choices with the span's id, relations, the document
stance). ``realistic_export()`` is a small project: several annotators, a ground truth, a
cancelled annotation, a document nobody annotated, emoji and ``\\r\\n`` before spans.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

NEWS = [
    ("Putin aide: S-300 deliveries to Iran are starting",
     "Moscow 🛰️ (Reuters) 👍🏽\r\n\r\nAn aide to Russian President Vladimir Putin told TASS on Thursday that "
     "delivery of the S-300 system to Iran is beginning.\r\nThe aide Vladimir Kozhin said \"the contract is "
     "being implemented\". Iran welcomed the S-300PMU-2 shipment, which has a range of 195 kilometers."),
    ("Israel warns over air-defence sale",
     "Tel Aviv. Israeli officials said on Monday that the sale of the S-300 to Iran endangers the region.\n"
     "Benjamin Netanyahu said Russia should halt the deliveries of the S-300."),
    ("Iran's parliament reacts",
     "Tehran — Mehdi Sanai claimed the first deliveries had come in. The Majlis said the system "
     "would be operational in 2016. Re\u0301sume\u0301: nothing else."),
]


class Annotator:
    """One annotation's results, built region by region."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.result: list[dict[str, Any]] = []

    def _span(self, needle: str, occurrence: int) -> tuple[int, int]:
        start = -1
        for _ in range(occurrence + 1):
            start = self.text.index(needle, start + 1)
        return start, start + len(needle)

    def entity(self, region_id: str, needle: str, label: str, occurrence: int = 0) -> Annotator:
        start, end = self._span(needle, occurrence)
        self.result.append({"id": region_id, "from_name": "entities", "to_name": "text", "type": "labels",
                            "origin": "manual",
                            "value": {"start": start, "end": end, "text": needle, "labels": [label]}})
        return self

    def claim(self, region_id: str, needle: str, *, stance: str | None, claimant: str | None = None,
              claim_type: str | None = "FACT", checkworthy: str | None = None, direction: str = "right") -> Annotator:
        start, end = self._span(needle, 0)
        value = {"start": start, "end": end, "text": needle}
        self.result.append({"id": region_id, "from_name": "claims", "to_name": "text", "type": "labels",
                            "origin": "manual", "value": {**value, "labels": ["CLAIM"]}})
        for name, choice in (("claim_stance", stance), ("claim_type", claim_type), ("checkworthy", checkworthy)):
            if choice is not None:
                self.result.append({"id": region_id, "from_name": name, "to_name": "text", "type": "choices",
                                    "origin": "manual", "value": {**value, "choices": [choice]}})
        if claimant is not None:
            ends = (region_id, claimant) if direction == "right" else (claimant, region_id)
            self.result.append({"from_id": ends[0], "to_id": ends[1], "type": "relation", "direction": direction})
        return self

    def stance(self, value: str) -> Annotator:
        self.result.append({"id": f"doc-{value}", "from_name": "doc_stance", "to_name": "text", "type": "choices",
                            "origin": "manual", "value": {"choices": [value]}})
        return self


def annotation(annotation_id: int, user: Any, annotator: Annotator | None, *, ground_truth: bool = False,
               cancelled: bool = False, updated: str = "2025-03-01T10:00:00.000000Z",
               lead_time: float = 42.5) -> dict[str, Any]:
    return {
        "id": annotation_id, "completed_by": user, "result": annotator.result if annotator else [],
        "was_cancelled": cancelled, "ground_truth": ground_truth, "created_at": "2025-02-01T09:00:00.000000Z",
        "updated_at": updated, "lead_time": lead_time, "prediction": {}, "result_count": 0, "task": 0,
        "parent_prediction": None, "parent_annotation": None, "last_action": None,
    }


def task(task_id: int, document_id: str, title: str, text: str, annotations: list[dict[str, Any]]) -> dict[str, Any]:
    for item in annotations:
        item["task"] = task_id
    return {"id": task_id, "data": {"text": text, "title": title, "document_id": document_id,
                                    "source": f"seeds/{document_id}.txt"},
            "annotations": annotations, "drafts": [], "predictions": [], "meta": {},
            "created_at": "2025-01-01T00:00:00.000000Z", "updated_at": "2025-03-01T10:00:00.000000Z",
            "inner_id": task_id, "total_annotations": len(annotations), "cancelled_annotations": 0,
            "total_predictions": 0, "comment_count": 0, "unresolved_comment_count": 0,
            "last_comment_updated_at": None, "project": 1, "updated_by": None, "comment_authors": []}


ALICE = 1
BOB = {"id": 2, "first_name": "", "last_name": "", "avatar": None, "email": "bob@example.org",
       "initials": "bo"}
CAROL = 3


def moscow_document(task_id: int = 1, document_id: str = "doc-moscow") -> dict[str, Any]:
    """Two annotators who agree on most things; emoji and ``\\r\\n`` before every span."""
    title, text = NEWS[0]

    def work(extra_entity: bool) -> Annotator:
        a = (Annotator(text)
             .entity("e1", "Moscow", "GPE").entity("e2", "Russian", "NORP").entity("e3", "Vladimir Putin", "PERSON")
             .entity("e4", "TASS", "ORG").entity("e5", "Thursday", "DATE").entity("e6", "S-300", "WEAPON")
             .entity("e7", "Iran", "GPE").entity("e8", "Vladimir Kozhin", "PERSON")
             .entity("e9", "S-300", "WEAPON", occurrence=1)
             .claim("c1", "delivery of the S-300 system to Iran is beginning", stance="FAVOR", claimant="e3",
                    claim_type="FACT", checkworthy="YES")
             .claim("c2", "the contract is being implemented", stance="FAVOR", claimant="e8", direction="left",
                    claim_type="FACT")
             .stance("FAVOR"))
        if extra_entity:
            a.entity("e10", "195 kilometers", "QUANTITY")
        return a

    return task(task_id, document_id, title, text, [
        annotation(101, ALICE, work(True), updated="2025-03-01T10:00:00.000000Z"),
        annotation(102, BOB, work(False), updated="2025-03-02T10:00:00.000000Z"),
        annotation(103, CAROL, None, cancelled=True),
    ])


def israel_document(task_id: int = 2, document_id: str = "doc-israel") -> dict[str, Any]:
    """A ground truth and an ordinary annotation that disagrees with it."""
    title, text = NEWS[1]
    truth = (Annotator(text).entity("g1", "Tel Aviv", "GPE").entity("g2", "Israeli", "NORP")
             .entity("g3", "Monday", "DATE").entity("g4", "S-300", "WEAPON").entity("g5", "Iran", "GPE")
             .entity("g6", "Benjamin Netanyahu", "PERSON").entity("g7", "Russia", "GPE")
             .entity("g8", "S-300", "WEAPON", occurrence=1)
             .claim("k1", "the sale of the S-300 to Iran endangers the region", stance="AGAINST",
                    claim_type="OPINION", checkworthy="NO")
             .claim("k2", "Russia should halt the deliveries of the S-300", stance="AGAINST", claimant="g6",
                    claim_type="PREDICTION")
             .stance("AGAINST"))
    other = Annotator(text).entity("x1", "Benjamin Netanyahu", "PERSON").stance("NONE")
    return task(task_id, document_id, title, text, [
        annotation(201, CAROL, other),
        annotation(202, ALICE, truth, ground_truth=True, updated="2025-01-15T08:00:00.000000Z"),
    ])


def tehran_document(task_id: int = 3, document_id: str = "doc-tehran") -> dict[str, Any]:
    """One annotator; combining marks in the text; a nested entity inside another."""
    title, text = NEWS[2]
    work = (Annotator(text).entity("t1", "Tehran", "GPE").entity("t2", "Mehdi Sanai", "PERSON")
            .entity("t3", "Majlis", "ORG").entity("t4", "2016", "DATE")
            .entity("t5", "The Majlis", "ORG").entity("t6", "Re\u0301sume\u0301", "EVENT")
            .claim("m1", "the first deliveries had come in", stance="FAVOR", claimant="t2", checkworthy="YES")
            .stance("NONE"))
    return task(task_id, document_id, title, text, [annotation(301, BOB, work)])


def filler_document(number: int, task_id: int) -> dict[str, Any]:
    """A short article with one annotation, so that every split gets documents."""
    text = f"Report {number}: Iran said on Friday that Russia delivered {number} launchers."
    work = (Annotator(text).entity("f1", "Iran", "GPE").entity("f2", "Friday", "DATE")
            .entity("f3", "Russia", "GPE").entity("f4", f"{number} launchers", "QUANTITY")
            .claim("f5", f"Russia delivered {number} launchers", stance="FAVOR", claimant="f1")
            .stance("FAVOR"))
    return task(task_id, f"doc-filler-{number:03d}", f"Report {number}", text,
                [annotation(1000 + number, ALICE if number % 2 else CAROL, work)])


def realistic_export(fillers: int = 30) -> list[dict[str, Any]]:
    """The three news documents, one document with only a cancelled annotation, one with none,
    and ``fillers`` short annotated reports."""
    title, text = NEWS[1]
    tasks = [moscow_document(), israel_document(), tehran_document(),
             task(4, "doc-skipped", "Skipped", "Nobody wanted this one.\r\nReally.",
                  [annotation(401, CAROL, None, cancelled=True)]),
             task(5, "doc-untouched", "Untouched", "No annotation yet on this one.", [])]
    tasks += [filler_document(number, 100 + number) for number in range(fillers)]
    return tasks


def write_export(path: Path, tasks: list[dict[str, Any]]) -> Path:
    """Write tasks as Label Studio does: one JSON array, UTF-8, non-ASCII kept."""
    path.write_text(json.dumps(tasks, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def load_rows(version: Path, config: str, cache: Path) -> list[dict[str, Any]]:
    """Every row of one config, all splits, with class labels as their names."""
    import datasets

    loaded = datasets.load_dataset(str(version), config, cache_dir=str(cache))
    rows = []
    for split in loaded.values():
        rows += [_names(row, split.features) for row in split]
    return rows


def _names(value: Any, feature: Any) -> Any:
    import datasets

    if isinstance(feature, datasets.ClassLabel):
        return None if value is None else feature.int2str(value)
    if isinstance(feature, dict):
        return {key: _names(value[key], inner) for key, inner in feature.items()}
    if isinstance(value, list) and hasattr(feature, "feature"):
        return [_names(item, feature.feature) for item in value]
    return value
