"""Load the corpus: ``.txt`` articles and ``.jsonl`` files, as exact texts with stable ids.

The text of a document is exactly what annotators see and what every offset indexes: it is
decoded from the file's bytes and never changed afterwards (``\\r\\n``, quotes, emoji and HTML
stay as they are). Only a leading UTF-8 byte-order mark of a file is dropped, because it is an
encoding marker rather than text.

Bad input never stops the reading of the rest: each bad file or line becomes one
:class:`CorpusProblem`, and the document is skipped. A few problems are fatal (see
:func:`load_corpus`); with ``strict=True`` every problem is.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotate.corpus.identity import RESERVED, Registry, corpus_folder, read_registry
from annotate.errors import CorpusError

SUFFIXES = (".txt", ".jsonl")
_BOM = "\ufeff"
_UTF8_BOM = b"\xef\xbb\xbf"
_LINE = re.compile(r"[^\r\n]+")
_KNOWN_FIELDS = ("id", "title", "text")


@dataclass(frozen=True)
class Document:
    """One article, exactly as annotators will see it."""

    id: str
    title: str
    text: str
    source: str  # path relative to the corpus folder, POSIX form
    sha256: str  # of the whole source file's bytes
    line: int | None = None  # 1-based line of a JSONL file; None for .txt
    meta: dict[str, Any] = field(default_factory=dict)  # extra JSONL fields, JSON scalars only


@dataclass(frozen=True)
class CorpusProblem:
    """A file or JSONL line that was skipped, or that stops the run when ``fatal``, or a warning
    about a document that was kept (``kept``).

    ``source`` is the path as the user sees it (the corpus path joined with the file's path).
    """

    source: str
    line: int | None
    message: str
    fatal: bool
    kept: bool = False  # the document was imported all the same (a warning, not a skip)

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Corpus:
    documents: tuple[Document, ...]
    problems: tuple[CorpusProblem, ...]


def document_id(source: str, text: str) -> str:
    """A stable id from the source name (relative path) and the exact text: the id of a JSONL line
    without ``id`` (and of every ``.txt`` article before ids followed the source, kept in ``ids.json``)."""
    digest = hashlib.sha256()
    digest.update(unicodedata.normalize("NFC", source).encode("utf-8", "surrogatepass"))
    digest.update(b"\0")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return "doc-" + digest.hexdigest()[:16]


def load_corpus(path: str | Path = "seeds", *, strict: bool = False) -> Corpus:
    """Load a folder of ``.txt``/``.jsonl`` files (recursively, in sorted order) or one such file.

    Skipped and reported: an empty or whitespace-only file or text, a file that is not UTF-8 or
    is binary, a JSONL line that is not a JSON object or lacks a string ``text``, a text already
    seen (the later copy), a file of another type, an unreadable file. Fatal: a missing corpus
    path, no document at all, one id given to two different texts. Raises
    :class:`CorpusError` listing every problem when a fatal one occurs, or any with ``strict``.
    """
    root = Path(path)
    shown = _printable(root.as_posix())
    if not root.exists():
        raise CorpusError(
            f"corpus {shown} not found; pass a folder of .txt/.jsonl articles or one such file",
            problems=[f"{shown}: not found"],
        )
    if root.is_file() and root.suffix.lower() not in SUFFIXES:
        raise CorpusError(
            f"corpus {shown} is not a .txt or .jsonl file; pass a folder of articles or one "
            "such file",
            problems=[f"{shown}: not a .txt or .jsonl file"],
        )
    registry, broken = read_registry(corpus_folder(root))
    loader = _Loader(registry)
    if broken:
        loader.problem(_printable(registry.path.as_posix()), None, broken, fatal=True)
    for source, shown_file, file in _corpus_files(root, loader):
        loader.load_file(source, shown_file, file)
    if root.is_dir():
        loader.report_unused_ids(_printable(registry.path.as_posix()))
    if not loader.documents:
        loader.problem(shown, None, "no documents loaded; add .txt or .jsonl articles or fix "
                                    "the problems above", fatal=True)
    problems = loader.problems
    fatal = [problem for problem in problems if problem.fatal]
    if fatal or (strict and problems):
        if fatal:
            summary = (f"cannot load corpus {shown}: {len(fatal)} fatal problem(s) of "
                       f"{len(problems)}; first: {fatal[0]}")
        else:
            summary = (f"corpus {shown} has {len(problems)} problem(s) and strict mode allows "
                       f"none; first: {problems[0]}")
        raise CorpusError(summary, problems=[str(problem) for problem in problems])
    return Corpus(documents=tuple(loader.documents), problems=tuple(problems))


def _corpus_files(root: Path, loader: _Loader) -> Iterator[tuple[str, str, Path]]:
    """Yield (source, shown path, path) of every corpus file; report and skip the others."""
    if root.is_file():
        yield _nfc(root.name), _printable(root.as_posix()), root
        return
    found: list[tuple[tuple[str, ...], str, Path]] = []

    def unreadable_folder(error: OSError) -> None:
        shown = _printable(Path(error.filename or root).as_posix())
        loader.problem(shown, None, f"cannot read the folder ({error.strerror}); check its "
                                    "permissions", fatal=False)

    for folder, subfolders, names in os.walk(root, onerror=unreadable_folder):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")
                         and not (folder == str(root) and name in RESERVED)]
        linked = [name for name in subfolders if os.path.islink(os.path.join(folder, name))]
        for name in names + linked:  # links to folders are listed, and reported, not followed
            if not name.startswith(".") and not (folder == str(root) and name in RESERVED):
                file = Path(folder, name)
                source = _nfc(file.relative_to(root).as_posix())
                found.append((tuple(source.split("/")), source, file))
    for _, source, file in sorted(found, key=lambda item: item[0]):
        shown = _printable(file.as_posix())
        if file.is_dir():
            loader.problem(shown, None, "ignored: links to folders are not followed; copy the "
                                        "articles into the corpus", fatal=False)
        elif file.suffix.lower() not in SUFFIXES:
            loader.problem(shown, None, "ignored: not a .txt or .jsonl file", fatal=False)
        elif not _is_utf8(source):
            loader.problem(shown, None, "file name is not valid UTF-8; rename the file",
                           fatal=False)
        else:
            yield source, shown, file


class _Loader:
    """Collects documents and problems; one instance per :func:`load_corpus` call."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.documents: list[Document] = []
        self.problems: list[CorpusProblem] = []
        self._by_text: dict[str, tuple[Document, str]] = {}
        self._by_id: dict[str, tuple[Document, str]] = {}

    def problem(self, shown: str, line: int | None, message: str, *, fatal: bool = False, kept: bool = False) -> None:
        self.problems.append(CorpusProblem(shown, line, message, fatal, kept))

    def load_file(self, source: str, shown: str, file: Path) -> None:
        try:
            if not stat.S_ISREG(file.stat().st_mode):
                self.problem(shown, None, "ignored: not a regular file")
                return
            data = file.read_bytes()
        except OSError as error:
            self.problem(shown, None, f"cannot read the file ({error.strerror or error}); check "
                                      "that it exists and is readable")
            return
        if data in (b"", _UTF8_BOM):
            self.problem(shown, None, "empty file; write the article in it or remove the file")
            return
        nul = data.find(b"\0")
        if nul >= 0:
            self.problem(shown, None, f"binary file (NUL byte at byte offset {nul}); save the "
                                      "article as UTF-8 text")
            return
        sha256 = hashlib.sha256(data).hexdigest()
        if file.suffix.lower() == ".txt":
            self._load_txt(source, shown, data, sha256)
        else:
            self._load_jsonl(source, shown, data, sha256)

    def _load_txt(self, source: str, shown: str, data: bytes, sha256: str) -> None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            self.problem(shown, None, _not_utf8(data, error.start, error.start))
            return
        text = text.removeprefix(_BOM)
        if not text.strip():
            self.problem(shown, None, "only whitespace; write the article in it or remove the file")
            return
        self._add(Document(self.registry.id_for(source), _title(text), text, source, sha256), shown)

    def report_unused_ids(self, shown: str) -> None:
        """A registry entry without its file: a renamed or removed article (a warning)."""
        loaded = {document.source for document in self.documents}
        for source in sorted(set(self.registry.ids) - loaded):
            self.problem(shown, None, f"{source!r} (id {self.registry.ids[source]}) is not in the corpus; if the "
                                      "file was renamed, write its new path there to keep its id", kept=True)

    def _load_jsonl(self, source: str, shown: str, data: bytes, sha256: str) -> None:
        offset = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
        seen_line = False
        for number, raw in enumerate(data[offset:].split(b"\n"), start=1):
            start, offset = offset, offset + len(raw) + 1
            if not raw.strip():
                continue
            seen_line = True
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                self.problem(shown, number, _not_utf8(raw, error.start, start + error.start))
                continue
            try:
                value = json.loads(line, object_pairs_hook=_object_without_duplicate_keys,
                                   parse_constant=_reject_constant)
            except json.JSONDecodeError as error:
                self.problem(shown, number, f"not valid JSON at column {error.colno} ({error.msg}); "
                                            "fix or remove the line")
                continue
            except (ValueError, RecursionError) as error:
                reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
                self.problem(shown, number, f"not valid JSON ({reason}); fix or remove the line")
                continue
            document = self._jsonl_document(source, shown, number, value, sha256)
            if document is not None:
                self._add(document, shown)
        if not seen_line:
            self.problem(shown, None, "only whitespace; write one JSON object per line or remove "
                                      "the file")

    def _jsonl_document(self, source: str, shown: str, line: int, value: Any,
                        sha256: str) -> Document | None:
        def skip(message: str) -> None:
            self.problem(shown, line, f"{message}; fix or remove the line")

        if not isinstance(value, dict):
            return skip(f"line is not a JSON object (it is {_json_kind(value)})")
        text = value.get("text")
        if "text" not in value:
            return skip('no "text" field')
        if not isinstance(text, str):
            return skip(f'"text" is {_json_kind(text)}, not a string')
        if not text.strip():
            return skip('"text" is empty or only whitespace')
        given_id, title = value.get("id"), value.get("title")
        if isinstance(given_id, bool) or not isinstance(given_id, (str, int, type(None))):
            return skip(f'"id" is {_json_kind(given_id)}; use a string or an integer')
        if isinstance(given_id, str) and (not given_id.strip() or given_id != given_id.strip()
                                          or not given_id.isprintable()):
            return skip(f'"id" {given_id!r} must be non-empty, on one line, without '
                        "surrounding spaces")
        if title is not None and not isinstance(title, str):
            return skip(f'"title" is {_json_kind(title)}, not a string')
        meta = {key: item for key, item in value.items() if key not in _KNOWN_FIELDS}
        for key, item in value.items():
            if reason := _bad_characters(key):
                return skip(f"field name {json.dumps(key)} {reason}")
            if isinstance(item, str) and (reason := _bad_characters(item)):
                return skip(f"{json.dumps(key)} {reason}")
        nested = [key for key, item in meta.items() if isinstance(item, (dict, list))]
        if nested:
            names = ", ".join(json.dumps(key) for key in nested)
            self.problem(shown, line, f"field(s) {names} are not JSON scalars and were left out of "
                                      "meta (the document is kept); flatten them to strings or numbers",
                         kept=True)
            meta = {key: item for key, item in meta.items() if key not in nested}
        doc_id = document_id(source, text) if given_id is None else str(given_id)
        title = title.strip() if title and title.strip() else _title(text)
        return Document(doc_id, title, text, source, sha256, line, meta)

    def _add(self, document: Document, shown: str) -> None:
        line = document.line
        where = shown if line is None else f"{shown}:{line}"
        first = self._by_text.get(document.text)
        if first is not None:
            self.problem(shown, line, f"same text as {first[0].id} ({first[1]}); "
                                      "remove one of the copies")
            return
        other = self._by_id.get(document.id)
        if other is not None:
            self.problem(shown, line, f"id {document.id!r} is also the id of {other[1]}, whose "
                                      "text differs; give each document its own id", fatal=True)
            return
        self._by_text[document.text] = self._by_id[document.id] = (document, where)
        self.documents.append(document)


def _title(text: str) -> str:
    """The first line, stripped; if it is blank, the first non-blank line."""
    for line in _LINE.finditer(text):
        if title := line.group().strip():
            return title
    return ""


def _not_utf8(data: bytes, index: int, offset: int) -> str:
    return (f"not UTF-8 (byte 0x{data[index]:02x} at byte offset {offset}); save the file as "
            "UTF-8")


def _bad_characters(value: str) -> str | None:
    """Why a string cannot be stored or shown as text (a NUL, a lone surrogate), or None."""
    nul = value.find("\0")
    if nul >= 0:
        return f"contains a NUL character (\\u0000) at position {nul}"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        return (f"contains a lone surrogate (\\u{ord(value[error.start]):04x}) at position "
                f"{error.start}")
    return None


def _object_without_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"key {json.dumps(key)} appears twice")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _json_kind(value: Any) -> str:
    kinds = {dict: "an object", list: "an array", str: "a string", bool: "true/false",
             int: "a number", float: "a number", type(None): "null"}
    return kinds.get(type(value), type(value).__name__)


def _nfc(source: str) -> str:
    return unicodedata.normalize("NFC", source)


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable(name: str) -> str:
    """A path shown on one line: control and undecodable characters escaped."""
    if name.isprintable():
        return name
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in name)
