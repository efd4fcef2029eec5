"""The gold merge: several annotations of one document become the one record published.

:data:`POLICY_TEXT` states the policy for the dataset card; :func:`merge` applies it. The merge
is deterministic: the same annotations give the same gold record, ids included.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import replace
from operator import attrgetter, itemgetter

from annotate.conversion.records import (
    Annotation,
    Claim,
    DocumentRecord,
    GoldDocument,
    Span,
    claim_order,
    recency,
    span_order,
)
from annotate.scheme.schema import Schema

POLICY_TEXT = """\
Each document in the gold configs carries one annotation, chosen or merged from the annotations
made on it in Label Studio by the rules below; its `policy` field says which rule applied.
Cancelled (skipped) annotations never count.

0. **A curator's decision wins** (`adjudicated`): a document whose annotators disagreed and that
   a curator decided in the curation project (`annotate adjudicate`) takes that decision as it
   is; if it was decided several times, the most recent decision.
1. **Ground truth wins** (`ground_truth`): an annotation marked as ground truth is taken as it
   is; if several are, the most recently updated one.
2. **A single annotation** (`single`): when only one annotator completed the document, their
   annotation (the most recently updated one, if they made several) is taken as it is.
3. **Unanimous** (`unanimous`): when every annotator's most recently updated annotation has the
   same entities, claims (with stance, attributes and claimant) and document stance, that
   annotation is taken.
4. **Majority** (`majority`): otherwise each annotator's most recently updated annotation is one
   vote, and:
   - an entity (same start, end and label) or a claim (same start and end) is kept when
     more than half of the annotators have it; on an exact tie (exactly half of them), it is
     kept when the most recently updated annotation has it;
   - a kept claim's stance, each of its attributes and its claimant are each decided by
     majority among the annotators who have that claim, and on a tie by the most recently
     updated of them ("no value" counts as a value);
   - a claimant is matched by the start, end and label of the entity it was linked to; if
     that entity is not kept, the claim has no claimant;
   - the document stance is decided by majority among all the annotators, and on a tie by
     the most recently updated annotation.

A kept entity or claim keeps its region id from the most recently updated annotation that has
it; when another kept item already has that id, from the next most recent one (or the id with
a `-2`, `-3`... suffix). Entities and claims are sorted by start, end and label. A document
with no completed annotation has no gold record: it is counted, never silently dropped.
"""

_span_key = attrgetter("start", "end", "label")  # an entity's identity across annotations
_claim_key = attrgetter("start", "end")  # a claim's identity across annotations


def merge(record: DocumentRecord, schema: Schema) -> GoldDocument | None:
    """The gold annotation of ``record`` by :data:`POLICY_TEXT`; None when none is usable."""
    usable = record.usable_annotations
    if record.curated:
        gold = _as_is(record, max(record.curated, key=recency), "adjudicated")
        return replace(gold, annotators=tuple(sorted({annotation.annotator for annotation in usable})))
    if not usable:
        return None
    ground_truth = [annotation for annotation in usable if annotation.ground_truth]
    if ground_truth:
        return _as_is(record, max(ground_truth, key=recency), "ground_truth")
    latest = latest_per_annotator(usable)
    if len(latest) == 1:
        return _as_is(record, latest[0], "single")
    if len({content(annotation) for annotation in latest}) == 1:
        gold = _as_is(record, latest[0], "unanimous")
        return replace(gold, annotators=tuple(sorted(annotation.annotator for annotation in latest)))
    return _majority(record, latest, schema)


def latest_per_annotator(annotations: Iterable[Annotation]) -> list[Annotation]:
    """Each annotator's most recently updated annotation, the most recent first."""
    annotations = list(annotations)
    if len(annotations) == 1:
        return annotations  # the common case: no time to read
    latest: dict[str, tuple[tuple, Annotation]] = {}  # each time read once, not at each sort
    for moment, annotation in sorted(((recency(annotation), annotation) for annotation in annotations),
                                     key=itemgetter(0)):
        latest[annotation.annotator] = moment, annotation
    return [annotation for _, annotation in sorted(latest.values(), key=itemgetter(0), reverse=True)]


def marked_by(record: DocumentRecord, gold: GoldDocument) -> tuple[list[int], list[int]]:
    """For each gold entity and each gold claim, how many annotators (their latest annotation)
    marked it: an entity with the same start, end and label, a claim with the same start and end."""
    spans: Counter[tuple] = Counter()
    claims: Counter[tuple] = Counter()
    for annotation in latest_per_annotator(record.usable_annotations):  # each key once per annotator
        spans.update(set(map(_span_key, annotation.entities)))
        claims.update(set(map(_claim_key, annotation.claims)))
    return [spans[key] for key in map(_span_key, gold.entities)], [claims[key] for key in map(_claim_key, gold.claims)]


def content(annotation: Annotation) -> tuple:
    """What an annotation says, without region ids: equal for annotations that fully agree."""
    claims = frozenset((_claim_key(claim), claim.stance, tuple(sorted((k, v) for k, v in claim.attributes.items() if v is not None)),
                        claimant_key(annotation, claim)) for claim in annotation.claims)
    return frozenset(map(_span_key, annotation.entities)), claims, annotation.document_stance


def _as_is(record: DocumentRecord, annotation: Annotation, policy: str) -> GoldDocument:
    return GoldDocument(
        id=record.id,
        entities=tuple(sorted(annotation.entities, key=span_order)),
        claims=tuple(sorted(annotation.claims, key=claim_order)),
        stance=annotation.document_stance,
        annotators=(annotation.annotator,),
        policy=policy,
    )


def _majority(record: DocumentRecord, votes: list[Annotation], schema: Schema) -> GoldDocument:
    """Majority per span and label; ``votes`` is ordered from the most recently updated."""
    latest = votes[0]
    used_ids: set[str] = set()

    def kept(holders: list[Annotation]) -> bool:
        return 2 * len(holders) > len(votes) or (2 * len(holders) == len(votes) and holders[0] is latest)

    entity_holders: dict[tuple[int, int, str], list[tuple[Annotation, Span]]] = {}
    for annotation in votes:
        for key, span in _by_key(annotation.entities, _span_key).items():
            entity_holders.setdefault(key, []).append((annotation, span))
    entities: dict[tuple[int, int, str], Span] = {}
    for key in sorted(entity_holders):
        holders = entity_holders[key]
        if kept([annotation for annotation, _ in holders]):
            first = holders[0][1]
            entity_id = _unique_id([span.id for _, span in holders], used_ids)
            entities[key] = Span(entity_id, first.start, first.end, first.text, first.label)

    claim_holders: dict[tuple[int, int], list[tuple[Annotation, Claim]]] = {}
    for annotation in votes:
        for key, claim in _by_key(annotation.claims, _claim_key).items():
            claim_holders.setdefault(key, []).append((annotation, claim))
    attribute_names = [attribute.name for attribute in schema.claims.attributes]
    claims = []
    for key in sorted(claim_holders):
        holders = claim_holders[key]
        if not kept([annotation for annotation, _ in holders]):
            continue
        first = holders[0][1]
        chosen = _vote(claimant_key(annotation, claim) for annotation, claim in holders)
        claimant = entities.get(chosen) if chosen is not None else None
        names = attribute_names + sorted({n for _, c in holders for n in c.attributes} - set(attribute_names))
        claims.append(Claim(
            id=_unique_id([claim.id for _, claim in holders], used_ids),
            start=first.start,
            end=first.end,
            text=first.text,
            claimant_id=claimant.id if claimant is not None else None,
            stance=_vote(claim.stance for _, claim in holders),
            attributes={name: _vote(claim.attributes.get(name) for _, claim in holders) for name in names},
        ))
    return GoldDocument(
        id=record.id,
        entities=tuple(sorted(entities.values(), key=span_order)),
        claims=tuple(sorted(claims, key=claim_order)),
        stance=_vote(annotation.document_stance for annotation in votes),
        annotators=tuple(sorted({annotation.annotator for annotation in votes})),
        policy="majority",
    )


def _vote(values: Iterable[Hashable]) -> Hashable:
    """The most frequent value; on a tie, the first (most recent) of the tied values."""
    ordered = list(values)
    counts: dict[Hashable, int] = {}
    for value in ordered:
        counts[value] = counts.get(value, 0) + 1
    if len(counts) == 1:
        return ordered[0]
    best = max(counts.values())
    return next(value for value in ordered if counts[value] == best)


def claimant_key(annotation: Annotation, claim: Claim) -> tuple[int, int, str] | None:
    if claim.claimant_id is None:
        return None
    for span in annotation.entities:
        if span.id == claim.claimant_id:
            return _span_key(span)
    return None



def _by_key(items: Iterable, key) -> dict:
    """One item per key, the smallest id (an annotation holding a span twice votes once)."""
    chosen: dict = {}
    for item in items:
        k = key(item)
        if k not in chosen or item.id < chosen[k].id:
            chosen[k] = item
    return chosen


def _unique_id(candidates: list[str], used: set[str]) -> str:
    """The first candidate id not taken yet, else the first with a numeric suffix."""
    for candidate in candidates:
        if candidate not in used:
            used.add(candidate)
            return candidate
    number = 2
    while f"{candidates[0]}-{number}" in used:
        number += 1
    used.add(f"{candidates[0]}-{number}")
    return f"{candidates[0]}-{number}"

