"""The examples a model learns from: the gold of each completed document of a pulled file.

The gold is what ``annotate export`` publishes: each task is converted (:mod:`annotate.conversion`)
and its completed annotations merged (:func:`annotate.release.gold_merge.merge`). Annotations
with a problem are left out and counted; a file whose problems show that it was made with
another schema is refused with one line.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from annotate.conversion.convert import AnnotatorNames, Problem, convert_task, iter_tasks
from annotate.conversion.records import GoldDocument
from annotate.errors import AnnotateError, ModelError
from annotate.release.gold_merge import merge
from annotate.scheme.schema import Schema

# Problems that mean "this schema does not describe these annotations" rather than a slip.
_SCHEMA_SIGNS = ("unknown ", "comes from control")


@dataclass(frozen=True)
class Example:
    """One document and its gold annotation."""

    document_id: str
    text: str
    gold: GoldDocument


@dataclass(frozen=True)
class TrainingData:
    """The examples of one pulled file, where they came from, and what was left out."""

    path: Path
    sha256: str
    size: int  # bytes of the file
    examples: tuple[Example, ...]
    tasks: int
    left_out: tuple[Problem, ...]  # annotations (or documents) left out, one problem each


def read_training_data(path: Path | str, schema: Schema) -> TrainingData:
    """The gold examples of the raw Label Studio export at ``path``, sorted by document id.

    Raises :class:`ModelError` when the file is missing, was made with another schema, or has
    no completed annotation.
    """
    source = Path(path)
    if not source.is_file():
        raise ModelError(f"{source}: no such file; give the raw export that annotate pull wrote (--input)")
    names = AnnotatorNames(include_emails=False)
    examples: dict[str, Example] = {}
    left_out: list[Problem] = []
    tasks = 0
    try:
        for task in iter_tasks(source):
            tasks += 1
            record, problems = convert_task(task, schema, names=names, predictions=False)
            left_out.extend(problems)
            if record is None or any(p.annotation_id is None for p in problems) or record.id in examples:
                continue
            bad = {p.annotation_id for p in problems}
            record = replace(record, annotations=tuple(a for a in record.annotations if a.id not in bad))
            gold = merge(record, schema)
            if gold is not None:
                examples[record.id] = Example(record.id, record.text, gold)
    except AnnotateError as error:
        raise ModelError(str(error), problems=error.problems) from None
    if not examples:
        _refuse_other_schema(source, schema, left_out)
        raise ModelError(f"{source}: no document has a completed annotation ({tasks} task(s) read); annotate some "
                         "in Label Studio, pull again, then train")
    if left_out and len(left_out) >= len(examples):
        _refuse_other_schema(source, schema, left_out)
    digest = hashlib.sha256()
    with source.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    ordered = tuple(examples[key] for key in sorted(examples))
    return TrainingData(source, digest.hexdigest(), source.stat().st_size, ordered, tasks, tuple(left_out))


def _refuse_other_schema(source: Path, schema: Schema, problems: list[Problem]) -> None:
    """One line when most problems say the annotations use labels or controls the schema lacks."""
    foreign = [p for p in problems if any(sign in p.message for sign in _SCHEMA_SIGNS)]
    if foreign:
        where = schema.path or schema.name
        raise ModelError(f"{source}: the annotations do not match the schema {where} ({len(foreign)} problem(s); "
                         f"first: {foreign[0]}); train with the schema the project was made with (--schema FILE)",
                         problems=[str(p) for p in foreign])
