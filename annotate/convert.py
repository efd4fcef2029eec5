"""Label Studio's JSON export, read task by task and turned into checked records.

:func:`iter_tasks` streams the tasks of an export file (a JSON array, or one task per line)
without loading it whole. :func:`convert_task` turns one task into a
:class:`~annotate.records.DocumentRecord` and lists every :class:`Problem` it found: nothing
is dropped or "fixed" silently. A record only ever holds spans whose offsets match the document
text and claimants that resolve to one of its entities; what could not be kept is a problem.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from pathlib import Path
from typing import Any

from annotate.errors import AnnotationError
from annotate.pseudonyms import AnnotatorNames
from annotate.records import Annotation, Claim, DocumentRecord, Prediction, Span
from annotate.schema import (
    CLAIM_STANCE_NAME,
    CLAIMS_NAME,
    DOCUMENT_STANCE_NAME,
    ENTITIES_NAME,
    RELATION_VALUE,
    TEXT_NAME,
    Schema,
)

__all__ = ["AnnotatorNames", "Problem", "convert_task", "iter_tasks"]

FIX = "fix it in Label Studio and pull again"
_DATA_FIELDS = (TEXT_NAME, "title", "document_id", "source")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an export, and where: document, task, annotation, region."""

    document_id: str | None
    task_id: int | None
    annotation_id: int | None
    region_id: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.document_id is not None:
            task = f" (task {self.task_id})" if self.task_id is not None else ""
            where.append(f"document {_show_id(self.document_id)}{task}")
        elif self.task_id is not None:
            where.append(f"task {self.task_id}")
        if self.annotation_id is not None:
            where.append(f"annotation {self.annotation_id}")
        if self.region_id is not None:
            where.append(f"region {_show_id(self.region_id)}")
        line = f"{', '.join(where)}: {self.message}" if where else self.message
        return " ".join(line.splitlines())


# ---------------------------------------------------------------------------------------------
# Streaming the export file

_CHUNK = 1 << 20
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODE = json.JSONDecoder().raw_decode


def iter_tasks(path: Path) -> Iterator[dict]:
    """Yield the tasks of a Label Studio JSON export one by one, in file order.

    The file is a JSON array of task objects (what Label Studio's JSON export writes) or JSON
    Lines, one task per line. It is read in chunks, so memory does not grow with the number of
    tasks. Raises :class:`AnnotationError` naming the byte offset when the file is not valid
    JSON, ends early, or holds something other than task objects.
    """
    reader = _TaskReader(Path(path))
    try:
        yield from reader.tasks()
    finally:
        reader.close()


class _TaskReader:
    """A growing text buffer over the file, decoded with ``JSONDecoder.raw_decode``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.file = path.open("rb")
        except OSError as error:
            raise AnnotationError(f"{path}: cannot open the export ({error.strerror or error}); "
                                  "check the path") from None
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.buffer = ""
        self.dropped = 0  # characters of the file before self.buffer
        self.bytes_read = 0
        self.eof = False

    def close(self) -> None:
        self.file.close()

    def tasks(self) -> Iterator[dict]:
        pos = self._skip(0)
        if pos >= len(self.buffer):
            self._fail(pos, "the export is empty; expected a JSON array of Label Studio tasks")
        array = self.buffer[pos] == "["
        if array:
            pos = self._skip(pos + 1)
            if pos < len(self.buffer) and self.buffer[pos] == "]":
                self._expect_end(pos + 1)
                return
        index = 0
        while True:
            value, end = self._value(pos, index)
            if not isinstance(value, dict):
                self._fail(pos, f"task #{index + 1} is {_kind(value)}, not a task object; "
                                "export the project again as JSON")
            index += 1
            yield value
            if end > _CHUNK:
                end = self._trim(end)
            pos = self._skip(end)
            if not array:
                if pos >= len(self.buffer):
                    return
                continue
            if pos >= len(self.buffer):
                self._fail(pos, f"the file ends after task #{index} without closing the array; the "
                                "download was cut short, pull again")
            char = self.buffer[pos]
            if char == "]":
                self._expect_end(pos + 1)
                return
            if char != ",":
                self._fail(pos, f"expected ',' or ']' after task #{index}, found {char!r}; export the "
                                "project again")
            pos = self._skip(pos + 1)
            if pos < len(self.buffer) and self.buffer[pos] == "]":
                self._fail(pos, f"a trailing comma after task #{index}; export the project again")

    def _value(self, pos: int, index: int) -> tuple[Any, int]:
        """Decode the JSON value at ``pos``, reading more of the file until it is complete."""
        want = _CHUNK
        while True:
            try:
                value, end = _DECODE(self.buffer, pos)
            except json.JSONDecodeError as error:
                if self.eof or not _maybe_incomplete(error, len(self.buffer)):
                    if self.eof and _maybe_incomplete(error, len(self.buffer)):
                        self._fail(error.pos, f"the file ends in the middle of task #{index + 1}; the "
                                              "download was cut short, pull again")
                    self._fail(error.pos, f"not valid JSON in task #{index + 1} ({error.msg}); export "
                                          "the project again")
            else:
                if end < len(self.buffer) or self.eof:
                    return value, end
            # Read at least as much again as is buffered, so a huge task costs linear time.
            self._read(max(want, len(self.buffer) - pos))
            want *= 2

    def _skip(self, pos: int) -> int:
        """The first non-whitespace position at or after ``pos``, reading more as needed."""
        while True:
            pos = _WHITESPACE.match(self.buffer, pos).end()
            if pos < len(self.buffer) or self.eof:
                return pos
            pos = self._trim(pos)
            self._read(_CHUNK)

    def _trim(self, pos: int) -> int:
        self.dropped += pos
        self.buffer = self.buffer[pos:]
        return 0

    def _read(self, size: int) -> None:
        data = self.file.read(size)
        try:
            text = self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as error:
            # error.object is what the decoder held back plus this read: it ends where the read ends.
            offset = self.bytes_read + len(data) - len(error.object) + error.start
            if not data:
                raise AnnotationError(f"{self.path}: byte {offset}: the file ends in the middle of a "
                                      "character; the download was cut short, pull again") from None
            raise AnnotationError(f"{self.path}: byte {offset} is not UTF-8; a Label Studio export is "
                                  "UTF-8, download it again") from None
        self.bytes_read += len(data)
        self.buffer += text
        self.eof = not data

    def _expect_end(self, pos: int) -> None:
        pos = self._skip(pos)
        if pos < len(self.buffer):
            self._fail(pos, "more data after the closing ']'; export the project again")

    def _fail(self, pos: int, message: str) -> None:
        offset = self._byte_offset(self.dropped + pos)
        raise AnnotationError(f"{self.path}: byte {offset}: {message}")

    def _byte_offset(self, characters: int) -> int:
        """The byte offset of the ``characters``-th decoded character (errors only: re-reads)."""
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        with self.path.open("rb") as file:
            offset = len(codecs.BOM_UTF8) if file.read(3) == codecs.BOM_UTF8 else 0
            file.seek(offset)
            remaining = characters
            while block := file.read(1 << 20):
                text = decoder.decode(block)
                if len(text) >= remaining:
                    return offset + len(text[:remaining].encode("utf-8"))
                remaining -= len(text)
                offset += len(text.encode("utf-8"))
        return offset


def _maybe_incomplete(error: json.JSONDecodeError, size: int) -> bool:
    """Whether a decode error may only mean that the buffer stops before the value does."""
    # A cut "\uXXXX" escape or "-Infinity" fails a few characters before the end of the buffer.
    return error.msg.startswith("Unterminated string") or error.pos >= size - 16


# ---------------------------------------------------------------------------------------------
# Converting one task


def convert_task(task: dict, schema: Schema, *, names: AnnotatorNames) -> tuple[DocumentRecord | None, list[Problem]]:
    """The document record of one exported task, and every problem found in it.

    The record is ``None`` only when the task itself is unusable (no text, no document id, no
    task id). Otherwise it holds every annotation that could be read, each with only the spans,
    claims and links that are valid; everything else is a :class:`Problem`.
    """
    if not isinstance(task, dict):
        return None, [Problem(None, None, None, None, f"a task must be a JSON object, got {_kind(task)}; "
                                                      "export the project again as JSON")]
    problems: list[Problem] = []
    task_id, data = task.get("id"), task.get("data")
    task_id = task_id if _is_int(task_id) else None
    readable = isinstance(data, dict)
    if not readable:
        problems.append(Problem(None, task_id, None, None,
                                f"task data is {_kind(data)}, not an object; export the project again"))
        data = {}
    document_id = data.get("document_id")
    if readable and (not isinstance(document_id, str) or not document_id.strip()):
        problems.append(Problem(None, task_id, None, None,
                                f"data.document_id is {_short(document_id)}, not a non-empty string; "
                                "push tasks with annotate push, which sets it"))
    document_id = document_id if isinstance(document_id, str) and document_id.strip() else None
    if task_id is None:
        message = f"a task has no integer id (got {_short(task.get('id'))}); export the project again"
        problems.insert(0, Problem(document_id, None, None, None, message))
    if not readable:
        return None, problems
    text = data.get(TEXT_NAME)
    if not isinstance(text, str) or not text:
        problems.append(Problem(document_id, task_id, None, None,
                                f"data.{TEXT_NAME} is {_short(text)}, not a non-empty string; "
                                "the task has no document text"))
        text = None
    if task_id is None or document_id is None or text is None:
        return None, problems

    checker = _Checker(_rules(schema), document_id, task_id, text, problems)
    title = checker.optional_string(data, "title")
    source = checker.optional_string(data, "source")
    meta = {key: value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
            for key, value in data.items() if key not in _DATA_FIELDS}

    annotations, seen = [], set()
    for index, raw in enumerate(checker.items(task, "annotations")):
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        if _is_int(raw_id):
            if raw_id in seen:
                checker.problem(raw_id, None, f"annotation #{index + 1} repeats the id of an earlier "
                                              "annotation of this task; export the project again")
                continue
            seen.add(raw_id)
        annotation = checker.annotation(raw, index, names)
        if annotation is not None:
            annotations.append(annotation)
    predictions = []
    for index, raw in enumerate(checker.items(task, "predictions")):
        prediction = checker.prediction(raw, index)
        if prediction is not None:
            predictions.append(prediction)
    record = DocumentRecord(id=document_id, task_id=task_id, title=title, text=text, source=source,
                            annotations=tuple(annotations), predictions=tuple(predictions), meta=meta)
    return record, problems


@dataclass(frozen=True)
class _Rules:
    """What the schema allows, in the shape the checker looks things up."""

    entity_labels: frozenset[str]
    claim_label: str
    claimant_labels: frozenset[str]
    claimant_required: bool
    stance_values: frozenset[str]
    claim_stance_required: bool
    document_stance_required: bool
    attributes: dict[str, frozenset[str]]
    required_attributes: tuple[str, ...]
    region_choices: dict[str, frozenset[str]]  # per-region choice control -> its values
    controls: frozenset[str]  # every control name a result may come from
    entity_text: str
    values_text: dict[str, str]  # control name -> its values in schema order, for messages
    claimant_text: str


_RULES_CACHE: dict[int, tuple[Schema, _Rules]] = {}


def _rules(schema: Schema) -> _Rules:
    cached = _RULES_CACHE.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    claims = schema.claims
    region_choices = {CLAIM_STANCE_NAME: frozenset(schema.stance.values),
                      **{a.name: frozenset(a.values) for a in claims.attributes}}
    rules = _Rules(
        entity_labels=frozenset(schema.entity_labels),
        claim_label=claims.label,
        claimant_labels=frozenset(claims.claimant_labels),
        claimant_required=claims.claimant_required,
        stance_values=frozenset(schema.stance.values),
        claim_stance_required=schema.stance.claim_required,
        document_stance_required=schema.stance.document_required,
        attributes={a.name: frozenset(a.values) for a in claims.attributes},
        required_attributes=tuple(a.name for a in claims.attributes if a.required),
        region_choices=region_choices,
        controls=frozenset({ENTITIES_NAME, CLAIMS_NAME, DOCUMENT_STANCE_NAME, *region_choices}),
        entity_text=", ".join(schema.entity_labels),
        values_text={CLAIM_STANCE_NAME: ", ".join(schema.stance.values),
                     DOCUMENT_STANCE_NAME: ", ".join(schema.stance.values),
                     **{a.name: ", ".join(a.values) for a in claims.attributes}},
        claimant_text=", ".join(claims.claimant_labels),
    )
    if len(_RULES_CACHE) > 16:
        _RULES_CACHE.clear()
    _RULES_CACHE[id(schema)] = (schema, rules)
    return rules


class _Checker:
    """Reads one task's annotations and predictions, recording every problem."""

    def __init__(self, rules: _Rules, document_id: str, task_id: int, text: str,
                 problems: list[Problem]) -> None:
        self.rules = rules
        self.document_id = document_id
        self.task_id = task_id
        self.text = text
        self.problems = problems
        self.choice_rules = rules.region_choices

    def problem(self, annotation_id: int | None, region_id: str | None, message: str) -> None:
        self.problems.append(Problem(self.document_id, self.task_id, annotation_id, region_id, message))

    # -- task fields ---------------------------------------------------------------------------

    def optional_string(self, data: dict, key: str) -> str:
        value = data.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.problem(None, None, f"data.{key} is {_kind(value)}, not a string; push the task again")
            return ""
        return value

    def items(self, task: dict, key: str) -> list:
        value = task.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(None, None, f"{key} is {_kind(value)}, not a list; export the project again")
            return []
        return value

    # -- annotations ---------------------------------------------------------------------------

    def annotation(self, raw: Any, index: int, names: AnnotatorNames) -> Annotation | None:
        if not isinstance(raw, dict):
            self.problem(None, None, f"annotation #{index + 1} is {_kind(raw)}, not an object; "
                                     "export the project again")
            return None
        annotation_id = raw.get("id")
        if not _is_int(annotation_id):
            self.problem(None, None, f"annotation #{index + 1} has no integer id (got {_short(annotation_id)}); "
                                     "export the project again")
            return None
        count = len(self.problems)
        try:
            annotator = names.name(raw.get("completed_by"))
        except ValueError as error:
            self.problem(annotation_id, None, f"{error}; export the project again")
            annotator = ""
        ground_truth = self._flag(raw, "ground_truth", annotation_id)
        cancelled = self._flag(raw, "was_cancelled", annotation_id)
        created_at = self._time(raw, "created_at", annotation_id)
        updated_at = self._time(raw, "updated_at", annotation_id) or created_at
        lead_time = raw.get("lead_time")
        if lead_time is not None and (isinstance(lead_time, bool) or not isinstance(lead_time, (int, float))):
            self.problem(annotation_id, None, f"lead_time is {_kind(lead_time)}, not a number of seconds; "
                                              "export the project again")
        result = raw.get("result")
        if result is not None and not isinstance(result, list):
            self.problem(annotation_id, None, f"result is {_kind(result)}, not a list; {FIX}")
        if len(self.problems) > count:
            return None  # the annotation's own fields are unreadable: its problems say why
        entities, claims, document_stance = _Results(self, annotation_id, complete=not cancelled).read(result or [])
        return Annotation(id=annotation_id, annotator=annotator, ground_truth=ground_truth,
                          cancelled=cancelled, created_at=created_at, updated_at=updated_at,
                          lead_time=None if lead_time is None else float(lead_time),
                          entities=entities, claims=claims, document_stance=document_stance)

    def _flag(self, raw: dict, key: str, annotation_id: int) -> bool:
        value = raw.get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.problem(annotation_id, None, f"{key} is {_short(value)}, not true or false; "
                                              "export the project again")
            return False
        return value

    def _time(self, raw: dict, key: str, annotation_id: int) -> str:
        value = raw.get(key)
        if value is None:
            return ""
        if isinstance(value, str):
            try:
                datetime.fromisoformat(value)
                return value
            except ValueError:
                pass
        self.problem(annotation_id, None, f"{key} is {_short(value)}, not an ISO 8601 time; "
                                          "export the project again")
        return ""

    # -- predictions ---------------------------------------------------------------------------

    def prediction(self, raw: Any, index: int) -> Prediction | None:
        if _is_int(raw):
            return None  # only the prediction's id: the export did not expand predictions
        if not isinstance(raw, dict):
            self.problem(None, None, f"prediction #{index + 1} is {_kind(raw)}, not an object; "
                                     "export the project again")
            return None
        name = f"prediction {raw['id']}" if _is_int(raw.get("id")) else f"prediction #{index + 1}"
        model_version = raw.get("model_version")
        if model_version is not None and not isinstance(model_version, str):
            self.problem(None, None, f"{name}: model_version is {_kind(model_version)}, not a string")
            model_version = None
        result = raw.get("result")
        if result is None:
            result = []
        if not isinstance(result, list):
            self.problem(None, None, f"{name}: result is {_kind(result)}, not a list; push the task again")
            return None
        results = _Results(self, None, complete=False, prefix=f"{name}: ")
        for position, item in enumerate(result):
            if not isinstance(item, dict):
                results.problem(None, f"result #{position + 1} is {_kind(item)}, not an object")
                continue
            if item.get("from_name") != ENTITIES_NAME:
                continue  # predictions carry entities only; anything else is not ours to read
            if "id" not in item:  # Label Studio gives imported prediction regions ids only on screen
                item = {**item, "id": f"{name.replace(' ', '-').replace('#', '')}-{position + 1}"}
            region = results.labels(item, position, ENTITIES_NAME)
            if region is not None:
                results.regions[region.id] = region
        spans = sorted(results.regions.values(), key=_span_order)
        return Prediction(model_version=model_version or "", entities=tuple(spans))


class _Results:
    """The result list of one annotation: regions, per-region choices, relations, stance."""

    def __init__(self, checker: _Checker, annotation_id: int | None, *, complete: bool,
                 prefix: str = "") -> None:
        self.checker = checker
        self.rules = checker.rules
        self.text = checker.text
        self.annotation_id = annotation_id
        self.complete = complete  # check required fields (not for skipped annotations)
        self.prefix = prefix
        self.regions: dict[str, Span] = {}  # region id -> entity or claim span (by its label)
        self.bad_regions: set[str] = set()  # region ids whose own result had a problem
        self.choices: dict[tuple[str, str], str] = {}
        self.bad_choices: set[tuple[str, str]] = set()
        self.claimants: dict[str, str] = {}  # claim id -> entity id
        self.unresolved: set[str] = set()  # claims whose claimant link had a problem

    def problem(self, region_id: str | None, message: str) -> None:
        self.checker.problem(self.annotation_id, region_id, self.prefix + message)

    def read(self, result: list) -> tuple[tuple[Span, ...], tuple[Claim, ...], str | None]:
        relations, region_choices, stances = [], [], []
        for position, item in enumerate(result):
            if not isinstance(item, dict):
                self.problem(None, f"result #{position + 1} is {_kind(item)}, not an object; {FIX}")
                continue
            if item.get("type") == "relation":
                relations.append((position, item))
                continue
            name = item.get("from_name")
            if name == ENTITIES_NAME or name == CLAIMS_NAME:
                region = self.labels(item, position, name)
                if region is not None:
                    self.regions[region.id] = region
            elif type(name) is str and name in self.checker.choice_rules:
                region_choices.append((position, item))
            elif name == DOCUMENT_STANCE_NAME:
                stances.append((position, item))
            else:
                known = ", ".join(sorted(self.rules.controls))
                self.problem(_region_id(item), f"result #{position + 1} comes from control {_short(name)}, "
                                               f"which the schema does not have ({known}); the project's "
                                               "labeling config does not match the schema: push the "
                                               "schema's config, then fix the annotation")
        for position, item in region_choices:
            self._region_choice(item, position)
        for position, item in relations:
            self._relation(item, position)
        entities, claims = self._build()
        return entities, claims, self._document_stance(stances)

    # -- one span ------------------------------------------------------------------------------

    def labels(self, item: dict, position: int, name: str) -> Span | None:
        """The region of an ``entities`` or ``claims`` result, or None after recording why not."""
        region = self._well_formed(item, name)
        if region is not None:
            return region
        region_id = _region_id(item)
        where = f"result #{position + 1}"
        if region_id is None:
            self.problem(None, f"{where} ({name}) has no region id (got {_short(item.get('id'))}); {FIX}")
            return None
        before = len(self.checker.problems)
        if region_id in self.regions or region_id in self.bad_regions:
            self.problem(region_id, f"region id appears in two span results ({where} is the second); {FIX}")
            self.bad_regions.add(region_id)
            self.regions.pop(region_id, None)
            return None
        if item.get("type", "labels") != "labels":
            self.problem(region_id, f"{name} result has type {_short(item.get('type'))}, expected \"labels\"; {FIX}")
        if item.get("to_name", TEXT_NAME) != TEXT_NAME:
            self.problem(region_id, f"{name} result points to {_short(item.get('to_name'))}, not to "
                                    f"\"{TEXT_NAME}\"; {FIX}")
        value = item.get("value")
        if not isinstance(value, dict):
            self.problem(region_id, f"{name} result has value {_short(value)}, not an object; {FIX}")
            self.bad_regions.add(region_id)
            return None
        start, end = value.get("start"), value.get("end")
        span_ok = False
        if not _is_int(start) or not _is_int(end):
            self.problem(region_id, f"span offsets must be integers, got start={_short(start)}, "
                                    f"end={_short(end)}; {FIX}")
        elif start >= end:
            self.problem(region_id, f"span {start}-{end} is empty or reversed (start must be below end); {FIX}")
        elif start < 0 or end > len(self.text):
            self.problem(region_id, f"span {start}-{end} is outside the text (0-{len(self.text)}); "
                                    "the document text changed after annotation, or the export is "
                                    f"from another project; {FIX}")
        else:
            span_ok = True
        shown = value.get("text")
        if shown is not None and not isinstance(shown, str):
            self.problem(region_id, f"span text is {_kind(shown)}, not a string; {FIX}")
        elif span_ok and shown is not None and not _same_but_whitespace(shown, self.text[start:end]):
            shown_part, actual_part = _difference(shown, self.text[start:end])
            self.problem(region_id, f"span {start}-{end} {shown_part} does not match the text at "
                                    f"those offsets ({actual_part}); {FIX}")
        label = self._label(value, region_id, name)
        if label is None or not span_ok or len(self.checker.problems) > before:
            self.bad_regions.add(region_id)
            return None
        return Span(region_id, start, end, self.text[start:end], label)

    def _well_formed(self, item: dict, name: str) -> Span | None:
        """The span when every check passes (the common case, checked fast), else None."""
        value = item.get("value")
        if type(value) is not dict:
            return None
        region_id, start, end, labels = item.get("id"), value.get("start"), value.get("end"), value.get("labels")
        text = self.text
        if (type(region_id) is not str or not region_id or type(start) is not int or type(end) is not int
                or not 0 <= start < end <= len(text) or type(labels) is not list or len(labels) != 1
                or region_id in self.regions or region_id in self.bad_regions
                or item.get("type", "labels") != "labels" or item.get("to_name", TEXT_NAME) != TEXT_NAME):
            return None
        label = labels[0]
        rules = self.rules
        if type(label) is not str or not (label in rules.entity_labels if name == ENTITIES_NAME
                                          else label == rules.claim_label):
            return None
        shown, actual = value.get("text"), text[start:end]
        if shown is not None and (type(shown) is not str or not _same_but_whitespace(shown, actual)):
            return None
        return Span(region_id, start, end, actual, label)

    def _label(self, value: dict, region_id: str, name: str) -> str | None:
        labels = value.get("labels")
        if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
            self.problem(region_id, f"{name} labels must be a list of strings, got {_short(labels)}; {FIX}")
            return None
        if len(labels) != 1:
            self.problem(region_id, f"span has {len(labels)} labels ({', '.join(labels) or 'none'}); "
                                    f"give it exactly one; {FIX}")
            return None
        label = labels[0]
        if name == ENTITIES_NAME and label not in self.rules.entity_labels:
            self.problem(region_id, f"unknown entity label {_short(label)} (the schema has "
                                    f"{self.rules.entity_text}); {FIX}")
            return None
        if name == CLAIMS_NAME and label != self.rules.claim_label:
            self.problem(region_id, f"unknown claim label {_short(label)} (the schema has "
                                    f"{self.rules.claim_label}); {FIX}")
            return None
        return label

    # -- per-region choices, relations, document stance ----------------------------------------

    def _choice(self, item: dict, name: str, region_id: str | None, allowed: frozenset[str]) -> str | None:
        value = item.get("value")
        choices = value.get("choices") if isinstance(value, dict) else None
        if type(choices) is list and len(choices) == 1 and type(choices[0]) is str and choices[0] in allowed:
            return choices[0]  # the common case; allowed values are all strings
        if not isinstance(choices, list) or not all(isinstance(choice, str) for choice in choices):
            self.problem(region_id, f"{name} choices must be a list of strings, got {_short(choices)}; {FIX}")
            return None
        if len(choices) != 1:
            self.problem(region_id, f"{name} has {len(choices)} values ({', '.join(choices) or 'none'}); "
                                    f"pick exactly one; {FIX}")
            return None
        if choices[0] not in allowed:
            self.problem(region_id, f"unknown {name} value {_short(choices[0])} (the schema has "
                                    f"{self.rules.values_text[name]}); {FIX}")
            return None
        return choices[0]

    def _region_choice(self, item: dict, position: int) -> None:
        name = item["from_name"]
        region_id = _region_id(item)
        if region_id is None:
            self.problem(None, f"result #{position + 1} ({name}) has no region id (got "
                               f"{_short(item.get('id'))}); {FIX}")
            return
        key = (region_id, name)
        value = self._choice(item, name, region_id, self.checker.choice_rules[name])
        if value is None:
            self.bad_choices.add(key)
            return
        region = self.regions.get(region_id)
        if region is None:
            if region_id not in self.bad_regions:
                self.problem(region_id, f"{name} {value} is attached to a region that does not exist; {FIX}")
            return
        if region.label != self.rules.claim_label:
            self.problem(region_id, f"{name} {value} is attached to a {region.label} entity, not to a "
                                    f"claim; only claims take {name}; {FIX}")
            return
        if key in self.bad_choices:
            return  # this claim's earlier value for the control is already a problem
        earlier = self.choices.get(key)
        if earlier is not None and earlier != value:
            self.problem(region_id, f"claim has two {name} values ({earlier} and {value}); {FIX}")
            self.bad_choices.add(key)
            del self.choices[key]
            return
        self.choices[key] = value

    def _relation(self, item: dict, position: int) -> None:
        ends = item.get("from_id"), item.get("to_id")
        if type(ends[0]) is not str or type(ends[1]) is not str or not ends[0] or not ends[1]:
            self.problem(None, f"{_relation_name(ends)} (result #{position + 1}) must name two region "
                               f"ids; {FIX}")
            return
        regions = (self.regions.get(ends[0]), self.regions.get(ends[1]))
        claim_label = self.rules.claim_label
        claims = [region for region in regions if region is not None and region.label == claim_label]
        problem = self._relation_problem(item, ends, regions, claims)
        if problem is not None:
            region_id, message = problem
            if message:
                self.problem(region_id, message)
            self.unresolved.update(claim.id for claim in claims)
            return
        claim = claims[0]
        entity = regions[1] if regions[0] is claim else regions[0]
        current = self.claimants.get(claim.id)
        if current is not None and current != entity.id:
            self.problem(claim.id, f"claim has two claimants ({current} and {entity.id}); keep one; {FIX}")
            self.unresolved.add(claim.id)
            return
        self.claimants[claim.id] = entity.id

    def _relation_problem(self, item: dict, ends: tuple[str, str], regions: tuple, claims: list,
                          ) -> tuple[str, str] | None:
        """What is wrong with a relation as a claimant link: (region id, message), or None.

        An empty message means the problem is already recorded (a region with its own problem).
        """
        if ends[0] in self.bad_regions or ends[1] in self.bad_regions:
            return ends[0], ""
        for end, region in zip(ends, regions):
            if region is None:
                return end, f"{_relation_name(ends)} points to a region that does not exist; {FIX}"
        labels = item.get("labels")
        if labels is not None and (type(labels) is not list or not all(type(x) is str for x in labels)):
            return ends[0], f"{_relation_name(ends)}: labels must be a list of strings, got {_short(labels)}; {FIX}"
        for label in labels or ():
            if label != RELATION_VALUE:
                return ends[0], (f"{_relation_name(ends)} has label {_short(label)}; the only relation is "
                                 f"\"{RELATION_VALUE}\"; {FIX}")
        if ends[0] == ends[1] or len(claims) != 1:
            kinds = " and ".join("claim" if r.label == self.rules.claim_label else f"{r.label} entity"
                                 for r in regions)
            return ends[0], (f"{_relation_name(ends)} links a {kinds}; a claimant relation links one claim "
                             f"and one entity; {FIX}")
        claim = claims[0]
        entity = regions[1] if regions[0] is claim else regions[0]
        if entity.label not in self.rules.claimant_labels:
            return claim.id, (f"claimant {entity.id} is a {entity.label}; a claimant must be "
                              f"{self.rules.claimant_text}; {FIX}")
        return None

    def _document_stance(self, stances: list[tuple[int, dict]]) -> str | None:
        values, unreadable = [], False
        for _position, item in stances:
            value = self._choice(item, DOCUMENT_STANCE_NAME, None, self.rules.stance_values)
            if value is None:
                unreadable = True
            else:
                values.append(value)
        if unreadable:
            return None
        if len(set(values)) > 1:
            self.problem(None, f"two document stances ({', '.join(values)}); keep one; {FIX}")
            return None
        if not values and self.complete and self.rules.document_stance_required:
            self.problem(None, f"no document stance; pick {self.rules.values_text[DOCUMENT_STANCE_NAME]} "
                               f"for the whole article; {FIX}")
        return values[0] if values else None

    # -- the records ---------------------------------------------------------------------------

    def _build(self) -> tuple[tuple[Span, ...], tuple[Claim, ...]]:
        claim_label = self.rules.claim_label
        entities, claims = [], []
        for region in self.regions.values():
            if region.label != claim_label:
                entities.append(region)
                continue
            claimant = None if region.id in self.unresolved else self.claimants.get(region.id)
            stance = self.choices.get((region.id, CLAIM_STANCE_NAME))
            attributes = {name: self.choices.get((region.id, name)) for name in self.rules.attributes}
            claims.append(Claim(region.id, region.start, region.end, region.text, claimant, stance, attributes))
            if self.complete:
                self._check_complete(region.id, claimant, stance, attributes)
        entities.sort(key=_span_order)
        claims.sort(key=_claim_order)
        return tuple(entities), tuple(claims)

    def _check_complete(self, claim_id: str, claimant: str | None, stance: str | None,
                        attributes: dict[str, str | None]) -> None:
        rules = self.rules
        if stance is None and rules.claim_stance_required and (claim_id, CLAIM_STANCE_NAME) not in self.bad_choices:
            self.problem(claim_id, f"claim has no stance; select it and pick "
                                   f"{rules.values_text[CLAIM_STANCE_NAME]}; {FIX}")
        if claimant is None and rules.claimant_required and claim_id not in self.unresolved:
            self.problem(claim_id, f"claim has no claimant; link it to a {rules.claimant_text} entity "
                                   f"with Create Relation; {FIX}")
        for name in rules.required_attributes:
            if attributes[name] is None and (claim_id, name) not in self.bad_choices:
                self.problem(claim_id, f"claim has no {name}; select it and pick one of "
                                       f"{rules.values_text[name]}; {FIX}")


# ---------------------------------------------------------------------------------------------
# Small helpers


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _region_id(item: dict) -> str | None:
    region_id = item.get("id")
    return region_id if isinstance(region_id, str) and region_id else None


def _relation_name(ends: tuple[Any, Any]) -> str:
    return f"relation {_short(ends[0])} -> {_short(ends[1])}"


def _same_but_whitespace(shown: str, actual: str) -> bool:
    """Label Studio may collapse or rebuild whitespace in ``value.text``: only that is allowed."""
    return shown == actual or "".join(shown.split()) == "".join(actual.split())


_span_order = attrgetter("start", "end", "label", "id")
_claim_order = attrgetter("start", "end", "id")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "an object"}.get(type(value), type(value).__name__)


def _short(value: Any, limit: int = 40) -> str:
    """A value shown in a message: JSON, on one line, cut to ``limit`` characters."""
    try:
        shown = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def _quote(text: str, limit: int = 40) -> str:
    """Text quoted for a message, cut to ``limit`` characters, escapes shown (one line)."""
    return json.dumps(text if len(text) <= limit else text[: limit - 3] + "...", ensure_ascii=False)


def _difference(shown: str, actual: str, limit: int = 40) -> tuple[str, str]:
    """Both texts quoted for a message, starting a little before the first difference."""
    common = 0
    for common, (a, b) in enumerate(zip(shown, actual)):
        if a != b:
            break
    else:
        common = min(len(shown), len(actual))
    cut = max(0, common - 20) if common > limit - 15 else 0
    prefix = "..." if cut else ""
    return (_quote(prefix + shown[cut:], limit), _quote(prefix + actual[cut:], limit))


def _show_id(value: str) -> str:
    return value if value.isprintable() and " " not in value and value else json.dumps(value, ensure_ascii=False)
