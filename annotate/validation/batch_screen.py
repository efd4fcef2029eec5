"""Whether a batch of the export's tables passes every row and cross-config check, tested on
whole columns (Arrow and NumPy) instead of row by row.

:meth:`annotate.validation.row_checks.RowChecker.check_batch` asks this first: a batch that
passes has nothing to report, and only a batch that does not is checked row by row, which
finds and words each failure. So the screen may only say yes when the row checks would find
nothing; where it cannot tell cheaply (a whitespace-only text without ``ner`` rows, rows in
another order than the documents'), it says no and the rows are read.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from annotate.corpus.identity import text_checksum
from annotate.scheme.features import CONFIGS, ner_tag_names
from annotate.scheme.schema import Schema
from annotate.validation.code_points import CodePoints
from annotate.validation.ner_screen import ner_passes
from annotate.validation.span_screen import Entities, SpanRules, label_ids_pass, spans_pass


@dataclass(frozen=True)
class _Documents:
    """What the other configs of a split are compared with."""

    ids: list[str]
    texts: list[str]
    codes: CodePoints
    entities: Entities
    claims: pa.StructArray  # every claim, flat, in row order
    claim_rows: np.ndarray
    annotators: list[list[str]]


class BatchScreen:
    """The schema's rules, found once; :meth:`passes` screens one batch."""

    def __init__(self, schema: Schema) -> None:
        self.rules = SpanRules.of(schema)
        self.stance_required = schema.stance.document_required
        self.tags = len(ner_tag_names(schema))
        self.target = schema.stance.target
        self.attributes = tuple(a.name for a in schema.claims.attributes)

    def passes(self, tables: Mapping[str, Mapping[str, pa.Table]], seen: Container[str]) -> bool:
        """Whether ``tables`` (config -> split -> table) would pass, their document ids being
        none of ``seen`` (the earlier batches')."""
        documents = tables.get("documents", {})
        if any(set(tables.get(config, {})) != set(documents) for config in CONFIGS):
            return False
        if not all(_unique(tables[config].values()) for config in CONFIGS if tables.get(config)):
            return False
        if any(value in seen for table in documents.values() for value in table.column("id").to_pylist()):
            return False
        for split, table in documents.items():
            found = self._documents(table)
            if (found is None or not ner_passes(tables["ner"][split], found.ids, found.codes, found.entities, self.tags)
                    or not self._claims(tables["claims"][split], found)
                    or not self._annotations(tables["annotations"][split], found)):
                return False
        return True

    def _documents(self, table: pa.Table) -> _Documents | None:
        if not table.num_rows:
            return None
        columns = {name: table.column(name).combine_chunks() for name in table.column_names}
        text = columns["text"]
        if text.null_count or (len(text) and pc.min(pc.utf8_length(text)).as_py() == 0):
            return None
        texts = text.to_pylist()
        if "text_sha256" in columns and columns["text_sha256"].to_pylist() != [text_checksum(t) for t in texts]:
            return None
        version = columns.get("text_version")
        if version is not None and not (pa.types.is_integer(version.type) and not version.null_count
                                        and (not len(version) or pc.min(version).as_py() >= 1)):
            return None
        if not label_ids_pass(columns["stance"], self.rules.stances, self.stance_required):
            return None
        codes = CodePoints.of(text)
        entities = spans_pass(self.rules, codes, np.arange(len(texts)), columns["entities"], columns["claims"])
        if entities is None:
            return None
        for name, items in (("entities_marked_by", columns["entities"]), ("claims_marked_by", columns["claims"])):
            if name in columns and not _counts_pass(columns[name], items):
                return None
        annotators = columns["annotators"]
        names = annotators.flatten()
        if (annotators.null_count or names.null_count or pc.min(pc.list_value_length(annotators)).as_py() < 1
                or pc.min(pc.binary_length(names)).as_py() < 1):
            return None
        claims = columns["claims"]
        return _Documents(columns["id"].to_pylist(), texts, codes, entities, claims.flatten(),
                          pc.list_parent_indices(claims).to_numpy(), annotators.to_pylist())

    def _claims(self, table: pa.Table, documents: _Documents) -> bool:
        """One row per claim of the documents, in their order, with its values and context."""
        claims = documents.claims
        if table.num_rows != len(claims):
            return False
        column = {name: table.column(name).combine_chunks() for name in table.column_names}
        expected = {"document_id": pa.array(documents.ids, pa.string()).take(documents.claim_rows),
                    "claim_id": claims.field("id"), "claim": claims.field("text"),
                    "claimant": claims.field("claimant"), "stance": claims.field("stance"),
                    "target": pa.array([self.target] * len(claims), pa.string()),
                    **{name: claims.field(name) for name in self.attributes}}
        if not all(column[name].equals(values) for name, values in expected.items()):
            return False
        for row, start, end, context in zip(documents.claim_rows.tolist(), claims.field("start").to_pylist(),
                                            claims.field("end").to_pylist(), column["context"].to_pylist()):
            text = documents.texts[row]
            place = text.find(context, max(0, end - len(context))) if isinstance(context, str) and context else -1
            if not 0 <= place <= start:
                return False
        return True

    def _annotations(self, table: pa.Table, documents: _Documents) -> bool:
        """Rows of known documents, every document with some, naming each of its annotators."""
        column = {name: table.column(name).combine_chunks() for name in table.column_names}
        index = {document_id: row for row, document_id in enumerate(documents.ids)}
        document_ids, annotators = column["document_id"].to_pylist(), column["annotator"].to_pylist()
        rows = [index.get(document_id) for document_id in document_ids]
        if None in rows or len(set(rows)) != len(documents.ids):
            return False
        if None in annotators or "" in annotators:
            return False
        truth = column["ground_truth"]
        if not pa.types.is_boolean(truth.type) or truth.null_count:
            return False
        if not label_ids_pass(column["stance"], self.rules.stances, self.stance_required):
            return False
        if spans_pass(self.rules, documents.codes, np.array(rows, np.int64), column["entities"],
                      column["claims"]) is None:
            return False
        named = set(zip(document_ids, annotators))
        return all((document_id, name) in named
                   for document_id, names in zip(documents.ids, documents.annotators) for name in names)


def _counts_pass(counts: pa.Array, items: pa.Array) -> bool:
    """One count of annotators, a whole number from 0, per item of each row."""
    values = counts.flatten()
    if counts.null_count or values.null_count or not pa.types.is_integer(values.type):
        return False
    if not np.array_equal(pc.list_value_length(counts).to_numpy(), pc.list_value_length(items).to_numpy()):
        return False
    return not len(values) or pc.min(values).as_py() >= 0


def _unique(tables: Iterable[pa.Table]) -> bool:
    """Whether the ``id`` of every row of ``tables`` is there, not empty, and unique."""
    ids = pa.chunked_array([chunk for table in tables for chunk in table.column("id").chunks], pa.string())
    return (not ids.null_count and pc.count_distinct(ids).as_py() == len(ids)
            and (not len(ids) or pc.min(pc.binary_length(ids)).as_py() > 0))
