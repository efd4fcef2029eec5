"""Reading and checking an ``--annotations`` file (a Label Studio JSON export) before a push.

Every task must name a corpus document and carry its exact text, since offsets are only right on
the same text. Each annotation then goes through the checks ``annotate export`` runs
(:func:`annotate.conversion.convert.convert_task`, on what will be imported), so that a push never brings in
an annotation the export would refuse. Every problem is listed, naming the task and annotation by
their Label Studio ids, before anything on the server changes. Each annotation gets an
``import_id`` derived from its document and content, so that pushing the same file again adds
nothing (:func:`already_there`).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from annotate.conversion.convert import AnnotatorNames, Problem, convert_task
from annotate.conversion.problems import FIX
from annotate.conversion.result_reader import is_int
from annotate.corpus.reader import Document
from annotate.errors import AnnotationError
from annotate.scheme.schema import Schema

_VOLATILE_RESULT_KEYS = {"origin", "score", "readonly", "hidden"}
_IMPORTED_KEYS = ("result", "ground_truth", "was_cancelled", "lead_time")  # all that a push keeps
_PUSHING_USER = 0  # stands in for completed_by, which a push drops: the annotation becomes the pusher's

GoldAnnotations = dict[str, list[dict[str, Any]]]  # document id -> annotations ready to import


def read_annotations_file(path: Path, documents: Mapping[str, Document], schema: Schema) -> GoldAnnotations:
    """Annotations of a Label Studio JSON export, by document id, ready to import.

    Every task must name a corpus document (``data.document_id``) and carry its exact text
    (``data.text``): offsets are only right on the same text. Every annotation must pass the
    checks of ``annotate export`` for ``schema`` (a cancelled one need not be complete). Raises
    AnnotationError with every problem in ``problems``. ``completed_by`` is dropped (user ids
    differ between servers): the annotation belongs to the user who pushes; ``ground_truth``,
    ``was_cancelled`` and ``lead_time`` are kept as given.
    """
    tasks = _load(path)
    problems: list[str] = []
    found: GoldAnnotations = defaultdict(list)
    for position, task in enumerate(tasks, start=1):
        task_id = task.get("id") if isinstance(task, dict) else None
        where = f"{path}: " + (f"task {task_id}" if is_int(task_id) else f"task #{position} in the file")
        document = _document(task, documents, where, problems)
        if document is None:
            continue
        checked = _checked_annotations(task, document, schema, f"{where} (document {document.id})", problems)
        for annotation in checked:
            if all(annotation["id"] != other["id"] for other in found[document.id]):
                found[document.id].append(annotation)
    if len(problems) == 1:
        raise AnnotationError(f"{problems[0]}; nothing was pushed", problems=problems)
    if problems:
        raise AnnotationError(f"{path}: {len(problems)} problems in the annotations; nothing was pushed; "
                              "fix them in the file and push again",
                              problems=problems)
    return dict(found)


def already_there(annotation: Mapping[str, Any], have: Iterable[Mapping[str, Any]]) -> bool:
    """Whether a task's annotations ``have`` one with this annotation's import id or result."""
    canonical = _canonical(annotation["result"])
    return any(other.get("import_id") == annotation["id"] or _canonical(other.get("result")) == canonical
               for other in have)


def _load(path: Path) -> list[Any]:
    """The tasks of the file, or AnnotationError saying why there are none to read."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AnnotationError(f"{path}: annotations file not found; pass --annotations with a Label Studio "
                              "JSON export") from None
    except (OSError, UnicodeDecodeError) as error:
        raise AnnotationError(f"{path}: cannot read the annotations file ({error})") from None
    except ValueError as error:
        raise AnnotationError(f"{path}: not valid JSON ({error}); pass a Label Studio JSON export") from None
    if not isinstance(raw, list):
        raise AnnotationError(f"{path}: expected a list of tasks (a Label Studio JSON export), "
                              f"got {type(raw).__name__}")
    return raw


def _document(task: Any, documents: Mapping[str, Document], where: str, problems: list[str]) -> Document | None:
    """The corpus document a task names, when its text is exactly the corpus text."""
    data = task.get("data") if isinstance(task, dict) else None
    if not isinstance(data, dict):
        problems.append(f"{where}: not a Label Studio task (no data object)")
        return None
    document_id = data.get("document_id")
    if not isinstance(document_id, (str, int)) or isinstance(document_id, bool):
        problems.append(f"{where}: no data.document_id; export it from a project made by annotate push")
        return None
    where = f"{where} (document {document_id})"
    document = documents.get(str(document_id))
    if document is None:
        problems.append(f"{where}: not in the corpus; add the article to the corpus or remove the task")
        return None
    text = data.get("text")
    if not isinstance(text, str):
        problems.append(f"{where}: no data.text to check the offsets against; export the file with its data")
        return None
    if text != document.text:
        problems.append(f"{where}: data.text differs from the corpus text (first difference at character "
                        f"{_first_difference(text, document.text)}), so its offsets would point at the wrong "
                        "words; annotate the current text or restore the original article")
        return None
    return document


def _checked_annotations(task: dict[str, Any], document: Document, schema: Schema, where: str,
                         problems: list[str]) -> list[dict[str, Any]]:
    """The task's annotations ready to import, when all of them pass the export's checks.

    What is checked is what will be imported: the corpus document with each annotation's
    result, flags and lead time. A task id or annotation id the file lacks is stood in for (a
    push needs neither); problems then name the task or annotation by its position.
    """
    annotations = task.get("annotations")
    stand_ins: dict[int, str] = {}  # stand-in annotation id -> how a problem names the annotation
    if isinstance(annotations, list):
        own_ids = [a["id"] for a in annotations if isinstance(a, dict) and is_int(a.get("id"))]
        lowest = min([0, *own_ids])
        imported = []
        for position, annotation in enumerate(annotations, start=1):
            if not isinstance(annotation, dict):
                imported.append(annotation)  # convert_task says what it is
                continue
            annotation_id = annotation.get("id")
            if not is_int(annotation_id):
                annotation_id = lowest - position
                stand_ins[annotation_id] = f"#{position} in the task"
            imported.append({"id": annotation_id, "completed_by": _PUSHING_USER,
                             **{key: annotation[key] for key in _IMPORTED_KEYS if key in annotation}})
        annotations = imported
    data = {"text": document.text, "document_id": document.id, "title": document.title, "source": document.source}
    task_id = task.get("id")
    _, found = convert_task({"id": task_id if is_int(task_id) else 0, "data": data, "annotations": annotations},
                            schema, names=AnnotatorNames(), predictions=False)
    problems += [_message(problem, where, stand_ins) for problem in found]
    if found:
        return []
    return [_gold_annotation(annotation, document.id) for annotation in annotations or ()]


def _gold_annotation(annotation: Mapping[str, Any], document_id: str) -> dict[str, Any]:
    """What is imported of a checked annotation, with its ``id`` (Label Studio keeps it as the import_id)."""
    lead_time = annotation.get("lead_time")
    checked: dict[str, Any] = {"result": annotation.get("result") or [],
                               "ground_truth": bool(annotation.get("ground_truth")),
                               "was_cancelled": bool(annotation.get("was_cancelled"))}
    if lead_time is not None:
        checked["lead_time"] = lead_time
    checked["id"] = _import_id(document_id, checked)
    return checked


def _message(problem: Problem, where: str, stand_ins: Mapping[int, str]) -> str:
    """A problem found by the export's checks, named like the file's other problems (and fixed in the file)."""
    if problem.annotation_id is not None:
        where += f" annotation {stand_ins.get(problem.annotation_id, problem.annotation_id)}"
    if problem.region_id is not None:
        shown = problem.region_id
        where += f" region {shown if shown.isprintable() and ' ' not in shown and shown else json.dumps(shown)}"
    message = problem.message.replace(FIX, "fix it in the file and push again")
    return " ".join(f"{where}: {message}".splitlines())


def _import_id(document_id: str, annotation: Mapping[str, Any]) -> int:
    key = json.dumps([document_id, _canonical(annotation["result"]), annotation["ground_truth"],
                      annotation["was_cancelled"]], ensure_ascii=False)
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:15], 16)


def _canonical(result: Any) -> str:
    items = [{k: v for k, v in item.items() if k not in _VOLATILE_RESULT_KEYS} if isinstance(item, dict) else item
             for item in result or ()]
    return json.dumps(sorted(json.dumps(i, sort_keys=True, ensure_ascii=False) for i in items), ensure_ascii=False)


def _first_difference(a: str, b: str) -> int:
    for index, (left, right) in enumerate(zip(a, b)):
        if left != right:
            return index
    return min(len(a), len(b))
