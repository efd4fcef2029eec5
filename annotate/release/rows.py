"""Arrow tables of the four configs, built for a batch of documents at a time.

Tables follow :func:`annotate.scheme.arrow_schemas.config_arrow_schemas` field by field, labels encoded as
ClassLabel ids. ``documents`` and ``annotations`` come from the records and their gold merge;
``ner`` and ``claims`` are derived from the ``documents`` table alone (its ids, texts, entities
and claims).

A ``ner`` row is one sentence (:mod:`annotate.text.sentences`; sentences are joined when an entity
crosses their boundary) whose tokens (:mod:`annotate.text.tokens`) carry offsets into the document
text. A ``claims`` row's ``context`` is the sentence (or sentences) holding the claim; its ``id``
is ``<document id>:<claim id>``, unique across the dataset.

Every column is gathered as one flat Python list per field (nested lists as flat values plus
offsets), or read by Arrow straight from the records' attributes, and converted in one call:
many times faster than a dict per row.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from itertools import accumulate, chain

import pyarrow as pa
import pyarrow.compute as pc

from annotate.conversion.records import Annotation, Claim, DocumentRecord, GoldDocument, Span
from annotate.corpus.identity import text_checksum
from annotate.errors import ExportError
from annotate.release.gold_merge import marked_by
from annotate.scheme.schema import DOCUMENT_COLUMNS as _DOCUMENT_COLUMNS
from annotate.scheme.schema import Schema
from annotate.text.sentences import covering, merge_across, sentence_spans
from annotate.text.tokens import flat_spans, tag_ids, tokenize


class TableBuilder:
    """Builds the tables of one schema; label-to-id lookups and Arrow types are found once."""

    def __init__(self, schema: Schema, arrow_schemas: Mapping[str, pa.Schema]) -> None:
        self.schemas = dict(arrow_schemas)
        self.entity_names = pa.array(schema.entity_labels, pa.string())
        self.stance_ids = {value: i for i, value in enumerate(schema.stance.values)}
        self.attribute_ids = {a.name: {v: i for i, v in enumerate(a.values)} for a in schema.claims.attributes}
        self.target = schema.stance.target
        for config in ("documents", "annotations"):
            fields = [f.name for f in self.schemas[config].field("entities").type.value_type]
            if fields != list(Span._fields):  # _spans reads each Span tuple in this order
                raise ExportError(f"the {config} entity fields {fields} are not those of a span "
                                  f"{list(Span._fields)}; this is a bug, please report it")

    # -- documents and annotations, from the records -------------------------------------------

    def documents(self, pairs: Sequence[tuple[DocumentRecord, GoldDocument]]) -> pa.Table:
        """One row per document, with its gold entities, claims and stance."""
        records = [record for record, _ in pairs]
        golds = [gold for _, gold in pairs]
        marked = [marked_by(record, gold) for record, gold in pairs]
        schema = self.schemas["documents"]
        return _table(schema, {
            "id": [record.id for record in records],
            "title": [record.title for record in records],
            "text": [record.text for record in records],
            "source": [record.source for record in records],
            "text_sha256": [text_checksum(record.text) for record in records],
            "text_version": [record.text_version for record in records],
            "entities": self._spans([gold.entities for gold in golds], schema.field("entities").type),
            "claims": self._claims([(f"document {record.id} (gold)", gold.claims, gold.entities)
                                    for record, gold in pairs], schema.field("claims").type),
            "stance": [self._stance(gold.stance) for gold in golds],
            "annotators": [list(gold.annotators) for gold in golds],
            "policy": [gold.policy for gold in golds],
            "entities_marked_by": [counts[0] for counts in marked],
            "claims_marked_by": [counts[1] for counts in marked],
            **{name: [record.metadata.get(name) for record in records]
               for name in schema.names if name not in _DOCUMENT_COLUMNS},  # the schema's document metadata
        })

    def annotations(self, records: Sequence[DocumentRecord]) -> pa.Table:
        """One row per usable annotation of each record, unmerged (see :func:`_annotation_keys`)."""
        rows = [(record, annotation, key) for record in records
                for annotation, key in zip(*_annotation_keys(record.usable_annotations))]
        annotations = [annotation for _, annotation, _ in rows]
        schema = self.schemas["annotations"]
        return _table(schema, {
            "id": [f"{record.id}:{key}" for record, _, key in rows],
            "document_id": [record.id for record, _, _ in rows],
            "annotator": [annotation.annotator for annotation in annotations],
            "ground_truth": [annotation.ground_truth for annotation in annotations],
            "lead_time": [annotation.lead_time for annotation in annotations],
            "entities": self._spans([annotation.entities for annotation in annotations],
                                    schema.field("entities").type),
            "claims": self._claims([(f"document {record.id}, annotation {annotation.id}", annotation.claims,
                                     annotation.entities) for record, annotation, _ in rows],
                                   schema.field("claims").type),
            "stance": [self._stance(annotation.document_stance) for annotation in annotations],
        })

    def _stance(self, value: str | None) -> int | None:
        return None if value is None else self.stance_ids[value]

    def _spans(self, lists: list[Sequence[Span]], list_type: pa.ListType) -> pa.Array:
        """A list of ``(id, start, end, text, label)`` structs per row."""
        struct_type = list_type.value_type
        # Arrow reads each span tuple as a struct of these fields (in the order of Span's fields),
        # faster than from one Python list per field; labels come as names, then become ids in
        # one vectorized lookup.
        source_type = pa.struct([pa.field(f.name, pa.string()) if f.name == "label" else f for f in struct_type])
        spans = pa.array(list(chain.from_iterable(lists)), source_type)
        labels = pc.index_in(spans.field("label"), value_set=self.entity_names)
        if labels.null_count:
            raise ExportError("an entity label is not in the schema; this is a bug in the converter, please report it")
        # Through NumPy: the ids then carry no validity bitmap, like every other column, so the
        # Arrow size recorded in the card and manifest stays the same.
        labels = pa.array(labels.to_numpy(), struct_type.field("label").type)
        children = [labels if f.name == "label" else spans.field(f.name) for f in struct_type]
        offsets = pa.array(list(accumulate(map(len, lists), initial=0)), pa.int32())
        return pa.ListArray.from_arrays(offsets, pa.StructArray.from_arrays(children, fields=list(struct_type)),
                                        type=list_type)

    def _claims(self, lists: list[tuple[str, Sequence[Claim], Sequence[Span]]], list_type: pa.ListType) -> pa.Array:
        """A list of ``(id, start, end, text, claimant_id, claimant, stance, *attributes)`` structs
        per row, from ``(where, claims, entities)`` (``where`` names the row in an error)."""
        claims = [claim for _, row_claims, _ in lists for claim in row_claims]
        claimants = [name for where, row_claims, entities in lists for name in _claimants(where, row_claims, entities)]
        attributes = [[None if claim.attributes.get(name) is None else ids[claim.attributes[name]] for claim in claims]
                      for name, ids in self.attribute_ids.items()]
        return _lists([row_claims for _, row_claims, _ in lists], list_type, [
            [claim.id for claim in claims], [claim.start for claim in claims], [claim.end for claim in claims],
            [claim.text for claim in claims], [claim.claimant_id for claim in claims], claimants,
            [self._stance(claim.stance) for claim in claims], *attributes])

    # -- ner and claims, from the documents table ----------------------------------------------

    def derived(self, documents: pa.Table) -> dict[str, pa.Table]:
        """The ``ner`` and ``claims`` tables of the documents in a ``documents`` table."""
        ids = _python(documents.column("id").combine_chunks())
        texts = _python(documents.column("text").combine_chunks())
        # Without ids: entities of equal start, end and label give the same tags, whichever is kept.
        entities = _Flat(documents.column("entities").combine_chunks(), ("start", "end", "label"))
        claims = _Flat(documents.column("claims").combine_chunks(),
                       ("id", "start", "end", "text", "claimant", "stance", *self.attribute_ids))
        claim_fields = claims.fields
        claim_starts, claim_ends = claim_fields["start"], claim_fields["end"]
        ner = _NerColumns()
        context: list[str] = []
        for row, (document_id, text) in enumerate(zip(ids, texts)):
            sentences = sentence_spans(text)
            for index in range(*claims.bounds(row)):
                begin, end = covering(sentences, claim_starts[index], claim_ends[index])
                context.append(text[begin:end])
            ner.add(document_id, text, flat_spans(entities.rows(row)), sentences)
        claim_ids = claim_fields["id"]
        document_ids = [ids[row] for row in claims.row_of_values()]
        return {
            "ner": ner.table(self.schemas["ner"]),
            "claims": _table(self.schemas["claims"], {
                "id": [f"{document_id}:{claim_id}" for document_id, claim_id in zip(document_ids, claim_ids)],
                "document_id": document_ids,
                "claim_id": claim_ids,
                "claim": claim_fields["text"],
                "context": context,
                "claimant": claim_fields["claimant"],
                "target": [self.target] * len(claim_ids),
                "stance": claim_fields["stance"],
                **{name: claim_fields[name] for name in self.attribute_ids},
            }),
        }


class _Flat:
    """The values of a list-of-structs column as one Python list per struct field."""

    def __init__(self, column: pa.ListArray, names: Sequence[str]) -> None:
        values = column.flatten()
        self.fields = {name: _python(values.field(name)) for name in names}
        offsets = _python(column.offsets)
        self.offsets = [offset - offsets[0] for offset in offsets]
        self.names = tuple(names)

    def bounds(self, row: int) -> tuple[int, int]:
        return self.offsets[row], self.offsets[row + 1]

    def rows(self, row: int) -> list[tuple]:
        """Row ``row``'s structs as tuples of the fields, in the order of ``names``."""
        first, last = self.bounds(row)
        return list(zip(*(self.fields[name][first:last] for name in self.names)))

    def row_of_values(self) -> list[int]:
        """The row of each value."""
        return [row for row in range(len(self.offsets) - 1) for _ in range(self.offsets[row + 1] - self.offsets[row])]


class _NerColumns:
    """``ner`` rows kept as flat columns: one row per sentence of each document."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.document_ids: list[str] = []
        self.offsets: list[int] = [0]  # row i's tokens are [offsets[i], offsets[i + 1])
        self.tokens: list[str] = []
        self.tags: list[int] = []
        self.starts: list[int] = []
        self.ends: list[int] = []

    def add(self, document_id: str, text: str, entities: list[tuple[int, int, int]],
            sentences: list[tuple[int, int]]) -> None:
        """Append the rows of one document: ``entities`` as ``(start, end, label id)``, not
        overlapping (:func:`~annotate.text.tokens.flat_spans`), ``sentences`` from
        :func:`~annotate.text.sentences.sentence_spans` (joined here where an entity crosses them)."""
        tokens, starts, ends = tokenize(text, [offset for entity in entities for offset in entity[:2]])
        self.tokens += tokens
        self.tags += tag_ids(starts, ends, entities)
        self.starts += starts
        self.ends += ends
        base = self.offsets[-1]
        first = 0
        for number, (_, sentence_end) in enumerate(merge_across(sentences, [entity[:2] for entity in entities])):
            last = bisect_right(ends, sentence_end, first)
            if last > first:
                self.ids.append(f"{document_id}:{number}")
                self.document_ids.append(document_id)
                self.offsets.append(base + last)
            first = last

    def table(self, schema: pa.Schema) -> pa.Table:
        offsets = pa.array(self.offsets, pa.int32())

        def lists(values: list, name: str) -> pa.Array:
            return pa.ListArray.from_arrays(offsets, pa.array(values, schema.field(name).type.value_type))

        return pa.Table.from_arrays(
            [pa.array(self.ids, pa.string()), pa.array(self.document_ids, pa.string()),
             lists(self.tokens, "tokens"), lists(self.tags, "ner_tags"),
             lists(self.starts, "token_starts"), lists(self.ends, "token_ends")],
            schema=schema)


def _python(values: pa.Array) -> list:
    """The values of ``values`` as a Python list: strings (nulls as None) and integers without
    nulls through NumPy, several times faster than ``to_pylist`` (which the rest takes: NumPy
    would turn null integers into NaN floats)."""
    if pa.types.is_string(values.type) or (pa.types.is_integer(values.type) and not values.null_count):
        return values.to_numpy(zero_copy_only=False).tolist()
    return values.to_pylist()


def _table(schema: pa.Schema, columns: Mapping[str, list | pa.Array]) -> pa.Table:
    """A table of ``schema`` from its columns by name (lists or ready arrays)."""
    return pa.Table.from_arrays(
        [column if isinstance(column, pa.Array) else pa.array(column, field.type)
         for field, column in ((field, columns[field.name]) for field in schema)],
        schema=schema)


def _lists(rows: list[Sequence], list_type: pa.ListType, fields: list[list]) -> pa.Array:
    """A list-of-structs array: row ``i`` holds ``len(rows[i])`` structs, whose field values
    come in order from the flat lists ``fields`` (one per struct field)."""
    struct_type = list_type.value_type
    children = [pa.array(values, struct_type.field(index).type) for index, values in enumerate(fields)]
    offsets = pa.array(list(accumulate(map(len, rows), initial=0)), pa.int32())
    return pa.ListArray.from_arrays(offsets, pa.StructArray.from_arrays(children, fields=list(struct_type)),
                                    type=list_type)


def _claimants(where: str, claims: Sequence[Claim], entities: Sequence[Span]) -> list[str | None]:
    """The text of each claim's claimant entity (None: no claimant)."""
    if not claims:
        return []
    names = {span.id: span.text for span in entities}
    found = []
    for claim in claims:
        if claim.claimant_id is not None and claim.claimant_id not in names:
            raise ExportError(f"{where}, claim {claim.id}: claimant {claim.claimant_id} is not one of its "
                              "entities; this is a bug in the gold merge or the converter, please report it")
        found.append(None if claim.claimant_id is None else names[claim.claimant_id])
    return found


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
