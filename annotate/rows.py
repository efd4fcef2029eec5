"""The rows of the four configs for one document, with labels encoded as ClassLabel ids.

Rows follow :func:`annotate.features.config_features` field by field. A ``ner`` row is one
sentence (:mod:`annotate.sentences`; sentences are joined when an entity crosses their boundary)
whose tokens (:mod:`annotate.tokens`) carry offsets into the document text. A ``claims`` row's
``context`` is the sentence (or sentences) holding the claim; its ``id`` is
``<document id>:<claim id>``, unique across the dataset.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa

from annotate.errors import ExportError
from annotate.records import Annotation, Claim, DocumentRecord, GoldDocument, Span
from annotate.schema import Schema
from annotate.sentences import covering, merge_across, sentence_spans
from annotate.tokens import flat_entities, iob2_tags, tokenize


@dataclass(frozen=True)
class DocumentRows:
    """The ``documents``, ``claims`` and ``annotations`` rows of one document (``ner`` rows go
    to :class:`NerColumns`)."""

    documents: list[dict]
    claims: list[dict]
    annotations: list[dict]

    def by_config(self) -> dict[str, list[dict]]:
        return {"documents": self.documents, "claims": self.claims, "annotations": self.annotations}


class NerColumns:
    """``ner`` rows of many documents kept as flat columns: Arrow takes them in one go, ten
    times faster than one dict per sentence."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.document_ids: list[str] = []
        self.offsets: list[int] = [0]  # row i's tokens are [offsets[i], offsets[i + 1])
        self.tokens: list[str] = []
        self.tags: list[int] = []
        self.starts: list[int] = []
        self.ends: list[int] = []

    def __len__(self) -> int:
        return len(self.ids)

    def table(self, schema: pa.Schema) -> pa.Table:
        """The rows as a table of the ``ner`` schema."""
        offsets = pa.array(self.offsets, pa.int32())

        def lists(values: list, name: str) -> pa.Array:
            return pa.ListArray.from_arrays(offsets, pa.array(values, schema.field(name).type.value_type))

        return pa.Table.from_arrays(
            [pa.array(self.ids, pa.string()), pa.array(self.document_ids, pa.string()),
             lists(self.tokens, "tokens"), lists(self.tags, "ner_tags"),
             lists(self.starts, "token_starts"), lists(self.ends, "token_ends")],
            schema=schema)


class RowBuilder:
    """Builds rows for one schema; the label-to-id lookups are made once."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.entity_labels = schema.entity_labels
        self.entity_ids = {label: i for i, label in enumerate(schema.entity_labels)}
        self.stance_ids = {value: i for i, value in enumerate(schema.stance.values)}
        self.attribute_ids = {a.name: {v: i for i, v in enumerate(a.values)} for a in schema.claims.attributes}
        self.target = schema.stance.target

    def rows(self, record: DocumentRecord, gold: GoldDocument | None,
             sentences: list[tuple[int, int]] | None = None) -> DocumentRows:
        """The rows of ``record``: gold configs only when ``gold`` is given; ``annotations`` always
        (every usable annotation of the record). ``sentences`` (from
        :func:`~annotate.sentences.sentence_spans`) is computed when not given."""
        annotations = [self.annotation_row(record, a, key)
                       for a, key in zip(*_annotation_keys(record.usable_annotations))]
        if gold is None:
            return DocumentRows([], [], annotations)
        if sentences is None:
            sentences = sentence_spans(record.text)
        return DocumentRows(
            documents=[self.document_row(record, gold)],
            claims=self.claim_rows(record, gold, sentences),
            annotations=annotations,
        )

    # -- shared parts ----------------------------------------------------------------------------

    def _stance(self, value: str | None) -> int | None:
        return None if value is None else self.stance_ids[value]

    # Nested spans and claims are tuples in the field order of the features' structs
    # (:func:`annotate.features.config_features`): Arrow converts them ten times faster than dicts.

    def _spans(self, spans: Sequence[Span]) -> list[tuple]:
        """``(id, start, end, text, label)`` per span."""
        ids = self.entity_ids
        return [(s.id, s.start, s.end, s.text, ids[s.label]) for s in spans]

    def _claims(self, where: str, claims: Sequence[Claim], entities: Sequence[Span]) -> list[tuple]:
        """``(id, start, end, text, claimant_id, claimant, stance, *attributes)`` per claim."""
        names = {span.id: span.text for span in entities}
        rows = []
        for claim in claims:
            attributes = claim.attributes
            rows.append((claim.id, claim.start, claim.end, claim.text, claim.claimant_id,
                         self._claimant(where, claim, names), self._stance(claim.stance),
                         *(None if attributes.get(name) is None else ids[attributes[name]]
                           for name, ids in self.attribute_ids.items())))
        return rows

    @staticmethod
    def _claimant(where: str, claim: Claim, names: dict[str, str]) -> str | None:
        if claim.claimant_id is None:
            return None
        if claim.claimant_id not in names:
            raise ExportError(f"{where}, claim {claim.id}: claimant {claim.claimant_id} is not one of its "
                              "entities; this is a bug in the gold merge or the converter, please report it")
        return names[claim.claimant_id]

    # -- the four configs ------------------------------------------------------------------------

    def document_row(self, record: DocumentRecord, gold: GoldDocument) -> dict:
        return {
            "id": record.id,
            "title": record.title,
            "text": record.text,
            "source": record.source,
            "entities": self._spans(gold.entities),
            "claims": self._claims(f"document {record.id} (gold)", gold.claims, gold.entities),
            "stance": self._stance(gold.stance),
            "annotators": list(gold.annotators),
            "policy": gold.policy,
        }

    def add_ner(self, columns: NerColumns, document_id: str, text: str, gold_entities: Sequence[Span],
                sentences: list[tuple[int, int]]) -> None:
        """Append the ``ner`` rows of one document to ``columns``: one per sentence of ``text``
        (sentences joined where an entity crosses them)."""
        entities = flat_entities(gold_entities, self.entity_labels)
        tokens, starts, ends = tokenize(text, [o for span in entities for o in (span.start, span.end)])
        columns.tokens += tokens
        columns.tags += iob2_tags(starts, ends, entities, self.entity_labels)
        columns.starts += starts
        columns.ends += ends
        base = columns.offsets[-1]
        first = 0
        for number, (_, sentence_end) in enumerate(merge_across(sentences, [(e.start, e.end) for e in entities])):
            last = bisect_right(ends, sentence_end, first)
            if last > first:
                columns.ids.append(f"{document_id}:{number}")
                columns.document_ids.append(document_id)
                columns.offsets.append(base + last)
            first = last

    def claim_rows(self, record: DocumentRecord, gold: GoldDocument,
                   sentences: list[tuple[int, int]]) -> list[dict]:
        text = record.text
        rows = []
        for claim_id, start, end, claim, _, claimant, stance, *attributes in self._claims(
                f"document {record.id} (gold)", gold.claims, gold.entities):
            context_start, context_end = covering(sentences, start, end)
            row = {
                "id": f"{record.id}:{claim_id}",
                "document_id": record.id,
                "claim_id": claim_id,
                "claim": claim,
                "context": text[context_start:context_end],
                "claimant": claimant,
                "target": self.target,
                "stance": stance,
            }
            row.update(zip(self.attribute_ids, attributes))
            rows.append(row)
        return rows

    def annotation_row(self, record: DocumentRecord, annotation: Annotation, key: str) -> dict:
        return {
            "id": f"{record.id}:{key}",
            "document_id": record.id,
            "annotator": annotation.annotator,
            "ground_truth": annotation.ground_truth,
            "lead_time": annotation.lead_time,
            "entities": self._spans(annotation.entities),
            "claims": self._claims(f"document {record.id}, annotation {annotation.id}",
                                   annotation.claims, annotation.entities),
            "stance": self._stance(annotation.document_stance),
        }


def _annotation_keys(annotations: Sequence[Annotation]) -> tuple[list[Annotation], list[str]]:
    """The annotations in a server-independent order with their row keys.

    A key is the annotator's pseudonym, with ``-2``, ``-3``... for an annotator's later annotations
    of the same document. Label Studio ids and times are left out of the data on purpose: they
    change when the same annotations pass through another server, and a version must rebuild byte
    for byte from its inputs.
    """
    ordered = sorted(annotations, key=lambda a: (a.annotator, a.created_at, a.id))
    seen: dict[str, int] = {}
    keys = []
    for annotation in ordered:
        seen[annotation.annotator] = seen.get(annotation.annotator, 0) + 1
        number = seen[annotation.annotator]
        keys.append(annotation.annotator if number == 1 else f"{annotation.annotator}-{number}")
    return ordered, keys
