"""The pulled file, one task at a time: reading it, writing it, and counting what it holds.

A pulled file is a JSON array of Label Studio tasks, as an export snapshot writes it. It is never
held whole in memory: :func:`read_tasks` streams it, :func:`write_tasks` writes a stream of tasks
to a temp file (fsynced) and returns its SHA-256, and :class:`FileCounts` counts tasks as they go by.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from annotate.conversion.pseudonyms import identify
from annotate.conversion.task_stream import iter_tasks, iter_tasks_with_text
from annotate.errors import AnnotationError, ExportError
from annotate.studio.changes import Tallies


def read_tasks(path: Path, out: Path) -> Iterator[dict[str, Any]]:
    """The tasks of ``path`` (a download or an earlier pull of ``out``) one by one."""
    try:
        yield from iter_tasks(path)
    except AnnotationError as error:
        raise ExportError(f"the export downloaded for {out} is not a valid list of tasks ({error}); "
                          "pull again") from None


def read_tasks_with_text(path: Path, out: Path, *, earlier: bool = False) -> Iterator[tuple[dict[str, Any], str]]:
    """The tasks of ``path`` one by one, each with its JSON text as the file has it; ``earlier``:
    ``path`` is the earlier pull of ``out`` (not a download)."""
    try:
        yield from iter_tasks_with_text(path)
    except AnnotationError as error:
        if earlier:
            raise ExportError(f"{out}, the earlier pull, is not a valid list of tasks ({error}); "
                              "pull again with --full") from None
        raise ExportError(f"the export downloaded for {out} is not a valid list of tasks ({error}); "
                          "pull again") from None


class TaskStore:
    """Tasks kept in a file and read back one by one by id: memory holds only where each one is."""

    def __init__(self, path: Path, places: dict[int, tuple[int, int]]) -> None:
        self.path, self.places = path, places

    @classmethod
    def of(cls, download: Path, path: Path, out: Path) -> TaskStore:
        """The tasks of ``download`` (a snapshot downloaded for ``out``), kept in ``path``."""
        places: dict[int, tuple[int, int]] = {}
        with open(path, "wb") as handle:
            for task, text in read_tasks_with_text(download, out):
                data = text.encode("utf-8")
                places[int(task["id"])] = (handle.tell(), len(data))
                handle.write(data)
        return cls(path, places)

    def __contains__(self, task_id: int) -> bool:
        return task_id in self.places

    def __len__(self) -> int:
        return len(self.places)

    def ids(self) -> set[int]:
        return set(self.places)

    def get(self, task_id: int) -> tuple[dict[str, Any], str]:
        """The task and its JSON text, as the snapshot had it."""
        offset, length = self.places[task_id]
        with open(self.path, "rb") as handle:
            handle.seek(offset)
            text = handle.read(length).decode("utf-8")
        return json.loads(text), text


def as_json(task: dict[str, Any]) -> str:
    """A task's JSON text, encoded as Label Studio's export encodes it."""
    return json.dumps(task, ensure_ascii=False)


def write_tasks(path: Path, tasks: Iterable[tuple[int, str]]) -> str:
    """Write tasks, given as (id, JSON text), to ``path`` as one JSON array in the order of their
    ids, flushed to disk; the file's SHA-256.

    Label Studio's snapshots follow the database's order, which on PostgreSQL moves a task when it
    is updated; in id order, the same tasks always give the same file (and the same dataset)."""
    places: list[tuple[int, int, int]] = []  # id, byte offset, length
    digest = hashlib.sha256()
    with open(path, "wb") as handle:
        offset = 0

        def write(chunk: bytes) -> None:
            nonlocal offset
            handle.write(chunk)
            digest.update(chunk)
            offset += len(chunk)

        write(b"[")
        for index, (task_id, text) in enumerate(tasks):
            if index:
                write(b", ")
            data = text.encode("utf-8")
            places.append((task_id, offset, len(data)))
            write(data)
        write(b"]")
        handle.flush()
        if any(left[0] > right[0] for left, right in zip(places, places[1:])):
            return _rewrite_in_order(path, sorted(places))
        os.fsync(handle.fileno())
    return digest.hexdigest()


def _rewrite_in_order(path: Path, places: list[tuple[int, int, int]]) -> str:
    ordered = path.with_name(path.name + ".ordered")
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as source, open(ordered, "wb") as handle:
            def write(chunk: bytes) -> None:
                handle.write(chunk)
                digest.update(chunk)

            write(b"[")
            for index, (_, offset, length) in enumerate(places):
                source.seek(offset)
                write((b", " if index else b"") + source.read(length))
            write(b"]")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(ordered, path)
    finally:
        ordered.unlink(missing_ok=True)
    return digest.hexdigest()


class FileCounts:
    """Counts of a pulled file, task by task: what ``annotate pull`` reports and records.

    ``users`` collects the (user id, e-mail) of every expanded ``completed_by``."""

    def __init__(self) -> None:
        self.tasks = self.annotations = self.cancelled = self.ground_truth = self.unannotated = 0
        self.ground_truth_all = self.predictions = 0
        self.annotators: set[str] = set()
        self.users: set[tuple[int, str]] = set()

    def add(self, task: Any) -> None:
        self.tasks += 1
        completed = 0
        annotations = (task.get("annotations") or []) if isinstance(task, dict) else []
        for annotation in annotations:
            if not isinstance(annotation, dict):
                continue
            user_id, email = identify(annotation.get("completed_by"))
            if user_id is not None and email is not None:
                self.users.add((user_id, email))
            self.ground_truth_all += bool(annotation.get("ground_truth"))
            if annotation.get("was_cancelled"):
                self.cancelled += 1
                continue
            completed += 1
            self.ground_truth += bool(annotation.get("ground_truth"))
            who = annotation.get("completed_by")
            who = who.get("id", who.get("email")) if isinstance(who, dict) else who
            self.annotators.add(json.dumps(who))
        self.predictions += len(task.get("predictions") or ()) if isinstance(task, dict) else 0
        self.annotations += completed
        self.unannotated += completed == 0

    def counted(self, tasks: Iterable[Any]) -> Iterator[Any]:
        """``tasks``, counted as they pass."""
        for task in tasks:
            self.add(task)
            yield task

    def as_dict(self) -> dict[str, int]:
        """Tasks, annotations, annotators, cancelled, ground truth, unannotated (the sidecar's counts)."""
        return {"tasks": self.tasks, "annotations": self.annotations, "annotators": len(self.annotators),
                "cancelled": self.cancelled, "ground_truth": self.ground_truth,
                "documents_without_annotation": self.unannotated}

    def tallies(self) -> Tallies:
        """The counts Label Studio keeps for a project, to compare with :func:`project_tallies`."""
        return Tallies(tasks=self.tasks, annotations=self.annotations, cancelled=self.cancelled,
                       ground_truth=self.ground_truth_all, predictions=self.predictions)


def count(tasks: Iterable[Any]) -> dict[str, int]:
    """Counts of a raw export: tasks, annotations, annotators, cancelled, ground truth, unannotated."""
    counts = FileCounts()
    for task in tasks:
        counts.add(task)
    return counts.as_dict()
