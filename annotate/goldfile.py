"""Reading and checking an ``--annotations`` file (a Label Studio JSON export) before a push.

Every task must name a corpus document and carry its exact text, since offsets are only right on
the same text; every problem is listed before anything on the server changes. Each annotation gets
an ``import_id`` derived from its document and content, so that pushing the same file again adds
nothing (:func:`already_there`).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from annotate.corpus import Document
from annotate.errors import AnnotationError

_VOLATILE_RESULT_KEYS = {"origin", "score", "readonly", "hidden"}

GoldAnnotations = dict[str, list[dict[str, Any]]]  # document id -> annotations ready to import


def read_annotations_file(path: Path, documents: Mapping[str, Document]) -> GoldAnnotations:
    """Annotations of a Label Studio JSON export, by document id, ready to import.

    Every task must name a corpus document (``data.document_id``) and carry its exact text
    (``data.text``): offsets are only right on the same text. Raises AnnotationError listing
    every problem. ``completed_by`` is dropped (user ids differ between servers): the annotation
    belongs to the user who pushes; ``ground_truth`` and ``was_cancelled`` are kept as given.
    """
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
    problems: list[str] = []
    found: GoldAnnotations = defaultdict(list)
    for index, task in enumerate(raw):
        where = f"{path}: task {index}"
        data = task.get("data") if isinstance(task, dict) else None
        if not isinstance(data, dict):
            problems.append(f"{where}: not a Label Studio task (no data object)")
            continue
        document_id = data.get("document_id")
        if not isinstance(document_id, (str, int)) or isinstance(document_id, bool):
            problems.append(f"{where}: no data.document_id; export it from a project made by annotate push")
            continue
        document_id = str(document_id)
        where = f"{where} (document {document_id})"
        document = documents.get(document_id)
        if document is None:
            problems.append(f"{where}: not in the corpus; add the article to the corpus or remove the task")
            continue
        text = data.get("text")
        if not isinstance(text, str):
            problems.append(f"{where}: no data.text to check the offsets against; export the file with its data")
            continue
        if text != document.text:
            problems.append(f"{where}: data.text differs from the corpus text (first difference at character "
                            f"{_first_difference(text, document.text)}), so its offsets would point at the wrong "
                            "words; annotate the current text or restore the original article")
            continue
        for number, annotation in enumerate(task.get("annotations") or []):
            checked = _gold_annotation(annotation, document, f"{where} annotation {number}", problems)
            if checked is not None and all(checked["id"] != other["id"] for other in found[document_id]):
                found[document_id].append(checked)
    if problems:
        raise AnnotationError(f"{path}: {len(problems)} problem(s), nothing was pushed; first: {problems[0]}",
                              problems=problems)
    return dict(found)


def already_there(annotation: Mapping[str, Any], have: Iterable[Mapping[str, Any]]) -> bool:
    """Whether a task's annotations ``have`` one with this annotation's import id or result."""
    canonical = _canonical(annotation["result"])
    return any(other.get("import_id") == annotation["id"] or _canonical(other.get("result")) == canonical
               for other in have)


def _gold_annotation(annotation: Any, document: Document, where: str, problems: list[str]) -> dict[str, Any] | None:
    if not isinstance(annotation, dict) or not isinstance(annotation.get("result"), list):
        problems.append(f"{where}: not an annotation with a result list")
        return None
    result = annotation["result"]
    size = len(document.text)
    for item in result:
        if not isinstance(item, dict):
            problems.append(f"{where}: a result item is not an object")
            return None
        value = item.get("value")
        if isinstance(value, dict) and ("start" in value or "end" in value):
            start, end = value.get("start"), value.get("end")
            if not (type(start) is int and type(end) is int and 0 <= start <= end <= size):
                problems.append(f"{where} region {item.get('id')}: offsets {start!r}..{end!r} are not inside the "
                                f"text (length {size})")
                return None
    flags = {key: annotation.get(key, False) for key in ("ground_truth", "was_cancelled")}
    for key, flag in flags.items():
        if not isinstance(flag, bool):
            problems.append(f"{where}: {key} must be true or false, got {flag!r}")
            return None
    lead_time = annotation.get("lead_time")
    checked: dict[str, Any] = {"result": result, **flags}
    if isinstance(lead_time, (int, float)) and not isinstance(lead_time, bool):
        checked["lead_time"] = lead_time
    checked["id"] = _import_id(document.id, checked)  # Label Studio keeps it as the import_id
    return checked


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
