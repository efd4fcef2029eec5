"""The proposal a curator starts from: what the annotators agree on, and for each point in
dispute the strict majority or nothing, as a Label Studio result list (the task's prediction)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

from annotate.conversion.records import Annotation, Claim, Span
from annotate.release.gold_merge import claimant_key
from annotate.scheme.schema import (
    CLAIM_STANCE_NAME,
    CLAIMS_NAME,
    DOCUMENT_STANCE_NAME,
    ENTITIES_NAME,
    TEXT_NAME,
    Schema,
)

MODEL_VERSION = "adjudication-proposal"


def proposal(text: str, votes: Sequence[Annotation], schema: Schema) -> list[dict[str, Any]]:
    """The proposed result list for one document, from each annotator's latest annotation.

    An entity (same start, end, label) or a claim (same start, end) is proposed when more than
    half of the annotators marked it; a proposed claim's stance, attributes and claimant when
    more than half of those who marked the claim agree; the document stance when more than half
    of all annotators agree. Anything else is left for the curator.
    """
    half = len(votes) / 2
    entities: dict[tuple[int, int, str], str] = {}
    results: list[dict[str, Any]] = []
    marked = Counter((s.start, s.end, s.label) for vote in votes for s in {_key(s): s for s in vote.entities}.values())
    for number, (start, end, label) in enumerate(sorted(k for k, n in marked.items() if n > half), 1):
        entities[(start, end, label)] = region = f"entity-{number}"
        results.append(_span(region, ENTITIES_NAME, text, start, end, label))

    holders: dict[tuple[int, int], list[tuple[Annotation, Claim]]] = {}
    for vote in votes:
        for claim in {(c.start, c.end): c for c in vote.claims}.values():
            holders.setdefault((claim.start, claim.end), []).append((vote, claim))
    kept = sorted(key for key, found in holders.items() if len(found) > half)
    for number, (start, end) in enumerate(kept, 1):
        region, found = f"claim-{number}", holders[(start, end)]
        results.append(_span(region, CLAIMS_NAME, text, start, end, schema.claims.label))
        choices = [(CLAIM_STANCE_NAME, _majority([claim.stance for _, claim in found]))]
        choices += [(attribute.name, _majority([claim.attributes.get(attribute.name) for _, claim in found]))
                    for attribute in schema.claims.attributes]
        for name, value in choices:
            if value is not None:
                results.append({"id": region, "from_name": name, "to_name": TEXT_NAME, "type": "choices",
                                "value": {"start": start, "end": end, "text": text[start:end], "choices": [value]}})
        claimant = _majority([claimant_key(vote, claim) for vote, claim in found])
        if claimant is not None and claimant in entities:
            results.append({"from_id": region, "to_id": entities[claimant], "type": "relation",
                            "direction": "right"})
    stance = _majority([vote.document_stance for vote in votes])
    if stance is not None:
        results.append({"id": "document-stance", "from_name": DOCUMENT_STANCE_NAME, "to_name": TEXT_NAME,
                        "type": "choices", "value": {"choices": [stance]}})
    return results


def _majority(values: Iterable[Hashable]) -> Any:
    """The value more than half of ``values`` hold ("no value" counts), else None."""
    ordered = list(values)
    if not ordered:
        return None
    value, count = Counter(ordered).most_common(1)[0]
    return value if 2 * count > len(ordered) else None


def _key(span: Span) -> tuple[int, int, str]:
    return span.start, span.end, span.label


def _span(region: str, control: str, text: str, start: int, end: int, label: str) -> dict[str, Any]:
    return {"id": region, "from_name": control, "to_name": TEXT_NAME, "type": "labels",
            "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]}}
