"""Row by row: do the four configs hold what the schema and the ``documents`` config say?

- ``documents``: ids unique; every entity and claim lies within the text with
  ``text[start:end] == span text``, region ids are unique in the document, labels, stances and
  claim attributes are values of the schema (and present where it requires them); a claimant id
  names an entity of the same document, of a claimant label, whose text is the ``claimant``.
- ``ner``: rows belong to a document of the same split, consecutive and in text order; each
  token is ``text[token_start:token_end]``, every other character is white space, and the tags
  are the IOB2 tags that the document's entities give (:mod:`annotate.text.tokens`) over those tokens.
- ``claims``: one row per claim of the documents config, with its text, claimant, stance and
  attributes, the schema's target, and a context that holds the claim at its place.
- ``annotations``: per annotator, the same span rules; every document has rows, and its
  ``annotators`` are among them.

Each Parquet file's own features must be the schema's; otherwise its rows are not read. Files
are read a row group at a time; only the documents' text and spans are kept for the other configs.
"""

from __future__ import annotations

import operator
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from annotate.conversion.problems import SHOWN
from annotate.conversion.records import Claim, GoldDocument, Span
from annotate.corpus.identity import text_checksum
from annotate.published.counts import LabelCounter
from annotate.scheme.arrow_schemas import config_arrow_schemas
from annotate.scheme.features import CONFIGS, feature_dicts, ner_tag_names
from annotate.scheme.schema import Schema
from annotate.text.tokens import flat_entities, iob2_tags
from annotate.validation.batch_screen import BatchScreen
from annotate.validation.findings import Findings
from annotate.validation.row_reading import rows as _rows
from annotate.validation.row_reading import table_rows as _table_rows

TAG_MISMATCHES_SHOWN = 3


def show(text: Any) -> str:
    """A value quoted for a message, shortened in the middle to ``SHOWN`` characters (not
    :func:`annotate.conversion.problems.short`, which cuts the end: a published value is
    recognised by both its ends)."""
    if not isinstance(text, str):
        return repr(text)
    if len(text) > SHOWN:
        text = text[: SHOWN // 2] + "…" + text[-SHOWN // 2:]
    return '"' + text.replace("\n", "\\n") + '"'


@dataclass
class _Document:
    split: str
    file: Path
    row: int
    text: str
    entities: list[Span]
    claims: dict[str, tuple[int, dict[str, Any]]]  # claim id -> (index in the row's claims, claim)
    annotators: list[str]
    claims_seen: set[str] = field(default_factory=set)
    annotation_annotators: set[str] = field(default_factory=set)
    has_annotations: bool = False
    has_ner: bool = False


@dataclass(frozen=True)
class _At:
    """Where a row is, and the document it belongs to once known: for messages."""

    file: Path
    config: str
    row: int
    document: str | None = None


@dataclass
class _NerDocument:
    document: _Document
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    tags: list[int] = field(default_factory=list)
    firsts: list[int] = field(default_factory=list)  # per row: the index of its first token
    rows: list[_At] = field(default_factory=list)

    def place(self, index: int) -> tuple[_At, int]:
        """The row of token ``index`` and the token's index in that row."""
        row = bisect_right(self.firsts, index) - 1
        return self.rows[row], index - self.firsts[row]


@dataclass
class DataSummary:
    """What the rows hold, for the checks between files and between versions."""

    splits: dict[str, str] = field(default_factory=dict)  # document id -> split
    places: dict[str, tuple[Path, int]] = field(default_factory=dict)  # document id -> (file, row)
    label_counts: dict[str, Any] | None = None
    rows: dict[str, int] = field(default_factory=dict)  # config -> rows read
    checked: set[str] = field(default_factory=set)  # configs whose every file was read


class RowChecker:
    """Checks the rows of one version against its schema."""

    def __init__(self, schema: Schema, findings: Findings, *, text_versions: bool = True,
                 provenance: bool = True) -> None:
        self.schema = schema
        self.findings = findings
        self.features = feature_dicts(schema, text_versions=text_versions, provenance=provenance)
        self.arrow_schemas = config_arrow_schemas(schema, text_versions=text_versions, provenance=provenance)
        self.entity_names = schema.entity_labels
        self.stance_names = schema.stance.values
        self.tag_names = ner_tag_names(schema)
        self.documents: dict[str, _Document] = {}
        self.counter = LabelCounter(schema)
        self.counting = True  # check() counts labels, check_batch() does not
        self.checked: set[str] = set()  # configs whose every file was read
        self.ids: dict[str, dict[Any, tuple[Path, int]]] = {config: {} for config in CONFIGS}
        self.ner_current: _NerDocument | None = None
        self.failing: dict[str, str] = {}  # document id -> the first error of its rows
        self.screen = BatchScreen(schema)

    def check(self, data_files: dict[str, dict[str, Path]]) -> DataSummary:
        """Check every file of ``data_files`` (config -> split -> Parquet file)."""
        summary = DataSummary()
        readers = {"documents": self._document, "ner": self._ner_row, "claims": self._claim_row,
                   "annotations": self._annotation_row}
        for config in CONFIGS:
            checked = True
            for split, path in data_files.get(config, {}).items():
                if not self._readable(config, path):
                    checked = False
                    continue
                for index, row in _rows(path):
                    readers[config](split, _At(path, config, index), row)
                    summary.rows[config] = summary.rows.get(config, 0) + 1
                if config == "ner":
                    self._finish_ner()
            if checked:
                self.checked.add(config)
        self._finish()
        summary.splits = {doc_id: doc.split for doc_id, doc in self.documents.items()}
        summary.places = {doc_id: (doc.file, doc.row) for doc_id, doc in self.documents.items()}
        summary.checked = set(self.checked)
        if "documents" in self.checked:
            summary.label_counts = self.counter.as_dict()
        return summary

    def check_batch(self, tables: dict[str, dict[str, tuple[Path, int, pa.Table]]]) -> None:
        """Check the rows of a batch of whole documents before they are written: config ->
        split -> (the file they go to, the row their first row will be there, the table). The
        same checks as :meth:`check`, document by document, so memory stays flat: what a batch
        leaves behind is the documents' ids (a document id seen in an earlier batch is an
        error); labels are not counted (the export counts its own). A batch that passes
        :class:`~annotate.validation.batch_screen.BatchScreen` has nothing to report; only
        the others are read row by row."""
        self.counting = False
        if self.screen.passes({config: {split: table for split, (_, _, table) in splits.items()}
                               for config, splits in tables.items()}, self.ids["documents"]):
            self._remember_documents(tables.get("documents", {}))
        else:
            self._read_batch(tables)
        self.checked = set(CONFIGS)
        self.documents = {}
        for config in CONFIGS[1:]:  # their ids hold their document's id: unique once documents are
            self.ids[config] = {}

    def _remember_documents(self, splits: dict[str, tuple[Path, int, pa.Table]]) -> None:
        """Keep the ids of a batch that passed, as reading its rows would have."""
        seen = self.ids["documents"]
        for path, first, table in splits.values():
            for index, document_id in enumerate(table.column("id").to_pylist(), start=first):
                seen[document_id] = (path, index)

    def _read_batch(self, tables: dict[str, dict[str, tuple[Path, int, pa.Table]]]) -> None:
        """The checks of :meth:`check_batch` row by row: each failure found and worded."""
        readers = {"documents": self._document, "ner": self._ner_row, "claims": self._claim_row,
                   "annotations": self._annotation_row}
        for config in CONFIGS:
            for split, (path, first, table) in tables.get(config, {}).items():
                for index, row in enumerate(_table_rows(table), start=first):
                    readers[config](split, _At(path, config, index), row)
            if config == "ner":
                self._finish_ner()
        self.checked = set(CONFIGS)
        self._finish()

    def check_features(self, config: str, path: Path) -> None:
        """Check that a written Parquet file has the schema's features."""
        self._readable(config, path)

    # -- helpers ---------------------------------------------------------------------------------

    def _error(self, at: _At, field_name: str | None, message: str) -> None:
        """A failure at ``at``; the message starts with the document id when it is known."""
        prefix = f"document {at.document}: " if at.document is not None else ""
        self.findings.error(at.file, prefix + message, config=at.config, row=at.row, field=field_name)
        self._blame(at.document, message)

    def _blame(self, document_id: Any, message: str) -> None:
        """Remember the first error of each document (an export leaves those out with --quarantine)."""
        if isinstance(document_id, str):
            self.failing.setdefault(document_id, message)

    def _readable(self, config: str, path: Path) -> bool:
        """Whether ``path`` is Parquet with the schema's features (then its rows are read)."""
        try:
            found = pq.ParquetFile(path).schema_arrow
        except (OSError, ValueError) as error:
            return self._unreadable(config, path, error)
        expected = self.arrow_schemas[config]
        if found.equals(expected) and found.metadata == expected.metadata:
            return True  # the Arrow types and features the export writes: nothing to compare
        return self._same_features(config, path, found)

    def _same_features(self, config: str, path: Path, found: pa.Schema) -> bool:
        """Whether the features ``datasets`` reads from the Arrow schema ``found`` are the
        schema's; every difference is an error."""
        # datasets takes a second to import: only a file unlike what the export writes needs it
        from datasets import Features  # noqa: PLC0415

        from annotate.validation.loading import feature_differences  # noqa: PLC0415 - imports datasets

        try:
            features = Features.from_arrow_schema(found)
        except (ValueError, TypeError, KeyError) as error:
            return self._unreadable(config, path, error)
        differences = feature_differences(Features.from_dict(self.features[config]), features)
        for where, difference in differences:
            self.findings.error(path, f"the file's features differ from the schema's at {where}: {difference}; "
                                      "rows not checked", config=config, field=where)
        return not differences

    def _unreadable(self, config: str, path: Path, error: Exception) -> bool:
        self.findings.error(path, f"cannot be read as Parquet with datasets features ({error}); rows not checked",
                            config=config)
        return False

    def _row_of_document(self, config: str, split: str, at: _At, row: dict) -> tuple[_Document, _At] | None:
        """Check the id of a row of ``config`` (not ``documents``) and find its document; the
        document and the row's place naming it, or None when the row names no known document."""
        if not self._unique_id(config, at, row.get("id")):
            self._blame(row.get("document_id"), f"a {config} row id appears twice")
        document = self._document_of(at, split, row.get("document_id"))
        if document is None:
            return None
        return document, _At(at.file, at.config, at.row, row["document_id"])

    def _document_of(self, at: _At, split: str, document_id: Any) -> _Document | None:
        """The document a row of another config belongs to, which must be in the same split."""
        document = self.documents.get(document_id) if isinstance(document_id, str) else None
        if document is None:
            if "documents" in self.checked:
                self._error(at, "document_id",
                            f"document_id {show(document_id)} is not a document of the documents config")
            return None
        if document.split != split:
            self._error(at, "document_id",
                        f"document {document_id} is in split {document.split} in the documents config but this "
                        f"row is in {split}: a document's rows share one split")
        return document

    def _unique_id(self, config: str, at: _At, value: Any) -> bool:
        seen = self.ids[config]
        if value is None or value == "":
            self._error(at, "id", "id is missing")
            return False
        if value in seen:
            file, row = seen[value]
            self._error(at, "id", f"id {show(value)} appears twice (also {file.name} row {row})")
            return False
        seen[value] = (at.file, at.row)
        return True

    def _label(self, at: _At, where: str, value: Any, names: tuple[str, ...], what: str,
               required: bool) -> str | None:
        """The name of a ClassLabel id, which must be one of ``names`` (and present if ``required``)."""
        if value is None:
            if required:
                self._error(at, where, f"no {what}, but the schema requires one")
            return None
        if not isinstance(value, int) or not 0 <= value < len(names):
            self._error(at, where, f"{what} id {value!r} is not a schema value "
                                   f"(0-{len(names) - 1}: {', '.join(names)})")
            return None
        return names[value]

    def _in_text(self, at: _At, text: str, item: dict, where: str, regions: set[str]) -> bool:
        """Whether a span's offsets lie in ``text``; also checks its region id and its text."""
        region = item.get("id")
        if not isinstance(region, str) or not region:
            self._error(at, f"{where}.id", "region id is missing")
        elif region in regions:
            self._error(at, f"{where}.id", f"region id {region} appears twice")
        else:
            regions.add(region)
        start, end = item.get("start"), item.get("end")
        if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= len(text):
            self._error(at, f"{where}.start", f"region {region} start {start}, end {end} is not within the text "
                                              f"(0 <= start < end <= {len(text)})")
            return False
        if item.get("text") != text[start:end]:
            self._error(at, f"{where}.text", f"region {region} text {show(item.get('text'))} is not "
                                             f"text[{start}:{end}] = {show(text[start:end])}")
        return True

    def _spans(self, at: _At, text: str, entities: list[dict] | None,
               claims: list[dict] | None) -> tuple[list[Span], list[tuple[int, dict, Claim]]]:
        """Check the entities and claims of one row; return those with offsets in the text and
        known labels, with label names (a wrong span text is reported but kept, so that one
        mistake is not reported again by every config that repeats the span)."""
        regions: set[str] = set()
        spans: list[Span] = []
        for index, item in enumerate(entities or []):
            where = f"entities[{index}]"
            in_text = self._in_text(at, text, item, where, regions)
            label = self._label(at, f"{where}.label", item.get("label"), self.entity_names, "entity label", True)
            if in_text and label is not None:
                spans.append(Span(item["id"], item["start"], item["end"], item["text"], label))
        by_id = {span.id: span for span in spans}
        kept: list[tuple[int, dict, Claim]] = []
        for index, item in enumerate(claims or []):
            where = f"claims[{index}]"
            in_text = self._in_text(at, text, item, where, regions)
            self._claimant(at, where, item, by_id)
            stance = self._label(at, f"{where}.stance", item.get("stance"), self.stance_names, "claim stance",
                                 self.schema.stance.claim_required)
            attributes = {a.name: self._label(at, f"{where}.{a.name}", item.get(a.name), a.values, a.name, a.required)
                          for a in self.schema.claims.attributes}
            if in_text:
                kept.append((index, item, Claim(item["id"], item["start"], item["end"], item["text"],
                                                item.get("claimant_id"), stance, attributes)))
        return spans, kept

    def _claimant(self, at: _At, where: str, item: dict, entities: dict[str, Span]) -> None:
        """A claimant id names an entity of the same row, of a claimant label, whose text is ``claimant``."""
        rules = self.schema.claims
        claim, claimant_id, claimant = item.get("id"), item.get("claimant_id"), item.get("claimant")
        if claimant_id is None:
            if claimant is not None:
                self._error(at, f"{where}.claimant",
                            f"claim {claim} names claimant {show(claimant)} without a claimant_id")
            if rules.claimant_required:
                self._error(at, f"{where}.claimant_id", f"claim {claim} has no claimant, but the schema requires one")
            return
        entity = entities.get(claimant_id)
        if entity is None:
            self._error(at, f"{where}.claimant_id",
                        f"claim {claim}: claimant_id {claimant_id} is not an entity of this document")
            return
        if claimant != entity.text:
            self._error(at, f"{where}.claimant", f"claim {claim}: claimant {show(claimant)} is not the text of "
                                                 f"entity {claimant_id} ({show(entity.text)})")
        if entity.label not in rules.claimant_labels:
            self._error(at, f"{where}.claimant_id", f"claim {claim}: claimant {claimant_id} is a {entity.label}; "
                                                    f"the schema allows {', '.join(rules.claimant_labels)}")

    # -- documents -------------------------------------------------------------------------------

    def _document(self, split: str, at: _At, row: dict) -> None:
        if not self._unique_id("documents", at, row.get("id")):
            self._blame(row.get("id"), "its id appears twice in the documents config")
            return
        at = _At(at.file, at.config, at.row, row["id"])
        text = row.get("text")
        if not isinstance(text, str) or not text:
            self._error(at, "text", "text is missing")
            return
        self._text_version(at, text, row)
        entities, claims = self._spans(at, text, row.get("entities"), row.get("claims"))
        stance = self._label(at, "stance", row.get("stance"), self.stance_names, "document stance",
                             self.schema.stance.document_required)
        for column, items in (("entities_marked_by", row.get("entities")), ("claims_marked_by", row.get("claims"))):
            marked = row.get(column)
            if column in row and (marked is None or len(marked) != len(items or [])
                                  or not all(isinstance(n, int) and n >= 0 for n in marked)):
                self._error(at, column, f"{column} must hold one count of annotators per item of "
                                        f"{column.split('_')[0]} ({len(items or [])}), got {show(marked)}")
        annotators = row.get("annotators")
        if not annotators or not all(isinstance(name, str) and name for name in annotators):
            self._error(at, "annotators", "annotators must name at least one annotator")
            annotators = []
        self.documents[row["id"]] = _Document(split, at.file, at.row, text, entities,
                                              {item["id"]: (index, item) for index, item, _ in claims},
                                              list(annotators))
        if self.counting:
            self.counter.add(GoldDocument(row["id"], tuple(entities), tuple(claim for _, _, claim in claims), stance,
                                          tuple(annotators), row.get("policy") or ""))

    def _text_version(self, at: _At, text: str, row: dict) -> None:
        """The recorded checksum is the text's, and the version a whole number from 1 (when recorded)."""
        if "text_sha256" in row and row["text_sha256"] != text_checksum(text):
            self._error(at, "text_sha256", f"{show(row['text_sha256'])} is not the SHA-256 of the text "
                                           f"({text_checksum(text)}); export the version again")
        if "text_version" in row and not (isinstance(row["text_version"], int) and row["text_version"] >= 1):
            self._error(at, "text_version", f"{show(row['text_version'])} is not a text version (1, 2, ...)")

    # -- ner -------------------------------------------------------------------------------------

    def _ner_row(self, split: str, at: _At, row: dict) -> None:
        found = self._row_of_document("ner", split, at, row)
        if found is None:
            return
        document, at = found
        current = self.ner_current
        if current is None or current.document is not document:
            self._finish_ner()
            if document.has_ner:
                self._error(at, "document_id", "its ner rows are not consecutive; a document's sentences must "
                                               "follow each other in text order")
                return
            document.has_ner = True
            current = self.ner_current = _NerDocument(document)
        tokens, tags = row.get("tokens") or [], row.get("ner_tags") or []
        starts, ends = row.get("token_starts") or [], row.get("token_ends") or []
        if not tokens or not len(tokens) == len(tags) == len(starts) == len(ends):
            self._error(at, "ner_tags", f"{len(tokens)} tokens, {len(tags)} ner_tags, {len(starts)} token_starts "
                                        f"and {len(ends)} token_ends; they must be equally many, at least one")
            return
        text = document.text
        current.firsts.append(len(current.starts))
        current.rows.append(at)
        if self._clean_ner_row(current, text, tokens, tags, starts, ends):
            current.starts += starts
            current.ends += ends
            current.tags += tags
            return
        for index, (token, tag, start, end) in enumerate(zip(tokens, tags, starts, ends)):
            previous = current.ends[-1] if current.ends else 0
            if start is None or end is None or not previous <= start < end <= len(text):
                self._error(at, f"token_starts[{index}]", f"token {index} offsets {start}-{end} are not after the "
                                                          f"previous token ({previous}) and within the text "
                                                          f"({len(text)})")
                return
            if token != text[start:end]:
                self._error(at, f"tokens[{index}]", f"token {show(token)} is not text[{start}:{end}] = "
                                                    f"{show(text[start:end])}")
            if not isinstance(tag, int) or not 0 <= tag < len(self.tag_names):
                self._error(at, f"ner_tags[{index}]", f"tag id {tag!r} is not a tag of the schema "
                                                      f"(0-{len(self.tag_names) - 1})")
                tag = -1
            current.starts.append(start)
            current.ends.append(end)
            current.tags.append(tag)

    def _clean_ner_row(self, current: _NerDocument, text: str, tokens: list, tags: list, starts: list,
                       ends: list) -> bool:
        """Whether a row passes every check of the token loop in :meth:`_ner_row` (tested for the
        whole row at once: most rows do; a row that does not is checked token by token)."""
        previous = current.ends[-1] if current.ends else 0
        try:
            return (previous <= starts[0] and ends[-1] <= len(text)
                    and all(map(operator.lt, starts, ends)) and all(map(operator.le, ends, starts[1:]))
                    and set(map(type, tags)) == {int} and 0 <= min(tags) and max(tags) < len(self.tag_names)
                    and tokens == [text[start:end] for start, end in zip(starts, ends)])
        except TypeError:  # an offset or a tag is missing
            return False

    def _finish_ner(self) -> None:
        """Compare one document's tokens and tags, gathered from its rows, with its entities."""
        current, self.ner_current = self.ner_current, None
        if current is None or not current.starts:
            return
        text, starts, ends = current.document.text, current.starts, current.ends
        bounds = [0, *ends]
        gaps = [text[end:start] for end, start in zip(bounds, [*starts, len(text)])]
        for index, gap in enumerate(gaps if "".join(gaps).strip() else ()):  # most documents: nothing to look at
            start = starts[index] if index < len(starts) else len(text)
            if gap.strip():
                at, position = current.place(min(index, len(starts) - 1))
                self._error(at, f"tokens[{position}]", f"text[{bounds[index]}:{start}] = {show(gap)} is in no "
                                                       "token; the ner rows must cover all text but white space")
        entities = flat_entities(current.document.entities, self.entity_names)
        for entity in entities:
            for offset in (entity.start, entity.end):
                index = bisect_right(starts, offset) - 1
                if index >= 0 and starts[index] < offset < ends[index]:
                    at, position = current.place(index)
                    self._error(at, f"tokens[{position}]",
                                f"entity {entity.id} ({entity.label} {show(entity.text)}) has a boundary inside "
                                f"token {show(text[starts[index]:ends[index]])}; tokens must be cut there")
                    return
        expected = iob2_tags(starts, ends, entities, self.entity_names)
        wrong = [index for index, (tag, want) in enumerate(zip(current.tags, expected)) if tag != want and tag >= 0]
        shown = wrong[:TAG_MISMATCHES_SHOWN]
        for index in shown:
            at, position = current.place(index)
            more = ""
            if index == shown[-1] and len(wrong) > len(shown):
                more = f" ({len(wrong) - len(shown)} more tokens of this document differ)"
            token = show(text[starts[index]:ends[index]])
            self._error(at, f"ner_tags[{position}]",
                        f"token {token} is tagged {self.tag_names[current.tags[index]]} but the documents entities "
                        f"give {self.tag_names[expected[index]]}{more}")

    # -- claims ----------------------------------------------------------------------------------

    def _claim_row(self, split: str, at: _At, row: dict) -> None:
        found = self._row_of_document("claims", split, at, row)
        if found is None:
            return
        document, at = found
        claim_id = row.get("claim_id")
        if claim_id not in document.claims:
            self._error(at, "claim_id", f"claim_id {show(claim_id)} is not a claim of this document in the "
                                        "documents config")
            return
        if claim_id in document.claims_seen:
            self._error(at, "claim_id", f"claim {claim_id} has a second row")
        document.claims_seen.add(claim_id)
        _, claim = document.claims[claim_id]
        pairs = [("claim", "text"), ("claimant", "claimant"), ("stance", "stance")]
        pairs += [(attribute.name, attribute.name) for attribute in self.schema.claims.attributes]
        for column, key in pairs:
            if row.get(column) != claim.get(key):
                self._error(at, column, f"claim {claim_id}: {column} {show(row.get(column))} is not the documents "
                                        f"config's {show(claim.get(key))}")
        target = self.schema.stance.target
        if row.get("target") != target:
            self._error(at, "target", f"target {show(row.get('target'))} is not the schema's stance target "
                                      f"{show(target)}")
        context, text, start, end = row.get("context"), document.text, claim["start"], claim["end"]
        place = text.find(context, max(0, end - len(context))) if isinstance(context, str) and context else -1
        if not 0 <= place <= start:
            self._error(at, "context", f"context {show(context)} does not hold claim {claim_id} at its place, "
                                       f"text[{start}:{end}]")

    # -- annotations -----------------------------------------------------------------------------

    def _annotation_row(self, split: str, at: _At, row: dict) -> None:
        found = self._row_of_document("annotations", split, at, row)
        if found is None:
            return
        document, at = found
        document.has_annotations = True
        annotator = row.get("annotator")
        if not isinstance(annotator, str) or not annotator:
            self._error(at, "annotator", "annotator is missing")
        else:
            document.annotation_annotators.add(annotator)
        if not isinstance(row.get("ground_truth"), bool):
            self._error(at, "ground_truth", "ground_truth must be true or false")
        self._spans(at, document.text, row.get("entities"), row.get("claims"))
        self._label(at, "stance", row.get("stance"), self.stance_names, "document stance",
                    self.schema.stance.document_required)

    # -- across configs --------------------------------------------------------------------------

    def _finish(self) -> None:
        """Every document has its rows in the other configs (those that could be read)."""
        for document_id, document in self.documents.items():
            at = _At(document.file, "documents", document.row, document_id)
            if "ner" in self.checked and not document.has_ner and document.text.strip():
                self._error(at, "id", "has no rows in the ner config")
            if "claims" in self.checked:
                for claim_id, (index, _) in document.claims.items():
                    if claim_id not in document.claims_seen:
                        self._error(at, f"claims[{index}]", f"claim {claim_id} has no row in the claims config")
            if "annotations" in self.checked:
                if not document.has_annotations:
                    self._error(at, "id", "has no rows in the annotations config")
                    continue
                for name in document.annotators:
                    if name not in document.annotation_annotators:
                        self._error(at, "annotators", f"annotator {name} has no row for this document in the "
                                                      "annotations config")
