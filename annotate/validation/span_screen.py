"""Whether every span of a column of spans passes the row checks, tested on whole columns.

The checks are those of :meth:`annotate.validation.row_checks.RowChecker._spans`: region ids
present and unique in their row (entities and claims together), offsets within the row's text,
``text == text[start:end]``, labels, stances and attributes that are schema values (present
where required), and claimants that name an entity of the same row, of a claimant label, whose
text is the ``claimant``. A column that passes gives its entities for the ``ner`` comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from annotate.scheme.schema import Schema
from annotate.validation.code_points import CodePoints, slices_equal


@dataclass(frozen=True)
class Entities:
    """Every entity of a column, flat: the text it lies in, offsets, label ids and region ids."""

    owners: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    labels: np.ndarray
    ids: pa.Array  # strings


@dataclass(frozen=True)
class SpanRules:
    """What the schema allows in spans, as ids."""

    entity_labels: int
    stances: int
    claim_stance_required: bool
    attributes: tuple[tuple[str, int, bool], ...]  # name, number of values, required
    claimant_labels: pa.Array  # label ids
    claimant_required: bool

    @classmethod
    def of(cls, schema: Schema) -> SpanRules:
        claims = schema.claims
        return cls(len(schema.entity_labels), len(schema.stance.values), schema.stance.claim_required,
                   tuple((a.name, len(a.values), a.required) for a in claims.attributes),
                   pa.array([schema.entity_labels.index(label) for label in claims.claimant_labels
                             if label in schema.entity_labels], pa.int64()),
                   claims.claimant_required)


def label_ids_pass(values: pa.Array, count: int, required: bool) -> bool:
    """ClassLabel ids: each within ``0..count - 1``, and none missing if ``required``."""
    if values.null_count and required:
        return False
    if values.null_count == len(values):
        return True
    low, high = pc.min_max(values).values()  # of the values present
    return 0 <= low.as_py() and high.as_py() < count


def spans_pass(rules: SpanRules, texts: CodePoints, row_texts: np.ndarray, entities: pa.Array,
               claims: pa.Array) -> Entities | None:
    """The entities of ``entities`` when every span of both columns passes (row ``i`` lies in
    text ``row_texts[i]``), else None."""
    if entities.null_count or claims.null_count:
        return None
    entity_keys = _spans(texts, row_texts, entities)
    claim_keys = _spans(texts, row_texts, claims)
    if entity_keys is None or claim_keys is None:
        return None
    if pc.count_distinct(pa.concat_arrays([entity_keys, claim_keys])).as_py() != len(entity_keys) + len(claim_keys):
        return None  # a region id twice in a row
    values = entities.flatten()
    labels = values.field("label")
    if not label_ids_pass(labels, rules.entity_labels, True) or not _claims_pass(rules, claims, entity_keys, values):
        return None
    starts, ends = (values.field(name).to_numpy().astype(np.int64) for name in ("start", "end"))
    return Entities(row_texts[pc.list_parent_indices(entities).to_numpy()], starts, ends, labels.to_numpy(),
                    values.field("id"))


def _keys(column: pa.Array, ids: pa.Array) -> pa.Array:
    """The row number, a NUL and the id, for each value of a list column (null where the id
    is): a region id within its row."""
    return pc.binary_join_element_wise(pc.cast(pc.list_parent_indices(column), pa.string()), ids, "\0")


def _spans(texts: CodePoints, row_texts: np.ndarray, column: pa.Array) -> pa.Array | None:
    """The keys (:func:`_keys`) of a column's spans when each has an id and lies in its text
    with its own text, else None."""
    values = column.flatten()
    fields = [values.field(name) for name in ("id", "start", "end", "text")]
    if values.null_count or any(f.null_count for f in fields):
        return None
    ids, starts, ends, span_texts = fields
    if len(ids) and pc.min(pc.binary_length(ids)).as_py() == 0:
        return None
    owners = row_texts[pc.list_parent_indices(column).to_numpy()]
    starts, ends = starts.to_numpy().astype(np.int64), ends.to_numpy().astype(np.int64)
    if not (np.all(0 <= starts) and np.all(starts < ends) and np.all(ends <= texts.lengths[owners])):
        return None
    if not slices_equal(texts, owners, starts, ends, CodePoints.of(span_texts)):
        return None
    return _keys(column, ids)


def _claims_pass(rules: SpanRules, claims: pa.Array, entity_keys: pa.Array, entities: pa.StructArray) -> bool:
    """Stances and attributes are schema values; claimants name an entity of the row, of a
    claimant label, whose text is the ``claimant``."""
    values = claims.flatten()
    if not label_ids_pass(values.field("stance"), rules.stances, rules.claim_stance_required):
        return False
    if not all(label_ids_pass(values.field(name), count, required) for name, count, required in rules.attributes):
        return False
    claimant_ids, claimants = values.field("claimant_id"), values.field("claimant")
    if claimant_ids.null_count and (rules.claimant_required
                                    or pc.any(pc.and_(claimant_ids.is_null(), claimants.is_valid())).as_py()):
        return False
    found = pc.index_in(_keys(claims, claimant_ids), value_set=entity_keys)
    if found.null_count != claimant_ids.null_count:
        return False  # a claimant that is no entity of its row
    if not entities.field("text").take(found).equals(claimants):
        return False
    labels = entities.field("label").take(found).drop_null()
    return not len(labels) or pc.all(pc.is_in(labels, value_set=rules.claimant_labels)).as_py()
