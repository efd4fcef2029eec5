"""A trained model as a pre-annotator: its proposals as Label Studio results with scores.

Entities are ``labels`` results of the ``entities`` control; a claim is a ``labels`` result of
the ``claims`` control with its stance and attributes as per-region ``choices`` results (same
region id); the document stance is a ``choices`` result. Each result carries the model's
confidence as ``score`` (Label Studio shows it per region), and :func:`task_score` gives the
task's. Offsets are code points and ``text[start:end] == value["text"]``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from annotate.learning.model import Model, Proposals
from annotate.scheme.schema import (
    CLAIM_STANCE_NAME,
    CLAIMS_NAME,
    DOCUMENT_STANCE_NAME,
    ENTITIES_NAME,
    TEXT_NAME,
    Schema,
)

SOURCE = "model"
DIGITS = 4


class ModelPreannotator:
    """Proposals of a model folder, for :func:`annotate.preannotation.matchers.combine`."""

    name = SOURCE

    def __init__(self, model: Model, schema: Schema) -> None:
        model.check_schema(schema)
        self.model = model
        self.schema = schema
        self.model_version = model.model_version
        self.version_name = model.model_version  # how it is named in a combined model_version

    @classmethod
    def from_folder(cls, folder: Path | str, schema: Schema) -> ModelPreannotator:
        return cls(Model(folder), schema)

    def predict(self, document_text: str) -> list[dict[str, Any]]:
        return results(document_text, self.model.predict(document_text), self.schema)


def results(text: str, proposals: Proposals, schema: Schema) -> list[dict[str, Any]]:
    """The Label Studio results of ``proposals`` (entities, claims with choices, document stance)."""
    known = set(schema.entity_labels)
    found = [_span(text, ENTITIES_NAME, _id(f"{p.start}:{p.end}:{p.label}"), p.start, p.end, p.label, p.score)
             for p in proposals.entities if p.label in known]
    for claim in proposals.claims:
        region = _id(f"claim:{claim.start}:{claim.end}")
        found.append(_span(text, CLAIMS_NAME, region, claim.start, claim.end, schema.claims.label, claim.score))
        choices = [(CLAIM_STANCE_NAME, claim.stance)] if claim.stance else []
        choices += sorted(claim.attributes.items())
        for control, (value, score) in choices:
            found.append({"id": region, "from_name": control, "to_name": TEXT_NAME, "type": "choices",
                          "score": round(score, DIGITS),
                          "value": {"start": claim.start, "end": claim.end, "text": text[claim.start:claim.end],
                                    "choices": [value]}})
    if proposals.stance:
        value, score = proposals.stance
        found.append({"id": "doc-stance", "from_name": DOCUMENT_STANCE_NAME, "to_name": TEXT_NAME, "type": "choices",
                      "score": round(score, DIGITS), "value": {"choices": [value]}})
    return found


def _id(key: str) -> str:
    return hashlib.sha1(key.encode()).hexdigest()[:10]


def _span(text: str, control: str, region: str, start: int, end: int, label: str, score: float) -> dict[str, Any]:
    return {"id": region, "from_name": control, "to_name": TEXT_NAME, "type": "labels", "score": round(score, DIGITS),
            "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]}}
