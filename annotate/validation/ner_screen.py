"""Whether the ``ner`` rows of a batch's documents pass the row checks, tested on whole columns.

The checks are those of :meth:`annotate.validation.row_checks.RowChecker._ner_row` and
``_finish_ner``, gathered per document over its rows: the rows of each document follow each
other, in the documents' order, and every document has some; each row has as many tokens, tags
and offsets, at least one; tokens follow each other within the text, each is
``text[token_start:token_end]``, and every character outside them is white space; no entity
(overlaps reduced as :func:`annotate.text.tokens.flat_spans` does) starts or ends inside a
token; and the tags are the IOB2 tags of those entities (:func:`annotate.text.tokens.tag_ids`).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from annotate.text.tokens import flat_spans
from annotate.validation.code_points import CodePoints, slices_equal, spread
from annotate.validation.span_screen import Entities

LIST_COLUMNS = ("tokens", "ner_tags", "token_starts", "token_ends")


def ner_passes(table: pa.Table, documents: list[str], texts: CodePoints, entities: Entities, tags: int) -> bool:
    """Whether the rows of ``table`` pass, for ``documents`` (ids, in order) of ``texts``
    with ``entities``; ``tags`` is the number of tag ids."""
    rows = _document_of_rows(table.column("document_id").combine_chunks(), documents)
    if rows is None:
        return False
    lists = [table.column(name).combine_chunks() for name in LIST_COLUMNS]
    values = [column.flatten() for column in lists]
    if any(array.null_count for array in lists + values):
        return False
    lengths = [pc.list_value_length(column).to_numpy() for column in lists]
    if lengths[0].min() < 1 or any(not np.array_equal(lengths[0], other) for other in lengths[1:]):
        return False
    tokens, tag_ids, starts, ends = values
    tag_ids = tag_ids.to_numpy()
    if tag_ids.min() < 0 or tag_ids.max() >= tags:
        return False
    owners = rows[pc.list_parent_indices(lists[0]).to_numpy()]
    starts, ends = starts.to_numpy().astype(np.int64), ends.to_numpy().astype(np.int64)
    same = owners[1:] == owners[:-1]
    if not (np.all(0 <= starts) and np.all(starts < ends) and np.all(ends[:-1][same] <= starts[1:][same])
            and np.all(ends <= texts.lengths[owners])):
        return False
    if not slices_equal(texts, owners, starts, ends, CodePoints.of(tokens)):
        return False
    first = texts.bounds[owners]
    starts, ends = first + starts, first + ends  # places in all texts end to end, still in order
    if _between(texts, starts, ends).strip():
        return False  # text in no token
    kept = _flat(entities)
    bounds = texts.bounds[entities.owners[kept]]
    entity_starts, entity_ends = bounds + entities.starts[kept], bounds + entities.ends[kept]
    if _inside(starts, ends, entity_starts).any() or _inside(starts, ends, entity_ends).any():
        return False  # an entity boundary inside a token
    return bool(np.array_equal(_iob2(starts, ends, entity_starts, entity_ends, entities.labels[kept]), tag_ids))


def _between(texts: CodePoints, starts: np.ndarray, ends: np.ndarray) -> str:
    """Every character of ``texts`` outside the tokens (``starts``, ``ends``: ascending places
    in the texts end to end), as one string."""
    gap_starts = np.concatenate([[0], ends])
    gap_ends = np.concatenate([starts, [len(texts.codes)]])
    return texts.text(spread(gap_starts, gap_ends - gap_starts))


def _inside(starts: np.ndarray, ends: np.ndarray, places: np.ndarray) -> np.ndarray:
    """Whether each place lies inside a token (after its start, before its end)."""
    token = np.searchsorted(starts, places, "right") - 1
    found = token >= 0
    token = np.where(found, token, 0)
    return found & (starts[token] < places) & (places < ends[token])


def _document_of_rows(document_ids: pa.Array, documents: list[str]) -> np.ndarray | None:
    """Each row's index in ``documents`` when the rows are runs of one document each, in the
    order of ``documents``, all of them; else None."""
    if document_ids.null_count or len(document_ids) < len(documents):
        return None
    if not len(document_ids):
        return np.zeros(0, np.int64) if not documents else None
    changes = np.ones(len(document_ids), bool)
    changes[1:] = pc.not_equal(document_ids[1:], document_ids[:-1]).to_numpy(zero_copy_only=False)
    if document_ids.filter(pa.array(changes)).to_pylist() != documents:
        return None
    return np.cumsum(changes) - 1


def _flat(entities: Entities) -> np.ndarray:
    """Indexes of the entities that :func:`annotate.text.tokens.flat_spans` keeps in each text."""
    order = np.lexsort((entities.starts, entities.owners))
    owners, starts, ends = entities.owners[order], entities.starts[order], entities.ends[order]
    overlapping = set(owners[1:][(owners[1:] == owners[:-1]) & (ends[:-1] > starts[1:])].tolist())
    if not overlapping:
        return order
    kept = [index for index in order.tolist() if entities.owners[index] not in overlapping]
    for owner in sorted(overlapping):
        spans = [(int(entities.starts[i]), int(entities.ends[i]), int(entities.labels[i]), entities.ids[i].as_py(), i)
                 for i in np.flatnonzero(entities.owners == owner).tolist()]
        kept += [span[4] for span in flat_spans(spans)]
    return np.array(kept, np.int64)


def _iob2(starts: np.ndarray, ends: np.ndarray, entity_starts: np.ndarray, entity_ends: np.ndarray,
          labels: np.ndarray) -> np.ndarray:
    """:func:`annotate.text.tokens.tag_ids` of tokens and entities in ascending places (entities
    not overlapping): ``B-X`` on an entity's first token, ``I-X`` on the rest."""
    tags = np.zeros(len(starts), np.int64)
    first = np.searchsorted(starts, entity_starts, "left")
    count = np.searchsorted(ends, entity_ends, "right") - first
    tagged = count > 0
    first, count, labels = first[tagged], count[tagged], labels[tagged]
    tags[first] = 1 + 2 * labels
    rest = count - 1
    within = np.arange(rest.sum()) - np.repeat(np.cumsum(rest) - rest, rest)
    tags[np.repeat(first + 1, rest) + within] = np.repeat(2 + 2 * labels, rest)
    return tags
