"""Streaming the tasks of a Label Studio JSON export, one by one, without loading the file whole.

:func:`iter_tasks` reads a JSON array of tasks (what Label Studio's JSON export writes) or JSON
Lines, in chunks, with ``JSONDecoder.raw_decode`` on a growing buffer. Every error names the byte
offset and what to do.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotate.conversion.problems import kind
from annotate.errors import AnnotationError

_CHUNK = 1 << 20
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODE = json.JSONDecoder().raw_decode


def iter_tasks(path: Path) -> Iterator[dict]:
    """Yield the tasks of a Label Studio JSON export one by one, in file order.

    The file is a JSON array of task objects (what Label Studio's JSON export writes) or JSON
    Lines, one task per line. It is read in chunks, so memory does not grow with the number of
    tasks. Raises :class:`AnnotationError` naming the byte offset when the file is not valid
    JSON, ends early, or holds something other than task objects (an object with neither
    ``data`` nor ``annotations`` is not a task: a JSON_MIN export, or some other JSON).
    """
    reader = _TaskReader(Path(path))
    try:
        yield from reader.tasks()
    finally:
        reader.close()


def iter_tasks_with_text(path: Path) -> Iterator[tuple[dict, str]]:
    """Like :func:`iter_tasks`, each task with its JSON text exactly as the file has it."""
    reader = _TaskReader(Path(path), keep_text=True)
    try:
        for task in reader.tasks():
            yield task, reader.text
    finally:
        reader.close()


class _TaskReader:
    """A growing text buffer over the file, decoded with ``JSONDecoder.raw_decode``."""

    def __init__(self, path: Path, *, keep_text: bool = False) -> None:
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
        self.keep_text = keep_text
        self.text = ""  # with keep_text, the JSON text of the last task read

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
                self._fail(pos, f"task #{index + 1} is {kind(value)}, not a task object; "
                                "export the project again as JSON")
            if "data" not in value and "annotations" not in value:
                self._fail(pos, f"task #{index + 1} has neither \"data\" nor \"annotations\": this is not "
                                "Label Studio's JSON export (JSON_MIN and CSV exports hold flat rows); export "
                                "the project as JSON, or run annotate pull")
            index += 1
            if self.keep_text:
                self.text = self.buffer[pos:end]
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
