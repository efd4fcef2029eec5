"""Label Studio's JSON export turned, task by task, into checked records.

:func:`convert_task` turns one task into a :class:`~annotate.conversion.records.DocumentRecord` and lists
every :class:`~annotate.conversion.problems.Problem` it found: nothing is dropped or "fixed" silently. A
record only ever holds spans whose offsets match the document text and claimants that resolve to
one of its entities; what could not be kept is a problem. Here are the task's own fields and each
annotation's and prediction's fields; :mod:`annotate.conversion.result_reader` reads their result lists, and
:func:`~annotate.conversion.task_stream.iter_tasks` streams the tasks of an export file.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from annotate.conversion.problems import FIX, Problem, TaskProblems, kind, short
from annotate.conversion.pseudonyms import AnnotatorNames
from annotate.conversion.records import Annotation, DocumentRecord, Prediction
from annotate.conversion.result_reader import ResultReader, is_int, span_order
from annotate.conversion.rules import Rules, schema_rules
from annotate.conversion.task_stream import iter_tasks
from annotate.conversion.text_check import NO_TEXT_CHECKSUM, TEXT_CHECKSUM, edited_text_message, text_checksum
from annotate.scheme.schema import ENTITIES_NAME, TEXT_NAME, Schema

__all__ = ["AnnotatorNames", "Problem", "convert_task", "iter_tasks"]

_DATA_FIELDS = (TEXT_NAME, "title", "document_id", "source", TEXT_CHECKSUM, "text_version")
# The task key under which ``annotate pull`` puts the curation project's decisions on a document
# (raw Label Studio annotations, each marked ``"curated": true``); absent in a plain export.
CURATED_KEY = "curated"


def convert_task(task: dict, schema: Schema, *, names: AnnotatorNames,
                 predictions: bool = True) -> tuple[DocumentRecord | None, list[Problem]]:
    """The document record of one exported task, and every problem found in it.

    The record is ``None`` only when the task itself is unusable (no text, no document id, no
    task id). Otherwise it holds every annotation that could be read, each with only the spans,
    claims and links that are valid; everything else is a :class:`Problem`. With
    ``predictions=False`` the task's predictions are not read at all (the record has none and
    they raise no problem): the dataset export publishes annotations only.
    """
    if not isinstance(task, dict):
        return None, [Problem(None, None, None, None, f"a task must be a JSON object, got {kind(task)}; "
                                                      "export the project again as JSON")]
    problems: list[Problem] = []
    task_id, data = task.get("id"), task.get("data")
    task_id = task_id if is_int(task_id) else None
    readable = isinstance(data, dict)
    if not readable:
        problems.append(Problem(None, task_id, None, None,
                                f"task data is {kind(data)}, not an object; export the project again"))
        data = {}
    document_id = data.get("document_id")
    if readable and (not isinstance(document_id, str) or not document_id.strip()):
        problems.append(Problem(None, task_id, None, None,
                                f"data.document_id is {short(document_id)}, not a non-empty string; "
                                "push tasks with annotate push, which sets it"))
    document_id = document_id if isinstance(document_id, str) and document_id.strip() else None
    if task_id is None:
        message = f"a task has no integer id (got {short(task.get('id'))}); export the project again"
        problems.insert(0, Problem(document_id, None, None, None, message))
    if not readable:
        return None, problems
    text = data.get(TEXT_NAME)
    if not isinstance(text, str) or not text:
        problems.append(Problem(document_id, task_id, None, None,
                                f"data.{TEXT_NAME} is {short(text)}, not a non-empty string; "
                                "the task has no document text"))
        text = None
    if task_id is None or document_id is None or text is None:
        return None, problems

    checker = _Checker(schema_rules(schema), document_id, task_id, text, problems)
    checker.text_unchanged(data.get(TEXT_CHECKSUM))
    metadata = checker.metadata(data, schema)
    title = checker.optional_string(data, "title")
    source = checker.optional_string(data, "source")
    text_version = checker.text_version(data)
    meta = {key: value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
            for key, value in data.items() if key not in _DATA_FIELDS}

    annotations, seen = [], set()
    for index, raw in enumerate(checker.items(task, "annotations")):
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        if is_int(raw_id):
            if raw_id in seen:
                checker.problem(raw_id, None, f"annotation #{index + 1} repeats the id of an earlier "
                                              "annotation of this task; export the project again")
                continue
            seen.add(raw_id)
        annotation = checker.annotation(raw, index, names)
        if annotation is not None:
            annotations.append(annotation)
    curated = []
    for index, raw in enumerate(checker.items(task, CURATED_KEY)):
        annotation = checker.annotation(raw, index, names)
        if annotation is not None and not annotation.cancelled:
            curated.append(annotation)
    predicted = []
    for index, raw in enumerate(checker.items(task, "predictions") if predictions else ()):
        prediction = checker.prediction(raw, index)
        if prediction is not None:
            predicted.append(prediction)
    record = DocumentRecord(id=document_id, task_id=task_id, title=title, text=text, source=source,
                            annotations=tuple(annotations), predictions=tuple(predicted), meta=meta,
                            warnings=tuple(checker.log.warnings), metadata=metadata, text_version=text_version,
                            curated=tuple(curated))
    return record, problems


def typed_metadata(value: object, kind: str) -> object:
    """``value`` as the schema's metadata type ``kind``; None when it is not one."""
    if kind == "string":
        return value if isinstance(value, str) else None
    if kind == "boolean":
        return value if isinstance(value, bool) else None
    if kind == "integer":
        return value if is_int(value) else None
    if kind == "number":
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if kind == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value[:10]) if len(value) == 10 else datetime.fromisoformat(value).date()
        except ValueError:
            return None
    return None


class _Checker:
    """Reads one task's annotations and predictions, recording every problem."""

    def __init__(self, rules: Rules, document_id: str, task_id: int, text: str,
                 problems: list[Problem]) -> None:
        self.rules = rules
        self.text = text
        self.log = TaskProblems(document_id, task_id, problems)

    def problem(self, annotation_id: int | None, region_id: str | None, message: str) -> None:
        self.log.add(annotation_id, region_id, message)

    # -- task fields ---------------------------------------------------------------------------

    def text_unchanged(self, recorded: object) -> None:
        """The text is the one push sent (its checksum); a task without one gets a warning."""
        if recorded is None:
            self.log.warn(NO_TEXT_CHECKSUM, None, None,
                          f"data has no {TEXT_CHECKSUM} (pushed before annotate recorded one), so its text could "
                          "not be checked against what push sent")
        elif not isinstance(recorded, str) or recorded != text_checksum(self.text):
            self.problem(None, None, edited_text_message(str(recorded)))

    def metadata(self, data: dict, schema: Schema) -> dict[str, object]:
        """The schema's document metadata, typed: from ``data.meta`` (what push stores: the corpus
        fields) or ``data`` itself; a missing field is None, a wrongly typed one a problem."""
        meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
        found: dict[str, object] = {}
        for field in schema.metadata:
            value = meta.get(field.name, data.get(field.name))
            typed = None if value is None else typed_metadata(value, field.type)
            if value is not None and typed is None:
                self.problem(None, None, f"data.meta.{field.name} is {short(value)}, not a {field.type} as the "
                                         f"schema's documents.metadata says; fix it in the corpus and in the task's "
                                         "data in Label Studio")
            found[field.name] = typed
        return found

    def optional_string(self, data: dict, key: str) -> str:
        value = data.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.problem(None, None, f"data.{key} is {kind(value)}, not a string; push the task again")
            return ""
        return value

    def text_version(self, data: dict) -> int:
        """data.text_version (set by push --update-texts): 1 when absent."""
        value = data.get("text_version", 1)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.problem(None, None, f"data.text_version is {kind(value)}, not a whole number from 1; push the task "
                                     "again")
            return 1
        return value

    def items(self, task: dict, key: str) -> list:
        value = task.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(None, None, f"{key} is {kind(value)}, not a list; export the project again")
            return []
        return value

    # -- annotations ---------------------------------------------------------------------------

    def annotation(self, raw: Any, index: int, names: AnnotatorNames) -> Annotation | None:
        if not isinstance(raw, dict):
            self.problem(None, None, f"annotation #{index + 1} is {kind(raw)}, not an object; "
                                     "export the project again")
            return None
        annotation_id = raw.get("id")
        if not is_int(annotation_id):
            self.problem(None, None, f"annotation #{index + 1} has no integer id (got {short(annotation_id)}); "
                                     "export the project again")
            return None
        count = len(self.log.problems)
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
            self.problem(annotation_id, None, f"lead_time is {kind(lead_time)}, not a number of seconds; "
                                              "export the project again")
        result = raw.get("result")
        if result is not None and not isinstance(result, list):
            self.problem(annotation_id, None, f"result is {kind(result)}, not a list; {FIX}")
        if len(self.log.problems) > count:
            return None  # the annotation's own fields are unreadable: its problems say why
        reader = ResultReader(self.rules, self.text, self.log, annotation_id, complete=not cancelled)
        entities, claims, document_stance = reader.read(result or [])
        return Annotation(id=annotation_id, annotator=annotator, ground_truth=ground_truth,
                          cancelled=cancelled, created_at=created_at, updated_at=updated_at,
                          lead_time=None if lead_time is None else float(lead_time),
                          entities=entities, claims=claims, document_stance=document_stance)

    def _flag(self, raw: dict, key: str, annotation_id: int) -> bool:
        value = raw.get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.problem(annotation_id, None, f"{key} is {short(value)}, not true or false; "
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
        self.problem(annotation_id, None, f"{key} is {short(value)}, not an ISO 8601 time; "
                                          "export the project again")
        return ""

    # -- predictions ---------------------------------------------------------------------------

    def prediction(self, raw: Any, index: int) -> Prediction | None:
        if is_int(raw):
            return None  # only the prediction's id: the export did not expand predictions
        if not isinstance(raw, dict):
            self.problem(None, None, f"prediction #{index + 1} is {kind(raw)}, not an object; "
                                     "export the project again")
            return None
        name = f"prediction {raw['id']}" if is_int(raw.get("id")) else f"prediction #{index + 1}"
        model_version = raw.get("model_version")
        if model_version is not None and not isinstance(model_version, str):
            self.problem(None, None, f"{name}: model_version is {kind(model_version)}, not a string")
            model_version = None
        result = raw.get("result")
        if result is None:
            result = []
        if not isinstance(result, list):
            self.problem(None, None, f"{name}: result is {kind(result)}, not a list; push the task again")
            return None
        results = ResultReader(self.rules, self.text, self.log, None, complete=False, prefix=f"{name}: ")
        sources: dict[str, str] = {}
        for position, item in enumerate(result):
            if not isinstance(item, dict):
                results.problem(None, f"result #{position + 1} is {kind(item)}, not an object")
                continue
            if item.get("from_name") != ENTITIES_NAME:
                continue  # predictions carry entities only; anything else is not ours to read
            if "id" not in item:  # Label Studio gives imported prediction regions ids only on screen
                item = {**item, "id": f"{name.replace(' ', '-').replace('#', '')}-{position + 1}"}
            region = results.labels(item, position, ENTITIES_NAME)
            if region is not None:
                results.regions[region.id] = region
                meta = item.get("meta")
                source = meta.get("source") if isinstance(meta, dict) else None
                sources[region.id] = source if isinstance(source, str) else ""
        spans = sorted(results.regions.values(), key=span_order)
        return Prediction(model_version=model_version or "", entities=tuple(spans),
                          sources=tuple(sources.get(span.id, "") for span in spans))
