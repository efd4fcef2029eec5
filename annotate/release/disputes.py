"""The points on which a document's annotators disagree (pure functions over records).

A point in dispute is one thing the annotators did not all say the same way: the label of a span
(or whether it is an entity at all), whether a span is a claim, a claim's stance, one of its
attributes or its claimant, and the document's stance. :mod:`annotate.adjudication` sends the
documents with such points to a curator; the dataset card counts the points a curator resolved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from annotate.conversion.records import Annotation, Claim, DocumentRecord
from annotate.release.gold_merge import latest_per_annotator

KINDS = ("entity", "claim", "claim_stance", "claim_attribute", "claimant", "document_stance")
NOTHING = "(none)"


@dataclass(frozen=True)
class Point:
    """One point in dispute: its kind, where it is, and each annotator's version of it."""

    kind: str
    where: str  # e.g. 'span 10-24 "Vladimir Putin"' or "document"
    versions: tuple[tuple[str, str], ...]  # (annotator pseudonym, what they said), by pseudonym

    def describe(self) -> str:
        name = self.kind.replace("_", " ")
        return f"{name}: {self.where}" if self.where != "document" else name


def points_in_dispute(text: str, latest: Sequence[Annotation]) -> list[Point]:
    """Every point on which the annotations ``latest`` (one per annotator) differ."""
    points: list[Point] = []
    spans: dict[tuple[int, int], dict[str, set[str]]] = {}
    for annotation in latest:
        for span in annotation.entities:
            spans.setdefault((span.start, span.end), {}).setdefault(annotation.annotator, set()).add(span.label)
    for (start, end), labels in sorted(spans.items()):
        said = {a.annotator: ", ".join(sorted(labels.get(a.annotator, ()))) or NOTHING for a in latest}
        if len(set(said.values())) > 1:
            points.append(_point("entity", _where(text, start, end), said))

    claims: dict[tuple[int, int], dict[str, Claim]] = {}
    for annotation in latest:
        for claim in sorted(annotation.claims, key=lambda c: c.id, reverse=True):
            claims.setdefault((claim.start, claim.end), {})[annotation.annotator] = claim
    by_name = {annotation.annotator: annotation for annotation in latest}
    for (start, end), holders in sorted(claims.items()):
        where = _where(text, start, end)
        if len(holders) < len(latest):
            points.append(_point("claim", where, {a.annotator: "claim" if a.annotator in holders else NOTHING
                                                  for a in latest}))
        if len(holders) < 2:
            continue
        names = sorted({name for claim in holders.values() for name in claim.attributes})
        checks = [("claim_stance", "", lambda claim, _: claim.stance)]
        checks += [("claim_attribute", f"{name} of ", lambda claim, _, name=name: claim.attributes.get(name))
                   for name in names]
        checks.append(("claimant", "", lambda claim, who: _claimant(text, by_name[who], claim)))
        for kind, prefix, value_of in checks:
            said = {who: value_of(claim, who) or NOTHING for who, claim in holders.items()}
            if len(set(said.values())) > 1:
                points.append(_point(kind, prefix + where, said))

    stances = {annotation.annotator: annotation.document_stance or NOTHING for annotation in latest}
    if len(set(stances.values())) > 1:
        points.append(_point("document_stance", "document", stances))
    return points


def record_points(record: DocumentRecord) -> list[Point]:
    """The points in dispute between the annotators of ``record`` (each annotator's latest)."""
    latest = latest_per_annotator(record.usable_annotations)
    return points_in_dispute(record.text, latest) if len(latest) > 1 else []


def _point(kind: str, where: str, said: dict[str, str]) -> Point:
    return Point(kind, where, tuple(sorted(said.items())))


def _where(text: str, start: int, end: int) -> str:
    shown = text[start:end]
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return f'span {start}-{end} "{" ".join(shown.split())}"'


def _claimant(text: str, annotation: Annotation, claim: Claim) -> str | None:
    for span in annotation.entities:
        if span.id == claim.claimant_id:
            return f'{span.label} {span.start}-{span.end} "{" ".join(text[span.start:span.end].split())}"'
    return None
