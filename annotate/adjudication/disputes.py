"""Where a document's annotators disagree: pure functions over converted records.

Each annotator counts with their most recently updated completed annotation (as in the gold
merge); the points themselves are found by :mod:`annotate.release.disputes`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from annotate.conversion.records import Annotation, DocumentRecord
from annotate.release.disputes import KINDS, Point, points_in_dispute
from annotate.release.gold_merge import latest_per_annotator

__all__ = ["KINDS", "Dispute", "Point", "count_by_kind", "find_disputes", "fingerprint", "votes"]


@dataclass(frozen=True)
class Dispute:
    """A document whose annotators disagree."""

    record: DocumentRecord
    votes: tuple[Annotation, ...]  # each annotator's latest annotation, the most recent first
    points: tuple[Point, ...]
    fingerprint: str  # changes whenever an annotation that counts changes

    @property
    def annotators(self) -> tuple[str, ...]:
        return tuple(sorted(vote.annotator for vote in self.votes))


def votes(record: DocumentRecord) -> list[Annotation]:
    """Each annotator's most recently updated completed annotation (ground truth included)."""
    return latest_per_annotator(record.usable_annotations)


def fingerprint(annotations: Iterable[Annotation]) -> str:
    """A short hash of which annotations count and when each was last updated."""
    key = "\n".join(sorted(f"{a.annotator} {a.id} {a.updated_at}" for a in annotations))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def find_disputes(records: Iterable[DocumentRecord]) -> tuple[list[Dispute], int]:
    """(the documents in dispute, most points first, then by id; how many documents at least two
    annotators completed)."""
    disputes, compared = [], 0
    for record in records:
        latest = votes(record)
        if len(latest) < 2:
            continue
        compared += 1
        points = points_in_dispute(record.text, latest)
        if points:
            disputes.append(Dispute(record, tuple(latest), tuple(points), fingerprint(latest)))
    disputes.sort(key=lambda dispute: (-len(dispute.points), dispute.record.id))
    return disputes, compared


def count_by_kind(disputes: Iterable[Dispute]) -> dict[str, int]:
    """Points in dispute per kind (every kind, zeros included), in the order of :data:`KINDS`."""
    counts = dict.fromkeys(KINDS, 0)
    for dispute in disputes:
        for point in dispute.points:
            counts[point.kind] += 1
    return counts
