"""Counts an export keeps while it streams: documents, annotations, problems and labels.

They go into the manifest and the dataset card, and the changelog compares label counts with
the previous version's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from annotate.conversion.records import GoldDocument
from annotate.scheme.schema import Schema


@dataclass
class ExportCounts:
    """How many items of the raw export ended where."""

    tasks: int = 0
    documents: int = 0  # published: documents with a gold annotation
    without_annotation: int = 0  # no completed annotation (none, or only cancelled ones)
    annotations: int = 0  # completed annotations published in the ``annotations`` config
    cancelled: int = 0  # skipped in Label Studio; never published
    quarantined_documents: int = 0  # left out whole because of a problem
    quarantined_annotations: int = 0  # left out because of a problem
    problems: int = 0
    regions_without_text: int = 0  # kept, with a warning: offsets not cross-checked against value.text
    whitespace_spans: int = 0  # spans of white space alone, left out with a warning
    tasks_without_text_checksum: int = 0  # pushed before the checksum, and no corpus to check them against
    annotators: set[str] = field(default_factory=set)
    decisions: Counter[str] = field(default_factory=Counter)  # documents per gold policy
    points_resolved: int = 0  # points in dispute between annotators of the adjudicated documents

    def as_dict(self) -> dict[str, int]:
        return {
            "tasks": self.tasks,
            "documents": self.documents,
            "documents_without_annotation": self.without_annotation,
            "annotations": self.annotations,
            "annotations_cancelled": self.cancelled,
            "annotators": len(self.annotators),
            "documents_quarantined": self.quarantined_documents,
            "annotations_quarantined": self.quarantined_annotations,
            "problems": self.problems,
            "regions_without_text": self.regions_without_text,
            "whitespace_spans_left_out": self.whitespace_spans,
            "tasks_without_text_checksum": self.tasks_without_text_checksum,
        }


class LabelCounter:
    """Counts of the gold labels: entities per label, claims, claimants, stances, attributes."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.entities: Counter[str] = Counter()
        self.claim_stance: Counter[str] = Counter()
        self.document_stance: Counter[str] = Counter()
        self.attributes: dict[str, Counter[str]] = {a.name: Counter() for a in schema.claims.attributes}
        self.claims = 0
        self.with_claimant = 0

    def add(self, gold: GoldDocument) -> None:
        self.entities.update(span.label for span in gold.entities)
        self.claims += len(gold.claims)
        for claim in gold.claims:
            self.with_claimant += claim.claimant_id is not None
            if claim.stance is not None:
                self.claim_stance[claim.stance] += 1
            for name, counter in self.attributes.items():
                value = claim.attributes.get(name)
                if value is not None:
                    counter[value] += 1
        if gold.stance is not None:
            self.document_stance[gold.stance] += 1

    def as_dict(self) -> dict[str, object]:
        """Every schema value is listed, zero counts included, in schema order."""
        stance_values = self.schema.stance.values
        counts: dict[str, object] = {
            "entities": {label: self.entities[label] for label in self.schema.entity_labels},
            "claims": self.claims,
            "claims_with_claimant": self.with_claimant,
            "claim_stance": {value: self.claim_stance[value] for value in stance_values},
            "document_stance": {value: self.document_stance[value] for value in stance_values},
        }
        for attribute in self.schema.claims.attributes:
            counter = self.attributes[attribute.name]
            counts[f"claim_{attribute.name}"] = {value: counter[value] for value in attribute.values}
        return counts


def flatten(counts: dict[str, object], prefix: str = "") -> dict[str, int]:
    """``{"entities": {"PERSON": 3}}`` -> ``{"entities.PERSON": 3}``, for comparing versions."""
    flat: dict[str, int] = {}
    for key, value in counts.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = int(value)
    return flat
