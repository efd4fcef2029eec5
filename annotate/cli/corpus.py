"""``annotate corpus``: list the corpus documents and the problems found in it."""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from typing import TYPE_CHECKING

from annotate.cli.options import add_corpus
from annotate.errors import CorpusError

if TYPE_CHECKING:
    from annotate.corpus.reader import Corpus, Document

TITLE_WIDTH = 48


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "corpus",
        help="list the corpus documents (id, title, length, source) and the problems found",
        description="Load the corpus as it will be sent to Label Studio and list each document "
        "with its id, title, length in characters and source, then every problem found. Bad "
        "files and lines are reported and skipped; a missing corpus, an empty corpus or one id "
        "for two different texts stops the run (exit 1).",
    )
    add_corpus(parser)
    parser.add_argument("--strict", action="store_true",
                        help="make every problem fatal (exit 1 if any is found)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text: a table on stdout, problems on stderr (default); "
                        "json: one JSON object on stdout")
    parser.add_argument("--keep-text-ids", action="store_true",
                        help="record in the corpus's ids.json the id that earlier annotate versions gave each .txt "
                        "article (a hash of its path and text), so that existing projects and datasets keep "
                        "their documents; run it once, before correcting any text")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from annotate.corpus.reader import load_corpus

    if args.keep_text_ids:
        from annotate.corpus.migration import keep_text_ids

        registry, added = keep_text_ids(args.corpus)
        print(f"{registry}: recorded the earlier id of {added} article(s)")
    try:
        corpus = load_corpus(args.corpus, strict=args.strict)
    except CorpusError as error:
        if args.format == "json":
            _print_json(args.corpus, None, error.problems, str(error))
        else:
            for problem in error.problems:
                print(problem, file=sys.stderr)
        raise
    problems = [str(problem) for problem in corpus.problems]
    if args.format == "json":
        _print_json(args.corpus, corpus, problems, None)
        return 0
    _print_table(corpus)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(_summary(corpus))
    return 0


def _print_table(corpus: Corpus) -> None:
    rows = [("ID", "TITLE", "CHARS", "SOURCE")]
    rows += [(doc.id, _short(doc.title), f"{len(doc.text):,}", _where(doc))
             for doc in corpus.documents]
    widths = [max(_width(row[column]) for row in rows) for column in range(3)]
    for doc_id, title, chars, source in rows:
        print(f"{_pad(doc_id, widths[0])}  {_pad(title, widths[1])}  {chars:>{widths[2]}}  {source}")


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: combining marks, joiners and skin tones none, wide
    (East Asian) characters and emoji two."""
    width = 0
    for char in text:
        if (unicodedata.combining(char) or char in "\u200d\ufe0f" or unicodedata.category(char) == "Mn"
                or "\U0001f3fb" <= char <= "\U0001f3ff"):  # skin tones join the emoji before them
            continue
        width += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return width


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _summary(corpus: Corpus) -> str:
    characters = sum(len(doc.text) for doc in corpus.documents)
    line = f"{_counted(len(corpus.documents), 'document')}, {_counted(characters, 'character')}"
    skipped = sum(1 for problem in corpus.problems if not problem.kept)
    warnings = len(corpus.problems) - skipped
    if not corpus.problems:
        return f"{line}; no problems"
    parts = [f"{_counted(skipped, 'problem')} reported and skipped"] if skipped else []
    parts += [f"{_counted(warnings, 'warning')} about documents kept"] if warnings else []
    return f"{line}; {', '.join(parts)} (listed on stderr; --strict makes them fatal)"


def _counted(number: int, singular: str) -> str:
    """``1 document``, ``12,345 characters``."""
    from annotate.wording import noun

    return f"{number:,} {noun(number, singular)}"


def _print_json(corpus_path: str, corpus: Corpus | None, problems: list[str],
                error: str | None) -> None:
    documents = [] if corpus is None else [_document_json(doc) for doc in corpus.documents]
    report = {"corpus": corpus_path, "ok": error is None, "error": error,
              "documents": documents, "problems": problems}
    print(json.dumps(report, indent=2))


def _document_json(doc: Document) -> dict[str, object]:
    return {"id": doc.id, "title": doc.title, "chars": len(doc.text), "source": doc.source,
            "line": doc.line, "sha256": doc.sha256, "meta": doc.meta}


def _where(doc: Document) -> str:
    source = _one_line(doc.source)
    return source if doc.line is None else f"{source}:{doc.line}"


def _short(title: str) -> str:
    """The title on one line, cut to the table's width."""
    title = _one_line(" ".join(title[: TITLE_WIDTH * 4].split()))
    return title if len(title) <= TITLE_WIDTH else title[: TITLE_WIDTH - 1] + "…"


def _one_line(value: str) -> str:
    """Control characters (terminal escapes included) shown as U+FFFD, never sent raw."""
    return value if value.isprintable() else "".join(
        char if char.isprintable() else "\ufffd" for char in value)
