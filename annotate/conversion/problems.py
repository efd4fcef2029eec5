"""A problem found in a Label Studio export, and how values are shown in its message.

A :class:`Problem` names where it is (document, task, annotation, region) and what to do; nothing
in an export is dropped or "fixed" silently. :class:`TaskProblems` records the problems of one
task. The small formatters keep every message on one line, whatever the export holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

FIX = "fix it in Label Studio and pull again"
NO_VALUE_TEXT = "regions_without_text"  # warning kinds, named as the export counts them
WHITESPACE_SPAN = "whitespace_spans_left_out"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an export, and where: document, task, annotation, region."""

    document_id: str | None
    task_id: int | None
    annotation_id: int | None
    region_id: str | None
    message: str
    kind: str = ""  # for a warning: what kind, to count them (NO_VALUE_TEXT, WHITESPACE_SPAN)

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


@dataclass(frozen=True)
class TaskProblems:
    """Where the problems of one task are recorded, each naming the document and the task; and its
    warnings: what is kept, but said (a region whose offsets could not be cross-checked, a span
    of white space alone that is left out)."""

    document_id: str
    task_id: int
    problems: list[Problem]
    warnings: list[Problem] = field(default_factory=list)

    def add(self, annotation_id: int | None, region_id: str | None, message: str) -> None:
        self.problems.append(Problem(self.document_id, self.task_id, annotation_id, region_id, message))

    def warn(self, kind: str, annotation_id: int | None, region_id: str | None, message: str) -> None:
        self.warnings.append(Problem(self.document_id, self.task_id, annotation_id, region_id, message, kind))


def kind(value: Any) -> str:
    """What a JSON value is, for a message: "null", "a number", "a list", ..."""
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "an object"}.get(type(value), type(value).__name__)


SHOWN = 40  # characters of a value quoted in a message


def short(value: Any) -> str:
    """A value shown in a message: JSON, on one line, cut to ``SHOWN`` characters."""
    try:
        shown = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        shown = repr(value)
    return shown if len(shown) <= SHOWN else shown[: SHOWN - 3] + "..."


def _quote(text: str) -> str:
    """Text quoted for a message, cut to ``SHOWN`` characters, escapes shown (one line)."""
    return json.dumps(text if len(text) <= SHOWN else text[: SHOWN - 3] + "...", ensure_ascii=False)


def difference(shown: str, actual: str) -> tuple[str, str]:
    """Both texts quoted for a message, starting a little before the first difference."""
    common = 0
    for common, (a, b) in enumerate(zip(shown, actual)):
        if a != b:
            break
    else:
        common = min(len(shown), len(actual))
    cut = max(0, common - 20) if common > SHOWN - 15 else 0
    prefix = "..." if cut else ""
    return (_quote(prefix + shown[cut:]), _quote(prefix + actual[cut:]))


def _show_id(value: str) -> str:
    return value if value.isprintable() and " " not in value and value else json.dumps(value, ensure_ascii=False)
